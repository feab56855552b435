import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.cases import selectors
from shanzhi.cases.models import CLOSED_STATES, Case, Category
from shanzhi.core.filtersets import FilterSet
from shanzhi.orgs.filtersets import ScopedFilterSet
from shanzhi.orgs.models import Community, Department, Grid


class CaseFilterSet(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Case.Status.choices, label=_("status"))
    kind = django_filters.ChoiceFilter(choices=Case.Kind.choices, label=_("kind"))
    category = django_filters.ModelChoiceFilter(
        queryset=selectors.categories_as_tree(), label=_("category"), method="filter_category"
    )
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("handling department"))
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=_("grid"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("open"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    urged = django_filters.BooleanFilter(method="filter_urged", label=_("repeat calls (催办)"))
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("received from")
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("received until")
    )

    class Meta:
        model = Case
        fields = ["status", "kind", "category", "department", "community", "grid"]

    def filter_category(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(Q(category=value) | Q(category__parent=value))

    def filter_open(self, qs, name, value):
        if value is None:
            return qs
        return qs.exclude(status__in=CLOSED_STATES) if value else qs.filter(status__in=CLOSED_STATES)

    def filter_urged(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(urge_count__gt=0) if value else qs.filter(urge_count=0)

    def filter_overdue(self, qs, name, value):
        if not value:
            return qs
        return qs.overdue(timezone.now())


class CategoryFilterSet(FilterSet):
    """The category list: active or switched-off ones."""

    class Meta:
        model = Category
        fields = ["is_active"]
