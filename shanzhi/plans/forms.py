from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.accounts.models import Role, User
from shanzhi.orgs.models import Department
from shanzhi.plans import drafts, rules
from shanzhi.plans.models import Indicator, Plan, PlanNode


class DraftUploadForm(forms.Form):
    file = forms.FileField(label=_("Document (.txt or .docx)"), required=False)
    text = forms.CharField(label=_("…or paste the text"), required=False, widget=forms.Textarea(attrs={"rows": 10}))

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Upload a document or paste its text."))
        return data


class NodeEditForm(forms.Form):
    """One edit of a draft node; the fields used depend on the operation."""

    op = forms.ChoiceField(
        choices=[(o, o) for o in ("rename", "kind", "indent", "outdent", "merge", "split", "assign")]
    )
    title = forms.CharField(required=False, max_length=500)
    kind = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k in drafts.KINDS])
    phrase = forms.CharField(required=False, max_length=200)
    lead_unit = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, label=_("lead unit"))
    co_units = forms.ModelMultipleChoiceField(
        queryset=Department.objects.all(), required=False, label=_("co-responsible units")
    )
    deadline = forms.DateField(required=False, label=_("deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    leader = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=[Role.LEADER, Role.ADMIN], is_active=True),
        required=False,
        label=_("responsible leader"),
    )
    apply_to_children = forms.BooleanField(required=False, label=_("also for its sub-items"))

    def params(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d.get("title") or "",
            "kind": d.get("kind") or "",
            "phrase": d.get("phrase") or "",
            "lead_unit": d["lead_unit"].pk if d.get("lead_unit") else None,
            "co_units": [u.pk for u in d.get("co_units") or []],
            "deadline": d["deadline"].isoformat() if d.get("deadline") else None,
            "leader": d["leader"].pk if d.get("leader") else None,
            "apply_to_children": d.get("apply_to_children", False),
        }


class DraftIndicatorForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("name"))
    comparator = forms.ChoiceField(choices=Indicator.Comparator.choices, label=_("comparator"))
    value = forms.CharField(max_length=40, label=_("target"))
    unit = forms.CharField(max_length=20, required=False, label=_("unit of the target"))
    measure_unit = forms.CharField(max_length=20, required=False, label=_("unit of the monthly actuals"))
    include = forms.BooleanField(required=False, label=_("include"))


class DraftConfirmForm(forms.Form):
    title = forms.CharField(max_length=300, label=_("title"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("year"))
    rollup = forms.ChoiceField(choices=Plan.Rollup.choices, label=_("progress roll-up"))


class NodeForm(forms.ModelForm):
    class Meta:
        model = PlanNode
        fields = ["title", "kind", "lead_unit", "co_units", "responsible_leader", "start_date", "deadline", "weight"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_leader"].queryset = User.objects.filter(
            role__in=[Role.LEADER, Role.ADMIN], is_active=True
        )


def _this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


class MonthField(forms.DateField):
    """A month as YYYY-MM (an <input type="month">), stored as its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m")
        return value

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ReportForm(forms.Form):
    period = MonthField(label=_("month"), initial=_this_month)
    percent = forms.CharField(
        label=_("percent done"), max_length=10, help_text=_("0 to 100: how much of the whole task is done.")
    )
    text = forms.CharField(label=_("progress"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("attachments"), required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("title"))
    due_date = forms.DateField(label=_("due date"), widget=forms.DateInput(attrs={"type": "date"}))


class NoticeForm(forms.Form):
    content = forms.CharField(label=_("requirements"), widget=forms.Textarea(attrs={"rows": 4}))
    reply_due = forms.DateField(
        label=_("reply due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the default reply period of the rules."),
    )
    unit = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("unit"), help_text=_("Empty: the lead unit.")
    )

    def __init__(self, *args, node: PlanNode | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if node is not None:
            ids = [node.lead_unit_id, *node.co_units.values_list("pk", flat=True)]
            self.fields["unit"].queryset = Department.objects.filter(pk__in=[i for i in ids if i])


class NoticeReplyForm(forms.Form):
    reply = forms.CharField(label=_("reply"), widget=forms.Textarea(attrs={"rows": 5}))


class ActualForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("year"))
    month = forms.IntegerField(min_value=1, max_value=12, label=_("month"))
    value = forms.CharField(max_length=40, label=_("value of the month"))
    reported_yoy = forms.CharField(max_length=20, required=False, label=_("reported cumulative year-on-year growth %"))
    note = forms.CharField(max_length=300, required=False, label=_("note"))


class ActualImportForm(forms.Form):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))


class RulesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = rules.rule_labels()
        current = rules.current_rules()
        for key in rules.DEFAULT_RULES:
            self.fields[key] = forms.IntegerField(label=labels.get(key, key), initial=current[key])
