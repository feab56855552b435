"""Background tasks shared by every app (Django 6 tasks; the database backend's worker runs
them) and the schedule of the periodic jobs."""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
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
