"""Configurable constants of the Open311 adapter, kept in `core.SiteSetting` rows keyed
"open311.*" (changed in the admin without a deploy). The jurisdiction id also reads the
OPEN311_JURISDICTION_ID setting / environment, for installations that fix it at deploy time."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.cache import cache

CACHE_KEY = "shanzhi:open311:settings"


def _default_jurisdiction() -> str:
    return getattr(settings, "OPEN311_JURISDICTION_ID", None) or os.environ.get(
        "SHANZHI_OPEN311_JURISDICTION_ID", "shanzhi.local"
    )


DEFAULTS: dict[str, Any] = {
    # The jurisdiction_id this installation answers to; any other is a 404.
    "open311.jurisdiction_id": None,  # None: _default_jurisdiction()
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
