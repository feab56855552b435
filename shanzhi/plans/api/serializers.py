from django.urls import reverse
from rest_framework import serializers

from shanzhi.core import texts
from shanzhi.core.api import BaseModelSerializer, absolute_url
from shanzhi.plans.models import Indicator, IndicatorActual, Plan, PlanNode, ProgressReport, SupervisionNotice

COMMON = ["id", "created_at", "updated_at", "version"]


class PlanSerializer(BaseModelSerializer):
    class Meta:
        model = Plan
        fields = [*COMMON, "title", "year", "rollup", "progress", "is_published", "published_at", "assessed_on"]
        read_only_fields = fields


class PublishSerializer(serializers.Serializer):
    published = serializers.BooleanField()


class PlanNodeSerializer(BaseModelSerializer):
    status_reasons = serializers.SerializerMethodField()

    def get_status_reasons(self, obj) -> list[dict]:
        return texts.render(obj.status_reasons or [])  # the reasons' texts in the reader's language

    class Meta:
        model = PlanNode
        fields = [
            *COMMON,
            "plan",
            "parent",
            "kind",
            "level",
            "position",
            "label",
            "title",
            "text",
            "lead_unit",
            "co_units",
            "responsible_leader",
            "start_date",
            "deadline",
            "weight",
            "progress",
            "status",
            "status_reasons",
            "warning",
            "status_at",
            "closed_at",
        ]
        read_only_fields = [
            *COMMON,
            "plan",
            "parent",
            "level",
            "position",
            "label",
            "text",
            "progress",
            "status",
            "warning",
            "status_at",
            "closed_at",
        ]


class ProgressReportSerializer(BaseModelSerializer):
    percent = serializers.DecimalField(max_digits=5, decimal_places=1)
    attachment = serializers.SerializerMethodField(help_text="The report's file, for the same caller; null if none.")

    def get_attachment(self, obj) -> str | None:
        if not obj.attachment:
            return None
        return absolute_url(self, reverse("progressreport-download", args=[obj.pk]))

    class Meta:
        model = ProgressReport
        fields = [*COMMON, "node", "unit", "period", "text", "percent", "submitted_at", "is_late", "attachment"]
        read_only_fields = [*COMMON, "unit", "submitted_at", "is_late", "attachment"]

    def validate(self, attrs):
        # The service checks the rest (closed task, duplicate month, percent 0–100, responsible unit).
        return attrs


class SupervisionNoticeSerializer(BaseModelSerializer):
    reply_due = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = SupervisionNotice
        fields = [
            *COMMON,
            "code",
            "node",
            "unit",
            "issued_by",
            "issued_on",
            "content",
            "reply_due",
            "state",
            "reply",
            "replied_at",
            "replied_by",
            "escalated_at",
        ]
        read_only_fields = [
            *COMMON,
            "code",
            "issued_by",
            "issued_on",
            "state",
            "reply",
            "replied_at",
            "replied_by",
            "escalated_at",
        ]
        extra_kwargs = {"unit": {"required": False, "allow_null": True}}

    def validate(self, attrs):
        return attrs


class NoticeReplySerializer(serializers.Serializer):
    reply = serializers.CharField()


class IndicatorSerializer(BaseModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            *COMMON,
            "plan",
            "node",
            "name",
            "kind",
            "comparator",
            "target_value",
            "target_value_max",
            "unit",
            "measure_unit",
            "sentence",
            "responsible_unit",
            "position",
        ]
        read_only_fields = fields


class IndicatorActualSerializer(BaseModelSerializer):
    value = serializers.DecimalField(max_digits=20, decimal_places=4)

    class Meta:
        model = IndicatorActual
        fields = [*COMMON, "indicator", "year", "month", "value", "reported_yoy", "note"]
        read_only_fields = COMMON

    def validate(self, attrs):
        return attrs


class IndicatorSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    measure_unit = serializers.CharField()
    kind = serializers.CharField()
    comparator = serializers.CharField()
    target = serializers.DecimalField(max_digits=20, decimal_places=4)
    target_display = serializers.CharField()
    latest_month = serializers.IntegerField(allow_null=True)
    latest_actual = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    cumulative = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    yoy_growth = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    gap = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    status = serializers.CharField()
    forecast_total = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    forecast_yoy = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
