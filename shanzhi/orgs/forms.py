from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from shanzhi.orgs import geo
from shanzhi.orgs.models import (
    Community,
    Department,
    Enterprise,
    Grid,
    GridAssignment,
    PartyMember,
    PartyOrganization,
    Volunteer,
)


class ScopedChoicesMixin:
    """Limit the choices of community / grid fields to what the user may change."""

    wants_request = True
    scoped_fields = {"community": Community, "grid": Grid}

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if request is not None:
            for name, model in self.scoped_fields.items():
                if name in self.fields:
                    self.fields[name].queryset = model.objects.restrict(request.user, "view")


class BoundaryField(forms.CharField):
    """A GeoJSON polygon typed or pasted as text; refused with the reason when invalid."""

    widget = forms.Textarea(attrs={"rows": 4, "class": "font-monospace"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            geom = geo.parse_polygon(value)
        except geo.GeometryError as exc:
            raise forms.ValidationError(_("Invalid boundary: %(reason)s"), params={"reason": str(exc)}) from exc
        data = json.loads(value) if isinstance(value, str) else value
        if data.get("type") == "Feature":
            data = data["geometry"]
        del geom
        return data


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "kind", "phone", "duties", "leader", "sort_order"]


class CommunityForm(forms.ModelForm):
    boundary = BoundaryField(label=_("boundary (GeoJSON)"), required=False)

    class Meta:
        model = Community
        fields = ["code", "name", "population", "address", "phone", "boundary"]


class GridForm(ScopedChoicesMixin, forms.ModelForm):
    boundary = BoundaryField(label=_("boundary (GeoJSON)"), required=False)

    class Meta:
        model = Grid
        fields = ["code", "name", "community", "households", "population", "boundary"]


class GridAssignmentForm(ScopedChoicesMixin, forms.ModelForm):
    class Meta:
        model = GridAssignment
        fields = ["grid", "user", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from shanzhi.accounts.models import Role, User

        self.fields["user"].queryset = User.objects.filter(role=Role.GRID, is_active=True)


class EnterpriseForm(ScopedChoicesMixin, forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "name",
            "uscc",
            "address",
            "longitude",
            "latitude",
            "grid",
            "contact_name",
            "contact_phone",
            "size",
            "industry",
            "is_above_scale",
            "employees",
        ]

    def clean(self):
        data = super().clean()
        grid = data.get("grid")
        if grid is None and data.get("longitude") is not None and data.get("latitude") is not None:
            from shanzhi.orgs.services import locate_grid

            data["grid"] = locate_grid(data["longitude"], data["latitude"])
        if data.get("grid") is not None:
            data["community"] = data["grid"].community
        return data


class PartyOrganizationForm(ScopedChoicesMixin, forms.ModelForm):
    class Meta:
        model = PartyOrganization
        fields = ["name", "kind", "community", "grid", "secretary"]


class PartyMemberForm(ScopedChoicesMixin, forms.ModelForm):
    class Meta:
        model = PartyMember
        fields = ["name", "phone", "id_number", "organization", "community", "grid", "joined_on"]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"})}


class VolunteerForm(ScopedChoicesMixin, forms.ModelForm):
    class Meta:
        model = Volunteer
        fields = ["name", "phone", "id_number", "community", "grid", "skills", "service_hours"]


class GeoJSONImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to import"), choices=[("communities", _("Communities")), ("grids", _("Grids"))]
    )
    file = forms.FileField(label=_("GeoJSON file"))


class TableImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to import"),
        choices=[
            ("enterprise", _("Enterprises")),
            ("party_member", _("Party members")),
            ("volunteer", _("Volunteers")),
        ],
    )
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))
