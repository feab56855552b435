"""Builders of field-work rows for tests (through the services, like the application)."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shanzhi.fieldwork import services
from shanzhi.fieldwork.models import AlertChain, AlertChainStep, Checklist, PatrolPlan

GRID_ITEMS = ["人：实有人口变动", "地：房屋和场所安全", "事：矛盾纠纷和诉求", "物：公共设施完好", "组织：社会组织活动"]


def jpeg(name="photo.jpg", size=(40, 30), exif=True) -> SimpleUploadedFile:
    from PIL import Image

    img = Image.new("RGB", size, (200, 30, 30))
    buf = io.BytesIO()
    kwargs = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCam"  # Make
        ex[0x8825] = {2: (22.0, 31.0, 0.0)}  # GPS
        kwargs["exif"] = ex.tobytes()
    img.save(buf, format="JPEG", **kwargs)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def not_an_image(name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 this is not a picture" * 10, content_type="image/jpeg")


def wish(org, actor=None, **kw):
    actor = actor or org.users["community"]
    data = dict(
        title="为独居老人修理电风扇",
        beneficiary_kind="elderly",
        beneficiary_name="陈伯",
        beneficiary_phone="13800001234",
        consent=True,
        budget=100,
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        community=org.communities["A"],
        grid=org.grids["A1"],
    )
    data.update(kw)
    return services.wish_create(actor=actor, **data)


def published_wish(org, **kw):
    w = wish(org, **kw)
    return services.wish_transition(wish=w, action="publish", actor=org.users["community"])


def dispute(org, actor=None, **kw):
    actor = actor or org.users["community"]
    data = dict(
        title="邻里漏水纠纷",
        dispute_type="neighbourhood",
        description="楼上漏水到楼下",
        source="walk_in",
        community=org.communities["A"],
        grid=org.grids["A1"],
        parties=[{"name": "张三", "phone": "13811112222"}, {"name": "李四", "side": "respondent"}],
    )
    data.update(kw)
    return services.dispute_create(actor=actor, **data)


def checklist(kind="grid", items=None, name="网格巡查（五大要素）"):
    return Checklist.objects.create(name=name, kind=kind, items=items or GRID_ITEMS)


def plan(org, user=None, **kw):
    user = user or org.users["grid"]
    data = dict(
        name="甲1网格每周巡查",
        patroller=user,
        patroller_role="grid_worker",
        target="grid",
        community=org.communities["A"],
        grid=org.grids["A1"],
        checklist=kw.pop("checklist", None) or checklist(),
        frequency="weekly",
        times_per_period=2,
        starts_on=timezone.localdate() - datetime.timedelta(days=60),
    )
    data.update(kw)
    return PatrolPlan.objects.create(**data)


def chain(org, *, levels=((1, "community", 5), (2, "leader", 5)), incident_type="", max_severity=4):
    c = AlertChain.objects.create(name="应急联动链", incident_type=incident_type, max_severity=max_severity)
    for level, role, minutes in levels:
        AlertChainStep.objects.create(chain=c, level=level, user=org.users[role], ack_minutes=minutes)
    return c


def incident(org, actor=None, **kw):
    """An incident reported by the in-scope grid worker in grid A1 (a drill flood unless told)."""
    fields = {
        "incident_type": "flood",
        "severity": 2,
        "title": "道路水浸",
        "address": "乙路",
        "grid": org.grids["A1"],
        "is_drill": True,
    }
    return services.incident_report(actor=actor or org.users["grid"], **{**fields, **kw})
