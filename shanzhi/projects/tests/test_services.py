import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shanzhi.core.errors import ConflictError, ImportRowError, PermissionDenied, ValidationError
from shanzhi.core.models import AuditEvent, SiteSetting
from shanzhi.projects import selectors, services
from shanzhi.projects.models import Blocker, Lead, LeadActivity, Project, ProjectMonth, ProjectStageChange, ProposalVote
from shanzhi.projects.tests.factories import make_lead, make_parcel, make_project, make_proposal

pytestmark = pytest.mark.django_db


def _xlsx(rows, name="progress.xlsx"):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


# ----------------------------------------------------------------------------- stages


def test_stage_moves_record_dates_timeline_and_audit(org):
    admin = org.users["admin"]
    p = make_project(org)
    p = services.project_move_stage(project=p, to_stage="reserve", actor=admin, on=datetime.date(2023, 2, 1))
    p = services.project_move_stage(project=p, to_stage="started", actor=admin, on=datetime.date(2023, 4, 3))
    assert p.stage == "started" and p.started_on == datetime.date(2023, 4, 3) and p.stage_changed_on == p.started_on
    moves = list(ProjectStageChange.objects.filter(project=p).values_list("from_stage", "to_stage"))
    assert moves == [("", "planning"), ("planning", "reserve"), ("reserve", "started")]
    assert AuditEvent.objects.filter(action="transition", object_id=str(p.pk)).count() == 2


def test_skipping_a_stage_is_refused_and_nothing_changes(org):
    p = make_project(org)
    with pytest.raises(ValidationError) as exc:
        services.project_move_stage(project=p, to_stage="started", actor=org.users["admin"])
    assert "stage" in exc.value.message_dict
    p.refresh_from_db()
    assert p.stage == "planning" and p.version == 1
    assert ProjectStageChange.objects.filter(project=p).count() == 1


def test_skip_allowed_by_setting(org):
    SiteSetting.objects.create(key="projects.stage_skip_allowed", value=[["planning", "started"]])
    p = services.project_move_stage(project=make_project(org), to_stage="started", actor=org.users["admin"])
    assert p.stage == "started"


def test_stale_version_and_backdated_move_refused(org):
    admin = org.users["admin"]
    p = make_project(org)
    with pytest.raises(ConflictError):
        services.project_move_stage(project=p, to_stage="reserve", actor=admin, expected_version=p.version + 1)
    with pytest.raises(ValidationError):
        services.project_move_stage(project=p, to_stage="reserve", actor=admin, on=datetime.date(2022, 12, 1))


def test_project_update_cannot_change_the_stage(org):
    p = make_project(org)
    with pytest.raises(ValidationError):
        services.project_update(project=p, actor=org.users["admin"], stage="completed")


# ----------------------------------------------------------------------------- progress


@pytest.mark.parametrize("bad", ["-5", "abc", "1e999999", "nan"])
def test_bad_completed_investment_refused(org, bad):
    p = make_project(org)
    with pytest.raises(ValidationError) as exc:
        services.project_progress_record(project=p, actor=org.users["admin"], month="2023-03", completed_investment=bad)
    assert "completed_investment" in exc.value.message_dict
    assert not ProjectMonth.objects.filter(project=p).exists()


def test_progress_over_100_percent_refused(org):
    p = make_project(org)
    with pytest.raises(ValidationError):
        services.project_progress_record(project=p, actor=org.users["admin"], month="2023-03", physical_progress="120")


def test_plan_vs_completed_and_behind_plan(org):
    admin = org.users["admin"]
    p = make_project(org)
    services.project_plan_set(project=p, actor=admin, plan={"2023-01": "100", "2023-02": "100", "2023-03": "100"})
    services.project_progress_record(
        project=p, actor=admin, month="2023-01", completed_investment="120", physical_progress="10"
    )
    services.project_progress_record(project=p, actor=admin, month="2023-02", completed_investment="50")
    today = datetime.date(2023, 2, 15)
    t = p.investment_totals(today)
    assert t["planned_to_date"] == Decimal("200") and t["completed"] == Decimal("170")
    assert p.is_behind_plan(today)
    services.project_progress_record(project=p, actor=admin, month="2023-02", completed_investment="80")
    assert not p.is_behind_plan(today)
    rows = p.month_rows()
    assert [r["cum_planned"] for r in rows] == [Decimal("100"), Decimal("200"), Decimal("300")]
    assert [r["cum_completed"] for r in rows] == [Decimal("120"), Decimal("200"), Decimal("200")]
    annotated = selectors.with_investment(Project.objects.filter(pk=p.pk), today).get()
    assert annotated.planned_to_date == Decimal("200") and annotated.completed == Decimal("200")


def test_import_all_or_nothing_reports_the_bad_row(org):
    admin = org.users["admin"]
    p = make_project(org)
    q = make_project(org)
    bad = _xlsx(
        [
            ["项目编号", "月份", "完成投资（万元）", "形象进度（%）"],
            [p.code, "2023-01", "100", "10"],
            [q.code, "2023-01", "-3", "5"],
        ]
    )
    with pytest.raises(ImportRowError) as exc:
        services.progress_import(actor=admin, uploaded=bad)
    assert exc.value.row == 3
    assert not ProjectMonth.objects.exists()
    good = _xlsx(
        [["project code", "month", "completed investment"], [p.code, "2023-01", "100"], [q.code, "2023-02", "7.5"]]
    )
    assert services.progress_import(actor=admin, uploaded=good) == 2
    assert ProjectMonth.objects.get(project=q).completed_investment == Decimal("7.50")


def test_import_refuses_projects_outside_scope(org):
    theirs = make_project(org, department="health", community="B")
    upload = _xlsx([["项目编号", "月份", "完成投资（万元）"], [theirs.code, "2023-01", "1"]])
    with pytest.raises(ImportRowError) as exc:
        services.progress_import(actor=org.users["dept"], uploaded=upload)
    assert exc.value.row == 2
    assert not ProjectMonth.objects.exists()


def test_import_refuses_duplicates_and_bad_months(org):
    p = make_project(org)
    upload = _xlsx([["项目编号", "月份", "完成投资（万元）"], [p.code, "2023-01", "1"], [p.code, "2023-01", "2"]])
    with pytest.raises(ImportRowError) as exc:
        services.progress_import(actor=org.users["admin"], uploaded=upload)
    assert exc.value.row == 3
    upload = _xlsx([["项目编号", "月份", "完成投资（万元）"], [p.code, "thirteenth", "1"]])
    with pytest.raises(ImportRowError):
        services.progress_import(actor=org.users["admin"], uploaded=upload)
    assert not ProjectMonth.objects.exists()


# ----------------------------------------------------------------------------- blockers → cases


def test_blocker_raises_a_coordination_case_and_follows_it(org, django_capture_on_commit_callbacks):
    from shanzhi.cases.services import case_transition

    admin = org.users["admin"]
    p = make_project(org)
    b = services.blocker_raise(
        project=p, actor=admin, kind="land", description="用地指标未落实", department=org.departments["health"]
    )
    assert b.status == Blocker.Status.RAISED
    case = b.case
    assert case.kind == "coordination" and case.department == org.departments["health"]
    assert case.origin == b and case.deadline is not None and b.deadline == case.deadline
    # The responsible department sees the blocker through its department; the project's own does too.
    assert Blocker.objects.restrict(org.others["dept"]).filter(pk=b.pk).exists()
    assert Blocker.objects.restrict(org.users["dept"]).filter(pk=b.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=case, action="cancel", actor=admin, note="已协调解决，无需立案")
    b.refresh_from_db()
    assert b.status == Blocker.Status.CANCELLED


def test_blocker_without_description_refused(org):
    with pytest.raises(ValidationError):
        services.blocker_raise(
            project=make_project(org),
            actor=org.users["admin"],
            kind="land",
            description=" ",
            department=org.departments["urban"],
        )
    assert not Blocker.objects.exists()


# ----------------------------------------------------------------------------- leads


def test_lead_lifecycle_logs_every_move(org):
    admin = org.users["admin"]
    lead = make_lead(org)
    with pytest.raises(ValidationError):
        services.lead_move(lead=lead, to_stage="signed", actor=admin)
    lead = services.lead_move(lead=lead, to_stage="contacted", actor=admin)
    with pytest.raises(ValidationError) as exc:
        services.lead_move(lead=lead, to_stage="dropped", actor=admin)
    assert "reason" in exc.value.message_dict
    lead = services.lead_move(lead=lead, to_stage="dropped", actor=admin, reason="选址外迁")
    assert lead.drop_reason == "选址外迁"
    assert LeadActivity.objects.filter(lead=lead, kind="stage").count() == 2


def test_stale_leads_flagged_and_notified(org):
    from shanzhi.notifications.models import Notification

    owner = org.users["dept"]
    old = make_lead(org, owner=owner)
    fresh = make_lead(org, owner=owner)
    Lead.objects.filter(pk=old.pk).update(last_activity_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert list(Lead.objects.stale(30)) == [Lead.objects.get(pk=old.pk)]
    services.lead_log_activity(lead=fresh, actor=owner, kind="call", summary="电话沟通")
    assert services.stale_leads_notify() == 1
    assert Notification.objects.filter(recipient=owner).count() == 1
    services.lead_log_activity(lead=old, actor=owner, kind="visit", summary="上门拜访")
    assert not Lead.objects.stale(30).exists()


def test_activity_in_the_future_refused(org):
    with pytest.raises(ValidationError):
        services.lead_log_activity(
            lead=make_lead(org),
            actor=org.users["admin"],
            kind="call",
            summary="x",
            at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC),
        )


# ----------------------------------------------------------------------------- renewal


def test_parcel_stages_and_rates(org):
    admin = org.users["admin"]
    p = make_project(org, kind=Project.Kind.RENEWAL)
    a = make_parcel(p, actor=admin, area="30")
    b = make_parcel(p, actor=admin, area="10")
    make_parcel(p, actor=admin, area="60")
    with pytest.raises(ValidationError):
        services.parcel_move(parcel=a, to_stage="demolition", actor=admin)
    for stage in ["signing", "relocation", "demolition", "preparation"]:
        a = services.parcel_move(parcel=a, to_stage=stage, actor=admin)
    with pytest.raises(ValidationError):
        services.parcel_move(parcel=a, to_stage="transfer", actor=admin, transfer_price="-1")
    a = services.parcel_move(parcel=a, to_stage="transfer", actor=admin, transfer_price="4500")
    services.parcel_move(parcel=b, to_stage="signing", actor=admin)
    s = selectors.renewal_summary(p)
    assert s["signing_rate"] == 40.0 and s["demolition_rate"] == 30.0
    assert s["transferred"] == Decimal("30") and s["money"] == Decimal("4500")


# ----------------------------------------------------------------------------- proposals


def test_votes_one_per_browser_and_limited_per_ip(org):
    SiteSetting.objects.create(key="projects.votes_per_ip_per_day", value=2)
    p = make_proposal(org)
    services.proposal_vote(proposal=p, voter_token="a" * 20, ip="10.0.0.1")
    with pytest.raises(ValidationError):
        services.proposal_vote(proposal=p, voter_token="a" * 20, ip="10.0.0.2")
    services.proposal_vote(proposal=p, voter_token="b" * 20, ip="10.0.0.1")
    with pytest.raises(ValidationError):
        services.proposal_vote(proposal=p, voter_token="c" * 20, ip="10.0.0.1")
    services.proposal_vote(proposal=p, voter_token="c" * 20, ip="10.0.0.9")
    p.refresh_from_db()
    assert p.votes == 3 and ProposalVote.objects.count() == 3
    assert not ProposalVote.objects.filter(ip_hash__contains="10.0.0").exists()


def test_proposals_rate_limited_per_ip(org):
    SiteSetting.objects.create(key="projects.proposals_per_ip_per_day", value=1)
    services.proposal_submit(
        actor=None, title="加装电梯", description="七层无电梯", category="infrastructure", ip="10.1.1.1"
    )
    with pytest.raises(PermissionDenied):
        services.proposal_submit(actor=None, title="再来一条", description="x", category="other", ip="10.1.1.1")
    services.proposal_submit(actor=None, title="另一条", description="x", category="other", ip="10.1.1.2")


def test_answer_and_adopt_a_proposal(org):
    admin = org.users["admin"]
    p = make_proposal(org)
    with pytest.raises(ValidationError):
        services.proposal_answer(proposal=p, actor=admin, answer="")
    p = services.proposal_answer(proposal=p, actor=admin, answer="纳入研究")
    assert p.status == "answered" and p.answered_by == admin
    project = services.proposal_to_project(
        proposal=p, actor=admin, code="MS-2024-01", department=org.departments["urban"], total_investment="300"
    )
    p.refresh_from_db()
    assert p.status == "accepted" and p.project == project
    assert project.kind == "livelihood" and project.year == 2024 and project.total_investment == Decimal("300")
    with pytest.raises(ValidationError):
        services.proposal_to_project(proposal=p, actor=admin, code="MS-2024-02")
