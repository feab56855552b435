"""Demo plan: the 2023 work plan of 西区街道 imported from its text through the same services as
the import page, then supervised through 2023 (units, deadlines, milestones, monthly reports
with a realistic mix of green / yellow / red, 督办单 with replies) and its five economic
indicators with GENERATED, plausible monthly actuals for 2022 and 2023.

Everything here is demo data (the plan is marked `is_generated`); the code of the app knows
nothing of Xiqu. Idempotent: a second run finds the plan and changes nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from shanzhi.accounts.models import User
from shanzhi.orgs.models import Department
from shanzhi.plans import services
from shanzhi.plans.models import Indicator, Milestone, Plan, PlanNode, ProgressReport, SupervisionNotice

SEED = Path(__file__).resolve().parent / "demo" / "xiqu-2023-workplan.txt"
TITLE = "西区街道2023年工作计划（六大工程）"
YEAR = 2023
ASSESSED_ON = datetime.date(2023, 11, 28)  # the demo is seen as at the end of November 2023

# Words of a task title → (lead unit, co-units) among the demo departments.
UNIT_RULES = [
    ("理论", "party-building", ["education-culture"]),
    ("党建", "party-building", ["party-office"]),
    ("作风", "party-office", ["party-building"]),
    ("产业平台", "investment", ["economy"]),
    ("营商环境", "investment", ["market"]),
    ("新空间", "construction", ["economy"]),
    ("交通", "construction", ["transport", "urban-management"]),
    ("改革", "party-office", []),
    ("制造业", "economy", []),
    ("招商", "investment", ["economy"]),
    ("项目为王", "economy", ["construction"]),
    ("消费", "economy", ["market"]),
    ("对外开放", "economy", []),
    ("城市创建", "urban-management", ["education-culture", "governance"]),
    ("文旅", "education-culture", []),
    ("绿美", "environment", ["urban-management"]),
    ("教育", "education-culture", []),
    ("健康", "health", []),
    ("就业", "labour", []),
    ("民生保障", "social-affairs", []),
    ("民生实事", "services", ["finance"]),
    ("共治", "governance", ["party-building"]),
    ("法治", "governance", ["police"]),
    ("智治", "urban-management", ["dispatch"]),
]

# name fragment → (2022 annual amount 亿元, 2023 growth %), plausible for a 街道 of this size.
INDICATOR_DATA = {
    "地区生产总值": (Decimal("218"), Decimal("5.4")),
    "工业投资": (Decimal("16.5"), Decimal("47.0")),
    "规上工业增加值": (Decimal("72"), Decimal("10.6")),
    "社会消费品零售总额": (Decimal("86"), Decimal("7.1")),
    "固定资产投资": (Decimal("58"), Decimal("22.5")),
}
SEASON = [6.5, 6.0, 8.2, 8.0, 8.3, 9.0, 8.2, 8.1, 8.6, 8.5, 9.0, 11.6]  # share of the year, %


def _units_for(title: str, units: dict[str, Department]) -> tuple[Department | None, list[Department]]:
    for word, lead, co in UNIT_RULES:
        if word in title and lead in units:
            return units[lead], [units[c] for c in co if c in units]
    return units.get("party-office"), []


@transaction.atomic
def load(stdout=None) -> None:
    if Plan.all_objects.filter(title=TITLE, is_generated=True).exists():
        return
    actor = User.objects.get(username="demo-admin")
    leader = User.objects.filter(username="demo-leader").first() or actor
    units = {d.code: d for d in Department.objects.all()}
    rng = random.Random(2023)

    draft = services.draft_create(actor=actor, text=SEED.read_text(encoding="utf-8"), source_name=SEED.name)
    for node in draft.tree:
        if node["kind"] != "program":
            continue
        for task in node["children"]:
            lead, co = _units_for(task["title"], units)
            draft, _focus = services.draft_edit(
                draft=draft,
                actor=actor,
                op="assign",
                node_id=task["id"],
                lead_unit=lead.pk if lead else None,
                co_units=[c.pk for c in co],
                deadline=f"{YEAR}-12-{rng.choice([15, 20, 31])}",
                leader=leader.pk,
                apply_to_children=True,
            )
    for i, item in enumerate(draft.indicators):
        if item.get("include") and item.get("unit") == "%":
            draft = services.draft_update_indicator(draft=draft, actor=actor, index=i, values={"measure_unit": "亿元"})
    plan = services.draft_confirm(draft=draft, actor=actor, title=TITLE, year=YEAR, is_generated=True)
    Plan.objects.filter(pk=plan.pk).update(assessed_on=ASSESSED_ON)
    plan.refresh_from_db()

    tasks = list(PlanNode.objects.filter(plan=plan, kind="task", lead_unit__isnull=False).select_related("lead_unit"))
    # Profiles: most tasks on track, some behind, a few far behind or silent.
    profiles = ["good"] * 12 + ["slow"] * 6 + ["late"] * 4 + ["silent"] * 2
    rng.shuffle(profiles)
    for task, profile in zip(tasks, profiles * 2, strict=False):
        _milestones(task, actor, profile, rng)
        _reports(task, profile, rng)
    services.plan_recompute_progress(plan=plan)

    # 督办单 on the tasks furthest behind: answered on time, late, and one still open.
    behind = sorted(tasks, key=lambda t: t.progress)[:4]
    for k, task in enumerate(behind):
        issued = datetime.date(YEAR, 9 + k % 3, 5 + k)
        notice = services.notice_issue(
            node=task,
            actor=leader,
            issued_on=issued,
            reply_due=issued + datetime.timedelta(days=7),
            content="该项工作进度明显滞后于序时进度，请于期限内书面说明滞后原因、下一步措施及完成时限。",
        )
        if k < 3:
            services.notice_reply(
                notice=notice, actor=actor, reply="已召开专题会议研究，倒排工期、挂图作战，确保年底前完成年度任务。"
            )
            replied = timezone.make_aware(
                datetime.datetime.combine(issued + datetime.timedelta(days=5 if k != 1 else 11), datetime.time(16, 0))
            )
            SupervisionNotice.objects.filter(pk=notice.pk).update(replied_at=replied)

    _indicators(plan, actor, units)
    for task in tasks:
        services.node_assess(node=task)
    services.plan_publish(plan=plan, actor=actor, published=True)
    if stdout is not None:
        stdout.write(f"  plan {plan.title}: {len(tasks)} supervised tasks, {plan.indicators.count()} indicators")


def _milestones(task: PlanNode, actor, profile: str, rng: random.Random) -> None:
    items = [
        ("制定年度实施方案", datetime.date(YEAR, 3, 31)),
        ("完成年度任务过半", datetime.date(YEAR, 7, 15)),
        ("完成年度任务并总结", task.deadline or datetime.date(YEAR, 12, 31)),
    ]
    for title, due in items:
        done = None
        if due <= ASSESSED_ON and (profile in ("good", "slow") or due.month <= 3):
            done = due - datetime.timedelta(days=rng.randint(0, 10))
        if profile == "slow" and due.month == 7:
            done = due + datetime.timedelta(days=rng.randint(12, 30))  # reached, but late
        Milestone.objects.create(node=task, title=title, due_date=due, done_on=done, created_by=actor, updated_by=actor)


def _reports(task: PlanNode, profile: str, rng: random.Random) -> None:
    speed = {"good": 1.02, "slow": 0.8, "late": 0.55, "silent": 0.4}[profile]
    last_month = {"good": 11, "slow": 11, "late": 10, "silent": 8}[profile]
    users = list(task.lead_unit.staff.all()[:1]) if task.lead_unit else []
    for month in range(1, last_month + 1):
        if profile != "good" and rng.random() < 0.1:
            continue  # a month without a report
        percent = min(Decimal(100), Decimal(str(round(month / 12 * 100 * speed + rng.uniform(-3, 3), 1)))).max(
            Decimal(0)
        )
        period = datetime.date(YEAR, month, 1)
        day = rng.randint(18, 24) if rng.random() > 0.15 else rng.randint(26, 28)
        submitted = timezone.make_aware(datetime.datetime(YEAR, month, day, 17, 0))
        ProgressReport.objects.create(
            node=task,
            unit=task.lead_unit,
            period=period,
            percent=percent,
            submitted_at=submitted,
            is_late=day > 25,
            text=f"{month}月：按计划推进{task.title[:20]}相关工作，完成阶段性任务，累计完成年度任务约{percent}%。",
            created_by=users[0] if users else None,
        )
        task.progress = percent
    PlanNode.objects.filter(pk=task.pk).update(progress=task.progress)


def _indicators(plan: Plan, actor, units: dict[str, Department]) -> None:
    rng = random.Random(6)
    economy = units.get("economy")
    for ind in Indicator.objects.filter(plan=plan):
        if economy:
            Indicator.objects.filter(pk=ind.pk).update(responsible_unit=economy)
        data = next((v for k, v in INDICATOR_DATA.items() if k in ind.name), None)
        if data is not None:
            base, growth = data
            for month in range(1, 13):
                share = Decimal(str(SEASON[month - 1])) / 100
                prev = (base * share * Decimal(str(rng.uniform(0.97, 1.03)))).quantize(Decimal("0.01"))
                services.actual_record(indicator=ind, actor=actor, year=YEAR - 1, month=month, value=prev)
                if month <= 11:
                    wobble = Decimal(str(rng.uniform(-2.5, 2.5)))
                    value = (prev * (1 + (growth + wobble) / 100)).quantize(Decimal("0.01"))
                    services.actual_record(indicator=ind, actor=actor, year=YEAR, month=month, value=value)
        elif ind.unit == "亿元":
            # 民生实事 spending: about the budget over the year, behind in autumn.
            for month in range(1, 12):
                value = (ind.target_value / 12 * Decimal(str(rng.uniform(0.7, 1.1)))).quantize(Decimal("0.0001"))
                services.actual_record(indicator=ind, actor=actor, year=YEAR, month=month, value=value)
