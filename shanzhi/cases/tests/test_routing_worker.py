"""Routing in the task worker (settings.CASES_ROUTE_IN_WORKER): intake accepts with one INSERT
and the dispatch desk holding the case; the worker routes in batches to the same decision as
routing at intake, with the timeline, audit and notices; nothing a person did meanwhile is undone."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from shanzhi.cases import services, tasks
from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import make_categories, submit_case
from shanzhi.core.models import AuditEvent
from shanzhi.notifications.models import Notification
from shanzhi.testing.clients import token_client

pytestmark = pytest.mark.django_db

BODY = {"description": "小区门口垃圾没人清理", "category": "urban-garbage", "longitude": 113.355, "latitude": 22.515}


@pytest.fixture
def in_worker(settings):
    settings.CASES_ROUTE_IN_WORKER = True
    services._last_wake[0] = float("-inf")


def _ready_route_tasks() -> int:
    return DBTaskResult.objects.ready().filter(task_path=tasks.route_pending_cases.module_path).count()


@pytest.mark.django_db(transaction=True)  # the worker closes the connection between tasks
def test_intake_accepts_at_the_desk_and_the_worker_dispatches(org, in_worker, django_capture_on_commit_callbacks):
    make_categories(org)
    c = token_client(org.users["community"])
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as ctx:
        r = c.post("/api/cases/cases/", BODY, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["routed_by"]) == ("received", "pending")
    assert body["department"] == org.departments["dispatch"].pk  # never without a responsible unit
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert not any("notifications_notification" in s for s in inserts)  # nobody told yet
    assert _ready_route_tasks() == 1

    call_command("db_worker", queue_name="*", batch=True, no_startup_delay=True, verbosity=0)

    case = Case.objects.get(pk=body["id"])
    assert case.status == Case.Status.DISPATCHED and case.department == org.departments["urban"]
    assert case.grid == org.grids["A1"] and case.community == org.communities["A"]
    assert case.routed_by == Case.RoutedBy.CATEGORY and "垃圾清运" in str(case.routing_reason)
    assert case.dispatched_at is not None and case.sign_deadline is not None and case.version == 2
    events = list(case.events.values_list("action", "from_status", "to_status"))
    assert events == [("create", "", "received"), ("dispatch", "received", "dispatched")]
    assert AuditEvent.objects.filter(object_id=str(case.pk), action="transition").count() == 1
    assert Notification.objects.filter(topic=f"case:{case.pk}", recipient=org.users["dept"]).count() == 1
    assert _ready_route_tasks() == 0


def test_the_worker_decides_as_intake_would(org, settings):
    """The same submissions, routed at intake and in the worker, end the same way."""
    cats = make_categories(org)
    submissions = [
        {"description": "小区门口垃圾没人清理", "category": cats["garbage"], "longitude": 113.355, "latitude": 22.515},
        {"description": "社区诊所排队太久", "category": cats["clinic"], "longitude": 113.375, "latitude": 22.515},
        {"description": "不知道归谁管", "category": None, "longitude": 113.355, "latitude": 22.515},
        {"description": "地点在街道外面", "category": cats["garbage"], "longitude": 113.0, "latitude": 22.0},
        {"description": "没有地点的垃圾问题", "category": cats["garbage"]},
    ]
    fields = ["status", "department_id", "grid_id", "community_id", "category_id", "priority", "routed_by"]

    def intake(flag: bool) -> list[Case]:
        settings.CASES_ROUTE_IN_WORKER = flag
        made = [services.case_create(actor=org.users["community"], source=Case.Source.API, **s) for s in submissions]
        if flag:
            assert {c.routed_by for c in made} == {Case.RoutedBy.PENDING}
            assert services.cases_route_pending() == len(made)
        return [Case.objects.get(pk=c.pk) for c in made]

    inline, deferred = intake(False), intake(True)
    for a, b in zip(inline, deferred, strict=True):
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields], a.description
        assert a.routing_reason == b.routing_reason
    assert [c.status for c in deferred] == ["dispatched", "dispatched", "received", "received", "received"]
    for case in deferred:  # one step each: dispatched, or left at the desk with the reason
        (step,) = case.events.exclude(action="create")
        assert (step.action, step.to_status) == (
            ("dispatch", "dispatched") if case.status == "dispatched" else ("route", "received")
        )
        assert step.actor is None and str(case.routing_reason) in str(step.note)
    assert not Case.objects.filter(routed_by=Case.RoutedBy.PENDING).exists()


def test_category_chosen_by_the_router_sets_deadline_and_priority(org, in_worker):
    from shanzhi.cases import router
    from shanzhi.cases.models import KeywordRule

    cats = make_categories(org)
    cats["clinic"].priority = 1
    cats["clinic"].save()
    KeywordRule.objects.create(
        name="诊所", keywords="诊所", department=org.departments["health"], category=cats["clinic"]
    )
    router.clear_caches()
    case = services.case_create(
        actor=org.users["community"], source="api", description="诊所门口排长队", longitude=113.355, latitude=22.515
    )
    assert case.category is None and case.priority == 2
    before = case.deadline
    services.cases_route_pending()
    case.refresh_from_db()
    assert case.category == cats["clinic"] and case.priority == 1
    # The clinic category's 3 working days, not the nature's 10.
    assert case.deadline == services.compute_deadline(
        start=case.received_at, nature=case.nature, kind=case.kind, category=cats["clinic"]
    )
    assert case.deadline < before
    assert case.department == org.departments["health"] and case.status == "dispatched"


def test_what_a_person_did_meanwhile_stands(org, in_worker):
    make_categories(org)
    mk = dict(actor=org.users["community"], source="api", category=None, longitude=113.355, latitude=22.515)
    by_hand = services.case_create(description="路灯不亮", **mk)
    services.case_transition(
        case=by_hand, action="dispatch", actor=org.users["admin"], department=org.departments["health"]
    )
    cancelled = services.case_create(description="重复提交的路灯问题", **mk)
    services.case_transition(case=cancelled, action="cancel", actor=org.users["admin"], note="重复")
    untouched = services.case_create(description="小区垃圾没人清理", **mk)
    assert services.cases_route_pending() == 2  # the cancelled one settled, the untouched one routed
    by_hand.refresh_from_db(), cancelled.refresh_from_db(), untouched.refresh_from_db()
    assert (by_hand.department, by_hand.routed_by) == (org.departments["health"], Case.RoutedBy.MANUAL)
    assert by_hand.events.filter(action="dispatch").count() == 1
    assert (cancelled.status, cancelled.routed_by) == ("cancelled", Case.RoutedBy.DISPATCH)
    assert not cancelled.events.filter(action__in=["route", "dispatch"]).exists()
    assert untouched.events.filter(action="route").count() == 1 and untouched.grid == org.grids["A1"]
    assert not Case.all_objects.filter(routed_by=Case.RoutedBy.PENDING).exists()


def test_a_stale_read_is_not_written_and_is_routed_next_time(org, in_worker):
    cats = make_categories(org)
    case = submit_case(org, category=cats["garbage"])
    stale = list(Case.all_objects.filter(pk=case.pk).select_related("category", "grid", "department"))
    services.case_transition(case=case, action="note", actor=org.users["admin"], note="已电话联系")
    assert services._route_write([services._route_plan(c) for c in stale]) == 0  # its version moved on: nothing written
    case.refresh_from_db()
    assert case.routed_by == Case.RoutedBy.PENDING and case.status == "received"
    assert services.cases_route_pending() == 1
    case.refresh_from_db()
    assert case.status == "dispatched" and case.events.filter(action="note").exists()


def test_wake_up_leaves_at_most_one_task_waiting(org, in_worker):
    tasks.wake(tasks.route_pending_cases)
    tasks.wake(tasks.route_pending_cases)
    assert _ready_route_tasks() == 1


def test_routing_at_intake_is_the_default(org, django_capture_on_commit_callbacks):
    make_categories(org)
    with django_capture_on_commit_callbacks(execute=True):
        r = token_client(org.users["community"]).post("/api/cases/cases/", BODY, format="json")
    assert r.json()["status"] == "dispatched"
    assert _ready_route_tasks() == 0


def test_two_workers_route_each_case_once(org, in_worker):
    cats = make_categories(org)
    for i in range(5):
        submit_case(org, description=f"垃圾{i}", category=cats["garbage"])
    pending = Case.all_objects.filter(routed_by="pending").select_related("category", "grid", "department")
    first_worker_plans = [services._route_plan(c) for c in pending]  # read, then slower than the other
    assert services.cases_route_pending() == 5  # the second worker routes them all
    assert services._route_write(first_worker_plans) == 0
    for case in Case.objects.all():
        assert list(case.events.values_list("action", flat=True)) == ["create", "dispatch"]
    assert Notification.objects.filter(recipient=org.users["dept"]).count() == 5


def test_a_case_whose_routing_fails_goes_to_the_desk_and_the_queue_moves_on(org, in_worker, monkeypatch, caplog):
    """Fault injection: routing raises for one text (a bug, a broken model); the cases behind it
    are still routed and the failed one is left at the desk for a person, not pending for ever."""
    from shanzhi.cases import router

    cats = make_categories(org)
    mk = dict(actor=org.users["community"], source="api", category=cats["garbage"], longitude=113.355, latitude=22.515)
    bad = services.case_create(description="触发故障的诉求", **mk)
    good = services.case_create(description="小区垃圾没人清理", **mk)
    real_route = router.route

    def route(*, text, **kw):
        if "故障" in text:
            raise RuntimeError("injected")
        return real_route(text=text, **kw)

    monkeypatch.setattr(router, "route", route)
    assert services.cases_route_pending() == 2
    bad.refresh_from_db(), good.refresh_from_db()
    assert (bad.status, bad.routed_by, bad.department) == ("received", "dispatch", org.departments["dispatch"])
    assert bad.events.filter(action="route").count() == 1 and "routing case" in caplog.text
    assert good.status == "dispatched"
    assert not Case.all_objects.filter(routed_by=Case.RoutedBy.PENDING).exists()
