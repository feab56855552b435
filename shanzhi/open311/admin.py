from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shanzhi.open311 import services
from shanzhi.open311.models import ApiKey, ServiceRequest


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Add a key by name: the key is generated, shown once, and only its hash is kept.
    Revoke by clearing "active"; keys are never deleted (the requests refer to them)."""

    list_display = ["name", "prefix", "is_active", "service_account", "last_used_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else ["name", "prefix", "is_active", "service_account", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["name", "prefix", "service_account", "last_used_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            services.apikey_set_active(actor=request.user, key=obj, active=obj.is_active)
            return
        try:
            created, raw = services.apikey_create(actor=request.user, name=obj.name)
        except ValidationError as exc:  # the form's unique check normally catches this first
            messages.error(request, "; ".join(exc.messages))
            raise
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False
        messages.warning(
            request,
            _("The new Open311 API key is %(key)s — copy it now: it is not stored and will not be shown again.")
            % {"key": raw},
        )


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ["case", "api_key", "service_code", "created_at"]
    list_filter = ["api_key"]
    search_fields = ["case__code", "service_code"]
    readonly_fields = [f.name for f in ServiceRequest._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
