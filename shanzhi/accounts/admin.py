from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from shanzhi.accounts.models import User
from shanzhi.accounts.roles import ensure_role_group
from shanzhi.core.services import audit_log
from shanzhi.orgs.models import GridAssignment


class GridAssignmentInline(admin.TabularInline):
    model = GridAssignment
    fk_name = "user"
    fields = ["grid", "role", "is_deleted"]
    autocomplete_fields = ["grid"]
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Administrators manage users, their role (= group) and their scope."""

    list_display = ["username", "display_name", "role", "department", "community", "is_active", "is_demo"]
    list_filter = ["role", "is_active", "is_demo", "department", "community"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ("role", "display_name", "phone", "department", "community", "is_demo")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("role", "display_name", "department", "community")}),
    )
    inlines = [GridAssignmentInline]

    def save_related(self, request, form, formsets, change):
        # After the form's own groups are saved, so the role's group is not overwritten.
        super().save_related(request, form, formsets, change)
        ensure_role_group(form.instance)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,
            action="update" if change else "create",
            obj=obj,
            changes={k: str(form.cleaned_data.get(k)) for k in form.changed_data if "password" not in k},
        )
