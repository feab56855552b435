"""Base API pieces: every viewset restricts its queryset to the caller's scope (the same
`restrict()` as the pages), checks model permissions for reads too, writes through services,
and answers errors with a 4xx and a message (never a 500 for bad input)."""

from __future__ import annotations

import copy
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from shanzhi.core import masking, services
from shanzhi.core.errors import ConflictError
from shanzhi.core.params import SEARCH_MAX, expected_version
from shanzhi.core.scoping import ADD, CHANGE, DELETE, VIEW

logger = logging.getLogger(__name__)

ACTION_FOR_METHOD = {
    "GET": VIEW,
    "HEAD": VIEW,
    "OPTIONS": VIEW,
    "POST": ADD,
    "PUT": CHANGE,
    "PATCH": CHANGE,
    "DELETE": DELETE,
}


class ScopedModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions for every method, reads included."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        # An action that is not what its HTTP method says (a workflow step is a POST that
        # changes a record) names the permission it needs in the view's `action_scopes`.
        action = getattr(view, "action", None)
        scope = getattr(view, "action_scopes", {}).get(action)
        if scope is None:
            return super().has_permission(request, view)
        if not request.user or not request.user.is_authenticated:
            return False
        opts = self._queryset(view).model._meta
        perm = getattr(view, "action_permissions", {}).get(action) or f"{opts.app_label}.{scope}_{opts.model_name}"
        return request.user.has_perm(perm)

    def _queryset(self, view):
        # Only the model is needed here: the class's queryset names it without building the
        # scoped queryset (its filters are applied when the view reads rows).
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)


class ScopedViewSetMixin:
    """Restrict the queryset to the caller's scope for the action the request performs."""

    permission_classes = [permissions.IsAuthenticated, ScopedModelPermissions]
    scope_action: str | None = None  # override; default from the HTTP method
    # Extra actions whose permission and scope differ from their method's: {"transition": CHANGE}
    # for a POST that changes the record (the model's change permission, the CHANGE scope), or
    # VIEW for a step whose service checks its own rule. `action_permissions` names another
    # permission for an action when the model's is not the one ({"log": "app.add_activity"}).
    action_scopes: dict[str, str] = {}
    action_permissions: dict[str, str] = {}

    def get_scope_action(self) -> str:
        if self.scope_action:
            return self.scope_action
        if getattr(self, "action", None) in self.action_scopes:
            return self.action_scopes[self.action]
        return ACTION_FOR_METHOD.get(self.request.method, VIEW)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query(request, self.kwargs, self.queryset.model if self.queryset is not None else None)

    def get_base_queryset(self):
        return self.queryset.all() if self.queryset is not None else self.model.objects.all()

    def get_queryset(self):
        qs = self.get_base_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        return qs.restrict(self.request.user, self.get_scope_action())


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """CRUD through the generic services: audited, validated, soft deletion."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        model = serializer.Meta.model
        data, m2m = _split_m2m(model, serializer.validated_data)
        with transaction.atomic():
            obj = services.record_create(model, actor=self.request.user, m2m=m2m, **data)
            _check_in_scope(obj, self.request.user)
        serializer.instance = obj

    def perform_update(self, serializer):
        model = serializer.Meta.model
        data, m2m = _split_m2m(model, serializer.validated_data)
        version = self.request.data.get("version") if hasattr(self.request.data, "get") else None
        with transaction.atomic():
            obj = services.record_update(
                serializer.instance,
                actor=self.request.user,
                m2m=m2m,
                expected_version=expected_version(version),
                **data,
            )
            _check_in_scope(obj, self.request.user)
        serializer.instance = obj

    def perform_destroy(self, instance):
        services.soft_delete(instance, actor=self.request.user, reason=self.request.query_params.get("reason", "API"))


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


def check_query(request, url_kwargs: dict, model) -> None:
    """What the filters, the search and the lookups cannot refuse themselves, refused before
    any query runs: a NUL in the address (PostgreSQL's text cannot hold one: the lookup was a
    500; no record has one, so it is a 404), an over-long search, and sorting by a personal
    field the caller sees masked (the order would give the hidden digits away)."""
    if any("\x00" in str(v) for v in url_kwargs.values()):
        raise exceptions.NotFound(_("Not found, or outside your scope."))
    search = request.query_params.get(api_settings.SEARCH_PARAM, "")
    if len(search) > SEARCH_MAX:
        raise serializers.ValidationError(
            {api_settings.SEARCH_PARAM: [_("Search for at most %(n)d characters.") % {"n": SEARCH_MAX}]}
        )
    personal = set(getattr(model, "personal_fields", ()))
    ordering = request.query_params.get(api_settings.ORDERING_PARAM, "")
    if personal and ordering and not masking.can_see_personal_data(request.user):
        hidden = sorted({t.strip().lstrip("-") for t in ordering.split(",")} & personal)
        if hidden:
            raise serializers.ValidationError(
                {
                    api_settings.ORDERING_PARAM: [
                        _("Sorting by %(f)s needs the permission to see personal data.") % {"f": ", ".join(hidden)}
                    ]
                }
            )


def _split_m2m(model, validated: dict) -> tuple[dict, dict]:
    names = {f.name for f in model._meta.many_to_many}
    data = {k: v for k, v in validated.items() if k not in names}
    m2m = {k: v for k, v in validated.items() if k in names}
    return data, m2m


def _check_in_scope(obj, user) -> None:
    if not type(obj).objects.filter(pk=obj.pk).restrict(user, CHANGE).exists():
        raise exceptions.PermissionDenied(_("You cannot place this record outside your own scope."))


class MaskedSerializerMixin:
    """Masks the model's `personal_fields` for callers without the personal-data permission."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not masking.can_see_personal_data(request.user):
            for name in getattr(instance, "personal_fields", ()):
                if data.get(name):
                    kind = masking.mask_id_number if "id_number" in name else masking.mask_phone
                    data[name] = kind(data[name])
        return data


_NESTED_FIELDS = (serializers.BaseSerializer, serializers.ManyRelatedField)


class CachedFieldsMixin:
    """Build a ModelSerializer's fields once per class, then deep-copy them per instance.

    DRF rebuilds every field from the model's metadata each time a ModelSerializer is
    instantiated (about 2.5 ms for 45 fields: a tenth of a whole API request); it already
    deep-copies *declared* fields, and does the same here for the built ones. Only for classes
    whose fields do not depend on the request or instance (no overridden `get_fields`).
    """

    def get_fields(self):
        cls = type(self)
        protos = cls.__dict__.get("_cached_field_prototypes")
        if protos is None:
            protos = super().get_fields()
            cls._cached_field_prototypes = protos
        # A plain field only needs its own binding (name, parent): a shallow copy is enough.
        # Fields that hold bound children (nested serializers, many-related) are deep-copied.
        return {name: copy.deepcopy(f) if isinstance(f, _NESTED_FIELDS) else _clone(f) for name, f in protos.items()}


def _clone(field):
    """`copy.copy(field)` without the generic `__reduce_ex__` round trip (a third of the cost)."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


def absolute_url(serializer, url: str) -> str:
    """`url` with scheme and host when the serializer answers a request (else as it is)."""
    request = serializer.context.get("request")
    return request.build_absolute_uri(url) if request else url


class DateTimeField(serializers.DateTimeField):
    """A date and time from 1901 to 9998. Before 1901 the site's zone keeps local mean time
    (Asia/Shanghai: +08:05:43), which the API then wrote as an offset RFC 3339 does not allow;
    year 9999 overflows as soon as a day is added."""

    default_error_messages = {"range": gettext_lazy("Enter a date and time from 1901 to 9998.")}

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not 1901 <= result.year <= 9998:
            self.fail("range")
        return result


class BaseModelSerializer(CachedFieldsMixin, MaskedSerializerMixin, serializers.ModelSerializer):
    """Runs the model's own validation (full_clean) so the API refuses what forms refuse."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        names = {f.name for f in model._meta.many_to_many}
        instance = self.instance or model()
        probe = model(**{f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields})
        probe._state.adding = self.instance is None  # unique checks exclude the row being edited
        for k, v in attrs.items():
            if k not in names:
                setattr(probe, k, v)
        try:
            probe.full_clean(exclude=["created_by", "updated_by", "deleted_by"], validate_unique=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from exc
        return attrs


def exception_handler(exc, context):
    """DRF's handler, plus Django's own errors mapped to 4xx with a message."""
    if isinstance(exc, DjangoValidationError):
        # One string under "detail", as DRF's own errors (and the schema's Error) have it.
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ProtectedError):
        return Response({"detail": _("This record is still referenced by other records.")}, status=409)
    if isinstance(exc, IntegrityError):
        logger.info("Integrity error answered as 409: %s", exc)
        return Response({"detail": _("This conflicts with an existing record.")}, status=409)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or outside your scope."))
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _writable(response.data)
    return response


def _writable(data):
    """An error's details as UTF-8 can carry them. They may quote the caller's input, and JSON
    may hold a lone surrogate ("\\ud800"): rendering the answer failed, a 500 instead of the
    400. Such a character is written as its escape."""
    if isinstance(data, dict):
        return {k: _writable(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_writable(v) for v in data]
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            text = data.encode("utf-8", "backslashreplace").decode("utf-8")
            return exceptions.ErrorDetail(text, code=getattr(data, "code", None))
    return data
