from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shanzhi.core.api import BaseModelSerializer, DateTimeField, MaskedSerializerMixin
from shanzhi.fieldwork.models import (
    AlertChain,
    AlertChainStep,
    Checklist,
    Dispute,
    DisputeParty,
    Finding,
    Hazard,
    Incident,
    IncidentAlert,
    IncidentType,
    MediationSession,
    Patrol,
    PatrolPlan,
    RiverSection,
    SafetyRecord,
    Severity,
    Wish,
)

RO = ["id", "created_at", "updated_at", "version"]


class WishSerializer(BaseModelSerializer):
    class Meta:
        model = Wish
        fields = [
            *RO,
            "code",
            "title",
            "description",
            "beneficiary_kind",
            "beneficiary_name",
            "beneficiary_phone",
            "consent",
            "budget",
            "deadline",
            "community",
            "grid",
            "status",
            "published_at",
            "claimer_kind",
            "claimer_name",
            "claimer_phone",
            "claimed_at",
            "proof_note",
            "delivered_at",
            "completed_at",
            "thanks",
            "flagged_at",
        ]
        read_only_fields = [
            f
            for f in fields
            if f
            not in (
                "title",
                "description",
                "beneficiary_kind",
                "beneficiary_name",
                "beneficiary_phone",
                "consent",
                "budget",
                "deadline",
                "community",
                "grid",
            )
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        from shanzhi.core.masking import can_see_personal_data, mask_name

        if request is not None and not can_see_personal_data(request.user) and data.get("beneficiary_name"):
            data["beneficiary_name"] = mask_name(data["beneficiary_name"])
        return data


class WishActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["publish", "reject", "claim", "release", "deliver", "confirm", "dispute_delivery", "thank", "cancel"]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("The version you saw; a stale one is refused (409).")
    )
    claimer_kind = serializers.ChoiceField(
        choices=Wish.ClaimerKind.choices, required=False, allow_blank=True, default=""
    )
    claimer_name = serializers.CharField(required=False, allow_blank=True, default="")
    claimer_phone = serializers.CharField(required=False, allow_blank=True, default="")
    thanks = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class PublicWishSerializer(serializers.ModelSerializer):
    """The wish wall: no personal data."""

    community = serializers.CharField(source="community.name")

    class Meta:
        model = Wish
        fields = [
            "code",
            "title",
            "description",
            "beneficiary_kind",
            "budget",
            "deadline",
            "community",
            "status",
            "claimer_kind",
            "thanks",
        ]


class DisputePartySerializer(BaseModelSerializer):
    class Meta:
        model = DisputeParty
        fields = ["id", "kind", "side", "name", "phone"]


class MediationSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationSession
        fields = ["id", "kind", "held_at", "mediators", "outcome", "notes"]


class DisputeSerializer(BaseModelSerializer):
    parties = serializers.SerializerMethodField()
    sessions = MediationSessionSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            *RO,
            "code",
            "title",
            "dispute_type",
            "description",
            "source",
            "case_code",
            "community",
            "grid",
            "risk_level",
            "risk_reason",
            "people_involved",
            "is_group",
            "status",
            "agreement",
            "referred_to",
            "referral_body",
            "closed_at",
            "closure_note",
            "parties",
            "sessions",
        ]
        read_only_fields = fields

    def get_parties(self, obj) -> list[dict]:
        return DisputePartySerializer(
            [p for p in obj.parties.all() if not p.is_deleted], many=True, context=self.context
        ).data


class DisputeCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    dispute_type = serializers.ChoiceField(choices=Dispute.Type.choices)
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=Dispute.Source.choices)
    case_code = serializers.CharField(required=False, allow_blank=True, default="")
    community = serializers.IntegerField()
    grid = serializers.IntegerField(required=False, allow_null=True, default=None)
    risk_level = serializers.ChoiceField(choices=Dispute.Risk.choices, default=Dispute.Risk.LOW)
    risk_reason = serializers.CharField(required=False, allow_blank=True, default="")
    people_involved = serializers.IntegerField(min_value=1, default=2)
    parties = DisputePartySerializer(many=True, required=False)


class DisputeActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["session", "agree", "refer", "follow_up", "close", "reopen"])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True)
    held_at = DateTimeField(required=False, allow_null=True, default=None)
    mediators = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.ChoiceField(
        choices=MediationSession.Outcome.choices, required=False, allow_blank=True, default=""
    )
    agreement = serializers.CharField(required=False, allow_blank=True, default="")
    referred_to = serializers.ChoiceField(choices=Dispute.ReferTo.choices, required=False, allow_blank=True, default="")
    referral_body = serializers.CharField(required=False, allow_blank=True, default="")


class ChecklistSerializer(BaseModelSerializer):
    items = serializers.ListField(child=serializers.CharField(max_length=200), allow_empty=False)

    class Meta:
        model = Checklist
        fields = [*RO, "name", "kind", "items", "is_active"]
        read_only_fields = RO


class RiverSectionSerializer(BaseModelSerializer):
    class Meta:
        model = RiverSection
        fields = [*RO, "name", "river", "length_km", "community", "grid", "chief"]
        read_only_fields = RO


class PatrolPlanSerializer(BaseModelSerializer):
    class Meta:
        model = PatrolPlan
        fields = [
            *RO,
            "name",
            "patroller",
            "patroller_role",
            "target",
            "community",
            "grid",
            "river_section",
            "enterprise",
            "checklist",
            "frequency",
            "times_per_period",
            "starts_on",
            "is_active",
        ]
        read_only_fields = RO


class FindingSerializer(BaseModelSerializer):
    class Meta:
        model = Finding
        fields = [
            *RO,
            "patrol",
            "item",
            "description",
            "community",
            "grid",
            "enterprise",
            "rectify_workdays",
            "deadline",
            "case_code",
            "status",
            "reinspected_at",
            "reinspection_note",
            "times_sent_back",
        ]
        read_only_fields = fields


class PatrolSerializer(BaseModelSerializer):
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = [
            *RO,
            "code",
            "plan",
            "patroller",
            "checklist",
            "community",
            "grid",
            "river_section",
            "enterprise",
            "status",
            "started_at",
            "ended_at",
            "results",
            "notes",
            "longitude",
            "latitude",
            "findings",
        ]
        read_only_fields = fields


class PatrolStartSerializer(serializers.Serializer):
    plan = serializers.IntegerField(required=False, allow_null=True, default=None)
    checklist = serializers.IntegerField(required=False, allow_null=True, default=None)
    grid = serializers.IntegerField(required=False, allow_null=True, default=None)
    river_section = serializers.IntegerField(required=False, allow_null=True, default=None)
    enterprise = serializers.IntegerField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-180, max_value=180)
    latitude = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)


class PatrolCheckSerializer(serializers.Serializer):
    results = serializers.DictField(child=serializers.ChoiceField(choices=["ok", "problem", "na"]))
    notes = serializers.CharField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, allow_null=True)


class FindingCreateSerializer(serializers.Serializer):
    description = serializers.CharField()
    item = serializers.CharField(required=False, allow_blank=True, default="")
    rectify_workdays = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=60, default=None
    )
    hazard_level = serializers.ChoiceField(choices=Hazard.Level.choices, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class PatrolEndSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True)


class ReinspectSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True)


class SafetyRecordSerializer(BaseModelSerializer):
    class Meta:
        model = SafetyRecord
        fields = [
            *RO,
            "enterprise",
            "community",
            "grid",
            "responsible_person",
            "responsible_phone",
            "safety_officer",
            "risk_category",
            "last_inspection_at",
        ]
        read_only_fields = [*RO, "community", "grid", "last_inspection_at"]

    def validate(self, attrs):
        ent = attrs.get("enterprise") or getattr(self.instance, "enterprise", None)
        if ent is not None:
            attrs["community"], attrs["grid"] = ent.community, ent.grid
        return super().validate(attrs)


class HazardSerializer(BaseModelSerializer):
    class Meta:
        model = Hazard
        fields = [
            *RO,
            "enterprise",
            "community",
            "grid",
            "finding",
            "level",
            "description",
            "found_at",
            "deadline",
            "status",
            "rectified_at",
        ]
        read_only_fields = [*RO, "community", "grid", "finding"]

    def validate(self, attrs):
        ent = attrs.get("enterprise") or getattr(self.instance, "enterprise", None)
        if ent is not None:
            attrs["community"], attrs["grid"] = ent.community, ent.grid
        return super().validate(attrs)


class IncidentAlertSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = IncidentAlert
        fields = ["id", "user", "user_name", "level", "sent_at", "due_at", "acknowledged_at", "escalated_at"]


class IncidentSerializer(MaskedSerializerMixin, serializers.ModelSerializer):
    alerts = IncidentAlertSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            *RO,
            "code",
            "incident_type",
            "severity",
            "title",
            "description",
            "address",
            "longitude",
            "latitude",
            "community",
            "grid",
            "chain",
            "is_drill",
            "status",
            "reported_by",
            "occurred_at",
            "closed_at",
            "summary",
            "alerts",
        ]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.Serializer):
    incident_type = serializers.ChoiceField(choices=IncidentType.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    title = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    community = serializers.IntegerField(required=False, allow_null=True, default=None)
    grid = serializers.IntegerField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-180, max_value=180)
    latitude = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)
    is_drill = serializers.BooleanField(default=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class IncidentNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IncidentCloseSerializer(serializers.Serializer):
    summary = serializers.CharField()
    version = serializers.IntegerField(required=False, allow_null=True)


class AlertChainStepSerializer(BaseModelSerializer):
    class Meta:
        model = AlertChainStep
        fields = [*RO, "chain", "level", "user", "ack_minutes"]
        read_only_fields = RO


class AlertChainSerializer(BaseModelSerializer):
    class Meta:
        model = AlertChain
        fields = [*RO, "name", "incident_type", "max_severity", "is_active"]
        read_only_fields = RO
