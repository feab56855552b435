from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

from shanzhi.plans.models import Status, WarningLevel

register = template.Library()

STATUS_CSS = {"green": "bg-green", "yellow": "bg-yellow", "red": "bg-red", "done": "bg-blue", "none": "bg-secondary"}
WARNING_CSS = {"blue": "bg-azure", "yellow": "bg-yellow", "red": "bg-red"}


@register.filter
def status_css(status: str) -> str:
    return STATUS_CSS.get(status or "none", "bg-secondary")


@register.simple_tag
def status_badge(status: str):
    status = status or "none"
    try:
        label = Status(status).label
    except ValueError:
        label = status
    return format_html(
        '<span class="badge {} text-white" data-status="{}">{}</span>',
        STATUS_CSS.get(status, "bg-secondary"),
        status,
        label,
    )


@register.simple_tag
def warning_badge(level: str):
    if not level:
        return ""
    return format_html(
        '<span class="badge {} text-white" data-warning="{}"><i class="ti ti-alert-triangle"></i> {}</span>',
        WARNING_CSS.get(level, "bg-secondary"),
        level,
        WarningLevel(level).label,
    )


@register.filter
def pct(value) -> str:
    if value is None:
        return "—"
    return f"{float(value):.1f}%"


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def num(value):
    """A decimal without trailing zeros (204.1000 → 204.1)."""
    if value is None or value == "":
        return "—"
    try:
        text = format(Decimal(str(value)).normalize(), "f")
    except (InvalidOperation, ValueError):
        return value
    return text
