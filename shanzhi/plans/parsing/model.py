"""Dataclasses returned by :func:`shanzhi.plans.parsing.parse_plan`.

They are plain data (no Django) so the parser can run in a management command, a web
request or a benchmark alike; ``to_dict()`` gives the JSON shape documented in
docs/plan-import-json.md. Decimals are serialised as strings so that no precision is lost
(2.89 亿元 must stay exactly 289000000).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SCHEMA_VERSION = 1


def _dec(value: Decimal | None) -> str | None:
    if value is None:
        return None
    # Plain notation: Decimal("2.89E+8") would surprise every consumer of the JSON.
    text = format(value.normalize(), "f")
    return text


@dataclass(slots=True)
class Indicator:
    """One quantitative statement (a target of the plan or a reported actual)."""

    name: str
    comparator: str  # ">=", "<=", "~", "=", "range"
    value: Decimal
    unit: str  # as written: "%", "亿元", "万人", "个百分点" ...
    kind: str  # growth_rate, decline_rate, rate, amount, count, area, ...
    is_actual: bool
    sentence: str
    sentence_start: int
    sentence_end: int
    start: int  # offsets of the quantity expression in the original text
    end: int
    value_max: Decimal | None = None
    base_unit: str = ""
    normalized_value: Decimal | None = None
    normalized_value_max: Decimal | None = None
    node_id: int | None = None

    @property
    def role(self) -> str:
        return "actual" if self.is_actual else "target"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "is_actual": self.is_actual,
            "kind": self.kind,
            "comparator": self.comparator,
            "value": _dec(self.value),
            "value_max": _dec(self.value_max),
            "unit": self.unit,
            "base_unit": self.base_unit,
            "normalized_value": _dec(self.normalized_value),
            "normalized_value_max": _dec(self.normalized_value_max),
            "sentence": self.sentence,
            "sentence_span": [self.sentence_start, self.sentence_end],
            "span": [self.start, self.end],
            "node_id": self.node_id,
        }


@dataclass(slots=True)
class PlanNode:
    """A section of the plan: a numbered heading and its own text, plus children.

    ``text`` is the node's own text exactly as written (lines joined, surrounding
    whitespace removed) and includes ``label``; ``title`` and ``body`` are views of it.
    ``start``/``own_end`` delimit ``text`` in the original input, ``end`` the whole subtree.
    """

    id: int
    kind: str  # program, task, measure, topic, paragraph, preamble, clutter, appendix
    level: int  # 1 = top level; clutter/preamble/appendix nodes are level 1 too
    style: str  # numbering style key ("一、", "（一）", "一是", "1.", ...), "" if unnumbered
    number: int | None  # ordinal of the label (（三） → 3)
    label: str  # the label as written, e.g. "（三）", "3、", "三是"
    title: str
    body: str
    text: str
    start: int
    own_end: int
    end: int
    is_review: bool = False  # inside a section that reports the past (工作回顾)
    children: list[PlanNode] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)

    def walk(self):
        """Pre-order traversal of this node and its descendants."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "level": self.level,
            "style": self.style,
            "number": self.number,
            "label": self.label,
            "title": self.title,
            "body": self.body,
            "text": self.text,
            "span": [self.start, self.end],
            "own_span": [self.start, self.own_end],
            "is_review": self.is_review,
            "indicators": [ind.to_dict() for ind in self.indicators],
            "children": [child.to_dict() for child in self.children],
        }


@dataclass(slots=True)
class ParsedPlan:
    title: str
    year: int | None
    nodes: list[PlanNode]
    indicators: list[Indicator]
    warnings: list[str] = field(default_factory=list)

    def walk(self):
        for node in self.nodes:
            yield from node.walk()

    @property
    def structural_nodes(self) -> list[PlanNode]:
        """Top-level nodes of the plan proper (no clutter, preamble or appendix)."""
        return [n for n in self.nodes if n.kind == "program"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "title": self.title,
            "year": self.year,
            "warnings": list(self.warnings),
            "nodes": [node.to_dict() for node in self.nodes],
            "indicators": [ind.to_dict() for ind in self.indicators],
        }
