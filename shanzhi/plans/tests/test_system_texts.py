"""What the plans app writes into its records — timeline steps, status reasons, notices' titles,
a pasted draft's source, audit notes — is shown in each reader's language, whoever's language
was active when it was written.

Before, the texts were translated when written: a leader working on the English site left
English steps and notices for the Chinese units, and the supervision sweep (a background job,
in Chinese) left Chinese statuses, reasons and warnings on the English site."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from shanzhi.core.models import AuditEvent
from shanzhi.core.texts import Text
from shanzhi.notifications.models import Notification
from shanzhi.plans import services
from shanzhi.plans.models import Indicator, Plan, PlanDraft, PlanEvent, PlanNode
from shanzhi.plans.tests.factories import SAMPLE, make_plan, task_of
from shanzhi.testing.clients import api_client, page_client

pytestmark = pytest.mark.django_db
D = datetime.date


def _step(node: PlanNode, kind: str) -> PlanEvent:
    return PlanEvent.objects.get(node=node, kind=kind)


def test_steps_and_notices_written_in_english_read_in_chinese(org):
    plan = make_plan(org)
    task = task_of(plan, org.departments["urban"])
    leader, dept = org.users["leader"], org.users["dept"]
    with translation.override("en"):  # the leader and the unit work on the English site
        services.milestone_create(node=task, actor=leader, title="完成选址", due_date=D(2024, 6, 30))
        services.node_update(node=task, actor=leader, deadline=D(2024, 11, 30), weight=2)
        notice = services.notice_issue(
            node=task, actor=leader, content="请说明滞后原因", issued_on=D(2024, 5, 1), reply_due=D(2024, 5, 8)
        )
        services.notice_reply(notice=notice, actor=dept, reply="已整改")
        services.node_close(node=task, actor=leader)
    assert notice.code == "DB-2024-0001"
    steps = {kind: _step(task, kind).text for kind in ("milestone", "edited", "notice", "notice_reply", "closed")}
    assert all(isinstance(t, Text) for t in steps.values())
    with translation.override("en"):
        assert str(steps["milestone"]) == "Milestone “完成选址” due 2024-06-30."
        assert str(steps["edited"]) == "Task data changed: deadline; weight"
        assert (
            str(steps["notice"]) == "Supervision notice DB-2024-0001 to 城管执法队, reply by 2024-05-08: 请说明滞后原因"
        )
        assert str(steps["notice_reply"]) == "Reply to DB-2024-0001 (late): 已整改"
        assert str(steps["closed"]) == "Task closed."
    with translation.override("zh-hans"):
        assert str(steps["milestone"]) == "节点目标“完成选址”，2024-06-30 到期。"
        assert str(steps["edited"]) == "任务信息已修改：完成时限；权重"
        assert str(steps["notice"]) == "向城管执法队签发督办单 DB-2024-0001，2024-05-08 前反馈：请说明滞后原因"
        assert str(steps["notice_reply"]) == "督办单 DB-2024-0001 反馈（逾期）：已整改"
        assert str(steps["closed"]) == "任务已关闭。"

    zh = page_client(org.users["admin"], "zh-hans").get(reverse("plans:node_detail", args=[task.pk])).content.decode()
    for text in (
        "节点目标“完成选址”，2024-06-30 到期。",
        "任务信息已修改：完成时限；权重",
        "向城管执法队签发督办单 DB-2024-0001，2024-05-08 前反馈：请说明滞后原因",
        "督办单 DB-2024-0001 反馈（逾期）：已整改",
        "任务已关闭。",
    ):
        assert text in zh
    for english in ("Milestone “", "Task data changed", "Supervision notice DB-", "Reply to DB-", "Task closed."):
        assert english not in zh

    # The notices' titles: the unit's and the leader's inbox, in each reader's language.
    issued = Notification.objects.get(recipient=dept, kind="plans.notice")
    answered = Notification.objects.get(recipient=leader, kind="plans.notice_reply")
    with translation.override("zh-hans"):
        assert str(issued.title) == "督办单 DB-2024-0001：请于 2024-05-08 前反馈"
        assert str(answered.title) == "城管执法队 已反馈 DB-2024-0001"
    inbox = page_client(dept, "zh-hans").get("/notifications/").content.decode()
    assert "督办单 DB-2024-0001：请于 2024-05-08 前反馈" in inbox and "Supervision notice" not in inbox
    inbox = page_client(leader, "en").get("/notifications/").content.decode()
    assert "DB-2024-0001 answered by 城管执法队" in inbox and "已反馈" not in inbox


def test_the_sweeps_statuses_reasons_and_warnings_follow_the_reader(org):
    plan = make_plan(org, assessed_on=D(2024, 8, 1))
    task = task_of(plan, org.departments["urban"])
    leader = org.users["leader"]
    with translation.override("zh-hans"):  # the leader on the Chinese site, then the worker
        services.notice_issue(
            node=task, actor=leader, content="请说明滞后原因", issued_on=D(2024, 5, 1), reply_due=D(2024, 5, 8)
        )
        services.supervision_sweep(today=D(2024, 9, 1))
    task.refresh_from_db()
    assert task.status == "red"
    status, warning, escalated = _step(task, "status"), _step(task, "warning"), _step(task, "escalated")
    assert warning.actor is None and escalated.actor is None  # the job's steps
    with translation.override("en"):
        assert str(status.text) == "Status: Not assessed → Seriously behind."
        assert str(warning.text) == "Red warning"
        assert str(escalated.text) == "Supervision notice DB-2024-0001 is overdue: escalated."
        assert [r["text"] for r in task.reasons] == [
            "Progress 0.0% is 58.4 points behind the expected 58.4%.",
            "No progress report for 7 month(s).",
            "A supervision notice due 2024-05-08 is unanswered.",
        ]
    with translation.override("zh-hans"):
        assert str(status.text) == "状态：未评估 → 严重滞后。"
        assert str(warning.text) == "红色预警"
        assert str(escalated.text) == "督办单 DB-2024-0001 逾期未反馈，已升级。"
        assert task.reasons[1]["text"] == "已 7 个月未报送进度。"

    en = page_client(leader, "en").get(reverse("plans:node_detail", args=[task.pk])).content.decode()
    for text in (
        "Status: Not assessed → Seriously behind.",
        "Red warning",
        "Supervision notice DB-2024-0001 is overdue: escalated.",
        "Progress 0.0% is 58.4 points behind the expected 58.4%.",
        "No progress report for 7 month(s).",
        "A supervision notice due 2024-05-08 is unanswered.",
    ):
        assert text in en
    for chinese in ("状态：", "红色预警", "逾期未反馈", "落后序时进度", "个月未报送进度"):
        assert chinese not in en

    reasons = api_client(leader, "en").get(f"/api/plans/tasks/{task.pk}/").json()["status_reasons"]
    assert reasons[1] == {"level": "red", "code": "report", "text": "No progress report for 7 month(s)."}
    reasons = api_client(leader, "zh-hans").get(f"/api/plans/tasks/{task.pk}/").json()["status_reasons"]
    assert reasons[1]["text"] == "已 7 个月未报送进度。"

    # The warning's and the escalation's titles.
    red = Notification.objects.get(recipient=org.users["dept"], topic__startswith=f"plans:warning:{task.pk}:red:")
    overdue = Notification.objects.get(recipient=leader, kind="plans.notice_overdue")
    with translation.override("en"):
        assert str(red.title) == "Red warning: （一）抓项目"
        assert str(red.body) == (
            "Progress 0.0% is 58.4 points behind the expected 58.4%.\n"
            "No progress report for 7 month(s).\n"
            "A supervision notice due 2024-05-08 is unanswered."
        )
        assert str(overdue.title) == "Supervision notice DB-2024-0001 unanswered by 城管执法队"
    with translation.override("zh-hans"):
        assert str(red.title) == "红色预警：（一）抓项目"
        assert str(red.body) == (
            "进度 0.0% 落后序时进度 58.4% 共 58.4 个百分点。\n已 7 个月未报送进度。\n2024-05-08 到期的督办单未反馈。"
        )
        assert str(overdue.title) == "城管执法队 逾期未反馈督办单 DB-2024-0001"
    inbox = page_client(leader, "en").get("/notifications/").content.decode()
    assert "Red warning: （一）抓项目" in inbox and "No progress report for 7 month(s)." in inbox
    assert "Supervision notice DB-2024-0001 unanswered by 城管执法队" in inbox
    assert "红色预警" not in inbox and "逾期未反馈督办单" not in inbox and "个月未报送进度" not in inbox


def test_a_pasted_draft_and_its_plan_read_in_each_readers_language(org):
    leader = org.users["leader"]
    untitled = SAMPLE.split("\n", 1)[1]  # no title line (and so no year)
    en = page_client(leader, "en")
    assert en.post(reverse("plans:draft_list"), {"text": untitled}).status_code == 302
    draft = PlanDraft.objects.get()
    assert draft.title == "" and isinstance(draft.source_name, Text)
    assert "No document title found." in draft.warnings  # kept as the parser's message id
    zh = page_client(leader, "zh-hans")
    page = zh.get(reverse("plans:draft_detail", args=[draft.pk])).content.decode()
    assert "粘贴的正文" in page and "未找到文件标题。" in page
    assert "pasted text" not in page and "No document title found." not in page
    page = zh.get(reverse("plans:draft_list")).content.decode()
    assert "粘贴的正文" in page and "pasted text" not in page
    assert "pasted text" in en.get(reverse("plans:draft_list")).content.decode()

    resp = en.post(
        reverse("plans:draft_confirm", args=[draft.pk]), {"title": "无题计划", "year": 2024, "rollup": "weighted"}
    )
    assert resp.status_code == 302
    plan = Plan.objects.get()
    nodes, indicators = PlanNode.objects.filter(plan=plan).count(), Indicator.objects.filter(plan=plan).count()
    created = PlanEvent.objects.get(plan=plan, kind="created")
    note = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT, object_id=str(plan.pk)).note
    with translation.override("zh-hans"):
        assert str(created.text) == f"由文件 粘贴的正文 确认生成计划：{nodes} 个节点、{indicators} 项指标。"
        assert str(note) == f"由草稿 {draft.pk} 生成 {nodes} 个节点、{indicators} 项指标"
        assert str(plan.source_name) == "粘贴的正文"
    with translation.override("en"):
        assert (
            str(created.text)
            == f"Plan confirmed from the document pasted text: {nodes} nodes, {indicators} indicators."
        )
    page = zh.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert f"由文件 粘贴的正文 确认生成计划：{nodes} 个节点、{indicators} 项指标。" in page
    assert "Plan confirmed" not in page


def test_rows_written_before_show_their_words_as_they_are(org):
    """Timeline steps and status reasons stored as plain text before the change still show."""
    plan = make_plan(org)
    task = task_of(plan, org.departments["urban"])
    PlanEvent.objects.create(plan=plan, node=task, kind="status", text="状态：未评估 → 滞后。")
    PlanNode.objects.filter(pk=task.pk).update(
        status_reasons=[{"level": "yellow", "code": "report", "text": "已 1 个月未报送进度。"}]
    )
    assert PlanEvent.objects.get(node=task, kind="status").text == "状态：未评估 → 滞后。"
    page = page_client(org.users["admin"], "en").get(reverse("plans:node_detail", args=[task.pk])).content.decode()
    assert "状态：未评估 → 滞后。" in page and "已 1 个月未报送进度。" in page
    reasons = api_client(org.users["admin"], "en").get(f"/api/plans/tasks/{task.pk}/").json()["status_reasons"]
    assert reasons == [{"level": "yellow", "code": "report", "text": "已 1 个月未报送进度。"}]
