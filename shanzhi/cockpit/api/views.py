"""Cockpit API: the widgets' figures (the same functions as the pages), the raw monthly
rollup, and the report archive. All scoped like the pages."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from shanzhi.cockpit import selectors, services
from shanzhi.cockpit.api import serializers as s
from shanzhi.cockpit.models import CaseStat, Report
from shanzhi.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin
from shanzhi.core.filtersets import FilterSet
from shanzhi.core.scoping import VIEW


class CaseStatFilterSet(FilterSet):
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = CaseStat
        fields = ["month", "community", "grid", "department"]


class CaseStatViewSet(ScopedReadOnlyViewSet):
    """The monthly case rollup, rows of the caller's scope."""

    queryset = CaseStat.objects.order_by("month", "id")
    serializer_class = s.CaseStatSerializer
    filterset_class = CaseStatFilterSet


class WidgetViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """The cockpit's widgets as JSON: `GET /api/cockpit/widgets/` lists them with their data,
    `GET /api/cockpit/widgets/<name>/` one of them."""

    queryset = CaseStat.objects.all()
    serializer_class = s.WidgetSerializer
    lookup_field = "name"
    lookup_value_regex = "[a-z]+"
    scope_action = VIEW
    pagination_class = None

    def _payload(self, widget):
        return {
            "name": widget.name,
            "title": str(widget.title),
            "data": widget.func(self.request.user, timezone.localdate()),
        }

    @extend_schema(responses=s.WidgetSerializer(many=True))
    def list(self, request, *args, **kwargs):
        return Response([self._payload(w) for w in selectors.widgets_for(request.user)])

    @extend_schema(responses=s.WidgetSerializer, parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH)])
    def retrieve(self, request, *args, **kwargs):
        widget = selectors.WIDGETS_BY_NAME.get(kwargs.get("name", ""))
        if widget is None:
            raise Http404(_("No such widget."))
        if not request.user.has_perm(widget.permission):
            raise DjangoPermissionDenied(_("Your role may not do this."))
        return Response(self._payload(widget))


class ReportViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The report archive; POST generates the bulletin of a month for the caller's scope."""

    queryset = Report.objects.select_related("community", "department")
    serializer_class = s.ReportSerializer

    @extend_schema(request=s.ReportCreateSerializer, responses={201: s.ReportSerializer})
    def create(self, request, *args, **kwargs):
        form = s.ReportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        report = services.report_generate(actor=request.user, month=form.validated_data["month"])
        return Response(s.ReportSerializer(report, context={"request": request}).data, status=status.HTTP_201_CREATED)
