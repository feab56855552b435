"""Visit every URL pattern of every app as every role (and anonymously) on the demo data.

For views bound to a model and an object, the expected status follows from the role's model
permission (403 without it) and the scoped queryset (404 outside the scope); for the rest, any
answer but a server error. Anonymous visitors are sent to log in (pages) or refused (API)
everywhere except views that state why they are public.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shanzhi.core.tests.test_architecture import classify, iter_patterns

pytestmark = pytest.mark.django_db(transaction=False)

DEMO_USERS = ["demo-admin", "demo-leader", "demo-dept", "demo-desk", "demo-community", "demo-grid", "demo-resident"]
PK_RE = re.compile(r"<int:(pk|\w+_pk|id)>")
ANY_PARAM = re.compile(r"<[^>]+>")


def _view_class(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def _model_of(view_class):
    if view_class is None:
        return None
    model = getattr(view_class, "model", None)
    if model is None and getattr(view_class, "queryset", None) is not None:
        model = view_class.queryset.model
    return model


def _fill(route: str, model, view_class=None) -> tuple[str | None, object]:
    """A concrete path for the route, with the first live row of the model for a single <int:pk>
    (for a file view, the first with a file)."""
    from shanzhi.core.views import ScopedFileView

    params = ANY_PARAM.findall(route)
    if not params:
        return "/" + route.replace("^", "").replace("$", ""), None
    if len(params) == 1 and PK_RE.fullmatch(params[0]) and model is not None and hasattr(model, "all_objects"):
        rows = model.objects.order_by("pk")
        if view_class is not None and issubclass(view_class, ScopedFileView):
            rows = rows.exclude(**{view_class.file_field: ""})
        obj = rows.first()
        if obj is None:
            return None, None
        return "/" + ANY_PARAM.sub(str(obj.pk), route), obj
    return None, None


def _routes():
    out = []
    for route, pattern in iter_patterns():
        kind, _ = classify(pattern.callback)
        if (
            kind == "third-party"
            or route.startswith(("admin/", "i18n/"))
            or "(?P<format>" in route
            or r"\.(?P" in route
        ):
            continue
        out.append((route, pattern, kind))
    return out


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def test_every_url_as_every_role(demo):
    from shanzhi.accounts.models import User

    routes = _routes()
    visited, skipped, failures = 0, [], []
    clients = {"anon": Client(raise_request_exception=False)}
    users = {}
    for username in DEMO_USERS:
        c = Client(raise_request_exception=False)
        users[username] = User.objects.get(username=username)
        c.force_login(users[username])
        clients[username] = c
    for route, pattern, kind in routes:
        view_class = _view_class(pattern.callback)
        model = _model_of(view_class)
        path, obj = _fill(route, model, view_class)
        if path is None:
            skipped.append(route)
            continue
        visited += 1
        for who, c in clients.items():
            resp = c.get(path)
            code = resp.status_code
            if code >= 500:
                failures.append(f"{who} GET {path} → {code}")
                continue
            if code == 405:  # an action view that only accepts POST
                continue
            if who == "anon":
                if kind != "exempt" and code not in (302, 401, 403):
                    failures.append(f"anonymous GET {path} → {code} (should be refused)")
                if kind != "exempt" and code == 302 and "/login/" not in resp.get("Location", ""):
                    failures.append(f"anonymous GET {path} → redirect to {resp.get('Location')}")
                continue
            if kind != "scoped" or obj is None or view_class is None:
                continue
            user = users[who]
            action = getattr(view_class, "scope_action", None) or "view"
            if action not in ("view", "change", "delete", "add"):
                continue
            perm_needed = True
            if (
                hasattr(view_class, "get_permission_required")
                and getattr(view_class, "require_model_permission", True) is False
            ):
                perm_needed = False
            meta = model._meta
            perm = getattr(view_class, "permission_required", None) or f"{meta.app_label}.{action}_{meta.model_name}"
            has_perm = (not perm_needed) or user.has_perm(perm)
            in_scope = model.objects.restrict(user, action).filter(pk=obj.pk).exists()
            if not has_perm:
                if code != 403:
                    failures.append(f"{who} GET {path} → {code}, expected 403 (no {perm})")
            elif not in_scope:
                if code != 404:
                    failures.append(f"{who} GET {path} → {code}, expected 404 (outside scope)")
            elif code not in (200, 302, 405):
                failures.append(f"{who} GET {path} → {code}, expected 200")
    assert visited >= 0.7 * len(routes), f"visited only {visited} of {len(routes)}; skipped: {skipped}"
    assert not failures, "\n".join(failures[:60])


def test_api_schema_generates(client, db):
    resp = client.get(reverse("schema"))
    assert resp.status_code == 200 and b"openapi: 3" in resp.content


def test_api_schema_is_valid_without_warnings(tmp_path):
    """OpenAPI 3 validation, and no drf-spectacular warning (unnamed enums, guessed types…)."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").stat().st_size > 10_000
