"""Plan parser: the Xiqu seed plan and small synthetic documents.

Run without Django: pytest shanzhi/plans/tests/test_parsing*.py -p no:django
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from shanzhi.plans.parsing import ParsedPlan, parse_plan

from .test_parsing_support import DEMO_PLAN, _no_lockout_between_tests, nonws  # noqa: F401


@pytest.fixture(scope="module")
def seed_text() -> str:
    return DEMO_PLAN.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> ParsedPlan:
    return parse_plan(seed_text)


def find(plan: ParsedPlan, name: str, **attrs):
    hits = [i for i in plan.indicators if i.name == name]
    hits = [i for i in hits if all(getattr(i, k) == v for k, v in attrs.items())]
    assert hits, f"no indicator {name} {attrs}: {[(i.name, i.value) for i in plan.indicators]}"
    return hits[0]


def assert_lossless(text: str, plan: ParsedPlan) -> None:
    """Every non-whitespace character of the input is in exactly one node, in order."""
    got = "".join(nonws(node.text) for node in plan.walk())
    assert got == nonws(text)
    for node in plan.walk():
        assert nonws(node.text) == nonws(text[node.start : node.own_end]), node.id
        assert node.start <= node.own_end <= node.end


# --- the seed -----------------------------------------------------------------------


def test_seed_has_six_programs_and_24_tasks(seed: ParsedPlan) -> None:
    programs = [n for n in seed.nodes if n.kind == "program"]
    assert [p.label for p in programs] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert [len(p.children) for p in programs] == [3, 5, 5, 3, 5, 3]
    tasks = [t for p in programs for t in p.children]
    assert len(tasks) == 24
    assert all(t.kind == "task" and t.style == "一是" for t in tasks)
    assert programs[2].title == "实施“产业升级拼经济”工程,奋力在推进高质量发展上闯新路树标杆"
    assert tasks[0].label == "一是"
    assert tasks[0].title == "强化理论导航,持续深入学习贯彻党的二十大精神"
    assert tasks[0].body.startswith("继续坚持把学习宣传贯彻党的二十大精神")


def test_seed_opening_paragraph_is_preamble(seed: ParsedPlan) -> None:
    assert seed.nodes[0].kind == "preamble"
    assert seed.nodes[0].text.startswith("2023年是全面贯彻落实党的二十大精神的开局之年")
    assert seed.year == 2023


def test_seed_growth_targets_of_program_three(seed: ParsedPlan) -> None:
    program = [n for n in seed.nodes if n.kind == "program"][2]
    got = {i.name: (i.comparator, i.value, i.unit, i.kind, i.is_actual) for i in program.indicators}
    assert got == {
        "地区生产总值": (">=", Decimal(6), "%", "growth_rate", False),
        "工业投资": (">=", Decimal(60), "%", "growth_rate", False),
        "规上工业增加值": (">=", Decimal(10), "%", "growth_rate", False),
        "社会消费品零售总额": (">=", Decimal(8), "%", "growth_rate", False),
        "固定资产投资": (">=", Decimal(20), "%", "growth_rate", False),
    }


def test_seed_budget_and_area(seed: ParsedPlan, seed_text: str) -> None:
    budget = find(seed, "投入", unit="亿元")
    assert budget.value == Decimal("2.89")
    assert budget.normalized_value == Decimal(289_000_000)
    assert budget.base_unit == "元"
    assert budget.kind == "amount" and budget.comparator == "=" and not budget.is_actual
    assert seed_text[budget.start : budget.end] == "2.89亿元"
    assert "预计投入2.89亿元" in budget.sentence
    area = next(i for i in seed.indicators if i.unit == "亩")
    assert area.value == Decimal(355) and area.kind == "area"
    assert "改造" in area.name
    # The budget belongs to the task that states it (五是紧盯社情民意…).
    node = next(n for n in seed.walk() if n.id == budget.node_id)
    assert node.label == "五是" and node.title.startswith("紧盯社情民意")


def test_seed_is_lossless(seed_text: str, seed: ParsedPlan) -> None:
    assert_lossless(seed_text, seed)


def test_seed_to_dict_is_json(seed: ParsedPlan) -> None:
    data = json.loads(json.dumps(seed.to_dict(), ensure_ascii=False))
    assert data["schema_version"] == 1
    assert [n["kind"] for n in data["nodes"]][:2] == ["preamble", "program"]
    budget = next(i for i in data["indicators"] if i["unit"] == "亿元")
    assert budget["value"] == "2.89" and budget["normalized_value"] == "289000000"
    assert budget["role"] == "target"
    assert len(data["nodes"][1]["children"]) == 3


def test_seed_is_fast(seed_text: str) -> None:
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        parse_plan(seed_text)
        runs.append(time.perf_counter() - began)
    assert sorted(runs)[2] < 0.1


# --- numbering ----------------------------------------------------------------------


def test_levels_follow_the_document_not_a_fixed_mapping() -> None:
    text = "（一）稳增长\n1.抓投资。项目开工。\n2.抓消费。\n（二）优环境\n1、抓审批。\n"
    plan = parse_plan(text)
    top = [n for n in plan.nodes if n.kind == "program"]
    assert [(n.label, n.level) for n in top] == [("（一）", 1), ("（二）", 1)]
    assert [(c.label, c.level, c.kind) for c in top[0].children] == [
        ("1.", 2, "task"),
        ("2.", 2, "task"),
    ]
    assert [c.label for c in top[1].children] == ["1、"]  # 1. and 1、 are one style


def test_all_numbering_styles_nest_as_they_appear() -> None:
    text = "\n".join(
        [
            "一、总体",
            "(一)产业",
            "1. 工业",
            "（1）技改",
            "①设备更新。",
            "②数字化。",
            "（2）招商",
            "2、服务业",
            "（二）民生",
            "——办好实事。",
            "——稳定就业。",
            "二、保障",
        ]
    )
    plan = parse_plan(text)
    one, two = [n for n in plan.nodes if n.kind == "program"]
    assert two.label == "二、" and not two.children
    first, second = one.children
    assert (first.label, second.label) == ("(一)", "（二）")
    assert [c.label for c in first.children] == ["1.", "2、"]
    tech = first.children[0].children
    assert [c.label for c in tech] == ["（1）", "（2）"]
    assert [(c.label, c.level, c.kind) for c in tech[0].children] == [
        ("①", 5, "measure"),
        ("②", 5, "measure"),
    ]
    assert [c.style for c in second.children] == ["——", "——"]
    assert_lossless(text, plan)


def test_inline_yishi_items_become_children() -> None:
    text = "一、重点任务\n今年重点抓好三件事：一是稳投资，新开工项目30个；二是促消费。三是保就业，新增就业1万人。\n"
    plan = parse_plan(text)
    program = plan.nodes[0]
    assert program.kind == "program"
    assert [c.label for c in program.children] == ["一是", "二是", "三是"]
    assert program.children[0].title == "稳投资，新开工项目30个"
    assert program.children[2].indicators[0].normalized_value == Decimal(10000)
    assert_lossless(text, plan)


def test_heading_lines_of_yishi_style() -> None:
    text = "一、党建\n一是强化理论。学习精神。\n二是强化作风。\n二、发展\n一是抓项目。\n"
    plan = parse_plan(text)
    assert [len(p.children) for p in plan.nodes] == [2, 1]
    assert plan.nodes[0].children[1].title == "强化作风"


def test_topic_paragraphs_under_a_section() -> None:
    text = "（一）推动产业升级，发展新质生产力\n推动传统产业升级。实施技改项目100个。\n培育新兴产业。新增高新技术企业50家以上。\n"
    plan = parse_plan(text)
    section = plan.nodes[0]
    assert [(c.kind, c.title) for c in section.children] == [
        ("topic", "推动传统产业升级"),
        ("topic", "培育新兴产业"),
    ]
    assert section.children[1].indicators[0].comparator == ">="


def test_broken_lines_are_joined() -> None:
    text = "一、目标\n今年经济社会发展的\n主要预期目标\n是：地区生产总值增长4.5%—5%，城市\nPM\n2.5\n浓度下降3%。\n"
    plan = parse_plan(text)
    program = plan.nodes[0]
    assert program.body == "今年经济社会发展的主要预期目标是：地区生产总值增长4.5%—5%，城市PM2.5浓度下降3%。"
    gdp = program.indicators[0]
    assert (gdp.name, gdp.comparator, gdp.value, gdp.value_max) == (
        "地区生产总值",
        "range",
        Decimal("4.5"),
        Decimal(5),
    )
    assert program.indicators[1].kind == "decline_rate"
    # Offsets still point into the original text across the joined lines.
    assert text[gdp.start : gdp.end] == "4.5%—5%"
    assert nonws(text[gdp.sentence_start : gdp.sentence_end]) == nonws(gdp.sentence)
    assert_lossless(text, plan)


def test_page_clutter_is_kept_in_clutter_nodes() -> None:
    text = "\n".join(
        [
            "当前位置：首页 > 要闻",
            "2025年某街道工作计划",
            "发布时间：2025-01-05 09:00",
            "来源：",
            "某区政府网",
            "【字体：",
            "大",
            "中",
            "小",
            "】",
            "今年是关键之年，街道工作的总体要求是稳中求进，力争地区生产总值增长5%左右，全面完成各项任务。",
            "一、稳增长",
            "固定资产投资增长8%以上。",
            "二、惠民生",
            "城镇新增就业1200人以上。",
            "扫一扫在手机打开当前页",
            "打印本页",
            "关闭窗口",
            "版权所有：某区人民政府 粤ICP备12345678号",
        ]
    )
    plan = parse_plan(text)
    kinds = [n.kind for n in plan.nodes]
    assert kinds == ["clutter", "preamble", "program", "program", "clutter"]
    assert "来源：" in plan.nodes[0].text and "某区政府网" in plan.nodes[0].text
    assert plan.nodes[-1].text.startswith("扫一扫") and "版权所有" in plan.nodes[-1].text
    assert plan.title == "2025年某街道工作计划" and plan.year == 2025
    assert not any(i.node_id == plan.nodes[-1].id for i in plan.indicators)
    assert_lossless(text, plan)


def test_appendix_numbering_does_not_continue_the_body() -> None:
    text = "一、甲\n内容。\n二、乙\n内容。\n附件1\n一、实事一\n二、实事二\n附件2\n名词解释\n1.“两新”：设备更新。\n"
    plan = parse_plan(text)
    assert [n.kind for n in plan.nodes] == ["program", "program", "appendix", "appendix"]
    assert [c.label for c in plan.nodes[2].children] == ["一、", "二、"]
    assert plan.nodes[3].title == "附件2\n名词解释".split("\n", maxsplit=1)[0]
    assert [c.label for c in plan.nodes[3].children] == ["1."]


# --- indicators ---------------------------------------------------------------------


def indicators_of(sentence: str, heading: str = "一、今年目标") -> list:
    return parse_plan(f"2025年工作计划\n{heading}\n{sentence}\n").indicators


@pytest.mark.parametrize(
    "case",
    [
        ("地区生产总值增长6%以上。", "地区生产总值", ">=", "6", "%", "growth_rate"),
        ("城镇新增就业1200万人以上。", "城镇新增就业", ">=", "1200", "万人", "count"),
        ("城镇调查失业率5.5%左右。", "城镇调查失业率", "~", "5.5", "%", "rate"),
        ("单位能耗降低2.5%左右。", "单位能耗", "~", "2.5", "%", "decline_rate"),
        ("财政赤字控制在3%。", "财政赤字", "<=", "3", "%", "rate"),
        ("一般性支出不超过5000万元。", "一般性支出", "<=", "5000", "万元", "amount"),
        ("森林覆盖率不低于60%。", "森林覆盖率", ">=", "60", "%", "rate"),
        ("PM2.5浓度下降到25微克/立方米以内。", "PM2.5浓度", "<=", "25", "微克/立方米", "concentration"),
        ("研发投入超过100亿元。", "研发投入", ">=", "100", "亿元", "amount"),
        ("新建道路12公里。", "新建道路", "=", "12", "公里", "length"),
        ("改造老旧小区15个。", "改造老旧小区", "=", "15", "个", "count"),
        ("新增绿地面积3.5万平方米。", "新增绿地面积", "=", "3.5", "万平方米", "area"),
        ("受理信访件数同比下降10个百分点。", "受理信访件数", "=", "10", "个百分点", "percentage_points"),
    ],
)
def test_indicator_shapes(case: tuple[str, ...]) -> None:
    sentence, name, comparator, value, unit, kind = case
    (ind,) = indicators_of(sentence)
    assert (ind.name, ind.comparator, ind.value, ind.unit, ind.kind) == (
        name,
        comparator,
        Decimal(value),
        unit,
        kind,
    )
    assert not ind.is_actual


def test_normalised_values() -> None:
    inds = indicators_of("投入资金2.89亿元，新建厂房3.5万平方米，引进人才1.2万人。")
    assert [(i.base_unit, i.normalized_value) for i in inds] == [
        ("元", Decimal(289_000_000)),
        ("平方米", Decimal(35_000)),
        ("人", Decimal(12_000)),
    ]


def test_ranges_ascii_and_fullwidth() -> None:
    (a,) = indicators_of("地区生产总值增长4.5%-5%。")
    (b,) = indicators_of("地区生产总值增长４.５％—５％。")
    for ind in (a, b):
        assert (ind.comparator, ind.value, ind.value_max) == ("range", Decimal("4.5"), Decimal(5))


def test_fenbie_pairs_names_and_values() -> None:
    inds = indicators_of("城镇和农村居民人均可支配收入分别增长6%、9%以上。")
    assert [(i.name, i.value, i.comparator) for i in inds] == [
        ("城镇居民人均可支配收入", Decimal(6), ">="),
        ("农村居民人均可支配收入", Decimal(9), ">="),
    ]
    inds = indicators_of("一产、二产、三产增加值分别增长5%左右、5%以上、5%左右。")
    assert [(i.name, i.comparator) for i in inds] == [
        ("一产增加值", "~"),
        ("二产增加值", ">="),
        ("三产增加值", "~"),
    ]


def test_past_year_figures_are_actuals() -> None:
    text = (
        "2024年工作计划\n一、目标任务\n"
        "去年地区生产总值完成120亿元，增长5.2%。2023年工业投资增长12%。"
        "今年地区生产总值增长6%左右，过去一年新增就业3000人。\n"
    )
    roles = [(i.name, i.value, i.is_actual) for i in parse_plan(text).indicators]
    assert roles == [
        ("地区生产总值", Decimal(120), True),
        ("地区生产总值", Decimal("5.2"), True),
        ("工业投资", Decimal(12), True),
        ("地区生产总值", Decimal(6), False),
        ("新增就业", Decimal(3000), True),
    ]


def test_review_section_reports_actuals() -> None:
    text = "一、2024年工作回顾\n地区生产总值增长5.1%。\n二、2025年工作安排\n地区生产总值增长5%左右。\n"
    plan = parse_plan(text)
    assert plan.nodes[0].is_review and not plan.nodes[1].is_review
    assert [(i.value, i.role) for i in plan.indicators] == [
        (Decimal("5.1"), "actual"),
        (Decimal(5), "target"),
    ]


def test_year_numbers_and_counting_words_are_not_indicators() -> None:
    assert indicators_of("2025年重点做好以下10个方面工作，落实“12345”工作法。") == []


def test_no_numbering_warns_and_keeps_text() -> None:
    text = "这是一段没有编号的文字。\n第二段。\n"
    plan = parse_plan(text)
    assert plan.warnings and plan.nodes[0].kind == "preamble"
    assert_lossless(text, plan)


def test_empty_text() -> None:
    plan = parse_plan("")
    assert plan.nodes == [] and plan.indicators == []


def test_parse_plan_rejects_bytes() -> None:
    with pytest.raises(TypeError):
        parse_plan(b"abc")  # type: ignore[arg-type]
