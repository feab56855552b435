"""Permission matrix: each role, in scope and out of scope, on each page, action and endpoint.
The case lives in grid A1 / community A and is handled by department 'urban' (all in scope
of org.users, out of scope of org.others)."""

import pytest

from shanzhi.cases import selectors, services
from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import make_case, make_categories

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "dept", "community", "grid", "resident"]


def _expect(role, other, *, in_scope=200, out=404, denied=()):
    if role in denied:
        return 403
    if role in ("admin", "leader"):
        return in_scope
    return out if other else in_scope


@pytest.fixture
def case(org):
    make_categories(org)
    return make_case(org)


@pytest.mark.parametrize("other", [False, True], ids=["in", "out"])
@pytest.mark.parametrize("role", ROLES)
def test_pages(client_for, case, role, other):
    c = client_for(role, other)
    # list: every role with view_case; rows are scoped
    assert c.get("/cases/").status_code == 200
    # detail
    want = 404 if role == "resident" else _expect(role, other)
    assert c.get(f"/cases/{case.pk}/").status_code == want
    # hotline entry: roles with add_case
    assert c.get("/cases/new/").status_code == (403 if role == "leader" else 200)
    # the three rates, page and export: staff only (a resident sees their own cases, not rates)
    assert c.get("/cases/rates/").status_code == (403 if role == "resident" else 200)
    assert c.get("/cases/rates/?export=xlsx").status_code == (403 if role == "resident" else 200)
    assert c.get("/cases/categories/").status_code == (403 if role == "resident" else 200)
    assert c.get("/cases/categories/add/").status_code == (200 if role in ("admin", "leader") else 403)
    assert c.get("/cases/keyword-rules/").status_code == (403 if role in ("resident", "grid") else 200)
    assert c.get("/cases/routing-models/").status_code == (200 if role in ("admin", "leader") else 403)


@pytest.mark.parametrize("role", ROLES)
def test_links_to_the_three_rates_only_for_those_who_may_see_them(client_for, case, role):
    """The menu and the home page's cases panel link the rates page for staff, not residents;
    the panel's hotline link likewise only for those who may add cases."""
    c = client_for(role, False)
    home, cases = c.get("/home/").content.decode(), c.get("/cases/").content.decode()
    assert ('href="/cases/rates/"' in home) is (role != "resident")
    assert ('href="/cases/rates/"' in cases) is (role != "resident")
    assert ('href="/cases/new/"' in home) is (role != "leader")


@pytest.mark.parametrize("other", [False, True], ids=["in", "out"])
@pytest.mark.parametrize("role", ROLES)
def test_sign_action_page(client_for, case, role, other):
    c = client_for(role, other)
    r = c.post(f"/cases/{case.pk}/act/", {"action": "sign", "version": case.version})
    case.refresh_from_db()
    if role == "resident":
        assert r.status_code == 403
    elif role in ("dept", "community", "grid") and other:
        assert r.status_code == 404
    else:
        assert r.status_code == 302
    # Only the handling department (or admin) may sign for it.
    signed = role == "admin" or (role == "dept" and not other)
    assert (case.status == "signed") is signed


@pytest.mark.parametrize("other", [False, True], ids=["in", "out"])
@pytest.mark.parametrize("role", ROLES)
def test_api(api_for, case, role, other):
    c = api_for(role, other)
    r = c.get("/api/cases/cases/")
    assert r.status_code == 200
    codes = {row["code"] for row in r.json()["results"]} if "results" in r.json() else {row["code"] for row in r.json()}
    visible = role in ("admin", "leader") or (role in ("dept", "community", "grid") and not other)
    assert (case.code in codes) is visible
    assert c.get(f"/api/cases/cases/{case.pk}/").status_code == (200 if visible else 404)
    assert c.get(f"/api/cases/cases/{case.pk}/timeline/").status_code == (200 if visible else 404)
    r = c.post(f"/api/cases/cases/{case.pk}/transition/", {"action": "sign"}, format="json")
    if role == "resident":
        assert r.status_code == 403
    elif not visible:
        assert r.status_code == 404
    elif role in ("admin",) or role == "dept":
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "signed"
    else:  # leader, community, grid: in scope but not the handler
        assert r.status_code == 403
    assert c.get("/api/cases/rates/?by=grid").status_code == (403 if role == "resident" else 200)
    assert c.get("/api/cases/categories/").status_code == (403 if role == "resident" else 200)


@pytest.mark.parametrize("other", [False, True], ids=["in", "out"])
@pytest.mark.parametrize("role", ROLES)
def test_queued_intake(api_for, case, org, role, other):
    """POST /api/cases/submissions/ needs the add permission of a case (leaders have none); a
    submission is its submitter's, and street-wide roles see every one."""
    someone = org.others["resident"] if role != "resident" or not other else org.users["resident"]
    theirs, _created = services.case_submit(actor=someone, source="api", data={"description": "路灯不亮"})
    c = api_for(role, other)
    r = c.post("/api/cases/submissions/", {"description": "楼道灯坏了"}, format="json")
    assert r.status_code == (403 if role == "leader" else 202), r.content
    street_wide = role in ("admin", "leader")
    assert c.get(f"/api/cases/submissions/{theirs.code}/").status_code == (200 if street_wide else 404)
    listed = {row["code"] for row in c.get("/api/cases/submissions/").json()["results"]}
    assert (theirs.code in listed) is street_wide
    if r.status_code == 202:
        assert r.json()["code"] in listed and c.get(r.json()["url"]).status_code == 200


def test_resident_sees_own_cases_only(org, api_for, client_for):
    mine = make_case(org, actor=org.users["resident"], grid_key=None, department_key=None)
    assert mine.reporter == org.users["resident"]
    theirs = make_case(org, actor=org.others["resident"], grid_key=None, department_key=None)
    c = api_for("resident")
    codes = {row["code"] for row in c.get("/api/cases/cases/").json()["results"]}
    assert mine.code in codes and theirs.code not in codes
    assert client_for("resident").get(f"/cases/{mine.pk}/").status_code == 200
    assert client_for("resident").get(f"/cases/{theirs.pk}/").status_code == 404


def test_personal_data_masked_without_permission(org, api_for):
    case = make_case(org, reporter_name="张三丰", reporter_phone="13812345678")
    dept = api_for("dept").get(f"/api/cases/cases/{case.pk}/").json()
    assert dept["reporter_phone"] == "138****5678"
    community = api_for("community").get(f"/api/cases/cases/{case.pk}/").json()
    assert community["reporter_phone"] == "13812345678"


def test_summoned_department_sees_whistle_case(org, api_for):
    from shanzhi.cases import services

    case = make_case(org)
    assert api_for("dept", other=True).get(f"/api/cases/cases/{case.pk}/").status_code == 404
    services.case_whistle(
        case=case, actor=org.users["community"], lead=org.departments["urban"], departments=[org.departments["health"]]
    )
    assert api_for("dept", other=True).get(f"/api/cases/cases/{case.pk}/").status_code == 200
    assert Case.objects.restrict(org.others["dept"]).filter(pk=case.pk).count() == 1


def test_dispatch_desk_keeps_sight_of_cases_it_dispatched(org, case):
    """The desk (a department of kind "dispatch") sees and acts on every case of the street;
    any other department only its own and the ones it is summoned to."""
    from django.test import Client
    from rest_framework.test import APIClient

    from shanzhi.cases import services
    from shanzhi.testing.factories import make_user

    desk = make_user("t-desk", "dept", department=org.departments["dispatch"])
    assert case.department == org.departments["urban"] and case.status == "dispatched"
    web = Client()
    web.force_login(desk)
    assert web.get(f"/cases/{case.pk}/").status_code == 200
    assert case.code.encode() in web.get("/cases/").content
    api = APIClient()
    api.force_authenticate(desk)
    assert api.get(f"/api/cases/cases/{case.pk}/").status_code == 200
    assert "reassign" in services.available_actions(desk, case)
    moved = services.case_transition(
        case=case, action="reassign", actor=desk, note="改派", department=org.departments["health"]
    )
    assert moved.department == org.departments["health"]
    # Other departments stay within their own cases.
    urban = org.users["dept"]
    assert not Case.objects.restrict(urban).filter(pk=case.pk).exists()


def test_a_leader_takes_workflow_steps_through_the_api_too(api_for, org):
    """The API asked for the add permission on every POST, so a leader (who may change cases
    but not file them) got 403 on 督办 and on deciding extensions; the page allowed both."""
    case = make_case(org)
    r = api_for("leader").post(
        f"/api/cases/cases/{case.pk}/transition/", {"action": "supervise", "note": "请加快办理"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["supervised"] is True
    # Without the change permission it is still refused.
    r = api_for("resident").post(f"/api/cases/cases/{case.pk}/transition/", {"action": "supervise"}, format="json")
    assert r.status_code in (403, 404)


@pytest.mark.parametrize("role", ["community", "grid"])
def test_a_case_staff_file_without_a_place_stays_in_their_view(api_for, org, role):
    """Filed without a point, the case had no community or grid: the desk saw it, its author
    got 404 on the case they had just filed."""
    c = api_for(role)
    r = c.post("/api/cases/cases/", {"description": "小区门口垃圾堆放"}, format="json")
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["id"])
    user = org.users[role]
    if role == "grid":
        assert case.grid is not None and case.grid.community_id == case.community_id
    assert case.community_id is not None
    assert c.get(f"/api/cases/cases/{case.pk}/").status_code == 200
    assert Case.objects.restrict(user).filter(pk=case.pk).exists()


def test_intake_callers_place_cases_only_as_their_role_and_scope_allow(api_for, org):
    """A resident could name the handling department (skipping the desk), and an enterprise of
    another community carried its grid past the grid check."""
    body = {"description": "路灯坏了", "address": "康景路"}
    r = api_for("resident").post(
        "/api/cases/cases/", {**body, "department": org.departments["urban"].pk}, format="json"
    )
    assert r.status_code == 400 and "department" in r.json(), r.content
    r = api_for("community").post("/api/cases/cases/", {**body, "enterprise": org.enterprises["B"].pk}, format="json")
    assert r.status_code == 400 and "enterprise" in r.json(), r.content
    assert not Case.all_objects.exists()
    r = api_for("community").post(
        "/api/cases/cases/", {**body, "department": org.departments["urban"].pk}, format="json"
    )
    assert r.status_code == 201 and r.json()["department"] == org.departments["urban"].pk
    r = api_for("community").post("/api/cases/cases/", {**body, "enterprise": org.enterprises["A"].pk}, format="json")
    assert r.status_code == 201, r.content


def test_the_taxonomy_keeps_two_levels(api_for, org):
    """PATCH {"parent": <itself>} was accepted: a category became its own parent."""
    cats = make_categories(org)
    c = api_for("admin")
    sub, top = cats["garbage"], cats["garbage"].parent
    for pk, parent in ((sub.pk, sub.pk), (top.pk, sub.pk), (top.pk, top.pk)):
        r = c.patch(f"/api/cases/categories/{pk}/", {"parent": parent}, format="json")
        assert r.status_code == 400 and "parent" in r.json(), (pk, parent, r.content)
    sub.refresh_from_db()
    top.refresh_from_db()
    assert sub.parent_id == top.pk and top.parent_id is None


def test_a_department_with_open_cases_is_not_retired(api_for, client_for, org):
    """Deleting a department left its open cases with a handler nobody could see or reassign
    to (and the exception handler's 409 branch was never reached)."""
    from shanzhi.orgs.models import Department

    health = org.departments["health"]
    case = make_case(org, department_key="health")
    r = api_for("admin").delete(f"/api/orgs/departments/{health.pk}/?reason=merged")
    assert r.status_code == 409 and "1" in r.json()["detail"], r.content
    r = client_for("admin").post(f"/orgs/departments/{health.pk}/delete/", {"reason": "merged"})
    assert r.status_code == 302
    assert Department.objects.filter(pk=health.pk).exists()
    services.case_transition(
        case=case, action="reassign", actor=org.users["admin"], department=org.departments["urban"], note="x"
    )
    r = api_for("admin").delete(f"/api/orgs/departments/{health.pk}/?reason=merged")
    assert r.status_code == 204
    assert not Department.objects.filter(pk=health.pk).exists() and Department.all_objects.filter(pk=health.pk).exists()


def test_a_community_or_grid_with_open_cases_is_not_retired(api_for, org):
    make_case(org)  # open, in grid A1 of community A
    c = api_for("admin")
    assert c.delete(f"/api/orgs/grids/{org.grids['A1'].pk}/?reason=redrawn").status_code == 409
    assert c.delete(f"/api/orgs/communities/{org.grids['A1'].community_id}/?reason=merged").status_code == 409
    assert c.delete(f"/api/orgs/grids/{org.grids['B2'].pk}/?reason=redrawn").status_code == 204


def test_staff_file_cases_only_into_grids_of_their_own_part(api_for, client_for, org):
    """A community worker could place a case in another community's grid (grids are reference
    data every staff member may view) and lost sight of it at once: the case was then out of
    their scope. Street-wide roles (the desk, leaders) still place cases anywhere."""
    body = {"description": "路灯坏了", "address": "康景路"}
    for role, own, other in (("community", "A2", "B1"), ("grid", "A1", "A2")):
        r = api_for(role).post("/api/cases/cases/", {**body, "grid": org.grids[other].pk}, format="json")
        assert r.status_code == 400 and "grid" in r.json(), (role, r.content)
        r = api_for(role).post("/api/cases/cases/", {**body, "grid": org.grids[own].pk}, format="json")
        assert r.status_code == 201, (role, r.content)
        assert api_for(role).get(f"/api/cases/cases/{r.json()['id']}/").status_code == 200
    assert Case.objects.count() == 2
    from shanzhi.testing.factories import make_user

    desk = make_user("t-desk-place", "dept", department=org.departments["dispatch"])
    for actor in (desk, org.users["leader"]):
        assert {g.pk for g in selectors.placeable_grids(actor)} == {g.pk for g in org.grids.values()}
    # The hotline form offers only the grids its user may choose.
    page = client_for("community").get("/cases/new/")
    grid_field = page.context["form"].fields["grid"]
    assert {g.pk for g in grid_field.queryset} == {org.grids["A1"].pk, org.grids["A2"].pk}


def test_a_resident_reads_their_own_case_as_its_tracking_page_shows_it(api_for, org):
    """An audit found a resident reading, over the API, every internal note of their own case,
    the names of the staff who wrote them and the routing: the timeline action used the case's
    view scope only (the reporter is its owner)."""
    resident = org.users["resident"]
    r = api_for("resident").post("/api/cases/cases/", {"description": "路灯坏了", "address": "康景路"}, format="json")
    assert r.status_code == 201, r.content
    assert "routing_reason" not in r.json() and r.json()["description"] == "路灯坏了"
    case = Case.objects.get(pk=r.json()["id"])
    assert case.reporter_id == resident.pk
    services.case_transition(case=case, action="note", actor=org.users["admin"], note="内部：勿外传")
    mine = api_for("resident")
    body = mine.get(f"/api/cases/cases/{case.pk}/").json()
    assert body["code"] == case.code and "routing_reason" not in body and "callback_resolved" not in body
    listed = mine.get("/api/cases/cases/").json()["results"]
    assert [c["id"] for c in listed] == [case.pk] and "timeline" not in listed[0]
    timeline = mine.get(f"/api/cases/cases/{case.pk}/timeline/").json()
    assert timeline and all(set(ev) == {"at", "action", "unit"} for ev in timeline)
    assert "note" not in {ev["action"] for ev in timeline} and "勿外传" not in str(timeline)
    assert mine.get(f"/api/cases/cases/{case.pk}/summons/").status_code == 404
    # Staff keep the whole timeline.
    staff = api_for("admin").get(f"/api/cases/cases/{case.pk}/timeline/").json()
    assert any(ev["action"] == "note" and ev["note"] == "内部：勿外传" for ev in staff)


def test_the_summonses_of_a_case_are_readable_in_scope(api_for, org):
    """吹哨报到 had no API: nobody could read over REST which departments were summoned."""
    case = make_case(org)
    services.case_transition(
        case=case,
        action="whistle",
        actor=org.users["community"],
        note="联合执法",
        lead=org.departments["urban"],
        departments=[org.departments["health"]],
    )
    rows = api_for("community").get(f"/api/cases/cases/{case.pk}/summons/").json()
    assert {(r["department"], r["is_lead"]) for r in rows} == {
        (org.departments["urban"].pk, True),
        (org.departments["health"].pk, False),
    }
    assert api_for("community", other=True).get(f"/api/cases/cases/{case.pk}/summons/").status_code == 404


def test_the_public_api_leads_from_a_merged_case_to_the_kept_one(client, org):
    """The tracking page linked a merged duplicate to the case kept; the public API did not."""
    kept, dup = make_case(org), make_case(org)
    services.case_merge(case=dup, into=kept, actor=org.users["admin"], note="重复")
    body = client.get(f"/api/cases/public/{dup.code}/").json()
    assert body["merged_into"] == kept.code and body["status"] == "cancelled"
    assert client.get(f"/api/cases/public/{kept.code}/").json()["merged_into"] is None


def test_a_residents_case_list_costs_the_same_for_one_case_or_many(api_for, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mine = api_for("resident")
    counts = []
    for _ in range(2):
        mine.post("/api/cases/cases/", {"description": "路灯坏了", "address": "康景路"}, format="json")
        with CaptureQueriesContext(connection) as q:
            assert mine.get("/api/cases/cases/").status_code == 200
        counts.append(len(q.captured_queries))
    for _ in range(4):
        mine.post("/api/cases/cases/", {"description": "路灯坏了", "address": "康景路"}, format="json")
    with CaptureQueriesContext(connection) as q:
        assert len(mine.get("/api/cases/cases/").json()["results"]) == 6
    assert len(q.captured_queries) == counts[0] == counts[1]
