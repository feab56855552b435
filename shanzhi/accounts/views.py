from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.views import generic

from shanzhi.core.registry import registry


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    scope_exempt = "Signing in happens before any scope exists."


class LogoutView(auth_views.LogoutView):
    scope_exempt = "Signing out touches no business record."


class HomeView(LoginRequiredMixin, generic.TemplateView):
    """The landing page of each role: panels contributed by the apps for that role."""

    template_name = "accounts/home.html"
    scope_exempt = "Shows only panels; each panel reads through scoped querysets."

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        role = self.request.user.role
        panels = []
        for _order, func in sorted(registry.home_panels.get(role, []), key=lambda p: p[0]):
            panel = func(self.request)
            if panel:
                panels.append(panel)
        ctx["panels"] = panels
        return ctx


class ProfileView(LoginRequiredMixin, generic.TemplateView):
    template_name = "accounts/profile.html"
    scope_exempt = "The signed-in user's own account."

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["grids"] = user.grid_assignments.filter(is_deleted=False).select_related("grid", "grid__community")
        ctx["groups"] = user.groups.all()
        return ctx


class RootRedirectView(generic.RedirectView):
    """Until the public portal is mounted, "/" leads to the signed-in home (or log-in)."""

    pattern_name = "accounts:home"
    permanent = False
    scope_exempt = "A redirect only; the target page applies the scope."
