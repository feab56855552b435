"""Background tasks of the cases app (Django 6 tasks; the database backend's worker runs them)."""

from __future__ import annotations

import time

from django.tasks import task

from shanzhi.cases import services

MAX_SECONDS = 20


@task()
def route_pending_cases(linger: bool = True) -> int:
    """Route the cases accepted with routing left to the worker (services.cases_route_pending).

    Intake wakes it at most once per WAKE_SECONDS per process (`wake`); it then watches the
    queue until the queue has stayed empty for longer than that, so a case accepted while its
    process held back the wake-up is still routed within seconds. Under sustained intake it
    hands over after MAX_SECONDS (waking its successor), so the worker's other tasks
    (notification delivery, periodic jobs) get their turn."""
    total, idle_since, started = 0, None, time.monotonic()
    while True:
        n = services.cases_route_pending()
        total += n
        now = time.monotonic()
        if n:
            idle_since = None
            if now - started > MAX_SECONDS:
                wake()
                return total
            continue
        if not linger:
            return total
        idle_since = idle_since if idle_since is not None else now
        if now - idle_since > services.WAKE_SECONDS:
            return total
        time.sleep(0.1)


def wake() -> None:
    """Enqueue the routing task unless one is already waiting to start (one indexed read),
    so sustained intake does not pile up tasks. A backend that runs tasks at once (immediate)
    routes what is waiting and returns."""
    from django_tasks_db.backend import DatabaseBackend

    if not isinstance(route_pending_cases.get_backend(), DatabaseBackend):
        route_pending_cases.enqueue(linger=False)
        return
    from django_tasks_db.models import DBTaskResult

    if not DBTaskResult.objects.ready().filter(task_path=route_pending_cases.module_path).exists():
        route_pending_cases.enqueue()
