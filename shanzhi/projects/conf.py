"""Configurable constants of the projects app: a SiteSetting row (key "projects.<name>")
overrides the Django setting PROJECTS_<NAME>, which overrides the default here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from shanzhi.core import setting_checks as checks
from shanzhi.core.registry import registry

DEFAULTS: dict[str, Any] = {
    # A lead without any logged activity for this many days is flagged.
    "projects.lead_stale_days": 30,
    # Public votes: one per proposal per browser cookie, and at most this many per proposal per
    # IP address per day (people behind one NAT share an address).
    "projects.votes_per_ip_per_day": 5,
    # Public proposals accepted per IP address per day.
    "projects.proposals_per_ip_per_day": 5,
    # Working days a department has to clear a blocker raised as a coordination case.
    "projects.blocker_workdays": 10,
    # Extra stage moves allowed beyond the table in workflows.py: [[from, to], …].
    "projects.stage_skip_allowed": [],
}

# One line per key, shown with its default on the admin's Settings page.
DESCRIPTIONS: dict[str, Any] = {
    "projects.lead_stale_days": gettext_lazy("An investment lead without activity for this many days is flagged."),
    "projects.votes_per_ip_per_day": gettext_lazy("Votes per proposal from one network address a day."),
    "projects.proposals_per_ip_per_day": gettext_lazy("Public proposals from one network address a day."),
    "projects.blocker_workdays": gettext_lazy("Working days a department has to clear a project blocker."),
    "projects.stage_skip_allowed": gettext_lazy("Project stage moves allowed beyond the usual steps: [[from, to], …]."),
}

# The admin's Settings page lists these keys (projects.apps registers the check for "projects.").
registry.add_setting_keys(DEFAULTS, DESCRIPTIONS)


def get_setting(key: str, default: Any = None) -> Any:
    from shanzhi.core.models import SiteSetting

    row = SiteSetting.objects.filter(key=key).values_list("value", flat=True).first()
    if row is not None:
        return row
    django_name = key.replace(".", "_").upper()
    if hasattr(settings, django_name):
        return getattr(settings, django_name)
    return DEFAULTS.get(key, default)


# key -> (lowest, highest or None, the message): whole numbers the services pass to int().
RANGES: dict[str, tuple[int, int | None, Any]] = {
    # 0 days would flag every lead at once; the highest keeps `today - days` a date.
    "projects.lead_stale_days": (1, 3650, gettext_lazy("A whole number of days from 1 to 3650.")),
    # 0 would refuse every vote or proposal as "too many from your network".
    "projects.votes_per_ip_per_day": (1, None, gettext_lazy("A whole number of votes, 1 or more.")),
    "projects.proposals_per_ip_per_day": (1, None, gettext_lazy("A whole number of proposals, 1 or more.")),
    # The deadline is counted day by day on the working-day calendar.
    "projects.blocker_workdays": (1, 365, gettext_lazy("A whole number of working days from 1 to 365.")),
}


def validate(key: str, value: Any) -> None:
    """Refuse a value the projects app cannot use, saying what is allowed (a stage list of
    unknown stages was silently ignored, and "abc" days made the leads page a 500)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from shanzhi.projects.workflows import PROJECT_ORDER

    if key not in DEFAULTS:
        raise checks.unknown(key, DEFAULTS)
    if key == "projects.stage_skip_allowed":
        pairs_ok = isinstance(value, list) and all(
            isinstance(p, list) and len(p) == 2 and p[0] in PROJECT_ORDER and p[1] in PROJECT_ORDER and p[0] != p[1]
            for p in value
        )
        if not pairs_ok:
            raise ValidationError(
                _(
                    'A list of [from, to] pairs of two different stages, such as [["planning", "started"]]; the stages are %(s)s.'
                )
                % {"s": ", ".join(PROJECT_ORDER)}
            )
        return
    checks.check_range(value, *RANGES[key])
