from django.contrib import admin

from shanzhi.orgs.models import Community, Department, Enterprise, Grid, PartyMember, PartyOrganization, Volunteer


class SoftDeleteAdmin(admin.ModelAdmin):
    """Business records are never hard-deleted, not even from the admin."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(SoftDeleteAdmin):
    list_display = ["code", "name", "kind"]
    search_fields = ["name", "code"]


@admin.register(Community)
class CommunityAdmin(SoftDeleteAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(Grid)
class GridAdmin(SoftDeleteAdmin):
    list_display = ["code", "name", "community", "households"]
    list_filter = ["community"]
    search_fields = ["name", "code"]


for model in (Enterprise, PartyOrganization, PartyMember, Volunteer):
    admin.site.register(model, SoftDeleteAdmin)
