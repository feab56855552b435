from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shanzhi.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, _check_in_scope
from shanzhi.core.params import expected_version, year_param
from shanzhi.core.scoping import CHANGE
from shanzhi.core.views import file_response
from shanzhi.plans import filtersets, selectors, services
from shanzhi.plans.api import serializers as s
from shanzhi.plans.models import Indicator, IndicatorActual, Plan, PlanNode, ProgressReport, SupervisionNotice


class PlanViewSet(ScopedReadOnlyViewSet):
    queryset = Plan.objects.all()
    serializer_class = s.PlanSerializer
    search_fields = ["title"]

    @extend_schema(request=s.PublishSerializer, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        if not request.user.has_perm("plans.change_plan"):
            raise PermissionDenied("Your role may not do this.")
        plan = self.get_object()
        ser = s.PublishSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        plan = services.plan_publish(plan=plan, actor=request.user, published=ser.validated_data["published"])
        return Response(s.PlanSerializer(plan, context={"request": request}).data)


class PlanNodeViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Tasks of the plans; PATCH changes their supervision data (units, leader, dates, weight)."""

    queryset = PlanNode.objects.select_related("lead_unit").prefetch_related("co_units")
    serializer_class = s.PlanNodeSerializer
    filterset_class = filtersets.PlanNodeFilterSet
    search_fields = ["title", "text"]
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        co_units = data.pop("co_units", None)
        version = self.request.data.get("version") if hasattr(self.request.data, "get") else None
        with transaction.atomic():
            node = services.node_update(
                node=serializer.instance,
                actor=self.request.user,
                co_units=co_units,
                expected_version=expected_version(version),
                **data,
            )
            _check_in_scope(node, self.request.user)
        serializer.instance = node


class ProgressReportViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ProgressReport.objects.select_related("node", "unit")
    serializer_class = s.ProgressReportSerializer
    filterset_class = filtersets.ProgressReportFilterSet
    search_fields = ["text"]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The report's file, for the same caller (uploads are not served from /media)."""
        return file_response(self.get_object().attachment, missing=_("The file is missing."), as_attachment=True)

    def perform_create(self, serializer):
        data = serializer.validated_data
        node = PlanNode.objects.restrict(self.request.user).filter(pk=data["node"].pk).first()
        if node is None:
            raise PermissionDenied("This task is outside your scope.")
        serializer.instance = services.report_submit(
            node=node, actor=self.request.user, period=data["period"], text=data["text"], percent=data["percent"]
        )


class SupervisionNoticeViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """督办单: leaders issue them on a task; the unit replies (POST …/reply/)."""

    queryset = SupervisionNotice.objects.select_related("node", "unit")
    serializer_class = s.SupervisionNoticeSerializer
    filterset_class = filtersets.SupervisionNoticeFilterSet
    search_fields = ["code", "content"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        node = PlanNode.objects.restrict(self.request.user).filter(pk=data["node"].pk).first()
        if node is None:
            raise PermissionDenied("This task is outside your scope.")
        serializer.instance = services.notice_issue(
            node=node,
            actor=self.request.user,
            content=data["content"],
            reply_due=data.get("reply_due"),
            unit=data.get("unit"),
        )

    def get_scope_action(self):
        return CHANGE if self.action == "reply" else super().get_scope_action()

    @extend_schema(request=s.NoticeReplySerializer, responses=s.SupervisionNoticeSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def reply(self, request, pk=None):
        # A reply changes the notice: the scope first (404 outside it), then the permission.
        if not request.user.has_perm("plans.view_supervisionnotice"):
            raise PermissionDenied("Your role may not do this.")
        notice = self.get_object()
        if not request.user.has_perm("plans.change_supervisionnotice"):
            raise PermissionDenied("Your role may not do this.")
        ser = s.NoticeReplySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        notice = services.notice_reply(notice=notice, actor=request.user, reply=ser.validated_data["reply"])
        return Response(s.SupervisionNoticeSerializer(notice, context={"request": request}).data)


class IndicatorViewSet(ScopedReadOnlyViewSet):
    queryset = Indicator.objects.all()
    serializer_class = s.IndicatorSerializer
    filterset_class = filtersets.IndicatorFilterSet
    search_fields = ["name"]

    @extend_schema(responses=s.IndicatorSummarySerializer(many=True))
    @action(detail=False, methods=["get"])
    def summary(self, request):
        year = request.query_params.get("year")
        rows = selectors.indicator_summary(request.user, year=year_param(year))
        return Response(s.IndicatorSummarySerializer(rows, many=True).data)


class IndicatorActualViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly actuals; POST enters or corrects one month."""

    queryset = IndicatorActual.objects.select_related("indicator")
    serializer_class = s.IndicatorActualSerializer
    filterset_fields = ["indicator", "year", "month"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        indicator = Indicator.objects.restrict(self.request.user, CHANGE).filter(pk=data["indicator"].pk).first()
        if indicator is None:
            raise PermissionDenied("This indicator is outside your scope.")
        serializer.instance = services.actual_record(
            indicator=indicator,
            actor=self.request.user,
            year=data["year"],
            month=data["month"],
            value=data["value"],
            reported_yoy=data.get("reported_yoy"),
            note=data.get("note", ""),
        )
