"""Bad input the API fuzzing found on the pages and the other write paths: a NUL or a very long
search on the list pages and their exports, a NUL in an API token, and a category or setting
deadline long enough to overflow the calendar. Each was a 500 (PostgreSQL for a NUL)."""

import pytest
from rest_framework.test import APIClient

from shanzhi.cases import conf
from shanzhi.cases.forms import CategoryForm
from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.testing.queries import queries_with_nul

pytestmark = pytest.mark.django_db


@pytest.fixture
def cats(org):
    return make_categories(org)


@pytest.mark.parametrize(
    "url", ["/cases/", "/cases/desk/", "/cases/categories/", "/cases/keyword-rules/", "/open311/requests/"]
)
@pytest.mark.parametrize("export", [False, True], ids=["page", "export"])
def test_list_searches_with_a_nul_or_of_a_paragraph(client_for, cats, org, url, export):
    make_case(org)
    c = client_for("admin")
    extra = {"export": "xlsx"} if export else {}
    with queries_with_nul() as nul:
        r = c.get(url, {"q": "垃圾\x00", **extra})
    assert r.status_code == 200 and nul == []
    assert c.get(url, {"q": "垃" * 100_000, **extra}).status_code == 200  # SQLite: "LIKE … too complex"


def test_a_token_with_a_nul_is_refused_without_a_query():
    c = APIClient()
    with queries_with_nul() as nul:
        r = c.get("/api/cases/cases/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert r.status_code == 401 and nul == []


@pytest.mark.parametrize(("field", "value"), [("deadline_workdays", 3_000_000), ("deadline_workhours", 100_000_000)])
def test_a_category_deadline_beyond_a_year_is_refused_by_the_form(cats, field, value):
    data = {"code": "x-y", "name": "某类", "parent": cats["top"].pk, "priority": 2, "sort_order": 1, field: value}
    form = CategoryForm(data=data)
    assert not form.is_valid() and field in form.errors


@pytest.mark.parametrize(
    ("key", "value"),
    [("cases.deadline_workdays_by_nature", {"consultation": 3_000_000}), ("cases.enterprise_deadline_workdays", 251)],
)
def test_a_deadline_setting_beyond_a_year_is_refused(key, value):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        conf.validate(key, value)
    conf.validate(key, {"consultation": 250} if isinstance(value, dict) else 250)
