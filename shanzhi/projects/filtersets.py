import django_filters
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.core.filtersets import FilterSet
from shanzhi.orgs.filtersets import ScopedFilterSet
from shanzhi.orgs.models import Community, Department
from shanzhi.projects.conf import get_setting
from shanzhi.projects.models import Blocker, Lead, Parcel, Project, ProjectMonth, Proposal, month_start


class ProjectFilterSet(ScopedFilterSet):
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("responsible department"))
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))
    behind = django_filters.BooleanFilter(method="filter_behind", label=_("behind plan"))

    class Meta:
        model = Project
        fields = ["kind", "stage", "year", "department", "community", "behind"]

    def filter_behind(self, queryset, name, value):
        if value is None:
            return queryset
        today = month_start(timezone.localdate())
        behind_ids = (
            ProjectMonth.objects.filter(is_deleted=False)
            .values("project_id")
            .annotate(planned=Sum("planned_investment", filter=Q(month__lte=today)), done=Sum("completed_investment"))
            .filter(planned__gt=0)
            .filter(Q(done__lt=F("planned")) | Q(done__isnull=True))
            .values("project_id")
        )
        return queryset.filter(pk__in=behind_ids) if value else queryset.exclude(pk__in=behind_ids)


class BlockerFilterSet(FilterSet):
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("responsible department"))

    class Meta:
        model = Blocker
        fields = ["kind", "status", "department"]


class LeadFilterSet(FilterSet):
    stale = django_filters.BooleanFilter(method="filter_stale", label=_("without recent activity"))

    class Meta:
        model = Lead
        fields = ["kind", "stage", "source", "chain_link__chain", "stale"]

    def filter_stale(self, queryset, name, value):
        if value is None:
            return queryset
        days = int(get_setting("projects.lead_stale_days", 30))
        stale = Lead.objects.stale(days).values("pk")
        return queryset.filter(pk__in=stale) if value else queryset.exclude(pk__in=stale)


class ParcelFilterSet(FilterSet):
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.filter(kind=Project.Kind.RENEWAL), label=_("renewal project")
    )

    class Meta:
        model = Parcel
        fields = ["project", "stage", "enforcement"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None and request.user.is_authenticated:
            self.filters["project"].queryset = Project.objects.restrict(request.user).filter(kind=Project.Kind.RENEWAL)


class ProposalFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))

    class Meta:
        model = Proposal
        fields = ["status", "category", "for_year", "community"]
