"""Plan parser on the crawled government work reports in ../shared/corpus/plans.

The corpus is not part of the repository; these tests skip (saying so) when it is absent.
Expected values were read off the documents themselves.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from shanzhi.plans.parsing import ParsedPlan, PlanNode, parse_plan

from .test_parsing_support import _no_lockout_between_tests, corpus_file, corpus_files, nonws  # noqa: F401

pytestmark = pytest.mark.corpus

_cache: dict[str, tuple[str, ParsedPlan]] = {}


def load(prefix: str) -> tuple[str, ParsedPlan]:
    if prefix not in _cache:
        text = corpus_file(prefix).read_text(encoding="utf-8")
        _cache[prefix] = (text, parse_plan(text))
    return _cache[prefix]


def programs(plan: ParsedPlan) -> list[PlanNode]:
    return [n for n in plan.nodes if n.kind == "program"]


def targets(plan: ParsedPlan, name: str) -> list:
    return [i for i in plan.indicators if i.name == name and not i.is_actual]


def actuals(plan: ParsedPlan, name: str) -> list:
    return [i for i in plan.indicators if i.name == name and i.is_actual]


def test_corpus_is_present_or_skipped() -> None:
    if not corpus_files():
        pytest.skip("../shared/corpus/plans is absent (set SHANZHI_SHARED); corpus tests skipped")
    assert len(corpus_files()) >= 4


@pytest.mark.parametrize("prefix", ["01", "02", "03", "04"])
def test_nothing_is_dropped(prefix: str) -> None:
    text, plan = load(prefix)
    assert "".join(nonws(n.text) for n in plan.walk()) == nonws(text)
    for node in plan.walk():
        assert nonws(node.text) == nonws(text[node.start : node.own_end])
    for ind in plan.indicators:
        assert nonws(text[ind.sentence_start : ind.sentence_end]) == nonws(ind.sentence)
        assert text[ind.start : ind.end].strip()


@pytest.mark.parametrize(
    ("prefix", "title", "year", "tasks_in_third"),
    [
        ("01", "政府工作报告", 2024, 10),
        ("02", "2026年四川省人民政府工作报告", 2026, 10),
        ("03", "2026年宁夏回族自治区政府工作报告", 2026, 6),
        ("04", "政府工作报告", 2026, 14),
    ],
)
def test_three_top_sections_and_the_tasks_of_this_year(prefix, title, year, tasks_in_third) -> None:
    _, plan = load(prefix)
    assert (plan.title, plan.year) == (title, year)
    top = programs(plan)
    assert [p.label for p in top] == ["一、", "二、", "三、"]
    assert top[0].is_review and not top[2].is_review
    third = [c for c in top[2].children if c.style == "（一）"]
    assert len(third) == tasks_in_third
    assert [c.number for c in third] == list(range(1, tasks_in_third + 1))


def test_clutter_of_web_copies_is_set_aside() -> None:
    _, sichuan = load("02")
    head, tail = sichuan.nodes[0], sichuan.nodes[-1]
    assert head.kind == tail.kind == "clutter"
    assert "来源:" in head.text and "四川日报" in head.text and "分享：" in head.text
    assert "打印本页" in tail.text and "责任编辑：" in tail.text and "关闭窗口" in tail.text
    assert sichuan.nodes[1].kind == "preamble" and "各位代表：" in sichuan.nodes[1].text
    _, ningxia = load("03")
    assert "当前位置：" in ningxia.nodes[0].text and "阅读量：" in ningxia.nodes[0].text
    assert "扫一扫在手机打开当前页" in ningxia.nodes[-1].text


def test_national_report() -> None:
    _, plan = load("01")
    (gdp,) = targets(plan, "国内生产总值")
    assert (gdp.comparator, gdp.value, gdp.kind) == ("~", Decimal(5), "growth_rate")
    (jobs,) = targets(plan, "城镇新增就业")
    assert (jobs.comparator, jobs.value, jobs.unit, jobs.normalized_value) == (">=", 1200, "万人", 12_000_000)
    (grain,) = targets(plan, "粮食产量")
    assert (grain.comparator, grain.normalized_value, grain.base_unit) == (">=", Decimal("1.3E12"), "斤")
    assert targets(plan, "单位国内生产总值能耗")[0].kind == "decline_rate"
    # 2023 results in the review section are actuals, not targets.
    past = {(i.value, i.unit) for i in actuals(plan, "国内生产总值")}
    assert {(Decimal("5.2"), "%"), (Decimal(126), "万亿元")} <= past
    assert actuals(plan, "城镇新增就业")[0].value == 1244
    # The review's —— bullets are a flat list under 一、, the 一是…六是 items beside them.
    review = programs(plan)[0]
    assert [c.style for c in review.children].count("——") == 7
    assert [c.label for c in review.children if c.style == "一是"] == ["一是", "二是", "三是", "四是", "五是", "六是"]
    # Unnumbered topic paragraphs under （一）.
    first_task = programs(plan)[2].children[0]
    assert [c.title for c in first_task.children] == [
        "推动产业链供应链优化升级",
        "积极培育新兴产业和未来产业",
        "深入推进数字经济创新发展",
    ]


def test_sichuan_report() -> None:
    _, plan = load("02")
    (gdp,) = targets(plan, "地区生产总值")
    assert (gdp.comparator, gdp.value) == ("~", Decimal("5.5"))
    (grain,) = targets(plan, "粮食产量")
    assert (grain.comparator, grain.normalized_value) == (">=", Decimal(73_000_000_000))
    pair = [i for i in plan.indicators if i.name == "城乡居民人均可支配收入"]
    # 2025: 城乡居民人均可支配收入分别增长4.4%、5.6% (one indicator per value, both actuals).
    assert [(i.value, i.is_actual) for i in pair][:2] == [(Decimal("4.4"), True), (Decimal("5.6"), True)]
    appendix = next(n for n in plan.nodes if n.kind == "appendix")
    assert appendix.title == "名词解释" and len(appendix.children) == 20


def test_ningxia_report() -> None:
    _, plan = load("03")
    sectors = [i for i in plan.indicators if i.name in ("一产增加值", "二产增加值", "三产增加值")]
    assert [(i.name, i.comparator, i.value, i.is_actual) for i in sectors if not i.is_actual] == [
        ("一产增加值", "~", Decimal(5), False),
        ("二产增加值", ">=", Decimal(5), False),
        ("三产增加值", "~", Decimal(5), False),
    ]
    assert [i.value for i in sectors if i.is_actual][:3] == [Decimal(6), Decimal("5.2"), Decimal("5.2")]
    (income,) = targets(plan, "全体居民人均可支配收入")
    assert (income.comparator, income.value) == (">=", Decimal(5))
    # 城镇调查失业率控制在5.5%左右: 左右 is the more precise word.
    assert [i.comparator for i in targets(plan, "城镇调查失业率")] == ["~"]
    # 三、(一) is followed by 一是…五是 heading lines at the next level.
    first = programs(plan)[2].children[0]
    assert [c.label for c in first.children] == ["一是", "二是", "三是", "四是", "五是"]


def test_guangdong_report() -> None:
    _, plan = load("04")
    gdp = targets(plan, "地区生产总值")
    assert [(i.comparator, i.value, i.value_max) for i in gdp] == [
        ("~", Decimal(5), None),  # 十五五: 年均增长5%左右
        ("range", Decimal("4.5"), Decimal(5)),  # 2026: 增长4.5%—5%
    ]
    assert Decimal("3.9") in {i.value for i in actuals(plan, "地区生产总值")}
    appendices = [n for n in plan.nodes if n.kind == "appendix"]
    assert [len(a.children) for a in appendices] == [10, 13]
    # A sentence broken over three lines (…发展的 / 主要预期目标 / 是：…) is joined.
    third = programs(plan)[2]
    assert "今年经济社会发展的主要预期目标是：地区生产总值增长4.5%—5%" in third.body


def test_largest_report_is_fast() -> None:
    paths: list[Path] = corpus_files()
    if not paths:
        pytest.skip("../shared/corpus/plans is absent")
    largest = max(paths, key=lambda p: p.stat().st_size)
    text = largest.read_text(encoding="utf-8")
    runs = []
    for _ in range(3):
        began = time.perf_counter()
        parse_plan(text)
        runs.append(time.perf_counter() - began)
    assert sorted(runs)[1] < 0.5
