"""What field work writes itself — its timeline steps, the notices of the periodic jobs and the
alert chain — is shown in each reader's language, whoever's language was active when it was
written.

Before, the texts were translated when written: the background worker (Chinese) left Chinese
steps and notices on the English site, and an incident reported from an English page told the
Chinese leaders in English."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from shanzhi.fieldwork import casebridge, services
from shanzhi.fieldwork.models import FieldEvent
from shanzhi.fieldwork.tests import factories as f
from shanzhi.notifications.models import Notification
from shanzhi.testing.clients import read_page

pytestmark = pytest.mark.django_db


def _step(obj, action: str) -> FieldEvent:
    return FieldEvent.objects.get(content_type__model=obj._meta.model_name, object_id=obj.pk, action=action)


def test_the_wish_deadline_jobs_step_and_notice_follow_the_reader(org):
    wish = f.published_wish(org, deadline=timezone.localdate() + datetime.timedelta(days=2))
    with translation.override("zh-hans"):  # the worker's language, whatever it is
        assert services.wishes_flag_near_deadline() == 1
    step = _step(wish, "flag")
    assert step.actor is None
    with translation.override("en"):
        assert str(step.note) == "Unclaimed close to its deadline."
    with translation.override("zh-hans"):
        assert str(step.note) == "临近期限仍无人认领。"

    staff = org.users["community"]
    url = reverse("fieldwork:wish_detail", args=[wish.pk])
    en = read_page(staff, "en", url)
    assert "Unclaimed close to its deadline." in en and "临近期限仍无人认领" not in en
    zh = read_page(staff, "zh-hans", url)
    assert "临近期限仍无人认领。" in zh and "Unclaimed close to its deadline" not in zh

    notice = Notification.objects.get(recipient=staff, topic=f"wish:{wish.pk}:flag")
    with translation.override("en"):
        assert str(notice.title) == f"Micro-wish still unclaimed, due {wish.deadline}: {wish.title}"
    inbox = read_page(staff, "en", "/notifications/")
    assert f"Micro-wish still unclaimed, due {wish.deadline}: {wish.title}" in inbox
    inbox = read_page(staff, "zh-hans", "/notifications/")
    assert f"微心愿仍未被认领，期限 {wish.deadline}：{wish.title}" in inbox
    assert "Micro-wish still unclaimed" not in inbox


def test_the_escalation_jobs_step_and_the_next_levels_alert_follow_the_reader(org, django_capture_on_commit_callbacks):
    f.chain(org)
    inc = f.incident(org)
    later = timezone.now() + datetime.timedelta(minutes=6)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        assert services.incidents_escalate(now=later) == 1
    step = _step(inc, "overdue")
    who = str(org.users["community"])
    with translation.override("en"):
        assert str(step.note) == f"{who} did not acknowledge within the time."
    with translation.override("zh-hans"):
        assert str(step.note) == f"{who} 未在时限内响应。"

    url = reverse("fieldwork:incident_detail", args=[inc.pk])
    en = read_page(org.users["community"], "en", url)
    assert f"{who} did not acknowledge within the time." in en and "未在时限内响应" not in en
    zh = read_page(org.users["community"], "zh-hans", url)
    assert f"{who} 未在时限内响应。" in zh and "did not acknowledge" not in zh

    # The next level's alert: the drill mark, the severity and the type follow the reader too.
    leader = org.users["leader"]
    notice = Notification.objects.get(recipient=leader, topic=f"incident:{inc.pk}:L2")
    english = "[DRILL] Level II (serious) Flood or typhoon: 道路水浸 — acknowledge now"
    chinese = "【演练】Ⅱ级（重大）洪涝台风：道路水浸——请立即响应"
    with translation.override("en"):
        assert str(notice.title) == english
    with translation.override("zh-hans"):
        assert str(notice.title) == chinese
    assert english in read_page(leader, "en", "/notifications/")
    assert chinese in read_page(leader, "zh-hans", "/notifications/")


def test_notices_written_in_english_reach_chinese_readers_in_chinese(org, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        # No alert chain: the leaders are told.
        inc = f.incident(
            org, incident_type="fire", severity=3, title="仓库冒烟", address="甲社区工业路1号", is_drill=False
        )
        dispute = f.dispute(org, dispute_type="labour", people_involved=25, title="欠薪")
    leader = org.users["leader"]
    nochain = Notification.objects.get(recipient=leader, topic=f"incident:{inc.pk}:nochain")
    risk = Notification.objects.get(recipient=leader, topic=f"dispute:{dispute.pk}:risk")
    with translation.override("zh-hans"):
        assert str(nochain.title) == "突发事件未匹配联动链：仓库冒烟"
        assert str(risk.title) == f"高风险矛盾纠纷 {dispute.code}：欠薪"
    zh = read_page(leader, "zh-hans", "/notifications/")
    assert "突发事件未匹配联动链：仓库冒烟" in zh and f"高风险矛盾纠纷 {dispute.code}：欠薪" in zh
    assert "Incident without an alert chain" not in zh and "High-risk dispute" not in zh
    en = read_page(leader, "en", "/notifications/")
    assert "Incident without an alert chain: 仓库冒烟" in en and f"High-risk dispute {dispute.code}: 欠薪" in en


def test_the_patrol_overdue_notice_follows_the_reader(org):
    grid = org.users["grid"]
    plan = f.plan(org, times_per_period=2)
    today = timezone.localdate()
    with translation.override("zh-hans"):
        assert services.patrols_flag_overdue(today=today) == 1
    _start, _end, period = services.plan_period(plan, today, previous=True)
    notice = Notification.objects.get(recipient=grid, kind="fieldwork.patrol")
    english = f"Patrols behind plan ({period}): {plan.name} — 0 of 2"
    with translation.override("en"):
        assert str(notice.title) == english
    with translation.override("zh-hans"):
        assert str(notice.title) == f"巡查未达计划（{period}）：{plan.name}——完成 0 / 2 次"
    assert english in read_page(grid, "en", "/notifications/")


def _finding_with_case(org):
    grid = org.users["grid"]
    patrol = services.patrol_start(actor=grid, plan=f.plan(org))
    finding = services.finding_report(patrol=patrol, actor=grid, description="井盖缺失", item=f.GRID_ITEMS[3])
    case = casebridge.case_of(finding)
    assert case is not None
    return finding, case


def test_a_finding_whose_case_was_cancelled_in_english_reads_in_chinese(org, django_capture_on_commit_callbacks):
    if not casebridge.available():
        pytest.skip("cases engine not installed")
    from shanzhi.cases import services as case_services

    finding, case = _finding_with_case(org)
    case.refresh_from_db()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(case=case, action="cancel", actor=org.users["admin"], note="duplicate report")
    finding.refresh_from_db()
    assert finding.status == "cancelled"
    step = _step(finding, "cancel")
    assert step.actor is None
    with translation.override("zh-hans"):
        assert str(step.note) == f"诉求 {case.code} 已撤销。"
    with translation.override("en"):
        assert str(step.note) == f"The case {case.code} was cancelled."

    url = reverse("fieldwork:finding_detail", args=[finding.pk])
    zh = read_page(org.users["community"], "zh-hans", url)
    assert f"诉求 {case.code} 已撤销。" in zh and "was cancelled" not in zh
    en = read_page(org.users["community"], "en", url)
    assert f"The case {case.code} was cancelled." in en and "已撤销。" not in en


def test_the_re_inspections_step_on_the_case_follows_the_reader(org):
    if not casebridge.available():
        pytest.skip("cases engine not installed")
    from shanzhi.cases import services as case_services

    finding, case = _finding_with_case(org)
    community, handler = org.users["community"], org.users["dept"]
    case.refresh_from_db()
    urban = org.departments["urban"]
    if case.status in ("received", "accepted") or case.department_id != urban.pk:
        action = "dispatch" if case.status in ("received", "accepted", "returned") else "reassign"
        case = case_services.case_transition(case=case, action=action, actor=community, department=urban, note="派")
    for action in ("sign", "start", "reply"):
        case = case_services.case_transition(case=case, action=action, actor=handler, note="已修复")
    with translation.override("zh-hans"):
        services.finding_reinspect(finding=finding, actor=community, passed=True)  # no note of their own
    case.refresh_from_db()
    assert case.status == "closed"
    step = case.events.get(action="close")
    with translation.override("en"):
        assert str(step.note) == "Re-inspection passed."
    with translation.override("zh-hans"):
        assert str(step.note) == "复查通过。"
