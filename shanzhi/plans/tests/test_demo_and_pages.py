"""The demo plan (idempotent, realistic), the import page and the pages' key contents."""

import io

import pytest
from django.urls import reverse

from shanzhi.plans.models import Indicator, IndicatorActual, Plan, PlanDraft, PlanEvent, PlanNode, ProgressReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from shanzhi.orgs import demo as orgs_demo
    from shanzhi.plans import demo_data

    orgs_demo.load()
    demo_data.load()
    return Plan.objects.get(is_generated=True)


def _counts():
    return [
        m.all_objects.count() if hasattr(m, "all_objects") else m.objects.count()
        for m in (Plan, PlanNode, ProgressReport, Indicator, IndicatorActual, PlanDraft, PlanEvent)
    ]


def test_demo_plan_is_realistic_and_idempotent(demo):
    from shanzhi.plans import demo_data

    plan = demo
    assert plan.is_published and plan.year == 2023
    programs = PlanNode.objects.filter(plan=plan, kind="program")
    assert programs.count() == 6
    tasks = PlanNode.objects.filter(plan=plan, kind="task", lead_unit__isnull=False)
    assert tasks.count() == 24
    statuses = set(tasks.values_list("status", flat=True))
    assert {"green", "yellow", "red"} <= statuses
    names = set(Indicator.objects.filter(plan=plan).values_list("name", flat=True))
    assert {"地区生产总值", "工业投资", "规上工业增加值", "社会消费品零售总额", "固定资产投资"} <= names
    assert IndicatorActual.objects.filter(indicator__plan=plan, year=2023).count() >= 5 * 11
    assert plan.draft.source_text.startswith("2023年")
    before = _counts()
    demo_data.load()
    assert _counts() == before


def test_demo_pages_render(demo, client):
    from shanzhi.accounts.models import User

    client.force_login(User.objects.get(username="demo-leader"))
    task = PlanNode.objects.filter(plan=demo, status="red").first()
    for url in [
        reverse("plans:plan_detail", args=[demo.pk]),
        reverse("plans:node_detail", args=[task.pk]),
        reverse("plans:indicator_list"),
        reverse("plans:scorecard"),
        reverse("plans:rules"),
        reverse("plans:indicator_detail", args=[Indicator.objects.get(plan=demo, name="工业投资").pk]),
    ]:
        resp = client.get(url)
        assert resp.status_code == 200, url
    html = client.get(reverse("plans:plan_detail", args=[demo.pk]) + "?status=red").content.decode()
    assert 'data-status="red"' in html
    # The rules shown are the configured ones.
    assert "25" in client.get(reverse("plans:rules")).content.decode()
    xlsx = client.get(reverse("plans:node_list") + "?export=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_import_page_flow(org, client_for):
    from shanzhi.plans.tests.factories import SAMPLE

    c = client_for("leader")
    resp = c.post(reverse("plans:draft_list"), {"text": ""})
    assert resp.status_code == 200 and 'data-testid="form-errors"' in resp.content.decode()
    bad = io.BytesIO(b"PK\x03\x04garbage")
    bad.name = "plan.docx"
    resp = c.post(reverse("plans:draft_list"), {"file": bad})
    assert resp.status_code == 200 and PlanDraft.objects.count() == 0
    resp = c.post(reverse("plans:draft_list"), {"text": SAMPLE})
    draft = PlanDraft.objects.get()
    assert resp.status_code == 302 and Plan.objects.count() == 0
    page = c.get(reverse("plans:draft_detail", args=[draft.pk])).content.decode()
    assert "稳增长工程" in page and 'data-testid="text-complete"' in page
    # htmx edit answers with the re-rendered tree; an impossible edit shows its reason.
    resp = c.post(reverse("plans:draft_node_edit", args=[draft.pk, 2]), {"op": "outdent"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and 'data-testid="edit-error"' in resp.content.decode()
    resp = c.post(
        reverse("plans:draft_node_edit", args=[draft.pk, 3]),
        {"op": "rename", "title": "抓大项目"},
        HTTP_HX_REQUEST="true",
    )
    assert "抓大项目" in resp.content.decode()
    resp = c.post(
        reverse("plans:draft_confirm", args=[draft.pk]), {"title": "2024计划", "year": 2024, "rollup": "average"}
    )
    plan = Plan.objects.get()
    assert resp.status_code == 302 and plan.rollup == "average"
    assert PlanNode.objects.filter(plan=plan, title="抓大项目").exists()


def test_actuals_import_page_reports_bad_row(org, client_for):
    from shanzhi.core.excel import build_xlsx
    from shanzhi.plans.tests.factories import make_plan

    plan = make_plan(org)
    data = build_xlsx(
        ["indicator", "year", "month", "value"], [["地区生产总值", 2024, 1, 10], ["地区生产总值", 2024, 2, "abc"]]
    )
    f = io.BytesIO(data)
    f.name = "a.xlsx"
    resp = client_for("leader").post(reverse("plans:actual_import") + f"?plan={plan.pk}", {"file": f, "plan": plan.pk})
    assert resp.status_code == 200 and "3" in resp.content.decode()
    assert IndicatorActual.objects.count() == 0
