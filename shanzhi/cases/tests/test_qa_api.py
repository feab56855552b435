"""Bad input to the cases API gets a 4xx with a message, never a 500, and nothing is stored:
each test here failed before its fix (some only on PostgreSQL, whose text cannot hold a NUL:
those also check that no query carried one, which fails on SQLite too)."""

from __future__ import annotations

import pytest

from shanzhi.cases.models import Case, Submission
from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.core.params import SEARCH_MAX
from shanzhi.testing.queries import queries_with_nul

API = "/api/cases"
POINT_IN_A1 = {"longitude": 113.355, "latitude": 22.515}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_a_limit_past_the_database_integers_is_capped(api_for, org):
    """?limit=99999999999999999999 was a PostgreSQL 500 (bigint out of range) and, below that,
    any limit gave a whole table in one answer."""
    make_case(org)
    make_case(org)
    r = api_for("admin").get(f"{API}/cases/", {"limit": "99999999999999999999", "offset": "1"})
    assert r.status_code == 200
    assert len(r.json()["results"]) == 1
    assert "limit=1000" in r.json()["previous"]


def test_a_lone_surrogate_in_a_choice_is_a_400(api_for, org):
    """JSON may carry "\\ud800"; the choice field's error quotes it, and writing that answer as
    UTF-8 failed: a 500 instead of the 400."""
    body = '{"description": "垃圾", "kind": "\\ud800"}'
    r = api_for("admin").post(f"{API}/cases/", data=body, content_type="application/json")
    assert r.status_code == 400
    assert "\\ud800" in r.json()["kind"][0]
    assert not Case.objects.exists()


def test_a_lone_surrogate_in_a_transition_action_is_a_400(api_for, org):
    case = make_case(org)
    body = '{"action": "\\udfff"}'
    r = api_for("admin").post(f"{API}/cases/{case.pk}/transition/", data=body, content_type="application/json")
    assert r.status_code == 400
    assert "action" in r.json()


@pytest.mark.parametrize("url", ["cases/", "submissions/"])
def test_an_idempotency_key_header_with_a_nul_is_a_400_and_nothing_is_stored(api_for, org, url):
    """The header was stored as it came: on PostgreSQL the INSERT failed (a 500)."""
    r = api_for("community").post(
        f"{API}/{url}",
        data={"description": "垃圾桶满溢", **POINT_IN_A1},
        format="json",
        headers={"Idempotency-Key": "retry\x00-1"},
    )
    assert r.status_code == 400
    assert "printable" in r.json()["idempotency_key"]
    assert not Case.objects.exists() and not Submission.objects.exists()


def test_a_nul_in_a_looked_up_code_is_a_404_without_a_query(api_for, org):
    """GET /api/cases/submissions/a%00b/ looked the code up: a 500 on PostgreSQL."""
    client = api_for("admin")
    with queries_with_nul() as sent:
        r = client.get(f"{API}/submissions/a%00b/")
    assert r.status_code == 404
    assert sent == []


@pytest.mark.parametrize("url", ["cases/", "submissions/"])
def test_a_category_code_with_a_nul_is_a_400_without_a_query(api_for, org, url):
    """The code missed the router's cache and was looked up: a 500 on PostgreSQL."""
    make_categories(org)
    client = api_for("community")
    with queries_with_nul() as sent:
        r = client.post(f"{API}/{url}", {"description": "垃圾", **POINT_IN_A1, "category": "urban\x00"}, format="json")
    assert r.status_code == 400
    assert "category" in r.json()
    assert sent == []
    assert not Case.objects.exists() and not Submission.objects.exists()


@pytest.mark.parametrize("url", ["cases/", "categories/"])
def test_a_search_of_100k_characters_is_a_400(api_for, org, url):
    """SQLite refuses a LIKE pattern over 50,000 bytes: the list was a 500."""
    r = api_for("admin").get(f"{API}/{url}", {"search": "x" * 100_000})
    assert r.status_code == 400
    assert str(SEARCH_MAX) in r.json()["search"][0]
    assert api_for("admin").get(f"{API}/{url}", {"search": "x" * SEARCH_MAX}).status_code == 200


def test_sorting_by_a_masked_personal_field_is_refused(api_for, org):
    """Department staff see reporters' phones masked; sorting by the phone told the hidden digits
    apart (file cases with chosen numbers, see where the others fall)."""
    make_case(org, reporter_phone="13912345678")
    make_case(org, reporter_phone="13987654321")
    dept = api_for("dept")
    r = dept.get(f"{API}/cases/", {"ordering": "-reporter_phone"})
    assert r.status_code == 400
    assert "reporter_phone" in r.json()["ordering"][0]
    assert dept.get(f"{API}/cases/", {"ordering": "id,reporter_name"}).status_code == 400
    assert dept.get(f"{API}/cases/", {"ordering": "-received_at"}).status_code == 200
    # Who sees the phones in full may sort by them.
    leader = api_for("leader").get(f"{API}/cases/", {"ordering": "-reporter_phone"})
    assert leader.status_code == 200
    assert [c["reporter_phone"] for c in leader.json()["results"]] == ["13987654321", "13912345678"]


@pytest.mark.parametrize(("field", "value"), [("deadline_workdays", 3_000_000), ("deadline_workhours", 100_000_000)])
def test_a_category_deadline_past_a_year_is_refused(api_for, org, field, value):
    """It was stored, and then every case of the category overflowed the calendar (a 500 on every
    channel: API, Open311, the public form) after seconds of counting days."""
    cats = make_categories(org)
    sub = cats["garbage"]
    other = "deadline_workhours" if field == "deadline_workdays" else "deadline_workdays"
    r = api_for("admin").patch(f"{API}/categories/{sub.pk}/", {field: value, other: None}, format="json")
    assert r.status_code == 400
    assert field in r.json()
    sub.refresh_from_db()
    assert getattr(sub, field) in (None, 3)  # unchanged
