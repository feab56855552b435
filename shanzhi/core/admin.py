from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from shanzhi.core.models import AuditEvent, CalendarOverride, PeriodicJob, SiteSetting
from shanzhi.core.registry import registry


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor", "action", "content_type", "object_repr", "ip_address"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "note", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]

    def save_model(self, request, obj, form, change):
        from shanzhi.core.workdays import clear_cache

        super().save_model(request, obj, form, change)
        clear_cache()


class SiteSettingForm(forms.ModelForm):
    class Meta:
        model = SiteSetting
        fields = ["key", "value", "description"]

    def clean(self):
        data = super().clean()
        hooks = registry.settings_for(data.get("key") or "")
        if hooks is not None and "value" in data:
            try:
                hooks[0](data["key"], data["value"])
            except ValidationError as exc:
                self.add_error("value", exc)
        return data


@admin.register(SiteSetting)
class SiteSettingAdmin(admin.ModelAdmin):
    """Settings are checked by the app that owns their key (a weight "abc" made every rates
    page a 500) and take effect at once (the apps' caches kept the old value for a minute)."""

    form = SiteSettingForm
    list_display = ["key", "value", "description"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        hooks = registry.settings_for(obj.key)
        if hooks is not None:
            hooks[1]()

    def delete_model(self, request, obj):
        self.delete_queryset(request, SiteSetting.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        keys = list(queryset.values_list("key", flat=True))
        super().delete_queryset(request, queryset)
        for hooks in {registry.settings_for(k) for k in keys} - {None}:
            hooks[1]()


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    """Read-only: when each periodic job last ran (the scheduler writes these rows)."""

    list_display = ["name", "enqueued_at", "finished_at", "result"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
