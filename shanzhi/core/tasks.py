"""Background tasks shared by every app (Django 6 tasks; the database backend's worker runs
them) and the schedule of the periodic jobs."""

import datetime
import logging

from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone

from shanzhi.core.models import PeriodicJob
from shanzhi.core.registry import registry

logger = logging.getLogger(__name__)


@task()
def run_periodic_job(name: str) -> str:
    for job_name, _every, func in registry.periodic:
        if job_name == name:
            result = func()
            logger.info("periodic job %s: %s", name, result)
            PeriodicJob.objects.filter(name=name).update(finished_at=timezone.now(), result=str(result)[:300])
            return str(result)
    raise LookupError(f"No periodic job named {name!r}")


def enqueue_due_jobs(now: datetime.datetime | None = None, *, force: bool = False) -> list[str]:
    """Put every periodic job whose interval has passed since it was last enqueued on the task
    queue (`force`: every job) and return their names. The time is kept in the database, so a
    restarted scheduler carries on where it was; each job is claimed by one conditional UPDATE,
    so two schedulers never enqueue it twice."""
    now = now or timezone.now()
    known = set(PeriodicJob.objects.values_list("name", flat=True))
    PeriodicJob.objects.bulk_create(
        [PeriodicJob(name=name) for name, _every, _f in registry.periodic if name not in known],
        ignore_conflicts=True,
    )
    due = []
    for name, every, _func in sorted(registry.periodic):
        claim = PeriodicJob.objects.filter(name=name)
        if not force:
            claim = claim.filter(
                Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - datetime.timedelta(seconds=every))
            )
        with transaction.atomic():  # the claim stands only if the task is queued (same database)
            if claim.update(enqueued_at=now):
                run_periodic_job.enqueue(name)
                due.append(name)
    return due


# A job put on the queue by hand and not finished after this long (its run failed, or the worker
# stopped) no longer counts as under way: it may be put on the queue again.
RUN_NOW_STALE = datetime.timedelta(hours=1)


def _under_way(now: datetime.datetime) -> Q:
    """Queued or running: put on the queue after its last run finished, within RUN_NOW_STALE."""
    return Q(enqueued_at__gte=now - RUN_NOW_STALE) & (Q(finished_at__isnull=True) | Q(finished_at__lt=F("enqueued_at")))


def job_under_way(name: str, now: datetime.datetime | None = None) -> bool:
    return PeriodicJob.objects.filter(_under_way(now or timezone.now()), name=name).exists()


def enqueue_job_now(name: str, now: datetime.datetime | None = None) -> bool:
    """Put a periodic job on the task queue now, outside its schedule (an administrator's "run
    now"), unless it is under way already. Claimed with one conditional UPDATE, as the scheduler
    does, so two clicks queue it once. Returns whether it was queued; its next scheduled run
    counts from now."""
    if all(n != name for n, _every, _f in registry.periodic):
        raise LookupError(f"No periodic job named {name!r}")
    now = now or timezone.now()
    PeriodicJob.objects.get_or_create(name=name)
    busy = PeriodicJob.objects.filter(_under_way(now)).values("pk")
    with transaction.atomic():  # the claim stands only if the task is queued (same database)
        if PeriodicJob.objects.filter(name=name).exclude(pk__in=busy).update(enqueued_at=now):
            run_periodic_job.enqueue(name)
            return True
    return False
