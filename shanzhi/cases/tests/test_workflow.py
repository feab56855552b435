"""The transition table, exhaustively: every (state, action) pair, in pure Python and through
the service on real rows (forbidden pairs change nothing)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanzhi.cases import services, workflow
from shanzhi.cases.models import Case, CaseEvent
from shanzhi.cases.tests.factories import make_case
from shanzhi.core.errors import ConflictError

# The documented machine (docs/cases-workflow.md), written out independently of the table.
EXPECTED = {
    "accept": {"received": "accepted"},
    "dispatch": {"received": "dispatched", "accepted": "dispatched", "returned": "dispatched"},
    "sign": {"dispatched": "signed"},
    "start": {"signed": "in_progress"},
    "return": {"dispatched": "returned", "signed": "returned"},
    "reassign": {s: "dispatched" for s in ("dispatched", "signed", "in_progress", "returned")},
    "reply": {"signed": "replied", "in_progress": "replied"},
    "verify": {"replied": "verified"},
    "rework": {"replied": "in_progress", "verified": "in_progress"},
    "callback": {"verified": "called_back"},
    "close": {"verified": "closed", "called_back": "closed"},
    "reopen": {"called_back": "dispatched", "closed": "dispatched"},
    "archive": {"closed": "archived"},
    "cancel": {s: "cancelled" for s in ("received", "accepted", "dispatched", "returned")},
    "merge": {s: "cancelled" for s in ("received", "accepted", "dispatched", "returned")},
    "suspend": {s: "suspended" for s in ("accepted", "dispatched", "signed", "in_progress")},
    "resume": {"suspended": "<previous>"},
    "request_extension": {s: s for s in ("signed", "in_progress")},
    "approve_extension": {s: s for s in ("signed", "in_progress")},
    "refuse_extension": {s: s for s in ("signed", "in_progress")},
    "supervise": {s: s for s in workflow.OPEN_STATES if s != "suspended"},
    # The deadline runs until the answer: not on replied, verified or called-back cases.
    "warn": {s: s for s in ("received", "accepted", "dispatched", "signed", "in_progress", "returned")},
    "escalate": {s: s for s in ("received", "accepted", "dispatched", "signed", "in_progress", "returned")},
    "whistle": {s: "dispatched" for s in ("accepted", "dispatched", "signed", "in_progress")},
    "arrive": {s: s for s in ("dispatched", "signed", "in_progress")},
    "report_part": {s: s for s in ("dispatched", "signed", "in_progress")},
    "rate_department": {s: s for s in ("replied", "verified", "called_back", "closed")},
    "note": {s: s for s in workflow.OPEN_STATES},
    # 催办: before the answer (a suspended case's reporter may call too).
    "urge": {s: s for s in ("received", "accepted", "dispatched", "signed", "in_progress", "returned", "suspended")},
}

PAIRS = [(s, a) for s in workflow.STATES for a in workflow.ACTIONS]


def test_table_lists_exactly_the_documented_actions():
    assert set(workflow.ACTIONS) == set(EXPECTED)


@pytest.mark.parametrize("state, action", PAIRS)
def test_table_pure(state, action):
    want = EXPECTED[action].get(state)
    got = workflow.next_state(state, action, previous="signed")
    if want is None:
        assert got is None
    else:
        assert got == ("signed" if want == "<previous>" else want)


def _params(case, org, action):
    d = org.departments
    return {
        "dispatch": {"department": d["urban"]},
        "reassign": {"department": d["health"]},
        "callback": {"contacted": True, "resolved": False, "satisfaction": "unsatisfied"},
        "merge": {"into": make_case(org, description="另一宗")},
        "whistle": {"lead": d["urban"], "departments": [d["health"]]},
        "request_extension": {"days": 3},
        "rate_department": {"department": d["urban"], "score": 4},
        "reopen": {"force": True},
    }.get(action, {})


def _prepare(case, org, state, action):
    """Put the case in `state` (test set-up writes rows directly) with what the guards need."""
    fields = {"status": state, "suspended_from": "signed" if state == "suspended" else ""}
    if action in ("approve_extension", "refuse_extension"):
        fields["extension_days_requested"] = 2
    Case.objects.filter(pk=case.pk).update(**fields)
    if action in ("arrive", "report_part", "rate_department"):
        from django.utils import timezone

        from shanzhi.cases.models import CaseSummons

        CaseSummons.objects.create(
            case=case, department=org.departments["urban"], is_lead=True, summoned_at=timezone.now()
        )
    case.refresh_from_db()
    return case


@pytest.mark.django_db
@pytest.mark.parametrize("state, action", PAIRS)
def test_table_through_the_service(org, state, action):
    case = make_case(org)
    case = _prepare(case, org, state, action)
    events_before = CaseEvent.objects.filter(case=case).count()
    actor = (
        None
        if action in ("warn", "escalate")
        else (org.users["dept"] if action in ("arrive", "report_part") else org.users["admin"])
    )
    want = EXPECTED[action].get(state)
    note = "理由"
    if want is None:
        with pytest.raises(ValidationError):
            services.case_transition(case=case, action=action, actor=actor, note=note, **_params(case, org, action))
        case.refresh_from_db()
        assert case.status == state
        assert CaseEvent.objects.filter(case=case).count() == events_before
        return
    result = services.case_transition(case=case, action=action, actor=actor, note=note, **_params(case, org, action))
    assert result.status == ("signed" if want == "<previous>" else want)
    ev = CaseEvent.objects.filter(case=case).last()
    assert ev.action == action and ev.from_status == state and ev.to_status == result.status


@pytest.mark.django_db
def test_system_only_actions_refuse_people(org):
    case = make_case(org)
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, action="escalate", actor=org.users["admin"])


@pytest.mark.django_db
def test_two_people_at_once_one_wins(org):
    case = make_case(org)
    a = Case.objects.get(pk=case.pk)
    b = Case.objects.get(pk=case.pk)
    services.case_transition(case=a, action="sign", actor=org.users["dept"], expected_version=a.version)
    with pytest.raises(ConflictError) as exc:
        services.case_transition(
            case=b, action="return", actor=org.users["dept"], note="不属于我们", expected_version=b.version
        )
    assert "Reload" in exc.value.message or "刷新" in exc.value.message
    # Without a version, a stale status is also refused.
    with pytest.raises(ConflictError):
        services.case_transition(case=b, action="return", actor=org.users["dept"], note="不属于我们")


@pytest.mark.django_db
def test_timeline_is_append_only(org):
    case = make_case(org)
    ev = case.events.first()
    ev.note = "changed"
    with pytest.raises(RuntimeError):
        ev.save()
    with pytest.raises(RuntimeError):
        ev.delete()


@pytest.mark.django_db
def test_grid_worker_checks_the_result_of_their_own_finding(org):
    grid = org.users["grid"]
    own = make_case(org, actor=grid, description="巡查发现：井盖缺失")
    other = make_case(org, description="居民来电：井盖缺失")
    for case in (own, other):
        Case.objects.filter(pk=case.pk).update(status="replied")
        case.refresh_from_db()
    assert {"verify", "rework"} <= set(services.available_actions(grid, own))
    assert not {"verify", "rework", "close"} & set(services.available_actions(grid, other))
    with pytest.raises(PermissionDenied):
        services.case_transition(case=other, action="verify", actor=grid)
    own = services.case_transition(case=own, action="verify", actor=grid, note="现场已核实")
    assert "close" in services.available_actions(grid, own)
    own = services.case_transition(case=own, action="close", actor=grid)
    assert own.status == "closed"
    assert own.events.filter(action="verify", actor=grid).exists()


def test_steps_that_could_only_mislead_are_refused(org):
    """Reassigning to the department that has the case wrote a "reassign" step that changed
    nothing; the whistle accepted the dispatch desk as lead; a note had no length limit."""
    from django.core.exceptions import ValidationError

    from shanzhi.cases.tests.factories import make_case

    d, admin = org.departments, org.users["admin"]
    case = make_case(org)
    steps = case.events.count()
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case=case, action="reassign", actor=admin, department=d["urban"], note="x")
    assert "department" in exc.value.message_dict
    for lead, others in ((d["dispatch"], [d["health"]]), (d["urban"], [d["dispatch"]])):
        with pytest.raises(ValidationError):
            services.case_whistle(case=case, actor=org.users["community"], lead=lead, departments=others)
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case=case, action="note", actor=admin, note="很" * 4001)
    assert "note" in exc.value.message_dict
    assert case.events.count() == steps and not case.summons.exists()


def test_no_button_for_a_step_that_can_only_be_refused(org):
    """After an extension was decided the page still offered to approve and refuse it, a
    department that had arrived could arrive again, a satisfied call-back could be reopened:
    each click ended in an error message."""
    from shanzhi.cases.tests.factories import drive_to

    d, admin, dept = org.departments, org.users["admin"], org.users["dept"]
    case = make_case(org)
    services.case_transition(case=case, action="sign", actor=dept)
    assert "approve_extension" not in services.available_actions(admin, case)
    services.case_transition(case=case, action="request_extension", actor=dept, days=3, note="材料未齐")
    assert {"approve_extension", "refuse_extension"} <= set(services.available_actions(admin, case))
    assert "request_extension" not in services.available_actions(dept, case)
    services.case_transition(case=case, action="refuse_extension", actor=admin, note="不同意")
    assert not {"approve_extension", "refuse_extension"} & set(services.available_actions(admin, case))
    with pytest.raises(ValidationError):
        services.case_transition(case=case, action="approve_extension", actor=admin)

    services.case_transition(case=case, action="supervise", actor=admin, note="加快")
    assert "supervise" not in services.available_actions(admin, case)

    whistle = services.case_whistle(
        case=make_case(org), actor=org.users["community"], lead=d["urban"], departments=[d["health"]]
    )
    health = org.others["dept"]
    assert "arrive" in services.available_actions(health, whistle)
    services.case_transition(case=whistle, action="arrive", actor=health)
    assert "arrive" not in services.available_actions(health, whistle)

    done = drive_to(make_case(org), "called_back", org)
    assert "reopen" not in services.available_actions(admin, done)


def test_a_refused_step_gives_back_what_was_typed(org, client_for):
    """The page redirects with the refusal; the reason the user had typed was gone."""
    case = make_case(org)
    c = client_for("dept")
    c.post(f"/cases/{case.pk}/act/", {"action": "sign", "version": case.version})
    case.refresh_from_db()
    r = c.post(
        f"/cases/{case.pk}/act/",
        {"action": "request_extension", "version": case.version, "note": "材料尚未齐全，需要补充", "days": ""},
    )
    assert r.status_code == 302
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "材料尚未齐全，需要补充" in page  # in the extension form, with the message
    assert "材料尚未齐全，需要补充" not in c.get(f"/cases/{case.pk}/").content.decode()  # once only


def test_a_refusal_names_the_step_as_the_page_does(org, api_for):
    """The API's refusal read 「案件处于“已派单”状态，不能执行“reopen”。」: the action's code, not
    its name; and its "detail" was a list where DRF's own errors give a string."""
    from django.utils import translation

    case = make_case(org)
    r = api_for("admin").post(f"/api/cases/cases/{case.pk}/transition/", {"action": "reopen"}, format="json")
    assert r.status_code == 400
    with translation.override("zh-hans"):
        label = workflow.action_label("reopen")
    assert r.json()["detail"] == f"案件处于“已派单”状态，不能执行“{label}”。", r.json()
    english = api_for("admin")
    english.cookies["django_language"] = "en"
    r = english.post(f"/api/cases/cases/{case.pk}/transition/", {"action": "reopen"}, format="json")
    assert r.json()["detail"] == "“Reopen” is not possible while the case is Dispatched.", r.json()
