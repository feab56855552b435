from shanzhi.core.api import ScopedModelViewSet
from shanzhi.orgs import filtersets
from shanzhi.orgs.api import serializers as s
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


class DepartmentViewSet(ScopedModelViewSet):
    queryset = Department.objects.all()
    serializer_class = s.DepartmentSerializer
    search_fields = ["name", "code"]


class CommunityViewSet(ScopedModelViewSet):
    queryset = Community.objects.all()
    serializer_class = s.CommunitySerializer
    search_fields = ["name", "code"]


class GridViewSet(ScopedModelViewSet):
    queryset = Grid.objects.select_related("community")
    serializer_class = s.GridSerializer
    filterset_class = filtersets.GridFilterSet
    search_fields = ["name", "code"]


class GridAssignmentViewSet(ScopedModelViewSet):
    queryset = GridAssignment.objects.select_related("grid", "user")
    serializer_class = s.GridAssignmentSerializer
    filterset_fields = ["grid", "user", "role"]


class EnterpriseViewSet(ScopedModelViewSet):
    queryset = Enterprise.objects.select_related("grid", "community")
    serializer_class = s.EnterpriseSerializer
    filterset_class = filtersets.EnterpriseFilterSet
    search_fields = ["name", "uscc", "address"]


class PartyOrganizationViewSet(ScopedModelViewSet):
    queryset = PartyOrganization.objects.all()
    serializer_class = s.PartyOrganizationSerializer
    filterset_class = filtersets.PartyOrganizationFilterSet


class PartyMemberViewSet(ScopedModelViewSet):
    queryset = PartyMember.objects.all()
    serializer_class = s.PartyMemberSerializer
    filterset_class = filtersets.PartyMemberFilterSet
    search_fields = ["name"]


class VolunteerViewSet(ScopedModelViewSet):
    queryset = Volunteer.objects.all()
    serializer_class = s.VolunteerSerializer
    filterset_class = filtersets.VolunteerFilterSet
    search_fields = ["name", "skills"]
