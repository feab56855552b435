"""The periodic jobs' schedule is kept in the database: a restarted scheduler does not run
the daily jobs again (every `make run` retrained the routing models and rebuilt the cockpit's
rollups), and two schedulers do not enqueue a job twice."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shanzhi.core.models import PeriodicJob
from shanzhi.core.registry import registry
from shanzhi.core.tasks import RUN_NOW_STALE, enqueue_due_jobs, enqueue_job_now, job_under_way, run_periodic_job

pytestmark = pytest.mark.django_db


def _queued(name: str) -> int:
    rows = DBTaskResult.objects.ready().filter(task_path=run_periodic_job.module_path)
    return sum(row.args_kwargs["args"] == [name] for row in rows)


def test_a_restart_keeps_the_schedule():
    every = dict((n, s) for n, s, _f in registry.periodic)
    t0 = timezone.now()
    first = enqueue_due_jobs(t0)
    assert sorted(first) == sorted(every)  # a new installation runs each job once
    # The scheduler restarts a minute later: only the jobs due every minute or less run again.
    again = enqueue_due_jobs(t0 + datetime.timedelta(seconds=61))
    assert sorted(again) == sorted(n for n, s in every.items() if s <= 61)
    assert "cases.train_routing" not in again and "cockpit.rollup_rebuild" not in again
    assert enqueue_due_jobs(t0 + datetime.timedelta(seconds=62)) == []
    day_later = enqueue_due_jobs(t0 + datetime.timedelta(days=1, seconds=1))
    assert "cases.train_routing" in day_later and "cockpit.rollup_rebuild" in day_later
    assert _queued("cases.train_routing") == 2


def test_two_schedulers_enqueue_a_job_once():
    t0 = timezone.now()
    assert enqueue_due_jobs(t0)
    assert enqueue_due_jobs(t0) == []  # the other scheduler, at the same moment
    assert all(_queued(name) == 1 for name, _s, _f in registry.periodic)


@pytest.mark.django_db(transaction=True)  # the worker closes the connection between tasks
def test_once_enqueues_every_job_and_a_run_records_how_it_ended():
    enqueue_due_jobs()
    call_command("run_scheduler", "--once", verbosity=0)
    assert all(_queued(name) == 2 for name, _s, _f in registry.periodic)
    call_command("db_worker", queue_name="*", batch=True, no_startup_delay=True, verbosity=0)
    job = PeriodicJob.objects.get(name="cases.check_deadlines")
    assert job.finished_at is not None and job.finished_at >= job.enqueued_at
    assert "warned" in job.result


def test_run_now_queues_a_job_once_until_it_finishes():
    """An administrator's "run now": queued unless under way; after its run (or once the run
    is an hour overdue) it may be queued again; an unknown job is an error."""
    t0 = timezone.now()
    assert enqueue_job_now("cases.train_routing", t0) is True
    assert job_under_way("cases.train_routing", t0)
    assert enqueue_job_now("cases.train_routing", t0 + datetime.timedelta(seconds=5)) is False  # a second click
    assert _queued("cases.train_routing") == 1
    PeriodicJob.objects.filter(name="cases.train_routing").update(finished_at=t0 + datetime.timedelta(minutes=2))
    assert not job_under_way("cases.train_routing", t0 + datetime.timedelta(minutes=3))
    assert enqueue_job_now("cases.train_routing", t0 + datetime.timedelta(minutes=3)) is True
    assert _queued("cases.train_routing") == 2
    # A run that never finished (the worker stopped): after an hour it may be queued again.
    late = t0 + datetime.timedelta(minutes=3) + RUN_NOW_STALE + datetime.timedelta(seconds=1)
    assert enqueue_job_now("cases.train_routing", late) is True
    # The scheduler's own claim counts from the last queuing, by hand or not.
    assert "cases.train_routing" not in enqueue_due_jobs(late + datetime.timedelta(seconds=1))
    with pytest.raises(LookupError):
        enqueue_job_now("no.such_job")
