"""Bad input to the GeoReport v2 endpoints gets the spec's error list with a 4xx, never a 500,
and nothing is stored: each test here failed before its fix (the NUL ones were 500s on
PostgreSQL, whose text cannot hold a NUL; they check that no query carried one, which fails on
SQLite too)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from shanzhi.cases.models import Case
from shanzhi.core.models import SiteSetting
from shanzhi.open311 import conf
from shanzhi.open311.models import ServiceRequest
from shanzhi.open311.tests import factories as f
from shanzhi.open311.tests.conformance import validate, xml_to_data
from shanzhi.open311.views import ATTRIBUTE_MAX
from shanzhi.testing.queries import queries_with_nul

pytestmark = pytest.mark.usefixtures("english")  # (conftest: `english`, `setup`)

V2 = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


def errors(response) -> list[dict]:
    if response["Content-Type"].startswith("application/json"):
        data = json.loads(response.content)
    else:
        data = xml_to_data(response.content, "errors")
    validate("errors", data)
    return data


def post(client, headers=None, **data):
    payload = {"api_key": f.KEY, "service_code": "garbage", **f.IN_A1, "description": "垃圾桶满溢", **data}
    return client.post(f"{V2}/requests.json", urlencode(payload), content_type=FORM, headers=headers or {})


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "path",
    [
        "services/a%00b",
        "requests/SZ%00",
        "tokens/a%00b",
        "requests",  # with the parameters below
    ],
)
def test_a_nul_in_the_address_or_a_parameter_is_a_400_in_the_spec_format(client, setup, fmt, path):
    query = "?service_code=garbage%00&service_request_id=SZ1%00" if path == "requests" else ""
    with queries_with_nul() as sent:
        r = client.get(f"{V2}/{path}.{fmt}{query}")
    assert r.status_code == 400
    assert "NUL" in errors(r)[0]["description"]
    assert sent == []


def test_a_posted_service_code_with_a_nul_is_unknown(client, setup):
    with queries_with_nul() as sent:
        r = post(client, service_code="garbage\x00")
    assert r.status_code == 404
    assert "service_code" in errors(r)[0]["description"]
    assert sent == [] and not Case.objects.exists()


def test_attributes_lose_control_characters(client, setup):
    """A NUL in attribute[x] went into the JSON column: PostgreSQL refused the row (a 500)."""
    r = post(client, **{"attribute[x\x00y]": "a\x00b", "attribute[nature]": "complaint"})
    assert r.status_code == 200
    assert ServiceRequest.objects.get().attributes == {"xy": "ab", "nature": "complaint"}


def test_an_attribute_too_long_is_a_400_and_nothing_is_stored(client, setup):
    """Attribute values had no limit: 100,000 characters went into the record."""
    r = post(client, **{"attribute[note]": "x" * (ATTRIBUTE_MAX + 1)})
    assert r.status_code == 400
    assert "attribute[note]" in errors(r)[0]["description"]
    assert not Case.objects.exists() and not ServiceRequest.objects.exists()
    assert post(client, **{"attribute[note]": "x" * ATTRIBUTE_MAX}).status_code == 200


def test_an_idempotency_key_with_a_nul_is_a_400_and_nothing_is_stored(client, setup):
    """The key was stored as sent: on PostgreSQL the INSERT failed (a 500)."""
    r = post(client, headers={"Idempotency-Key": "retry\x00-1"})
    assert r.status_code == 400
    assert "Idempotency-Key" in errors(r)[0]["description"]
    assert not Case.objects.exists() and not ServiceRequest.objects.exists()


def test_a_start_date_late_in_the_last_year_with_a_long_window_is_no_500(client, setup):
    """start_date + the window (setting open311.default_days, up to 3650) ran past year 9999."""
    SiteSetting.objects.create(key="open311.default_days", value=3650)
    conf.clear_cache()
    try:
        r = client.get(f"{V2}/requests.json", {"start_date": "9998-12-01T00:00:00+08:00"})
    finally:
        conf.clear_cache()
    assert r.status_code == 200
    assert json.loads(r.content) == []
