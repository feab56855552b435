"""Permission matrix: each role, in and out of scope, on each list, detail, action page and API
endpoint of field work (200 / 302 / 403 / 404 as the role and the scope say)."""

import pytest
from django.urls import reverse

from shanzhi.fieldwork import services
from shanzhi.fieldwork.tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "dept", "community", "grid", "resident"]


@pytest.fixture
def rows(org):
    wish = f.wish(org)
    dispute = f.dispute(org)
    plan = f.plan(org)
    patrol = services.patrol_start(actor=org.users["grid"], plan=plan)
    finding = services.finding_report(patrol=patrol, actor=org.users["grid"], description="井盖缺失")
    f.chain(org)
    incident = services.incident_report(
        actor=org.users["grid"], incident_type="fire", severity=4, title="冒烟", address="x", grid=org.grids["A1"]
    )
    return {
        "wish": wish,
        "dispute": dispute,
        "patrolplan": plan,
        "patrol": patrol,
        "finding": finding,
        "incident": incident,
    }


# Expected status of the list pages for each role (200: allowed, 403: no permission).
LISTS = {
    "wish": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 200},
    "dispute": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    "patrol": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    "finding": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    "incident": {"admin": 200, "leader": 200, "dept": 200, "community": 200, "grid": 200, "resident": 403},
    "patrolplan": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
}

# Detail pages for users in scope (org.users) and out of scope (org.others).
DETAIL_IN = {
    "wish": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 404},
    "dispute": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    "patrol": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    "finding": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    # dept is not in the chain's level 1: not alerted, outside its scope
    "incident": {"admin": 200, "leader": 200, "dept": 404, "community": 200, "grid": 200, "resident": 403},
}
DETAIL_OUT = {
    "wish": {"dept": 403, "community": 404, "grid": 404, "resident": 404},
    "dispute": {"dept": 403, "community": 404, "grid": 404, "resident": 403},
    "patrol": {"dept": 403, "community": 404, "grid": 404, "resident": 403},
    "finding": {"dept": 403, "community": 404, "grid": 404, "resident": 403},
    "incident": {"dept": 404, "community": 404, "grid": 404, "resident": 403},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", list(LISTS))
def test_list_pages(client_for, rows, role, model):
    r = client_for(role).get(reverse(f"fieldwork:{model}_list"))
    assert r.status_code == LISTS[model][role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", list(DETAIL_IN))
def test_detail_in_scope(client_for, rows, role, model):
    r = client_for(role).get(reverse(f"fieldwork:{model}_detail", args=[rows[model].pk]))
    assert r.status_code == DETAIL_IN[model][role]


@pytest.mark.parametrize("role", ["dept", "community", "grid", "resident"])
@pytest.mark.parametrize("model", list(DETAIL_OUT))
def test_detail_out_of_scope(client_for, rows, role, model):
    r = client_for(role, other=True).get(reverse(f"fieldwork:{model}_detail", args=[rows[model].pk]))
    assert r.status_code == DETAIL_OUT[model][role]


def test_out_of_scope_lists_hide_rows(client_for, rows):
    for model in ("wish", "dispute", "patrol", "incident"):
        r = client_for("community", other=True).get(reverse(f"fieldwork:{model}_list"))
        assert r.status_code == 200 and rows[model].code not in r.content.decode()
        r = client_for("community").get(reverse(f"fieldwork:{model}_list"))
        assert rows[model].code in r.content.decode()


@pytest.mark.parametrize(
    "role, other, expected",
    [
        ("community", False, 302),
        ("community", True, 404),
        ("grid", False, 403),
        ("leader", False, 403),
        ("resident", False, 403),
        ("dept", False, 403),
    ],
)
def test_reinspect_action(client_for, rows, role, other, expected):
    url = reverse("fieldwork:finding_reinspect", args=[rows["finding"].pk])
    assert client_for(role, other).post(url, {"passed": "0", "note": "仍未整改"}).status_code == expected


@pytest.mark.parametrize(
    "role, other, expected",
    [
        ("community", False, 302),
        ("community", True, 404),
        ("grid", False, 302),
        ("grid", True, 404),
        ("resident", False, 403),
        ("dept", False, 403),
    ],
)
def test_dispute_action(client_for, rows, role, other, expected):
    url = reverse("fieldwork:dispute_action", args=[rows["dispute"].pk, "close"])
    assert client_for(role, other).post(url, {"note": "x"}).status_code == expected


def test_public_wall_needs_no_login_and_shows_no_personal_data(client, org):
    w = f.published_wish(org, beneficiary_name="陈阿伯", beneficiary_phone="13800009999")
    r = client.get(reverse("fieldwork:wish_wall"))
    body = r.content.decode()
    assert r.status_code == 200 and w.title in body
    assert "陈阿伯" not in body and "13800009999" not in body and "9999" not in body
    api = client.get("/api/field/wish-wall/")
    assert api.status_code == 200 and "陈阿伯" not in api.content.decode()


def test_resident_claims_from_the_wall(client_for, org):
    w = f.published_wish(org)
    c = client_for("resident", other=True)
    assert c.get(reverse("fieldwork:wish_detail", args=[w.pk])).status_code == 404  # not theirs yet
    assert f'data-testid="claim-{w.pk}"' in c.get(reverse("fieldwork:wish_wall")).content.decode()
    r = c.post(
        reverse("fieldwork:wish_action", args=[w.pk, "claim"]), {"claimer_kind": "volunteer", "version": w.version}
    )
    assert r.status_code == 302
    assert c.get(reverse("fieldwork:wish_detail", args=[w.pk])).status_code == 200  # the claimer holds it now
    w.refresh_from_db()
    assert w.status == "claimed" and w.claimer_user == org.others["resident"]
    # A second claimer gets a clear message and the first claim stays.
    c2 = client_for("grid")
    r = c2.post(reverse("fieldwork:wish_action", args=[w.pk, "claim"]), {"claimer_kind": "unit"}, follow=True)
    assert "already been claimed" in r.content.decode() or "已被" in r.content.decode()
    w.refresh_from_db()
    assert w.claimer_user == org.others["resident"]


# ----------------------------------------------------------------------------- API


API_LISTS = {
    "wishes": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 200},
    "disputes": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    "patrols": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    "findings": {"admin": 200, "leader": 200, "dept": 403, "community": 200, "grid": 200, "resident": 403},
    "incidents": {"admin": 200, "leader": 200, "dept": 200, "community": 200, "grid": 200, "resident": 403},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(API_LISTS))
def test_api_lists(api_for, rows, role, endpoint):
    assert api_for(role).get(f"/api/field/{endpoint}/").status_code == API_LISTS[endpoint][role]


@pytest.mark.parametrize(
    "endpoint, key",
    [
        ("wishes", "wish"),
        ("disputes", "dispute"),
        ("patrols", "patrol"),
        ("findings", "finding"),
        ("incidents", "incident"),
    ],
)
def test_api_detail_out_of_scope_is_404(api_for, rows, endpoint, key):
    assert api_for("community").get(f"/api/field/{endpoint}/{rows[key].pk}/").status_code == 200
    assert api_for("community", other=True).get(f"/api/field/{endpoint}/{rows[key].pk}/").status_code == 404


def test_api_anonymous_refused(client, rows):
    assert client.get("/api/field/wishes/").status_code in (401, 403)


def test_api_patrol_flow_and_errors(api_for, org):
    api = api_for("grid")
    plan = f.plan(org)
    r = api.post("/api/field/patrols/", {"plan": plan.pk}, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = api.post(f"/api/field/patrols/{pk}/check/", {"results": {f.GRID_ITEMS[0]: "ok"}}, format="json")
    assert r.status_code == 200 and r.json()["results"][f.GRID_ITEMS[0]] == "ok"
    r = api.post(
        f"/api/field/patrols/{pk}/finding/",
        {"description": "垃圾堆放", "photos": [f.not_an_image()]},
        format="multipart",
    )
    assert r.status_code == 400
    assert api.post(f"/api/field/patrols/{pk}/end/", {}, format="json").status_code == 200
    r = api.post(f"/api/field/patrols/{pk}/end/", {}, format="json")
    assert r.status_code == 400 and ("already ended" in str(r.json()) or "结束" in str(r.json()))
    assert api_for("grid", other=True).post(f"/api/field/patrols/{pk}/end/", {}, format="json").status_code == 404


def test_api_wish_double_claim_is_409(api_for, org):
    w = f.published_wish(org)
    assert (
        api_for("resident")
        .post(f"/api/field/wishes/{w.pk}/transition/", {"action": "claim", "claimer_kind": "volunteer"}, format="json")
        .status_code
        == 200
    )
    r = api_for("resident", other=True).post(
        f"/api/field/wishes/{w.pk}/transition/", {"action": "claim", "claimer_kind": "volunteer"}, format="json"
    )
    assert r.status_code in (404, 409)


def test_api_incident_ack_after_close_is_400(api_for, org):
    f.chain(org)
    r = api_for("grid").post(
        "/api/field/incidents/",
        {"incident_type": "fire", "severity": 4, "title": "x", "address": "y", "grid": org.grids["A1"].pk},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert (
        api_for("community").post(f"/api/field/incidents/{pk}/close/", {"summary": "已处置"}, format="json").status_code
        == 200
    )
    r = api_for("community").post(f"/api/field/incidents/{pk}/acknowledge/", {}, format="json")
    assert r.status_code == 400 and ("closed" in str(r.json()) or "关闭" in str(r.json()))


def test_a_photo_is_served_to_whoever_may_see_its_record(org, client_for):
    """Photos were linked by their /media address, which the web server serves to anyone. Now
    the application serves each to those who may see the record it belongs to."""
    from django.test import Client

    from shanzhi.fieldwork import services
    from shanzhi.fieldwork.models import FieldPhoto
    from shanzhi.fieldwork.tests import factories as f

    grid = org.users["grid"]
    patrol = services.patrol_start(actor=grid, plan=f.plan(org))
    finding = services.finding_report(patrol=patrol, actor=grid, description="路灯不亮", photos=[f.jpeg()])
    photo = FieldPhoto.objects.get()
    url = reverse("fieldwork:photo", args=[photo.pk])
    page = client_for("grid").get(reverse("fieldwork:finding_detail", args=[finding.pk])).content.decode()
    assert f'src="{url}"' in page and "/media/" not in page
    assert client_for("grid").get(url).status_code == 200
    assert client_for("community").get(url).status_code == 200  # the record's community
    assert client_for("community", other=True).get(url).status_code == 404
    assert client_for("grid", other=True).get(url).status_code == 404
    assert client_for("resident").get(url).status_code == 404
    anon = Client().get(url)
    assert anon.status_code == 302 and "/login/" in anon["Location"]
