"""Configurable constants of field work: a SiteSetting row keyed "fieldwork.<name>" wins over
the default here (so another 街道 tunes them without a deployment)."""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # A published wish still unclaimed this many days before its deadline is flagged.
    "wish_flag_days": 3,
    # A labour-wage dispute with at least this many workers is a group dispute (群体性纠纷).
    "group_dispute_workers": 10,
    # Default rectification time of a patrol finding, in working days.
    "finding_workdays": 5,
    # Acknowledgement time when a chain step gives none, in minutes.
    "ack_minutes": 5,
    # Photos: largest upload, in bytes, and largest side after re-encoding, in pixels.
    "photo_max_bytes": 5 * 1024 * 1024,
    "photo_max_side": 2560,
    # Public-tracking-code prefixes.
    "wish_prefix": "WX",
    "dispute_prefix": "MD",
    "patrol_prefix": "XC",
    "incident_prefix": "YJ",
}


def get(name: str) -> Any:
    from shanzhi.core.models import SiteSetting

    value = SiteSetting.objects.filter(key=f"fieldwork.{name}").values_list("value", flat=True).first()
    return DEFAULTS[name] if value is None else value
