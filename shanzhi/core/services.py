"""Generic write services: create, update, soft-delete and restore with an audit row.

Domain services call these (or `audit_log`) so that every write has an explicit actor and
leaves an append-only trace. They run inside one transaction with the caller's changes.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core import db
from shanzhi.core.errors import ConflictError, ValidationError
from shanzhi.core.middleware import current_request
from shanzhi.core.models import AuditEvent
from shanzhi.core.texts import Text

_SCALARS = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    if type(value) in _SCALARS:  # most values of a snapshot: no isinstance chain
        return value
    if isinstance(value, models.Model):
        return {"id": value.pk, "repr": str(value)[:200]}
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _SCALARS else _jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): v if type(v) in _SCALARS else _jsonable(v) for k, v in value.items()}
    if isinstance(value, Text):
        return value.to_json()  # rendered in the reader's language (texts.render)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _client_ip() -> str | None:
    request = current_request()
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


def audit_row(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    note: str = "",
    model: type[models.Model] | None = None,
    object_id: str = "",
) -> AuditEvent:
    """One audit row, not yet saved (`audit_log` saves it; writers of many rows pass them to
    `core.db.insert` together)."""
    target_model = type(obj) if obj is not None else model
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(target_model) if target_model else None,
        object_id=str(obj.pk) if obj is not None else object_id,
        object_repr=str(obj)[:300] if obj is not None else "",
        changes=_jsonable(changes or {}),
        note=note,
        ip_address=_client_ip(),
    )


def audit_log(**fields) -> AuditEvent:
    """Append one audit row (the arguments of `audit_row`)."""
    row = audit_row(**fields)
    db.insert([row])
    return row


def snapshot(obj: models.Model) -> dict[str, Any]:
    exclude = set(getattr(obj, "audit_exclude", ()))
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in exclude:
            continue
        data[f.name] = getattr(obj, f.attname)
    return data


def _full_clean(obj: models.Model) -> None:
    obj.full_clean(exclude=["created_by", "updated_by", "deleted_by"])


@transaction.atomic
def record_create(model: type[models.Model], *, actor, m2m: dict | None = None, **fields) -> models.Model:
    """Validate and create a record, then audit it."""
    obj = model(**fields)
    if hasattr(obj, "created_by_id"):
        obj.created_by = actor if getattr(actor, "pk", None) else None
        obj.updated_by = obj.created_by
    _full_clean(obj)
    obj.save()
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    audit_log(actor=actor, action=AuditEvent.Action.CREATE, obj=obj, changes=snapshot(obj))
    return obj


@transaction.atomic
def record_update(
    obj: models.Model, *, actor, expected_version: int | None = None, m2m: dict | None = None, **changes
) -> models.Model:
    """Apply field changes with optimistic locking; audit the fields that really changed."""
    model = type(obj)
    locked = model.all_objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            f"This record was changed by someone else (version {locked.version}, yours {expected_version}). Reload and try again."
        )
    if locked.is_deleted:
        raise ValidationError("This record has been deleted.")
    before = snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.updated_by = actor if getattr(actor, "pk", None) else None
    _full_clean(locked)
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    for name, values in (m2m or {}).items():
        getattr(locked, name).set(values)
    after = snapshot(locked)
    diff = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v and k != "updated_by"}
    if m2m:
        diff.update({k: ["…", [getattr(v, "pk", v) for v in vals]] for k, vals in m2m.items()})
    if diff:
        audit_log(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, changes=diff)
    return locked


@transaction.atomic
def soft_delete(obj: models.Model, *, actor, reason: str = "") -> models.Model:
    """Mark a business record deleted (never removes the row) and audit it."""
    from shanzhi.core.registry import registry

    model = type(obj)
    locked = model.all_objects.select_for_update().get(pk=obj.pk)
    if locked.is_deleted:
        return locked
    blockers = registry.blockers_of(locked)
    if blockers:
        # A department with open cases, say: deleting it would leave them with nobody (→ 409).
        raise ConflictError(
            _("%(obj)s is still needed, so it stays: %(why)s.") % {"obj": locked, "why": "; ".join(blockers)}
        )
    locked.is_deleted = True
    locked.deleted_at = timezone.now()
    locked.deleted_by = actor if getattr(actor, "pk", None) else None
    locked.version = F("version") + 1
    locked.save(update_fields=["is_deleted", "deleted_at", "deleted_by", "version", "updated_at"])
    locked.refresh_from_db()
    audit_log(actor=actor, action=AuditEvent.Action.DELETE, obj=locked, note=reason)
    return locked


@transaction.atomic
def restore(obj: models.Model, *, actor, reason: str = "") -> models.Model:
    model = type(obj)
    locked = model.all_objects.select_for_update().get(pk=obj.pk)
    if not locked.is_deleted:
        return locked
    locked.is_deleted = False
    locked.deleted_at = None
    locked.deleted_by = None
    locked.version = F("version") + 1
    locked.save(update_fields=["is_deleted", "deleted_at", "deleted_by", "version", "updated_at"])
    locked.refresh_from_db()
    audit_log(actor=actor, action=AuditEvent.Action.RESTORE, obj=locked, note=reason)
    return locked
