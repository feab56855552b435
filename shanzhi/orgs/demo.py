"""Demo organisation for the built-in demo plan (西区街道, Zhongshan, 2023).

Communities carry their real statistical codes; boundaries, grids, enterprises, people and
users are GENERATED (marked `is_generated`), never real. Idempotent: a second run changes
nothing. Called by `manage.py load_demo`, which refuses to run in production mode.
"""

from __future__ import annotations

import random

from django.db import transaction

from shanzhi.accounts.models import Role, User
from shanzhi.accounts.roles import ensure_role_group
from shanzhi.core import services
from shanzhi.orgs.demo_geo import generate_demo_geography
from shanzhi.orgs.models import (
    Community,
    Department,
    Enterprise,
    Grid,
    GridAssignment,
    PartyMember,
    PartyOrganization,
    Volunteer,
)
from shanzhi.orgs.validators import USCC_ALPHABET, uscc_check_char

DEMO_PASSWORD = "shanzhi-demo"
STREET_NAME = "西区街道"

# code, name, kind — a typical Zhongshan 街道's offices and stationed bodies.
DEPARTMENTS = [
    ("dispatch", "街道指挥调度中心（派单台）", Department.Kind.DISPATCH),
    ("party-office", "党政办公室", Department.Kind.OFFICE),
    ("party-building", "党建工作办公室", Department.Kind.OFFICE),
    ("economy", "经济发展和科技统计办公室", Department.Kind.OFFICE),
    ("construction", "规划建设办公室", Department.Kind.OFFICE),
    ("urban-management", "综合行政执法队（城管）", Department.Kind.OFFICE),
    ("social-affairs", "社会事务办公室", Department.Kind.OFFICE),
    ("governance", "综合治理办公室", Department.Kind.OFFICE),
    ("emergency", "应急管理和安全生产办公室", Department.Kind.OFFICE),
    ("finance", "财政办公室", Department.Kind.OFFICE),
    ("labour", "人力资源和社会保障服务所", Department.Kind.CENTRE),
    ("health", "社区卫生服务中心", Department.Kind.CENTRE),
    ("education-culture", "宣传文体服务中心", Department.Kind.CENTRE),
    ("environment", "生态环境和河长制办公室", Department.Kind.OFFICE),
    ("transport", "交通运输管理站", Department.Kind.EXTERNAL),
    ("market", "市场监督管理所", Department.Kind.EXTERNAL),
    ("police", "西区派出所", Department.Kind.EXTERNAL),
    ("investment", "招商和营商环境办公室", Department.Kind.OFFICE),
    ("services", "公共服务办公室", Department.Kind.CENTRE),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红建国文俊辉鹏飞宇晨欣怡嘉琪子轩浩然梓涵"
INDUSTRIES = [
    "电子信息",
    "智能家电",
    "高端装备",
    "新能源",
    "生物医药",
    "灯饰照明",
    "五金制品",
    "服装纺织",
    "食品加工",
    "现代物流",
    "商贸零售",
    "餐饮服务",
]
NAME_PARTS = [
    "金昌",
    "隆平",
    "彩虹",
    "长洲",
    "沙朗",
    "富华",
    "翠峰",
    "岐安",
    "康景",
    "光明",
    "华盛",
    "恒泰",
    "宏达",
    "德信",
    "盈科",
    "嘉和",
    "万科",
    "鸿运",
]
SUFFIX = {
    "电子信息": "电子科技",
    "智能家电": "电器",
    "高端装备": "机械设备",
    "新能源": "新能源科技",
    "生物医药": "生物医药",
    "灯饰照明": "照明电器",
    "五金制品": "五金制品",
    "服装纺织": "服饰",
    "食品加工": "食品",
    "现代物流": "物流",
    "商贸零售": "商贸",
    "餐饮服务": "餐饮管理",
}

DEMO_USERS = [
    # username, role, display name, department code, community code
    ("demo-admin", Role.ADMIN, "系统管理员（演示）", None, None),
    ("demo-leader", Role.LEADER, "李主任（演示）", None, None),
    ("demo-dept", Role.DEPT, "陈科员（城管执法，演示）", "urban-management", None),
    ("demo-desk", Role.DEPT, "周派单员（指挥调度中心，演示）", "dispatch", None),
    ("demo-community", Role.COMMUNITY, "黄书记（西苑社区，演示）", None, "442000004005"),
    ("demo-grid", Role.GRID, "林网格员（西苑社区，演示）", None, "442000004005"),
    ("demo-resident", Role.RESIDENT, "张女士（居民，演示）", None, None),
]


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "135", "136", "137", "150", "186", "188"]) + f"{rng.randrange(10**8):08d}"


def _uscc(rng: random.Random) -> str:
    org = "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    first17 = "91442000" + org
    return first17 + uscc_check_char(first17)


def _user(username, role, display, department=None, community=None, is_superuser=False) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_password(DEMO_PASSWORD)
    user.role = role
    user.display_name = display
    user.department = department
    user.community = community
    user.is_demo = True
    user.is_staff = role == Role.ADMIN
    user.is_superuser = is_superuser
    user.save()
    ensure_role_group(user)
    return user


@transaction.atomic
def load(stdout=None) -> None:
    rng = random.Random(2023)
    actor = _user("demo-admin", Role.ADMIN, "系统管理员（演示）", is_superuser=True)

    departments = {}
    for order, (code, name, kind) in enumerate(DEPARTMENTS):
        dept = Department.objects.filter(code=code).first() or services.record_create(
            Department, actor=actor, code=code, name=name, kind=kind, sort_order=order * 10
        )
        departments[code] = dept

    geo = generate_demo_geography()
    communities = {}
    for feat in geo["communities"]["features"]:
        p = feat["properties"]
        c = Community.objects.filter(code=p["code"]).first() or services.record_create(
            Community, actor=actor, code=p["code"], name=p["name"], boundary=feat["geometry"], is_generated=True
        )
        communities[p["code"]] = c
    grids = {}
    for feat in geo["grids"]["features"]:
        p = feat["properties"]
        g = Grid.objects.filter(code=p["code"]).first() or services.record_create(
            Grid,
            actor=actor,
            code=p["code"],
            name=p["name"],
            community=communities[p["community_code"]],
            boundary=feat["geometry"],
            households=p["households"],
            population=int(p["households"] * 2.6),
            is_generated=True,
        )
        grids[p["code"]] = g

    users = {}
    for username, role, display, dept_code, comm_code in DEMO_USERS:
        users[username] = _user(
            username,
            role,
            display,
            department=departments.get(dept_code) if dept_code else None,
            community=communities.get(comm_code) if comm_code else None,
            is_superuser=username == "demo-admin",
        )
    # The demo grid worker holds the first grid of 西苑; the leader leads the dispatch desk.
    first_xiyuan = min((g for code, g in grids.items() if code.startswith("442000004005")), key=lambda g: g.code)
    if not GridAssignment.objects.filter(grid=first_xiyuan, user=users["demo-grid"]).exists():
        services.record_create(
            GridAssignment, actor=actor, grid=first_xiyuan, user=users["demo-grid"], role=GridAssignment.Role.FULL_TIME
        )
    # One generated grid worker per grid (accounts without a usable password).
    for code, grid in sorted(grids.items()):
        username = f"grid-{code}"
        if User.objects.filter(username=username).exists():
            continue
        u = User(
            username=username,
            role=Role.GRID,
            display_name=_person_name(rng),
            phone=_phone(rng),
            community=grid.community,
            is_demo=True,
        )
        u.set_unusable_password()
        u.save()
        ensure_role_group(u)
        services.record_create(GridAssignment, actor=actor, grid=grid, user=u, role=GridAssignment.Role.WORKER)

    if not Enterprise.objects.filter(is_generated=True).exists():
        grid_list = [grids[k] for k in sorted(grids)]
        for i in range(300):
            industry = rng.choice(INDUSTRIES)
            grid = rng.choice(grid_list)
            from shanzhi.orgs import geo as geolib

            centre = geolib.parse_polygon(grid.boundary).representative_point()
            Enterprise.objects.create(
                name=f"中山市{rng.choice(NAME_PARTS)}{SUFFIX[industry]}有限公司" + (f"（{i}号）" if i >= 150 else ""),
                uscc=_uscc(rng),
                address=f"{STREET_NAME}{grid.community.name}社区{rng.randint(1, 200)}号",
                longitude=round(centre.x, 6),
                latitude=round(centre.y, 6),
                grid=grid,
                community=grid.community,
                contact_name=_person_name(rng),
                contact_phone=_phone(rng),
                size=rng.choices(["large", "medium", "small", "micro"], [2, 10, 50, 38])[0],
                industry=industry,
                is_above_scale=rng.random() < 0.25,
                employees=rng.randint(5, 800),
                is_generated=True,
                created_by=actor,
                updated_by=actor,
            )

    if not PartyOrganization.objects.exists():
        for _code, c in sorted(communities.items()):
            org = services.record_create(
                PartyOrganization,
                actor=actor,
                name=f"{c.name}社区党委",
                kind=PartyOrganization.Kind.COMMITTEE,
                community=c,
                secretary=_person_name(rng),
            )
            c_grids = [g for k, g in sorted(grids.items()) if g.community_id == c.pk]
            for g in c_grids[:3]:
                services.record_create(
                    PartyOrganization,
                    actor=actor,
                    name=f"{g.name}党支部",
                    kind=PartyOrganization.Kind.BRANCH,
                    community=c,
                    grid=g,
                    secretary=_person_name(rng),
                )
            for g in c_grids:
                for _ in range(2):
                    PartyMember.objects.create(
                        name=_person_name(rng),
                        phone=_phone(rng),
                        organization=org,
                        community=c,
                        grid=g,
                        is_generated=True,
                        created_by=actor,
                    )
                Volunteer.objects.create(
                    name=_person_name(rng),
                    phone=_phone(rng),
                    community=c,
                    grid=g,
                    skills=rng.choice(["助老", "家电维修", "法律咨询", "心理疏导", "环境清洁", "文体活动"]),
                    service_hours=rng.randint(0, 120),
                    is_generated=True,
                    created_by=actor,
                )
    if stdout:
        stdout.write(
            f"  {len(departments)} departments, {len(communities)} communities, {len(grids)} grids, "
            f"{Enterprise.objects.count()} enterprises, {len(DEMO_USERS)} demo logins"
        )
