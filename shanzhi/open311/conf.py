"""Configurable constants of the Open311 adapter, kept in `core.SiteSetting` rows keyed
"open311.*" (changed in the admin without a deploy). The jurisdiction id also reads the
OPEN311_JURISDICTION_ID setting / environment, for installations that fix it at deploy time."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy

from shanzhi.core import setting_checks as checks
from shanzhi.core.registry import registry

CACHE_KEY = "shanzhi:open311:settings"


def _default_jurisdiction() -> str:
    return getattr(settings, "OPEN311_JURISDICTION_ID", None) or os.environ.get(
        "SHANZHI_OPEN311_JURISDICTION_ID", "shanzhi.local"
    )


DEFAULTS: dict[str, Any] = {
    # The jurisdiction_id this installation answers to; any other is a 404.
    "open311.jurisdiction_id": "",  # empty: _default_jurisdiction()
    # GET requests: default window and maximum rows (the spec's 90 days / 1000).
    "open311.default_days": 90,
    "open311.max_requests": 1000,
    # Which kinds of case are public through Open311 (internal findings, coordination items,
    # whistle-blowing and enterprise requests are not).
    "open311.public_kinds": ["request", "hotline"],
    # Whose descriptions are published: "open311" (only what Open311 clients posted, which
    # they published themselves), "all" or "none". Phone and ID numbers are masked anyway.
    "open311.publish_descriptions": "open311",
    # Contact shown in discovery.
    "open311.contact": "",
}

# The kinds a setting may publish: what residents reported and what patrols found. An
# enterprise's request (its business), a coordination item between units and a whistle-blowing
# (吹哨) stay internal whatever the setting says.
PUBLISHABLE_KINDS = ("request", "hotline", "finding")

# One line per key, shown with its default on the admin's Settings page.
DESCRIPTIONS: dict[str, Any] = {
    "open311.jurisdiction_id": gettext_lazy(
        "The jurisdiction_id Open311 clients must send; empty: the deployment's OPEN311_JURISDICTION_ID."
    ),
    "open311.default_days": gettext_lazy("Open311 lists: the window without dates and the longest span, in days."),
    "open311.max_requests": gettext_lazy("Open311 lists: most requests in one answer."),
    "open311.public_kinds": gettext_lazy("Kinds of case Open311 shows."),
    "open311.publish_descriptions": gettext_lazy(
        "Whose descriptions Open311 publishes: open311 (those its clients posted), all or none."
    ),
    "open311.contact": gettext_lazy("Contact shown in the Open311 discovery."),
}

# The admin's Settings page lists these keys (open311.apps registers the check for "open311.").
registry.add_setting_keys(DEFAULTS, DESCRIPTIONS)


def _load() -> dict[str, Any]:
    data = cache.get(CACHE_KEY)
    if data is None:
        from shanzhi.core.models import SiteSetting

        data = dict(SiteSetting.objects.filter(key__startswith="open311.").values_list("key", "value"))
        cache.set(CACHE_KEY, data, 60)
    return data


def get(key: str) -> Any:
    value = _load().get(key, DEFAULTS[key])
    if key == "open311.jurisdiction_id" and not value:
        return _default_jurisdiction()
    return value


def clear_cache() -> None:
    cache.delete(CACHE_KEY)


# key -> (lowest, highest, the message): whole numbers the views pass to int().
RANGES: dict[str, tuple[int, int, Any]] = {
    # 0 days would refuse every window; the highest keeps `now - days` a date.
    "open311.default_days": (1, 3650, gettext_lazy("A whole number of days from 1 to 3650.")),
    # 0 would answer every list empty; the highest keeps one answer quick.
    "open311.max_requests": (1, 10000, gettext_lazy("A whole number of requests from 1 to 10000.")),
}
PUBLISH_POLICIES = ("open311", "all", "none")
TEXT_MAX = {"open311.jurisdiction_id": 100, "open311.contact": 200}


def validate(key: str, value: Any) -> None:
    """Refuse a value the adapter cannot use, saying what is allowed (a "days" of "abc" made
    every list a 500; an unknown policy published every description)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if key not in DEFAULTS:
        raise checks.unknown(key, DEFAULTS)
    if key in RANGES:
        checks.check_range(value, *RANGES[key])
    elif key == "open311.public_kinds":
        if not isinstance(value, list) or not all(isinstance(k, str) and k in PUBLISHABLE_KINDS for k in value):
            raise ValidationError(
                _(
                    "A list of kinds of case, each one of %(kinds)s: enterprise requests, coordination items and "
                    "whistle-blowing stay internal."
                )
                % {"kinds": ", ".join(PUBLISHABLE_KINDS)}
            )
    elif key == "open311.publish_descriptions":
        if value not in PUBLISH_POLICIES:
            raise ValidationError(_("One of %(values)s.") % {"values": ", ".join(f'"{p}"' for p in PUBLISH_POLICIES)})
    elif key == "open311.jurisdiction_id":
        # Compared with the client's value, stripped: a space could never match.
        if not isinstance(value, str) or len(value) > TEXT_MAX[key] or any(c.isspace() for c in value):
            raise ValidationError(
                _(
                    'An id without spaces, at most %(n)d characters, such as "shanzhi.local"; "" for the '
                    "deployment's OPEN311_JURISDICTION_ID."
                )
                % {"n": TEXT_MAX[key]}
            )
    elif not isinstance(value, str) or len(value) > TEXT_MAX[key]:
        raise ValidationError(_("A text of at most %(n)d characters.") % {"n": TEXT_MAX[key]})
