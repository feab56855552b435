"""An Open311 round trip over real HTTP against the live server, as a third-party client
does it: discovery → services → definition → POST (form-encoded) → GET by id → list, in XML
and JSON, every answer validated against the GeoReport v2 schemas. Then the same server read
by an unchanged PyPI Open311 client (georeport)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from shanzhi.cases.models import Case
from shanzhi.open311.tests import factories as f
from shanzhi.open311.tests.conformance import require_schemas, validate, xml_to_data

ROOTS = {
    "services": "services",
    "service-definition": "service_definition",
    "requests": "service_requests",
    "post": "service_requests",
    "discovery": "discovery",
    "errors": "errors",
}


def fetch(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str, bytes]:
    body = urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def parsed(fmt: str, schema: str, content_type: str, raw: bytes):
    if fmt == "json":
        assert content_type.startswith("application/json")
        data = json.loads(raw)
    else:
        assert content_type.startswith("text/xml")
        data = xml_to_data(raw, ROOTS[schema])
    validate(schema, data)
    return data


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_round_trip_over_http(live_server, fmt):
    require_schemas()
    from shanzhi.testing.factories import build_org

    org = build_org()
    f.make_services(org)
    f.make_key()
    base = f"{live_server.url}/open311/v2"

    status, ctype, raw = fetch(f"{base}/discovery.{fmt}")
    assert status == 200
    endpoint = parsed(fmt, "discovery", ctype, raw)["endpoints"][0]["url"]
    assert endpoint == base

    status, ctype, raw = fetch(f"{endpoint}/services.{fmt}")
    services = parsed(fmt, "services", ctype, raw)
    service = next(s for s in services if s["service_code"] == "garbage")
    assert service["metadata"] is True

    status, ctype, raw = fetch(f"{endpoint}/services/{service['service_code']}.{fmt}")
    definition = parsed(fmt, "service-definition", ctype, raw)
    nature = definition["attributes"][0]
    assert nature["code"] == "nature"

    form = {
        "api_key": f.KEY,
        "jurisdiction_id": "shanzhi.local",
        "service_code": service["service_code"],
        "lat": "22.515",
        "long": "113.355",
        "address_string": "西苑小区东门",
        "description": "垃圾桶满溢两天",
        f"attribute[{nature['code']}]": nature["values"][2]["key"],
        "first_name": "明",
        "last_name": "王",
        "phone": "13700001111",
        "email": "wang@example.cn",
        "device_id": "dev-1",
        "media_url": "https://example.org/photo.jpg",
    }
    status, ctype, raw = fetch(f"{endpoint}/requests.{fmt}", form, {"Idempotency-Key": f"rt-{fmt}"})
    assert status == 200, raw
    created = parsed(fmt, "post", ctype, raw)
    request_id = created[0]["service_request_id"]
    # a retry of the same POST (lost answer) gives the same id and no second case
    status, ctype, raw = fetch(f"{endpoint}/requests.{fmt}", form, {"Idempotency-Key": f"rt-{fmt}"})
    assert parsed(fmt, "post", ctype, raw)[0]["service_request_id"] == request_id
    assert Case.objects.filter(source="open311").count() == 1

    status, ctype, raw = fetch(f"{endpoint}/requests/{request_id}.{fmt}?jurisdiction_id=shanzhi.local")
    assert status == 200
    (one,) = parsed(fmt, "requests", ctype, raw)
    assert one["service_request_id"] == request_id and one["status"] == "open"
    assert one["service_code"] == "garbage" and one["media_url"] == "https://example.org/photo.jpg"
    for secret in ("13700001111", "wang@example.cn", "dev-1"):
        assert secret.encode() not in raw

    status, ctype, raw = fetch(f"{endpoint}/requests.{fmt}?status=open&service_code=garbage")
    listed = parsed(fmt, "requests", ctype, raw)
    assert [r["service_request_id"] for r in listed] == [request_id]

    status, ctype, raw = fetch(f"{endpoint}/requests.{fmt}", {**form, "api_key": "wrong"})
    assert status == 403
    assert parsed(fmt, "errors", ctype, raw)[0]["code"] == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("output_format", ["xml", "json"])
def test_an_existing_open311_client_reads_us_unchanged(live_server, output_format):
    georeport = pytest.importorskip("georeport")
    from shanzhi.testing.factories import build_org

    org = build_org()
    cats = f.make_services(org)
    record = f.make_request(f.make_key(), cats["garbage"])
    # A control character stored by older code (or another writer) must not break the XML.
    Case.objects.filter(pk=record.case.pk).update(description="垃圾桶\x01满溢")
    client = georeport.GeoReport(
        f"{live_server.url}/open311/v2", jurisdiction="shanzhi.local", output_format=output_format
    )
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    assert codes == {"garbage", "street-light"}
    definition = client.get_service_definition("garbage")
    assert definition["service_code"] == "garbage"
    one = client.get_service_request(record.case.code)
    assert one["service_request_id"] == record.case.code and one["status"] == "open"
    listed = client.get_service_requests(service_code="garbage")
    # xmltodict gives a dict for a single <request>, a list for several: the client's own shape
    listed = listed if isinstance(listed, list) else [listed]
    assert [r["service_request_id"] for r in listed] == [record.case.code]
