"""Bar charts as inline SVG, drawn here: no chart library, nothing fetched, the same in a browser and a PDF.

Each bar carries `data-key` and `data-value`, so a test can read the chart back and compare it with
the `audit/1` numbers it claims to show.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

SEVERITY_COLOUR = {"violation": "#c00000", "warning": "#d98c00", "info": "#2f6fb0"}
NEUTRAL = "#8c1d18"
ROW = 26
FONT_PX = 12
BAR_AREA = 360
VALUE_WIDTH = 48


@dataclass(frozen=True)
class Segment:
    key: str
    value: int
    colour: str


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


def label_width(labels: list[str]) -> int:
    """Room for the longest label: CJK characters are a full em wide, Latin capitals up to 0.7 em."""
    def width(text: str) -> float:
        return sum(FONT_PX if ord(ch) > 0x2E80 else FONT_PX * 0.7 for ch in text)

    return int(max([width(t) for t in labels] + [40])) + 16


def _text(x: float, y: float, content: str, anchor: str = "start", cls: str = "label") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}">{escape(content)}</text>'


def bar_chart(chart_id: str, title: str, bars: list[Bar], legend: list[tuple[str, str]] | None = None) -> Markup:
    """Horizontal bars, longest scale = largest total; stacked when a bar has several segments."""
    LABEL_WIDTH = label_width([b.label for b in bars])  # noqa: N806
    top = 8 + (ROW if legend else 0)
    height = top + ROW * max(len(bars), 1) + 8
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    scale = BAR_AREA / max([b.total for b in bars] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
             f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'font-size="{FONT_PX}" font-family="Noto Sans CJK SC, Noto Serif CJK SC, sans-serif">',
             f"<title>{escape(title)}</title>"]
    if legend:
        x = LABEL_WIDTH
        for label, colour in legend:
            parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
            parts.append(_text(x + 16, 16, label, cls="legend"))
            x += 24 + 14 * len(label)
    if not bars:
        parts.append(_text(LABEL_WIDTH, top + ROW * 0.65, "无", cls="empty"))
    for i, bar in enumerate(bars):
        y = top + i * ROW
        parts.append(f'<g class="bar" data-key="{escape(bar.key)}" data-value="{bar.total}">')
        parts.append(_text(4, y + ROW * 0.65, bar.label))
        x = float(LABEL_WIDTH)
        for segment in bar.segments:
            if segment.value <= 0:
                continue
            w = segment.value * scale
            parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW - 8}" fill="{segment.colour}" '
                         f'data-segment="{escape(segment.key)}" data-value="{segment.value}"/>')
            x += w
        parts.append(_text(x + 6, y + ROW * 0.65, str(bar.total), cls="value"))
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
