"""催办: the reporter calls again before the answer; the hotline records it on the case, the
handler hears of it, and the count shows on the case, in the list's export and in the caller's
history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from shanzhi.cases import services
from shanzhi.cases.models import Case, CaseEvent
from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(org):
    make_categories(org)
    return make_case(org, reporter_phone="13800138000")  # dispatched to 'urban'


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = "zh-hans"
    return c


def test_a_repeat_call_is_recorded_counted_and_told_to_the_handler(org, case):
    desk = org.users["community"]
    case = services.case_transition(case=case, action="urge", actor=desk, note="第三次来电，垃圾还在")
    case = services.case_transition(case=case, action="urge", actor=desk, note="又打来了")
    case.refresh_from_db()
    assert case.urge_count == 2 and case.status == "dispatched"
    ev = CaseEvent.objects.filter(case=case, action="urge").order_by("id")
    assert [str(e.note) for e in ev] == ["第三次来电，垃圾还在", "又打来了"] and ev[0].actor == desk
    told = Notification.objects.filter(topic=f"case:{case.pk}", recipient=org.users["dept"], level="warning")
    assert [str(n.title) for n in told] == [f"诉求人再次来电催办：{case.code}"] * 2


def test_a_repeat_call_needs_what_was_said_and_the_hotlines_role(org, case):
    with pytest.raises(ValidationError):
        services.case_transition(case=case, action="urge", actor=org.users["community"], note="")
    with pytest.raises((PermissionDenied, ValidationError)):  # the handler does not urge itself
        services.case_transition(case=case, action="urge", actor=org.users["dept"], note="催")
    assert Case.objects.get(pk=case.pk).urge_count == 0


def test_recorded_from_a_page_read_before_the_handler_signed(org, case):
    """Mid-call, from the page the hotline had open: not refused as a conflict."""
    read = case.version
    services.case_transition(case=case, action="sign", actor=org.users["dept"])
    services.case_transition(
        case=Case.objects.get(pk=case.pk), action="urge", actor=org.users["community"], note="催", expected_version=read
    )
    assert Case.objects.get(pk=case.pk).urge_count == 1


def test_not_after_the_answer(org, case):
    case = services.case_transition(case=case, action="sign", actor=org.users["dept"])
    case = services.case_transition(case=case, action="reply", actor=org.users["dept"], note="已处理")
    with pytest.raises(ValidationError):
        services.case_transition(case=case, action="urge", actor=org.users["community"], note="催")


def test_the_pages_show_it(org, case):
    desk = _client(org.users["community"])
    page = desk.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="urge"' in page and "来电人所说的情况" in page
    # on a phone the actions come after the whole timeline: a button at the top jumps there
    assert 'href="#case-actions"' in page and 'id="case-actions"' in page
    assert 'data-action="urge"' not in _client(org.users["dept"]).get(f"/cases/{case.pk}/").content.decode()
    r = desk.post(
        f"/cases/{case.pk}/act/", {"action": "urge", "version": case.version, "note": "还没人来"}, follow=True
    )
    assert r.status_code == 200 and Case.objects.get(pk=case.pk).urge_count == 1
    assert 'data-testid="urge-badge">催办次数 1<' in r.content.decode()
    other = make_case(org, reporter_phone="138 0013 8000")
    history = desk.get(f"/cases/{other.pk}/caller-history/").content.decode()
    assert case.code in history and "催办次数 1" in history


def test_urged_cases_are_found_on_the_list_and_through_the_api(org, case, api_for):
    calm = make_case(org, description="另一件事")
    services.case_transition(case=case, action="urge", actor=org.users["community"], note="催")
    html = _client(org.users["community"]).get("/cases/", {"urged": "true"}).content.decode()
    assert case.code in html and calm.code not in html
    r = api_for("community").get("/api/cases/cases/", {"urged": "true"})
    assert [c["code"] for c in r.json()["results"]] == [case.code] and r.json()["results"][0]["urge_count"] == 1


@pytest.mark.parametrize("role", ["community", "grid", "dept"])
def test_another_units_staff_cannot_urge_the_case(org, case, client_for, role):
    """Out of scope: the page answers 404 and the service refuses; nothing is counted."""
    r = client_for(role, other=True).post(
        f"/cases/{case.pk}/act/", {"action": "urge", "version": case.version, "note": "催"}
    )
    assert r.status_code == 404
    with pytest.raises((PermissionDenied, ValidationError)):
        services.case_transition(case=case, action="urge", actor=org.others[role], note="催")
    assert Case.objects.get(pk=case.pk).urge_count == 0
