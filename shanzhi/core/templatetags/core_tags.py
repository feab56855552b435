import datetime
import decimal

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def add_class(field, css):
    widget = field.field.widget
    existing = widget.attrs.get("class", "")
    if widget.input_type if hasattr(widget, "input_type") else False:
        if widget.input_type == "select":
            css = css.replace("form-control", "").strip() or "form-select"
        elif widget.input_type in ("checkbox", "radio"):
            css = "form-check-input"
    if type(widget).__name__ in ("Select", "SelectMultiple", "NullBooleanSelect"):
        css = "form-select" + (" is-invalid" if "is-invalid" in css else "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def widget_type(field):
    return type(field.field.widget).__name__.lower().replace("input", "")


@register.filter
def index(seq, i):
    try:
        return seq[i]
    except (IndexError, TypeError, KeyError):
        return None


@register.filter
def cell_display(value):
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "Y-m-d")
    if isinstance(value, decimal.Decimal):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if hasattr(value, "all"):
        return "、".join(str(v) for v in value.all()) or "—"
    return value


@register.simple_tag
def object_url(obj, prefix):
    try:
        return reverse(f"{prefix}_detail", args=[obj.pk])
    except NoReverseMatch:
        return "#"
