"""Configurable constants of the cases app, kept in `core.SiteSetting` rows keyed "cases.*".

Defaults are the published figures in PRODUCT.md (Zhongshan deadlines, one Beijing district's
three-rate weights); an administrator changes them in the admin (Settings) without a deploy.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.cache import cache

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


def validate(key: str, value: Any) -> None:
    """Refuse a value its readers cannot use: a weight "abc" made the rates page, the API and
    the cockpit 500s, and weights summing to 1.4 gave composites above 100 %."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if key not in DEFAULTS:
        raise ValidationError(_("Unknown setting %(k)s.") % {"k": key})
    default = DEFAULTS[key]
    if isinstance(default, dict):
        if not isinstance(value, dict) or not set(value) <= set(default):
            raise ValidationError(
                _("An object with some of these keys: %(keys)s.") % {"keys": ", ".join(sorted(default))}
            )
        numbers = {k: v for k, v in value.items() if isinstance(default[k], (int, float))}
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 for v in numbers.values()):
            raise ValidationError(_("Each value must be a number, zero or more."))
        if key == "cases.rates":
            merged = {**default, **value}
            if merged["basic_satisfied_weight"] > 1:
                raise ValidationError(_("The weight of “basically satisfied” is at most 1."))
            total = merged["weight_response"] + merged["weight_resolution"] + merged["weight_satisfaction"]
            if abs(total - 1) > 1e-6:
                raise ValidationError(_("The three weights must add up to 1 (now %(t)s).") % {"t": round(total, 6)})
        return
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, (int, float)):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    else:
        ok = isinstance(value, str) and value.strip() != ""
    if not ok:
        raise ValidationError(_("A value like %(d)s is expected.") % {"d": json.dumps(default)})


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
