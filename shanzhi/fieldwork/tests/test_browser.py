"""A grid worker walks one patrol on a phone-sized page; the finding raises a case."""

import io

import pytest

from shanzhi.fieldwork import casebridge
from shanzhi.fieldwork.models import Finding, Patrol
from shanzhi.fieldwork.tests import factories as f
from shanzhi.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buf, format="JPEG")
    return buf.getvalue()


def test_phone_patrol_raises_a_case(phone_page, live_server, org):
    page = phone_page
    plan = f.plan(org)
    login(page, live_server.url, "t-grid", "pw-Shanzhi-1")
    page.goto(f"{live_server.url}/field/patrols/start/")
    page.select_option("#id_plan", str(plan.pk))
    page.click("#patrol-start button[type=submit]")
    page.wait_for_url("**/field/patrols/*/")
    patrol = Patrol.objects.get(patroller=org.users["grid"])
    assert page.get_by_test_id("patrol-status").inner_text().strip()
    # The checklist: all fine except the second item.
    for i in range(len(f.GRID_ITEMS)):
        page.click(f"label[for=c{i}{'pb' if i == 1 else 'ok'}]")
    page.click("[data-testid=form-check] button[type=submit]")
    page.wait_for_load_state()
    patrol.refresh_from_db()
    assert patrol.results[f.GRID_ITEMS[1]] == "problem" and patrol.results[f.GRID_ITEMS[0]] == "ok"
    # Report the problem with a photo.
    form = page.locator("[data-testid=form-find]")
    form.locator("select[name=item]").select_option(f.GRID_ITEMS[1])
    form.locator("textarea[name=description]").fill("出租屋楼道堆放电动车电池，存在火灾隐患")
    form.locator("input[name=photos]").set_input_files(
        [{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_bytes()}]
    )
    page.screenshot(path="/tmp/fieldwork-patrol-phone.png", full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    finding = Finding.objects.get(patrol=patrol)
    assert "电动车电池" in page.get_by_test_id("findings").inner_text()
    if casebridge.available():
        case = casebridge.case_of(finding)
        assert case is not None and case.kind == "finding" and case.origin_id == str(finding.pk)
        assert case.code in page.content()
    # End the patrol.
    page.click("[data-testid=form-end] button[type=submit]")
    page.wait_for_load_state()
    patrol.refresh_from_db()
    assert patrol.status == "ended"
    page.screenshot(path="/tmp/fieldwork-patrol-ended.png", full_page=True)
    assert page.locator("[data-testid=form-end]").count() == 0


def test_staff_pages_render(page, live_server, org):
    from shanzhi.fieldwork import services

    f.chain(org)
    w = f.published_wish(org)
    d = f.dispute(org, dispute_type="labour", people_involved=30, risk_level="high", risk_reason="聚集苗头")
    inc = services.incident_report(
        actor=org.users["grid"],
        incident_type="fire",
        severity=3,
        title="仓库冒烟",
        address="工业路1号",
        grid=org.grids["A1"],
        is_drill=True,
    )
    f.plan(org)
    page.goto(f"{live_server.url}/field/wall/")
    assert w.title in page.get_by_test_id("wish-wall").inner_text()
    assert "陈伯" not in page.content()
    page.screenshot(path="/tmp/fieldwork-wall.png", full_page=True)
    login(page, live_server.url, "t-community", "pw-Shanzhi-1")
    for name, url in [
        ("dispute", f"/field/disputes/{d.pk}/"),
        ("incident", f"/field/incidents/{inc.pk}/"),
        ("compliance", "/field/compliance/"),
        ("wishes", "/field/wishes/"),
    ]:
        page.goto(f"{live_server.url}{url}")
        assert page.locator(".page-title").count() == 1
        page.screenshot(path=f"/tmp/fieldwork-{name}.png", full_page=True)
    page.goto(f"{live_server.url}/field/incidents/{inc.pk}/")
    assert page.get_by_test_id("drill-badge").is_visible()
    page.get_by_test_id("ack").click()
    page.wait_for_load_state()
    assert "table-success" in page.get_by_test_id("alerts").inner_html()
