"""`make run` loads the demo every time: a second run must neither fail nor add a row."""

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _counts():
    out = {}
    for model in apps.get_models():
        if not model.__module__.startswith("shanzhi.") or model._meta.label in {"core.AuditEvent"}:
            continue
        manager = getattr(model, "all_objects", model._default_manager)
        out[model._meta.label] = manager.count()
    return out


def test_demo_loader_is_idempotent_and_fills_every_domain():
    call_command("load_demo", verbosity=0)
    first = _counts()
    for label in (
        "orgs.Grid",
        "orgs.Enterprise",
        "plans.PlanNode",
        "cases.Case",
        "fieldwork.Wish",
        "projects.Project",
        "cockpit.CaseStat",
    ):
        assert first.get(label, 0) > 0, f"the demo has no {label}"
    assert 120 <= first["orgs.Grid"] <= 180
    # What the pages show by month and for 企业家直通车 (both were empty in the demo).
    from shanzhi.cases.models import DEADLINE_STATES, Case

    assert not Case.objects.filter(received_month__isnull=True).exists()
    enterprise = Case.objects.filter(kind=Case.Kind.ENTERPRISE)
    assert enterprise.exists() and not enterprise.filter(leader__isnull=True).exists()
    # Every valid call-back on a case has its record (the table was empty), and nobody
    # unreached counts as resolved.
    from shanzhi.cases.models import CallBack

    called = Case.objects.filter(callback_valid=True)
    assert called.exists() and CallBack.objects.count() == called.count()
    assert not CallBack.objects.filter(contacted=False, resolved=True).exists()
    # No answered case is left overdue-escalated.
    assert not Case.objects.exclude(status__in=DEADLINE_STATES).filter(escalation_level__gt=0).exists()
    # No step is dated after now (a recent case's reply near a deadline still ahead, and its
    # check and call-back, were: they sorted after the steps that really came later), and
    # every caller with several cases is one caller (the demo has repeat callers).
    from django.db.models import Count
    from django.utils import timezone

    from shanzhi.cases.models import CaseEvent

    now = timezone.now()
    assert not CaseEvent.objects.filter(at__gt=now).exists()
    assert (
        not Case.objects.filter(callback_at__gt=now).exists() and not Case.objects.filter(replied_at__gt=now).exists()
    )
    repeats = Case.objects.exclude(reporter_phone_key="").values("reporter_phone_key").annotate(n=Count("id"))
    assert repeats.filter(n__gt=1).count() >= 20
    call_command("load_demo", verbosity=0)
    second = _counts()
    changed = {k: (first[k], second[k]) for k in first if first[k] != second[k]}
    # Notifications and queued tasks from periodic side effects are not demo data.
    changed = {k: v for k, v in changed.items() if not k.startswith(("notifications.",))}
    assert not changed, f"a second load_demo changed row counts: {changed}"
