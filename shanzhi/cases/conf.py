"""Configurable constants of the cases app, kept in `core.SiteSetting` rows keyed "cases.*".

Defaults are the published figures in PRODUCT.md (Zhongshan deadlines, one Beijing district's
three-rate weights); an administrator changes them in the admin (Settings) without a deploy.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy

from shanzhi.cases.models import DEADLINE_WORKDAYS_MAX
from shanzhi.core import setting_checks as checks
from shanzhi.core.registry import registry

CACHE_KEY = "shanzhi:cases:settings"

DEFAULTS: dict[str, Any] = {
    # Public tracking code: <prefix><yymmdd><random>.
    "cases.code_prefix": "SZ",
    # Deadline by nature of the request, in working days (Zhongshan 12345).
    "cases.deadline_workdays_by_nature": {
        "consultation": 2,
        "praise": 2,
        "help": 10,
        "suggestion": 10,
        "complaint": 15,
        "report": 15,
    },
    # 企业家直通车: enterprise requests get at most this many working days.
    "cases.enterprise_deadline_workdays": 5,
    # A dispatched case must be signed for within this many working hours.
    "cases.sign_workhours": 2,
    # Warn the handler this many working hours before the deadline.
    "cases.warn_workhours": 8,
    # Escalation chain: level 1 = the handling unit's leader (department leader / community),
    # level 2 = the street's leaders. Overdue cases climb one level per this many working days.
    "cases.escalate_every_workdays": 1,
    "cases.max_escalation_level": 2,
    # Routing: below this classifier confidence the case goes to the dispatch desk.
    "cases.routing_min_confidence": 0.55,
    "cases.auto_dispatch": True,
    # Likely duplicates: same category, within this distance, received within these days.
    "cases.duplicate_radius_m": 150,
    "cases.duplicate_days": 7,
    # Three rates (接诉即办). 满意率 = (satisfied + basic_weight × basically satisfied) / valid.
    "cases.rates": {
        "basic_satisfied_weight": 0.9,
        "weight_response": 0.1,
        "weight_resolution": 0.5,
        "weight_satisfaction": 0.4,
    },
    # Photos at intake.
    "cases.max_photos": 3,
    "cases.max_photo_bytes": 5 * 1024 * 1024,
}

# One line per key, shown with its default on the admin's Settings page.
DESCRIPTIONS: dict[str, Any] = {
    "cases.code_prefix": gettext_lazy("Letters at the start of every public tracking code."),
    "cases.deadline_workdays_by_nature": gettext_lazy("Deadline by nature of the request, in working days."),
    "cases.enterprise_deadline_workdays": gettext_lazy("Longest deadline of an enterprise request, in working days."),
    "cases.sign_workhours": gettext_lazy("Working hours a unit has to sign for a dispatched case."),
    "cases.warn_workhours": gettext_lazy("Warn the handler this many working hours before the deadline."),
    "cases.escalate_every_workdays": gettext_lazy("An overdue case climbs one level per this many working days."),
    "cases.max_escalation_level": gettext_lazy(
        "Highest escalation: 1 the handling unit's leader, 2 the street's leaders."
    ),
    "cases.routing_min_confidence": gettext_lazy(
        "Below this classifier confidence (0–1) a case goes to the dispatch desk."
    ),
    "cases.auto_dispatch": gettext_lazy("Dispatch confidently routed cases without the dispatch desk."),
    "cases.duplicate_radius_m": gettext_lazy("Likely duplicates: within this distance, in metres."),
    "cases.duplicate_days": gettext_lazy("Likely duplicates: received within this many days."),
    "cases.rates": gettext_lazy("Weights of the three rates (response, resolution, satisfaction)."),
    "cases.max_photos": gettext_lazy("Photos a resident may attach at intake."),
    "cases.max_photo_bytes": gettext_lazy("Largest photo at intake, in bytes."),
}

# The admin's Settings page lists these keys (cases.apps registers the validator for "cases.").
registry.add_setting_keys(DEFAULTS, DESCRIPTIONS)


_local: dict[str, tuple[float, dict]] = {}
LOCAL_SECONDS = 5


def _load() -> dict[str, Any]:
    # A process-local copy for a few seconds: the shared cache is the database on one laptop,
    # and routing or an import reads these constants per case.
    now = time.monotonic()
    hit = _local.get(CACHE_KEY)
    if hit is not None and now - hit[0] < LOCAL_SECONDS:
        return hit[1]
    data = cache.get(CACHE_KEY)
    if data is None:
        from shanzhi.core.models import SiteSetting

        data = dict(SiteSetting.objects.filter(key__startswith="cases.").values_list("key", "value"))
        cache.set(CACHE_KEY, data, 60)
    _local[CACHE_KEY] = (now, data)
    return data


def get(key: str) -> Any:
    """The configured value, or the default (dict defaults are merged key by key)."""
    default = DEFAULTS[key]
    value = _load().get(key, default)
    if isinstance(default, dict) and isinstance(value, dict):
        return {**default, **value}
    return value


def clear_cache() -> None:
    _local.clear()
    cache.delete(CACHE_KEY)


# key -> (whole numbers only?, lowest, highest or None, the message): what each reader can use.
RANGES: dict[str, tuple[bool, float, float | None, Any]] = {
    # int(): 2.5 days would silently become 2; 0 days would be due the day it arrives.
    "cases.enterprise_deadline_workdays": (
        True,
        1,
        DEADLINE_WORKDAYS_MAX,
        gettext_lazy(
            "A whole number of working days from 1 to 250 (0 would make a case due the day it arrives; "
            "beyond a year the calendar cannot count)."
        ),
    ),
    "cases.sign_workhours": (
        True,
        1,
        None,
        gettext_lazy("A whole number of working hours, 1 or more (0 would make every case late to sign for)."),
    ),
    "cases.warn_workhours": (
        True,
        0,
        None,
        gettext_lazy("A whole number of working hours, 0 or more (0: no warning before the deadline)."),
    ),
    # The deadline job counts at least 1 anyway (max(…, 1)).
    "cases.escalate_every_workdays": (True, 1, None, gettext_lazy("A whole number of working days, 1 or more.")),
    # Level 1 = the handling unit's leader, level 2 = the street's leaders: nobody above them.
    "cases.max_escalation_level": (
        True,
        0,
        2,
        gettext_lazy("0, 1 or 2: 0 never escalates, 1 up to the handling unit's leader, 2 up to the street's leaders."),
    ),
    "cases.routing_min_confidence": (
        False,
        0,
        1,
        gettext_lazy(
            "A number from 0 to 1: a prediction's confidence is never above 1, so a higher threshold would "
            "send every case to the dispatch desk."
        ),
    ),
    "cases.duplicate_radius_m": (False, 0, None, gettext_lazy("A distance in metres, 0 or more.")),
    "cases.duplicate_days": (True, 0, None, gettext_lazy("A whole number of days, 0 or more.")),
    "cases.max_photos": (True, 0, 10, gettext_lazy("A whole number of photos from 0 to 10.")),
    # The intake form states the limit in whole MB, so less than 1 MB would read "at most 0 MB".
    "cases.max_photo_bytes": (
        True,
        checks.MB,
        50 * checks.MB,
        gettext_lazy("A whole number of bytes from 1048576 (1 MB) to 52428800 (50 MB)."),
    ),
}


def validate(key: str, value: Any) -> None:
    """Refuse a value its readers cannot use, saying what is allowed: a weight "abc" made the
    rates page, the API and the cockpit 500s, weights summing to 1.4 gave composites above
    100 %, and a routing threshold of 1.5 sent every case to the dispatch desk."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if key not in DEFAULTS:
        raise checks.unknown(key, DEFAULTS)
    default = DEFAULTS[key]
    if key == "cases.deadline_workdays_by_nature":
        if (
            not isinstance(value, dict)
            or not set(value) <= set(default)
            or not all(checks.is_whole(v) and 1 <= v <= DEADLINE_WORKDAYS_MAX for v in value.values())
        ):
            raise ValidationError(
                _(
                    "An object giving working days by nature, each a whole number from 1 to 250, for some of "
                    "these natures: %(keys)s."
                )
                % {"keys": ", ".join(sorted(default))}
            )
        return
    if isinstance(default, dict):
        if not isinstance(value, dict) or not set(value) <= set(default):
            raise ValidationError(
                _("An object with some of these keys: %(keys)s.") % {"keys": ", ".join(sorted(default))}
            )
        numbers = {k: v for k, v in value.items() if isinstance(default[k], (int, float))}
        if any(not checks.is_number(v) or v < 0 for v in numbers.values()):
            raise ValidationError(_("Each value must be a number, zero or more."))
        if key == "cases.rates":
            merged = {**default, **value}
            if merged["basic_satisfied_weight"] > 1:
                raise ValidationError(_("The weight of “basically satisfied” is at most 1."))
            total = merged["weight_response"] + merged["weight_resolution"] + merged["weight_satisfaction"]
            if abs(total - 1) > 1e-6:
                raise ValidationError(_("The three weights must add up to 1 (now %(t)s).") % {"t": round(total, 6)})
        return
    if key == "cases.code_prefix":
        checks.check_code_prefix(value, default)
        return
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValidationError(_("true or false."))
        return
    whole, low, high, message = RANGES[key]
    checks.check_range(value, low, high, message, whole=whole)


def setting_set(*, key: str, value: Any, actor) -> None:
    """Change one constant (audited); a value its readers cannot use is refused."""
    from shanzhi.core import services
    from shanzhi.core.models import SiteSetting

    if key not in DEFAULTS:
        raise KeyError(key)
    validate(key, value)
    obj = SiteSetting.objects.filter(key=key).first()
    if obj is None:
        obj = SiteSetting.objects.create(key=key, value=value)
        services.audit_log(actor=actor, action="create", obj=obj, changes={"value": value})
    else:
        old = obj.value
        obj.value = value
        obj.save(update_fields=["value"])
        services.audit_log(actor=actor, action="update", obj=obj, changes={"value": [old, value]})
    clear_cache()
