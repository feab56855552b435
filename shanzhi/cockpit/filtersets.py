import django_filters
from django.utils.translation import gettext_lazy as _

from shanzhi.cockpit.models import Report
from shanzhi.core.filtersets import FilterSet


class ReportFilterSet(FilterSet):
    period_after = django_filters.DateFilter(field_name="period", lookup_expr="gte", label=_("from month"))
    period_before = django_filters.DateFilter(field_name="period", lookup_expr="lte", label=_("until month"))

    class Meta:
        model = Report
        fields = ["kind", "is_automatic"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
