from django.contrib import admin

from shanzhi.core.models import AuditEvent, CalendarOverride, PeriodicJob, SiteSetting


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
        from shanzhi.core.workdays import clear_override_cache

        super().save_model(request, obj, form, change)
        clear_override_cache()


@admin.register(SiteSetting)
class SiteSettingAdmin(admin.ModelAdmin):
    list_display = ["key", "value", "description"]


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    """Read-only: when each periodic job last ran (the scheduler writes these rows)."""

    list_display = ["name", "enqueued_at", "finished_at", "result"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
