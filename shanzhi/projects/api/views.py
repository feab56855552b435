from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from shanzhi.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet
from shanzhi.core.params import expected_version
from shanzhi.core.scoping import CHANGE
from shanzhi.projects import filtersets, services
from shanzhi.projects.api import serializers as s
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
    Proposal,
)


class WorkflowActionsMixin:
    """Actions listed in `workflow_actions` act on one existing record: CHANGE scope and
    permission (or the one `action_permissions` names), through core's `action_scopes`."""

    workflow_actions: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.action_scopes = {**cls.action_scopes, **dict.fromkeys(cls.workflow_actions, CHANGE)}


def _check_scope(obj, user):
    if not type(obj).objects.filter(pk=obj.pk).restrict(user, CHANGE).exists():
        raise exceptions.PermissionDenied(_("You cannot place this record outside your own scope."))


class ProjectViewSet(WorkflowActionsMixin, ScopedModelViewSet):
    queryset = Project.objects.select_related("department", "community")
    serializer_class = s.ProjectSerializer
    filterset_class = filtersets.ProjectFilterSet
    search_fields = ["name", "code", "owner_unit"]
    workflow_actions = ("move", "progress", "plan")
    action_permissions = {"progress": "projects.change_projectmonth", "plan": "projects.change_projectmonth"}

    def perform_create(self, serializer):
        with transaction.atomic():
            obj = services.project_create(actor=self.request.user, **serializer.validated_data)
            _check_scope(obj, self.request.user)
        serializer.instance = obj

    def perform_update(self, serializer):
        version = self.request.data.get("version") if hasattr(self.request.data, "get") else None
        with transaction.atomic():
            obj = services.project_update(
                project=serializer.instance,
                actor=self.request.user,
                expected_version=expected_version(version),
                **serializer.validated_data,
            )
            _check_scope(obj, self.request.user)
        serializer.instance = obj

    @extend_schema(request=s.StageMoveSerializer, responses=s.ProjectSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the project to another stage (谋划 → 储备 → 开工 → 投产 / 竣工)."""
        body = s.StageMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        project = services.project_move_stage(
            project=self.get_object(),
            to_stage=d["to_stage"],
            actor=request.user,
            on=d.get("on"),
            note=d["note"],
            expected_version=d.get("version"),
        )
        return Response(s.ProjectSerializer(project, context={"request": request}).data)

    @extend_schema(request=s.ProgressSerializer, responses=s.ProjectMonthSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Report a month: completed investment (10k yuan), physical progress (%), note."""
        body = s.ProgressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        row = services.project_progress_record(
            project=self.get_object(),
            actor=request.user,
            month=d["month"],
            completed_investment=d.get("completed_investment"),
            physical_progress=d.get("physical_progress"),
            note=d["note"],
        )
        return Response(s.ProjectMonthSerializer(row, context={"request": request}).data)

    @extend_schema(request=s.PlanSerializer, responses=s.ProjectMonthSerializer(many=True))
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        """Set the planned investment of months: {"plan": {"2023-01": "120", …}}."""
        body = s.PlanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = services.project_plan_set(
            project=self.get_object(), actor=request.user, plan=body.validated_data["plan"]
        )
        return Response(s.ProjectMonthSerializer(rows, many=True, context={"request": request}).data)


class ProjectMonthViewSet(ScopedReadOnlyViewSet):
    queryset = ProjectMonth.objects.select_related("project")
    serializer_class = s.ProjectMonthSerializer
    filterset_fields = ["project", "month"]


class MilestoneViewSet(ScopedModelViewSet):
    queryset = Milestone.objects.all()
    serializer_class = s.MilestoneSerializer
    filterset_fields = ["project"]


class BlockerViewSet(ScopedModelViewSet):
    """Raising a blocker (POST) opens a coordination case for the responsible department."""

    queryset = Blocker.objects.select_related("case")
    serializer_class = s.BlockerSerializer
    filterset_class = filtersets.BlockerFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        d = serializer.validated_data
        project = d["project"]
        if not Project.objects.filter(pk=project.pk).restrict(self.request.user, CHANGE).exists():
            raise exceptions.PermissionDenied(_("This project is outside your scope."))
        serializer.instance = services.blocker_raise(
            project=project,
            actor=self.request.user,
            kind=d["kind"],
            description=d["description"],
            department=d["department"],
            deadline=d.get("deadline"),
        )


class LeadViewSet(WorkflowActionsMixin, ScopedModelViewSet):
    queryset = Lead.objects.select_related("chain_link", "owner")
    serializer_class = s.LeadSerializer
    filterset_class = filtersets.LeadFilterSet
    search_fields = ["company", "industry"]
    workflow_actions = ("move", "log")
    action_permissions = {"log": "projects.add_leadactivity"}

    def perform_create(self, serializer):
        with transaction.atomic():
            obj = services.lead_create(actor=self.request.user, **serializer.validated_data)
            _check_scope(obj, self.request.user)
        serializer.instance = obj

    @extend_schema(request=s.LeadMoveSerializer, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        body = s.LeadMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        lead = services.lead_move(
            lead=self.get_object(),
            to_stage=d["to_stage"],
            actor=request.user,
            reason=d["reason"],
            expected_version=d.get("version"),
        )
        return Response(s.LeadSerializer(lead, context={"request": request}).data)

    @extend_schema(request=s.LeadLogSerializer, responses={201: s.LeadActivitySerializer})
    @action(detail=True, methods=["post"])
    def log(self, request, pk=None):
        """Log a contact with the lead."""
        lead = self.get_object()
        body = s.LeadLogSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        activity = services.lead_log_activity(
            lead=lead, actor=request.user, kind=d["kind"], summary=d["summary"], at=d.get("at")
        )
        return Response(s.LeadActivitySerializer(activity, context={"request": request}).data, status=201)


class LeadActivityViewSet(ScopedReadOnlyViewSet):
    queryset = LeadActivity.objects.all()
    serializer_class = s.LeadActivitySerializer
    filterset_fields = ["lead", "kind"]


class IndustryChainViewSet(ScopedModelViewSet):
    queryset = IndustryChain.objects.all()
    serializer_class = s.IndustryChainSerializer


class ChainLinkViewSet(ScopedModelViewSet):
    queryset = ChainLink.objects.prefetch_related("enterprises")
    serializer_class = s.ChainLinkSerializer
    filterset_fields = ["chain", "position", "is_key_gap"]


class ParcelViewSet(WorkflowActionsMixin, ScopedModelViewSet):
    queryset = Parcel.objects.select_related("project")
    serializer_class = s.ParcelSerializer
    filterset_fields = ["project", "stage", "enforcement"]
    workflow_actions = ("move",)

    @extend_schema(request=s.ParcelMoveSerializer, responses=s.ParcelSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        body = s.ParcelMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        parcel = services.parcel_move(
            parcel=self.get_object(),
            to_stage=d["to_stage"],
            actor=request.user,
            on=d.get("on"),
            note=d["note"],
            transfer_price=d.get("transfer_price"),
            expected_version=d.get("version"),
        )
        return Response(s.ParcelSerializer(parcel, context={"request": request}).data)


class ProposalViewSet(WorkflowActionsMixin, ScopedReadOnlyViewSet):
    queryset = Proposal.objects.select_related("community")
    serializer_class = s.ProposalSerializer
    filterset_class = filtersets.ProposalFilterSet
    workflow_actions = ("answer",)

    @extend_schema(request=s.ProposalAnswerSerializer, responses=s.ProposalSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = s.ProposalAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        proposal = services.proposal_answer(
            proposal=self.get_object(),
            actor=request.user,
            answer=d["answer"],
            status=d["status"],
            expected_version=d.get("version"),
        )
        return Response(s.ProposalSerializer(proposal, context={"request": request}).data)
