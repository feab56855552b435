"""Builders for Open311 tests (real rows)."""

from __future__ import annotations

import io

from shanzhi.cases import services as case_services
from shanzhi.cases.models import Case, Category
from shanzhi.open311 import services

KEY = "test-open311-key-0123456789"
IN_A1 = {"lat": "22.515", "long": "113.355"}  # inside grid A1 / community A of the `org` fixture


def make_services(org) -> dict[str, Category]:
    top = Category.objects.create(code="city", name="城市管理")
    return {
        "top": top,
        "garbage": Category.objects.create(
            code="garbage",
            name="垃圾清运",
            parent=top,
            description="垃圾桶满溢、清运不及时",
            keywords="垃圾，清运, 垃圾桶",
            default_department=org.departments["urban"],
            deadline_workdays=3,
        ),
        "light": Category.objects.create(
            code="street-light", name="路灯照明", parent=top, default_department=org.departments["urban"]
        ),
        "retired": Category.objects.create(code="retired", name="停用", parent=top, is_active=False),
    }


def make_key(name: str = "test-client", raw: str = KEY):
    key, _raw = services.apikey_create(actor=None, name=name, raw_key=raw)
    return key


def make_request(key, category, **kw):
    """An Open311 request in grid A1 through the real service."""
    data = services.RequestInput(
        category=category,
        description=kw.pop("description", "西苑小区东门垃圾桶满溢两天未清运"),
        latitude=kw.pop("latitude", 22.515),
        longitude=kw.pop("longitude", 113.355),
        address=kw.pop("address", "西苑小区东门"),
        **kw,
    )
    record, _created = services.open311_request_create(api_key=key, data=data)
    return record


def reply_to(case: Case, admin) -> Case:
    """Take the case to "replied" (public status closed) through the real workflow."""
    if case.status == Case.Status.RECEIVED:
        case = case_services.case_transition(case=case, action="dispatch", actor=admin, department=case.department)
    for action, params in [("sign", {}), ("start", {}), ("reply", {"note": "已清运完毕，联系电话13900001111"})]:
        case = case_services.case_transition(case=case, action=action, actor=admin, **params)
    return case


def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()
