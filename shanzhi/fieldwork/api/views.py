"""REST API of field work. Reads are scoped like the pages; every write goes through a service
(the workflow steps are POST actions), and a refused step answers 400 / 403 / 409 with a message."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from shanzhi.core.api import ScopedModelViewSet, ScopedViewSetMixin
from shanzhi.core.scoping import VIEW
from shanzhi.fieldwork import filtersets, services
from shanzhi.fieldwork.api import serializers as s
from shanzhi.fieldwork.models import (
    AlertChain,
    AlertChainStep,
    Checklist,
    Dispute,
    Finding,
    Hazard,
    Incident,
    Patrol,
    PatrolPlan,
    RiverSection,
    SafetyRecord,
    Wish,
)
from shanzhi.orgs.models import Community, Enterprise, Grid


class ServiceViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # Workflow steps need the view permission and scope here; the service checks the step's
    # own rule (who may do it, in which scope).
    step_actions: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.action_scopes = {**cls.action_scopes, **dict.fromkeys(cls.step_actions, VIEW)}

    def _input(self, serializer_class):
        ser = serializer_class(data=self.request.data)
        ser.is_valid(raise_exception=True)
        return ser.validated_data

    def _out(self, obj, code=status.HTTP_200_OK):
        obj.refresh_from_db()
        return Response(self.get_serializer(obj).data, status=code)


def _pick(model, pk, user, *, everyone=False):
    if pk is None:
        return None
    qs = model.objects.all() if everyone else model.objects.restrict(user)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise exceptions.ValidationError({model._meta.model_name: [_("Not found, or outside your scope.")]})
    return obj


class WishViewSet(ServiceViewSet):
    queryset = Wish.objects.select_related("community")
    serializer_class = s.WishSerializer
    filterset_class = filtersets.WishFilterSet
    search_fields = ["title", "code"]
    step_actions = ("transition",)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "transition" and self.request.user.has_perm("fieldwork.claim_wish"):
            return Wish.objects.filter(Q(pk__in=qs.values("pk")) | Q(status=Wish.Status.PUBLISHED))
        return qs

    def create(self, request):
        ser = s.WishSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        everyone = request.user.role == "resident"
        d["community"] = _pick(Community, d["community"].pk, request.user, everyone=everyone)
        d["grid"] = _pick(Grid, d["grid"].pk, request.user, everyone=everyone) if d.get("grid") else None
        wish = services.wish_create(actor=request.user, **d)
        return self._out(wish, status.HTTP_201_CREATED)

    @extend_schema(request=s.WishActionSerializer, responses=s.WishSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        d = self._input(s.WishActionSerializer)
        wish = services.wish_transition(
            wish=self.get_object(),
            action=d["action"],
            actor=request.user,
            note=d["note"],
            expected_version=d.get("version"),
            claimer_kind=d["claimer_kind"],
            claimer_name=d["claimer_name"],
            claimer_phone=d["claimer_phone"],
            thanks=d["thanks"],
            photos=d["photos"],
        )
        return self._out(wish)


class PublicWishViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The public wish wall (no personal data)."""

    scope_exempt = "Public wish wall: published wishes only, without personal data."
    permission_classes = []
    authentication_classes = []
    serializer_class = s.PublicWishSerializer
    queryset = (
        Wish.objects.filter(status__in=["published", "claimed", "delivered", "completed"])
        .select_related("community")
        .order_by("deadline")
    )
    filterset_class = None


class DisputeViewSet(ServiceViewSet):
    queryset = Dispute.objects.select_related("community", "grid").prefetch_related("parties", "sessions")
    serializer_class = s.DisputeSerializer
    filterset_class = filtersets.DisputeFilterSet
    search_fields = ["title", "code"]
    step_actions = ("transition",)

    @extend_schema(request=s.DisputeCreateSerializer, responses={201: s.DisputeSerializer})
    def create(self, request):
        d = self._input(s.DisputeCreateSerializer)
        d["community"] = _pick(Community, d["community"], request.user)
        d["grid"] = _pick(Grid, d.get("grid"), request.user)
        d["parties"] = [dict(p) for p in d.get("parties", [])]
        dispute = services.dispute_create(actor=request.user, **d)
        return self._out(dispute, status.HTTP_201_CREATED)

    @extend_schema(request=s.DisputeActionSerializer, responses=s.DisputeSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        d = self._input(s.DisputeActionSerializer)
        dispute = services.dispute_transition(
            dispute=self.get_object(),
            action=d.pop("action"),
            actor=request.user,
            expected_version=d.pop("version", None),
            **d,
        )
        return self._out(dispute)


class PatrolViewSet(ServiceViewSet):
    queryset = Patrol.objects.select_related("checklist").prefetch_related("findings")
    serializer_class = s.PatrolSerializer
    filterset_class = filtersets.PatrolFilterSet
    step_actions = ("check", "finding", "end")

    @extend_schema(request=s.PatrolStartSerializer, responses={201: s.PatrolSerializer})
    def create(self, request):
        d = self._input(s.PatrolStartSerializer)
        user = request.user
        patrol = services.patrol_start(
            actor=user,
            plan=_pick(PatrolPlan, d["plan"], user),
            checklist=_pick(Checklist, d["checklist"], user),
            grid=_pick(Grid, d["grid"], user),
            river_section=_pick(RiverSection, d["river_section"], user),
            enterprise=_pick(Enterprise, d["enterprise"], user),
            longitude=d["longitude"],
            latitude=d["latitude"],
        )
        return self._out(patrol, status.HTTP_201_CREATED)

    @extend_schema(request=s.PatrolCheckSerializer, responses=s.PatrolSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        d = self._input(s.PatrolCheckSerializer)
        patrol = services.patrol_check(
            patrol=self.get_object(),
            actor=request.user,
            results=d["results"],
            notes=d["notes"],
            expected_version=d.get("version"),
        )
        return self._out(patrol)

    @extend_schema(request=s.FindingCreateSerializer, responses={201: s.FindingSerializer})
    @action(detail=True, methods=["post"])
    def finding(self, request, pk=None):
        d = self._input(s.FindingCreateSerializer)
        finding = services.finding_report(patrol=self.get_object(), actor=request.user, **d)
        return Response(s.FindingSerializer(finding, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PatrolEndSerializer, responses=s.PatrolSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        d = self._input(s.PatrolEndSerializer)
        patrol = services.patrol_end(
            patrol=self.get_object(), actor=request.user, notes=d["notes"], expected_version=d.get("version")
        )
        return self._out(patrol)


class FindingViewSet(ServiceViewSet):
    queryset = Finding.objects.all()
    serializer_class = s.FindingSerializer
    filterset_class = filtersets.FindingFilterSet
    step_actions = ("reinspect",)

    @extend_schema(request=s.ReinspectSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"])
    def reinspect(self, request, pk=None):
        d = self._input(s.ReinspectSerializer)
        finding = services.finding_reinspect(
            finding=self.get_object(),
            actor=request.user,
            passed=d["passed"],
            note=d["note"],
            expected_version=d.get("version"),
        )
        return self._out(finding)


class IncidentViewSet(ServiceViewSet):
    queryset = Incident.objects.prefetch_related("alerts__user")
    serializer_class = s.IncidentSerializer
    filterset_class = filtersets.IncidentFilterSet
    search_fields = ["title", "code", "address"]
    step_actions = ("acknowledge", "act", "close")

    @extend_schema(request=s.IncidentCreateSerializer, responses={201: s.IncidentSerializer})
    def create(self, request):
        d = self._input(s.IncidentCreateSerializer)
        d["community"] = _pick(Community, d["community"], request.user)
        d["grid"] = _pick(Grid, d["grid"], request.user)
        incident = services.incident_report(actor=request.user, **d)
        return self._out(incident, status.HTTP_201_CREATED)

    @extend_schema(request=s.IncidentNoteSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        d = self._input(s.IncidentNoteSerializer)
        incident = self.get_object()
        services.incident_acknowledge(incident=incident, actor=request.user, note=d["note"])
        return self._out(incident)

    @extend_schema(request=s.IncidentNoteSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        d = self._input(s.IncidentNoteSerializer)
        incident = self.get_object()
        if not request.user.has_perm("fieldwork.change_incident"):
            raise exceptions.PermissionDenied(_("Your role may not do this."))
        services.incident_act(incident=incident, actor=request.user, note=d["note"])
        return self._out(incident)

    @extend_schema(request=s.IncidentCloseSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        d = self._input(s.IncidentCloseSerializer)
        incident = self.get_object()
        services.incident_close(
            incident=incident, actor=request.user, summary=d["summary"], expected_version=d.get("version")
        )
        return self._out(incident)


class ChecklistViewSet(ScopedModelViewSet):
    queryset = Checklist.objects.all()
    serializer_class = s.ChecklistSerializer


class RiverSectionViewSet(ScopedModelViewSet):
    queryset = RiverSection.objects.all()
    serializer_class = s.RiverSectionSerializer


class PatrolPlanViewSet(ScopedModelViewSet):
    queryset = PatrolPlan.objects.all()
    serializer_class = s.PatrolPlanSerializer
    filterset_class = filtersets.PatrolPlanFilterSet


class SafetyRecordViewSet(ScopedModelViewSet):
    queryset = SafetyRecord.objects.select_related("enterprise")
    serializer_class = s.SafetyRecordSerializer


class HazardViewSet(ScopedModelViewSet):
    queryset = Hazard.objects.all()
    serializer_class = s.HazardSerializer
    filterset_class = filtersets.HazardFilterSet


class AlertChainViewSet(ScopedModelViewSet):
    queryset = AlertChain.objects.all()
    serializer_class = s.AlertChainSerializer


class AlertChainStepViewSet(ScopedModelViewSet):
    queryset = AlertChainStep.objects.all()
    serializer_class = s.AlertChainStepSerializer


__all__ = ["get_object_or_404"]
