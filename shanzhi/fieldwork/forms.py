from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shanzhi.fieldwork import services
from shanzhi.fieldwork.models import (
    AlertChain,
    AlertChainStep,
    Checklist,
    Dispute,
    DisputeParty,
    Hazard,
    Incident,
    IncidentType,
    MediationSession,
    PatrolPlan,
    RiverSection,
    SafetyRecord,
    Severity,
    Wish,
)
from shanzhi.orgs.models import Community, Enterprise, Grid


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/*", **(attrs or {})})


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked (real image, ≤ 5 MB) by the service."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("photos"))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []

    def validate(self, value):  # each file was validated by clean
        return


class ScopedForm(forms.Form):
    """Limits community / grid / enterprise choices to the user's scope."""

    wants_request = True

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        user = getattr(request, "user", None)
        if user is None:
            return
        for name, model in (("community", Community), ("grid", Grid), ("enterprise", Enterprise)):
            if name in self.fields:
                if user.role == "resident" and model is Community:
                    self.fields[name].queryset = Community.objects.all()
                elif user.role == "resident" and model is Grid:
                    self.fields[name].queryset = Grid.objects.all()
                else:
                    self.fields[name].queryset = model.objects.restrict(user)


class ScopedModelForm(forms.ModelForm):
    wants_request = True

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        user = getattr(request, "user", None)
        if user is None:
            return
        for name, model in (("community", Community), ("grid", Grid), ("enterprise", Enterprise)):
            if name in self.fields:
                self.fields[name].queryset = model.objects.restrict(user)


# ----------------------------------------------------------------------------- wishes


class WishForm(ScopedForm):
    title = forms.CharField(label=_("wish"), max_length=120)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    beneficiary_kind = forms.ChoiceField(label=_("for whom"), choices=Wish.Beneficiary.choices)
    beneficiary_name = forms.CharField(
        label=_("beneficiary (private)"),
        max_length=50,
        required=False,
        help_text=_("Kept for staff only, never shown on the public wall."),
    )
    beneficiary_phone = forms.CharField(label=_("beneficiary phone"), max_length=30, required=False)
    consent = forms.BooleanField(label=_("The person the wish is for agrees to it being posted"), required=False)
    budget = forms.DecimalField(label=_("budget (yuan)"), min_value=0, max_digits=9, decimal_places=2)
    deadline = forms.DateField(label=_("wanted by"), widget=forms.DateInput(attrs={"type": "date"}))
    community = forms.ModelChoiceField(label=_("community"), queryset=Community.objects.all())
    grid = forms.ModelChoiceField(label=_("grid"), queryset=Grid.objects.all(), required=False)


class ClaimForm(forms.Form):
    claimer_kind = forms.ChoiceField(label=_("claimed by (kind)"), choices=Wish.ClaimerKind.choices)
    claimer_name = forms.CharField(
        label=_("claimed by"),
        max_length=100,
        required=False,
        help_text=_("Name of the party member, volunteer or unit; empty: yourself."),
    )
    claimer_phone = forms.CharField(label=_("claimer phone"), max_length=30, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeliverForm(NoteForm):
    photos = PhotosField(label=_("proof photos"))


class ThanksForm(forms.Form):
    thanks = forms.CharField(label=_("thanks"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# ----------------------------------------------------------------------------- disputes


class DisputeForm(ScopedForm):
    title = forms.CharField(label=_("title"), max_length=200)
    dispute_type = forms.ChoiceField(label=_("type"), choices=Dispute.Type.choices)
    source = forms.ChoiceField(label=_("source"), choices=Dispute.Source.choices)
    case_code = forms.CharField(label=_("case code"), max_length=40, required=False)
    community = forms.ModelChoiceField(label=_("community"), queryset=Community.objects.all())
    grid = forms.ModelChoiceField(label=_("grid"), queryset=Grid.objects.all(), required=False)
    people_involved = forms.IntegerField(label=_("people involved"), min_value=1, initial=2)
    risk_level = forms.ChoiceField(label=_("risk level"), choices=Dispute.Risk.choices)
    risk_reason = forms.CharField(
        label=_("reason for the risk level"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 4}))
    applicant_name = forms.CharField(label=_("applicant"), max_length=100)
    applicant_kind = forms.ChoiceField(label=_("applicant is"), choices=DisputeParty.Kind.choices)
    applicant_phone = forms.CharField(label=_("applicant phone"), max_length=30, required=False)
    respondent_name = forms.CharField(label=_("respondent"), max_length=100)
    respondent_kind = forms.ChoiceField(label=_("respondent is"), choices=DisputeParty.Kind.choices)
    respondent_phone = forms.CharField(label=_("respondent phone"), max_length=30, required=False)


class PartyForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=DisputeParty.Kind.choices)
    side = forms.ChoiceField(label=_("side"), choices=DisputeParty.Side.choices)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(label=_("held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    mediators = forms.CharField(label=_("mediators"), max_length=300)
    outcome = forms.ChoiceField(label=_("outcome"), choices=MediationSession.Outcome.choices)
    note = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AgreementForm(forms.Form):
    agreement = forms.CharField(label=_("agreement"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agreement_file = forms.FileField(label=_("agreement document"), required=False)
    mediators = forms.CharField(label=_("mediators"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReferForm(forms.Form):
    referred_to = forms.ChoiceField(label=_("referred to"), choices=Dispute.ReferTo.choices)
    referral_body = forms.CharField(label=_("receiving body"), max_length=200)
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RiskForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("risk level"), choices=Dispute.Risk.choices)
    risk_reason = forms.CharField(
        label=_("reason for the risk level"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    people_involved = forms.IntegerField(label=_("people involved"), min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# ----------------------------------------------------------------------------- patrols


class ChecklistItemsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 8})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return services.checklist_items_from_text(text)
        except Exception as exc:  # ValidationError with a dict → plain message
            raise forms.ValidationError(getattr(exc, "message_dict", {}).get("items", [str(exc)])) from exc


class ChecklistForm(forms.ModelForm):
    items = ChecklistItemsField(label=_("items"), help_text=_("One check per line."))

    class Meta:
        model = Checklist
        fields = ["name", "kind", "items", "is_active"]


class RiverSectionForm(ScopedModelForm):
    class Meta:
        model = RiverSection
        fields = ["name", "river", "length_km", "community", "grid", "chief"]


class PatrolPlanForm(ScopedModelForm):
    class Meta:
        model = PatrolPlan
        fields = [
            "name",
            "patroller",
            "patroller_role",
            "target",
            "community",
            "grid",
            "river_section",
            "enterprise",
            "checklist",
            "frequency",
            "times_per_period",
            "starts_on",
            "is_active",
        ]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from shanzhi.accounts.models import User

        self.fields["patroller"].queryset = User.objects.filter(
            is_active=True, role__in=["grid", "community", "dept", "leader"]
        ).order_by("username")
        if request is not None:
            self.fields["river_section"].queryset = RiverSection.objects.restrict(request.user)

    def clean(self):
        data = super().clean()
        target = data.get("target")
        need = {"grid": "grid", "river": "river_section", "enterprise": "enterprise"}.get(target)
        if need and not data.get(need):
            self.add_error(need, _("Choose the %(what)s to patrol.") % {"what": self.fields[need].label})
        return data


class PatrolStartForm(ScopedForm):
    plan = forms.ModelChoiceField(label=_("patrol plan"), queryset=PatrolPlan.objects.none(), required=False)
    checklist = forms.ModelChoiceField(
        label=_("checklist"), queryset=Checklist.objects.filter(is_active=True), required=False
    )
    grid = forms.ModelChoiceField(label=_("grid"), queryset=Grid.objects.all(), required=False)
    enterprise = forms.ModelChoiceField(label=_("enterprise"), queryset=Enterprise.objects.all(), required=False)
    river_section = forms.ModelChoiceField(
        label=_("river section"), queryset=RiverSection.objects.none(), required=False
    )
    longitude = forms.FloatField(widget=forms.HiddenInput, required=False)
    latitude = forms.FloatField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            from django.db.models import Q

            user = request.user
            self.fields["plan"].queryset = (
                PatrolPlan.objects.restrict(user)
                .filter(is_active=True)
                .filter(Q(patroller=user) | Q(pk__in=PatrolPlan.objects.restrict(user, "change").values("pk")))
            )
            self.fields["river_section"].queryset = RiverSection.objects.restrict(user)

    def clean(self):
        data = super().clean()
        if not data.get("plan") and not data.get("checklist"):
            raise forms.ValidationError(_("Choose a patrol plan, or a checklist and a place."))
        return data


class FindingForm(forms.Form):
    item = forms.ChoiceField(label=_("check item"), required=False)
    description = forms.CharField(label=_("problem"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField()
    rectify_workdays = forms.IntegerField(
        label=_("rectification time (working days)"), min_value=1, max_value=60, required=False
    )
    hazard_level = forms.ChoiceField(
        label=_("hazard level (enterprises)"), choices=[("", "—"), *Hazard.Level.choices], required=False
    )

    def __init__(self, *args, patrol=None, **kwargs):
        super().__init__(*args, **kwargs)
        items = patrol.checklist.items if patrol is not None else []
        self.fields["item"].choices = [("", "—"), *[(i, i) for i in items]]
        if patrol is None or not patrol.enterprise_id:
            del self.fields["hazard_level"]


class ReinspectForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("result"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Rectified: close")), ("0", _("Not rectified: send back"))],
    )
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    photos = PhotosField()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SafetyRecordForm(ScopedModelForm):
    class Meta:
        model = SafetyRecord
        fields = ["enterprise", "responsible_person", "responsible_phone", "safety_officer", "risk_category"]


class HazardForm(ScopedModelForm):
    class Meta:
        model = Hazard
        fields = ["enterprise", "level", "description", "deadline", "status"]
        widgets = {"deadline": forms.DateTimeInput(attrs={"type": "datetime-local"})}


# ----------------------------------------------------------------------------- emergencies


class IncidentForm(ScopedForm):
    incident_type = forms.ChoiceField(label=_("type"), choices=IncidentType.choices)
    severity = forms.TypedChoiceField(label=_("severity"), choices=Severity.choices, coerce=int, initial=Severity.IV)
    title = forms.CharField(label=_("title"), max_length=200)
    address = forms.CharField(label=_("place"), max_length=300)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    grid = forms.ModelChoiceField(label=_("grid"), queryset=Grid.objects.all(), required=False)
    community = forms.ModelChoiceField(label=_("community"), queryset=Community.objects.all(), required=False)
    is_drill = forms.BooleanField(label=_("This is a drill"), required=False)
    photos = PhotosField()
    longitude = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    latitude = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)


class IncidentActForm(forms.Form):
    note = forms.CharField(label=_("action taken"), widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField()


class IncidentCloseForm(forms.Form):
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AlertChainForm(forms.ModelForm):
    class Meta:
        model = AlertChain
        fields = ["name", "incident_type", "max_severity", "is_active"]


class AlertChainStepForm(forms.ModelForm):
    class Meta:
        model = AlertChainStep
        fields = ["chain", "level", "user", "ack_minutes"]


__all__ = ["Incident"]
