"""Build the plan tree from blocks; entry point :func:`parse_plan`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .indicators import Context, extract_indicators
from .model import Indicator, ParsedPlan, PlanNode
from .numerals import cn_to_int
from .text import Block, build_blocks, mark_clutter, split_lines

_DEPTH_KIND = {1: "program", 2: "task"}
_TITLE_WORDS = re.compile(r"报告|计划|方案|要点|规划|纲要|安排|意见|通知|决定|总结")
_REVIEW = re.compile(r"回顾|总结|成就|执行情况|完成情况")
_YEAR = re.compile(r"(?<!\d)(\d{4})年")
_SENTENCE_END = "。！？!?；;"
_INLINE = re.compile(r"(?<=[，。；：,;:！？])([一二三四五六七八九十]{1,2})是(?=\S)")
_NOT_TOPIC_START = re.compile(r"^(?:各位代表|同志们|我们|今年|明年|过去|这是我们)")


@dataclass(slots=True)
class _Piece:
    block: Block
    lo: int
    hi: int

    @property
    def text(self) -> str:
        return self.block.text[self.lo : self.hi]


@dataclass(slots=True)
class _Draft:
    kind: str
    level: int
    style: str = ""
    number: int | None = None
    label: str = ""
    pieces: list[_Piece] = field(default_factory=list)
    children: list[_Draft] = field(default_factory=list)


def _depth_kind(level: int) -> str:
    return _DEPTH_KIND.get(level, "measure")


def _is_topic(text: str) -> bool:
    """A paragraph led by a short topic sentence (推动产业链供应链优化升级。保持…)."""
    if _NOT_TOPIC_START.match(text):
        return False
    for i, char in enumerate(text[:26]):
        if char in "。！？":
            return i >= 3
        if char in "，,；;：:、（(":
            return False
    return False


class _Builder:
    def __init__(self) -> None:
        self.roots: list[_Draft] = []
        self.head: _Draft | None = None
        self.tail: _Draft | None = None
        self.preamble: _Draft | None = None
        # The appendix whose own numbering we are in, if any.
        self.base: _Draft | None = None
        self.stack: list[tuple[str, _Draft]] = []
        self.last: _Draft | None = None
        self.seen_body = False

    def _add(self, parent: _Draft | None, draft: _Draft) -> _Draft:
        (parent.children if parent else self.roots).append(draft)
        self.last = draft
        return draft

    def _top(self) -> _Draft | None:
        return self.stack[-1][1] if self.stack else self.base

    def _level_below(self, parent: _Draft | None) -> int:
        return parent.level + 1 if parent else 1

    def feed(self, block: Block) -> None:
        whole = _Piece(block, 0, len(block.text))
        if block.clutter:
            if not self.seen_body:
                if self.head is None:
                    self.head = _Draft("clutter", 1)
                self.head.pieces.append(whole)
            else:
                if self.tail is None:
                    self.tail = _Draft("clutter", 1)
                self.tail.pieces.append(whole)
            return
        self.seen_body = True
        if block.backmatter:
            last = self.last
            if (
                last is not None
                and last.kind == "appendix"
                and not last.children
                and all(p.block.backmatter for p in last.pieces)
            ):
                # 附件2 / 名词解释: one heading written over two lines.
                last.pieces.append(whole)
            else:
                self.base = self._add(None, _Draft("appendix", 1, pieces=[whole]))
                self.stack = []
            return
        marker = block.marker
        if marker is not None and not (marker.style == "——" and not self.stack and self.base is None):
            styles = [s for s, _ in self.stack]
            if marker.style in styles:
                del self.stack[styles.index(marker.style) :]
            elif self.stack and self.stack[-1][0] == "——":
                # Dash bullets are a flat list: a new style after them does not nest in them.
                self.stack.pop()
            parent = self._top()
            level = self._level_below(parent)
            kind = "item" if self.base is not None else _depth_kind(level)
            draft = _Draft(kind, level, marker.style, marker.number, marker.label)
            self._add(parent, draft)
            self.stack.append((marker.style, draft))
            self._attach(draft, block, len(marker.label))
            return
        if not self.stack:
            if self.base is not None:
                self._attach(self.base, block, 0)
                return
            if self.preamble is None:
                self.preamble = self._add(None, _Draft("preamble", 1))
            self._attach(self.preamble, block, 0)
            return
        dash_closed = False
        if self.stack[-1][0] == "——":
            # A dash item is one paragraph; what follows belongs to the enclosing section.
            self.stack.pop()
            dash_closed = True
        parent = self._top()
        if _is_topic(block.text) and parent is not None:
            draft = self._add(parent, _Draft("topic", self._level_below(parent), "topic"))
            self._attach(draft, block, 0)
        elif dash_closed or self.last is None:
            draft = self._add(parent, _Draft("paragraph", self._level_below(parent)))
            self._attach(draft, block, 0)
        else:
            self._attach(self.last, block, 0)

    def _attach(self, owner: _Draft, block: Block, search_from: int) -> None:
        """Give ``block`` to ``owner``, splitting off inline 一是…二是… items as children."""
        cuts: list[tuple[int, int, str]] = []
        expected = 1
        for match in _INLINE.finditer(block.text, search_from):
            if cn_to_int(match.group(1)) == expected:
                cuts.append((match.start(), expected, match.group(0)))
                expected += 1
        if len(cuts) < 2:
            owner.pieces.append(_Piece(block, 0, len(block.text)))
            self.last = owner
            return
        owner.pieces.append(_Piece(block, 0, cuts[0][0]))
        bounds = [c[0] for c in cuts] + [len(block.text)]
        level = owner.level + 1
        kind = (
            "item"
            if owner.kind in ("appendix", "item")
            else ("measure" if owner.kind in ("topic", "paragraph", "preamble") else _depth_kind(level))
        )
        for (pos, number, label), end in zip(cuts, bounds[1:], strict=True):
            child = _Draft(kind, level, "一是", number, label, pieces=[_Piece(block, pos, end)])
            owner.children.append(child)
        self.last = owner.children[-1]

    def drafts(self) -> list[_Draft]:
        out = [self.head] if self.head else []
        out += self.roots
        if self.tail:
            out.append(self.tail)
        return out


def _title_and_body(draft: _Draft, text: str) -> tuple[str, str]:
    if draft.kind in ("clutter", "preamble", "paragraph"):
        return "", text
    rest = text[len(draft.label) :]
    first_line_end = rest.find("\n")
    first = rest if first_line_end < 0 else rest[:first_line_end]
    cut = next((i for i, c in enumerate(first) if c in _SENTENCE_END), -1)
    if draft.kind == "appendix" or cut < 0:
        title, body = first, rest[len(first) :]
    else:
        title, body = first[:cut], rest[cut + 1 :]
    return title.strip(), body.strip()


def _plan_title(blocks: list[Block]) -> str:
    for block in blocks:
        if block.marker is not None and block.marker.style != "——":
            break
        for line in block.text.split("——")[:1]:
            if line.startswith("#") or len(line) > 60 or line[-1:] in "。！？；：:":
                continue
            if _TITLE_WORDS.search(line) and not re.search(r"[:：]", line):
                return line.strip()
    return ""


def _plan_year(title: str, blocks: list[Block]) -> int | None:
    match = _YEAR.search(title)
    if match:
        return int(match.group(1))
    for block in blocks:
        if block.marker is not None and block.marker.style != "——":
            break
        if block.text.startswith("#"):
            continue
        match = _YEAR.search(block.text)
        if match:
            return int(match.group(1))
    return None


def parse_plan(text: str) -> ParsedPlan:
    """Parse the text of an official work plan into a tree of sections and indicators."""
    if not isinstance(text, str):
        raise TypeError("parse_plan() takes the document text as str")
    lines = split_lines(text)
    mark_clutter(lines)
    blocks = build_blocks(lines)
    builder = _Builder()
    for block in blocks:
        builder.feed(block)

    warnings: list[str] = []
    title = _plan_title(blocks)
    year = _plan_year(title, blocks)
    if not title:
        warnings.append("No document title found.")
    if year is None:
        warnings.append("No plan year found; past-year figures are recognised by wording only.")

    counter = iter(range(1, 1 << 30))
    all_indicators: list[Indicator] = []

    def convert(draft: _Draft, review: bool) -> PlanNode:
        own = "\n".join(p.text for p in draft.pieces)
        title, body = _title_and_body(draft, own)
        if draft.level == 1 and draft.kind == "program" and _REVIEW.search(title):
            review = True
        start = draft.pieces[0].block.orig(draft.pieces[0].lo)
        last = draft.pieces[-1]
        own_end = last.block.orig(last.hi) if last.hi < len(last.block.text) else last.block.end
        node = PlanNode(
            id=next(counter), kind=draft.kind, level=draft.level, style=draft.style,
            number=draft.number, label=draft.label, title=title, body=body, text=own,
            start=start, own_end=own_end, end=own_end, is_review=review,
        )  # fmt: skip
        ctx = Context(plan_year=year, is_review=review)
        if draft.kind != "clutter":
            for piece in draft.pieces:
                found = extract_indicators(piece.text, lambda i, p=piece: p.block.orig(p.lo + i), ctx)
                for ind in found:
                    ind.node_id = node.id
                node.indicators.extend(found)
        all_indicators.extend(node.indicators)
        for child in draft.children:
            node.children.append(convert(child, review))
        if node.children:
            node.end = max(node.end, node.children[-1].end)
        return node

    nodes = [convert(d, False) for d in builder.drafts() if d.pieces]
    programs = [n for n in nodes if n.kind == "program"]
    if not programs:
        warnings.append("No numbered sections found; the whole text is in the preamble.")
    return ParsedPlan(
        title=title,
        year=year,
        nodes=nodes,
        indicators=all_indicators,
        warnings=warnings,
    )
