"""Organisation pages, forms, imports, exports and API: validation and all-or-nothing."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shanzhi.core.models import AuditEvent
from shanzhi.orgs.models import Community, Enterprise, Grid, PartyMember, Volunteer
from shanzhi.orgs.validators import validate_uscc
from shanzhi.testing.factories import make_uscc, square

pytestmark = pytest.mark.django_db


def test_uscc_check_digit():
    validate_uscc("91350100M000100Y43")  # a published example code
    from django.core.exceptions import ValidationError

    for bad in ("91350100M000100Y44", "91350100M000100Y4", "91350100M000100YI3"):
        with pytest.raises(ValidationError):
            validate_uscc(bad)


def test_grid_form_refuses_self_intersecting_polygon(client_for, org):
    c = client_for("community")
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[113.35, 22.5], [113.36, 22.51], [113.36, 22.5], [113.35, 22.51], [113.35, 22.5]]],
    }
    resp = c.post(
        reverse("orgs:grid_add"),
        {
            "code": "A9",
            "name": "坏网格",
            "community": org.communities["A"].pk,
            "households": 300,
            "boundary": json.dumps(bowtie),
        },
    )
    assert resp.status_code == 200
    assert "边界无效".encode() in resp.content and b"elf-intersection" in resp.content
    assert not Grid.objects.filter(code="A9").exists()


@pytest.mark.parametrize(
    "boundary, fragment",
    [
        (
            {"type": "Polygon", "coordinates": [[[113.35, 22.5], [113.36, 22.5], [113.36, 22.51], [113.35, 22.51]]]},
            b"not closed",
        ),
        (
            {"type": "Polygon", "coordinates": [[[213.35, 22.5], [213.36, 22.5], [213.36, 22.51], [213.35, 22.5]]]},
            b"outside -180..180",
        ),
        ("not json", b"JSON"),
    ],
)
def test_grid_form_refuses_bad_polygons(client_for, org, boundary, fragment):
    c = client_for("community")
    resp = c.post(
        reverse("orgs:grid_add"),
        {
            "code": "A9",
            "name": "坏网格",
            "community": org.communities["A"].pk,
            "households": 300,
            "boundary": boundary if isinstance(boundary, str) else json.dumps(boundary),
        },
    )
    assert resp.status_code == 200 and fragment in resp.content
    assert not Grid.objects.filter(code="A9").exists()


def test_overlapping_grid_is_reported(client_for, org):
    c = client_for("community")
    resp = c.post(
        reverse("orgs:grid_add"),
        {
            "code": "A3",
            "name": "甲3网格",
            "community": org.communities["A"].pk,
            "households": 300,
            "boundary": json.dumps(square(113.355, 22.51)),  # half over A1, half over A2
        },
        follow=True,
    )
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "A3" in text and "重叠" in text


def test_community_staff_cannot_create_grid_in_other_community(client_for, org):
    c = client_for("community")
    resp = c.post(
        reverse("orgs:grid_add"),
        {
            "code": "B9",
            "name": "乙9网格",
            "community": org.communities["B"].pk,
            "households": 300,
            "boundary": "",
        },
    )
    assert resp.status_code == 200  # the form refuses the choice
    assert not Grid.objects.filter(code="B9").exists()


def test_edit_with_stale_version_is_refused(client_for, org):
    c = client_for("community")
    grid = org.grids["A1"]
    url = reverse("orgs:grid_edit", args=[grid.pk])
    data = {
        "code": "A1",
        "name": "甲1网格（改）",
        "community": org.communities["A"].pk,
        "households": 410,
        "boundary": json.dumps(grid.boundary),
        "_version": "1",
    }
    assert c.post(url, data).status_code == 302
    data["name"] = "甲1网格（旧页面）"
    resp = c.post(url, data)
    assert resp.status_code == 200 and b"changed by someone else" in resp.content
    grid.refresh_from_db()
    assert grid.name == "甲1网格（改）"


def test_delete_is_soft_and_needs_a_reason(client_for, org):
    c = client_for("community")
    e = org.enterprises["A"]
    # Community staff have no delete permission on enterprises.
    assert c.get(reverse("orgs:enterprise_delete", args=[e.pk])).status_code == 403
    admin = client_for("admin")
    url = reverse("orgs:enterprise_delete", args=[e.pk])
    admin.post(url, {"reason": ""})
    assert Enterprise.objects.filter(pk=e.pk).exists()
    admin.post(url, {"reason": "已注销"})
    assert not Enterprise.objects.filter(pk=e.pk).exists()
    assert Enterprise.all_objects.get(pk=e.pk).is_deleted
    assert AuditEvent.objects.filter(action="delete", object_id=str(e.pk), note="已注销").exists()


def test_list_search_filter_and_export_respect_scope(client_for, org):
    c = client_for("grid")
    resp = c.get(reverse("orgs:enterprise_list"))
    assert "A企业".encode() in resp.content and "B企业".encode() not in resp.content
    resp = c.get(reverse("orgs:enterprise_list") + "?export=xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "A企业有限公司"
    # Grid workers have no personal-data permission: the phone is masked in the export.
    assert rows[1][7] == "139****1111"
    assert AuditEvent.objects.filter(action="export").exists()
    leader = client_for("leader")
    resp = leader.get(reverse("orgs:enterprise_list") + "?q=B企业")
    assert "B企业".encode() in resp.content and "A企业".encode() not in resp.content


def test_detail_masks_without_permission_and_logs_unmasked_views(client_for, org):
    e = org.enterprises["A"]
    url = reverse("orgs:enterprise_detail", args=[e.pk])
    resp = client_for("grid").get(url)
    assert b"139****1111" in resp.content and b"13900001111" not in resp.content
    assert not AuditEvent.objects.filter(action="view_personal").exists()
    resp = client_for("community").get(url)
    assert b"13900001111" in resp.content
    ev = AuditEvent.objects.get(action="view_personal")
    assert ev.actor == org.users["community"] and ev.object_id == str(e.pk)


def _geojson(features):
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _feature(code, name, geom, **props):
    return {"type": "Feature", "geometry": geom, "properties": {"code": code, "name": name, **props}}


def test_geojson_grid_import_is_all_or_nothing(client_for, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for("admin")
    good = _feature("A5", "甲5网格", square(113.35, 22.52), community_code="C-A", households=320)
    unclosed = _feature(
        "A6",
        "甲6网格",
        {"type": "Polygon", "coordinates": [[[113.36, 22.52], [113.37, 22.52], [113.37, 22.53], [113.36, 22.53]]]},
        community_code="C-A",
        households=330,
    )
    upload = SimpleUploadedFile("grids.geojson", _geojson([good, unclosed]))
    resp = c.post(reverse("orgs:import_geojson"), {"kind": "grids", "file": upload})
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "未导入任何数据" in text and "第 2 个要素" in text
    assert not Grid.objects.filter(code__in=["A5", "A6"]).exists()
    upload = SimpleUploadedFile("grids.geojson", _geojson([good]))
    resp = c.post(reverse("orgs:import_geojson"), {"kind": "grids", "file": upload})
    assert resp.status_code == 302
    assert Grid.objects.get(code="A5").households == 320


def test_geojson_community_import_only_for_admins(client_for, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    feat = _feature("C-Z", "丙社区", square(113.40, 22.50))
    resp = client_for("community").post(
        reverse("orgs:import_geojson"),
        {"kind": "communities", "file": SimpleUploadedFile("c.geojson", _geojson([feat]))},
    )
    assert resp.status_code == 200 and not Community.objects.filter(code="C-Z").exists()
    resp = client_for("admin").post(
        reverse("orgs:import_geojson"),
        {"kind": "communities", "file": SimpleUploadedFile("c.geojson", _geojson([feat]))},
    )
    assert resp.status_code == 302 and Community.objects.filter(code="C-Z").exists()


def _xlsx(header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_enterprise_excel_import_reports_bad_row_and_writes_nothing(client_for, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = ["企业名称", "统一社会信用代码", "网格编码", "联系电话", "规模"]
    rows = [
        ["甲一公司", make_uscc(900), "A1", "13800000001", "小型"],
        ["甲二公司", "91442000000000000X", "A1", "13800000002", "小型"],
        ["甲三公司", make_uscc(901), "A2", "13800000003", "中型"],
    ]
    upload = SimpleUploadedFile("e.xlsx", _xlsx(header, rows))
    resp = client_for("community").post(reverse("orgs:import_table"), {"kind": "enterprise", "file": upload})
    text = resp.content.decode()
    assert resp.status_code == 200 and "第 3 行" in text and "uscc" in text
    assert not Enterprise.objects.filter(name__startswith="甲").exists()
    rows[1][1] = make_uscc(902)
    upload = SimpleUploadedFile("e.xlsx", _xlsx(header, rows))
    resp = client_for("community").post(reverse("orgs:import_table"), {"kind": "enterprise", "file": upload})
    assert resp.status_code == 302
    assert Enterprise.objects.filter(name__startswith="甲").count() == 3
    assert Enterprise.objects.get(name="甲三公司").community == org.communities["A"]


def test_import_refuses_rows_outside_scope(client_for, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv_bytes = "姓名,电话,网格编码\n张三,13800000001,A1\n李四,13800000002,B1\n".encode()
    resp = client_for("grid").post(
        reverse("orgs:import_table"), {"kind": "volunteer", "file": SimpleUploadedFile("v.csv", csv_bytes)}
    )
    assert "第 3 行" in resp.content.decode()
    assert not Volunteer.objects.filter(name__in=["张三", "李四"]).exists()


def test_import_refuses_non_table_file(client_for, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client_for("admin").post(
        reverse("orgs:import_table"),
        {"kind": "party_member", "file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04garbage")},
    )
    assert resp.status_code == 200 and b"Excel" in resp.content
    assert not PartyMember.objects.exists()


def test_map_data_is_scoped_geojson(client_for, org):
    data = client_for("grid").get(reverse("orgs:map_data")).json()
    assert {f["properties"]["code"] for f in data["grids"]["features"]} == {"A1", "A2", "B1", "B2"}
    assert client_for("resident").get(reverse("orgs:map_data")).status_code == 403


def test_api_crud_validation_and_scope(api_for, org):
    api = api_for("community")
    resp = api.get("/api/orgs/enterprises/")
    assert resp.status_code == 200 and [e["name"] for e in resp.json()["results"]] == ["A企业有限公司"]
    assert resp.json()["results"][0]["contact_phone"] == "13900001111"  # community staff see personal data
    resp = api_for("grid").get("/api/orgs/enterprises/")
    assert resp.json()["results"][0]["contact_phone"] == "139****1111"
    assert api.get(f"/api/orgs/enterprises/{org.enterprises['B'].pk}/").status_code == 404
    resp = api.post(
        "/api/orgs/enterprises/", {"name": "新企业", "uscc": "123", "grid": org.grids["A1"].pk}, format="json"
    )
    assert resp.status_code == 400 and "uscc" in resp.json()
    resp = api.post(
        "/api/orgs/enterprises/",
        {"name": "越界企业", "uscc": make_uscc(903), "grid": org.grids["B1"].pk, "community": org.communities["B"].pk},
        format="json",
    )
    assert resp.status_code == 403 and not Enterprise.objects.filter(name="越界企业").exists()
    resp = api.post(
        "/api/orgs/grids/",
        {
            "code": "A7",
            "name": "甲7",
            "community": org.communities["A"].pk,
            "boundary": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
        },
        format="json",
    )
    assert resp.status_code == 400 and "boundary" in resp.json()
    resp = api.delete(f"/api/orgs/grids/{org.grids['A2'].pk}/")
    assert resp.status_code == 403  # community staff may not delete grids
    resp = api_for("admin").delete(f"/api/orgs/grids/{org.grids['A2'].pk}/")
    assert resp.status_code == 204 and Grid.all_objects.get(pk=org.grids["A2"].pk).is_deleted
