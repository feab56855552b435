"""import_plan FILE [--dry-run] [--json]: recognise a work plan (.txt / .docx); with --dry-run
nothing is saved (--json prints ParsedPlan.to_dict()); without it a draft is saved for review."""

import json as jsonlib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shanzhi.plans import services
from shanzhi.plans.parsing import parse_plan


class Command(BaseCommand):
    help = "Recognise a work plan document and save it as a draft for review (or only print it)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .txt (UTF-8 or GB18030) or .docx file")
        parser.add_argument("--dry-run", action="store_true", help="save nothing")
        parser.add_argument("--json", action="store_true", help="print the recognised tree and indicators as JSON")
        parser.add_argument("--user", default="", help="username recorded as the importer (default: none)")

    def handle(self, *args, file, dry_run, json: bool = False, user="", **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            text = services.document_text(data=path.read_bytes(), filename=path.name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if dry_run:
            parsed = parse_plan(text)
            if json:
                self.stdout.write(_dumps(parsed.to_dict()))
            else:
                self.stdout.write(_summary(parsed.to_dict()))
            return
        actor = None
        if user:
            from shanzhi.accounts.models import User

            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user {user}")
        draft = services.draft_create(actor=actor, text=text, source_name=path.name)
        if json:
            self.stdout.write(_dumps(draft.parsed))
        else:
            self.stdout.write(_summary(draft.parsed))
            self.stdout.write(f"Saved draft {draft.pk} for review: /plans/import/{draft.pk}/")


def _dumps(data) -> str:
    return jsonlib.dumps(data, ensure_ascii=False, indent=2)


def _summary(data) -> str:
    kinds: dict[str, int] = {}

    def walk(nodes):
        for n in nodes:
            kinds[n["kind"]] = kinds.get(n["kind"], 0) + 1
            walk(n["children"])

    walk(data["nodes"])
    parts = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
    return (
        f"{data.get('title') or '(no title)'} {data.get('year') or ''}: {parts}; {len(data['indicators'])} indicators"
    )
