import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from shanzhi.cases import conf, router, selectors, services
from shanzhi.cases.models import Case, KeywordRule, RoutingModel
from shanzhi.cases.tests.factories import drive_to, make_case
from shanzhi.cases.training import routing_train
from shanzhi.core.models import SiteSetting

pytestmark = pytest.mark.django_db


def _called_back(org, satisfaction, resolved=True, contacted=True):
    case = make_case(org)
    case = drive_to(case, "verified", org)
    return services.case_callback(
        case=case, actor=org.users["admin"], contacted=contacted, resolved=resolved, satisfaction=satisfaction
    )


def test_three_rates_formulas_and_configurable_constants(org):
    _called_back(org, "satisfied")
    _called_back(org, "basic")
    _called_back(org, "unsatisfied", resolved=False)
    _called_back(org, "", resolved=False, contacted=False)
    make_case(org)  # no call-back: not counted
    o = selectors.overall(Case.objects.all())
    assert o["valid"] == 4
    assert o["response"] == pytest.approx(3 / 4)
    assert o["resolution"] == pytest.approx(2 / 4)
    assert o["satisfaction"] == pytest.approx((1 + 0.9) / 4)
    assert o["composite"] == pytest.approx(0.1 * 0.75 + 0.5 * 0.5 + 0.4 * 1.9 / 4)
    SiteSetting.objects.create(
        key="cases.rates",
        value={
            "basic_satisfied_weight": 0.5,
            "weight_response": 0.2,
            "weight_resolution": 0.4,
            "weight_satisfaction": 0.4,
        },
    )
    conf.clear_cache()
    o = selectors.overall(Case.objects.all())
    assert o["satisfaction"] == pytest.approx(1.5 / 4)
    assert o["composite"] == pytest.approx(0.2 * 0.75 + 0.4 * 0.5 + 0.4 * 1.5 / 4)
    conf.clear_cache()


def test_rates_by_department_rank(org):
    _called_back(org, "satisfied")
    other = make_case(org, department_key="health", grid_key="B1")
    admin = org.users["admin"]
    for action, p in [("sign", {}), ("reply", {"note": "x"}), ("verify", {})]:
        other = services.case_transition(case=other, action=action, actor=admin, **p)
    services.case_callback(case=other, actor=admin, contacted=True, resolved=False, satisfaction="unsatisfied")
    rows = selectors.rates_by(Case.objects.all(), "department")
    assert [r.label for r in rows][:2] == ["城管执法队", "卫生服务中心"]
    assert rows[0].rank == 1 and rows[1].rank == 2
    months = selectors.rates_by(Case.objects.all(), "month")
    assert sum(r.total for r in months) == 2


def test_rates_page_changes_with_a_callback(org, client_for):
    c = client_for("leader")
    before = c.get("/cases/rates/").context["overall"]["valid"]
    _called_back(org, "satisfied")
    after = c.get("/cases/rates/").context["overall"]["valid"]
    assert after == before + 1
    r = c.get("/cases/rates/?by=grid&export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_deadline_counts_official_holidays(org):
    # Received on 2025-09-30 (Tue): 1–8 October 2025 are holidays, 28 Sep and 11 Oct make-up days.
    start = timezone.make_aware(datetime.datetime(2025, 9, 30, 10, 0))
    dl = services.compute_deadline(start=start, nature="consultation", kind="request", category=None)
    assert timezone.localtime(dl).date() == datetime.date(2025, 10, 10)  # 2 working days: 9 Oct, 10 Oct
    dl = services.compute_deadline(start=start, nature="complaint", kind="enterprise", category=None)
    assert timezone.localtime(dl).date() == datetime.date(2025, 10, 14)  # 企业直通车: 5 days: 9, 10, 11 (Sat), 13, 14


def test_periodic_job_warns_and_escalates(org):
    now = timezone.now()
    soon = make_case(org, deadline=now + datetime.timedelta(minutes=30))
    late = make_case(org, deadline=now - datetime.timedelta(minutes=5))
    fine = make_case(org, deadline=now + datetime.timedelta(days=30))
    result = services.cases_check_deadlines(now)
    assert result["warned"] >= 1 and result["escalated"] >= 1
    soon.refresh_from_db(), late.refresh_from_db(), fine.refresh_from_db()
    assert soon.warned_at is not None and fine.warned_at is None
    assert late.escalation_level == 1
    assert late.events.filter(action="escalate", actor__isnull=True).exists()
    services.cases_check_deadlines(now)  # the same period: nothing new
    late.refresh_from_db()
    assert late.escalation_level == 1
    services.cases_check_deadlines(now + datetime.timedelta(days=5))
    late.refresh_from_db()
    assert late.escalation_level == 2
    from shanzhi.core.registry import registry

    assert any(name == "cases.check_deadlines" for name, _s, _f in registry.periodic)


def _seed_training(org):
    admin = org.users["admin"]
    texts_urban = ["垃圾堆积没人清理", "占道经营摆摊", "违章搭建铁皮房", "路边建筑垃圾", "流动摊贩堵塞道路", "楼顶违建"]
    texts_health = [
        "卫生站医生态度差",
        "疫苗接种预约",
        "社区医院排队太久",
        "预防针在哪里打",
        "黑诊所无证行医",
        "看病难",
    ]
    for t in texts_urban * 2:
        services.case_create(
            actor=admin, source="staff", description=t, grid=org.grids["A1"], department=org.departments["urban"]
        )
    for t in texts_health * 2:
        services.case_create(
            actor=admin, source="staff", description=t, grid=org.grids["A1"], department=org.departments["health"]
        )


def test_the_models_page_shows_accuracy_per_class_and_retrains_on_request(org, client_for):
    from django_tasks_db.models import DBTaskResult

    from shanzhi.core.tasks import run_periodic_job

    _seed_training(org)
    row = routing_train(target=RoutingModel.Target.DEPARTMENT)
    c = client_for("leader")
    c.cookies["django_language"] = "en"
    page = c.get("/cases/routing-models/").content.decode()
    card = page[page.index('data-testid="active-department"') :]
    for code, figures in row.metrics["per_class"].items():
        name = org.departments[code].name
        assert name in card and f'<td class="text-end">{figures["support"]}</td>' in card
    assert 'data-testid="retrain"' in page and "Retraining…" not in page

    def queued():
        rows = DBTaskResult.objects.ready().filter(task_path=run_periodic_job.module_path)
        return [r.args_kwargs["args"] for r in rows]

    r = c.post("/cases/routing-models/", follow=True)
    assert "Retraining has started" in r.content.decode() and queued() == [["cases.train_routing"]]
    r = c.post("/cases/routing-models/", follow=True)
    assert "already under way" in r.content.decode() and queued() == [["cases.train_routing"]]
    assert "Retraining…" in r.content.decode()
    assert client_for("grid").post("/cases/routing-models/").status_code == 403
    assert queued() == [["cases.train_routing"]]


def test_classifier_trained_from_assigned_cases_routes_with_reason(org):
    _seed_training(org)
    row = routing_train(target=RoutingModel.Target.DEPARTMENT)
    assert row is not None and set(row.labels) == {"urban", "health"}
    SiteSetting.objects.create(key="cases.routing_min_confidence", value=0.5)
    conf.clear_cache()
    case = services.case_create(
        actor=None, source="web", description="小区垃圾堆积很久没人清理", longitude=113.355, latitude=22.515
    )
    assert case.department == org.departments["urban"] and case.routed_by == "classifier"
    assert "垃圾" in str(case.routing_reason)
    # Low confidence → dispatch desk, with the suggestion in the reason.
    SiteSetting.objects.filter(key="cases.routing_min_confidence").update(value=0.999)
    conf.clear_cache()
    vague = services.case_create(
        actor=None, source="web", description="有个问题想反映", longitude=113.355, latitude=22.515
    )
    assert vague.department == org.departments["dispatch"] and vague.status == "received"
    conf.clear_cache()


def test_keyword_rule_overrides_and_reroute_feeds_training(org):
    _seed_training(org)
    KeywordRule.objects.create(name="gas", keywords="燃气泄漏", department=org.departments["health"])
    router.clear_caches()
    case = services.case_create(
        actor=None, source="web", description="楼道燃气泄漏垃圾很多", longitude=113.355, latitude=22.515
    )
    assert case.routed_by == "rule" and case.department == org.departments["health"]
    # Staff re-route: the case's final department is what training learns.
    case = services.case_transition(
        case=case, action="reassign", actor=org.users["admin"], department=org.departments["urban"], note="应由城管处理"
    )
    assert case.routed_by == "manual"
    with translation.override("en"):
        assert str(case.routing_reason) == "re-routed by staff: 卫生服务中心 → 城管执法队"
    from shanzhi.cases.training import training_set

    texts, labels = training_set("department")
    assert labels[texts.index("楼道燃气泄漏垃圾很多")] == "urban"


def test_train_command(org):
    from io import StringIO

    from django.core.management import call_command

    _seed_training(org)
    out = StringIO()
    call_command("train_routing", "--target", "department", stdout=out)
    assert "department: 24 cases" in out.getvalue()


def test_retraining_keeps_every_record_but_only_the_newest_model_files(org):
    """Every `make run` and every night added two models of some megabytes each: 26 rows and
    30 MB after a few days of a demo."""
    from shanzhi.cases.training import KEEP_MODEL_FILES

    _seed_training(org)
    rows = [routing_train(target=RoutingModel.Target.DEPARTMENT) for _ in range(KEEP_MODEL_FILES + 2)]
    kept = RoutingModel.objects.filter(target="department").exclude(data=b"")
    assert sorted(kept.values_list("pk", flat=True)) == [r.pk for r in rows[-KEEP_MODEL_FILES:]]
    assert RoutingModel.objects.filter(target="department").count() == len(rows)  # the records stay
    active = RoutingModel.objects.get(target="department", is_active=True)
    assert active.pk == rows[-1].pk and len(bytes(active.data)) > 10_000
    assert router.classifier(RoutingModel.Target.DEPARTMENT) is not None


def test_unreadable_stored_model_sends_cases_to_the_desk(org, caplog):
    import pickle

    RoutingModel.objects.create(
        target=RoutingModel.Target.DEPARTMENT, samples=1, labels=["urban"], data=pickle.dumps({"format": 999})
    )
    case = services.case_create(
        actor=None, source="web", description="小区垃圾堆积很久没人清理", longitude=113.355, latitude=22.515
    )
    assert case.department == org.departments["dispatch"] and case.routed_by == "dispatch"
    assert "cannot be loaded" in caplog.text


def test_cases_written_in_bulk_count_in_their_month(org):
    """The demo wrote its cases with bulk_create, which skipped the derived month: the rates by
    month showed one "—" row for 3,999 of 4,008 cases."""
    at = timezone.make_aware(datetime.datetime(2024, 3, 31, 23, 30))  # local time: still March
    Case.objects.bulk_create(
        [Case(code=f"SZBULK{i}", description="x", title="x", received_at=at, status="received") for i in range(3)]
    )
    assert set(Case.objects.values_list("received_month", flat=True)) == {datetime.date(2024, 3, 1)}
    rows = selectors.rates_by(Case.objects.all(), "month")
    assert [r.total for r in rows] == [3] and rows[0].key == datetime.date(2024, 3, 1)


def test_the_month_migration_fills_what_is_missing(org):
    from shanzhi.cases.migrations import _fill_received_month

    case = make_case(org)
    Case.objects.filter(pk=case.pk).update(received_month=None)
    _fill_received_month(Case)
    case.refresh_from_db()
    assert case.received_month == timezone.localtime(case.received_at).date().replace(day=1)


def _local(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_deadline_job_leaves_answered_cases_and_escalates_by_whole_working_days(org):
    """An audit found the job escalating replied, verified and called-back cases (39 of 39
    overdue demo cases, 25 of them answered), level 2 coming at midnight after the deadline
    instead of a working day later, and level 1 reaching nobody new when the department had no
    leader set. Monday 2025-11-24 is an ordinary working week."""
    from shanzhi.notifications.models import Notification
    from shanzhi.testing.factories import make_user

    desk = make_user("t-desk-dl", "dept", department=org.departments["dispatch"])
    deadline = _local(2025, 11, 24, 17, 30)
    handling = make_case(org, deadline=deadline)
    answered = drive_to(make_case(org, deadline=deadline), Case.Status.REPLIED, org)
    Case.objects.filter(pk=answered.pk).update(deadline=deadline)
    suspended = make_case(org, deadline=deadline)
    Case.objects.filter(pk=suspended.pk).update(status=Case.Status.SUSPENDED, suspended_from="dispatched")
    assert set(Case.objects.overdue(_local(2025, 11, 24, 17, 40))) == {handling}

    services.cases_check_deadlines(_local(2025, 11, 24, 17, 40))
    handling.refresh_from_db(), answered.refresh_from_db()
    assert handling.escalation_level == 1 and answered.escalation_level == 0
    assert not answered.events.filter(action__in=("warn", "escalate")).exists()
    # Level 1 without a department leader: the dispatch desk hears of it.
    assert Notification.objects.filter(recipient=desk, topic=f"case:{handling.pk}").exists()

    services.cases_check_deadlines(_local(2025, 11, 25, 0, 5))  # midnight: no working time yet
    handling.refresh_from_db()
    assert handling.escalation_level == 1
    services.cases_check_deadlines(_local(2025, 11, 25, 17, 31))  # one whole working day later
    handling.refresh_from_db()
    assert handling.escalation_level == 2

    # A case found late by several periods goes straight to its level, in one step.
    late = make_case(org)
    Case.objects.filter(pk=late.pk).update(deadline=deadline)
    services.cases_check_deadlines(_local(2025, 11, 28, 18, 0))
    late.refresh_from_db()
    assert late.escalation_level == 2 and late.events.filter(action="escalate").count() == 1


def test_a_warning_reaches_the_community_that_handles_the_case_itself(org):
    from shanzhi.notifications.models import Notification

    case = make_case(org, department_key=None)
    Case.objects.filter(pk=case.pk).update(
        department=None, status=Case.Status.IN_PROGRESS, deadline=_local(2025, 11, 24, 17, 30)
    )
    assert services.cases_check_deadlines(_local(2025, 11, 24, 15, 0))["warned"] == 1
    assert Notification.objects.filter(recipient=org.users["community"], topic=f"case:{case.pk}").exists()


def test_a_new_deadline_starts_its_warnings_over(org):
    """Resuming a suspended case (or approving an extension) moved the deadline but kept the
    old warning and escalation level, so no warning came before the new deadline."""
    case = make_case(org)
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.SUSPENDED,
        suspended_from=Case.Status.DISPATCHED,
        suspended_at=timezone.now() - datetime.timedelta(days=10),
        warned_at=timezone.now(),
        escalation_level=1,
    )
    case.refresh_from_db()
    case = services.case_transition(case=case, action="resume", actor=org.users["leader"], note="恢复")
    assert case.warned_at is None and case.escalation_level == 0
    case = drive_to(make_case(org), Case.Status.IN_PROGRESS, org)
    Case.objects.filter(pk=case.pk).update(warned_at=timezone.now(), escalation_level=1)
    case.refresh_from_db()
    case = services.case_transition(case=case, action="request_extension", actor=org.users["dept"], days=3, note="x")
    case = services.case_transition(case=case, action="approve_extension", actor=org.users["leader"], note="同意")
    assert case.warned_at is None and case.escalation_level == 0


def test_enterprise_limit_holds_under_a_deadline_in_hours(org):
    from shanzhi.cases.tests.factories import make_categories

    cat = make_categories(org)["garbage"]
    cat.deadline_workhours = 60
    start = _local(2025, 11, 24, 9, 0)
    plain = services.compute_deadline(start=start, nature="help", kind=Case.Kind.REQUEST, category=cat)
    enterprise = services.compute_deadline(start=start, nature="help", kind=Case.Kind.ENTERPRISE, category=cat)
    assert plain == _local(2025, 12, 3, 9, 30)
    assert enterprise == _local(2025, 12, 1, 17, 30)  # 5 working days
    # The bulk import computes its deadlines apart: the same limit.
    cat.save()
    services.cases_import(
        rows=[
            {"description": "企业诉求", "category": cat.code, "kind": "enterprise", "received_at": "2025-11-24 09:00"}
        ],
        actor=org.users["admin"],
    )
    assert Case.objects.get(description="企业诉求").deadline == enterprise


def test_rankings_share_places_for_equal_scores_and_leave_units_of_nobody_unranked():
    """Float noise (0.66 against 0.6599999999999999) decided an order between equal scores,
    equal scores got different places, and the "(none)" group took rank 1 from real units."""
    rows = [
        {"key": "a", "composite": 0.6599999999999999, "valid": 25},
        {"key": "b", "composite": 0.66, "valid": 23},
        {"key": "c", "composite": 0.9, "valid": 3},
        {"key": None, "composite": 0.99, "valid": 20},
        {"key": "d", "composite": None, "valid": 0},
        {"key": "e", "composite": 0.5, "valid": 9},
    ]
    selectors.rank(
        rows,
        composite=lambda r: r["composite"],
        valid=lambda r: r["valid"],
        ranked=lambda r: r["key"] is not None,
        label=lambda r: str(r["key"]),
    )
    assert [(r["key"], r["rank"]) for r in rows] == [("c", 1), ("a", 2), ("b", 2), ("e", 4), (None, None), ("d", None)]


def test_the_cockpit_ranks_as_the_rates_page_does(org):
    """The cockpit ranked on percentages rounded to one decimal (0.76333 and 0.76265 both
    76.3 %), then by valid call-backs, and so contradicted /cases/rates/."""
    from shanzhi.cockpit import selectors as cockpit

    rows = [
        {"community_id": 1, "total": 30, "valid": 20, "contacted": 20, "resolved": 10, "satisfied": 13, "basic": 0},
        {"community_id": 2, "total": 30, "valid": 21, "contacted": 21, "resolved": 11, "satisfied": 13, "basic": 0},
    ]
    for r in rows:
        r.update(signed=0, signed_on_time=0, dispatched=0, returned=0, replied=0, reworked=0)
        r.update(completed_counted=0, completed_on_time=0)
    exact = {r["community_id"]: selectors.compute(r)["composite"] for r in rows}
    assert round(exact[1] * 100, 1) == round(exact[2] * 100, 1) and exact[1] != exact[2]
    ranked = cockpit._ranking(rows, "community_id", {1: "一", 2: "二"}, lambda k: "")
    assert exact[1] > exact[2]  # 61.0 % against 60.95 %: both shown as 61.0 %
    assert [(r["id"], r["rank"]) for r in ranked] == [(1, 1), (2, 2)]


def test_rate_settings_are_checked_and_take_effect_at_once(org, client):
    """A weight "abc" saved in the admin made /cases/rates/, the API and the cockpit 500s;
    weights adding up to 1.4 were accepted; a change showed only after the cache expired."""
    client.force_login(org.users["admin"])
    url = "/admin/core/sitesetting/add/"
    for bad in ('{"weight_response": "abc"}', '{"weight_response": 0.5}', '{"colour": 1}', "[1, 2]"):
        r = client.post(url, {"key": "cases.rates", "value": bad, "description": ""})
        assert r.status_code == 200 and r.context["adminform"].form.errors.get("value"), bad
    assert not SiteSetting.objects.filter(key="cases.rates").exists()
    assert selectors.constants()["weight_response"] == 0.1  # read once: now cached
    good = '{"weight_response": 0.2, "weight_resolution": 0.4, "weight_satisfaction": 0.4}'
    r = client.post(url, {"key": "cases.rates", "value": good, "description": ""})
    assert r.status_code == 302, r.content[:500]
    assert selectors.constants()["weight_response"] == 0.2  # at once, not a minute later
    with pytest.raises(ValidationError):
        conf.setting_set(key="cases.sign_workhours", value="two", actor=org.users["admin"])
    # A bad value stored before these checks: the defaults, not a 500.
    SiteSetting.objects.filter(key="cases.rates").update(value={"weight_response": "abc"})
    conf.clear_cache()
    assert selectors.constants()["weight_response"] == 0.1
    assert client.get("/cases/rates/").status_code == 200


@pytest.mark.parametrize(
    "suspended, resumed, hours",
    [
        ((2025, 11, 21, 17, 0), (2025, 11, 24, 9, 0), 0.5),  # Friday 17:00 → Monday 09:00
        ((2025, 11, 25, 9, 0), (2025, 11, 25, 17, 0), 8),  # within one Tuesday
        ((2025, 11, 21, 17, 30), (2025, 11, 24, 9, 0), 0),  # after closing to before opening
        ((2025, 11, 24, 9, 0), (2025, 11, 26, 12, 0), 20),  # 8.5 + 8.5 + 3
        ((2025, 9, 30, 12, 0), (2025, 10, 9, 10, 0), 6.5),  # over National Day: 30 Sep pm, 9 Oct 1 h
        ((2025, 11, 25, 12, 0), (2025, 11, 25, 11, 0), 0),  # end before start
    ],
)
def test_working_time_between_counts_office_hours_of_working_days(suspended, resumed, hours):
    from shanzhi.core import workdays

    got = workdays.Calendar().working_time_between(_local(*suspended), _local(*resumed))
    assert got == datetime.timedelta(hours=hours)


def test_resuming_extends_the_deadline_by_the_working_days_begun_while_suspended(org):
    """The lost time was counted by calendar dates: a whole working day suspended within one
    date added nothing, a suspension from Friday evening to Monday morning added a day."""
    import math

    from shanzhi.core import workdays

    case = make_case(org)
    suspended_at = timezone.now() - datetime.timedelta(days=9, hours=5)
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.SUSPENDED, suspended_from=Case.Status.DISPATCHED, suspended_at=suspended_at
    )
    case.refresh_from_db()
    before = case.deadline
    case = services.case_transition(case=case, action="resume", actor=org.users["leader"], note="恢复")
    event = case.events.get(action="resume")
    day = datetime.timedelta(hours=8.5)  # the default office hours, 09:00–17:30
    lost = math.ceil(workdays.Calendar().working_time_between(suspended_at, event.at) / day)
    assert lost >= 5 and event.data["deadline_extended_workdays"] == lost
    assert case.deadline == workdays.deadline_after(before, workdays=lost)


def test_resuming_counts_working_days_of_the_configured_office_hours(org, monkeypatch):
    """With a lunch break (setting calendar.office_hours) a working day is 3.5 h + 3 h = 6.5 h:
    suspended Monday 08:30, resumed Tuesday 09:00 is 6.5 h + 0.5 h = 7 h, two days begun (a
    fixed 8.5 h day would have given one)."""
    from shanzhi.core import workdays

    SiteSetting.objects.create(key="calendar.office_hours", value=[["08:30", "12:00"], ["14:30", "17:30"]])
    case = make_case(org)
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.SUSPENDED, suspended_from=Case.Status.DISPATCHED, suspended_at=_local(2025, 3, 3, 8, 30)
    )
    case.refresh_from_db()
    before = case.deadline
    monkeypatch.setattr(timezone, "now", lambda: _local(2025, 3, 4, 9, 0))
    case = services.case_transition(case=case, action="resume", actor=org.users["leader"], note="恢复")
    assert case.events.get(action="resume").data["deadline_extended_workdays"] == 2
    assert case.deadline == workdays.deadline_after(before, workdays=2)
