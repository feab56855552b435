"""Root URLs. Each app's pages live under its own prefix and its API under /api/<prefix>/;
an app without a urls module (yet) is simply not mounted."""

from importlib.util import find_spec

from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

APPS = [
    # (URL prefix, app package)
    ("orgs", "orgs"),
    ("notifications", "notifications"),
    ("plans", "plans"),
    ("cases", "cases"),
    ("field", "fieldwork"),
    ("projects", "projects"),
    ("cockpit", "cockpit"),
]


def _has(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin): every such visit
    logged a 404."""

    permanent = False  # the static name carries a hash in production: a 301 would be cached past a deploy
    scope_exempt = "The site's icon: a static file."

    def get_redirect_url(self, *args, **kwargs):
        return static_url("favicon.svg")  # at request time: a hashed name in production


# The REST API first, under one prefix: Django tries the patterns in order, so an API call
# (the hot path of intake) is resolved without walking every page pattern before it.
api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    *(
        path(f"{prefix}/", include(f"shanzhi.{app}.api.urls"))
        for prefix, app in APPS
        if _has(f"shanzhi.{app}.api.urls")
    ),
]
urlpatterns = [
    path("api/", include(api_patterns)),
    path("favicon.ico", FaviconView.as_view()),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("shanzhi.accounts.urls")),
]
for prefix, app in APPS:
    if _has(f"shanzhi.{app}.urls"):
        urlpatterns.append(path(f"{prefix}/", include(f"shanzhi.{app}.urls")))
if _has("shanzhi.open311.urls"):
    urlpatterns.append(path("open311/", include("shanzhi.open311.urls")))
if _has("shanzhi.cockpit.public_urls"):
    # The public portal owns "/".
    urlpatterns.append(path("", include("shanzhi.cockpit.public_urls")))
else:
    from shanzhi.accounts.views import RootRedirectView

    urlpatterns.append(path("", RootRedirectView.as_view(), name="root"))

# Uploaded files are never served from /media (not even in development): each goes through a
# view that checks the viewer's scope (core.views.ScopedFileView).

admin.site.site_header = "善治 Shanzhi"
admin.site.site_title = "善治 Shanzhi"
