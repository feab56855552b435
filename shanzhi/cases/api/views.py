import hashlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shanzhi.cases import selectors, services
from shanzhi.cases.api import serializers as s
from shanzhi.cases.filtersets import CaseFilterSet
from shanzhi.cases.models import Case, CaseAttachment, Category, KeywordRule, Submission
from shanzhi.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from shanzhi.core.params import YEAR_MAX, YEAR_MIN, year_param
from shanzhi.core.scoping import ADD, CHANGE, LEVEL_SELF, VIEW, scope_for
from shanzhi.core.views import file_response


class CategoryViewSet(ScopedModelViewSet):
    queryset = Category.objects.select_related("parent", "default_department")
    serializer_class = s.CategorySerializer
    filterset_fields = ["parent", "is_active", "default_department"]
    search_fields = ["name", "code"]


class KeywordRuleViewSet(ScopedModelViewSet):
    queryset = KeywordRule.objects.select_related("department", "category")
    serializer_class = s.KeywordRuleSerializer


def _idempotency_key(user, client_key: str) -> str:
    """The stored key: namespaced per user (two clients' keys never meet), hashed when it would
    not fit the column — cutting it would make two different keys one."""
    key = f"api:{user.pk}:{client_key}"
    if len(key) <= Case._meta.get_field("idempotency_key").max_length:
        return key
    return f"api:{user.pk}:sha256:{hashlib.sha256(client_key.encode('utf-8')).hexdigest()}"


def _intake_input(request, serializer_class) -> tuple[dict, str | None]:
    """The validated input of an API intake and its stored idempotency key (the field, or the
    Idempotency-Key header): what the caller may place where is checked here too."""
    ser = serializer_class(data=request.data, context={"request": request})
    ser.is_valid(raise_exception=True)
    d = dict(ser.validated_data)
    key = d.pop("idempotency_key", "") or request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise serializers.ValidationError(
            {"idempotency_key": _("The Idempotency-Key header is longer than 200 characters.")}
        )
    if not key.isprintable():  # a NUL made the INSERT fail on PostgreSQL (a 500)
        raise serializers.ValidationError(
            {"idempotency_key": _("The Idempotency-Key may hold printable characters only.")}
        )
    errors = services.intake_placement_errors(
        request.user, grid=d.get("grid"), enterprise=d.get("enterprise"), department=d.get("department")
    )
    if errors:
        raise serializers.ValidationError(errors)
    return d, _idempotency_key(request.user, key) if key else None


class SubmissionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The queued intake (docs/adr/0004): POST accepts a case with one INSERT and answers 202
    with the tracking code it will carry; the task worker files it, routed and dispatched as
    POST /api/cases/cases/ would, within seconds. GET {code}/ tells what became of it. The
    caller sees their own submissions; the dispatch desk, leaders and admins see all."""

    queryset = Submission.objects.select_related("case")
    serializer_class = s.SubmissionSerializer
    lookup_field = "code"
    filterset_fields = ["status"]
    ordering_fields = ["id", "received_at"]
    search_fields = None
    # The case's permissions: submitting is filing a case, reading one's submission is
    # reading about one's case.
    action_scopes = {"create": ADD, "list": VIEW, "retrieve": VIEW}
    action_permissions = {"create": "cases.add_case", "list": "cases.view_case", "retrieve": "cases.view_case"}

    def get_serializer_class(self):
        return s.SubmissionCreateSerializer if self.action == "create" else s.SubmissionSerializer

    @extend_schema(
        request=s.SubmissionCreateSerializer, responses={202: s.SubmissionSerializer, 200: s.SubmissionSerializer}
    )
    def create(self, request, *args, **kwargs):
        if request.FILES:
            raise serializers.ValidationError(
                {"photos": _("The queued intake takes no photos: send them with POST /api/cases/cases/.")}
            )
        d, key = _intake_input(request, s.SubmissionCreateSerializer)
        sub, created = services.case_submit(actor=request.user, source=Case.Source.API, data=d, idempotency_key=key)
        body = s.SubmissionSerializer(sub, context={"request": request}).data
        return Response(
            body,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
            headers={"Location": body["url"]},
        )


class CaseViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Cases in the caller's scope. POST creates through the same intake service as every
    channel (routing, deadline, idempotency); POST {id}/transition/ applies one workflow step."""

    queryset = Case.objects.select_related("category")
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilterSet
    search_fields = ["code", "title", "description", "address"]

    action_scopes = {"transition": CHANGE}

    def get_serializer_class(self):
        if self.action == "create":
            return s.CaseCreateSerializer
        if self.action == "transition":
            return s.TransitionSerializer
        return self._case_serializer()

    def _reporter_only(self) -> bool:
        """A caller who sees cases only as their reporter (a resident)."""
        return scope_for(self.request.user).level == LEVEL_SELF

    def _case_serializer(self):
        if not self._reporter_only():
            return s.CaseSerializer
        return s.OwnCaseListSerializer if self.action == "list" else s.OwnCaseSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.select_related("merged_into") if self._reporter_only() else qs

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseSerializer, 200: s.CaseSerializer})
    def create(self, request, *args, **kwargs):
        d, key = _intake_input(request, s.CaseCreateSerializer)
        case = services.case_create(actor=request.user, source=Case.Source.API, idempotency_key=key, **d)
        created = getattr(case, "was_created", False)  # else: a retry with a key already used
        return Response(
            self._case_serializer()(case, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=s.TransitionSerializer, responses={200: s.CaseSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self.get_object()  # change permission and scope: action_scopes
        ser = s.TransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        act, note, version = d.pop("action"), d.pop("note", ""), d.pop("version", None)
        if act == "merge":
            into = Case.objects.restrict(request.user).filter(code=str(d.get("into", "")).upper()).first()
            if into is None:
                raise DjangoValidationError({"into": _("Unknown tracking code.")})
            case = services.case_merge(case=case, into=into, actor=request.user, note=note, expected_version=version)
        else:
            params = {k: v for k, v in d.items() if k not in ("into",)}
            if act != "callback":
                for k in ("contacted", "resolved", "satisfaction", "is_valid"):
                    params.pop(k, None)
            case = services.case_transition(
                case=case, action=act, actor=request.user, note=note, expected_version=version, **params
            )
        return Response(s.CaseSerializer(case, context={"request": request}).data)

    @extend_schema(
        responses={200: s.CaseEventSerializer(many=True)},
        description="Every step for staff; for a resident, the public steps of their own case "
        "(as PublicEvent: at, action, unit — no notes, names or call-backs).",
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        case = self.get_object()
        if self._reporter_only():
            return Response(s.PublicEventSerializer(selectors.public_events(case), many=True).data)
        return Response(s.CaseEventSerializer(case.events.select_related("actor"), many=True).data)

    @extend_schema(responses={200: s.CaseSummonsSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def summons(self, request, pk=None):
        """吹哨报到: the departments summoned to the case, the lead, arrivals, parts and ratings."""
        case = self.get_object()
        if self._reporter_only():
            raise exceptions.NotFound()
        return Response(s.CaseSummonsSerializer(case.summons.select_related("department"), many=True).data)


class CaseAttachmentViewSet(ScopedReadOnlyViewSet):
    """Photos and documents of the cases in the caller's scope (`?case=<id>`), and each file
    at `{id}/download/` — media files are not public in production."""

    queryset = CaseAttachment.objects.order_by("id")
    serializer_class = s.CaseAttachmentSerializer
    filterset_fields = ["case", "event", "is_public"]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        att = self.get_object()
        return file_response(
            att.file, missing=_("The file of this attachment is missing."), content_type=att.content_type
        )


class RatesViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Three rates and process rates by a dimension, over the caller's scope."""

    queryset = Case.objects.all()
    serializer_class = s.RateRowSerializer
    pagination_class = None
    action_scopes = {"list": VIEW}
    action_permissions = {"list": "cases.view_rates"}

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=list(selectors.DIMENSIONS)),
            OpenApiParameter("year", int),
        ],
        responses={200: s.RateRowSerializer(many=True)},
    )
    def list(self, request):
        by = request.query_params.get("by", "community")
        if by not in selectors.DIMENSIONS:
            raise serializers.ValidationError({"by": _("One of: %(v)s.") % {"v": ", ".join(selectors.DIMENSIONS)}})
        qs = self.get_queryset()
        raw = request.query_params.get("year", "")
        if raw:
            year = year_param(raw)
            if year is None:
                raise serializers.ValidationError(
                    {"year": _("A year from %(lo)d to %(hi)d, e.g. 2025.") % {"lo": YEAR_MIN, "hi": YEAR_MAX}}
                )
            qs = qs.filter(received_at__year=year)
        rows = selectors.rates_by(qs, by)
        return Response(s.RateRowSerializer(rows, many=True).data)


class PublicCaseViewSet(viewsets.GenericViewSet):
    """Public status and timeline by tracking code (no login, no personal data); rating once."""

    scope_exempt = "Public tracking by unguessable code: status and timeline without names, phones or notes."
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    queryset = Case.objects.all()
    serializer_class = s.PublicCaseSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9]+"

    def retrieve(self, request, code=None):
        case = selectors.public_case(code)
        if case is None:
            return Response({"detail": _("No case with this tracking code.")}, status=404)
        return Response(s.PublicCaseSerializer(case).data)

    @extend_schema(request=s.PublicRateSerializer, responses={200: s.PublicCaseSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request, code=None):
        case = selectors.case_by_code(code)
        if case is None:
            return Response({"detail": _("No case with this tracking code.")}, status=404)
        ser = s.PublicRateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        case = services.case_rate_public(
            case=case, rating=ser.validated_data["rating"], comment=ser.validated_data.get("comment", "")
        )
        return Response(s.PublicCaseSerializer(case).data)
