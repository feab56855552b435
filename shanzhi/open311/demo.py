"""Demo Open311 client: a key with a FIXED, documented value (docs/open311.md) so that the
README's curl examples work, and three requests received through it. Demo mode only
(`load_demo` refuses production). Idempotent: a second run changes nothing."""

from __future__ import annotations

from django.conf import settings

from shanzhi.cases.models import Case
from shanzhi.open311 import selectors, services
from shanzhi.open311.models import ApiKey, ServiceRequest

DEMO_KEY = "shanzhi-demo-open311-key"
DEMO_CLIENT = "demo-open311-client"

# service code, description, lat, long, address, nature, media URL
DEMO_REQUESTS = [
    (
        "street-light",
        "康景路与翠峰路交界处路灯连续三晚不亮，夜间行人过马路不安全。",
        22.5203,
        113.3581,
        "康景路与翠峰路交界",
        "help",
        "",
    ),
    (
        "garbage",
        "西苑小区东门垃圾桶满溢两天未清运，气味很大。",
        22.5414,
        113.3415,
        "西苑小区东门",
        "complaint",
        "https://example.org/open311-demo/garbage.jpg",
    ),
    (
        "road-damage",
        "金华路公交站前路面塌陷一处，约半米宽，雨天积水。",
        22.5176,
        113.3544,
        "金华路公交站",
        "report",
        "",
    ),
]


def load(stdout=None) -> None:
    if getattr(settings, "PRODUCTION", False):
        return
    key = ApiKey.all_objects.filter(key_hash=services.hash_key(DEMO_KEY)).first()
    if key is None:
        key, _raw = services.apikey_create(actor=None, name=DEMO_CLIENT, raw_key=DEMO_KEY, is_generated=True)
        if stdout:
            stdout.write(f"open311: demo API key {DEMO_KEY}")
    if ServiceRequest.all_objects.filter(is_generated=True).exists():
        return
    made = 0
    codes = {c.code: c for c in selectors.services_queryset()}
    fallback = list(codes.values())
    for i, (code, text, lat, lon, address, nature, media) in enumerate(DEMO_REQUESTS):
        category = codes.get(code) or (fallback[i % len(fallback)] if fallback else None)
        if category is None:
            break
        data = services.RequestInput(
            category=category,
            description=text,
            latitude=lat,
            longitude=lon,
            address=address,
            nature=nature,
            attributes={"nature": nature},
            media_url=media,
            device_id=f"demo-device-{i + 1}",
        )
        record, _created = services.open311_request_create(
            api_key=key, data=data, idempotency_key=f"demo-{i + 1}", is_generated=True
        )
        # The demo marker of the case itself (case_create has no such argument).
        Case.all_objects.filter(pk=record.case_id).update(is_generated=True)
        made += 1
    if stdout:
        stdout.write(f"open311: {made} demo requests")
