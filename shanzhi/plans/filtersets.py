import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from shanzhi.core.filtersets import FilterSet
from shanzhi.orgs.models import Department
from shanzhi.plans.models import Indicator, Plan, PlanNode, ProgressReport, Status, SupervisionNotice


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.ModelChoiceFilter):
    """A model chosen by its id (typed as an integer in the API schema)."""


class PlanNodeFilterSet(FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=Plan.objects.all(), label=_("plan"))
    program = django_filters.ModelChoiceFilter(
        queryset=PlanNode.objects.filter(kind="program", parent__isnull=True),
        label=_("program"),
        method="filter_program",
    )
    unit = IdFilter(queryset=Department.objects.all(), label=_("unit"), method="filter_unit")
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))
    supervised = django_filters.BooleanFilter(
        field_name="lead_unit", lookup_expr="isnull", exclude=True, label=_("supervised")
    )

    class Meta:
        model = PlanNode
        fields = ["plan", "program", "unit", "status", "kind", "supervised"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["program"].queryset = PlanNode.objects.filter(kind="program", parent__isnull=True).select_related(
            "plan"
        )

    def filter_program(self, queryset, name, value: int):  # a PlanNode; its id in the API
        if not value:
            return queryset
        # Programs are at most a few levels deep: match the node, its children and grandchildren.
        return queryset.filter(
            Q(pk=value.pk) | Q(parent=value) | Q(parent__parent=value) | Q(parent__parent__parent=value)
        )

    def filter_unit(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(lead_unit=value) | Q(co_units=value)).distinct()


class ProgressReportFilterSet(FilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("unit"))
    period = django_filters.DateFilter(label=_("month"))
    is_late = django_filters.BooleanFilter(label=_("late"))

    class Meta:
        model = ProgressReport
        fields = ["unit", "period", "is_late"]


class SupervisionNoticeFilterSet(FilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("unit"))

    class Meta:
        model = SupervisionNotice
        fields = ["state", "unit"]


class IndicatorFilterSet(FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=Plan.objects.all(), label=_("plan"))

    class Meta:
        model = Indicator
        fields = ["plan", "kind"]
