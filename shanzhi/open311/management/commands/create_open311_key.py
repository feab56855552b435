"""Create an Open311 API key for a client and print it (it is shown only this once)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shanzhi.open311.services import apikey_create


class Command(BaseCommand):
    help = "Create an Open311 API key for a client NAME and print the key (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The client's name, e.g. 'city-app'.")

    def handle(self, *args, **options):
        try:
            key, raw = apikey_create(actor=None, name=options["name"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stderr.write(f"Open311 key for {key.name} (service account {key.service_account.username}):")
        self.stdout.write(raw)
