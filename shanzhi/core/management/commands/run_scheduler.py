"""The periodic-job scheduler: every registered job is enqueued on the task queue at its
interval (the db_worker runs it). Started by `make run`; in production run one instance
beside the workers (docs/operations.md lists the jobs)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from shanzhi.core.registry import registry
from shanzhi.core.tasks import run_periodic_job


class Command(BaseCommand):
    help = "Enqueue the periodic jobs at their intervals (runs until stopped)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue every job once and exit.")
        parser.add_argument("--list", action="store_true", help="List the jobs and exit.")

    def handle(self, *args, **options):
        jobs = sorted(registry.periodic)
        if options["list"]:
            for name, every, _f in jobs:
                self.stdout.write(f"{name}\tevery {every} s")
            return
        last: dict[str, float] = {}
        while True:
            now = time.monotonic()
            for name, every, _func in jobs:
                if options["once"] or now - last.get(name, -1e12) >= every:
                    run_periodic_job.enqueue(name)
                    last[name] = now
                    self.stdout.write(f"{timezone.now():%H:%M:%S} enqueued {name}")
            if options["once"]:
                return
            time.sleep(5)
