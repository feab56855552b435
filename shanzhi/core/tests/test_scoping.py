"""The scope rules: who sees which rows, per role, in and out of scope."""

import pytest

from shanzhi.core.scoping import ADD, CHANGE, VIEW, Scope, ScopeRule, scope_for
from shanzhi.orgs.models import Community, Department, Enterprise, Grid, GridAssignment

pytestmark = pytest.mark.django_db


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_scope_levels(org):
    assert scope_for(org.users["leader"]).is_all
    assert scope_for(org.users["admin"]).is_all
    dept = scope_for(org.users["dept"])
    assert dept.level == "department" and dept.department_ids == {org.departments["urban"].pk}
    comm = scope_for(org.users["community"])
    assert comm.level == "community" and comm.community_ids == {org.communities["A"].pk}
    grid = scope_for(org.users["grid"])
    assert grid.level == "grid" and grid.grid_ids == {org.grids["A1"].pk}
    assert grid.community_ids == {org.communities["A"].pk}
    assert scope_for(org.users["resident"]).level == "self"


def test_anonymous_and_inactive_see_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    assert Grid.objects.restrict(AnonymousUser()).count() == 0
    user = org.users["leader"]
    user.is_active = False
    assert Grid.objects.restrict(user).count() == 0


def test_grid_is_reference_data_for_staff_but_writes_are_scoped(org):
    all_codes = ["A1", "A2", "B1", "B2"]
    for role in ("leader", "dept", "community", "grid"):
        assert codes(Grid.objects.restrict(org.users[role], VIEW)) == all_codes
    assert codes(Grid.objects.restrict(org.users["community"], CHANGE)) == ["A1", "A2"]
    assert codes(Grid.objects.restrict(org.users["grid"], CHANGE)) == ["A1"]
    assert codes(Grid.objects.restrict(org.users["dept"], CHANGE)) == []
    assert codes(Grid.objects.restrict(org.users["resident"], VIEW)) == []


def test_enterprises_follow_grid_and_community(org):
    names = lambda qs: sorted(qs.values_list("name", flat=True))  # noqa: E731
    assert names(Enterprise.objects.restrict(org.users["grid"])) == ["A企业有限公司"]
    assert names(Enterprise.objects.restrict(org.others["grid"])) == ["B企业有限公司"]
    assert names(Enterprise.objects.restrict(org.users["community"])) == ["A企业有限公司"]
    # Department staff read every enterprise (departments_view_all) but change none.
    assert Enterprise.objects.restrict(org.users["dept"], VIEW).count() == 2
    assert Enterprise.objects.restrict(org.users["dept"], CHANGE).count() == 0
    assert Enterprise.objects.restrict(org.users["resident"]).count() == 0


def test_departments_write_scope(org):
    assert list(Department.objects.restrict(org.users["dept"], CHANGE)) == [org.departments["urban"]]
    assert Department.objects.restrict(org.users["community"], CHANGE).count() == 0


def test_grid_worker_reads_own_communities_only_for_community_level_rows(org):
    rule = ScopeRule(community="community_id")
    scope = scope_for(org.users["grid"])
    q = rule.q_for(scope, VIEW)
    assert Grid.objects.filter(q).filter(community=org.communities["B"]).count() == 0
    assert rule.q_for(scope, ADD) is not None
    assert Grid.objects.filter(rule.q_for(scope, ADD)).count() == 0


def test_tuple_paths_are_ored():
    rule = ScopeRule(department=("department_id", "co_departments__id"))
    q = rule.q_for(Scope(level="department", user_id=1, department_ids=frozenset({5})), VIEW)
    assert "co_departments__id__in" in str(q) and "OR" in str(q)


def test_soft_deleted_rows_leave_the_default_manager(org):
    from shanzhi.core.services import soft_delete

    soft_delete(org.grids["A2"], actor=org.users["admin"], reason="merged")
    assert codes(Grid.objects.restrict(org.users["leader"])) == ["A1", "B1", "B2"]
    assert Grid.all_objects.filter(code="A2", is_deleted=True).exists()


def test_removed_assignment_shrinks_scope(org):
    from shanzhi.core.services import soft_delete

    a = GridAssignment.objects.get(user=org.users["grid"])
    soft_delete(a, actor=org.users["admin"])
    user = type(org.users["grid"]).objects.get(pk=org.users["grid"].pk)
    assert scope_for(user).grid_ids == frozenset()
    assert Community.objects.restrict(user, CHANGE).count() == 0
