"""The base of every filter set (pages and API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework.filterset import FILTER_FOR_DBFIELD_DEFAULTS

# What a yes/no filter reads (case-insensitive); "" and "unknown" mean any.
_YES_NO = frozenset({"", "true", "false", "1", "0", "unknown"})


class StrictNullBooleanField(forms.NullBooleanField):
    """A yes/no filter that refuses what it cannot read: Django's field reads `?open=maybe` as
    "any", so a typo silently listed everything."""

    default_error_messages = {"invalid": gettext_lazy("“%(value)s” is neither true nor false.")}

    def to_python(self, value):
        if isinstance(value, str) and value.strip().lower() not in _YES_NO:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return super().to_python(value.strip().lower() if isinstance(value, str) else value)


class FilterSet(django_filters.FilterSet):
    """Filters read as filters: a yes/no filter left empty means any (Django's widget says
    "Unknown") and refuses a value it cannot read, and a date is picked from a calendar, not
    typed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.filters.values():  # (this instance's copies): declared or built from fields
            if isinstance(f, django_filters.BooleanFilter):
                f.field_class = StrictNullBooleanField

    @property
    def form(self) -> forms.Form:
        new = not hasattr(self, "_form")
        form = super().form
        if new:
            for field in form.fields.values():
                if isinstance(field, forms.NullBooleanField):
                    field.widget = forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))])
                elif isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                    field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return form


class ApiFilterSet(FilterSet):
    """The filter set the API builds from a viewset's `filterset_fields`: django-filter's API
    defaults (ISO 8601 date-times), yes/no filters that refuse what they cannot read (400)."""

    FILTER_DEFAULTS = FILTER_FOR_DBFIELD_DEFAULTS


class FilterBackend(DjangoFilterBackend):
    """settings.REST_FRAMEWORK's filter backend (here, not in core.api: DRF imports it while
    its generic views are being defined)."""

    filterset_base = ApiFilterSet
