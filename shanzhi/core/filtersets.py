"""The base of every filter set (pages and API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext as _


class FilterSet(django_filters.FilterSet):
    """Filters read as filters: a yes/no filter left empty means any (Django's widget says
    "Unknown"), and a date is picked from a calendar, not typed."""

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
