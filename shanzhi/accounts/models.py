from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.core import scoping
from shanzhi.core.scoping import Scope, ScopedQuerySet, ScopeRule


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    LEADER = "leader", _("Street leader")
    DEPT = "dept", _("Department staff")
    COMMUNITY = "community", _("Community staff")
    GRID = "grid", _("Grid worker")
    RESIDENT = "resident", _("Resident / enterprise")


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


STAFF_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.DEPT, Role.COMMUNITY, Role.GRID})


class User(AbstractUser):
    """A person who signs in. The role gives the permissions (through the group of the same
    name) and the scope level; department / community / grids give the scope's extent."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    community = models.ForeignKey(
        "orgs.Community",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_demo = models.BooleanField(_("demo account"), default=False)

    objects = ScopedUserManager()

    scope_rule = ScopeRule(community="community", department="department", owner="pk")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_personal_data", _("Can see unmasked personal data (phone and ID numbers)")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def role_label(self) -> str:
        """The role as people call it: department staff of the dispatch desk are its dispatchers."""
        if self.role == Role.DEPT and self.department_id and self.department.kind == "dispatch":
            return str(_("Dispatcher"))
        return self.get_role_display()

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    def compute_scope(self) -> Scope:
        if self.is_superuser or self.role in (Role.ADMIN, Role.LEADER):
            return Scope(level=scoping.LEVEL_ALL, user_id=self.pk)
        if self.role == Role.DEPT:
            ids = frozenset([self.department_id]) if self.department_id else frozenset()
            desk = bool(self.department_id) and self.department.kind == "dispatch"
            return Scope(level=scoping.LEVEL_DEPARTMENT, user_id=self.pk, department_ids=ids, dispatch_desk=desk)
        if self.role == Role.COMMUNITY:
            ids = frozenset([self.community_id]) if self.community_id else frozenset()
            return Scope(level=scoping.LEVEL_COMMUNITY, user_id=self.pk, community_ids=ids)
        if self.role == Role.GRID:
            from shanzhi.orgs.models import GridAssignment

            rows = GridAssignment.objects.filter(user=self, is_deleted=False).values_list(
                "grid_id", "grid__community_id"
            )
            return Scope(
                level=scoping.LEVEL_GRID,
                user_id=self.pk,
                grid_ids=frozenset(g for g, _ in rows),
                community_ids=frozenset(c for _, c in rows),
            )
        return Scope(level=scoping.LEVEL_SELF, user_id=self.pk)
