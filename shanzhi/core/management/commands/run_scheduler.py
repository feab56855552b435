"""The periodic-job scheduler: every registered job is enqueued on the task queue at its
interval (the db_worker runs it). Started by `make run`; in production run it beside the
workers (docs/operations.md lists the jobs). When each job was last enqueued is kept in the
database (core.PeriodicJob): a restart does not run the daily jobs again, and a second
scheduler does not enqueue a job twice."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from shanzhi.core.registry import registry
from shanzhi.core.tasks import enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue the periodic jobs at their intervals (runs until stopped)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue every job once, due or not, and exit.")
        parser.add_argument("--list", action="store_true", help="List the jobs and exit.")

    def handle(self, *args, **options):
        if options["list"]:
            for name, every, _f in sorted(registry.periodic):
                self.stdout.write(f"{name}\tevery {every} s")
            return
        while True:
            for name in enqueue_due_jobs(force=options["once"]):
                self.stdout.write(f"{timezone.now():%H:%M:%S} enqueued {name}")
            if options["once"]:
                return
            time.sleep(5)
