"""Roles are groups of the same name with default permissions, gathered from each app's
`roles.py` (`DEFAULT_PERMISSIONS = {role: [pattern, …]}`, patterns like "orgs.view_*").

`sync_roles()` runs after every migrate: it creates missing groups and adds missing default
permissions (it never removes what an administrator granted). Scope (which rows) comes from
the user's role level and department / community / grids, not from the group.
"""

from __future__ import annotations

import fnmatch
import importlib

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from shanzhi.accounts.models import Role

DEFAULT_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: ["*"],
    Role.LEADER: ["*.view_*", "accounts.view_personal_data"],
    Role.DEPT: ["orgs.view_department", "orgs.view_community", "orgs.view_grid", "orgs.view_enterprise"],
    Role.COMMUNITY: [
        "accounts.view_personal_data",
        "orgs.view_*",
        "orgs.add_grid",
        "orgs.change_grid",
        "orgs.add_enterprise",
        "orgs.change_enterprise",
        "orgs.*_partyorganization",
        "orgs.*_partymember",
        "orgs.*_volunteer",
        "orgs.*_gridassignment",
    ],
    Role.GRID: [
        "orgs.view_department",
        "orgs.view_community",
        "orgs.view_grid",
        "orgs.view_enterprise",
        "orgs.view_partymember",
        "orgs.view_volunteer",
        "orgs.view_partyorganization",
        "orgs.add_enterprise",
        "orgs.change_enterprise",
        "orgs.add_partymember",
        "orgs.change_partymember",
        "orgs.add_volunteer",
        "orgs.change_volunteer",
    ],
    Role.RESIDENT: [],
}


def collected_patterns() -> dict[str, list[str]]:
    patterns = {role: list(p) for role, p in DEFAULT_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        if not config.name.startswith("shanzhi.") or config.label == "accounts":
            continue
        try:
            module = importlib.import_module(f"{config.name}.roles")
        except ModuleNotFoundError:
            continue
        for role, extra in getattr(module, "DEFAULT_PERMISSIONS", {}).items():
            patterns.setdefault(role, []).extend(extra)
    return patterns


def sync_roles(verbosity: int = 0) -> None:
    perms = list(Permission.objects.select_related("content_type"))
    keyed = [(f"{p.content_type.app_label}.{p.codename}", p) for p in perms]
    for role, patterns in collected_patterns().items():
        group, _ = Group.objects.get_or_create(name=str(role))
        wanted = [p for key, p in keyed if any(fnmatch.fnmatchcase(key, pat) for pat in patterns)]
        have = set(group.permissions.values_list("pk", flat=True))
        missing = [p for p in wanted if p.pk not in have]
        if missing:
            group.permissions.add(*missing)
            if verbosity:
                print(f"role {role}: +{len(missing)} permissions")


def ensure_role_group(user) -> None:
    """Keep the user in exactly the group of their role (other groups stay)."""
    role_names = {str(r) for r in Role}
    current = set(user.groups.filter(name__in=role_names).values_list("name", flat=True))
    if current != {user.role}:
        user.groups.remove(*Group.objects.filter(name__in=current - {user.role}))
        group, _ = Group.objects.get_or_create(name=user.role)
        user.groups.add(group)
