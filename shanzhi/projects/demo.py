"""Demo projects for 西区街道 2023, from the places named in the work plan (seed document).

The project names come from the plan; every figure (investment, area, dates, progress, leads,
parcels, votes) is GENERATED and plausible, not real, and marked `is_generated`. Idempotent:
a project, lead, chain, parcel or proposal that exists (by its code or name) is left alone.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from shanzhi.accounts.models import User
from shanzhi.core import services as core
from shanzhi.orgs.models import Community, Department, Enterprise
from shanzhi.projects import services
from shanzhi.projects.models import (
    ChainLink,
    IndustryChain,
    Lead,
    LeadActivity,
    Milestone,
    Parcel,
    Project,
    ProjectMonth,
    Proposal,
)

YEAR = 2023
K, S = Project.Kind, Project.Stage

# code, name, kind, final stage, department code, community code, total investment (万元), land (亩), owner unit
PROJECTS = [
    (
        "XQ-2023-001",
        "金昌工业园区一期",
        K.INDUSTRIAL,
        S.STARTED,
        "economy",
        "442000004008",
        152000,
        286,
        "中山金昌产业园投资有限公司",
    ),
    (
        "XQ-2023-002",
        "隆平工业园标准厂房（二期）",
        K.INDUSTRIAL,
        S.RESERVE,
        "economy",
        "442000004010",
        46000,
        88,
        "隆平工业园运营公司",
    ),
    (
        "XQ-2023-003",
        "工改产业腾挪园",
        K.INDUSTRIAL,
        S.STARTED,
        "construction",
        "442000004006",
        38000,
        65,
        "西区街道资产经营公司",
    ),
    (
        "XQ-2023-004",
        "马山旧改",
        K.RENEWAL,
        S.STARTED,
        "construction",
        "442000004003",
        215000,
        412,
        "西区街道城市更新中心",
    ),
    (
        "XQ-2023-005",
        "金华中路355亩连片改造",
        K.RENEWAL,
        S.PLANNING,
        "construction",
        "442000004005",
        268000,
        355,
        "西区街道城市更新中心",
    ),
    ("XQ-2023-006", "康景路新建工程", K.ROAD, S.STARTED, "transport", "442000004005", 18500, 42, "西区街道规划建设办"),
    ("XQ-2023-007", "光明西路延长线", K.ROAD, S.RESERVE, "transport", "442000004007", 26000, 58, "西区街道规划建设办"),
    ("XQ-2023-008", "金华路改造工程", K.ROAD, S.STARTED, "transport", "442000004005", 9800, 21, "西区街道规划建设办"),
    (
        "XQ-2023-009",
        "隆平工业园36米规划路",
        K.ROAD,
        S.PLANNING,
        "transport",
        "442000004010",
        14200,
        36,
        "西区街道规划建设办",
    ),
    ("XQ-2023-010", "岐安路建设工程", K.ROAD, S.RESERVE, "transport", "442000004009", 11300, 27, "西区街道规划建设办"),
    ("XQ-2023-011", "翠峰路建设工程", K.ROAD, S.PLANNING, "transport", "442000004011", 8600, 19, "西区街道规划建设办"),
    (
        "XQ-2023-012",
        "富华道示范路",
        K.ROAD,
        S.COMPLETED,
        "urban-management",
        "442000004005",
        3200,
        None,
        "西区街道综合行政执法队",
    ),
    (
        "XQ-2023-013",
        "后山新开涌综合整治",
        K.ENVIRONMENT,
        S.STARTED,
        "environment",
        "442000004007",
        7600,
        None,
        "西区街道河长办",
    ),
    (
        "XQ-2023-014",
        "岭南水乡田园·悦生围",
        K.CULTURE,
        S.STARTED,
        "education-culture",
        "442000004009",
        12800,
        160,
        "隆昌社区股份合作经济联合社",
    ),
    (
        "XQ-2023-015",
        "荔景苑创建国家4A级旅游景区",
        K.CULTURE,
        S.RESERVE,
        "education-culture",
        "442000004006",
        5400,
        95,
        "荔景苑景区管理处",
    ),
    (
        "XQ-2023-016",
        "黄氏大宗祠提质升级",
        K.CULTURE,
        S.STARTED,
        "education-culture",
        "442000004001",
        1600,
        3,
        "西区街道宣传文体服务中心",
    ),
    (
        "XQ-2023-017",
        "烟洲书院提质升级",
        K.CULTURE,
        S.COMPLETED,
        "education-culture",
        "442000004001",
        1200,
        2,
        "西区街道宣传文体服务中心",
    ),
    (
        "XQ-2023-018",
        "智能家电企业数字化车间技改",
        K.TECH_RENOVATION,
        S.PRODUCTION,
        "economy",
        "442000004008",
        8800,
        None,
        "",
    ),
    ("XQ-2023-019", "精密五金智能制造技改", K.TECH_RENOVATION, S.STARTED, "economy", "442000004010", 5200, None, ""),
    ("XQ-2023-020", "破解土地瓶颈改革创新试点", K.REFORM, S.PLANNING, "party-office", None, 0, None, "西区街道党政办"),
]

# The ten 民生实事 of 2023: ¥2.89亿 = 28,900万元 in total.
LIVELIHOOD = [
    ("MS-2023-01", "社区卫生服务站提升改造", "health", "442000004005", 2600),
    ("MS-2023-02", "公办学校改扩建增加学位", "education-culture", "442000004003", 6800),
    ("MS-2023-03", "农贸市场升级改造和食品快检", "market", "442000004006", 1500),
    ("MS-2023-04", "平安社区视频监控补点", "governance", "442000004008", 1200),
    ("MS-2023-05", "老旧小区改造（8个小区）", "construction", "442000004005", 7200),
    ("MS-2023-06", "后山片区雨污分流和河涌治理", "environment", "442000004007", 5600),
    ("MS-2023-07", "政务服务中心“一窗通办”改造", "services", None, 600),
    ("MS-2023-08", "社会救助专项爱心基金", "social-affairs", None, 800),
    ("MS-2023-09", "社会组织孵化基地", "social-affairs", "442000004011", 400),
    ("MS-2023-10", "长者饭堂和居家养老服务站", "social-affairs", "442000004009", 2200),
]
MILESTONES = ["方案设计和立项", "招标采购", "开工建设", "完工验收", "投入使用"]

CHAINS = {
    "新能源": [
        ("upstream", "锂电材料"),
        ("midstream", "电芯和储能模组"),
        ("midstream", "电池管理系统"),
        ("downstream", "储能系统集成"),
        ("downstream", "充电设施"),
    ],
    "高端装备制造": [
        ("upstream", "精密零部件"),
        ("midstream", "数控机床"),
        ("midstream", "工业机器人"),
        ("downstream", "智能产线集成"),
    ],
    "新一代信息技术": [
        ("upstream", "电子元器件"),
        ("midstream", "智能模组"),
        ("downstream", "工业软件"),
        ("downstream", "智能终端"),
    ],
}
CHAIN_INDUSTRIES = {
    "新能源": ["新能源"],
    "高端装备制造": ["高端装备", "五金制品"],
    "新一代信息技术": ["电子信息", "智能家电"],
}

LEADS = [
    # company, kind, chain, link, source, investment, final stage
    ("深圳储能科技（湾区）有限公司", "new", "新能源", "储能系统集成", "chain_leader", 80000, "negotiating"),
    ("广州锂材新材料股份有限公司", "new", "新能源", "锂电材料", "exhibition", 45000, "visited"),
    ("佛山快充设备有限公司", "new", "新能源", "充电设施", "business_referral", 12000, "signed"),
    ("东莞精工数控机床有限公司", "new", "高端装备制造", "数控机床", "business_referral", 30000, "land_secured"),
    ("珠海协作机器人有限公司", "new", "高端装备制造", "工业机器人", "agency", 25000, "contacted"),
    ("深圳工业软件研究院", "new", "新一代信息技术", "工业软件", "public_enterprise", 6000, "lead"),
    ("中山智能模组科技有限公司", "new", "新一代信息技术", "智能模组", "visit", 18000, "registered"),
    ("香港电子元器件贸易公司", "new", "新一代信息技术", "电子元器件", "exhibition", 9000, "dropped"),
    ("江门电池管理系统有限公司", "new", "新能源", "电池管理系统", "chain_leader", 15000, "started"),
]
LEAD_STEPS = [
    "lead",
    "contacted",
    "visited",
    "negotiating",
    "signed",
    "registered",
    "land_secured",
    "started",
    "production",
]

PARCEL_STAGES = [
    "transfer",
    "transfer",
    "preparation",
    "demolition",
    "demolition",
    "relocation",
    "signing",
    "signing",
    "signing",
    "survey",
    "survey",
    "survey",
]

PROPOSALS = [
    (
        "增设社区长者助餐点",
        "special_groups",
        "442000004005",
        "建议在西苑社区增设长者饭堂助餐点，方便行动不便的老人就近用餐。",
        46,
    ),
    (
        "老旧小区加装电梯",
        "infrastructure",
        "442000004003",
        "广丰社区多栋七层楼无电梯，老人上下楼困难，建议纳入加装电梯计划。",
        58,
    ),
    ("学校周边交通安全整治", "safety", "442000004006", "上下学时段校门口车辆乱停放，建议增设护栏和临时停车点。", 33),
    ("河涌沿岸增设健身步道", "culture_sports", "442000004007", "后山新开涌整治后建议沿岸建设健身步道和照明。", 27),
    (
        "农贸市场增设公共厕所",
        "environment",
        "442000004008",
        "沙朗农贸市场周边缺少公共厕所，建议增设并纳入日常保洁。",
        19,
    ),
    ("社区就业驿站", "health_jobs", "442000004011", "建议在彩虹社区设立就业驿站，提供岗位信息和技能培训。", 12),
]


def _d(month: int, day: int = 10) -> datetime.date:
    return datetime.date(YEAR, month, day)


def _spread(total: Decimal, months: int, rng: random.Random) -> list[Decimal]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(months)]
    s = sum(weights)
    out = [(total * Decimal(str(w / s))).quantize(Decimal("0.01")) for w in weights]
    out[-1] += total - sum(out)
    return out


def _stage_path(final: str) -> list[str]:
    order = ["planning", "reserve", "started"]
    if final in order:
        return order[: order.index(final) + 1]
    if final == "production":
        return [*order, "production"]
    return [*order, "completed"]


def _project(
    actor,
    rng,
    *,
    code,
    name,
    kind,
    stage,
    department,
    community,
    total,
    land,
    owner_unit,
    leader,
    enterprise=None,
    public=False,
) -> Project:
    project = Project.objects.filter(code=code).first()
    if project is not None:
        return project
    path = _stage_path(stage)
    project = services.project_create(
        actor=actor,
        on=_d(1, 5),
        code=code,
        name=name,
        kind=kind,
        year=YEAR,
        department=department,
        community=community,
        total_investment=Decimal(total),
        land_area_mu=Decimal(land) if land else None,
        owner_unit=owner_unit or (enterprise.name if enterprise else ""),
        enterprise=enterprise,
        responsible_leader=leader,
        is_public=public,
        is_generated=True,
        requires_enforcement=code == "XQ-2023-004",
        address=f"中山市西区{community.name if community else ''}" if community else "中山市西区街道",
        planned_start=_d(3, 1),
        planned_end=datetime.date(YEAR + 1 if kind != K.LIVELIHOOD else YEAR, 12, 31),
        description="演示数据（生成）：项目名称来自2023年工作计划，投资额、面积、进度均为模拟数据。",
    )
    month = 2
    for target in path[1:]:
        project = services.project_move_stage(
            project=project, to_stage=target, actor=actor, on=_d(month, rng.randint(1, 25)), note="演示数据"
        )
        month += rng.randint(1, 3)
    # Annual plan: a share of the total investment for 2023, reported month by month.
    if total and stage not in (S.PLANNING,):
        share = Decimal("1") if kind == K.LIVELIHOOD or total < 3000 else Decimal(str(rng.uniform(0.25, 0.45)))
        annual = (Decimal(total) * share).quantize(Decimal("0.01"))
        plan = dict(zip([_d(m, 1) for m in range(1, 13)], _spread(annual, 12, rng), strict=True))
        services.project_plan_set(project=project, actor=actor, plan=plan)
        reported_to = 12 if stage in (S.COMPLETED, S.PRODUCTION) else rng.randint(8, 11)
        pace = rng.uniform(0.75, 1.1)
        progress = Decimal("0")
        for m in range(1, reported_to + 1):
            done = (plan[_d(m, 1)] * Decimal(str(pace * rng.uniform(0.8, 1.2)))).quantize(Decimal("0.01"))
            progress = min(Decimal("100"), progress + Decimal(str(round(100 / 12 * pace * rng.uniform(0.7, 1.3), 1))))
            if stage == S.COMPLETED and m == 12:
                progress = Decimal("100")
            services.project_progress_record(
                project=project,
                actor=actor,
                month=_d(m, 1),
                completed_investment=done,
                physical_progress=progress,
                note="",
            )
    return project


@transaction.atomic
def load(stdout=None) -> None:
    rng = random.Random(20230601)
    actor = User.objects.get(username="demo-admin")
    leader = User.objects.filter(username="demo-leader").first()
    depts = {d.code: d for d in Department.objects.all()}
    comms = {c.code: c for c in Community.objects.all()}
    enterprises = list(Enterprise.objects.filter(is_generated=True).order_by("pk"))

    for code, name, kind, stage, dept, comm, total, land, owner in PROJECTS:
        ent = None
        if kind == K.TECH_RENOVATION and enterprises:
            wanted = "智能家电" if "家电" in name else "五金制品"
            ent = next((e for e in enterprises if e.industry == wanted), enterprises[0])
        _project(
            actor,
            rng,
            code=code,
            name=name,
            kind=kind,
            stage=stage,
            department=depts.get(dept),
            community=comms.get(comm) if comm else None,
            total=total,
            land=land,
            owner_unit=owner,
            leader=leader,
            enterprise=ent,
        )

    for code, name, dept, comm, budget in LIVELIHOOD:
        fresh = not Project.objects.filter(code=code).exists()
        stage = rng.choice([S.STARTED, S.STARTED, S.COMPLETED])
        project = _project(
            actor,
            rng,
            code=code,
            name=name,
            kind=K.LIVELIHOOD,
            stage=stage,
            department=depts.get(dept),
            community=comms.get(comm) if comm else None,
            total=budget,
            land=None,
            owner_unit="",
            leader=leader,
            public=True,
        )
        if fresh:
            done_count = len(MILESTONES) if stage == S.COMPLETED else rng.randint(2, 3)
            for i, ms in enumerate(MILESTONES):
                core.record_create(
                    Milestone,
                    actor=actor,
                    project=project,
                    name=ms,
                    sort_order=i * 10,
                    due_on=_d(2 + i * 2, 28),
                    done_on=_d(2 + i * 2, rng.randint(10, 28)) if i < done_count else None,
                )

    _link_plan_tasks(actor)
    _chains_and_leads(actor, rng, depts, enterprises)
    _parcels(actor, rng)
    _blockers(actor, depts)
    _proposals(actor, comms, depts)
    if stdout:
        stdout.write(
            f"  projects: {Project.objects.filter(is_generated=True).count()} generated projects, "
            f"{ProjectMonth.objects.count()} monthly rows, {Lead.objects.count()} leads"
        )


# Project code → words of the work-plan task the project serves.
PLAN_LINKS = {
    "XQ-2023-001": "金昌工业园区",
    "XQ-2023-004": "马山旧改",
    "XQ-2023-005": "355亩",
    "XQ-2023-003": "腾挪园",
    "XQ-2023-006": "康景路",
    "XQ-2023-007": "光明西路",
    "XQ-2023-012": "富华道",
    "XQ-2023-013": "新开涌",
    "XQ-2023-014": "悦生围",
    "XQ-2023-016": "黄氏大宗祠",
    "XQ-2023-017": "烟洲书院",
}


def _link_plan_tasks(actor):
    """Link projects to the demo work plan's tasks that name them (when the plans demo ran)."""
    try:
        from shanzhi.plans.models import PlanNode
    except ImportError:
        return
    for code, words in PLAN_LINKS.items():
        project = Project.objects.filter(code=code, plan_task__isnull=True).first()
        if project is None:
            continue
        task = (
            PlanNode.objects.filter(kind="task", title__contains=words).order_by("level", "pk").first()
            or PlanNode.objects.filter(kind="task", text__contains=words).order_by("-level", "pk").first()
        )
        if task is not None:
            services.project_update(project=project, actor=actor, plan_task=task)
    for project in Project.objects.filter(kind=K.LIVELIHOOD, plan_task__isnull=True):
        task = PlanNode.objects.filter(kind="task", text__contains="民生实事").order_by("-level", "pk").first()
        if task is None:
            break
        services.project_update(project=project, actor=actor, plan_task=task)


def _chains_and_leads(actor, rng, depts, enterprises):
    investment = depts.get("investment")
    links = {}
    for order, (chain_name, chain_links) in enumerate(CHAINS.items()):
        chain = IndustryChain.objects.filter(name=chain_name).first() or core.record_create(
            IndustryChain,
            actor=actor,
            name=chain_name,
            department=investment,
            sort_order=order * 10,
            is_generated=True,
            description="演示数据（生成）：链条环节和企业分布为模拟数据。",
        )
        local = [e for e in enterprises if e.industry in CHAIN_INDUSTRIES[chain_name]]
        for i, (pos, link_name) in enumerate(chain_links):
            link = ChainLink.objects.filter(chain=chain, name=link_name).first()
            if link is None:
                # Leave some links empty: these are the gaps the leads should fill.
                members = rng.sample(local, k=min(len(local), rng.choice([0, 1, 2, 3]))) if local else []
                link = core.record_create(
                    ChainLink,
                    actor=actor,
                    chain=chain,
                    name=link_name,
                    position=pos,
                    sort_order=i * 10,
                    is_key_gap=not members,
                    m2m={"enterprises": members},
                )
            links[(chain_name, link_name)] = link
    owner = User.objects.filter(username="demo-dept").first()
    for company, kind, chain_name, link_name, source, amount, final in LEADS:
        if Lead.objects.filter(company=company).exists():
            continue
        lead = services.lead_create(
            actor=actor,
            company=company,
            kind=kind,
            chain_link=links[(chain_name, link_name)],
            industry=chain_name,
            source=source,
            investment=Decimal(amount),
            contact_name="联系人（演示）",
            contact_phone=f"1380000{rng.randrange(10000):04d}",
            owner=owner,
            department=investment,
            is_generated=True,
        )
        target = final if final != "dropped" else "visited"
        for step in LEAD_STEPS[1 : LEAD_STEPS.index(target) + 1]:
            lead = services.lead_move(lead=lead, to_stage=step, actor=actor)
        if final == "dropped":
            lead = services.lead_move(
                lead=lead, to_stage="dropped", actor=actor, reason="企业选址转向外市，投资意向取消"
            )
        services.lead_log_activity(
            lead=lead, actor=actor, kind=LeadActivity.Kind.VISIT, summary="上门拜访，介绍园区载体和扶持政策（演示）"
        )
    # 增资扩产: local enterprises that will expand.
    for ent in enterprises[:5]:
        if Lead.objects.filter(enterprise=ent, kind=Lead.Kind.EXPANSION).exists():
            continue
        lead = services.lead_create(
            actor=actor,
            company=ent.name,
            kind=Lead.Kind.EXPANSION,
            enterprise=ent,
            industry=ent.industry,
            source=Lead.Source.VISIT,
            investment=Decimal(rng.choice([2000, 3500, 5000, 8000])),
            owner=owner,
            department=investment,
            is_generated=True,
        )
        for step in LEAD_STEPS[1 : rng.randint(2, 6)]:
            lead = services.lead_move(lead=lead, to_stage=step, actor=actor)
    # One idle lead, to show the flag.
    Lead.objects.filter(company="深圳工业软件研究院").update(
        last_activity_at=datetime.datetime(YEAR, 3, 1, tzinfo=datetime.UTC)
    )


def _parcels(actor, rng):
    for code, prefix, stages in (
        ("XQ-2023-004", "MS", PARCEL_STAGES),
        ("XQ-2023-005", "JH", ["survey"] * 6 + ["signing"] * 2),
    ):
        project = Project.objects.filter(code=code).first()
        if project is None or project.parcels.exists():
            continue
        for i, final in enumerate(stages, start=1):
            parcel = core.record_create(
                Parcel,
                actor=actor,
                project=project,
                code=f"{prefix}-{i:02d}",
                area_mu=Decimal(str(rng.randint(12, 60))),
                owners=f"{'马山' if prefix == 'MS' else '金华'}村民小组（演示）",
                households=rng.randint(3, 40),
                enforcement=Parcel.Enforcement.PLANNED
                if prefix == "MS" and final == "signing" and i % 3 == 0
                else Parcel.Enforcement.NONE,
                is_generated=True,
            )
            month = 1
            for step in ["signing", "relocation", "demolition", "preparation", "transfer"]:
                if step == "signing" and final == "survey":
                    break
                month += rng.randint(1, 2)
                parcel = services.parcel_move(
                    parcel=parcel,
                    to_stage=step,
                    actor=actor,
                    on=_d(min(month, 12), 15),
                    transfer_price=str(rng.randint(3000, 9000) * 10) if step == "transfer" else None,
                )
                if step == final:
                    break


def _blockers(actor, depts):
    items = [
        ("XQ-2023-007", "demolition", "光明西路延长线红线范围内3户房屋未签约，影响开工", "urban-management"),
        ("XQ-2023-001", "power", "金昌工业园区一期专变报装容量不足，需协调供电部门扩容", "economy"),
        ("XQ-2023-004", "land", "马山旧改地块土地整备后出让条件需协调规划调整", "construction"),
    ]
    for code, kind, text, dept in items:
        project = Project.objects.filter(code=code).first()
        if project is None or project.blockers.exists() or dept not in depts:
            continue
        services.blocker_raise(project=project, actor=actor, kind=kind, description=text, department=depts[dept])


def _proposals(actor, comms, depts):
    for title, cat, comm, text, votes in PROPOSALS:
        if Proposal.objects.filter(title=title).exists():
            continue
        p = Proposal(
            title=title,
            category=cat,
            community=comms.get(comm),
            description=text,
            for_year=YEAR + 1,
            votes=votes,
            is_generated=True,
            department=depts.get("social-affairs"),
        )
        p.full_clean(exclude=["created_by", "updated_by", "deleted_by", "answered_by"])
        p.save()
        core.audit_log(actor=actor, action="create", obj=p, note="demo")
        if votes > 40:
            services.proposal_answer(
                proposal=p, actor=actor, answer="已列入2024年民生实事候选项目，正在开展可行性论证。（演示）"
            )
