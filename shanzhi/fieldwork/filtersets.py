import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shanzhi.fieldwork.models import Dispute, Finding, Hazard, Incident, Patrol, PatrolPlan, Wish
from shanzhi.orgs.filtersets import ScopedFilterSet
from shanzhi.orgs.models import Community, Grid


class WishFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))
    flagged = django_filters.BooleanFilter(
        field_name="flagged_at", lookup_expr="isnull", exclude=True, label=_("near deadline")
    )

    class Meta:
        model = Wish
        fields = ["community", "status", "beneficiary_kind", "claimer_kind", "flagged"]


class DisputeFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=_("grid"))

    class Meta:
        model = Dispute
        fields = ["community", "grid", "dispute_type", "risk_level", "is_group", "status", "source"]


class PatrolPlanFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))

    class Meta:
        model = PatrolPlan
        fields = ["community", "patroller_role", "target", "frequency", "is_active"]


class PatrolFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=_("grid"))
    started_after = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", label=pgettext_lazy("date range", "from")
    )
    started_before = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__lte", label=pgettext_lazy("date range", "to")
    )

    class Meta:
        model = Patrol
        fields = ["community", "grid", "status", "started_after", "started_before"]


class FindingFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=_("grid"))

    class Meta:
        model = Finding
        fields = ["community", "grid", "status"]


class HazardFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))

    class Meta:
        model = Hazard
        fields = ["community", "level", "status"]


class IncidentFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))

    class Meta:
        model = Incident
        fields = ["community", "incident_type", "severity", "status", "is_drill"]
