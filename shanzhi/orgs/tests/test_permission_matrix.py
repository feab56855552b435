"""Explicit permission matrix of the organisation pages and API: each role, in and out of scope."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "dept", "community", "grid", "resident"]


def _status(client_for, role, url, method="get", other=False):
    if role == "anon":
        c = Client()
    else:
        c = client_for(role, other=other)
    return getattr(c, method)(url).status_code


# (url name, object key or None, {role: expected status}) — object key "A" is in the scope of
# org.users, "B" outside it (community B / grid B1).
PAGES = [
    ("orgs:grid_list", None, dict(anon=302, admin=200, leader=200, dept=200, community=200, grid=200, resident=403)),
    (
        "orgs:grid_detail",
        "grid:A1",
        dict(anon=302, admin=200, leader=200, dept=200, community=200, grid=200, resident=403),
    ),
    ("orgs:grid_detail", "grid:B1", dict(admin=200, leader=200, dept=200, community=200, grid=200, resident=403)),
    (
        "orgs:grid_edit",
        "grid:A1",
        dict(anon=302, admin=200, leader=403, dept=403, community=200, grid=403, resident=403),
    ),
    ("orgs:grid_edit", "grid:B1", dict(admin=200, leader=403, dept=403, community=404, grid=403, resident=403)),
    ("orgs:grid_delete", "grid:A1", dict(admin=200, leader=403, dept=403, community=403, grid=403, resident=403)),
    (
        "orgs:enterprise_list",
        None,
        dict(anon=302, admin=200, leader=200, dept=200, community=200, grid=200, resident=403),
    ),
    (
        "orgs:enterprise_detail",
        "enterprise:A",
        dict(admin=200, leader=200, dept=200, community=200, grid=200, resident=403),
    ),
    (
        "orgs:enterprise_detail",
        "enterprise:B",
        dict(admin=200, leader=200, dept=200, community=404, grid=404, resident=403),
    ),
    (
        "orgs:enterprise_edit",
        "enterprise:A",
        dict(admin=200, leader=403, dept=403, community=200, grid=200, resident=403),
    ),
    (
        "orgs:enterprise_edit",
        "enterprise:B",
        dict(admin=200, leader=403, dept=403, community=404, grid=404, resident=403),
    ),
    (
        "orgs:enterprise_delete",
        "enterprise:A",
        dict(admin=200, leader=403, dept=403, community=403, grid=403, resident=403),
    ),
    ("orgs:enterprise_add", None, dict(admin=200, leader=403, dept=403, community=200, grid=200, resident=403)),
    ("orgs:partymember_list", None, dict(admin=200, leader=200, dept=403, community=200, grid=200, resident=403)),
    ("orgs:department_list", None, dict(admin=200, leader=200, dept=200, community=200, grid=200, resident=403)),
    (
        "orgs:department_edit",
        "department:urban",
        dict(admin=200, leader=403, dept=403, community=403, grid=403, resident=403),
    ),
    (
        "orgs:community_edit",
        "community:A",
        dict(admin=200, leader=403, dept=403, community=403, grid=403, resident=403),
    ),
    ("orgs:map", None, dict(anon=302, admin=200, leader=200, dept=200, community=200, grid=200, resident=403)),
    ("orgs:import_geojson", None, dict(admin=200, leader=403, dept=403, community=200, grid=403, resident=403)),
    ("orgs:import_table", None, dict(admin=200, leader=403, dept=403, community=200, grid=200, resident=403)),
    (
        "notifications:inbox",
        None,
        dict(anon=302, admin=200, leader=200, dept=200, community=200, grid=200, resident=200),
    ),
    ("accounts:home", None, dict(anon=302, admin=200, leader=200, dept=200, community=200, grid=200, resident=200)),
]


def _obj(org, key):
    kind, name = key.split(":")
    return {
        "grid": org.grids,
        "enterprise": org.enterprises,
        "department": org.departments,
        "community": org.communities,
    }[kind][name]


CASES = [(name, key, role, code) for name, key, expect in PAGES for role, code in expect.items()]


@pytest.mark.parametrize("name, key, role, expected", CASES, ids=[f"{n}[{k}]-{r}" for n, k, r, _ in CASES])
def test_page_matrix(client_for, org, name, key, role, expected):
    url = reverse(name, args=[_obj(org, key).pk]) if key else reverse(name)
    assert _status(client_for, role, url) == expected


API = [
    ("get", "/api/orgs/grids/", None, dict(admin=200, leader=200, dept=200, community=200, grid=200, resident=403)),
    (
        "get",
        "/api/orgs/enterprises/{}/",
        "enterprise:B",
        dict(admin=200, leader=200, dept=200, community=404, grid=404, resident=403),
    ),
    (
        "patch",
        "/api/orgs/grids/{}/",
        "grid:A1",
        dict(admin=200, leader=403, dept=403, community=200, grid=403, resident=403),
    ),
    ("patch", "/api/orgs/grids/{}/", "grid:B1", dict(admin=200, community=404)),
    ("get", "/api/orgs/party-members/", None, dict(leader=200, dept=403, community=200, grid=200, resident=403)),
]
API_CASES = [(m, u, k, r, c) for m, u, k, e in API for r, c in e.items()]


@pytest.mark.parametrize(
    "method, url, key, role, expected", API_CASES, ids=[f"{m}{u}[{k}]-{r}" for m, u, k, r, _ in API_CASES]
)
def test_api_matrix(api_for, org, method, url, key, role, expected):
    api = api_for(role)
    target = url.format(_obj(org, key).pk) if key else url
    resp = getattr(api, method)(target, {"households": 333} if method == "patch" else None, format="json")
    assert resp.status_code == expected, resp.content[:300]


def test_anonymous_api_is_refused(db):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/orgs/grids/").status_code in (401, 403)
