"""The OpenAPI schema's generator (drf-spectacular), told two things it cannot see.

- **Error answers.** Every operation states the 4xx answers `core.api.exception_handler`
  gives: 400 with field messages, 401/403 where a login is needed, 404 where the path names a
  record, 409 where a write can meet a conflict (optimistic lock, a record still in use, a
  refused step). Before, the schema listed only the success answer, so clients generated from
  it had no type for the errors they are sure to meet.
- **Read-only choices may be blank.** DRF drops `allow_blank` from read-only fields, so
  `routed_by` or `callback_satisfaction` were published as enums without the `""` they hold
  until the step that fills them.
- **Extra actions are not lists.** A detail action such as `GET cases/{id}/timeline/` or
  `POST projects/{id}/plan/` answers a plain array: no pagination envelope, no list filters
  (the generator had copied both from the viewset's list).
"""

from __future__ import annotations

import copy

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import inline_serializer
from rest_framework import permissions, serializers

_STANDARD_ACTIONS = {"list", "retrieve", "create", "update", "partial_update", "destroy", "metadata"}
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

_ERROR = inline_serializer(
    name="Error",
    fields={"detail": serializers.CharField(help_text=_("What went wrong, in the caller's language."))},
)
_VALIDATION_ERROR = inline_serializer(
    name="ValidationError",
    fields={
        "detail": serializers.CharField(required=False, help_text=_("An error that concerns no single field.")),
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
    },
)


class AutoSchema(openapi.AutoSchema):
    def _is_extra_action(self) -> bool:
        action = getattr(self.view, "action", None)
        return action is not None and action not in _STANDARD_ACTIONS

    def get_filter_backends(self):
        return [] if self._is_extra_action() else super().get_filter_backends()

    def _get_paginator(self):
        return None if self._is_extra_action() else super()._get_paginator()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank:
            if _model_field(field) is not None and _model_field(field).blank:
                field = copy.copy(field)
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _needs_login(self) -> bool:
        return not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        errors = {}
        action = getattr(self.view, "action", None)
        if self.method in _WRITE_METHODS or action == "list" or (action is None and self._is_list_view()):
            errors["400"] = (_VALIDATION_ERROR, _("Invalid input: each field with its messages."))
        if self._needs_login():
            errors["401"] = (_ERROR, _("No credentials, or a token that is not valid."))
            errors["403"] = (_ERROR, _("The role may not do this."))
        if "{" in self.path:
            errors["404"] = (_ERROR, _("No such record, or it is outside the caller's scope."))
        if self.method in _WRITE_METHODS:
            errors["409"] = (_ERROR, _("A conflict: changed by someone else, still in use, or refused in its state."))
        for code, (serializer, description) in errors.items():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(serializer, code)
                bodies[code]["description"] = description
        return bodies


def _model_field(field):
    """The model field a serializer field reads, when it reads one directly."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in (field.source or ""):
        return None
    try:
        return model._meta.get_field(field.source)
    except Exception:  # a property or an annotation, not a field
        return None
