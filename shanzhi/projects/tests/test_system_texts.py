"""What the projects app writes itself — the library entry on a project's timeline, a lead's
stage moves, the adoption answer to a proposal, the notices and audit notes of its jobs — is
shown in each reader's language, whoever's language was active when it was written.

Before, the texts were translated when written: a project entered by a Chinese user showed
"入库。" on the English site, and a lead moved on the English site logged "Lead → Contacted"
for the Chinese staff."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from shanzhi.core.models import AuditEvent
from shanzhi.notifications.models import Notification
from shanzhi.projects import services
from shanzhi.projects.models import Lead, LeadActivity, ProjectStageChange
from shanzhi.projects.tests.factories import make_lead, make_project, make_proposal
from shanzhi.testing.clients import api_client, read_page

pytestmark = pytest.mark.django_db


def test_the_library_entry_on_a_projects_timeline_follows_the_reader(org):
    with translation.override("zh-hans"):
        project = make_project(org)
    entry = ProjectStageChange.objects.get(project=project)
    with translation.override("en"):
        assert str(entry.note) == "Entered into the project library."
    with translation.override("zh-hans"):
        assert str(entry.note) == "入库。"
    url = reverse("projects:project_detail", args=[project.pk])
    en = read_page(org.users["admin"], "en", url)
    assert "Entered into the project library." in en and "入库。" not in en
    zh = read_page(org.users["admin"], "zh-hans", url)
    assert "入库。" in zh and "Entered into the project library" not in zh


def test_a_leads_stage_moves_logged_in_english_read_in_chinese(org):
    admin = org.users["admin"]
    lead = make_lead(org)
    with translation.override("en"):
        lead = services.lead_move(lead=lead, to_stage="contacted", actor=admin)
        lead = services.lead_move(lead=lead, to_stage="dropped", actor=admin, reason="选址外迁")
    moved, dropped = LeadActivity.objects.filter(lead=lead, kind=LeadActivity.Kind.STAGE).order_by("at", "id")
    with translation.override("zh-hans"):
        assert str(moved.summary) == "线索 → 已接洽"
        assert str(dropped.summary) == "已接洽 → 已放弃：选址外迁"
    with translation.override("en"):
        assert str(moved.summary) == "Lead → Contacted"
        assert str(dropped.summary) == "Contacted → Dropped: 选址外迁"
    assert Lead.objects.get(pk=lead.pk).drop_reason == "选址外迁"  # the person's words, as written

    url = reverse("projects:lead_detail", args=[lead.pk])
    zh = read_page(admin, "zh-hans", url)
    assert "线索 → 已接洽" in zh and "已接洽 → 已放弃：选址外迁" in zh and "Contacted →" not in zh
    en = read_page(admin, "en", url)
    assert "Lead → Contacted" in en and "Contacted → Dropped: 选址外迁" in en and "已接洽" not in en

    api = api_client(admin, "zh-hans")
    r = api.get(f"/api/projects/lead-activities/{dropped.pk}/")
    assert r.status_code == 200 and r.json()["summary"] == "已接洽 → 已放弃：选址外迁"


def test_a_proposal_adopted_on_the_english_site_is_answered_in_chinese_to_the_public(org):
    proposal = make_proposal(org, title="加装电梯", for_year=2024)
    with translation.override("en"):
        services.proposal_to_project(
            proposal=proposal, actor=org.users["admin"], code="MS-2024-09", department=org.departments["urban"]
        )
    proposal.refresh_from_db()
    with translation.override("zh-hans"):
        assert str(proposal.answer) == "已采纳为 2024 年民生实事项目。"
    url = reverse("projects:public_proposals") + "?year=2024"
    zh = read_page(None, "zh-hans", url)
    assert "已采纳为 2024 年民生实事项目。" in zh and "Adopted as a livelihood project" not in zh
    en = read_page(None, "en", url)
    assert "Adopted as a livelihood project for 2024." in en and "已采纳为" not in en
    staff_page = read_page(org.users["admin"], "en", reverse("projects:proposal_detail", args=[proposal.pk]))
    assert "Adopted as a livelihood project for 2024." in staff_page and "已采纳为" not in staff_page

    # An answer a person writes stays theirs.
    other = make_proposal(org, for_year=2024)
    with translation.override("en"):
        services.proposal_to_project(proposal=other, actor=org.users["admin"], code="MS-2024-10", answer="纳入明年计划")
    other.refresh_from_db()
    assert other.answer == "纳入明年计划"


def test_the_stale_leads_notice_follows_the_reader(org):
    owner = org.users["dept"]
    lead = make_lead(org, owner=owner)
    Lead.objects.filter(pk=lead.pk).update(last_activity_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    with translation.override("zh-hans"):  # the worker's language
        assert services.stale_leads_notify() == 1
    notice = Notification.objects.get(recipient=owner, kind="projects.stale_leads")
    with translation.override("en"):
        assert str(notice.title) == "1 investment leads without activity for 30 days"
    with translation.override("zh-hans"):
        assert str(notice.title) == "1 条招商线索已 30 天未跟进"
    assert "1 investment leads without activity for 30 days" in read_page(owner, "en", "/notifications/")


def test_the_audit_notes_the_system_writes_follow_the_reader(org, django_capture_on_commit_callbacks):
    admin = org.users["admin"]
    project = make_project(org)
    wb = Workbook()
    wb.active.append(["project code", "month", "completed investment"])
    wb.active.append([project.code, "2023-01", "100"])
    buf = io.BytesIO()
    wb.save(buf)
    with translation.override("zh-hans"):
        services.progress_import(actor=admin, uploaded=SimpleUploadedFile("progress.xlsx", buf.getvalue()))
    imported = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT, content_type__model="projectmonth")
    with translation.override("en"):
        assert str(imported.note) == "1 rows imported from progress.xlsx"
    with translation.override("zh-hans"):
        assert str(imported.note) == "从 progress.xlsx 导入 1 行"

    from shanzhi.cases.services import case_transition

    blocker = services.blocker_raise(
        project=project, actor=admin, kind="land", description="用地指标未落实", department=org.departments["health"]
    )
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        case_transition(case=blocker.case, action="cancel", actor=admin, note="resolved without a case")
    followed = AuditEvent.objects.get(
        action=AuditEvent.Action.TRANSITION, content_type__model="blocker", object_id=str(blocker.pk), actor=None
    )
    with translation.override("zh-hans"):
        assert str(followed.note) == f"协调事项 {blocker.case.code}：cancel"
    with translation.override("en"):
        assert str(followed.note) == f"Coordination case {blocker.case.code}: cancel"
