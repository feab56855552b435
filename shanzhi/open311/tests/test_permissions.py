"""Permission matrix: every role, in and out of scope, on the staff pages of Open311 requests
and on the public GeoReport endpoints (same answer for everyone; POST needs the api_key,
never a session)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shanzhi.open311.tests import factories as f

ROLES = ["admin", "leader", "dept", "community", "grid", "resident"]
# role → (list, detail) for the in-scope user (community A / grid A1 / dept urban) …
IN_SCOPE = {
    "admin": (200, 200),
    "leader": (200, 200),
    "dept": (200, 200),
    "community": (200, 200),
    "grid": (200, 200),
    "resident": (403, 403),
}
# … and for the out-of-scope one (community B / grid B1 / dept health).
OUT_OF_SCOPE = {
    "admin": (200, 200),
    "leader": (200, 200),
    "dept": (200, 404),
    "community": (200, 404),
    "grid": (200, 404),
    "resident": (403, 403),
}


@pytest.fixture
def record(org):
    cats = f.make_services(org)
    rec = f.make_request(f.make_key(), cats["garbage"])
    assert rec.case.grid == org.grids["A1"] and rec.case.department == org.departments["urban"]
    return rec


@pytest.mark.parametrize("other", [False, True], ids=["in-scope", "out-of-scope"])
@pytest.mark.parametrize("role", ROLES)
def test_staff_pages(client_for, record, role, other):
    c = client_for(role, other=other)
    want_list, want_detail = (OUT_OF_SCOPE if other else IN_SCOPE)[role]
    r = c.get("/open311/requests/")
    assert r.status_code == want_list
    if want_list == 200:
        assert (record.case.code in r.content.decode()) == (want_detail == 200)
        assert c.get("/open311/requests/?export=xlsx").status_code == 200
    assert c.get(f"/open311/requests/{record.pk}/").status_code == want_detail


def test_staff_pages_need_a_login(client, record):
    for url in ("/open311/requests/", f"/open311/requests/{record.pk}/"):
        r = client.get(url)
        assert r.status_code == 302 and "/login/" in r["Location"]


def test_personal_fields_are_masked_without_the_permission(client_for, org):
    cats = f.make_services(org)
    rec = f.make_request(f.make_key(), cats["garbage"], phone="13912345678", first_name="小明", last_name="欧阳")
    assert "13912345678" not in client_for("grid").get(f"/open311/requests/{rec.pk}/").content.decode()
    assert "13912345678" in client_for("community").get(f"/open311/requests/{rec.pk}/").content.decode()


PUBLIC_GETS = ["discovery.xml", "services.json", "services/garbage.xml", "requests.json", "requests.xml"]


@pytest.mark.parametrize("role", [None, *ROLES])
def test_public_endpoints_answer_everyone_alike(client_for, record, role):
    c = Client() if role is None else client_for(role, other=True)
    for path in [*PUBLIC_GETS, f"requests/{record.case.code}.json", f"tokens/{record.token}.json"]:
        assert c.get(f"/open311/v2/{path}").status_code == 200, path
    listed = json.loads(c.get("/open311/v2/requests.json").content)
    assert [r["service_request_id"] for r in listed] == [record.case.code]
    # a session is no api_key: even the administrator's POST is refused without one
    r = c.post("/open311/v2/requests.json", {"service_code": "garbage", **f.IN_A1})
    assert r.status_code == 403
