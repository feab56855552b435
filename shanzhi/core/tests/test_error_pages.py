"""Error pages are the site's own, in the user's language: 400, 403 (role or scope, and an
expired CSRF token), 404 and 500 (which renders without the request)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def _assert_site_page(response, status: int, title: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert 'data-testid="error-page"' in html
    assert title in html
    assert "tabler.min.css" in html  # the site's stylesheet, not Django's bare fallback
    return html


def test_404_is_the_sites_page_with_a_way_back(client):
    html = _assert_site_page(client.get("/no-such-page/"), 404, "页面不存在")
    assert reverse("accounts:login") in html  # anonymous: offered to log in


def test_403_explains_role_and_scope_and_leads_home(client_for):
    html = _assert_site_page(client_for("resident").get(reverse("cases:import")), 403, "无权访问")
    assert "联系系统管理员" in html
    assert reverse("accounts:home") in html  # logged in: back to their own home page


def test_403_in_english(client_for):
    c = client_for("resident")
    c.cookies["django_language"] = "en"
    _assert_site_page(c.get(reverse("cases:import"), HTTP_ACCEPT_LANGUAGE="en"), 403, "Access denied")


def test_403_without_a_reason_names_role_and_scope(rf, org):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.user = org.users["resident"]
    with translation.override("zh-hans"):  # no LocaleMiddleware on a RequestFactory request
        html = _assert_site_page(permission_denied(request, PermissionDenied()), 403, "无权访问")
    assert "管辖范围" in html


def test_expired_form_says_nothing_was_saved():
    c = Client(enforce_csrf_checks=True)
    r = c.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    html = _assert_site_page(r, 403, "页面已过期")
    assert "未保存" in html


def test_bad_host_is_a_400_page(client):
    _assert_site_page(client.get("/", HTTP_HOST="evil.example"), 400, "请求有误")


def test_500_renders_without_the_request_context():
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        _assert_site_page(server_error(request), 500, "服务器错误")


def test_the_site_has_an_icon_where_browsers_look_for_it(client):
    """The admin names no icon, so the browser asked for /favicon.ico: a 404 at every visit."""
    r = client.get("/favicon.ico")
    assert r.status_code == 302 and r["Location"].endswith(".svg")  # not 301: the name changes with a deploy
    home = client.get("/login/").content.decode()
    assert 'rel="icon" href="/static/favicon' in home
