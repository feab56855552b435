"""API keys: creation (command, admin), hashing, revocation; the demo loader."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shanzhi.core.models import AuditEvent
from shanzhi.open311 import demo, services
from shanzhi.open311.models import ApiKey, ServiceRequest
from shanzhi.open311.tests import factories as f


@pytest.mark.django_db
def test_command_prints_a_working_key_and_stores_only_its_hash():
    out = io.StringIO()
    call_command("create_open311_key", "city-app", stdout=out, stderr=io.StringIO())
    raw = out.getvalue().strip()
    assert len(raw) >= 30
    key = ApiKey.objects.get(name="city-app")
    assert key.key_hash == services.hash_key(raw) and raw not in key.key_hash
    assert services.apikey_authenticate(raw) == key
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert services.apikey_authenticate(raw + "x") is None
    account = key.service_account
    assert not account.has_usable_password() and account.username.startswith("open311-")
    assert AuditEvent.objects.filter(action="create", object_id=str(key.pk), content_type__app_label="open311").exists()
    with pytest.raises(CommandError):
        call_command("create_open311_key", "city-app", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_inactive_key_does_not_authenticate():
    key = f.make_key()
    services.apikey_set_active(actor=None, key=key, active=False)
    assert services.apikey_authenticate(f.KEY) is None


def test_admin_adds_a_key_and_sees_it_once(client_for, org):
    admin = client_for("admin")
    r = admin.post("/admin/open311/apikey/add/", {"name": "partner-app"}, follow=True)
    assert r.status_code == 200
    key = ApiKey.objects.get(name="partner-app")
    shown = " ".join(str(m) for m in r.context["messages"])
    raw = re.search(re.escape(key.prefix) + r"[A-Za-z0-9_\-]+", shown).group(0)
    assert services.apikey_authenticate(raw) == key
    assert raw not in admin.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()


def test_demo_loader_is_idempotent_and_uses_the_documented_key(org, settings):
    from shanzhi.cases.models import Case

    f.make_services(org)
    demo.load()
    counts = (ApiKey.all_objects.count(), ServiceRequest.all_objects.count(), Case.all_objects.count())
    demo.load()
    assert (ApiKey.all_objects.count(), ServiceRequest.all_objects.count(), Case.all_objects.count()) == counts
    key = services.apikey_authenticate(demo.DEMO_KEY)
    assert key is not None and key.is_generated
    assert counts[1] == 3
    assert not Case.all_objects.filter(source="open311", is_generated=False).exists()


def test_demo_loader_does_nothing_in_production(org, settings):
    settings.PRODUCTION = True
    demo.load()
    assert not ApiKey.all_objects.exists()
