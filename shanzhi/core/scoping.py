"""Scoped access: the one mechanism that decides which rows a user may see or act on.

Every business model declares a `ScopeRule` (where its community, grid, department and owner
are, as lookup paths); `ScopedQuerySet.restrict(user, action)` turns the user's scope into a
filter. Base views (core.views) and viewsets (core.api) call it before any handler runs, so an
object outside the scope is a 404 and a forbidden action a 403. See docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from shanzhi.accounts.models import User

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"

# Scope levels, widest first.
LEVEL_ALL = "all"
LEVEL_DEPARTMENT = "department"
LEVEL_COMMUNITY = "community"
LEVEL_GRID = "grid"
LEVEL_SELF = "self"
LEVEL_NONE = "none"


@dataclass(frozen=True)
class Scope:
    """What part of the organisation a user holds. Computed once per request."""

    level: str
    user_id: int | None = None
    department_ids: frozenset[int] = frozenset()
    community_ids: frozenset[int] = frozenset()
    grid_ids: frozenset[int] = frozenset()
    # Staff of the street's dispatch desk (派单台 / 指挥中心): a department whose work is
    # every case of the street (see ScopeRule.dispatch_desk_all).
    dispatch_desk: bool = False

    @property
    def is_all(self) -> bool:
        return self.level == LEVEL_ALL


NO_SCOPE = Scope(level=LEVEL_NONE)


def _paths(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class ScopeRule:
    """Where a model's rows sit in the organisation, as lookup paths to ids.

    Each field may be one path or a tuple of paths (OR-ed): a case is in a department's scope
    when the department is its handler *or* was summoned to it.
    `staff_reference`: reference data (departments, communities, grids, categories) that every
    staff member may *view* whatever their scope; writes stay scoped.
    `public_filter`: rows that anyone may view (published plan, wish wall).
    """

    community: str | tuple[str, ...] | None = None
    grid: str | tuple[str, ...] | None = None
    department: str | tuple[str, ...] | None = None
    owner: str | tuple[str, ...] | None = None
    staff_reference: bool = False
    # Department staff read every row (e.g. enterprises for the economic office); writes stay scoped.
    departments_view_all: bool = False
    # The dispatch desk reads and acts on every row (cases: it dispatches, re-routes and checks
    # them street-wide, so a case stays in its view after it has been dispatched).
    dispatch_desk_all: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def q_for(self, scope: Scope, action: str) -> Q | None:
        """The filter for this scope, or None for "everything", or Q(pk__in=[]) for nothing."""
        nothing = Q(pk__in=[])
        if scope.level == LEVEL_ALL:
            return None
        if scope.level == LEVEL_NONE:
            return nothing
        if self.staff_reference and action == VIEW and scope.level != LEVEL_SELF:
            return None
        if self.departments_view_all and action == VIEW and scope.level == LEVEL_DEPARTMENT:
            return None
        if self.dispatch_desk_all and scope.dispatch_desk and scope.level == LEVEL_DEPARTMENT:
            return None
        clauses: list[Q] = []
        owner_paths = _paths(self.owner)
        if scope.user_id is not None:
            clauses += [Q(**{path: scope.user_id}) for path in owner_paths]
        if scope.level == LEVEL_DEPARTMENT:
            clauses += [Q(**{f"{p}__in": scope.department_ids}) for p in _paths(self.department)]
        elif scope.level == LEVEL_COMMUNITY:
            clauses += [Q(**{f"{p}__in": scope.community_ids}) for p in _paths(self.community)]
        elif scope.level == LEVEL_GRID:
            grid_paths = _paths(self.grid)
            clauses += [Q(**{f"{p}__in": scope.grid_ids}) for p in grid_paths]
            if not grid_paths and action == VIEW:
                # A grid worker reads community-level records of the communities their grids
                # belong to (e.g. the community itself), but changes none of them.
                clauses += [Q(**{f"{p}__in": scope.community_ids}) for p in _paths(self.community)]
        if not clauses:
            return nothing
        return reduce(or_, clauses)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to a user's scope."""

    def restrict(self, user: User | Any, action: str = VIEW) -> ScopedQuerySet:
        from shanzhi.core.scoping import scope_for

        rule: ScopeRule | None = getattr(self.model, "scope_rule", None)
        if rule is None:
            raise TypeError(f"{self.model.__name__} has no scope_rule; it cannot be restricted.")
        scope = scope_for(user)
        q = rule.q_for(scope, action)
        if q is None:
            return self._chain()
        qs = self.filter(q)
        # OR-ed paths across relations may duplicate rows.
        if isinstance(rule.department, tuple) or isinstance(rule.community, tuple) or isinstance(rule.grid, tuple):
            qs = qs.distinct()
        return qs


def scope_for(user: Any) -> Scope:
    """The scope of a user (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_shanzhi_scope", None)
    if cached is not None:
        return cached
    scope = user.compute_scope()
    user._shanzhi_scope = scope
    return scope
