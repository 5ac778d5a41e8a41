"""The weekly report's chart: this period against the one before, drawn with Pillow.

Counts and durations do not share a scale (3 incidents next to 41 hours flattens one of
them), so each panel has its own axis. Pillow is loaded only by the report job: it lives
in a layer of its own, and importing this module is the first thing that loads it.
The font is Pillow's bundled one at a real size (FreeType), so no font file is shipped.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PIL.ImageFont import FreeTypeFont

WIDTH, HEIGHT = 960, 440
_BACKGROUND, _INK, _GRID = "#ffffff", "#1f2937", "#e5e7eb"
_NOW, _BEFORE = "#1d4ed8", "#93c5fd"
_MARGIN, _PANEL_GAP = 24, 48
_TOP, _BOTTOM = 96, 64  # room for the title and legend above, the bar labels below
_MAX_TICKS = 5


@dataclass(frozen=True)
class Bar:
    """One measure in both periods (None: nothing to measure, e.g. no incident was resolved)."""

    label: str
    now: float | None
    before: float | None


@dataclass(frozen=True)
class Panel:
    """Bars that share one axis: counts in one panel, hours in another."""

    title: str
    bars: Sequence[Bar]
    decimals: int = 0


def axis_step(peak: float, *, whole: bool) -> float:
    """A round tick step (1, 2 or 5 x 10^n; whole numbers for counts) giving at most five ticks up to `peak`."""
    if peak <= 0:
        return 1.0
    raw = peak / _MAX_TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = float(next(factor * magnitude for factor in (1, 2, 5, 10) if raw <= factor * magnitude))
    return max(1.0, step) if whole else step


def axis_ceiling(peak: float, step: float) -> float:
    """The first tick at or above `peak` (one step when there is nothing to show)."""
    return max(step, math.ceil(peak / step - 1e-9) * step)


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}" if decimals else f"{round(value):d}"


def _font(size: int) -> FreeTypeFont:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType: refuse, do not draw a toy
        raise RuntimeError("Pillow was built without FreeType; the chart needs it for its text")
    return font


class _Canvas:
    def __init__(self, title: str) -> None:
        self.image = Image.new("RGB", (WIDTH, HEIGHT), _BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)
        self.title_font, self.font, self.small = _font(20), _font(14), _font(12)
        self.draw.text((_MARGIN, 16), title, fill=_INK, font=self.title_font)

    def legend(self, now_label: str, before_label: str) -> None:
        x = _MARGIN
        for colour, label in ((_NOW, now_label), (_BEFORE, before_label)):
            self.draw.rectangle((x, 52, x + 14, 66), fill=colour)
            self.draw.text((x + 20, 51), label, fill=_INK, font=self.font)
            x += 20 + int(self.draw.textlength(label, font=self.font)) + 24

    def centred(self, x: float, y: float, text: str, font: FreeTypeFont) -> None:
        self.draw.text((x, y), text, fill=_INK, font=font, anchor="ms")

    def panel(self, panel: Panel, left: int, right: int) -> None:
        top, bottom = _TOP, HEIGHT - _BOTTOM
        values = [v for bar in panel.bars for v in (bar.now, bar.before) if v is not None]
        peak = max(values, default=0.0)
        step = axis_step(peak, whole=panel.decimals == 0)
        ceiling = axis_ceiling(peak, step)
        self.draw.text((left, top - 22), panel.title, fill=_INK, font=self.font)
        axis_left = left + 44
        ticks = round(ceiling / step)
        for tick in range(ticks + 1):
            mark = step * tick
            y = bottom - (bottom - top) * tick / ticks
            self.draw.line((axis_left, y, right, y), fill=_GRID if tick else _INK, width=1 if tick else 2)
            decimals = panel.decimals if mark != round(mark) else 0
            self.draw.text((axis_left - 6, y), _fmt(mark, decimals), fill=_INK, font=self.small, anchor="rm")
        slot = (right - axis_left) / max(1, len(panel.bars))
        bar_width = min(56.0, slot / 3)
        for index, bar in enumerate(panel.bars):
            centre = axis_left + slot * (index + 0.5)
            for offset, value, colour in ((-bar_width, bar.now, _NOW), (0.0, bar.before, _BEFORE)):
                x0 = centre + offset
                if value is None:
                    self.centred(x0 + bar_width / 2, bottom - 6, "-", self.small)
                    continue
                height = (bottom - top) * value / ceiling
                if height >= 1:
                    self.draw.rectangle((x0, bottom - height, x0 + bar_width - 2, bottom - 1), fill=colour)
                self.centred(x0 + bar_width / 2, bottom - height - 6, _fmt(value, panel.decimals), self.small)
            self.centred(centre, bottom + 22, bar.label, self.font)

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def comparison_chart(title: str, panels: Sequence[Panel], now_label: str, before_label: str) -> bytes:
    """Draw the panels side by side, each bar pair this period (dark) and the one before (light), as PNG."""
    canvas = _Canvas(title)
    canvas.legend(now_label, before_label)
    width = (WIDTH - 2 * _MARGIN - _PANEL_GAP * (len(panels) - 1)) / max(1, len(panels))
    for index, panel in enumerate(panels):
        left = _MARGIN + index * (width + _PANEL_GAP)
        canvas.panel(panel, int(left), int(left + width))
    return canvas.png()
