"""The generic list page: its heading, and filters that read as filters."""

import re

import pytest

from shanzhi.cases.tests.factories import make_case
from shanzhi.testing.clients import page_client

pytestmark = pytest.mark.django_db


def test_the_heading_starts_with_a_capital_in_english(org):
    page = page_client(org.users["admin"], "en").get("/cases/").content.decode()
    assert re.search(r'class="page-title"[^>]*>\s*Cases\s*<', page)


def test_a_yes_no_filter_left_empty_means_any_and_dates_are_date_pickers(org):
    page = page_client(org.users["admin"], "en").get("/cases/").content.decode()
    open_filter = re.search(r'<select name="open"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "Unknown" not in open_filter  # Django's NullBooleanSelect said "Unknown" for "any"
    assert re.findall(r'<option value="(\w*)"', open_filter) == ["", "true", "false"]
    date_input = re.search(r'<input[^>]*name="received_after"[^>]*>', page).group(0)
    assert 'type="date"' in date_input and "form-control" in date_input and "form-select" not in date_input


def test_the_tidied_filters_still_filter(org):
    from shanzhi.cases import services

    open_case = make_case(org, title="仍在办理")
    closed = make_case(org, title="已经取消")
    services.case_transition(case=closed, action="cancel", actor=org.users["admin"], note="重复")
    c = page_client(org.users["admin"], "en")
    page = c.get("/cases/", {"open": "true"}).content.decode()
    assert open_case.code in page and closed.code not in page
    page = c.get("/cases/", {"open": "false"}).content.decode()
    assert closed.code in page and open_case.code not in page
    page = c.get("/cases/", {"open": ""}).content.decode()
    assert closed.code in page and open_case.code in page
    day = open_case.received_at.date()
    assert open_case.code in c.get("/cases/", {"received_after": day.isoformat()}).content.decode()
    later = day.replace(year=day.year + 1).isoformat()
    assert open_case.code not in c.get("/cases/", {"received_after": later}).content.decode()


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_filter_set_reads_as_filters_wherever_it_is_shown(org):
    """The tidying lived in the generic list view only: the plan page's own 'supervised' filter
    still said 'Unknown'."""
    import django_filters
    from django.urls import get_resolver

    from shanzhi.core.filtersets import FilterSet

    get_resolver().url_patterns  # noqa: B018  (imports every app's views and their filter sets)
    project_sets = [c for c in _all_subclasses(django_filters.FilterSet) if c.__module__.startswith("shanzhi.")]
    assert len(project_sets) >= 10
    assert all(issubclass(c, FilterSet) for c in project_sets), [
        c for c in project_sets if not issubclass(c, FilterSet)
    ]
    from shanzhi.plans.filtersets import PlanNodeFilterSet

    html = str(PlanNodeFilterSet().form["supervised"])
    assert "Unknown" not in html and 'value="true"' in html


def test_a_yes_no_filter_refuses_what_it_cannot_read(org):
    """`?open=maybe` used to read as "any" and list everything; now it is a field error on the
    page and a 400 over the API, for declared filters and those DRF builds from field names."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from shanzhi.cases import services

    open_case = make_case(org, title="仍在办理")
    closed = make_case(org, title="已经取消")
    services.case_transition(case=closed, action="cancel", actor=org.users["admin"], note="重复")
    page = page_client(org.users["admin"], "en").get("/cases/", {"open": "maybe"}).content.decode()
    assert "“maybe” is neither true nor false." in page
    assert closed.code not in page or open_case.code not in page  # not silently "any"

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org.users['admin']).key}")
    for url, field in [
        ("/api/cases/cases/?open=maybe", "open"),  # declared in CaseFilterSet
        ("/api/cases/categories/?is_active=maybe", "is_active"),  # built from filterset_fields
        (f"/api/cases/attachments/?case={open_case.pk}&is_public=ja", "is_public"),
    ]:
        r = api.get(url)
        assert r.status_code == 400 and field in r.json(), (url, r.content)
    codes = {c["code"] for c in api.get("/api/cases/cases/?open=TRUE").json()["results"]}
    assert open_case.code in codes and closed.code not in codes
    assert api.get("/api/cases/categories/?is_active=0").status_code == 200
    assert api.get("/api/cases/categories/?is_active=").status_code == 200


@pytest.mark.parametrize("page", ["99999", "0", "abc", "-1"])
def test_a_page_number_out_of_range_shows_a_page_not_a_404(org, page):
    """`?page=99999` (an old link after rows went) or a mangled number gave Django's 404; a
    list shows its last page for a number past the end and its first for one it cannot read."""
    for i in range(3):
        make_case(org, title=f"第{i}件")
    c = page_client(org.users["admin"], "en")
    r = c.get(f"/cases/?page={page}")
    assert r.status_code == 200
    assert r.context["page_obj"].number == (1 if page != "99999" else r.context["paginator"].num_pages)
    assert len(r.context["rows"]) == 3


def test_the_add_button_shows_only_to_those_who_may_add(org):
    """The case list offered every role a 热线登记 (hotline entry) button, besides the generic
    one: a leader, who may not add cases, got a 403 from it."""
    from django.urls import reverse

    add = reverse("cases:case_add")
    leader = page_client(org.users["leader"], "zh-hans").get("/cases/").content.decode()
    assert add not in leader
    admin = page_client(org.users["admin"], "zh-hans").get("/cases/").content.decode()
    actions = re.search(r'<div class="btn-list">(.*?)</div>', admin, re.S).group(1)
    assert actions.count(f'href="{add}"') == 1  # one button (not 新增 and 热线登记), named for what it records
    assert "热线登记" in actions
