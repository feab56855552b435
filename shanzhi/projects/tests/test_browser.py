"""Browser checks on the demo data: the main pages render (screenshots in /tmp/projects-*.png)."""

import pytest
from django.core.management import call_command

from shanzhi.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    call_command("load_demo", only=["organisations and grids", "projects"], verbosity=0)


def test_main_pages(demo, page, live_server):
    from shanzhi.projects.models import Project

    login(page, live_server.url, "demo-leader")
    page.goto(f"{live_server.url}/projects/board/?year=2023")
    assert page.locator("[data-testid=board-card]").count() >= 15
    page.screenshot(path="/tmp/projects-board.png", full_page=True)

    project = Project.objects.get(code="XQ-2023-004")
    page.goto(f"{live_server.url}/projects/library/{project.pk}/")
    page.wait_for_selector("#investment-chart canvas")
    assert page.locator("[data-testid=renewal-summary]").is_visible()
    page.screenshot(path="/tmp/projects-detail.png", full_page=True)

    page.goto(f"{live_server.url}/projects/chains/map/")
    assert page.locator("[data-testid=gap]").count() >= 1
    page.screenshot(path="/tmp/projects-chains.png", full_page=True)

    page.goto(f"{live_server.url}/projects/renewal/")
    page.screenshot(path="/tmp/projects-renewal.png", full_page=True)

    page.goto(f"{live_server.url}/projects/library/")
    page.screenshot(path="/tmp/projects-list.png", full_page=True)


def test_public_pages_on_a_phone(demo, phone_page, live_server):
    phone_page.goto(f"{live_server.url}/projects/public/livelihood/?year=2023")
    assert phone_page.locator("[data-testid=livelihood-project]").count() == 10
    assert "28900" in phone_page.locator("[data-testid=budget-total]").inner_text()
    phone_page.screenshot(path="/tmp/projects-public-livelihood.png", full_page=True)

    phone_page.goto(f"{live_server.url}/projects/public/proposals/?year=2024")
    first = phone_page.locator("[data-testid=proposal]").first
    before = int(first.locator("[data-testid=votes]").inner_text())
    first.locator("[data-testid=vote]").click()
    phone_page.wait_for_load_state()
    after = int(phone_page.locator("[data-testid=proposal]").first.locator("[data-testid=votes]").inner_text())
    assert after == before + 1
    phone_page.screenshot(path="/tmp/projects-public-proposals.png", full_page=True)
