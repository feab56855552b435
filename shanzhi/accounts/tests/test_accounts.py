"""Log-in, lockout, the home page of each role, roles as groups."""

import subprocess
import sys

import pytest
from django.urls import reverse

from shanzhi.accounts.models import Role, User
from shanzhi.accounts.roles import ensure_role_group, sync_roles
from shanzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_login_lands_on_role_home(client, org):
    for role in ("leader", "dept", "community", "grid", "resident"):
        client.logout()
        resp = client.post(
            reverse("accounts:login"), {"username": f"t-{role}", "password": "pw-Shanzhi-1"}, follow=True
        )
        assert resp.status_code == 200
        assert resp.request["PATH_INFO"] == reverse("accounts:home")
        assert f'data-testid="home-{role}"'.encode() in resp.content


def test_wrong_password_shows_error_and_locks_after_five(client, org, settings):
    settings.AXES_FAILURE_LIMIT = 5
    url = reverse("accounts:login")
    for _ in range(4):
        resp = client.post(url, {"username": "t-leader", "password": "wrong"})
        assert resp.status_code == 200
        assert b'data-testid="login-error"' in resp.content
    resp = client.post(url, {"username": "t-leader", "password": "wrong"})
    assert resp.status_code == 429
    # Even the right password is refused while locked.
    resp = client.post(url, {"username": "t-leader", "password": "pw-Shanzhi-1"})
    assert resp.status_code == 429
    assert b'data-testid="locked-out"' in resp.content
    # Another account from the same address is not locked.
    resp = client.post(url, {"username": "t-dept", "password": "pw-Shanzhi-1"})
    assert resp.status_code == 302


def test_home_requires_login(client, db):
    resp = client.get(reverse("accounts:home"))
    assert resp.status_code == 302 and reverse("accounts:login") in resp["Location"]


def test_language_switch_to_english(client, org):
    client.force_login(org.users["leader"])
    resp = client.get(reverse("accounts:home"))
    assert "退出".encode() in resp.content or "登录".encode() in resp.content or "欢迎".encode() in resp.content
    client.post(reverse("set_language"), {"language": "en", "next": "/home/"})
    resp = client.get(reverse("accounts:home"))
    assert b"Welcome" in resp.content


def test_role_groups_hold_default_permissions(db):
    sync_roles()
    u = User.objects.create_user("x-grid", password="pw-Shanzhi-1", role=Role.GRID)
    ensure_role_group(u)
    u = User.objects.get(pk=u.pk)
    assert u.has_perm("orgs.view_grid") and u.has_perm("orgs.add_enterprise")
    assert not u.has_perm("orgs.add_grid") and not u.has_perm("accounts.view_personal_data")
    u.role = Role.LEADER
    u.save()
    ensure_role_group(u)
    u = User.objects.get(pk=u.pk)
    assert list(u.groups.values_list("name", flat=True)) == ["leader"]
    assert u.has_perm("accounts.view_personal_data")


def test_admin_manages_users_through_the_admin(client, org):
    client.force_login(org.users["admin"])
    resp = client.get("/admin/accounts/user/")
    assert resp.status_code == 200
    client.force_login(org.users["leader"])
    assert client.get("/admin/accounts/user/").status_code == 302  # not staff


def test_admin_role_change_is_audited(client, org):
    admin = org.users["admin"]
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    target = org.users["resident"]
    data = {
        "username": target.username,
        "role": "grid",
        "display_name": "x",
        "phone": "",
        "is_active": "on",
        "date_joined_0": "2023-01-01",
        "date_joined_1": "00:00:00",
        "community": org.communities["A"].pk,
        "grid_assignments-TOTAL_FORMS": "0",
        "grid_assignments-INITIAL_FORMS": "0",
    }
    resp = client.post(f"/admin/accounts/user/{target.pk}/change/", data)
    assert resp.status_code == 302, resp.content[:2000]
    target.refresh_from_db()
    assert target.role == "grid" and list(target.groups.values_list("name", flat=True)) == ["grid"]
    assert AuditEvent.objects.filter(object_id=str(target.pk), content_type__model="user").exists()


def _run_settings(env_extra, code):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANZHI_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(env_extra)
    env["DJANGO_SETTINGS_MODULE"] = "shanzhi.settings"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_secret_key():
    r = _run_settings(
        {"SHANZHI_MODE": "production", "SHANZHI_ALLOWED_HOSTS": "example.org"}, "import django; django.setup()"
    )
    assert r.returncode != 0 and "SHANZHI_SECRET_KEY" in r.stderr


def test_production_passes_check_deploy():
    r = _run_settings(
        {
            "SHANZHI_MODE": "production",
            "SHANZHI_ALLOWED_HOSTS": "shanzhi.example.org",
            "SHANZHI_SECRET_KEY": "k" * 20 + "-Zq8#mX2$vB7!pL4@nR9%tW6^yE3&uI1*oA5",
            "SHANZHI_DATA_DIR": "/tmp/shanzhi-deploy-check",
        },
        "import sys; from django.core.management import execute_from_command_line as e; "
        "e(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_demo_loader_refused_in_production():
    r = _run_settings(
        {
            "SHANZHI_MODE": "production",
            "SHANZHI_ALLOWED_HOSTS": "x.org",
            "SHANZHI_SECRET_KEY": "s" * 60,
            "SHANZHI_DATA_DIR": "/tmp/shanzhi-deploy-check",
        },
        "from django.core.management import execute_from_command_line as e; e(['manage.py', 'load_demo'])",
    )
    assert r.returncode != 0 and "never runs in production" in r.stderr


def test_chinese_by_default_even_for_an_english_browser(client, org):
    client.force_login(org.users["leader"])
    resp = client.get(reverse("accounts:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "欢迎".encode() in resp.content


def test_my_area_counts_only_the_users_own_area(client_for, org):
    resp = client_for("community").get(reverse("accounts:home"))
    stats = resp.context["panels"]
    area = next(p for p in stats if p["title"] == "我的辖区")
    assert [s[1] for s in area["stats"]][:2] == [1, 2]
    resp = client_for("grid").get(reverse("accounts:home"))
    area = next(p for p in resp.context["panels"] if p["title"] == "我的辖区")
    assert [s[1] for s in area["stats"]][:2] == [1, 1]
    resp = client_for("leader").get(reverse("accounts:home"))
    area = next(p for p in resp.context["panels"] if p["title"] == "我的辖区")
    assert [s[1] for s in area["stats"]][:2] == [2, 4]


def test_a_dispatch_desk_member_is_called_a_dispatcher(org, client_for):
    """The header showed the desk's dispatcher as 部门人员 (department staff), the role's name,
    where everyone calls them 派单员."""
    from django.test import Client

    from shanzhi.accounts.models import Role
    from shanzhi.testing.factories import make_user

    desk = make_user("t-desk", Role.DEPT, department=org.departments["dispatch"])
    c = Client()
    c.force_login(desk)
    page = c.get("/home/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "派单员" in page and "部门人员" not in page
    dept = client_for("dept").get("/home/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "部门人员" in dept and "派单员" not in dept
