"""Services with real rows: wishes, disputes, patrols, incidents."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shanzhi.core.errors import ConflictError
from shanzhi.core.models import AuditEvent
from shanzhi.fieldwork import casebridge, selectors, services
from shanzhi.fieldwork.models import (
    Dispute,
    FieldEvent,
    FieldPhoto,
    Finding,
    Hazard,
    Incident,
    IncidentAlert,
    Patrol,
    Wish,
)
from shanzhi.fieldwork.tests import factories as f
from shanzhi.notifications.models import Notification, OutboundMessage

pytestmark = pytest.mark.django_db


# ----------------------------------------------------------------------------- wishes


def test_wish_needs_consent_and_a_future_date(org):
    with pytest.raises(ValidationError) as exc:
        f.wish(org, consent=False)
    assert "consent" in exc.value.message_dict
    with pytest.raises(ValidationError):
        f.wish(org, deadline=timezone.localdate() - datetime.timedelta(days=1))
    assert not Wish.objects.exists()


def test_wish_lifecycle_with_audit_and_timeline(org):
    w = f.published_wish(org)
    resident = org.users["resident"]
    w = services.wish_transition(
        wish=w, action="claim", actor=resident, claimer_kind="volunteer", claimer_name="志愿者小王"
    )
    assert w.status == "claimed" and w.claimer_user == resident
    with pytest.raises(ValidationError):
        services.wish_transition(wish=w, action="deliver", actor=resident)  # no proof
    w = services.wish_transition(wish=w, action="deliver", actor=resident, photos=[f.jpeg()])
    assert w.status == "delivered"
    assert FieldPhoto.objects.filter(object_id=w.pk, purpose="proof").count() == 1
    w = services.wish_transition(wish=w, action="confirm", actor=org.users["community"])
    w = services.wish_transition(wish=w, action="thank", actor=org.users["community"], thanks="感谢志愿者小王！")
    assert w.status == "completed" and w.thanks
    actions = list(
        FieldEvent.objects.filter(object_id=w.pk, content_type__model="wish").values_list("action", flat=True)
    )
    assert actions == ["submit", "publish", "claim", "deliver", "confirm", "thank"]
    assert AuditEvent.objects.filter(object_id=str(w.pk), action="transition").count() == 5


def test_claim_on_a_claimed_wish_is_refused_and_keeps_the_first_claimer(org):
    w = f.published_wish(org)
    services.wish_transition(wish=w, action="claim", actor=org.users["resident"], claimer_kind="party_member")
    with pytest.raises(ConflictError):
        services.wish_transition(wish=w, action="claim", actor=org.others["resident"], claimer_kind="unit")
    w.refresh_from_db()
    assert w.claimer_user == org.users["resident"]


def test_stale_version_is_refused(org):
    w = f.wish(org)
    with pytest.raises(ConflictError):
        services.wish_transition(
            wish=w, action="publish", actor=org.users["community"], expected_version=w.version - 1 or 99
        )


def test_other_community_cannot_publish(org):
    w = f.wish(org)
    with pytest.raises(PermissionDenied):
        services.wish_transition(wish=w, action="publish", actor=org.others["community"])


def test_only_the_claimer_delivers(org):
    w = f.published_wish(org)
    services.wish_transition(wish=w, action="claim", actor=org.users["resident"], claimer_kind="volunteer")
    with pytest.raises(PermissionDenied):
        services.wish_transition(wish=w, action="deliver", actor=org.others["resident"], note="我送的")


def test_near_deadline_wishes_flagged_once(org):
    soon = f.published_wish(org, deadline=timezone.localdate() + datetime.timedelta(days=2))
    later = f.published_wish(org, deadline=timezone.localdate() + datetime.timedelta(days=20))
    assert services.wishes_flag_near_deadline() == 1
    assert services.wishes_flag_near_deadline() == 0
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.flagged_at and not later.flagged_at
    assert Notification.objects.filter(recipient=org.users["community"], topic=f"wish:{soon.pk}:flag").exists()


def test_wish_counts_by_community_and_claimer(org):
    w = f.published_wish(org)
    services.wish_transition(
        wish=w, action="claim", actor=org.users["resident"], claimer_kind="unit", claimer_name="甲公司"
    )
    f.wish(org, community=org.communities["B"], grid=org.grids["B1"], actor=org.others["community"])
    counts = selectors.wish_counts(org.users["leader"])
    assert {r["community__name"]: r["total"] for r in counts["by_community"]} == {"甲社区": 1, "乙社区": 1}
    assert counts["by_claimer"][0]["claimer_name"] == "甲公司"
    assert [r["community__name"] for r in selectors.wish_counts(org.users["community"])["by_community"]] == ["甲社区"]


# ----------------------------------------------------------------------------- disputes


def test_labour_dispute_with_many_workers_is_a_group_dispute_and_alerts(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        d = f.dispute(org, dispute_type="labour", people_involved=25, title="欠薪")
    assert d.is_group
    assert Notification.objects.filter(recipient=org.users["leader"], topic=f"dispute:{d.pk}:risk").exists()
    assert Notification.objects.filter(recipient=org.users["community"], topic=f"dispute:{d.pk}:risk").exists()
    assert not Notification.objects.filter(recipient=org.others["community"], topic=f"dispute:{d.pk}:risk").exists()


def test_small_labour_dispute_is_not_group(org):
    assert not f.dispute(org, dispute_type="labour", people_involved=3).is_group


def test_high_risk_needs_a_reason(org):
    with pytest.raises(ValidationError) as exc:
        f.dispute(org, risk_level="high")
    assert "risk_reason" in exc.value.message_dict
    assert not Dispute.objects.exists()


def test_raising_risk_to_high_alerts(org, django_capture_on_commit_callbacks):
    d = f.dispute(org)
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_set_risk(
            dispute=d, actor=org.users["community"], risk_level="high", risk_reason="扬言过激行为"
        )
    assert Notification.objects.filter(recipient=org.users["leader"], topic=f"dispute:{d.pk}:risk").exists()


def test_mediation_to_closure(org):
    d = f.dispute(org)
    c = org.users["community"]
    d = services.dispute_transition(
        dispute=d, action="session", actor=c, mediators="调解员甲、民警乙、律师丙", outcome="continue"
    )
    assert d.status == "mediating"
    with pytest.raises(ValidationError):
        services.dispute_transition(dispute=d, action="agree", actor=c)
    d = services.dispute_transition(dispute=d, action="agree", actor=c, agreement="楼上承担维修费用800元")
    d = services.dispute_transition(dispute=d, action="follow_up", actor=c, mediators="调解员甲", outcome="stable")
    with pytest.raises(ValidationError):
        services.dispute_transition(dispute=d, action="close", actor=c)
    d = services.dispute_transition(dispute=d, action="close", actor=c, note="履行完毕")
    assert d.status == "closed" and d.closed_at
    assert d.sessions.count() == 2
    with pytest.raises(ValidationError):
        services.dispute_transition(dispute=d, action="session", actor=c, mediators="x", outcome="continue")


def test_referral_to_arbitration(org):
    d = f.dispute(org, dispute_type="labour", people_involved=2)
    d = services.dispute_transition(
        dispute=d,
        action="refer",
        actor=org.users["community"],
        referred_to="arbitration",
        referral_body="中山市劳动人事争议仲裁院",
    )
    assert d.status == "referred" and d.referred_to == "arbitration"


def test_out_of_scope_community_cannot_mediate(org):
    d = f.dispute(org)
    with pytest.raises(PermissionDenied):
        services.dispute_transition(
            dispute=d, action="session", actor=org.others["community"], mediators="x", outcome="continue"
        )


# ----------------------------------------------------------------------------- patrols


def test_patrol_walk_and_end_twice(org):
    grid = org.users["grid"]
    p = services.patrol_start(actor=grid, plan=f.plan(org))
    p = services.patrol_check(patrol=p, actor=grid, results={f.GRID_ITEMS[0]: "ok", f.GRID_ITEMS[1]: "problem"})
    assert p.results[f.GRID_ITEMS[1]] == "problem"
    with pytest.raises(ValidationError):
        services.patrol_check(patrol=p, actor=grid, results={"不存在的检查项": "ok"})
    p = services.patrol_end(patrol=p, actor=grid)
    with pytest.raises(ValidationError) as exc:
        services.patrol_end(patrol=p, actor=grid)
    assert timezone.localtime(p.ended_at).strftime("%H:%M") in str(exc.value)
    assert FieldEvent.objects.filter(object_id=p.pk, content_type__model="patrol", action="end").count() == 1


def test_one_patrol_in_progress_at_a_time(org):
    plan = f.plan(org)
    services.patrol_start(actor=org.users["grid"], plan=plan)
    with pytest.raises(ValidationError):
        services.patrol_start(actor=org.users["grid"], plan=plan)


def test_cannot_patrol_outside_scope(org):
    cl = f.checklist()
    with pytest.raises(PermissionDenied):
        services.patrol_start(actor=org.users["grid"], checklist=cl, grid=org.grids["B1"])
    assert not Patrol.objects.exists()


def test_finding_with_a_non_image_writes_nothing(org):
    grid = org.users["grid"]
    p = services.patrol_start(actor=grid, plan=f.plan(org))
    with pytest.raises(ValidationError) as exc:
        services.finding_report(
            patrol=p, actor=grid, description="井盖缺失", photos=[f.jpeg(), f.not_an_image("x.jpg")]
        )
    assert "x.jpg" in str(exc.value)
    assert not Finding.objects.exists() and not FieldPhoto.objects.exists()


def test_photo_metadata_is_stripped(org):
    from PIL import Image

    grid = org.users["grid"]
    p = services.patrol_start(actor=grid, plan=f.plan(org))
    services.finding_report(patrol=p, actor=grid, description="路灯不亮", photos=[f.jpeg()])
    photo = FieldPhoto.objects.get()
    with photo.image.open("rb") as fh, Image.open(fh) as img:
        assert not img.getexif()


def test_photo_over_the_limit_is_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.jpg", b"\xff" * (5 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError):
        services.photo_clean(big)


def test_finding_becomes_a_case_and_reinspection_closes_it(org):
    if not casebridge.available():
        pytest.skip("cases engine not installed")
    from shanzhi.cases import services as cs

    grid, community = org.users["grid"], org.users["community"]
    ent = org.enterprises["A"]
    cl = f.checklist(kind="enterprise", items=["消防通道畅通", "灭火器有效"], name="企业安全")
    p = services.patrol_start(actor=grid, checklist=cl, enterprise=ent)
    finding = services.finding_report(
        patrol=p,
        actor=grid,
        description="消防通道堆放杂物",
        item="消防通道畅通",
        rectify_workdays=3,
        hazard_level="major",
        photos=[f.jpeg()],
    )
    case = casebridge.case_of(finding)
    assert case is not None and case.kind == "finding" and finding.case_code == case.code
    assert case.origin_id == str(finding.pk)
    assert Hazard.objects.get(finding=finding).level == "major"
    # Not yet reported as rectified by the handling unit: the re-inspection waits.
    with pytest.raises(ValidationError):
        services.finding_reinspect(finding=finding, actor=community, passed=True)
    # The handling unit rectifies and replies.
    case.refresh_from_db()
    urban = org.departments["urban"]
    if case.status in ("received", "accepted") or case.department_id != urban.pk:
        action = "dispatch" if case.status in ("received", "accepted", "returned") else "reassign"
        case = cs.case_transition(case=case, action=action, actor=community, department=urban, note="派至城管")
    handler = org.users["dept"]
    for action in ("sign", "start", "reply"):
        case = cs.case_transition(case=case, action=action, actor=handler, note="已清理")
    finding = services.finding_reinspect(finding=finding, actor=community, passed=False, note="仍有杂物")
    assert finding.status == "sent_back" and finding.times_sent_back == 1
    case.refresh_from_db()
    assert case.status == "in_progress"
    case = cs.case_transition(case=case, action="reply", actor=handler, note="已彻底清理")
    finding = services.finding_reinspect(finding=finding, actor=community, passed=True, note="复查通过")
    case.refresh_from_db()
    assert finding.status == "rectified" and case.status == "closed"
    assert Hazard.objects.get(finding=finding).status == "rectified"


def test_compliance_and_overdue_flag(org):
    grid = org.users["grid"]
    plan = f.plan(org, times_per_period=2)
    today = timezone.localdate()
    last_week = today - datetime.timedelta(days=7)
    p = services.patrol_start(
        actor=grid, plan=plan, started_at=timezone.make_aware(datetime.datetime.combine(last_week, datetime.time(10)))
    )
    services.patrol_end(patrol=p, actor=grid)
    data = selectors.compliance(org.users["community"], today=today)
    row = data["rows"][0]
    assert row.previous_done == 1 and row.planned == 2 and row.overdue
    assert data["by_person"][0]["overdue"] == 1
    assert services.patrols_flag_overdue(today=today) == 1
    assert services.patrols_flag_overdue(today=today) == 0
    assert Notification.objects.filter(recipient=grid, kind="fieldwork.patrol").count() == 1
    assert selectors.compliance(org.others["community"], today=today)["rows"] == []


# ----------------------------------------------------------------------------- incidents


def test_incident_alerts_chain_and_gateway(org, django_capture_on_commit_callbacks):
    f.chain(org)
    with django_capture_on_commit_callbacks(execute=True):
        inc = services.incident_report(
            actor=org.users["grid"],
            incident_type="fire",
            severity=3,
            title="仓库冒烟",
            address="甲社区工业路1号",
            grid=org.grids["A1"],
        )
    assert inc.community == org.communities["A"]
    alerts = IncidentAlert.objects.filter(incident=inc)
    assert [a.user for a in alerts] == [org.users["community"]]
    n = Notification.objects.get(recipient=org.users["community"], topic=f"incident:{inc.pk}:L1")
    assert n.level == "urgent"
    # The tasks backend in tests runs immediately or stores the task: either way the gateway is asked.
    from shanzhi.notifications.services import deliver_now

    if not OutboundMessage.objects.filter(notification=n).exists():
        deliver_now(n, "sms")
    assert OutboundMessage.objects.filter(notification=n).exists()


def test_unacknowledged_alert_escalates_once(org):
    f.chain(org)
    inc = services.incident_report(
        actor=org.users["grid"],
        incident_type="flood",
        severity=2,
        title="道路水浸",
        address="乙路",
        grid=org.grids["A1"],
    )
    later = timezone.now() + datetime.timedelta(minutes=6)
    assert services.incidents_escalate(now=later) == 1
    assert services.incidents_escalate(now=later) == 0
    assert set(IncidentAlert.objects.filter(incident=inc).values_list("level", flat=True)) == {1, 2}
    assert IncidentAlert.objects.get(incident=inc, level=2).user == org.users["leader"]


def test_acknowledged_alert_does_not_escalate(org):
    f.chain(org)
    inc = services.incident_report(
        actor=org.users["grid"], incident_type="gas", severity=4, title="燃气味", address="丙巷", grid=org.grids["A1"]
    )
    alert = services.incident_acknowledge(incident=inc, actor=org.users["community"])
    assert alert.acknowledged_at
    inc.refresh_from_db()
    assert inc.status == "responding"
    assert services.incidents_escalate(now=timezone.now() + datetime.timedelta(minutes=30)) == 0


def test_ack_after_closure_is_refused(org):
    f.chain(org)
    inc = services.incident_report(
        actor=org.users["grid"],
        incident_type="fire",
        severity=4,
        title="演练",
        address="x",
        grid=org.grids["A1"],
        is_drill=True,
    )
    assert str(inc).startswith("[演练]")
    with pytest.raises(ValidationError):
        services.incident_close(incident=inc, actor=org.users["community"], summary="")
    services.incident_close(incident=inc, actor=org.users["community"], summary="演练完成，处置及时")
    with pytest.raises(ValidationError):
        services.incident_acknowledge(incident=inc, actor=org.users["community"])
    assert IncidentAlert.objects.get(incident=inc).acknowledged_at is None


def test_only_alerted_people_acknowledge(org):
    f.chain(org)
    inc = services.incident_report(
        actor=org.users["grid"], incident_type="fire", severity=4, title="x", address="x", grid=org.grids["A1"]
    )
    with pytest.raises(PermissionDenied):
        services.incident_acknowledge(incident=inc, actor=org.users["dept"])


def test_most_specific_chain_wins(org):
    general = f.chain(org)
    fire = f.chain(org, incident_type="fire", max_severity=2, levels=((1, "leader", 3),))
    assert services.chain_for("fire", 1) == fire
    assert services.chain_for("fire", 3) == general
    assert services.chain_for("flood", 1) == general


def test_incident_with_bad_photo_writes_nothing(org):
    f.chain(org)
    with pytest.raises(ValidationError):
        services.incident_report(
            actor=org.users["grid"],
            incident_type="fire",
            severity=4,
            title="x",
            address="x",
            grid=org.grids["A1"],
            photos=[f.not_an_image()],
        )
    assert not Incident.objects.exists() and not IncidentAlert.objects.exists()
