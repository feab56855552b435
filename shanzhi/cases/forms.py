from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shanzhi.accounts.models import User
from shanzhi.cases import conf, selectors
from shanzhi.cases.models import Case, Category, KeywordRule
from shanzhi.orgs.models import Department, Enterprise, Grid


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*", "multiple": True})

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class LocationMixin(forms.Form):
    longitude = forms.FloatField(label=_("longitude"), required=False, widget=forms.HiddenInput)
    latitude = forms.FloatField(label=_("latitude"), required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if "longitude" in self.errors or "latitude" in self.errors:
            # Hidden fields: their own errors are not shown beside them, so say it here.
            raise forms.ValidationError(_("Coordinates must be numbers."))
        lon, lat = data.get("longitude"), data.get("latitude")
        if (lon is None) != (lat is None):
            raise forms.ValidationError(_("Give both longitude and latitude, or neither."))
        if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise forms.ValidationError(_("Coordinates out of range (longitude −180…180, latitude −90…90)."))
        return data


class PublicCaseForm(LocationMixin):
    """The public, phone-sized form: no login."""

    description = forms.CharField(
        label=_("What is the problem?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    category = forms.ModelChoiceField(
        label=_("Category (optional: we suggest one)"), queryset=Category.objects.none(), required=False
    )
    address = forms.CharField(label=_("Address or landmark"), required=False, max_length=300)
    photos = PhotosField(label=_("Photos (up to 3, 5 MB each)"), required=False)
    reporter_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=50)
    reporter_phone = forms.RegexField(
        label=_("Phone for a call-back (optional)"),
        regex=r"^[0-9+\- ]{5,20}$",
        required=False,
        error_messages={"invalid": _("Enter a phone number (digits only).")},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.offered()

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > int(conf.get("cases.max_photos")):
            raise forms.ValidationError(_("At most %(n)d photos.") % {"n": conf.get("cases.max_photos")})
        return photos

    def clean(self):
        data = super().clean()
        if not data.get("address") and data.get("longitude") is None:
            self.add_error("address", _("Click the map or give an address."))
        return data


class StaffCaseForm(PublicCaseForm):
    """Hotline / staff entry: more fields, the same service."""

    title = forms.CharField(label=_("title"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=Case.Kind.choices, initial=Case.Kind.HOTLINE)
    nature = forms.ChoiceField(label=_("nature"), choices=Case.Nature.choices, initial=Case.Nature.HELP)
    grid = forms.ModelChoiceField(label=_("grid"), queryset=Grid.objects.none(), required=False)
    department = forms.ModelChoiceField(
        label=_("handling department (empty: route automatically)"),
        queryset=Department.objects.none(),
        required=False,
    )
    enterprise = forms.ModelChoiceField(label=_("enterprise"), queryset=Enterprise.objects.none(), required=False)
    leader = forms.ModelChoiceField(
        label=pgettext_lazy("case", "responsible leader"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("企业家直通车: the leader who answers for an enterprise request (required for one)."),
    )
    longitude = forms.FloatField(label=_("longitude"), required=False)
    latitude = forms.FloatField(label=_("latitude"), required=False)

    field_order = [
        "kind",
        "nature",
        "title",
        "description",
        "category",
        "address",
        "longitude",
        "latitude",
        "grid",
        "department",
        "enterprise",
        "leader",
        "reporter_name",
        "reporter_phone",
        "photos",
    ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = selectors.placeable_grids(user).select_related("community")
        self.fields["department"].queryset = Department.objects.exclude(kind=Department.Kind.DISPATCH)
        self.fields["enterprise"].queryset = Enterprise.objects.restrict(user)
        self.fields["leader"].queryset = selectors.leaders()
        if user is not None and user.has_perm("cases.change_case"):
            # The caller's earlier cases appear under the form as the number is typed.
            self.fields["reporter_phone"].widget.attrs.update(
                {
                    "hx-get": reverse("cases:caller_history"),
                    "hx-trigger": "load, input changed delay:500ms, change",
                    "hx-target": "#caller-history",
                    "autocomplete": "off",
                }
            )
        # Staff record what someone else reports: the public form's words ("your name") do not fit.
        labels = {
            "description": _("Problem reported"),
            "category": _("Category (empty: the system suggests one)"),
            "reporter_name": _("Caller's or reporter's name"),
            "reporter_phone": _("Their phone, for the call-back"),
        }
        for name, label in labels.items():
            self.fields[name].label = label
        self.order_fields(self.field_order)

    def clean(self):
        data = forms.Form.clean(self)
        LocationMixin.clean(self)
        if data.get("kind") == Case.Kind.ENTERPRISE:
            if not data.get("enterprise"):
                self.add_error("enterprise", _("Choose the enterprise."))
            if not data.get("leader"):
                self.add_error("leader", _("Name the leader who answers for this enterprise request."))
        return data


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=32)

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper().replace(" ", "")


def _star_choices():
    # Lowest first: the arrow keys go up the scale as the stars go right. Each label is what a
    # screen reader says for its star; the page shows the stars.
    return [(i, _("%(n)d of 5 stars") % {"n": i}) for i in range(1, 6)]


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=_star_choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating: from 1 to 5 stars.")},
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "parent",
            "description",
            "default_department",
            "deadline_workdays",
            "deadline_workhours",
            "priority",
            "keywords",
            "is_active",
            "sort_order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Category.objects.filter(parent__isnull=True)


class KeywordRuleForm(forms.ModelForm):
    class Meta:
        model = KeywordRule
        fields = ["name", "keywords", "department", "category", "priority", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = KeywordRule.category_choices(self.instance.category_id)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel (.xlsx) or CSV file"),
        help_text=_("The first row names the columns (see the table below); other columns are ignored."),
        error_messages={
            "empty": _("The file is empty: it is neither an Excel workbook (.xlsx) nor a CSV file with a header row.")
        },
    )
    again = forms.BooleanField(
        label=_("Import it again"),
        required=False,
        help_text=_(
            "A file that was imported before is refused unless this is ticked: its cases would be created twice."
        ),
    )
