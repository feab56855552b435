import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportForm(forms.Form):
    month = forms.CharField(
        label=_("month"),
        max_length=7,
        help_text=_("YYYY-MM"),
        widget=forms.TextInput(attrs={"type": "month", "class": "form-control"}),
    )

    def clean_month(self) -> datetime.date:
        value = self.cleaned_data["month"]
        try:
            month = datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None
        if month > timezone.localdate():
            raise forms.ValidationError(_("A bulletin cannot be generated for a future month."))
        return month
