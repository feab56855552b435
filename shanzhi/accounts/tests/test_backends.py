"""The permission memo: fewer queries, and a change made here is seen at once."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shanzhi.accounts import backends
from shanzhi.accounts.models import User

pytestmark = pytest.mark.django_db


def _fresh(user):
    return User.objects.get(pk=user.pk)  # a new object, as each request loads


def test_second_request_reads_permissions_from_the_memo(org):
    backends.clear_permission_memo()
    user = org.users["community"]
    assert _fresh(user).has_perm("orgs.view_grid")
    again = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        assert again.has_perm("orgs.view_grid")
        assert not again.has_perm("orgs.delete_community")
    assert len(queries) == 0


def test_a_permission_removed_here_is_refused_at_once(org):
    user = org.users["community"]
    assert _fresh(user).has_perm("orgs.change_grid")  # now remembered
    group = Group.objects.get(name="community")
    group.permissions.remove(Permission.objects.get(codename="change_grid", content_type__app_label="orgs"))
    assert not _fresh(user).has_perm("orgs.change_grid")


def test_a_role_change_is_seen_at_once(org):
    user = org.users["resident"]
    assert not _fresh(user).has_perm("orgs.view_grid")
    user.groups.add(Group.objects.get(name="leader"))
    assert _fresh(user).has_perm("orgs.view_grid")


def test_memo_expires(org, monkeypatch):
    user = org.users["community"]
    assert _fresh(user).has_perm("orgs.view_grid")
    # Another process's change (no signal here): invisible until the memo expires.
    Group.permissions.through.objects.filter(group__name="community", permission__codename="view_grid").delete()
    assert _fresh(user).has_perm("orgs.view_grid")
    monkeypatch.setattr(backends, "PERMISSION_SECONDS", 0.0)
    assert not _fresh(user).has_perm("orgs.view_grid")
