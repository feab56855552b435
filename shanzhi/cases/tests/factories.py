"""Builders for cases tests (real rows)."""

from __future__ import annotations

import io

from shanzhi.cases import services
from shanzhi.cases.models import Case, Category


def make_categories(org) -> dict[str, Category]:
    top = Category.objects.create(code="urban", name="城乡建设")
    cats = {
        "top": top,
        "garbage": Category.objects.create(
            code="urban-garbage", name="垃圾清运", parent=top, default_department=org.departments["urban"]
        ),
        "clinic": Category.objects.create(
            code="health-clinic",
            name="社区医疗",
            parent=top,
            default_department=org.departments["health"],
            deadline_workdays=3,
        ),
        "other": Category.objects.create(code="urban-other", name="其他", parent=top),
    }
    return cats


def make_case(org, *, category=None, actor=None, grid_key="A1", department_key="urban", status=None, **kw) -> Case:
    """A case in grid A1 (community A) dispatched to 'urban' unless told otherwise."""
    grid = org.grids[grid_key] if grid_key else None
    dept = org.departments[department_key] if department_key else None
    kw.setdefault("description", "小区门口垃圾堆积多日无人清理，气味很大")
    case = services.case_create(
        actor=actor or org.users["admin"],
        source=Case.Source.STAFF,
        category=category,
        grid=grid,
        department=dept,
        **kw,
    )
    if status:
        drive_to(case, status, org)
    case.refresh_from_db()
    return case


def submit_case(org, *, description="垃圾", **kw) -> Case:
    """A submission through the API by community staff, at a point in grid A1 (routed by the system)."""
    kw.setdefault("longitude", 113.355)
    kw.setdefault("latitude", 22.515)
    return services.case_create(actor=org.users["community"], source=Case.Source.API, description=description, **kw)


PATH = {
    "dispatched": [],
    "signed": [("sign", {})],
    "in_progress": [("sign", {}), ("start", {})],
    "replied": [("sign", {}), ("start", {}), ("reply", {"note": "已清理完毕"})],
    "verified": [("sign", {}), ("start", {}), ("reply", {"note": "已清理完毕"}), ("verify", {})],
    "called_back": [
        ("sign", {}),
        ("start", {}),
        ("reply", {"note": "已清理完毕"}),
        ("verify", {}),
        ("callback", {"contacted": True, "resolved": True, "satisfaction": "satisfied"}),
    ],
    "closed": [
        ("sign", {}),
        ("start", {}),
        ("reply", {"note": "已清理完毕"}),
        ("verify", {}),
        ("callback", {"contacted": True, "resolved": True, "satisfaction": "satisfied"}),
        ("close", {}),
    ],
}


def drive_to(case: Case, status: str, org) -> Case:
    admin = org.users["admin"]
    for action, params in PATH[status]:
        case = services.case_transition(case=case, action=action, actor=admin, **params)
    return case


def png_bytes(size=(8, 8), with_exif_gps=False) -> bytes:
    from PIL import Image

    img = Image.new("RGB", size, (200, 30, 30))
    buf = io.BytesIO()
    if with_exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (22.0, 31.0, 0.0)}  # GPSInfo
        exif[0x010F] = "TestCam"
        img.save(buf, format="JPEG", exif=exif)
    else:
        img.save(buf, format="PNG")
    return buf.getvalue()
