"""What the system writes on a case — the routing reason, its own timeline steps, the notices —
is shown in each reader's language, whoever's language was active when it was written.

Before, the texts were translated when written: a case submitted through an English API
client showed English reasons to the Chinese dispatcher, and the deadline job's Chinese steps
stayed Chinese on the English site."""

import pytest
from django.utils import timezone, translation

from shanzhi.cases import services
from shanzhi.cases.models import Case, CaseEvent
from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.core.texts import MARK
from shanzhi.notifications.models import Notification
from shanzhi.testing.clients import api_client, page_client

pytestmark = pytest.mark.django_db

BODY = {"description": "小区门口垃圾没人清理", "category": "urban-garbage", "longitude": 113.355, "latitude": 22.515}


def test_a_case_submitted_in_english_reads_in_each_readers_language(org):
    make_categories(org)
    r = api_client(org.users["community"], "en").post("/api/cases/cases/", BODY, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["routing_reason"].startswith("location in grid 甲1网格")  # the submitter's language
    case = Case.objects.get(pk=r.json()["id"])
    assert case.status == Case.Status.DISPATCHED

    desk = org.users["leader"]
    zh = page_client(desk, "zh-hans").get(f"/cases/{case.pk}/").content.decode()
    assert "位置在网格 甲1网格 内" in zh and "自动派单：位置在网格 甲1网格 内" in zh
    assert "location in grid" not in zh and "Dispatched automatically" not in zh
    en = page_client(desk, "en").get(f"/cases/{case.pk}/").content.decode()
    assert "location in grid 甲1网格" in en and "Dispatched automatically: location in grid 甲1网格" in en
    assert "位置在网格" not in en and "自动派单" not in en

    api_zh = api_client(desk, "zh-hans")
    assert api_zh.get(f"/api/cases/cases/{case.pk}/").json()["routing_reason"].startswith("位置在网格 甲1网格 内；")
    steps = api_zh.get(f"/api/cases/cases/{case.pk}/timeline/").json()
    with translation.override("zh-hans"):
        assert steps[0]["note"] == f"通过{Case.Source(case.source).label}受理。"
    assert steps[0]["data"]["routing"].startswith("位置在网格 甲1网格 内")  # the step's data too
    assert steps[1]["note"].startswith("自动派单：位置在网格 甲1网格 内")


def test_the_deadline_jobs_steps_and_notices_follow_the_reader(org):
    case = make_case(org, status="signed")
    Case.objects.filter(pk=case.pk).update(deadline=timezone.now() + timezone.timedelta(hours=1))
    with translation.override("zh-hans"):  # the worker's language, whatever it is
        services.cases_check_deadlines()
    step = case.events.get(action="warn")
    assert step.actor is None
    with translation.override("en"):
        assert str(step.note) == "The deadline is near."
    with translation.override("zh-hans"):
        assert str(step.note) == "办理时限临近。"
    notice = Notification.objects.filter(topic=f"case:{case.pk}", kind="case").latest("pk")
    inbox = page_client(notice.recipient, "en").get("/notifications/").content.decode()
    assert f"Deadline near: {case.code}" in inbox
    inbox = page_client(notice.recipient, "zh-hans").get("/notifications/").content.decode()
    assert "Deadline near" not in inbox


def test_a_persons_note_cannot_pass_for_a_system_text(org):
    case = make_case(org)
    forged = MARK + '{"$t":"Dispatched automatically: %(r)s","p":{"r":"x"}}'
    services.case_transition(case=case, action="note", actor=org.users["admin"], note=forged)
    step = CaseEvent.objects.filter(case=case, action="note").get()
    assert step.note == forged[1:]  # kept as the person wrote it, as plain text
    with translation.override("zh-hans"):
        assert str(step.note) == forged[1:]


def test_an_imported_case_reads_in_each_readers_language(org):
    make_categories(org)
    rows = [{"诉求内容": "楼下垃圾没人收", "分类编码": "urban-garbage", "经度": 113.355, "纬度": 22.515}]
    assert services.cases_import(rows=rows, actor=org.users["admin"]) == 1
    case = Case.objects.get(source=Case.Source.IMPORT)
    (step,) = case.events.all()
    with translation.override("en"):
        assert str(step.note) == "Imported from a file."
        assert str(case.routing_reason).startswith("imported; category ")
    with translation.override("zh-hans"):
        assert str(step.note) == "从文件导入。"
        assert str(case.routing_reason).startswith("导入；类别 ")
