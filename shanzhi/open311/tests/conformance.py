"""Check what our server sends against the Open311 GeoReport v2 JSON Schemas in
../shared/conformance/open311/ (not copied here: tests skip when they are absent).

XML is parsed into the same shape a JSON answer has (lists for the spec's list containers,
"true"/"false" as booleans, lat/long/order as numbers, empty elements as null) and then
validated against the same schemas. Responses without a published schema (discovery, POST
answer, token answer, errors) are checked against the spec's shapes written below.
"""

from __future__ import annotations

import datetime
import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlparse
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from rfc3986_validator import validate_rfc3986

from conftest import SHARED

SCHEMA_DIR = Path(SHARED) / "conformance" / "open311"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

# Container tag → item tag, as in the spec's XML examples.
XML_LISTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
XML_BOOLEANS = {"metadata", "variable", "required"}
XML_NUMBERS = {"lat": float, "long": float, "order": int}

FORMATS = FormatChecker()


@FORMATS.checks("date-time")
def _is_w3c(value) -> bool:
    if not isinstance(value, str) or not W3C.match(value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    """RFC 3986 (an IRI with Chinese letters, or "a|b", is not a URI), with a scheme and host."""
    if not isinstance(value, str):
        return True
    parts = urlparse(value)
    return bool(parts.scheme and parts.netloc) and validate_rfc3986(value, rule="URI") is not None


# The spec's shapes for answers that have no published schema.
LOCAL = {
    "errors": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}},
        },
    },
    "post": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["service_request_id"],
            "properties": {
                "service_request_id": {"type": "string", "minLength": 1},
                "service_notice": {"type": ["string", "null"]},
                "account_id": {"type": ["string", "null"]},
            },
        },
    },
    "token": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "token"],
            "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}},
        },
    },
    "discovery": {
        "type": "object",
        "required": ["changeset", "endpoints"],
        "properties": {
            "changeset": {"type": "string", "format": "date-time"},
            "endpoints": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "type", "formats"],
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "type": {"enum": ["production", "test"]},
                        "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}},
                    },
                },
            },
        },
    },
}


@cache
def _registry() -> Registry:
    if not SCHEMA_DIR.is_dir():
        return Registry()
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
        for p in sorted(SCHEMA_DIR.glob("*.json"))
    ]
    return Registry().with_resources(resources)


def require_schemas() -> None:
    if not (SCHEMA_DIR / "services.json").is_file():
        pytest.skip(f"Open311 schemas absent ({SCHEMA_DIR}); conformance checks skipped")


def validate(name: str, data) -> None:
    """Validate `data` against the shared schema `name` ("services", "request" …) or a local shape."""
    if name in LOCAL:
        schema = LOCAL[name]
    else:
        require_schemas()
        schema = _registry().contents(f"{name}.json")
    validator = Draft7Validator(schema, registry=_registry(), format_checker=FORMATS)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _leaf(tag: str, text: str | None, parent: str):
    if text is None or text == "":
        return None
    if tag in XML_BOOLEANS:
        assert text in ("true", "false"), f"<{tag}> must be true or false, not {text!r}"
        return text == "true"
    if tag in XML_NUMBERS:
        return XML_NUMBERS[tag](text)
    if tag == "code" and parent == "error":
        return int(text)
    return text


def _convert(el: ET.Element, parent: str = ""):
    if el.tag in XML_LISTS:
        item = XML_LISTS[el.tag]
        out = []
        for child in el:
            assert child.tag == item, f"<{el.tag}> holds <{child.tag}>, expected <{item}>"
            out.append(_convert(child, el.tag))
        return out
    if len(el):
        return {child.tag: _convert(child, el.tag) for child in el}
    return _leaf(el.tag, el.text, parent)


def xml_to_data(body: bytes, root: str):
    """Parse an XML answer into the JSON shape, checking its root element."""
    assert body.startswith(b"<?xml"), body[:60]
    element = ET.fromstring(body)
    assert element.tag == root, f"root <{element.tag}>, expected <{root}>"
    return _convert(element)
