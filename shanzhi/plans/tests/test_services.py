"""Import, supervision and indicator services on real rows."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from shanzhi.core.errors import ImportRowError, ValidationError
from shanzhi.core.models import AuditEvent
from shanzhi.notifications.models import Notification
from shanzhi.plans import services
from shanzhi.plans.models import (
    Indicator,
    IndicatorActual,
    Plan,
    PlanDraft,
    PlanEvent,
    PlanNode,
    ProgressReport,
    SupervisionNotice,
)
from shanzhi.plans.parsing import parse_plan
from shanzhi.plans.tests.factories import SAMPLE, make_draft, make_plan, task_of

pytestmark = pytest.mark.django_db
D = datetime.date


# ----------------------------------------------------------------------------- import


def test_draft_saves_no_plan_until_confirmed(org):
    admin = org.users["admin"]
    draft = make_draft(admin)
    assert draft.source_text == SAMPLE
    assert Plan.objects.count() == 0 and PlanNode.objects.count() == 0
    plan = services.draft_confirm(draft=draft, actor=admin, title="计划", year=2024)
    draft.refresh_from_db()
    assert draft.state == PlanDraft.State.CONFIRMED and draft.plan == plan
    kinds = list(PlanNode.objects.filter(plan=plan).values_list("kind", flat=True))
    assert kinds.count("program") == 2 and kinds.count("task") == 4 and kinds.count("measure") == 2
    names = set(Indicator.objects.filter(plan=plan).values_list("name", flat=True))
    assert {"地区生产总值", "固定资产投资", "社会消费品零售总额"} <= names
    gdp = Indicator.objects.get(plan=plan, name="地区生产总值")
    assert gdp.comparator == ">=" and gdp.target_value == 5 and gdp.unit == "%" and gdp.node.title == "稳增长工程"
    # Every character of the input ends up in the plan's nodes (page clutter aside) and its source.
    joined = "".join(PlanNode.objects.filter(plan=plan).order_by("position").values_list("text", flat=True))
    assert "".join(joined.split()) == "".join(SAMPLE.split())
    with pytest.raises(ValidationError):
        services.draft_confirm(draft=draft, actor=admin, title="again", year=2024)


def test_draft_edits_are_applied_and_audited(org):
    admin = org.users["admin"]
    draft = make_draft(admin)
    draft, _ = services.draft_edit(draft=draft, actor=admin, op="rename", node_id=3, title="抓重大项目")
    draft, new_id = services.draft_edit(draft=draft, actor=admin, op="split", node_id=8, phrase="预计投入")
    ind = next(i for i in draft.indicators if i["name"] == "投入")
    assert ind["node_id"] == new_id  # the indicator follows its sentence
    draft, _ = services.draft_edit(
        draft=draft,
        actor=admin,
        op="assign",
        node_id=3,
        lead_unit=org.departments["urban"].pk,
        co_units=[org.departments["health"].pk],
        deadline="2024-06-30",
    )
    with pytest.raises(ValidationError):
        services.draft_edit(draft=draft, actor=admin, op="assign", node_id=3, lead_unit=999999, co_units=[])
    with pytest.raises(ValidationError):
        services.draft_edit(draft=draft, actor=admin, op="indent", node_id=1)  # the first node cannot go deeper
    plan = services.draft_confirm(draft=draft, actor=admin, title="计划", year=2024)
    task = PlanNode.objects.get(plan=plan, title="抓重大项目")
    assert task.lead_unit == org.departments["urban"] and list(task.co_units.all()) == [org.departments["health"]]
    assert task.deadline == D(2024, 6, 30)
    assert AuditEvent.objects.filter(object_id=str(draft.pk), changes__edit="split").exists()


def test_bad_uploads_are_refused_and_nothing_saved(org):
    admin = org.users["admin"]
    for data, name in [
        (b"", "a.txt"),
        (b"   \n", "a.txt"),
        (b"\x00\x01\x02binary", "a.txt"),
        (b"PK\x03\x04not really a zip", "plan.docx"),
        (b"hello", "plan.docx"),
    ]:
        with pytest.raises(ValidationError):
            services.draft_create_from_upload(actor=admin, data=data, filename=name)
    assert PlanDraft.objects.count() == 0


def test_docx_upload(org, tmp_path):
    import docx

    doc = docx.Document()
    for line in SAMPLE.splitlines():
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    draft = services.draft_create_from_upload(actor=org.users["admin"], data=buf.getvalue(), filename="plan.docx")
    assert [n["kind"] for n in draft.tree].count("program") == 2


def test_import_plan_command_dry_run_prints_parsed_json_and_saves_nothing(db, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    out = io.StringIO()
    call_command("import_plan", str(path), "--dry-run", "--json", stdout=out)
    assert json.loads(out.getvalue()) == parse_plan(SAMPLE).to_dict()
    assert PlanDraft.objects.count() == 0 and Plan.objects.count() == 0
    call_command("import_plan", str(path), stdout=io.StringIO())
    assert PlanDraft.objects.count() == 1 and Plan.objects.count() == 0


def test_import_plan_command_refuses_bad_file(db, tmp_path):
    from django.core.management import CommandError

    path = tmp_path / "p.docx"
    path.write_bytes(b"not a docx")
    with pytest.raises(CommandError):
        call_command("import_plan", str(path), "--dry-run", "--json", stdout=io.StringIO())


# ----------------------------------------------------------------------------- supervision


def test_report_sets_progress_rolls_up_and_writes_timeline(org):
    plan = make_plan(org)
    task = task_of(plan, org.departments["urban"])
    dept = org.users["dept"]
    services.report_submit(node=task, actor=dept, period=D(2024, 3, 1), text="进展顺利", percent="40")
    task.refresh_from_db()
    plan.refresh_from_db()
    assert task.progress == 40
    program = task.parent
    program.refresh_from_db()
    # The program averages its supervised children (抓项目 40, 促消费 0).
    assert program.progress == Decimal("20.0")
    assert plan.progress > 0
    assert PlanEvent.objects.filter(node=task, kind="report").exists()


@pytest.mark.parametrize("percent", ["101", "-1", "abc", "五十"])
def test_report_percent_must_be_a_number_within_0_100(org, percent):
    plan = make_plan(org)
    task = task_of(plan, org.departments["urban"])
    with pytest.raises(ValidationError):
        services.report_submit(node=task, actor=org.users["dept"], period=D(2024, 3, 1), text="x", percent=percent)
    assert ProgressReport.objects.count() == 0 and PlanEvent.objects.filter(kind="report").count() == 0


def test_duplicate_month_closed_task_and_wrong_unit_refused(org):
    plan = make_plan(org)
    task = task_of(plan, org.departments["urban"])
    dept = org.users["dept"]
    services.report_submit(node=task, actor=dept, period=D(2024, 3, 1), text="a", percent=10)
    with pytest.raises(ValidationError):
        services.report_submit(node=task, actor=dept, period=D(2024, 3, 15), text="b", percent=20)
    with pytest.raises(ValidationError):
        services.report_submit(node=task, actor=org.others["dept"], period=D(2024, 4, 1), text="c", percent=20)
    services.node_close(node=task, actor=org.users["leader"])
    with pytest.raises(ValidationError):
        services.report_submit(node=task, actor=dept, period=D(2024, 4, 1), text="d", percent=20)
    assert ProgressReport.objects.count() == 1
    task.refresh_from_db()
    assert task.progress == 10


def test_late_report_is_marked(org):
    plan = make_plan(org)
    task = task_of(plan, org.departments["urban"])
    late = timezone.make_aware(datetime.datetime(2024, 3, 28, 10, 0))
    r = services.report_submit(
        node=task, actor=org.users["dept"], period=D(2024, 3, 1), text="a", percent=10, submitted_at=late
    )
    assert r.is_late


def test_notice_issue_reply_and_escalation(org):
    plan = make_plan(org)
    task = task_of(plan, org.departments["urban"])
    leader = org.users["leader"]
    notice = services.notice_issue(
        node=task, actor=leader, content="请说明滞后原因", issued_on=D(2024, 5, 1), reply_due=D(2024, 5, 8)
    )
    assert notice.code == "DB-2024-0001" and notice.unit == org.departments["urban"]
    assert Notification.objects.filter(recipient=org.users["dept"], kind="plans.notice").exists()
    assert services.notices_escalate(today=D(2024, 5, 9)) == 1
    assert services.notices_escalate(today=D(2024, 5, 10)) == 0  # once only
    assert Notification.objects.filter(recipient=leader, kind="plans.notice_overdue").exists()
    replied = services.notice_reply(notice=notice, actor=org.users["dept"], reply="已整改")
    assert replied.state == SupervisionNotice.State.REPLIED
    with pytest.raises(ValidationError):
        services.notice_reply(notice=notice, actor=org.users["dept"], reply="again")
    with pytest.raises(ValidationError):
        services.notice_issue(node=task, actor=leader, content="  ")


def test_sweep_assesses_and_escalates_red_to_leader(org):
    plan = make_plan(org, assessed_on=D(2024, 8, 1))
    task = task_of(plan, org.departments["urban"])
    services.node_update(node=task, actor=org.users["leader"], responsible_leader=org.users["leader"])
    result = services.supervision_sweep(today=D(2024, 9, 1))
    assert "assessed" in result
    task.refresh_from_db()
    assert task.status == "red"  # no report at all by August
    mine = Notification.objects.filter(
        recipient=org.users["leader"], kind="plans.warning", topic__contains=f":{task.pk}:"
    )
    assert mine.count() == 1 and mine.get().level == "urgent"
    assert Notification.objects.filter(recipient=org.users["dept"], topic=mine.get().topic).exists()
    services.supervision_sweep(today=D(2024, 9, 1))
    assert mine.count() == 1  # one warning per task, level and month


def test_rules_update_validates_and_applies(org):
    from shanzhi.plans import rules

    services.rules_update(actor=org.users["admin"], values={"report_day": 20, "score_base": 80})
    assert rules.current_rules()["report_day"] == 20 and rules.current_rules()["score_base"] == 80
    with pytest.raises(ValidationError):
        services.rules_update(actor=org.users["admin"], values={"report_day": 40})
    assert rules.current_rules()["report_day"] == 20


def test_scorecard_ranks_units(org):
    from shanzhi.plans import selectors

    plan = make_plan(org, assessed_on=D(2024, 4, 30))
    urban, health = task_of(plan, org.departments["urban"]), task_of(plan, org.departments["health"])
    for m in (1, 2, 3):
        services.report_submit(
            node=urban,
            actor=org.users["dept"],
            period=D(2024, m, 1),
            text="x",
            percent=m * 8,
            submitted_at=timezone.make_aware(datetime.datetime(2024, m, 20)),
        )
    rows = selectors.scorecard(org.users["leader"], plan)
    assert [r["unit"] for r in rows] == [org.departments["urban"], org.departments["health"]]
    # Four monthly reports were due by 30 April (report day 25): urban missed April, health all.
    assert rows[0]["facts"].reports_on_time == 3 and rows[0]["facts"].reports_missing == 1
    assert rows[1]["facts"].reports_missing == 4
    assert health.pk


# ----------------------------------------------------------------------------- indicators


def test_indicator_series_cumulative_yoy_gap_forecast(org):
    from shanzhi.plans import selectors

    plan = make_plan(org)
    gdp = Indicator.objects.get(plan=plan, name="地区生产总值")
    admin = org.users["admin"]
    for m in range(1, 13):
        services.actual_record(indicator=gdp, actor=admin, year=2023, month=m, value=10)
    for m in (1, 2, 3):
        services.actual_record(indicator=gdp, actor=admin, year=2024, month=m, value="10.4")
    s = selectors.indicator_series(gdp, 2024)
    assert s["cumulative"] == Decimal("31.2")
    assert s["latest"]["yoy"] == Decimal("4.00")
    assert s["gap"] == Decimal("-1.00") and s["status"] == "yellow"
    assert s["forecast_total"] == Decimal("124.80") and s["forecast_yoy"] == Decimal("4.00")
    summary = {r["name"]: r for r in selectors.indicator_summary(org.users["leader"], year=2024)}
    assert summary["地区生产总值"]["yoy_growth"] == Decimal("4.00")
    # Correcting a month replaces it (no duplicate).
    services.actual_record(indicator=gdp, actor=admin, year=2024, month=3, value="11")
    assert IndicatorActual.objects.filter(indicator=gdp, year=2024, month=3).count() == 1


def test_actuals_import_is_all_or_nothing(org):
    plan = make_plan(org)
    admin = org.users["admin"]
    good = [
        {"indicator": "地区生产总值", "year": "2024", "month": "1", "value": "10"},
        {"indicator": "固定资产投资", "year": "2024", "month": "1", "value": "3.5"},
    ]
    bad = [*good, {"indicator": "地区生产总值", "year": "2024", "month": "2", "value": "十"}]
    with pytest.raises(ImportRowError) as exc:
        services.actuals_import(plan=plan, actor=admin, rows=bad)
    assert exc.value.row == 4
    assert IndicatorActual.objects.count() == 0
    with pytest.raises(ImportRowError) as exc:
        services.actuals_import(
            plan=plan, actor=admin, rows=[{"indicator": "无此指标", "year": "2024", "month": "1", "value": "1"}]
        )
    assert exc.value.row == 2
    with pytest.raises(ImportRowError):
        services.actuals_import(
            plan=plan, actor=admin, rows=[{"indicator": "地区生产总值", "year": "2024", "month": "13", "value": "1"}]
        )
    assert services.actuals_import(plan=plan, actor=admin, rows=good) == 2
    assert IndicatorActual.objects.count() == 2
