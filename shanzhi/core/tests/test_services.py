"""Generic write services: validation, audit rows, optimistic locking, soft deletion."""

import pytest
from django.core.exceptions import ValidationError

from shanzhi.core import services
from shanzhi.core.errors import ConflictError
from shanzhi.core.models import AuditEvent
from shanzhi.orgs.models import Enterprise, Grid

pytestmark = pytest.mark.django_db


def test_create_validates_and_audits(org):
    admin = org.users["admin"]
    grid = services.record_create(
        Grid, actor=admin, code="A3", name="甲3网格", community=org.communities["A"], households=300
    )
    ev = AuditEvent.objects.get(object_id=str(grid.pk), content_type__model="grid", action="create")
    assert ev.actor == admin and ev.changes["code"] == "A3"
    assert grid.created_by == admin


def test_create_refuses_invalid_and_writes_nothing(org):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.record_create(Enterprise, actor=org.users["admin"], name="坏企业", uscc="91442000000000000X")
    assert "uscc" in exc.value.message_dict
    assert not Enterprise.objects.filter(name="坏企业").exists()
    assert AuditEvent.objects.count() == before


def test_update_records_only_changed_fields(org):
    grid = org.grids["A1"]
    updated = services.record_update(grid, actor=org.users["community"], households=480, name=grid.name)
    assert updated.version == 2
    ev = AuditEvent.objects.filter(action="update", object_id=str(grid.pk)).latest("at")
    assert ev.changes == {"households": [400, 480]}


def test_stale_version_is_refused(org):
    grid = org.grids["A1"]
    services.record_update(grid, actor=org.users["admin"], households=401, expected_version=1)
    with pytest.raises(ConflictError):
        services.record_update(grid, actor=org.users["community"], households=402, expected_version=1)
    grid.refresh_from_db()
    assert grid.households == 401


def test_soft_delete_keeps_row_audits_and_restores(org):
    grid = org.grids["B2"]
    services.soft_delete(grid, actor=org.users["admin"], reason="duplicate")
    row = Grid.all_objects.get(pk=grid.pk)
    assert row.is_deleted and row.deleted_by == org.users["admin"]
    assert AuditEvent.objects.filter(action="delete", object_id=str(grid.pk), note="duplicate").exists()
    services.restore(row, actor=org.users["admin"])
    assert Grid.objects.filter(pk=grid.pk).exists()


def test_hard_delete_is_refused(org):
    with pytest.raises(RuntimeError):
        org.grids["A1"].delete()


def test_audit_events_are_append_only(org):
    ev = services.audit_log(actor=org.users["admin"], action="update", obj=org.grids["A1"])
    ev.note = "rewrite history"
    with pytest.raises(RuntimeError):
        ev.save()
    with pytest.raises(RuntimeError):
        ev.delete()


def test_audit_snapshot_handles_empty_and_set_file_fields():
    from django.db import models
    from django.db.models.fields.files import FieldFile

    from shanzhi.core.services import _jsonable

    field = models.FileField()
    empty = FieldFile(None, field, "")
    assert _jsonable(empty) == ""
    assert _jsonable(FieldFile(None, field, "a/b.png")) == "a/b.png"
