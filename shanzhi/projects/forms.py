from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.orgs.forms import BoundaryField, ScopedChoicesMixin
from shanzhi.orgs.models import Community, Department
from shanzhi.projects import workflows
from shanzhi.projects.models import (
    Blocker,
    ChainLink,
    IndustryChain,
    Lead,
    LeadActivity,
    Milestone,
    Parcel,
    Project,
    Proposal,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.TextInput(attrs={"type": "month", "placeholder": "2023-05"})


class ProjectForm(ScopedChoicesMixin, forms.ModelForm):
    boundary = BoundaryField(label=_("boundary (GeoJSON)"), required=False)

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "kind",
            "year",
            "owner_unit",
            "enterprise",
            "responsible_leader",
            "department",
            "community",
            "address",
            "longitude",
            "latitude",
            "boundary",
            "total_investment",
            "land_area_mu",
            "planned_start",
            "planned_end",
            "description",
            "is_public",
            "requires_enforcement",
        ]
        widgets = {"planned_start": DATE, "planned_end": DATE}

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("The planned completion cannot be before the planned start."))
        return data


class StageMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("move to"), choices=Project.Stage.choices)
    on = forms.DateField(label=_("date"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            allowed = workflows.PROJECT_MOVES.get(project.stage, set()) | {
                b for a, b in workflows.extra_skips() if a == project.stage
            }
            labels = dict(Project.Stage.choices)
            self.fields["to_stage"].choices = [(s, labels[s]) for s in workflows.PROJECT_ORDER if s in allowed]
            self.fields["version"].initial = project.version


class ProgressForm(forms.Form):
    """Amounts are text so that the service gives the one clear message for "abc" or "-5"."""

    month = forms.CharField(label=_("month"), widget=MONTH)
    completed_investment = forms.CharField(label=_("completed investment (10k yuan)"), required=False)
    physical_progress = forms.CharField(label=_("physical progress (%)"), required=False)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.ImageField(label=_("photo"), required=False)
    caption = forms.CharField(label=_("caption"), required=False, max_length=200)


class PlanForm(forms.Form):
    """The planned investment of each month of the project's year."""

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        existing = {m.month: m.planned_investment for m in project.months.filter(is_deleted=False)}
        for i in range(1, 13):
            month = datetime.date(project.year, i, 1)
            self.fields[f"m{i}"] = forms.CharField(
                label=f"{project.year}-{i:02d}",
                required=False,
                initial=existing.get(month, ""),
            )

    def plan(self) -> dict:
        return {
            datetime.date(self.project.year, i, 1): self.cleaned_data[f"m{i}"]
            for i in range(1, 13)
            if str(self.cleaned_data.get(f"m{i}") or "").strip()
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))


class BlockerForm(forms.ModelForm):
    deadline_date = forms.DateField(
        label=_("deadline"), required=False, widget=DATE, help_text=_("Empty: the configured number of working days.")
    )

    class Meta:
        model = Blocker
        fields = ["kind", "description", "department"]

    def clean_deadline_date(self):
        value = self.cleaned_data.get("deadline_date")
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        return value


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["name", "due_on", "sort_order"]
        widgets = {"due_on": DATE}


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = [
            "company",
            "kind",
            "enterprise",
            "industry",
            "chain_link",
            "source",
            "investment",
            "contact_name",
            "contact_phone",
            "owner",
            "department",
            "project",
            "notes",
        ]


class LeadActivityForm(forms.ModelForm):
    class Meta:
        model = LeadActivity
        fields = ["kind", "at", "summary"]
        widgets = {
            "at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in LeadActivity.Kind.choices if c[0] != LeadActivity.Kind.STAGE]


class LeadMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("move to"), choices=Lead.Stage.choices)
    reason = forms.CharField(
        label=_("reason (required for dropping)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, lead: Lead | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if lead is not None:
            labels = dict(Lead.Stage.choices)
            allowed = workflows.LEAD_MOVES.get(lead.stage, set())
            self.fields["to_stage"].choices = [
                (s, labels[s]) for s in [*workflows.LEAD_ORDER, "dropped"] if s in allowed
            ]


class IndustryChainForm(forms.ModelForm):
    class Meta:
        model = IndustryChain
        fields = ["name", "description", "department", "sort_order"]


class ChainLinkForm(forms.ModelForm):
    class Meta:
        model = ChainLink
        fields = ["chain", "name", "position", "enterprises", "is_key_gap", "sort_order"]


class ParcelForm(forms.ModelForm):
    wants_request = True

    class Meta:
        model = Parcel
        fields = ["project", "code", "area_mu", "owners", "households", "enforcement", "note"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Project.objects.filter(kind=Project.Kind.RENEWAL)
        if request is not None:
            qs = qs.restrict(request.user, "change")
        self.fields["project"].queryset = qs


class ParcelMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("move to"), choices=Parcel.Stage.choices)
    on = forms.DateField(label=_("date"), widget=DATE, initial=timezone.localdate)
    transfer_price = forms.CharField(label=_("transfer price (10k yuan)"), required=False)
    note = forms.CharField(label=_("note"), required=False)

    def __init__(self, *args, parcel: Parcel | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if parcel is not None:
            labels = dict(Parcel.Stage.choices)
            allowed = workflows.PARCEL_MOVES.get(parcel.stage, set())
            self.fields["to_stage"].choices = [(s, labels[s]) for s in workflows.PARCEL_ORDER if s in allowed]


class PublicProposalForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(
        label=_("what should be done, and why"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000
    )
    category = forms.ChoiceField(label=_("category"), choices=Proposal.Category.choices)
    community = forms.ModelChoiceField(label=_("community"), queryset=Community.objects.all(), required=False)
    proposer_name = forms.CharField(label=_("your name (optional, never published)"), required=False, max_length=50)
    proposer_phone = forms.CharField(label=_("your phone (optional, never published)"), required=False, max_length=30)
    # Honeypot: people do not see it, simple bots fill it in.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))


class ProposalAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        choices=[
            (Proposal.Status.ANSWERED, Proposal.Status.ANSWERED.label),
            (Proposal.Status.DECLINED, Proposal.Status.DECLINED.label),
            (Proposal.Status.HIDDEN, Proposal.Status.HIDDEN.label),
        ],
    )
    answer = forms.CharField(label=_("answer (published)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProposalToProjectForm(forms.Form):
    code = forms.CharField(label=_("project code"), max_length=40)
    department = forms.ModelChoiceField(
        label=_("responsible department"), queryset=Department.objects.all(), required=False
    )
    total_investment = forms.CharField(label=_("budget (10k yuan)"), initial="0")
    answer = forms.CharField(label=_("answer (published)"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
