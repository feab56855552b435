"""The GeoReport v2 wire format: the same Python shapes rendered as XML (required by the spec)
or JSON (optional), selected by the URL's extension.

XML follows the spec's examples: `<services><service>…`, `<service_definition>`,
`<service_requests><request>…`, `<errors><error>…`, `<discovery>`; booleans are
"true"/"false", None is an empty element, lists nest their items under the singular tag.
"""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import smart_urlquote

from shanzhi.core.texts import strip_controls

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# Container tag → item tag for lists nested inside an object.
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Top-level list responses: root tag → item tag.
ROOTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
}


def w3c(value: datetime.datetime | None) -> str | None:
    """W3C / RFC 3339 date-time in the local time zone with its offset: 2023-05-04T09:30:00+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def uri(value: str) -> str:
    """An http(s) IRI as the URI the schemas ask for (RFC 3986): the host in IDNA (punycode),
    everything else percent-encoded where it must be. Stored values pass through here too."""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = parts.port
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except (ValueError, UnicodeError):  # a bad port or label: smart_urlquote percent-encodes
        return smart_urlquote(value)
    if ascii_host != host:
        netloc = ascii_host if port is None else f"{ascii_host}:{port}"
        if "@" in parts.netloc:
            netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
        value = urlunsplit(parts._replace(netloc=netloc))
    return smart_urlquote(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return strip_controls(str(value))  # XML 1.0 cannot carry them, not even escaped


def _fill(parent: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            item_tag = LIST_ITEMS.get(key, "item")
            for item in value:
                el = ET.SubElement(child, item_tag)
                if isinstance(item, dict):
                    _fill(el, item)
                else:
                    el.text = _text(item)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


def to_xml(root: str, payload: list | dict) -> bytes:
    element = ET.Element(root)
    if isinstance(payload, list):
        item_tag = ROOTS[root]
        for item in payload:
            _fill(ET.SubElement(element, item_tag), item)
    else:
        _fill(element, payload)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def render(fmt: str, root: str, payload: list | dict, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)
    return HttpResponse(to_xml(root, payload), status=status, content_type=XML_CONTENT_TYPE)


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error list: [{code, description}], code = the HTTP status."""
    payload = [{"code": status, "description": str(d)} for d in descriptions]
    return render(fmt, "errors", payload, status=status)
