"""From raw text to logical paragraphs ("blocks"): clutter zones, markers, line joining.

Every block remembers where each of its pieces came from, so offsets reported to the user
point into the original text even after broken lines have been joined.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from .numerals import CIRCLED, circled_to_int, cn_to_int

_CN = "[一二三四五六七八九十百〇零]+"

# (style key, pattern). Order matters: （1） must be tried before 1.
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("（一）", re.compile(rf"^[（(]\s*({_CN})\s*[）)]")),
    ("（1）", re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]")),
    ("一、", re.compile(rf"^({_CN})\s*[、．]")),
    ("一是", re.compile(rf"^({_CN})是(?=\S)")),
    ("1.", re.compile(r"^(\d{1,3})\s*(?:[.．](?![\d.])|、)")),
    ("①", re.compile(rf"^([{CIRCLED}])")),
    ("——", re.compile(r"^(?:——|—{2}|－－|--)(?!-)")),
]

# A speech's dateline ("——2024年3月5日在…会议上") looks like a dash bullet but is not one.
_DATELINE = re.compile(r"^(?:——|—{2}|--)\s*(?:\d{4}|[〇一二三四五六七八九零]{4})年")

# Back matter that does not continue the numbering of the body.
_BACKMATTER = re.compile(
    r"^(?:附件|附表|附录)\s*[0-9０-９一二三四五六七八九十]*\s*[:：]?$"
    r"|^(?:名词解释|名词注释|术语解释|注释|注解|附：名词解释)\s*[:：]?$"
)

# Lines that are page furniture of a web copy rather than part of the document.
_STRONG_CLUTTER = re.compile(
    r"""^(?:
      (?:来源|稿源|信息来源|发布时间|发表时间|发布日期|更新时间|作者|编辑|责任编辑|审核|
         阅读量|阅读次数|浏览次数|访问量|点击数|点击量|字号|字体|分享|分享到|
         当前位置|您当前的位置|您的位置|所在位置)\s*[:：].{0,40}
     |[【\[]?\s*(?:字体|字号)\s*[:：]?.{0,20}
     |[【\[]?\s*(?:打印本页|打印|关闭窗口|关闭|收藏|返回顶部|保存本页|纠错)\s*[】\]]?
     |扫一扫.{0,30}
     |相关(?:附件|链接|阅读|新闻|文章|稿件)\s*[>》:：]*.{0,40}
     |(?:上一篇|下一篇)\s*[:：]?.{0,60}
     |.{0,40}(?:版权所有|copyright|©|ICP备|网站标识码|公网安备|主办单位|承办单位|技术支持|
               网站地图|联系我们).{0,60}
     |[0-9a-f]{16,}\s*[:：]?
     |\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?\s+\d{1,2}[:：时]\d{1,2}.{0,10}
    )$""",
    re.VERBOSE | re.IGNORECASE,
)
_SOURCE_HEADER = re.compile(r"^#\s*source\s*:", re.IGNORECASE)
_WEAK_CLUTTER = re.compile(r"^(?:[大中小【】\[\]<>》«»|/·]|首页|返回|打印|分享)$")

_TERMINAL = set("。！？!?；;：:…")
_CLOSERS = set("”’」』）)】]\"'")
_CONTINUATION_START = set("，。；：、）)”’」』！？,.;:!?%）")
_SOFT_END = set("，、,（(“‘「『《")


@dataclass(slots=True)
class Marker:
    style: str
    number: int | None
    label: str  # the label as written, without trailing spaces


def find_marker(text: str) -> Marker | None:
    """The numbering label at the start of ``text`` (already left-stripped), if any."""
    for style, pattern in _MARKERS:
        match = pattern.match(text)
        if not match:
            continue
        if style == "——":
            if _DATELINE.match(text):
                return None
            return Marker(style, None, match.group(0))
        raw = match.group(1)
        if style == "①":
            number = circled_to_int(raw)
        elif style in ("1.", "（1）"):
            number = int(raw)
        else:
            number = cn_to_int(raw)
        if number is None or number == 0:
            continue
        return Marker(style, number, match.group(0).rstrip())
    return None


def is_backmatter(text: str) -> bool:
    return bool(_BACKMATTER.match(text))


@dataclass(slots=True)
class Line:
    start: int  # offset of the stripped content in the original text
    text: str
    marker: Marker | None = None
    clutter: bool = False


@dataclass(slots=True)
class Block:
    """A logical paragraph: one or more lines joined without the line breaks."""

    text: str
    start: int
    end: int  # end offset in the original text of the last piece
    marker: Marker | None
    clutter: bool = False
    backmatter: bool = False
    # (offset in block text, offset in original) for each joined piece, ascending.
    pieces: list[tuple[int, int]] = field(default_factory=list)

    def orig(self, pos: int) -> int:
        """Original offset of position ``pos`` of ``text`` (pos == len(text) allowed)."""
        if pos >= len(self.text):
            return self.end
        index = bisect_right(self.pieces, (pos, float("inf"))) - 1
        block_off, orig_off = self.pieces[index]
        return orig_off + (pos - block_off)


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            lines.append(Line(pos + lead, stripped))
        pos += len(raw)
    return lines


def _is_terminal(text: str) -> bool:
    end = len(text)
    while end > 0 and text[end - 1] in _CLOSERS:
        end -= 1
    return end > 0 and text[end - 1] in _TERMINAL


def mark_clutter(lines: list[Line]) -> tuple[int, int]:
    """Flag page furniture at the top and bottom; return (head_end, tail_start) indexes.

    Clutter is only looked for before the document starts (first numbered heading or
    first long paragraph) and after its last numbered heading, so a line in the middle of
    the plan that happens to start with 来源： is never taken out of its section.
    """
    for line in lines:
        line.marker = find_marker(line.text)
    strong = [
        bool(_SOURCE_HEADER.match(ln.text)) or (len(ln.text) <= 80 and bool(_STRONG_CLUTTER.match(ln.text)))
        for ln in lines
    ]
    structural = [i for i, ln in enumerate(lines) if ln.marker and ln.marker.style != "——"]
    first_struct = structural[0] if structural else len(lines)
    first_long = next(
        (i for i, ln in enumerate(lines) if len(ln.text) >= 100 and not strong[i]),
        len(lines),
    )
    limit = min(first_struct, first_long)
    head_end = 0
    for i in range(limit):
        if strong[i]:
            head_end = i + 1
    # A value line just after a "label:" line (来源： / 四川日报) belongs to the label.
    while head_end < limit and _is_value_line(lines, head_end):
        head_end += 1

    last_struct = structural[-1] if structural else head_end - 1
    tail_start = len(lines)
    for i in range(max(last_struct + 1, head_end), len(lines)):
        if strong[i]:
            tail_start = i
            break
    for i in range(head_end):
        lines[i].clutter = True
    for i in range(tail_start, len(lines)):
        lines[i].clutter = True
    return head_end, tail_start


def _is_value_line(lines: list[Line], i: int) -> bool:
    text = lines[i].text
    if _WEAK_CLUTTER.match(text):
        return True
    prev = lines[i - 1].text if i > 0 else ""
    return len(text) <= 30 and prev[-1:] in (":", "：") and bool(_STRONG_CLUTTER.match(prev))


def _should_join(block: Block, nlines: int, line: Line) -> bool:
    nxt = line.text
    if line.marker is not None or is_backmatter(nxt) or block.backmatter:
        return False
    if nxt[0] in _CONTINUATION_START:
        return True
    if _is_terminal(block.text):
        return False
    if block.text[-1] in _SOFT_END:
        return True
    if block.marker is not None and nlines == 1:
        # A heading line without final punctuation is normally a heading on its own;
        # only a very short next line or an unfinished phrase is its continuation.
        return len(nxt) <= 8 or block.text[-1] in "的和与及或"
    return True


def build_blocks(lines: list[Line]) -> list[Block]:
    blocks: list[Block] = []
    nlines = 0
    for line in lines:
        end = line.start + len(line.text)
        if blocks and not line.clutter and not blocks[-1].clutter and _should_join(blocks[-1], nlines, line):
            block = blocks[-1]
            block.pieces.append((len(block.text), line.start))
            block.text += line.text
            block.end = end
            nlines += 1
            continue
        blocks.append(
            Block(
                text=line.text,
                start=line.start,
                end=end,
                marker=None if line.clutter else line.marker,
                clutter=line.clutter,
                backmatter=not line.clutter and is_backmatter(line.text),
                pieces=[(0, line.start)],
            )
        )
        nlines = 1
    return blocks
