"""Configurable constants of field work: a SiteSetting row keyed "fieldwork.<name>" wins over
the default here (so another 街道 tunes them without a deployment)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from shanzhi.core import setting_checks as checks
from shanzhi.core.registry import registry

PREFIX = "fieldwork."

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


# One line per key, shown with its default on the admin's Settings page.
DESCRIPTIONS: dict[str, Any] = {
    "wish_flag_days": gettext_lazy("Flag a published wish still unclaimed this many days before its deadline."),
    "group_dispute_workers": gettext_lazy("A labour dispute with at least this many workers is a group dispute."),
    "finding_workdays": gettext_lazy("Default rectification time of a patrol finding, in working days."),
    "ack_minutes": gettext_lazy("Minutes to acknowledge an incident alert when the chain step gives none."),
    "photo_max_bytes": gettext_lazy("Largest field-work photo, in bytes."),
    "photo_max_side": gettext_lazy("Longest side of a field-work photo after re-encoding, in pixels."),
    "wish_prefix": gettext_lazy("Letters at the start of every micro-wish code."),
    "dispute_prefix": gettext_lazy("Letters at the start of every dispute code."),
    "patrol_prefix": gettext_lazy("Letters at the start of every patrol code."),
    "incident_prefix": gettext_lazy("Letters at the start of every incident code."),
}

# The admin's Settings page lists these keys as the rows are named ("fieldwork.<name>");
# fieldwork.apps registers the check for "fieldwork.".
registry.add_setting_keys(
    {PREFIX + name: value for name, value in DEFAULTS.items()},
    {PREFIX + name: text for name, text in DESCRIPTIONS.items()},
)


def get(name: str) -> Any:
    from shanzhi.core.models import SiteSetting

    value = SiteSetting.objects.filter(key=f"{PREFIX}{name}").values_list("value", flat=True).first()
    return DEFAULTS[name] if value is None else value


# name -> (lowest, highest or None, the message): whole numbers the services pass to int().
RANGES: dict[str, tuple[int, int | None, Any]] = {
    # 0: flagged on the deadline day; the highest keeps `today + days` a date.
    "wish_flag_days": (0, 365, gettext_lazy("A whole number of days from 0 to 365 (0: on the deadline day).")),
    # A "group" of one would make every labour dispute a group dispute.
    "group_dispute_workers": (2, None, gettext_lazy("A whole number of workers, 2 or more.")),
    # services.finding_create refuses a rectification time outside 1–60 working days.
    "finding_workdays": (1, 60, gettext_lazy("A whole number of working days from 1 to 60.")),
    "ack_minutes": (1, 1440, gettext_lazy("A whole number of minutes from 1 to 1440 (one day).")),
    # The refusal states the limit in whole MB, so less than 1 MB would read "larger than 0 MB".
    "photo_max_bytes": (
        checks.MB,
        50 * checks.MB,
        gettext_lazy("A whole number of bytes from 1048576 (1 MB) to 52428800 (50 MB)."),
    ),
    "photo_max_side": (320, 8192, gettext_lazy("A whole number of pixels from 320 to 8192.")),
}


def validate(key: str, value: Any) -> None:
    """Refuse a value field work cannot use, saying what is allowed (a prefix of 15 letters
    made every new wish fail on its 20-character code)."""

    name = key.removeprefix(PREFIX)
    if not key.startswith(PREFIX) or name not in DEFAULTS:
        raise checks.unknown(key, (PREFIX + n for n in DEFAULTS))
    if name.endswith("_prefix"):
        checks.check_code_prefix(value, DEFAULTS[name])
        return
    checks.check_range(value, *RANGES[name])
