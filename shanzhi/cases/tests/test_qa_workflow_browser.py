"""The case page in Chromium, as the workflow's users see it on a phone and a desktop."""

import pytest

from shanzhi.cases import services
from shanzhi.cases.tests.factories import make_case
from shanzhi.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PW = "pw-Shanzhi-1"


def _whistled_and_supervised(org):
    d = org.departments
    case = services.case_whistle(
        case=make_case(org), actor=org.users["community"], lead=d["urban"], departments=[d["health"]]
    )
    services.case_transition(case=case, action="supervise", actor=org.users["leader"], note="群众多次来电，请加快办理")
    return case


def test_on_a_phone_the_case_heading_wraps_its_badges_inside_the_page(org, phone_page, live_server):
    """A supervised whistle case's heading (code, state, 督办, 吹哨 badges) did not wrap: the page
    was wider than the phone and scrolled sideways."""
    case = _whistled_and_supervised(org)
    login(phone_page, live_server.url, "t-leader", PW)
    phone_page.goto(f"{live_server.url}/cases/{case.pk}/")
    width = phone_page.viewport_size["width"]
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= width
    badges = phone_page.locator(".page-title .badge")
    assert badges.count() == 3
    for i in range(badges.count()):
        box = badges.nth(i).bounding_box()
        assert box["x"] + box["width"] <= width


def test_the_summoned_departments_table_fits_a_desktop_card_in_english(org, page, live_server):
    """The 吹哨报到 table's headings did not wrap: in English "RATING BY THE SUMMONER" ran out of
    the card on a 1366-pixel screen (the table scrolled sideways to show it)."""
    case = _whistled_and_supervised(org)
    org.departments["urban"].name = "综合行政执法队（城管）"
    org.departments["urban"].save()
    services.case_transition(case=case, action="report_part", actor=org.users["dept"], note="城管已清理垃圾桶")
    login(page, live_server.url, "t-leader", PW)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    table = page.locator("[data-testid=summons]")
    assert table.locator("th").last.inner_text().strip().casefold() == "rating by the summoner"
    assert table.locator("xpath=..").evaluate("el => el.scrollWidth - el.clientWidth") <= 0
