"""Test data builders shared by every app's tests (real rows in the real test database)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from shanzhi.accounts.models import Role, User
from shanzhi.accounts.roles import ensure_role_group, sync_roles
from shanzhi.orgs.models import Community, Department, Enterprise, Grid, GridAssignment
from shanzhi.orgs.validators import uscc_check_char

_seq = itertools.count(1)


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


def make_uscc(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    first17 = f"91442000{n:09d}"
    return first17 + uscc_check_char(first17)


def make_user(
    username: str, role: str, *, department=None, community=None, grids=(), password: str = "pw-Shanzhi-1"
) -> User:
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        department=department,
        community=community,
        display_name=username,
        phone="13812345678",
    )
    if role == Role.ADMIN:
        user.is_staff = True
        user.save()
    ensure_role_group(user)
    for g in grids:
        GridAssignment.objects.create(grid=g, user=user)
    return user


@dataclass
class Org:
    communities: dict[str, Community] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    others: dict[str, User] = field(default_factory=dict)
    enterprises: dict[str, Enterprise] = field(default_factory=dict)


def build_org() -> Org:
    """Community A (grids A1, A2) and B (B1, B2), side by side around 113.35E 22.51N; departments
    dispatch, urban, health; users of every role in scope (A / A1 / urban) and out (B / B1 / health)."""
    sync_roles()
    org = Org()
    org.departments["dispatch"] = Department.objects.create(
        code="dispatch", name="派单台", kind=Department.Kind.DISPATCH
    )
    org.departments["urban"] = Department.objects.create(code="urban", name="城管执法队")
    org.departments["health"] = Department.objects.create(code="health", name="卫生服务中心")
    a = Community.objects.create(code="C-A", name="甲社区", boundary=square(113.35, 22.51, 0.02))
    b = Community.objects.create(code="C-B", name="乙社区", boundary=square(113.37, 22.51, 0.02))
    org.communities = {"A": a, "B": b}
    org.grids["A1"] = Grid.objects.create(
        code="A1", name="甲1网格", community=a, boundary=square(113.35, 22.51), households=400
    )
    org.grids["A2"] = Grid.objects.create(
        code="A2", name="甲2网格", community=a, boundary=square(113.36, 22.51), households=350
    )
    org.grids["B1"] = Grid.objects.create(
        code="B1", name="乙1网格", community=b, boundary=square(113.37, 22.51), households=420
    )
    org.grids["B2"] = Grid.objects.create(
        code="B2", name="乙2网格", community=b, boundary=square(113.38, 22.51), households=310
    )
    for key, grid in (("A", org.grids["A1"]), ("B", org.grids["B1"])):
        org.enterprises[key] = Enterprise.objects.create(
            name=f"{key}企业有限公司",
            uscc=make_uscc(),
            grid=grid,
            community=grid.community,
            contact_name="王五",
            contact_phone="13900001111",
            longitude=113.355 if key == "A" else 113.375,
            latitude=22.515,
        )
    org.users = {
        "admin": make_user("t-admin", Role.ADMIN),
        "leader": make_user("t-leader", Role.LEADER),
        "dept": make_user("t-dept", Role.DEPT, department=org.departments["urban"]),
        "community": make_user("t-community", Role.COMMUNITY, community=a),
        "grid": make_user("t-grid", Role.GRID, community=a, grids=[org.grids["A1"]]),
        "resident": make_user("t-resident", Role.RESIDENT),
    }
    org.others = {
        "admin": org.users["admin"],
        "leader": org.users["leader"],
        "dept": make_user("o-dept", Role.DEPT, department=org.departments["health"]),
        "community": make_user("o-community", Role.COMMUNITY, community=b),
        "grid": make_user("o-grid", Role.GRID, community=b, grids=[org.grids["B1"]]),
        "resident": make_user("o-resident", Role.RESIDENT),
    }
    return org
