from rest_framework import serializers

from shanzhi.core.api import BaseModelSerializer, DateTimeField
from shanzhi.orgs.api.serializers import BoundaryMixin
from shanzhi.projects.models import (
    Blocker,
    ChainLink,
    IndustryChain,
    Lead,
    LeadActivity,
    Milestone,
    Parcel,
    Project,
    ProjectMonth,
    ProjectStageChange,
    Proposal,
)

COMMON_READ_ONLY = ["id", "created_at", "updated_at", "version"]


class ProjectSerializer(BoundaryMixin, BaseModelSerializer):
    class Meta:
        model = Project
        fields = [
            *COMMON_READ_ONLY,
            "code",
            "name",
            "kind",
            "year",
            "stage",
            "stage_changed_on",
            "owner_unit",
            "enterprise",
            "responsible_leader",
            "department",
            "community",
            "address",
            "longitude",
            "latitude",
            "boundary",
            "total_investment",
            "land_area_mu",
            "planned_start",
            "planned_end",
            "started_on",
            "production_on",
            "completed_on",
            "description",
            "is_public",
            "requires_enforcement",
            "is_generated",
        ]
        read_only_fields = [
            *COMMON_READ_ONLY,
            "stage",
            "stage_changed_on",
            "started_on",
            "production_on",
            "completed_on",
            "is_generated",
        ]


class ProjectMonthSerializer(BaseModelSerializer):
    class Meta:
        model = ProjectMonth
        fields = [
            *COMMON_READ_ONLY,
            "project",
            "month",
            "planned_investment",
            "completed_investment",
            "physical_progress",
            "note",
            "reported_at",
        ]
        read_only_fields = fields


class StageChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectStageChange
        fields = ["id", "project", "from_stage", "to_stage", "on", "note"]
        read_only_fields = fields


class StageMoveSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Project.Stage.choices)
    on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class ProgressSerializer(serializers.Serializer):
    """Amounts as strings or numbers: the service refuses "abc" and negatives with a message."""

    month = serializers.CharField(help_text="2023-05")
    completed_investment = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    physical_progress = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PlanSerializer(serializers.Serializer):
    plan = serializers.DictField(child=serializers.CharField(), help_text='{"2023-01": "120.5", …}')


class MilestoneSerializer(BaseModelSerializer):
    class Meta:
        model = Milestone
        fields = [*COMMON_READ_ONLY, "project", "name", "due_on", "done_on", "sort_order"]
        read_only_fields = COMMON_READ_ONLY


class BlockerSerializer(BaseModelSerializer):
    case_code = serializers.CharField(source="case.code", read_only=True, default=None, allow_null=True)
    case_status = serializers.CharField(source="case.status", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Blocker
        fields = [
            *COMMON_READ_ONLY,
            "project",
            "kind",
            "description",
            "department",
            "deadline",
            "status",
            "case",
            "case_code",
            "case_status",
            "resolved_on",
        ]
        read_only_fields = [*COMMON_READ_ONLY, "status", "case", "resolved_on"]


class IndustryChainSerializer(BaseModelSerializer):
    class Meta:
        model = IndustryChain
        fields = [*COMMON_READ_ONLY, "name", "description", "department", "sort_order", "is_generated"]
        read_only_fields = [*COMMON_READ_ONLY, "is_generated"]


class ChainLinkSerializer(BaseModelSerializer):
    class Meta:
        model = ChainLink
        fields = [*COMMON_READ_ONLY, "chain", "name", "position", "enterprises", "is_key_gap", "sort_order"]
        read_only_fields = COMMON_READ_ONLY


class LeadSerializer(BaseModelSerializer):
    class Meta:
        model = Lead
        fields = [
            *COMMON_READ_ONLY,
            "company",
            "kind",
            "enterprise",
            "industry",
            "chain_link",
            "source",
            "investment",
            "contact_name",
            "contact_phone",
            "owner",
            "department",
            "stage",
            "stage_changed_on",
            "drop_reason",
            "last_activity_at",
            "project",
            "notes",
            "is_generated",
        ]
        read_only_fields = [
            *COMMON_READ_ONLY,
            "stage",
            "stage_changed_on",
            "drop_reason",
            "last_activity_at",
            "is_generated",
        ]


class LeadMoveSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Lead.Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class LeadActivitySerializer(BaseModelSerializer):
    class Meta:
        model = LeadActivity
        fields = [*COMMON_READ_ONLY, "lead", "kind", "at", "summary"]
        read_only_fields = [*COMMON_READ_ONLY, "lead"]


class LeadLogSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LeadActivity.Kind.choices, default="call")
    at = DateTimeField(required=False)
    summary = serializers.CharField()

    def validate_kind(self, value):
        if value == LeadActivity.Kind.STAGE:
            raise serializers.ValidationError("Stage changes are logged by a stage move.")
        return value


class ParcelSerializer(BaseModelSerializer):
    class Meta:
        model = Parcel
        fields = [
            *COMMON_READ_ONLY,
            "project",
            "code",
            "area_mu",
            "owners",
            "households",
            "stage",
            "signed_on",
            "relocated_on",
            "demolished_on",
            "prepared_on",
            "transferred_on",
            "transfer_price",
            "enforcement",
            "note",
            "is_generated",
        ]
        read_only_fields = [
            *COMMON_READ_ONLY,
            "stage",
            "signed_on",
            "relocated_on",
            "demolished_on",
            "prepared_on",
            "transferred_on",
            "transfer_price",
            "is_generated",
        ]


class ParcelMoveSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Parcel.Stage.choices)
    on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    transfer_price = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    version = serializers.IntegerField(required=False)


class ProposalSerializer(BaseModelSerializer):
    class Meta:
        model = Proposal
        fields = [
            *COMMON_READ_ONLY,
            "title",
            "description",
            "category",
            "community",
            "department",
            "for_year",
            "proposer_name",
            "proposer_phone",
            "status",
            "answer",
            "answered_at",
            "votes",
            "project",
        ]
        read_only_fields = fields


class ProposalAnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Proposal.Status.choices, help_text="answered, declined or hidden")
    answer = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)
