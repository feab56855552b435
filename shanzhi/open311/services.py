"""Every write of the Open311 adapter: `<entity>_<verb>(*, actor, …)`, atomic, audited.

- `apikey_create` / `apikey_set_active`: a client's key (only its hash is kept) and its
  service account.
- `apikey_authenticate`: the key of a request, or None.
- `open311_request_create`: a POSTed request becomes a case through
  `cases.services.case_create(source="open311")`, plus the Open311-only fields.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from shanzhi.accounts.models import Role, User
from shanzhi.cases import services as case_services
from shanzhi.cases.models import Case, Category
from shanzhi.core import services as core_services
from shanzhi.core.models import AuditEvent
from shanzhi.open311.models import ApiKey, ServiceRequest

KEY_BYTES = 24
# Writing last_used_at on every request would make each POST two writes; a minute is enough.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _service_account_name(name: str) -> str:
    base = "open311-" + (slugify(name) or hash_key(name)[:8])
    base = base[:140]
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


@transaction.atomic
def apikey_create(*, actor, name: str, raw_key: str | None = None, is_generated: bool = False) -> tuple[ApiKey, str]:
    """Create a key and its service account; returns (key row, the key itself — shown once)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the client a name.")})
    if ApiKey.all_objects.filter(name=name).exists():
        raise ValidationError({"name": _("A key with this name exists already.")})
    raw = raw_key or secrets.token_urlsafe(KEY_BYTES)
    if len(raw) < 16:
        raise ValidationError({"key": _("A key must have at least 16 characters.")})
    if ApiKey.all_objects.filter(key_hash=hash_key(raw)).exists():
        raise ValidationError({"key": _("This key is in use already.")})
    account = User(
        username=_service_account_name(name),
        role=Role.RESIDENT,
        display_name=_("Open311 client: %(name)s") % {"name": name},
        is_demo=is_generated,
    )
    account.set_unusable_password()  # a service account never signs in
    account.save()
    core_services.audit_log(actor=actor, action=AuditEvent.Action.CREATE, obj=account, note="Open311 service account")
    key = core_services.record_create(
        ApiKey,
        actor=actor,
        name=name,
        prefix=raw[:8],
        key_hash=hash_key(raw),
        service_account=account,
        is_generated=is_generated,
    )
    return key, raw


def apikey_set_active(*, actor, key: ApiKey, active: bool) -> ApiKey:
    return core_services.record_update(key, actor=actor, is_active=active)


def apikey_authenticate(raw: str | None) -> ApiKey | None:
    """The active key matching `raw`, or None. Notes when it was last used."""
    if not raw:
        return None
    key = ApiKey.objects.filter(key_hash=hash_key(raw), is_active=True).select_related("service_account").first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        # Bookkeeping, not a change of the record: no version bump, no audit row.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


# ----------------------------------------------------------------------------- requests


@dataclass
class RequestInput:
    """A validated POST (the view turns every bad parameter into a 400 before this)."""

    category: Category
    description: str
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    nature: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    photos: list = field(default_factory=list)


def _case_idempotency_key(key: ApiKey, client_key: str) -> str:
    # Namespaced per API key, so two clients' keys never meet; hashed to fit the column.
    return f"open311-{key.pk}-{hashlib.sha256(client_key.encode('utf-8')).hexdigest()[:48]}"


def open311_request_create(
    *, api_key: ApiKey, data: RequestInput, idempotency_key: str = "", is_generated: bool = False
) -> tuple[ServiceRequest, bool]:
    """Create the case (source open311) and its Open311 record; returns (record, created).

    With an `idempotency_key` (the client's Idempotency-Key header) a retry returns the record
    the first call created, whatever it sends this time. Atomic: on any error nothing is kept.
    The actor is the key's service account.
    """
    actor = api_key.service_account
    idempotency_key = (idempotency_key or "").strip()
    if idempotency_key:
        existing = ServiceRequest.all_objects.filter(api_key=api_key, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            case = case_services.case_create(
                actor=actor,
                source=Case.Source.OPEN311,
                description=data.description,
                category=data.category,
                nature=data.nature,
                longitude=data.longitude,
                latitude=data.latitude,
                address=data.address,
                reporter_name=f"{data.last_name}{data.first_name}".strip(),
                reporter_phone=data.phone,
                photos=data.photos,
                idempotency_key=_case_idempotency_key(api_key, idempotency_key) if idempotency_key else None,
            )
            record = core_services.record_create(
                ServiceRequest,
                actor=actor,
                case=case,
                api_key=api_key,
                service_code=data.category.code,
                token=secrets.token_hex(16),
                attributes=data.attributes,
                email=data.email,
                first_name=data.first_name,
                last_name=data.last_name,
                phone=data.phone,
                device_id=data.device_id,
                account_id=data.account_id,
                media_url=data.media_url,
                idempotency_key=idempotency_key,
                is_generated=is_generated,
            )
    except (IntegrityError, ValidationError):
        if idempotency_key:  # a concurrent retry with the same key won the race
            existing = ServiceRequest.all_objects.filter(api_key=api_key, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        raise
    return record, True


# ----------------------------------------------------------------------------- public text

# A mobile number with or without +86 / 86 / 0086, written whole or in groups (138 1234 5678,
# 138-1234-5678).
_PHONE = re.compile(r"(?<![\d+])((?:(?:\+|00)?86[ -]?)?1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*(@[\w-]+(?:\.[\w-]+)+)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)\d{3,4}(\d{4})(?!\d)")


def mask_personal_text(text: str) -> str:
    """Mask mobile, landline and resident-ID numbers and e-mail addresses inside free text
    before it is published."""
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
