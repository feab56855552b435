import django_filters
from django.utils.translation import gettext_lazy as _

from shanzhi.core.filtersets import FilterSet
from shanzhi.orgs.models import (
    Community,
    Department,
    Enterprise,
    Grid,
    GridAssignment,
    PartyMember,
    PartyOrganization,
    Volunteer,
)


class ScopedFilterSet(FilterSet):
    """Choices of community / grid filters are limited to the viewer's scope."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            for name, model in (("community", Community), ("grid", Grid)):
                if name in self.filters:
                    self.filters[name].queryset = model.objects.restrict(user)


class DepartmentFilterSet(FilterSet):
    class Meta:
        model = Department
        fields = ["kind"]


class GridFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))

    class Meta:
        model = Grid
        fields = ["community"]


class GridAssignmentFilterSet(ScopedFilterSet):
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=_("grid"))

    class Meta:
        model = GridAssignment
        fields = ["grid", "role"]


class EnterpriseFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=_("grid"))

    class Meta:
        model = Enterprise
        fields = ["community", "grid", "size", "is_above_scale"]


class PartyOrganizationFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))

    class Meta:
        model = PartyOrganization
        fields = ["community", "kind"]


class PersonFilterSet(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("community"))
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=_("grid"))


class PartyMemberFilterSet(PersonFilterSet):
    class Meta:
        model = PartyMember
        fields = ["community", "grid", "organization"]


class VolunteerFilterSet(PersonFilterSet):
    class Meta:
        model = Volunteer
        fields = ["community", "grid"]
