"""PNG charts for the Word bulletin (matplotlib, Agg backend, a CJK font when one exists)."""

from __future__ import annotations

import io
import logging
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib import pyplot as plt

logger = logging.getLogger(__name__)

CJK_HINTS = ("NotoSansCJK", "NotoSerifCJK", "SourceHanSans", "wqy", "WenQuanYi", "SimHei", "msyh", "DroidSansFallback")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font, registered with matplotlib; None if absent."""
    for f in font_manager.fontManager.ttflist:
        if "CJK" in f.name or "WenQuanYi" in f.name or "Source Han" in f.name:
            return f.name
    for path in sorted(font_manager.findSystemFonts(fontext="ttf") + font_manager.findSystemFonts(fontext="otf")):
        if any(h.lower() in path.lower() for h in CJK_HINTS) and "Bold" not in path:
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):  # unreadable font file: try the next one
                continue
    logger.warning("No CJK font found for report charts; Chinese labels will show as boxes.")
    return None


def _ascii_safe(labels: list[str]) -> list[str]:
    # Without a CJK font, keep the chart legible: number the bars instead of printing boxes.
    return [s if s.isascii() else f"#{i + 1}" for i, s in enumerate(labels)]


def bar_chart(
    labels: list[str], values: list[float], *, title: str = "", unit: str = "", horizontal: bool = True
) -> bytes:
    font = cjk_font()
    labels = [str(s) for s in labels]
    if font:
        plt.rcParams["font.family"] = [font, "DejaVu Sans"]
    else:
        labels = _ascii_safe(labels)
        title = title if title.isascii() else ""
        unit = unit if unit.isascii() else ""
    plt.rcParams["axes.unicode_minus"] = False
    height = max(2.4, 0.38 * len(labels) + 1.2) if horizontal else 3.2
    fig, ax = plt.subplots(figsize=(6.4, height), dpi=150)
    try:
        if horizontal:
            ax.barh(labels[::-1], values[::-1], color="#206bc4")
            for y, v in enumerate(values[::-1]):
                ax.text(v, y, f" {v:g}{unit}", va="center", fontsize=8)
        else:
            ax.bar(labels, values, color="#206bc4")
            ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        if title:
            ax.set_title(title, fontsize=11)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)
