from rest_framework import serializers

from shanzhi.cockpit.models import COUNTERS, CaseStat, Report
from shanzhi.core.api import BaseModelSerializer


class CaseStatSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseStat
        fields = ["id", "month", "community", "grid", "department", *COUNTERS]


class ReportSerializer(BaseModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "period",
            "title",
            "community",
            "department",
            "size",
            "is_automatic",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("cockpit:report_download", args=[obj.pk])


class ReportCreateSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="Any day of the month reported on (YYYY-MM-DD).")


class WidgetSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    data = serializers.DictField()
