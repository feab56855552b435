"""Background tasks of the cases app (Django 6 tasks; the database backend's worker runs them)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.tasks import task

from shanzhi.cases import services

MAX_SECONDS = 20
# The queued intake's filing waits this long after a pass that did not fill a batch.
GATHER_SECONDS = 0.25


def _drain(step: Callable[[], int], successor, linger: bool, *, full: int = 0, gather: float = 0.0) -> int:
    """Run `step` (one pass over a queue; returns how many rows left it) until the queue has
    stayed empty for longer than services.WAKE_SECONDS, so a row queued while its process held
    back the wake-up is still handled within seconds. Under sustained intake it hands over to
    `successor` after MAX_SECONDS, so the worker's other tasks (notification delivery, periodic
    jobs) get their turn. A pass that found fewer than `full` rows waits `gather` seconds before
    the next, so that a trickle is handled in batches (each pass has a fixed cost of a few
    queries and a write transaction) rather than one row per pass."""
    total, idle_since, started = 0, None, time.monotonic()
    while True:
        n = step()
        total += n
        now = time.monotonic()
        if n:
            idle_since = None
            if now - started > MAX_SECONDS:
                wake(successor)
                return total
            if linger and n < full:
                time.sleep(gather)
            continue
        if not linger:
            return total
        idle_since = idle_since if idle_since is not None else now
        if now - idle_since > services.WAKE_SECONDS:
            return total
        time.sleep(0.1)


@task()
def route_pending_cases(linger: bool = True) -> int:
    """Route the cases accepted with routing left to the worker (services.cases_route_pending).
    Intake wakes it at most once per WAKE_SECONDS per process (`wake`)."""
    return _drain(services.cases_route_pending, route_pending_cases, linger)


@task()
def file_submissions(linger: bool = True) -> int:
    """File the submissions of the queued intake as cases (services.cases_file_submissions).
    `case_submit` wakes it at most once per WAKE_SECONDS per process (`wake`)."""
    return _drain(
        services.cases_file_submissions, file_submissions, linger, full=services.FILE_BATCH, gather=GATHER_SECONDS
    )


def wake(queue_task) -> None:
    """Enqueue `queue_task` unless one is already waiting to start (one indexed read), so
    sustained intake does not pile up tasks. A backend that runs tasks at once (immediate)
    handles what is waiting and returns."""
    from django_tasks_db.backend import DatabaseBackend

    if not isinstance(queue_task.get_backend(), DatabaseBackend):
        queue_task.enqueue(linger=False)
        return
    from django_tasks_db.models import DBTaskResult

    if not DBTaskResult.objects.ready().filter(task_path=queue_task.module_path).exists():
        queue_task.enqueue()
