"""Rebuild the cockpit's case rollup from the case table (every month)."""

from django.core.management.base import BaseCommand

from shanzhi.cockpit import rollup


class Command(BaseCommand):
    help = "Recompute the monthly case rollup (CaseStat) from the case table."

    def add_arguments(self, parser):
        parser.add_argument("--incremental", action="store_true", help="Only the months changed since the last run.")

    def handle(self, *args, **options):
        result = rollup.refresh() if options["incremental"] else rollup.rebuild()
        self.stdout.write(f"{result['months']} months, {result['rows']} rollup rows")
