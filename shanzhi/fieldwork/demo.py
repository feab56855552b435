"""Demo field work for 西区街道 (GENERATED, marked `is_generated`): checklists, alert chains, river
sections, patrol plans and patrols of the demo grid worker, micro-wishes, disputes and a drill.
Idempotent: each group is created once; a second run changes nothing."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from shanzhi.accounts.models import User
from shanzhi.fieldwork import services
from shanzhi.fieldwork.models import (
    AlertChain,
    AlertChainStep,
    Checklist,
    Dispute,
    Incident,
    Patrol,
    PatrolPlan,
    RiverSection,
    SafetyRecord,
    Wish,
)
from shanzhi.orgs.models import Community, Enterprise, GridAssignment

CHECKLISTS = [
    (
        "网格巡查（五大要素：人、地、事、物、组织）",
        Checklist.Kind.GRID,
        [
            "人：实有人口、重点人员变动",
            "地：房屋、出租屋、场所安全",
            "事：矛盾纠纷、群众诉求",
            "物：公共设施、消防设施完好",
            "组织：社会组织、非公经济组织活动",
        ],
    ),
    (
        "企业安全生产检查",
        Checklist.Kind.ENTERPRISE,
        [
            "安全生产责任制落实",
            "消防通道畅通、灭火器有效",
            "危险化学品储存规范",
            "特种设备定期检验",
            "员工安全培训记录",
        ],
    ),
    (
        "河长巡河",
        Checklist.Kind.RIVER,
        ["水体颜色、气味正常", "河面无垃圾漂浮物", "无异常排污口", "无违法侵占河道", "护栏、警示牌完好"],
    ),
]


@transaction.atomic
def load(stdout=None) -> None:
    admin = User.objects.get(username="demo-admin")
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["demo-leader", "demo-dept", "demo-community", "demo-grid", "demo-resident"]
        )
    }
    grid_user, community_user = users["demo-grid"], users["demo-community"]
    xiyuan = Community.objects.get(code="442000004005")
    grid = GridAssignment.objects.filter(user=grid_user, is_deleted=False).select_related("grid").first().grid

    checklists = {}
    for name, kind, items in CHECKLISTS:
        checklists[kind] = Checklist.objects.filter(name=name).first() or Checklist.objects.create(
            name=name, kind=kind, items=items, created_by=admin
        )

    if not AlertChain.objects.exists():
        chain = AlertChain.objects.create(name="突发事件通用联动链", max_severity=4, created_by=admin)
        for level, username, minutes in [
            (1, "demo-community", 5),
            (1, "demo-grid", 5),
            (2, "demo-dept", 5),
            (3, "demo-leader", 10),
        ]:
            AlertChainStep.objects.create(chain=chain, level=level, user=users[username], ack_minutes=minutes)
        fire = AlertChain.objects.create(
            name="火灾（较大及以上）", incident_type="fire", max_severity=3, created_by=admin
        )
        for level, username in [(1, "demo-community"), (1, "demo-leader"), (2, "demo-admin")]:
            AlertChainStep.objects.create(chain=fire, level=level, user=users.get(username, admin), ack_minutes=3)

    river = RiverSection.objects.filter(is_generated=True).first()
    if river is None:
        river = RiverSection.objects.create(
            name="西苑段",
            river="后山新开涌",
            length_km=1.8,
            community=xiyuan,
            grid=grid,
            chief=community_user,
            is_generated=True,
            created_by=admin,
        )

    if not PatrolPlan.objects.filter(patroller=grid_user).exists():
        PatrolPlan.objects.create(
            name=f"{grid.name}每周网格巡查",
            patroller=grid_user,
            patroller_role="grid_worker",
            target="grid",
            community=xiyuan,
            grid=grid,
            checklist=checklists["grid"],
            frequency="weekly",
            times_per_period=2,
            starts_on=timezone.localdate() - datetime.timedelta(days=60),
            created_by=admin,
        )
        PatrolPlan.objects.create(
            name="后山新开涌西苑段每月巡河",
            patroller=community_user,
            patroller_role="river_chief",
            target="river",
            community=xiyuan,
            river_section=river,
            checklist=checklists["river"],
            frequency="monthly",
            times_per_period=1,
            starts_on=timezone.localdate() - datetime.timedelta(days=60),
            created_by=admin,
        )
        enterprises = list(Enterprise.objects.filter(community=xiyuan).order_by("pk")[:3])
        for ent in enterprises:
            PatrolPlan.objects.create(
                name=f"{ent.name}月度安全检查",
                patroller=grid_user,
                patroller_role="safety_inspector",
                target="enterprise",
                community=xiyuan,
                grid=ent.grid,
                enterprise=ent,
                checklist=checklists["enterprise"],
                frequency="monthly",
                times_per_period=1,
                starts_on=timezone.localdate() - datetime.timedelta(days=60),
                created_by=admin,
            )
            if not SafetyRecord.objects.filter(enterprise=ent).exists():
                services.safety_record_save(
                    actor=admin,
                    enterprise=ent,
                    responsible_person=ent.contact_name or "法定代表人",
                    responsible_phone=ent.contact_phone,
                    safety_officer="安全员（演示）",
                    risk_category="一般工贸企业",
                    is_generated=True,
                )

    if not Patrol.objects.filter(is_generated=True).exists():
        plan = PatrolPlan.objects.filter(patroller=grid_user, target="grid").first()
        now = timezone.now()
        for days_ago in (12, 9, 3):
            p = services.patrol_start(
                actor=grid_user,
                plan=plan,
                is_generated=True,
                started_at=now - datetime.timedelta(days=days_ago, hours=2),
            )
            services.patrol_check(patrol=p, actor=grid_user, results={item: "ok" for item in plan.checklist.items})
            services.patrol_end(patrol=p, actor=grid_user, ended_at=p.started_at + datetime.timedelta(minutes=50))

    if not Wish.objects.filter(is_generated=True).exists():
        today = timezone.localdate()
        rows = [
            ("为独居老人更换老花镜", "elderly", 200, 20, "published", None),
            ("给留守儿童送一套课外读物", "child", 150, 2, "published", None),
            ("帮助残疾人家庭安装扶手", "disabled", 500, 15, "claimed", ("party_member", "西苑社区党员志愿服务队")),
            ("为困难家庭修理热水器", "low_income", 300, 5, "completed", ("unit", "中山市金昌电器有限公司")),
            ("陪伴孤寡老人过中秋", "elderly", 100, 30, "submitted", None),
        ]
        for title, kind, budget, days, target, claim in rows:
            w = services.wish_create(
                actor=community_user,
                title=title,
                beneficiary_kind=kind,
                budget=budget,
                deadline=today + datetime.timedelta(days=days),
                community=xiyuan,
                grid=grid,
                beneficiary_name="（演示）",
                consent=True,
                is_generated=True,
            )
            if target == "submitted":
                continue
            w = services.wish_transition(wish=w, action="publish", actor=community_user)
            if claim:
                w = services.wish_transition(
                    wish=w, action="claim", actor=community_user, claimer_kind=claim[0], claimer_name=claim[1]
                )
            if target == "completed":
                w = services.wish_transition(wish=w, action="deliver", actor=community_user, note="已上门修好热水器")
                w = services.wish_transition(wish=w, action="confirm", actor=community_user)
                services.wish_transition(
                    wish=w, action="thank", actor=community_user, thanks="感谢金昌电器的热心帮助！"
                )
        services.wishes_flag_near_deadline()

    if not Dispute.objects.filter(is_generated=True).exists():
        services.dispute_create(
            actor=community_user,
            title="楼上漏水引发邻里纠纷",
            dispute_type="neighbourhood",
            description="（演示）楼上卫生间漏水至楼下，双方就维修费用产生争执。",
            source="grid_worker",
            community=xiyuan,
            grid=grid,
            is_generated=True,
            parties=[{"name": "住户甲（演示）"}, {"name": "住户乙（演示）", "side": "respondent"}],
        )
        services.dispute_create(
            actor=community_user,
            title="某厂拖欠工人工资",
            dispute_type="labour",
            people_involved=32,
            risk_level="high",
            risk_reason="涉及32名工人，有聚集上访苗头",
            description="（演示）工厂停产，拖欠工人两个月工资。",
            source="police",
            community=xiyuan,
            grid=grid,
            is_generated=True,
            parties=[
                {"name": "工人代表（演示）"},
                {"name": "某制衣厂（演示）", "kind": "organisation", "side": "respondent"},
            ],
        )

    if not Incident.objects.filter(is_generated=True).exists():
        inc = services.incident_report(
            actor=grid_user,
            incident_type="flood",
            severity=4,
            title="（演练）台风暴雨致道路水浸",
            address=f"{xiyuan.name}社区康景路",
            grid=grid,
            is_drill=True,
            is_generated=True,
        )
        services.incident_acknowledge(incident=inc, actor=community_user)
        services.incident_act(incident=inc, actor=community_user, note="设置警示标志，疏导交通，抽排积水")
        services.incident_close(incident=inc, actor=community_user, summary="演练完成：3分钟内响应，积水40分钟排除。")
    if stdout:
        stdout.write(
            f"  field work: {Wish.objects.count()} wishes, {Dispute.objects.count()} disputes, "
            f"{Patrol.objects.count()} patrols, {Incident.objects.count()} incidents"
        )
