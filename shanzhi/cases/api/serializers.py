from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shanzhi.cases import selectors
from shanzhi.cases.models import Case, CaseAttachment, CaseEvent, CaseSummons, Category, KeywordRule, Submission
from shanzhi.cases.workflow import ACTIONS, CANCEL_REASONS
from shanzhi.core import texts
from shanzhi.core.api import BaseModelSerializer, CachedFieldsMixin, MaskedSerializerMixin, absolute_url
from shanzhi.orgs.models import Department, Enterprise, Grid

COMMON = ["id", "created_at", "updated_at", "version"]


class CategorySerializer(BaseModelSerializer):
    class Meta:
        model = Category
        fields = [
            *COMMON,
            "code",
            "name",
            "parent",
            "description",
            "default_department",
            "deadline_workdays",
            "deadline_workhours",
            "priority",
            "keywords",
            "is_active",
            "sort_order",
        ]
        read_only_fields = COMMON


class KeywordRuleSerializer(BaseModelSerializer):
    class Meta:
        model = KeywordRule
        fields = [*COMMON, "name", "keywords", "department", "category", "priority", "is_active"]
        read_only_fields = COMMON

    def get_fields(self):
        # The rule form's choices: active sub-categories, and the rule's own current one.
        fields = super().get_fields()
        current = self.instance.category_id if isinstance(self.instance, KeywordRule) else None
        fields["category"].queryset = KeywordRule.category_choices(current)
        return fields


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)
    data = serializers.SerializerMethodField()

    def get_data(self, obj) -> dict:
        return texts.render(obj.data or {})  # system texts in the reader's language

    class Meta:
        model = CaseEvent
        fields = ["id", "at", "actor", "actor_label", "action", "from_status", "to_status", "note", "data", "is_public"]


class CaseSummonsSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = CaseSummons
        fields = [
            "id",
            "department",
            "department_name",
            "is_lead",
            "status",
            "summoned_at",
            "arrived_at",
            "report",
            "reported_at",
            "rating",
        ]


class CaseSerializer(CachedFieldsMixin, MaskedSerializerMixin, serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True, default=None, allow_null=True)
    public_status = serializers.CharField(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "code",
            "kind",
            "source",
            "title",
            "description",
            "category",
            "category_code",
            "nature",
            "status",
            "public_status",
            "priority",
            "grid",
            "community",
            "department",
            "longitude",
            "latitude",
            "address",
            "received_at",
            "deadline",
            "sign_deadline",
            "dispatched_at",
            "signed_at",
            "replied_at",
            "closed_at",
            "reply",
            "reporter_name",
            "reporter_phone",
            "enterprise",
            "leader",
            "routed_by",
            "routing_reason",
            "routing_confidence",
            "supervised",
            "escalation_level",
            "urge_count",
            "is_whistle",
            "merged_into",
            "callback_valid",
            "callback_contacted",
            "callback_resolved",
            "callback_satisfaction",
            "public_rating",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CachedCategoryField(serializers.SlugRelatedField):
    """A category by code from the router's in-process cache (no query per request)."""

    def to_internal_value(self, data):
        from shanzhi.cases import router

        cat = router.categories_by_code().get(str(data)) if isinstance(data, (str, int)) else None
        if cat is not None:
            return cat
        if isinstance(data, str) and "\x00" in data:  # no code has one; PostgreSQL refuses it (a 500)
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", "\\x00"))
        return super().to_internal_value(data)


class CaseCreateSerializer(CachedFieldsMixin, serializers.Serializer):
    description = serializers.CharField(max_length=4000, allow_blank=False, trim_whitespace=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Case.Kind.choices, default=Case.Kind.REQUEST)
    nature = serializers.ChoiceField(choices=Case.Nature.choices, required=False)
    category = CachedCategoryField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Sub-category code (the Open311 service code).",
    )
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    reporter_phone = serializers.RegexField(r"^[0-9+\- ]{5,20}$", required=False, allow_blank=True, default="")
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False, allow_null=True)
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False, allow_null=True)
    leader = serializers.PrimaryKeyRelatedField(
        queryset=selectors.leaders(),
        required=False,
        allow_null=True,
        help_text="企业家直通车: the street leader who answers for an enterprise request.",
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="Images (multipart/form-data): as many and as large as the settings cases.max_photos and "
        "cases.max_photo_bytes allow (3 of 5 MB by default); metadata such as GPS is removed.",
    )
    idempotency_key = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Or the Idempotency-Key header: a retry returns the same case.",
    )

    def validate(self, attrs):
        if (attrs.get("longitude") is None) != (attrs.get("latitude") is None):
            raise serializers.ValidationError({"longitude": _("Give both longitude and latitude, or neither.")})
        return attrs


class SubmissionCreateSerializer(CaseCreateSerializer):
    """The queued intake takes what the synchronous one does, but photos (send those to
    POST /api/cases/cases/: they are checked and re-encoded while the caller waits)."""

    photos = None
    idempotency_key = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Or the Idempotency-Key header: a retry returns the same submission.",
    )


# DRF's own date-time output (format, zone), unbound: it reads nothing from a parent serializer.
_DATETIME = serializers.DateTimeField(read_only=True)


class SubmissionSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    case_code = serializers.SerializerMethodField(
        help_text="The filed case's tracking code: the submission's own, unless the key had been used "
        "by POST /api/cases/cases/ already (then that case's)."
    )
    url = serializers.SerializerMethodField(help_text="Where to ask what became of it.")

    def get_case_code(self, obj) -> str | None:
        return obj.case.code if obj.case_id else None

    def get_url(self, obj) -> str:
        return absolute_url(self, reverse("submission-detail", args=[obj.code]))

    def to_representation(self, instance):
        """What DRF's walk over the declared fields gives (a test compares the two, key for key,
        for every status), built directly: the queued intake answers with it on every accepted
        case, and the walk (eight fields copied, bound and read one by one) cost about a tenth
        of that request. The declared fields still describe it in the OpenAPI schema."""
        return {
            "code": instance.code,
            "status": instance.status,
            "received_at": _DATETIME.to_representation(instance.received_at),
            "filed_at": _DATETIME.to_representation(instance.filed_at),
            "case": instance.case_id,
            "case_code": self.get_case_code(instance),
            "error": instance.error,
            "url": self.get_url(instance),
        }

    class Meta:
        model = Submission
        fields = ["code", "status", "received_at", "filed_at", "case", "case_code", "error", "url"]
        read_only_fields = fields


class CaseAttachmentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text="The file itself, for the same caller.")

    def get_download(self, obj) -> str:
        return absolute_url(self, reverse("case-attachment-download", args=[obj.pk]))

    class Meta:
        model = CaseAttachment
        fields = ["id", "case", "event", "content_type", "size", "is_public", "created_at", "download"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, a) for a in ACTIONS if a not in ("warn", "escalate")])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    version = serializers.IntegerField(required=False, help_text="The version you read; a stale one gets 409.")
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False, allow_null=True)
    local = serializers.BooleanField(required=False, default=False)
    days = serializers.IntegerField(required=False, min_value=1, max_value=60)
    contacted = serializers.BooleanField(required=False)
    resolved = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfaction = serializers.ChoiceField(choices=Case.Satisfaction.choices, required=False, allow_blank=True)
    is_valid = serializers.BooleanField(required=False, default=True)
    into = serializers.CharField(required=False, help_text="merge: tracking code of the case to keep")
    lead = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False)
    departments = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), many=True, required=False)
    score = serializers.IntegerField(required=False, min_value=1, max_value=5)
    reason = serializers.ChoiceField(
        choices=list(CANCEL_REASONS),
        required=False,
        help_text="cancel: why the case is cancelled.",
    )


class PublicEventSerializer(serializers.Serializer):
    """One step of the public timeline: when, what, and which unit — no names or notes."""

    at = serializers.DateTimeField()  # in the site's time zone, like received_at
    action = serializers.CharField()
    unit = serializers.SerializerMethodField()

    def get_unit(self, ev) -> str:
        return ev.actor_display if ev.actor_label != CaseEvent.SYSTEM_LABEL else ""


class PublicCaseSerializer(serializers.ModelSerializer):
    """What anyone with the code sees: no names, phones or internal notes."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    category = serializers.StringRelatedField(allow_null=True)
    public_status = serializers.CharField(read_only=True)
    merged_into = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The case this one was merged into (并单)."
    )
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "code",
            "status",
            "status_label",
            "public_status",
            "category",
            "source",
            "source_label",
            "received_at",
            "deadline",
            "reply",
            "public_rating",
            "merged_into",
            "timeline",
        ]

    @extend_schema_field(PublicEventSerializer(many=True))
    def get_timeline(self, obj):
        return PublicEventSerializer(selectors.public_events(obj), many=True).data


class OwnCaseSerializer(PublicCaseSerializer):
    """A resident's own case over the API: what its tracking page shows, plus what they sent.
    Before, a reporter read the staff's view — routing, call-back records, every internal note
    and the names of the staff who wrote them."""

    class Meta(PublicCaseSerializer.Meta):
        fields = [
            "id",
            *PublicCaseSerializer.Meta.fields,
            "title",
            "description",
            "address",
            "longitude",
            "latitude",
            "reporter_name",
            "reporter_phone",
        ]


class OwnCaseListSerializer(OwnCaseSerializer):
    """A resident's list of their cases: each without its timeline (one query a case); the
    case's own address (`…/cases/{id}/`) and `…/timeline/` give it."""

    class Meta(OwnCaseSerializer.Meta):
        fields = [f for f in OwnCaseSerializer.Meta.fields if f != "timeline"]


class RateRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField()
    valid = serializers.IntegerField()
    response = serializers.FloatField(allow_null=True)
    resolution = serializers.FloatField(allow_null=True)
    satisfaction = serializers.FloatField(allow_null=True)
    composite = serializers.FloatField(allow_null=True)
    on_time_sign = serializers.FloatField(allow_null=True)
    return_rate = serializers.FloatField(allow_null=True)
    rework_rate = serializers.FloatField(allow_null=True)
    on_time_completion = serializers.FloatField(allow_null=True)


class PublicRateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
