"""Quantitative targets and reported actuals in a piece of plan text.

Official plans state targets in a small set of shapes: <name><verb><number><unit>
<comparator> (地区生产总值增长6%以上), ranges (4.5%—5%), 分别 lists pairing several names
with several values, and attributive amounts (355亩连片改造项目). The extractor is
regex-driven on purpose: it is fast, predictable and easy to correct, and staff confirm
every indicator before it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .model import Indicator
from .numerals import cn_to_int

# Full-width digits and signs map one-to-one onto ASCII, so offsets survive translation.
_FULLWIDTH = str.maketrans("０１２３４５６７８９％．，－～", "0123456789%.,-~")

_MULTIPLIERS = {
    "万亿": Decimal(10) ** 12,
    "千亿": Decimal(10) ** 11,
    "百亿": Decimal(10) ** 10,
    "亿": Decimal(10) ** 8,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "十万": Decimal(10) ** 5,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
}

# base unit → (kind, normalised unit, factor to normalised unit)
_UNITS: dict[str, tuple[str, str, Decimal]] = {
    "个百分点": ("percentage_points", "个百分点", Decimal(1)),
    "%": ("rate", "%", Decimal(1)),
    "‰": ("rate", "‰", Decimal(1)),
    "微克/立方米": ("concentration", "微克/立方米", Decimal(1)),
    "平方公里": ("area", "平方米", Decimal(10) ** 6),
    "平方千米": ("area", "平方米", Decimal(10) ** 6),
    "平方米": ("area", "平方米", Decimal(1)),
    "公顷": ("area", "平方米", Decimal(10) ** 4),
    "亩": ("area", "亩", Decimal(1)),
    "立方米": ("volume", "立方米", Decimal(1)),
    "公里": ("length", "公里", Decimal(1)),
    "千米": ("length", "公里", Decimal(1)),
    "美元": ("amount", "美元", Decimal(1)),
    "元": ("amount", "元", Decimal(1)),
    "公斤": ("weight", "公斤", Decimal(1)),
    "吨": ("weight", "吨", Decimal(1)),
    "斤": ("weight", "斤", Decimal(1)),
    "千瓦时": ("energy", "千瓦时", Decimal(1)),
    "千瓦": ("capacity", "千瓦", Decimal(1)),
    "标准箱": ("count", "标准箱", Decimal(1)),
    "人次": ("count", "人次", Decimal(1)),
    "倍": ("multiple", "倍", Decimal(1)),
}
for _unit in "人户家个宗件项所座套辆张株棵名批条台艘架场次起处床间栋幢":
    _UNITS[_unit] = ("count", _unit, Decimal(1))

_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
# 千 is a multiplier except in 千瓦/千米, which are units of their own.
_MULT_RE = "万亿|千亿|百亿|亿|千万|百万|十万|万|千(?!瓦|米)"
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_QTY = re.compile(
    rf"(?<![\d.])(?P<v1>{_NUM})(?:(?P<m1>{_MULT_RE})?(?P<u1>{_UNIT_RE}))?"
    rf"(?:\s*(?P<sep>[—–\-~至到]{{1,2}})\s*(?P<v2>{_NUM}))?"
    rf"(?P<mult>{_MULT_RE})?(?P<unit>{_UNIT_RE})(?P<post>及以上|以上|以下|以内|左右|上下|多)?"
)
_RANK = re.compile(
    r"(?:居|位居|位列|排名|排在|列)(?P<scope>[^，。；、\d]{0,8}?)(?P<front>第|前)"
    r"(?P<v>\d+|[一二三四五六七八九十]+)(?:位|名)?"
)

_POST_CMP = {
    "及以上": ">=",
    "以上": ">=",
    "多": ">=",
    "以下": "<=",
    "以内": "<=",
    "左右": "~",
    "上下": "~",
}
_PRE_CMP = [
    ("不低于", ">="), ("不少于", ">="), ("超过", ">="), ("突破", ">="), ("高于", ">="), ("多于", ">="),
    ("大于", ">="), ("至少", ">="), ("逾", ">="), ("超", ">="),
    ("不超过", "<="), ("不高于", "<="), ("控制在", "<="), ("低于", "<="), ("少于", "<="), ("小于", "<="),
    ("约", "~"), ("近", "~"),
]  # fmt: skip

_GROWTH = ("增长", "增加", "提高", "提升", "上涨", "上升", "扩大", "增")
_DECLINE = ("下降", "降低", "减少", "压减", "缩减", "下调", "减")
# Nouns that name a change (涨幅 = rate of rise): part of the name, but they set the kind.
_GROWTH_NOUNS = ("涨幅", "增幅", "增速")
_DECLINE_NOUNS = ("降幅",)
# Words between a name and its number that say "reaches / stays at", not a change.
_LEVEL = (
    "提高到", "提高至", "提升到", "提升至", "增加到", "增加至", "增长到", "增长至", "增至", "降至", "降到",
    "下降到", "下降至", "降低到", "降低至", "减少到", "减少至", "达到", "保持在", "稳定在", "控制在",
    "保持", "稳定", "完成", "实现", "达", "为", "是", "到", "至",
)  # fmt: skip
_ADVERBS = (
    "同比", "年均", "平均", "分别", "比上年", "较上年", "比去年", "较去年", "累计", "力争", "预计", "持续",
    "实际", "总计", "合计", "全年", "每人每月", "每人每年", "每月", "每年", "均", "再", "共", "就", "约",
    "近", "逾", "将", "要", "可", "能", "从", "由",
)  # fmt: skip
# Longest first, so that 不超过 is removed whole and not as 超过 leaving 不.
_STRIP_WORDS = sorted({*_LEVEL, *_GROWTH, *_DECLINE, *(w for w, _ in _PRE_CMP), *_ADVERBS}, key=len, reverse=True)
_BARE_VERBS = frozenset(("投入", "投资", "完成", "实现", "新增", "新建", "建成", "改造", "培育", "引进"))
_LEADING = re.compile(
    r"^(?:力争|确保|争取|努力|预计|其中|去年|上年|过去一年|一年来|同时|并且|并|以及|而且|全年|今年|明年|年内|当年|"
    r"全省|全区|全市|全国|全县|全街道|(?:到|至)?\d{4}年(?:度|底|末)?|"
    r"“十[一二三四五六七八九]?五”(?:时期|期间|末)?|主要预期目标是|预期目标是|目标是|"
    r"经济社会发展|实现|是|即|和|及|以|使|让|从)"
)
_SENTENCE_END = "。！？；!?;"
_CLAUSE_END = "。！？；!?;，,：:（(）)"
# Counting words after which a number names a list of topics, not a quantity.
_NOT_QUANTITY_AFTER = re.compile(r"^(?:方面|领域|环节|维度|层级|阶段|部分|类|大|字|句|“|\")")

_PAST = re.compile(
    r"(?<![比较])(?:去年|上年)|过去一年|过去五年|一年来|五年来|这五年|近五年|“十四五”时期|“十四五”期间|回顾"
)
_FUTURE = re.compile(r"力争|预期|目标|今年|明年|确保|争取|计划|将")
_BASELINE = re.compile(r"(?:^|[^自])[从由](?:每人每月|每人每年|每月|每年|上年的|去年的)?$")
_YEAR = re.compile(r"(?<![\d比较])(\d{4})年")


@dataclass(slots=True)
class Context:
    plan_year: int | None
    is_review: bool


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _strip_name(clause: str) -> tuple[str, str]:
    """Name of the measured thing from the clause text before the number.

    Returns (name, last verb removed): the verb becomes the name when nothing else is
    left, as in 预计投入2.89亿元 → 投入.
    """
    name = clause.strip(" 　、")
    verb = ""
    changed = True
    while changed and name:
        changed = False
        for word in _STRIP_WORDS:
            if name.endswith(word):
                name = name[: -len(word)]
                if not verb and word not in _ADVERBS:
                    verb = word
                changed = True
                break
        else:
            if name in _BARE_VERBS:
                verb, name = name, ""
    while name:
        match = _LEADING.match(name)
        if not match or match.end() == len(name):
            break
        name = name[match.end() :]
    return name.strip(" 　、“”\"'"), verb


def _verb_kind(before: str) -> str:
    """'growth', 'decline' or 'level', from the words just before the number."""
    tail = before[-8:]
    for word in _LEVEL:
        if tail.endswith(word):
            return "level"
    trimmed = tail
    for word in (*(w for w, _ in _PRE_CMP), *_ADVERBS):
        trimmed = trimmed.removesuffix(word)
    for word in (*_DECLINE, *_DECLINE_NOUNS):
        if trimmed.endswith(word):
            return "decline"
    for word in (*_GROWTH, *_GROWTH_NOUNS):
        if trimmed.endswith(word):
            return "growth"
    return "level"


def _pre_comparator(before: str) -> str | None:
    tail = before[-6:]
    for word, cmp in sorted(_PRE_CMP, key=lambda pair: -len(pair[0])):
        if tail.endswith(word):
            return cmp
    return None


def _split_parallel(subject: str, count: int) -> list[str] | None:
    """城镇和农村居民人均可支配收入 → [城镇居民人均可支配收入, 农村居民人均可支配收入]."""
    parts = [p for p in re.split(r"[、和与及]", subject) if p]
    if len(parts) != count:
        return None
    first, last = parts[0], parts[-1]
    # Parallel modifiers (城镇/农村, 一产/二产) share the head noun written once at the end.
    if len(first) <= 4 and len(last) > len(first) and all(len(p) <= 4 for p in parts[:-1]):
        tail = last[len(first) :]
        return [p + tail for p in parts[:-1]] + [last]
    return parts


def extract_indicators(text: str, to_orig, ctx: Context) -> list[Indicator]:
    """Indicators in ``text``; ``to_orig(i)`` maps a position of ``text`` to the input."""
    norm = text.translate(_FULLWIDTH)
    found: list[Indicator] = []
    matches = list(_QTY.finditer(norm))
    sentence_bounds = _bounds(norm, _SENTENCE_END)
    previous_name: dict[int, str] = {}  # sentence start → last name seen in it
    i = 0
    while i < len(matches):
        match = matches[i]
        after = norm[match.end() : match.end() + 4]
        if _NOT_QUANTITY_AFTER.match(after):
            i += 1
            continue
        s_start, s_end = _enclosing(sentence_bounds, match.start(), len(norm))
        clause_start = max(s_start, _last_index(norm, _CLAUSE_END, s_start, match.start()) + 1)
        if i > 0 and matches[i - 1].end() > clause_start:
            # 播种面积3320万亩、产量1285万吨: the next name starts after the previous value.
            clause_start = matches[i - 1].end()
        before = norm[clause_start : match.start()]
        group = [match]
        if "分别" in before:
            # Collect the list of values that 分别 pairs with the names.
            j = i + 1
            while j < len(matches) and re.fullmatch(r"[、和与及]", norm[matches[j - 1].end() : matches[j].start()]):
                group.append(matches[j])
                j += 1
        subject = before[: before.rfind("分别")] if "分别" in before else before
        names: list[str]
        base_name, verb = _strip_name(subject)
        if len(group) > 1:
            names = _split_parallel(base_name, len(group)) or [base_name] * len(group)
        else:
            names = [base_name]
        shared_post = next((m.group("post") for m in reversed(group) if m.group("post")), None)
        for k, m in enumerate(group):
            name = names[k]
            if not name:
                name = previous_name.get(s_start, "") or verb
            if not name:
                name = _attributive_name(norm, m.end(), s_end)
            elif verb == "" and not m.group("post") and len(group) == 1:
                # 355亩连片改造项目: the number qualifies the noun that follows it.
                tail = _attributive_name(norm, m.end(), s_end)
                if tail:
                    name = name + tail
            post = m.group("post") or (shared_post if len(group) > 1 else None)
            indicator = _make(
                m,
                name=name,
                post=post,
                before=before,
                norm=norm,
                ctx=ctx,
                s_start=s_start,
                s_end=s_end,
                text=text,
                to_orig=to_orig,
            )
            if indicator is not None:
                found.append(indicator)
                previous_name[s_start] = names[k] or previous_name.get(s_start, "")
        i += len(group)
    found.extend(_ranks(norm, text, to_orig, ctx, sentence_bounds=sentence_bounds, previous_name=previous_name))
    found.sort(key=lambda ind: ind.start)
    return found


def _attributive_name(norm: str, pos: int, limit: int) -> str:
    stop = pos
    while stop < limit and stop - pos < 12 and norm[stop] not in _CLAUSE_END and norm[stop] not in "、的":
        stop += 1
    tail = norm[pos:stop]
    if not tail or not re.match(r"[\u4e00-\u9fff]", tail) or len(tail) >= 12 or re.search(r"\d", tail):
        return ""
    if re.match(r"提高|提升|增|降|减|到|至|达|比|较|以|为|是", tail):
        return ""
    return tail


def _make(m, *, name, post, before, norm, ctx, s_start, s_end, text, to_orig) -> Indicator | None:
    v1 = _decimal(m.group("v1"))
    if v1 is None:
        return None
    unit_base = m.group("unit")
    mult = m.group("mult") or ""
    v2 = _decimal(m.group("v2")) if m.group("v2") else None
    if v2 is not None and m.group("u1") and m.group("u1") != unit_base:
        v2 = None  # "5%至10个百分点" is not a range
    kind, base_unit, factor = _UNITS[unit_base]
    verb_kind = _verb_kind(before)
    if kind == "rate" and verb_kind == "growth":
        kind = "growth_rate"
    elif kind == "rate" and verb_kind == "decline":
        kind = "decline_rate"
    if v2 is not None:
        comparator = "range"
    elif post:
        comparator = _POST_CMP[post]
    else:
        comparator = _pre_comparator(before) or "="
    multiplier = _MULTIPLIERS.get(mult, Decimal(1)) * factor
    normalized = v1 * multiplier
    normalized_max = v2 * multiplier if v2 is not None else None
    return Indicator(
        name=name,
        comparator=comparator,
        value=v1,
        value_max=v2,
        unit=mult + unit_base,
        kind=kind,
        # 从77%提高到80%: the first figure is today's level, reported, not aimed at.
        is_actual=_is_actual(norm, s_start, m.start(), ctx) or bool(_BASELINE.search(before)),
        sentence=text[s_start:s_end],
        sentence_start=to_orig(s_start),
        sentence_end=to_orig(s_end),
        start=to_orig(m.start()),
        end=to_orig(m.end()),
        base_unit=base_unit,
        normalized_value=normalized,
        normalized_value_max=normalized_max,
    )


def _ranks(norm, text, to_orig, ctx, *, sentence_bounds, previous_name) -> list[Indicator]:
    out: list[Indicator] = []
    for m in _RANK.finditer(norm):
        raw = m.group("v")
        value = int(raw) if raw.isdigit() else cn_to_int(raw)
        if not value:
            continue
        s_start, s_end = _enclosing(sentence_bounds, m.start(), len(norm))
        clause_start = max(s_start, _last_index(norm, _CLAUSE_END, s_start, m.start()) + 1)
        name, _ = _strip_name(norm[clause_start : m.start()])
        name = name or previous_name.get(s_start, "")
        scope = m.group("scope")
        out.append(
            Indicator(
                name=f"{name}排名{('（' + scope + '）') if scope else ''}" if name else f"排名{scope}",
                comparator="<=" if m.group("front") == "前" else "=",
                value=Decimal(value),
                unit="位",
                kind="rank",
                is_actual=_is_actual(norm, s_start, m.start(), ctx),
                sentence=text[s_start:s_end],
                sentence_start=to_orig(s_start),
                sentence_end=to_orig(s_end),
                start=to_orig(m.start()),
                end=to_orig(m.end()),
                base_unit="位",
                normalized_value=Decimal(value),
            )
        )
    return out


def _is_actual(norm: str, s_start: int, pos: int, ctx: Context) -> bool:
    if ctx.is_review:
        return True
    # The nearest clause decides first (今年增长6%，过去一年新增3000人), then the sentence.
    clause_start = max(s_start, _last_index(norm, "，,：:", s_start, pos) + 1)
    for lo in (clause_start, s_start):
        verdict = _tense(norm[lo:pos], ctx)
        if verdict is not None:
            return verdict
    return False


def _tense(before: str, ctx: Context) -> bool | None:
    """True if ``before`` marks a reported figure, False if a target, None if silent."""
    if _FUTURE.search(before):
        return False
    if _PAST.search(before):
        return True
    if ctx.plan_year:
        for year in _YEAR.findall(before):
            if int(year) < ctx.plan_year:
                return True
    return None


def _bounds(text: str, ends: str) -> list[int]:
    return [i + 1 for i, c in enumerate(text) if c in ends]


def _enclosing(bounds: list[int], pos: int, length: int) -> tuple[int, int]:
    from bisect import bisect_right

    k = bisect_right(bounds, pos)
    start = bounds[k - 1] if k > 0 else 0
    end = bounds[k] if k < len(bounds) else length
    return start, end


def _last_index(text: str, chars: str, lo: int, hi: int) -> int:
    for i in range(hi - 1, lo - 1, -1):
        if text[i] in chars:
            return i
    return lo - 1
