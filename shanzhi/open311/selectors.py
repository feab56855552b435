"""Reads of the Open311 adapter: services from the case categories, service definitions, and
the PUBLIC view of a case (never the reporter's name, phone or email)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanzhi.cases.models import CLOSED_STATES, HANDLED_STATES, Case, Category
from shanzhi.open311 import conf, wire
from shanzhi.open311.services import mask_personal_text
from shanzhi.open311.wire import w3c

# The one service attribute: the nature of the request (it sets the deadline).
NATURE_VALUES = [
    ("consultation", gettext_lazy("Consultation")),
    ("help", gettext_lazy("Help")),
    ("complaint", gettext_lazy("Complaint")),
    ("report", gettext_lazy("Report")),
    ("suggestion", gettext_lazy("Suggestion")),
    ("praise", gettext_lazy("Praise")),
]
NATURE_KEYS = frozenset(k for k, _label in NATURE_VALUES)
# Open311 "closed" = handled (a reply exists) or closed, as on the public tracking page.
PUBLIC_CLOSED = frozenset(CLOSED_STATES | HANDLED_STATES)


def services_queryset() -> QuerySet[Category]:
    """The categories a new case may take: the Open311 services."""
    return Category.offered()


def service_by_code(code: str) -> Category | None:
    if "\x00" in code:  # no code has one, and PostgreSQL refuses it in a query (a 500)
        return None
    return services_queryset().filter(code=code).first()


def _keywords(category: Category) -> str | None:
    words = [w.strip() for w in (category.keywords or "").replace("，", ",").split(",") if w.strip()]
    return ",".join(words) or None


def service_dict(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": True,  # every service has the `nature` attribute
        "type": "realtime",
        "keywords": _keywords(category),
        "group": category.parent.name if category.parent_id else None,
    }


def service_definition(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "nature",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("One of the keys; empty means a request for help."),
                "order": 1,
                "description": _("Nature of the request (it sets the deadline)"),
                "values": [{"key": key, "name": str(label)} for key, label in NATURE_VALUES],
            }
        ],
    }


def public_cases() -> QuerySet[Case]:
    """The cases Open311 shows: the configured public kinds, not deleted."""
    return (
        Case.objects.filter(kind__in=conf.get("open311.public_kinds"))
        .select_related("category", "department", "community", "open311_request")
        .order_by("-received_at", "-id")
    )


def with_status(qs: QuerySet[Case], status: str) -> QuerySet[Case]:
    closed = Q(status__in=PUBLIC_CLOSED)
    return qs.filter(closed) if status == "closed" else qs.exclude(closed)


def _open311_record(case: Case):
    try:
        return case.open311_request
    except Case.open311_request.RelatedObjectDoesNotExist:
        return None


def _published_description(case: Case) -> str | None:
    policy = conf.get("open311.publish_descriptions")
    if policy == "none" or (policy != "all" and case.source != Case.Source.OPEN311):
        return None
    return mask_personal_text(case.description)[:4000]


def service_notice(case: Case) -> str | None:
    if case.deadline is None:
        return None
    return _("To be handled by %(date)s (deadlines count working days).") % {
        "date": timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M")
    }


def request_dict(case: Case) -> dict[str, Any]:
    """The public fields of a case in GeoReport v2 terms. No reporter name, phone or email."""
    record = _open311_record(case)
    closed = case.status in PUBLIC_CLOSED
    if case.reply:
        notes = mask_personal_text(case.reply)
    else:
        notes = str(case.get_status_display())
    agency = case.department.name if case.department_id else (case.community.name if case.community_id else None)
    return {
        "service_request_id": case.code,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": case.category.name if case.category_id else None,
        "service_code": case.category.code if case.category_id else "",
        "description": _published_description(case),
        "agency_responsible": agency,
        "service_notice": service_notice(case),
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(case.closed_at if closed and case.closed_at else case.updated_at),
        "expected_datetime": w3c(case.deadline),
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": wire.uri(record.media_url) if record is not None and record.media_url else None,
    }
