"""Load the built-in demo (西区街道 2023). Idempotent; refused in production mode."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shanzhi.core.registry import registry


class Command(BaseCommand):
    help = "Load the built-in demo data (idempotent). Never in production mode."

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", help="Run only these loaders (by name).")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo loader (with its demo logins) never runs in production mode.")
        for _order, name, func in sorted(registry.demo_loaders, key=lambda x: x[0]):
            if options["only"] and name not in options["only"]:
                continue
            self.stdout.write(f"demo: {name}")
            func(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded. Logins: demo-admin, demo-leader, demo-dept, "
                "demo-community, demo-grid, demo-resident, demo-desk / shanzhi-demo"
            )
        )
