"""In a real browser: paste a plan, rename a node in place (htmx), confirm, see the tree."""

import pytest

from shanzhi.testing.browser import login
from shanzhi.testing.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_review_and_confirm(page, live_server, org):
    from shanzhi.plans.models import Plan, PlanNode
    from shanzhi.plans.tests.factories import SAMPLE

    make_user("b-leader", "leader", password="shanzhi-demo")
    login(page, live_server.url, "b-leader")
    page.goto(f"{live_server.url}/plans/import/")
    page.fill("textarea[name=text]", SAMPLE)
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("[data-testid=draft-tree]")
    assert Plan.objects.count() == 0
    node = page.locator("#node-3")
    node.locator("[data-testid=edit-toggle]").click()
    node.locator("[data-testid=rename-form] input[name=title]").fill("抓重点项目")
    node.locator("[data-testid=rename-form] button").click()
    page.wait_for_selector("#node-3 [data-testid=node-title]:has-text('抓重点项目')")
    page.screenshot(path="/tmp/plans-draft.png", full_page=True)
    page.fill("[data-testid=confirm-form] input[name=title]", "浏览器测试计划")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=plan-tree]")
    assert PlanNode.objects.filter(title="抓重点项目", plan__title="浏览器测试计划").exists()
    page.screenshot(path="/tmp/plans-tree-browser.png", full_page=True)
