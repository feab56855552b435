"""The staff pages of Open311 requests in Chromium: list → detail → the case, which shows
that it came in through Open311."""

from __future__ import annotations

import pytest

from shanzhi.open311.tests import factories as f
from shanzhi.testing.browser import login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_follow_an_open311_request_to_its_case(page, live_server):
    from shanzhi.testing.factories import build_org

    org = build_org()
    cats = f.make_services(org)
    record = f.make_request(
        f.make_key("城市随手拍 App"),
        cats["garbage"],
        phone="13912345678",
        first_name="小明",
        last_name="欧阳",
        media_url="https://example.org/p/1.jpg",
        attributes={"nature": "complaint"},
        nature="complaint",
    )
    login(page, live_server.url, "t-grid", "pw-Shanzhi-1")
    page.goto(f"{live_server.url}/open311/requests/")
    page.get_by_role("link", name=record.case.code).click()
    fields = page.get_by_test_id("object-fields")
    assert "城市随手拍 App" in fields.inner_text()
    assert "13912345678" not in page.content()  # grid workers see personal data masked
    page.screenshot(path="/tmp/open311-detail.png", full_page=True)
    page.goto(f"{live_server.url}/open311/requests/")
    page.screenshot(path="/tmp/open311-list.png", full_page=True)
    page.get_by_role("link", name=record.case.code).click()
    page.get_by_test_id("open-case").click()
    page.wait_for_url(f"**/cases/{record.case.pk}/")
    assert "Open311" in page.content()
    page.screenshot(path="/tmp/open311-case.png", full_page=True)
