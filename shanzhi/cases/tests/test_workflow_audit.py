"""The workflow defects an outside audit found (吹哨报到 ratings and leads, 并单 targets,
unreached call-backs, cancel reasons, reopening to the desk, summoned departments blocking each
other, crafted ids, the public timeline, the reassign form, the handler's notices, the pending
extension). Each test failed before its fix."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import formats, timezone, translation

from shanzhi.accounts.models import Role
from shanzhi.cases import selectors, services
from shanzhi.cases.models import CallBack, Case, CaseSummons
from shanzhi.cases.tests.factories import drive_to, make_case, make_categories
from shanzhi.core.errors import ConflictError
from shanzhi.notifications.models import Notification
from shanzhi.orgs.models import Department
from shanzhi.testing.factories import make_user

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _act(client, case, **data):
    return client.post(f"/cases/{case.pk}/act/", data)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _form(page: str, action: str) -> str:
    """The HTML of the case page's form for one step."""
    start = page.index(f'data-action="{action}"')
    return page[start : page.index("</form>", start)]


def _options(form: str, name: str) -> dict[str, bool]:
    """The options of the form's <select name=…>: value → selected."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', form, re.S).group(1)
    return {m.group(1): bool(m.group(2)) for m in re.finditer(r'<option value="([^"]*)"( selected)?', select)}


def _whistled(org, *, actor=None) -> Case:
    """A case summoned by community A's staff: urban leads, health is summoned."""
    d = org.departments
    return services.case_whistle(
        case=make_case(org), actor=actor or org.users["community"], lead=d["urban"], departments=[d["health"]]
    )


def _inbox(user) -> int:
    return Notification.objects.filter(recipient=user).count()


# 1 ------------------------------------------------------------------------ rate_department


def test_a_department_is_rated_once_and_only_by_the_side_that_summoned_it(org):
    """Anyone who could act on the case (the desk, a leader …) could rate a summoned department,
    as often as they liked: the last rating won."""
    d, community = org.departments, org.users["community"]
    desk = make_user("t-desk", Role.DEPT, department=d["dispatch"])
    case = drive_to(_whistled(org), "replied", org)
    summons = {s.department_id: s for s in case.summons.all()}
    assert summons[d["urban"].pk].created_by == community  # the whistle records who summoned

    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, action="rate_department", actor=desk, department=d["urban"], score=1)
    assert "rate_department" not in services.available_actions(desk, case)

    services.case_transition(case=case, action="rate_department", actor=community, department=d["urban"], score=4)
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case=case, action="rate_department", actor=community, department=d["urban"], score=1)
    assert d["urban"].name in " ".join(exc.value.messages)
    s = CaseSummons.objects.get(case=case, department=d["urban"])
    assert s.rating == 4 and s.rated_at is not None
    assert case.events.filter(action="rate_department").count() == 1

    # The page offers only the department still to rate; then no rating form at all.
    page = _client(community).get(case.get_absolute_url()).content.decode()
    assert set(_options(_form(page, "rate_department"), "department")) == {str(d["health"].pk)}
    services.case_transition(case=case, action="rate_department", actor=community, department=d["health"], score=5)
    assert "rate_department" not in services.available_actions(community, case)
    assert 'data-action="rate_department"' not in _client(community).get(case.get_absolute_url()).content.decode()
    with pytest.raises(ValidationError):
        services.case_transition(case=case, action="rate_department", actor=community, department=d["health"], score=2)


# 2 ------------------------------------------------------------------------ whistle again


def test_a_second_whistle_leaves_one_lead_and_tells_only_the_new_departments(org):
    """Whistling again with another lead left two leads; every summoned department was told again."""
    d = org.departments
    d["water"] = Department.objects.create(code="water", name="水务所")
    water = make_user("t-water", Role.DEPT, department=d["water"])
    urban, health = org.users["dept"], org.others["dept"]
    case = _whistled(org)
    services.case_transition(case=case, action="arrive", actor=health)
    before = {u.pk: _inbox(u) for u in (urban, health, water)}

    case = services.case_whistle(case=case, actor=org.users["community"], lead=d["health"], departments=[d["water"]])

    leads = list(case.summons.filter(is_lead=True).values_list("department__code", flat=True))
    assert leads == ["health"]
    assert case.department_id == d["health"].pk
    assert CaseSummons.objects.get(case=case, department=d["health"]).arrived_at is not None  # kept
    assert set(case.summons.values_list("department__code", flat=True)) == {"urban", "health", "water"}
    assert _inbox(urban) == before[urban.pk]  # already summoned, no longer the lead: not told again
    assert _inbox(health) == before[health.pk] + 1  # the new lead signs for it again
    assert _inbox(water) == before[water.pk] + 1  # newly summoned
    page = _client(org.users["community"]).get(case.get_absolute_url()).content.decode()
    summons_table = page[
        page.index('data-testid="summons"') : page.index("</table>", page.index('data-testid="summons"'))
    ]
    assert summons_table.count('class="badge bg-blue-lt"') == 1


def test_a_whistle_with_another_lead_keeps_the_handling_department_in_it(org):
    """A whistle whose lead was not the department handling the case took the case from that
    department silently: no longer summoned, it lost sight of the case, and the timeline did
    not say the handling department changed."""
    d = org.departments
    d["water"] = Department.objects.create(code="water", name="水务所")
    case = make_case(org)  # dispatched to urban
    assert case.department_id == d["urban"].pk
    case = services.case_whistle(case=case, actor=org.users["grid"], lead=d["health"], departments=[d["water"]])
    assert case.department_id == d["health"].pk
    summoned = dict(case.summons.values_list("department__code", "is_lead"))
    assert summoned == {"health": True, "water": False, "urban": False}  # urban still part of it
    assert Case.objects.restrict(org.users["dept"]).filter(pk=case.pk).exists()  # urban still sees it
    event = case.events.get(action="whistle")
    assert event.data["handled_before"] == d["urban"].name
    with translation.override("zh-hans"):
        assert ("原承办部门", d["urban"].name) in event.data_items


def test_the_whistle_form_proposes_the_handling_department_as_lead(org):
    """The lead's list started at the first department of all, so a whistle sent as it stood
    moved the case to it."""
    case = make_case(org)
    page = _client(org.users["grid"]).get(case.get_absolute_url()).content.decode()
    form = page[page.index('id="whistle-lead"') : page.index("</select>", page.index('id="whistle-lead"'))]
    selected = re.findall(r'<option value="(\d+)" selected>', form)
    assert selected == [str(org.departments["urban"].pk)]
    # At the desk (no handling department yet) the lead must be chosen.
    waiting = services.case_transition(
        case=make_case(org, department_key=None), action="accept", actor=org.users["admin"]
    )
    assert waiting.status == "accepted" and waiting.department.kind == "dispatch"
    page = _client(org.users["admin"]).get(waiting.get_absolute_url()).content.decode()
    form = page[page.index('id="whistle-lead"') : page.index("</select>", page.index('id="whistle-lead"'))]
    assert "required" in form and '<option value="" selected' in form


# 3 ------------------------------------------------------------------------ merge


def test_merge_only_into_another_open_case(org):
    """Merging into a closed case was accepted, into an archived one refused as "cancelled",
    into itself answered "choose a case"; closed cases were proposed as duplicates."""
    admin = org.users["admin"]
    cats = make_categories(org)
    near = {"category": cats["garbage"], "longitude": 113.355, "latitude": 22.515}
    closed = drive_to(make_case(org, **near), "closed", org)
    archived = services.case_transition(
        case=drive_to(make_case(org, **near), "closed", org), action="archive", actor=admin
    )
    open_one = make_case(org, **near)
    dup = make_case(org, **near)

    for target, status in ((closed, Case.Status.CLOSED), (archived, Case.Status.ARCHIVED)):
        with pytest.raises(ValidationError) as exc:
            services.case_merge(case=dup, into=target, actor=admin)
        assert str(status.label) in " ".join(exc.value.messages) and target.code in " ".join(exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        services.case_merge(case=dup, into=dup, actor=admin)
    with translation.override(translation.get_language()):
        assert exc.value.messages != [str(translation.gettext("Choose the case to merge into."))]
    dup.refresh_from_db()
    assert dup.status == Case.Status.DISPATCHED and dup.merged_into is None

    candidates = services.likely_duplicates(dup)
    assert candidates == [open_one]
    page = _client(admin).get(dup.get_absolute_url()).content.decode()
    assert f'value="{open_one.code}"' in _form(page, "merge")
    assert closed.code not in page and archived.code not in page


# 4 ------------------------------------------------------------------------ call-back


def test_an_unreached_reporter_is_not_counted_as_resolved(org, client_for):
    """The page's call-back form always sends resolved=1: "not reached" was stored as resolved,
    inflating 解决率."""
    case = drive_to(make_case(org), "verified", org)
    r = _act(
        client_for("admin"),
        case,
        action="callback",
        version=case.version,
        contacted="0",
        resolved="1",
        satisfaction="satisfied",
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CALLED_BACK
    assert (case.callback_valid, case.callback_contacted, case.callback_resolved, case.callback_satisfaction) == (
        True,
        False,
        False,
        "",
    )
    cb = CallBack.objects.get(case=case)
    assert cb.resolved is False and cb.satisfaction == ""
    rates = selectors.overall(Case.objects.filter(pk=case.pk))
    assert rates["valid"] == 1 and rates["response"] == 0 and rates["resolution"] == 0 and rates["satisfaction"] == 0


# 5 ------------------------------------------------------------------------ cancel reason


def test_the_page_cancels_with_a_reason(org, client_for):
    """The page's cancel form had only a note: every cancellation was recorded as "invalid"."""
    case = make_case(org)
    c = client_for("admin")
    form = _form(c.get(case.get_absolute_url()).content.decode(), "cancel")
    assert 'name="reason"' in form and 'value="duplicate"' in form and 'value="invalid"' in form
    _act(c, case, action="cancel", version=case.version, reason="duplicate", note="与另一宗重复")
    case.refresh_from_db()
    assert case.status == Case.Status.CANCELLED
    assert case.events.get(action="cancel").data["reason"] == "duplicate"

    other = make_case(org)
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case=other, action="cancel", actor=org.users["admin"], note="x", reason="bogus")
    assert "reason" in exc.value.message_dict
    other.refresh_from_db()
    assert other.status == Case.Status.DISPATCHED


# 6 ------------------------------------------------------------------------ reopen to the desk


def test_a_case_is_not_reopened_to_the_dispatch_desk(org):
    """Reopening to the desk was accepted: a dispatched case out of the desk's queue."""
    admin, d = org.users["admin"], org.departments
    case = drive_to(make_case(org), "verified", org)
    services.case_callback(case=case, actor=admin, contacted=True, resolved=False, satisfaction="unsatisfied")
    case = services.case_transition(case=case, action="close", actor=admin)
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case=case, action="reopen", actor=admin, note="不满意", department=d["dispatch"])
    assert "department" in exc.value.message_dict
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    case = services.case_transition(case=case, action="reopen", actor=admin, note="不满意")
    assert case.status == Case.Status.DISPATCHED and case.department_id == d["urban"].pk


# 7 ------------------------------------------------------------------------ concurrent summoned departments


def test_summoned_departments_do_not_block_each_other(org):
    """Arrival, a department's report, a rating and a note bumped the case's version: a page read
    before another department arrived got "someone else changed this case first"."""
    urban, health = org.users["dept"], org.others["dept"]
    case = _whistled(org)
    read = case.version  # both departments opened the page now
    services.case_transition(case=case, action="arrive", actor=health, expected_version=read)
    services.case_transition(case=case, action="arrive", actor=urban, expected_version=read)
    services.case_transition(case=case, action="report_part", actor=health, note="已到场排查", expected_version=read)
    services.case_transition(case=case, action="note", actor=urban, note="联系物业", expected_version=read)
    assert case.summons.filter(arrived_at__isnull=False).count() == 2
    # A step that changes the case still refuses the stale page (the lead reloads and sees the
    # others' parts); from the page as it is now it goes through.
    with pytest.raises(ConflictError):
        services.case_transition(case=case, action="sign", actor=urban, expected_version=read)
    case.refresh_from_db()
    case = services.case_transition(case=case, action="sign", actor=urban, expected_version=case.version)
    assert case.status == Case.Status.SIGNED
    # And on the page.
    r = _act(_client(health), case, action="report_part", version=read, note="补充说明")
    assert r.status_code == 302
    assert case.summons.get(department=org.departments["health"]).report == "补充说明"


# 8 ------------------------------------------------------------------------ crafted ids


@pytest.mark.parametrize(
    "data",
    [
        {"action": "reassign", "department": "abc", "note": "x"},
        {"action": "dispatch", "department": "1.5"},
        {"action": "reopen", "department": "x1", "note": "x"},
        {"action": "whistle", "lead": "abc"},
        {"action": "whistle", "departments": ["abc"]},
        {"action": "rate_department", "department": "abc", "score": "3"},
        {"action": "sign", "version": "abc"},
    ],
)
def test_crafted_ids_are_a_message_not_a_500(org, data):
    """`department=abc`, `lead=abc` … raised ValueError in the view or the service: a 500."""
    admin = org.users["admin"]
    case = make_case(org)
    version = case.version
    data.setdefault("version", version)
    if data["action"] == "whistle":
        data.setdefault("lead", org.departments["urban"].pk)
        data.setdefault("departments", [org.departments["health"].pk])
    r = _act(_client(admin), case, **data)
    assert r.status_code == 302
    assert _messages(r)
    case.refresh_from_db()
    assert case.version == version and case.status == Case.Status.DISPATCHED


def test_the_service_refuses_a_department_id_that_is_not_one(org):
    case = make_case(org)
    for params in ({"department": "abc"}, {"department": 999999}):
        with pytest.raises(ValidationError) as exc:
            services.case_transition(case=case, action="reassign", actor=org.users["admin"], note="x", **params)
        assert "department" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.case_whistle(case=case, actor=org.users["community"], lead="abc", departments=["x"])


# 9 ------------------------------------------------------------------------ public timeline


def test_the_public_timeline_shows_no_internal_coordination(org, client):
    """The tracking page and the public API showed 评价部门 (rate_department), 报到 …"""
    health = org.others["dept"]
    case = _whistled(org)
    services.case_transition(case=case, action="arrive", actor=health)
    services.case_transition(case=case, action="report_part", actor=health, note="已排查")
    case = drive_to(case, "replied", org)
    services.case_transition(
        case=case, action="rate_department", actor=org.users["community"], department=org.departments["health"], score=5
    )
    internal = {"rate_department", "arrive", "report_part"}
    assert internal <= set(case.events.values_list("action", flat=True))
    api = client.get(f"/api/cases/public/{case.code}/").json()
    shown = {ev["action"] for ev in api["timeline"]}
    assert not shown & internal and {"create", "whistle", "reply"} <= shown
    page = client.get(f"/cases/track/{case.code}/").content.decode()
    timeline = page[page.index('data-testid="public-timeline"') :]
    from shanzhi.cases import workflow

    for action in internal:
        assert str(workflow.action_label(action)) not in timeline


# 10 ----------------------------------------------------------------------- reassign form


def test_the_reassign_form_does_not_offer_the_current_department(org, client_for):
    """It pre-selected the case's department, which the service then refused ("same department")."""
    case = make_case(org)
    form = _form(client_for("admin").get(case.get_absolute_url()).content.decode(), "reassign")
    urban, health = org.departments["urban"], org.departments["health"]
    options = _options(form, "department")
    assert str(urban.pk) not in options and str(health.pk) in options and not any(options.values())


# 11 ----------------------------------------------------------------------- notices


def test_the_handler_hears_what_was_decided_about_its_case(org):
    """Nobody told the handling department of an extension's decision, a suspension, its
    resumption, a cancellation or a merge."""
    admin, leader, dept = org.users["admin"], org.users["leader"], org.users["dept"]
    case = make_case(org)
    services.case_transition(case=case, action="sign", actor=dept)

    def told(step) -> list[str]:
        before = set(Notification.objects.filter(recipient=dept).values_list("pk", flat=True))
        step()
        new = Notification.objects.filter(recipient=dept).exclude(pk__in=before)
        return [str(n.title) for n in new]

    services.case_transition(case=case, action="request_extension", actor=dept, days=2, note="材料未齐")
    for step in (
        lambda: services.case_transition(case=case, action="approve_extension", actor=leader),
        lambda: services.case_transition(case=case, action="request_extension", actor=dept, days=2, note="再延"),
        lambda: services.case_transition(case=case, action="refuse_extension", actor=leader, note="不同意"),
        lambda: services.case_transition(case=case, action="suspend", actor=leader, note="待预算"),
        lambda: services.case_transition(case=case, action="resume", actor=leader),
    ):
        titles = told(step)
        action = case.events.last().action
        if action == "request_extension":
            assert titles == []  # the department asked: the leaders are told, not itself
            continue
        assert len(titles) == 1 and case.code in titles[0], action

    cancelled, merged, kept = make_case(org), make_case(org), make_case(org)
    assert len(told(lambda: services.case_transition(case=cancelled, action="cancel", actor=admin, note="无效"))) == 1
    titles = told(lambda: services.case_merge(case=merged, into=kept, actor=admin))
    assert len(titles) == 1 and merged.code in titles[0] and kept.code in titles[0]

    # A case the community handles itself: the community is told.
    community = org.users["community"]
    local = services.case_transition(case=make_case(org), action="reassign", actor=admin, local=True, note="社区自办")
    before = _inbox(community)
    services.case_transition(case=local, action="cancel", actor=admin, note="无效")
    assert _inbox(community) == before + 1


# 12 ----------------------------------------------------------------------- pending extension


def test_the_case_page_shows_the_pending_extension_to_decide(org, client_for):
    """The request (days, who, the deadline it would give) was only in the timeline."""
    dept, leader = org.users["dept"], org.users["leader"]
    case = make_case(org)
    services.case_transition(case=case, action="sign", actor=dept)
    case = services.case_transition(case=case, action="request_extension", actor=dept, days=3, note="需协调产权单位")
    page = client_for("leader").get(case.get_absolute_url()).content.decode()
    card = page[page.index('data-testid="pending-extension"') :]
    card = card[: card.index('data-testid="case-actions"')]
    assert 'data-testid="extension-days">3<' in card and str(dept) in card and "需协调产权单位" in card
    want = services.extension_deadline(case)
    shown = formats.date_format(timezone.localtime(want), "Y-m-d H:i")
    assert f'data-testid="extension-deadline">{shown}<' in card
    assert 'data-action="approve_extension"' in page and 'data-action="refuse_extension"' in page
    case = services.case_transition(case=case, action="approve_extension", actor=leader)
    assert formats.date_format(timezone.localtime(case.deadline), "Y-m-d H:i") == shown
    assert 'data-testid="pending-extension"' not in client_for("leader").get(case.get_absolute_url()).content.decode()


def test_a_cancel_reason_reads_as_its_label_in_the_timeline(org):
    from django.utils import translation

    case = make_case(org)
    case = services.case_transition(
        case=case, action="cancel", actor=org.users["admin"], note="重复", reason="duplicate"
    )
    event = case.events.get(action="cancel")
    with translation.override("en"):
        assert ("Reason", "Duplicate of another case") in [(k.capitalize(), v) for k, v in event.data_items]
