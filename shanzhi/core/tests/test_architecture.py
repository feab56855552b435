"""Every URL's view goes through the scoped base (NetBox issue 16093 closed by a test)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from shanzhi.core.api import ScopedViewSetMixin
from shanzhi.core.views import ScopedMixin

# Third-party views with their own protection, and why they need no scope.
ALLOWED_MODULE_PREFIXES = {
    "django.contrib.admin": "staff-only admin with Django's own model permissions",
    "django.views.i18n": "language switch, no data",
    "django.views.static": "media files in development",
    "drf_spectacular.views": "the API description, no records",
    "rest_framework.routers": "the API root: links only",
}


def iter_patterns(resolver=None, prefix="", namespace=""):
    """(route, pattern) of every URL; the admin site's own URLs are left out (staff only,
    guarded by Django's admin permissions)."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns == "admin":
                continue
            yield from iter_patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def classify(callback):
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    module = (view_class or callback).__module__
    for allowed, why in ALLOWED_MODULE_PREFIXES.items():
        if module.startswith(allowed):
            return "third-party", why
    if view_class is None:
        exempt = getattr(callback, "scope_exempt", "")
        return ("exempt", exempt) if exempt else ("unscoped-function", module)
    if issubclass(view_class, (ScopedMixin, ScopedViewSetMixin)):
        return "scoped", ""
    exempt = getattr(view_class, "scope_exempt", "")
    if isinstance(exempt, str) and len(exempt.strip()) >= 10:
        return "exempt", exempt
    return "unscoped", f"{module}.{view_class.__name__}"


ALL = sorted(iter_patterns(), key=lambda x: x[0])


def test_the_url_list_is_not_empty():
    assert len(ALL) > 40


@pytest.mark.parametrize("route, pattern", ALL, ids=[r for r, _ in ALL])
def test_view_uses_scoped_base_or_states_why_not(route, pattern):
    kind, detail = classify(pattern.callback)
    assert kind in {"scoped", "exempt", "third-party"}, (
        f"{route} → {detail}: derive from core.views.ScopedMixin / core.api.ScopedViewSetMixin, "
        "or set scope_exempt = '<why no scope applies>' on a public view"
    )


def test_classifier_catches_an_unscoped_view():
    from django.views.generic import ListView

    class Leaky(ListView):
        pass

    assert classify(Leaky.as_view())[0] == "unscoped"

    class Excused(ListView):
        scope_exempt = "public page without personal data"

    assert classify(Excused.as_view())[0] == "exempt"


@pytest.mark.django_db
def test_an_api_call_without_credentials_is_a_401_that_says_how_to_authenticate(client):
    r = client.get("/api/cases/cases/")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Token")
