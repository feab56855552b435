"""Writes of organisations and grids: imports (all or nothing) and grid-worker assignment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanzhi.core import services
from shanzhi.core.errors import ImportRowError
from shanzhi.core.models import AuditEvent
from shanzhi.orgs import geo
from shanzhi.orgs.models import Community, Enterprise, Grid, GridAssignment, PartyMember, Volunteer


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    overlaps: list[tuple[str, str, float]] | None = None


def _err_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            " ".join(msgs) if field == "__all__" else f"{field}: {' '.join(msgs)}"
            for field, msgs in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def _load_features(raw: bytes | str) -> list[dict]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRowError(0, _("The file is not valid GeoJSON (JSON): %(e)s") % {"e": exc}) from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise ImportRowError(0, _("Expected a GeoJSON FeatureCollection."))
    if not data["features"]:
        raise ImportRowError(0, _("The FeatureCollection has no features."))
    return data["features"]


def _boundary(feature: dict, n: int) -> dict:
    try:
        geo.parse_polygon(feature)
    except geo.GeometryError as exc:
        raise ImportRowError(n, _("invalid boundary: %(r)s") % {"r": exc}) from exc
    return feature.get("geometry")


@transaction.atomic
def communities_import_geojson(*, raw: bytes | str, actor) -> ImportResult:
    """Create or update communities from features with properties `code` and `name`.
    All or nothing: the first bad feature aborts the import with its number and reason."""
    result = ImportResult()
    for n, feat in enumerate(_load_features(raw), start=1):
        props = feat.get("properties") or {}
        code, name = str(props.get("code") or "").strip(), str(props.get("name") or "").strip()
        if not code or not name:
            raise ImportRowError(n, _("properties 'code' and 'name' are required"))
        boundary = _boundary(feat, n)
        fields = {"name": name, "boundary": boundary, "is_generated": bool(props.get("generated", False))}
        existing = Community.objects.filter(code=code).first()
        try:
            if existing:
                services.record_update(existing, actor=actor, **fields)
                result.updated += 1
            else:
                services.record_create(Community, actor=actor, code=code, **fields)
                result.created += 1
        except ValidationError as exc:
            raise ImportRowError(n, _err_text(exc)) from exc
    services.audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        model=Community,
        note=f"created {result.created}, updated {result.updated}",
    )
    return result


@transaction.atomic
def grids_import_geojson(*, raw: bytes | str, actor, restrict_to_user=None) -> ImportResult:
    """Create or update grids from features with `code`, `name`, `community_code` and
    `households`. All or nothing. Overlaps between grids of one community are reported."""
    result = ImportResult()
    communities = {c.code: c for c in Community.objects.all()}
    allowed = None
    if restrict_to_user is not None:
        allowed = set(Community.objects.restrict(restrict_to_user, "change").values_list("code", flat=True))
    touched: list[Grid] = []
    for n, feat in enumerate(_load_features(raw), start=1):
        props = feat.get("properties") or {}
        code = str(props.get("code") or "").strip()
        name = str(props.get("name") or "").strip()
        ccode = str(props.get("community_code") or "").strip()
        if not code or not name or not ccode:
            raise ImportRowError(n, _("properties 'code', 'name' and 'community_code' are required"))
        community = communities.get(ccode)
        if community is None:
            raise ImportRowError(n, _("unknown community code %(c)s") % {"c": ccode})
        if allowed is not None and ccode not in allowed:
            raise ImportRowError(n, _("community %(c)s is outside your scope") % {"c": ccode})
        try:
            households = int(props.get("households") or 0)
            if households < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise ImportRowError(n, _("'households' must be a whole number ≥ 0")) from None
        boundary = _boundary(feat, n)
        fields = {
            "name": name,
            "community": community,
            "boundary": boundary,
            "households": households,
            "is_generated": bool(props.get("generated", False)),
        }
        existing = Grid.objects.filter(code=code).first()
        try:
            if existing:
                touched.append(services.record_update(existing, actor=actor, **fields))
                result.updated += 1
            else:
                touched.append(services.record_create(Grid, actor=actor, code=code, **fields))
                result.created += 1
        except ValidationError as exc:
            raise ImportRowError(n, _err_text(exc)) from exc
    result.overlaps = grid_overlaps(community_ids={g.community_id for g in touched})
    services.audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        model=Grid,
        note=f"created {result.created}, updated {result.updated}",
    )
    return result


def grid_overlaps(*, community_ids: set[int] | None = None, min_area_m2: float = 1.0) -> list[tuple[str, str, float]]:
    """Pairs of grids of the same community whose boundaries overlap (by more than rounding)."""
    qs = Grid.objects.exclude(boundary__isnull=True).only("code", "community_id", "boundary")
    if community_ids is not None:
        qs = qs.filter(community_id__in=community_ids)
    by_community: dict[int, list[tuple[str, object]]] = {}
    for g in qs:
        by_community.setdefault(g.community_id, []).append((g.code, geo.parse_polygon(g.boundary)))
    out = []
    for items in by_community.values():
        for a, b, area in geo.find_overlaps(items):
            if area >= min_area_m2:
                out.append((a, b, area))
    return out


# ---------------------------------------------------------------- people / enterprises (Excel, CSV)

PEOPLE_COLUMNS = {
    "name": ("name", "姓名"),
    "phone": ("phone", "电话", "手机"),
    "id_number": ("id_number", "身份证号"),
    "grid_code": ("grid_code", "网格编码"),
    "organization": ("organization", "党组织"),
    "skills": ("skills", "技能"),
}
ENTERPRISE_COLUMNS = {
    "name": ("name", "企业名称"),
    "uscc": ("uscc", "统一社会信用代码"),
    "address": ("address", "地址"),
    "longitude": ("longitude", "经度"),
    "latitude": ("latitude", "纬度"),
    "grid_code": ("grid_code", "网格编码"),
    "contact_name": ("contact_name", "联系人"),
    "contact_phone": ("contact_phone", "联系电话"),
    "size": ("size", "规模"),
    "industry": ("industry", "行业"),
    "employees": ("employees", "从业人数"),
}


def _pick(row: dict, aliases: Sequence[str]) -> str:
    for a in aliases:
        if a in row:
            return row[a]
    return ""


def _grid_for(code: str, n: int, allowed_grids) -> Grid | None:
    if not code:
        return None
    grid = Grid.objects.filter(code=code).select_related("community").first()
    if grid is None:
        raise ImportRowError(n, _("unknown grid code %(c)s") % {"c": code}, column="grid_code")
    if allowed_grids is not None and grid.pk not in allowed_grids:
        raise ImportRowError(n, _("grid %(c)s is outside your scope") % {"c": code}, column="grid_code")
    return grid


def _allowed_grid_ids(actor) -> set[int] | None:
    from shanzhi.core.scoping import scope_for

    if scope_for(actor).is_all:
        return None
    return set(Grid.objects.restrict(actor, "change").values_list("pk", flat=True)) | (
        set(Grid.objects.filter(community__in=Community.objects.restrict(actor, "change")).values_list("pk", flat=True))
    )


@transaction.atomic
def people_import(*, rows: list[dict], kind: str, actor) -> ImportResult:
    """Import party members or volunteers. Row numbers count the header as row 1."""
    model = {"party_member": PartyMember, "volunteer": Volunteer}[kind]
    allowed = _allowed_grid_ids(actor)
    result = ImportResult()
    from shanzhi.orgs.models import PartyOrganization

    for i, row in enumerate(rows, start=2):
        name = _pick(row, PEOPLE_COLUMNS["name"])
        if not name:
            raise ImportRowError(i, _("name is required"), column="name")
        grid = _grid_for(_pick(row, PEOPLE_COLUMNS["grid_code"]), i, allowed)
        fields = {
            "name": name,
            "phone": _pick(row, PEOPLE_COLUMNS["phone"]),
            "id_number": _pick(row, PEOPLE_COLUMNS["id_number"]),
            "grid": grid,
            "community": grid.community if grid else None,
        }
        if model is PartyMember:
            org_name = _pick(row, PEOPLE_COLUMNS["organization"])
            if org_name:
                org = PartyOrganization.objects.filter(name=org_name).first()
                if org is None:
                    raise ImportRowError(
                        i, _("unknown party organisation %(o)s") % {"o": org_name}, column="organization"
                    )
                fields["organization"] = org
        else:
            fields["skills"] = _pick(row, PEOPLE_COLUMNS["skills"])
        try:
            services.record_create(model, actor=actor, **fields)
        except ValidationError as exc:
            raise ImportRowError(i, _err_text(exc)) from exc
        result.created += 1
    services.audit_log(actor=actor, action=AuditEvent.Action.IMPORT, model=model, note=f"created {result.created}")
    return result


@transaction.atomic
def enterprises_import(*, rows: list[dict], actor) -> ImportResult:
    allowed = _allowed_grid_ids(actor)
    result = ImportResult()
    sizes = {v: v for v in Enterprise.Size.values} | {str(label): v for v, label in Enterprise.Size.choices}
    sizes |= {"大型": "large", "中型": "medium", "小型": "small", "微型": "micro"}
    for i, row in enumerate(rows, start=2):
        name = _pick(row, ENTERPRISE_COLUMNS["name"])
        if not name:
            raise ImportRowError(i, _("name is required"), column="name")
        grid = _grid_for(_pick(row, ENTERPRISE_COLUMNS["grid_code"]), i, allowed)
        if allowed is not None and grid is None:
            raise ImportRowError(i, _("a grid code inside your scope is required"), column="grid_code")
        coords = {}
        for key in ("longitude", "latitude"):
            raw = _pick(row, ENTERPRISE_COLUMNS[key])
            try:
                coords[key] = float(raw) if raw else None
            except ValueError:
                raise ImportRowError(i, _("%(k)s is not a number: %(v)s") % {"k": key, "v": raw}, column=key) from None
        size_raw = _pick(row, ENTERPRISE_COLUMNS["size"]) or "small"
        if size_raw not in sizes:
            raise ImportRowError(i, _("unknown size %(s)s") % {"s": size_raw}, column="size")
        employees_raw = _pick(row, ENTERPRISE_COLUMNS["employees"])
        try:
            employees = int(float(employees_raw)) if employees_raw else None
        except ValueError:
            raise ImportRowError(
                i, _("employees is not a number: %(v)s") % {"v": employees_raw}, column="employees"
            ) from None
        fields = {
            "name": name,
            "uscc": _pick(row, ENTERPRISE_COLUMNS["uscc"]).upper(),
            "address": _pick(row, ENTERPRISE_COLUMNS["address"]),
            "grid": grid,
            "community": grid.community if grid else None,
            "contact_name": _pick(row, ENTERPRISE_COLUMNS["contact_name"]),
            "contact_phone": _pick(row, ENTERPRISE_COLUMNS["contact_phone"]),
            "size": sizes[size_raw],
            "industry": _pick(row, ENTERPRISE_COLUMNS["industry"]),
            "employees": employees,
            **coords,
        }
        try:
            services.record_create(Enterprise, actor=actor, **fields)
        except ValidationError as exc:
            raise ImportRowError(i, _err_text(exc)) from exc
        result.created += 1
    services.audit_log(actor=actor, action=AuditEvent.Action.IMPORT, model=Enterprise, note=f"created {result.created}")
    return result


@transaction.atomic
def grid_assign_worker(*, grid: Grid, user, role: str = GridAssignment.Role.WORKER, actor) -> GridAssignment:
    existing = GridAssignment.objects.filter(grid=grid, user=user).first()
    if existing:
        if existing.role != role:
            return services.record_update(existing, actor=actor, role=role)
        return existing
    return services.record_create(GridAssignment, actor=actor, grid=grid, user=user, role=role)


def locate_grid(lon: float, lat: float) -> Grid | None:
    """The grid containing a point (cached locator over all grids; rebuilt when grids change)."""
    from shanzhi.orgs.selectors import grid_locator

    gid = grid_locator().locate(lon, lat)
    return Grid.objects.filter(pk=gid).select_related("community").first() if gid is not None else None
