"""Plans test data: real rows through the real services."""

from __future__ import annotations

import datetime

from shanzhi.plans import services
from shanzhi.plans.models import Plan, PlanNode

SAMPLE = """某某街道2024年工作要点
一、稳增长工程
全年地区生产总值同比增长5%以上，固定资产投资增长10%以上。
（一）抓项目。一是推进重点项目建设。二是做好招商引资。
（二）促消费。社会消费品零售总额增长6%左右。
二、惠民生工程
（一）办好民生实事，预计投入1.5亿元。
（二）加强社区治理。
"""


def make_draft(actor, text: str = SAMPLE):
    return services.draft_create(actor=actor, text=text, source_name="sample.txt")


def make_plan(org, actor=None, *, year: int = 2024, assessed_on: datetime.date | None = None) -> Plan:
    """A confirmed plan whose tasks are led by 'urban' (first program) and 'health' (second)."""
    actor = actor or org.users["admin"]
    draft = make_draft(actor)
    for program, unit in zip([n for n in draft.tree if n["kind"] == "program"], ["urban", "health"], strict=False):
        draft, _f = services.draft_edit(
            draft=draft,
            actor=actor,
            op="assign",
            node_id=program["children"][0]["id"] if program["children"] else program["id"],
            lead_unit=org.departments[unit].pk,
            co_units=[],
            deadline=f"{year}-12-31",
        )
    plan = services.draft_confirm(draft=draft, actor=actor, title="测试计划", year=year)
    if assessed_on:
        Plan.objects.filter(pk=plan.pk).update(assessed_on=assessed_on)
        plan.refresh_from_db()
    return plan


def task_of(plan: Plan, unit) -> PlanNode:
    return PlanNode.objects.filter(plan=plan, lead_unit=unit).order_by("position").first()
