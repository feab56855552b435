"""The conformance checker itself must be able to fail: wrong shapes are refused."""

from __future__ import annotations

import pytest

from shanzhi.open311.tests.conformance import require_schemas, validate, xml_to_data

GOOD = {
    "service_request_id": "SZ2301011234ABCD",
    "status": "open",
    "service_code": "garbage",
    "requested_datetime": "2023-01-01T09:00:00+08:00",
    "lat": 22.5,
    "long": 113.3,
    "media_url": None,
}


def test_a_good_request_passes():
    require_schemas()
    validate("request", GOOD)


@pytest.mark.parametrize(
    "change",
    [
        {"service_request_id": 12345},  # ids are strings
        {"status": "pending"},
        {"requested_datetime": "2023-01-01 09:00"},  # not W3C
        {"requested_datetime": "2023-01-01T09:00:00"},  # no time zone
        {"lat": "22.5"},
        {"media_url": "not a url"},
    ],
)
def test_bad_requests_fail(change):
    require_schemas()
    with pytest.raises(AssertionError):
        validate("request", {**GOOD, **change})


def test_xml_with_a_wrong_root_or_item_fails():
    with pytest.raises(AssertionError):
        xml_to_data(b'<?xml version="1.0"?><requests><request/></requests>', "service_requests")
    with pytest.raises(AssertionError):
        xml_to_data(b'<?xml version="1.0"?><services><item/></services>', "services")
    with pytest.raises(AssertionError):
        xml_to_data(
            b'<?xml version="1.0"?><services><service><metadata>yes</metadata></service></services>', "services"
        )
