from rest_framework import serializers

from shanzhi.core.api import BaseModelSerializer
from shanzhi.orgs import geo
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

COMMON_READ_ONLY = ["id", "created_at", "updated_at", "version"]


class BoundaryMixin:
    def validate_boundary(self, value):
        if value in (None, {}):
            return None
        try:
            geo.parse_polygon(value)
        except geo.GeometryError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value.get("geometry", value) if isinstance(value, dict) and value.get("type") == "Feature" else value


class DepartmentSerializer(BaseModelSerializer):
    class Meta:
        model = Department
        fields = [*COMMON_READ_ONLY, "code", "name", "kind", "phone", "duties", "leader", "sort_order"]
        read_only_fields = COMMON_READ_ONLY


class CommunitySerializer(BoundaryMixin, BaseModelSerializer):
    class Meta:
        model = Community
        fields = [*COMMON_READ_ONLY, "code", "name", "population", "address", "phone", "boundary", "is_generated"]
        read_only_fields = [*COMMON_READ_ONLY, "is_generated"]


class GridSerializer(BoundaryMixin, BaseModelSerializer):
    class Meta:
        model = Grid
        fields = [
            *COMMON_READ_ONLY,
            "code",
            "name",
            "community",
            "households",
            "population",
            "boundary",
            "is_generated",
        ]
        read_only_fields = [*COMMON_READ_ONLY, "is_generated"]


class GridAssignmentSerializer(BaseModelSerializer):
    class Meta:
        model = GridAssignment
        fields = [*COMMON_READ_ONLY, "grid", "user", "role"]
        read_only_fields = COMMON_READ_ONLY


class EnterpriseSerializer(BaseModelSerializer):
    class Meta:
        model = Enterprise
        fields = [
            *COMMON_READ_ONLY,
            "name",
            "uscc",
            "address",
            "longitude",
            "latitude",
            "grid",
            "community",
            "contact_name",
            "contact_phone",
            "size",
            "industry",
            "is_above_scale",
            "employees",
        ]
        read_only_fields = COMMON_READ_ONLY


class PartyOrganizationSerializer(BaseModelSerializer):
    class Meta:
        model = PartyOrganization
        fields = [*COMMON_READ_ONLY, "name", "kind", "community", "grid", "secretary"]
        read_only_fields = COMMON_READ_ONLY


class PartyMemberSerializer(BaseModelSerializer):
    class Meta:
        model = PartyMember
        fields = [*COMMON_READ_ONLY, "name", "phone", "id_number", "organization", "community", "grid", "joined_on"]
        read_only_fields = COMMON_READ_ONLY


class VolunteerSerializer(BaseModelSerializer):
    class Meta:
        model = Volunteer
        fields = [*COMMON_READ_ONLY, "name", "phone", "id_number", "community", "grid", "skills", "service_hours"]
        read_only_fields = COMMON_READ_ONLY
