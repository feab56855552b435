"""Faults found by clicking through the staff case workflow as its users would (the case page
and its steps, 吹哨报到, both languages). Each test failed before its fix."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from shanzhi.cases import services, workflow
from shanzhi.cases.tests.factories import drive_to, make_case, png_bytes

pytestmark = pytest.mark.django_db


def _client(user, language: str = "zh-hans") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(user)
    c.cookies["django_language"] = language
    return c


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _form(page: str, action: str) -> str:
    start = page.index(f'data-action="{action}"')
    return page[start : page.index("</form>", start)]


def _whistled(org):
    d = org.departments
    return services.case_whistle(
        case=make_case(org), actor=org.users["community"], lead=d["urban"], departments=[d["health"]]
    )


def test_an_administrator_is_not_offered_arrival_for_a_department_it_does_not_belong_to(org):
    """The admin's page offered 报到 and "report our part" on every whistled case; both were then
    refused ("only a summoned department reports here"): an administrator belongs to none."""
    case = _whistled(org)
    admin = org.users["admin"]
    offered = services.available_actions(admin, case)
    assert "arrive" not in offered and "report_part" not in offered
    page = _client(admin).get(case.get_absolute_url()).content.decode()
    assert 'data-action="arrive"' not in page and 'data-action="report_part"' not in page
    # The summoned department is still offered both.
    assert {"arrive", "report_part"} <= set(services.available_actions(org.users["dept"], case))


def test_a_stale_step_on_a_case_sent_to_another_unit_says_what_happened(org):
    """The department's page was open when the desk reassigned the case elsewhere: its "sign for"
    answered a bare "Page not found". It now says the case is no longer with the user's unit
    (and the same for any id outside the scope, so it tells nothing about other units' cases)."""
    case = make_case(org)
    dept = _client(org.users["dept"])
    version = case.version
    services.case_transition(
        case=case, action="reassign", actor=org.users["admin"], note="改派", department=org.departments["health"]
    )
    r = dept.post(f"/cases/{case.pk}/act/", {"action": "sign", "version": version})
    assert r.status_code == 404
    text = r.content.decode()
    assert "已不在）您的办理范围内" in text and "本次操作未执行" in text and "/cases/" in text
    case.refresh_from_db()
    assert case.status == "dispatched"
    # An id that names no case at all: the same page.
    missing = dept.post("/cases/999999/act/", {"action": "sign", "version": 1})
    assert missing.status_code == 404 and "本次操作未执行" in missing.content.decode()
    with translation.override("en"):
        en = _client(org.users["dept"], "en").post(f"/cases/{case.pk}/act/", {"action": "sign", "version": version})
    assert "is not, or no longer, in your scope" in en.content.decode()


def test_cancelling_a_case_reads_as_voiding_it_not_as_closing_a_form(org):
    """The step was labelled 取消 ("Cancel"): beside a form it read as "close this form", and the
    state it leads to is 已作废. Button, message and timeline now say 作废 ("Cancel the case")."""
    case = make_case(org, department_key=None)
    desk = _client(org.users["admin"])
    page = desk.get(case.get_absolute_url()).content.decode()
    assert ">作废</button>" in _form(page, "cancel")
    r = desk.post(
        f"/cases/{case.pk}/act/",
        {"action": "cancel", "note": "重复来电", "reason": "duplicate", "version": case.version},
    )
    assert _messages(r) == ["已完成：作废。"]
    with translation.override("en"):
        assert str(workflow.action_label("cancel")) == "Cancel the case"


def test_a_refused_merge_keeps_the_tracking_code_typed(org):
    """A merge refused (an unknown code, a closed case) came back with the code field empty or
    reset to the first duplicate: the user typed it again. The refused step keeps it, and a
    refused dispatch keeps the department chosen."""
    case = make_case(org, department_key=None)
    desk = _client(org.users["admin"])
    r = desk.post(f"/cases/{case.pk}/act/", {"action": "merge", "into": "SZ000000WRONG", "version": case.version})
    assert _messages(r) == ["没有此查询码对应的案件。"]
    page = desk.get(case.get_absolute_url()).content.decode()
    assert 'value="SZ000000WRONG"' in _form(page, "merge")

    health = org.departments["health"]
    r = desk.post(
        f"/cases/{case.pk}/act/", {"action": "dispatch", "department": health.pk, "version": case.version + 1}
    )
    assert "刷新" in _messages(r)[0]  # a stale page: the conflict message
    page = desk.get(case.get_absolute_url()).content.decode()
    assert f'<option value="{health.pk}" selected>' in _form(page, "dispatch")


def test_a_grid_worker_sends_their_finding_back_for_rework_with_a_photo(org):
    """The reporter's on-site check (返工, 审核) had no photo field: the grid worker could not show
    what was still wrong. Both forms take photos now, stored with the step."""
    grid = org.users["grid"]
    case = drive_to(make_case(org, actor=grid), "replied", org)
    c = _client(grid)
    page = c.get(case.get_absolute_url()).content.decode()
    assert 'type="file" name="photos"' in _form(page, "rework")
    assert 'type="file" name="photos"' in _form(page, "verify")
    photo = SimpleUploadedFile("still.png", png_bytes(), content_type="image/png")
    r = c.post(
        f"/cases/{case.pk}/act/",
        {"action": "rework", "note": "井盖仍松动", "version": case.version, "photos": photo},
    )
    assert _messages(r) == ["已完成：退回返工。"]
    event = case.events.get(action="rework")
    assert event.attachments.count() == 1
    # The timeline shows the step's photo, not a numbered paper clip to click.
    page = c.get(case.get_absolute_url()).content.decode()
    photo_url = f"/cases/attachments/{event.attachments.get().pk}/"
    assert f'<img src="{photo_url}"' in page


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_return_names_the_case_on_the_list_it_lands_on(org):
    """After 退单 the department no longer sees the case and lands on its case list, which said
    only "Done: Return." — which case? The message names it."""
    case = make_case(org)
    r = _client(org.users["dept"]).post(
        f"/cases/{case.pk}/act/", {"action": "return", "note": "不属于本部门职责", "version": case.version}
    )
    assert r.status_code == 302 and r.url == "/cases/"
    assert _messages(r) == [f"{case.code} 已完成：退单。"]


def test_a_refused_whistle_keeps_the_lead_and_departments_chosen(org):
    """A whistle refused (a stale page, the desk among the departments) came back with the lead
    reset to the handling department and no department summoned: chosen again from the list."""
    d = org.departments
    case = drive_to(make_case(org), "signed", org)
    c = _client(org.users["community"])
    r = c.post(
        f"/cases/{case.pk}/act/",
        {
            "action": "whistle",
            "lead": d["health"].pk,
            "departments": [d["urban"].pk, d["dispatch"].pk],
            "version": case.version,
        },
    )
    assert _messages(r) == ["请召集承办部门，而不是派单台。"]
    form = _form(c.get(case.get_absolute_url()).content.decode(), "whistle")
    assert f'<option value="{d["health"].pk}" selected>' in form
    assert f'<option value="{d["urban"].pk}" selected>' in form


def test_a_pending_extension_lapses_when_the_department_replies(org):
    """The department asked for more days, then replied anyway: the replied case still showed
    "Extension requested" with the deadline it would give, the leader was asked to decide it
    again after a rework (返工), and the department could not ask for new days."""
    case = drive_to(make_case(org), "in_progress", org)
    dept, leader = org.users["dept"], org.users["leader"]
    services.case_transition(case=case, action="request_extension", actor=dept, note="等待物业", days=3)
    services.case_transition(case=case, action="reply", actor=dept, note="已处理完毕")
    case.refresh_from_db()
    assert case.extension_days_requested is None
    assert 'data-testid="pending-extension"' not in _client(leader).get(case.get_absolute_url()).content.decode()
    services.case_transition(case=case, action="rework", actor=leader, note="请补充现场照片")
    assert "approve_extension" not in services.available_actions(leader, case)
    assert "request_extension" in services.available_actions(dept, case)
