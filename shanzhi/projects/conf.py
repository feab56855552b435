"""Configurable constants of the projects app: a SiteSetting row (key "projects.<name>")
overrides the Django setting PROJECTS_<NAME>, which overrides the default here."""

from __future__ import annotations

from typing import Any

from django.conf import settings

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


def get_setting(key: str, default: Any = None) -> Any:
    from shanzhi.core.models import SiteSetting

    row = SiteSetting.objects.filter(key=key).values_list("value", flat=True).first()
    if row is not None:
        return row
    django_name = key.replace(".", "_").upper()
    if hasattr(settings, django_name):
        return getattr(settings, django_name)
    return DEFAULTS.get(key, default)
