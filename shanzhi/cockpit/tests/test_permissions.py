"""Permission matrix: every cockpit page and API endpoint, each role, in and out of scope."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from shanzhi.cockpit import services
from shanzhi.cockpit.models import Report

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "dept", "community", "grid", "resident"]
# role -> expected status of (cockpit pages, report archive, report generation)
PAGES = {
    "admin": (200, 200, 200),
    "leader": (200, 200, 200),
    "dept": (200, 200, 200),
    "community": (200, 200, 200),
    "grid": (200, 403, 403),
    "resident": (403, 403, 403),
}


@pytest.fixture
def report_a(known, org):
    return services.report_generate(actor=org.users["community"], month=known.month)


@pytest.mark.parametrize("role", ROLES)
def test_pages(client_for, known, report_a, role):
    cockpit, archive, generate = PAGES[role]
    c = client_for(role)
    for name in ("cockpit:cockpit", "cockpit:bigscreen", "cockpit:map_data"):
        assert c.get(reverse(name)).status_code == cockpit, name
    assert c.get(reverse("cockpit:widget", args=["cases"])).status_code == cockpit
    assert c.get(reverse("cockpit:report_list")).status_code == archive
    assert c.get(reverse("cockpit:report_list") + "?export=xlsx").status_code == archive
    assert c.get(reverse("cockpit:report_add")).status_code == generate


@pytest.mark.parametrize(
    ("role", "other", "expected"),
    [
        ("admin", False, 200),
        ("leader", False, 200),
        ("community", False, 200),
        ("community", True, 404),
        ("dept", False, 404),
        ("grid", False, 403),
        ("resident", False, 403),
    ],
)
def test_report_detail_and_download_scoped(client_for, report_a, role, other, expected):
    c = client_for(role, other=other)
    assert c.get(reverse("cockpit:report_detail", args=[report_a.pk])).status_code == expected
    r = c.get(reverse("cockpit:report_download", args=[report_a.pk]))
    assert r.status_code == expected
    if expected == 200:
        assert b"".join(r.streaming_content)[:2] == b"PK"


def test_anonymous_redirected_and_portal_public(known):
    c = Client()
    assert c.get(reverse("cockpit:cockpit")).status_code == 302
    assert c.get(reverse("cockpit:report_list")).status_code == 302
    assert c.get("/").status_code == 200


def test_unknown_widget_404(client_for, known):
    assert client_for("leader").get(reverse("cockpit:widget", args=["nope"])).status_code == 404


def test_generate_from_the_page(client_for, known, org):
    c = client_for("community")
    r = c.post(reverse("cockpit:report_add"), {"month": known.month.strftime("%Y-%m")})
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.community == org.communities["A"] and report.created_by == org.users["community"]
    bad = c.post(reverse("cockpit:report_add"), {"month": "2020-13"})
    assert bad.status_code == 200 and Report.objects.count() == 1


API_EXPECTED = {"admin": 200, "leader": 200, "dept": 200, "community": 200, "grid": 200, "resident": 403}


@pytest.mark.parametrize("role", ROLES)
def test_api(api_for, known, report_a, role):
    c = api_for(role)
    code = API_EXPECTED[role]
    assert c.get("/api/cockpit/widgets/").status_code == code
    assert c.get("/api/cockpit/widgets/cases/").status_code == code
    assert c.get("/api/cockpit/case-stats/").status_code == code
    reports_code = 403 if role in ("grid", "resident") else 200
    assert c.get("/api/cockpit/reports/").status_code == reports_code


def test_api_figures_scoped(api_for, known):
    leader = api_for("leader").get("/api/cockpit/widgets/cases/").json()
    community = api_for("community").get("/api/cockpit/widgets/cases/").json()
    other = api_for("community", other=True).get("/api/cockpit/widgets/cases/").json()
    assert (leader["data"]["month_total"], community["data"]["month_total"], other["data"]["month_total"]) == (5, 3, 2)
    rows = api_for("community").get("/api/cockpit/case-stats/").json()
    rows = rows.get("results", rows)
    assert rows and all(r["community"] is not None for r in rows)


def test_api_report_scope_and_create(api_for, report_a, known):
    assert api_for("community").get(f"/api/cockpit/reports/{report_a.pk}/").status_code == 200
    assert api_for("community", other=True).get(f"/api/cockpit/reports/{report_a.pk}/").status_code == 404
    r = api_for("dept").post("/api/cockpit/reports/", {"month": known.month.isoformat()}, format="json")
    assert r.status_code == 201, r.content
    assert api_for("dept").post("/api/cockpit/reports/", {"month": "nope"}, format="json").status_code == 400
    assert (
        api_for("grid").post("/api/cockpit/reports/", {"month": known.month.isoformat()}, format="json").status_code
        == 403
    )
    assert APIClient().get("/api/cockpit/widgets/").status_code in (401, 403)
