"""The weekly chart: a real PNG, each panel on its own scale, bars in proportion."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from opsdesk.pages.chart import HEIGHT, WIDTH, Bar, Panel, axis_ceiling, axis_step, comparison_chart

NOW_BLUE = (29, 78, 216)
BEFORE_BLUE = (147, 197, 253)


def column_heights(image: Image.Image, colour: tuple[int, int, int]) -> list[int]:
    """The height of each run of columns painted `colour`, left to right (one per bar)."""
    pixels = image.load()
    assert pixels is not None
    heights: list[int] = []
    previous = 0
    for x in range(image.width):
        height = sum(1 for y in range(image.height) if pixels[x, y] == colour)
        if height and not previous:
            heights.append(height)
        previous = height
    return heights


@pytest.mark.parametrize(
    ("peak", "whole", "step", "ceiling"),
    [
        (0, True, 1, 1),
        (3, True, 1, 3),
        (4, True, 1, 4),
        (23, True, 5, 25),
        (41, True, 10, 50),
        (260, True, 100, 300),
        (0.4, False, 0.1, 0.4),
        (3.4, False, 1, 4),
        (40.0, False, 10, 40),
    ],
)
def test_axis_ticks_are_round_numbers(peak: float, whole: bool, step: float, ceiling: float) -> None:
    assert axis_step(peak, whole=whole) == pytest.approx(step)
    assert axis_ceiling(peak, axis_step(peak, whole=whole)) == pytest.approx(ceiling)


def test_the_chart_is_a_png_with_each_panel_on_its_own_scale() -> None:
    # GIVEN counts (4 vs 2) and hours (40 vs 10): on one shared axis the counts would be slivers
    panels = [
        Panel("How many", [Bar("Incidents", 4, 2)]),
        Panel("Hours to resolve", [Bar("Mean", 40.0, 10.0)], decimals=1),
    ]
    # WHEN the chart is drawn
    data = comparison_chart("opsdesk: the week of 23 November 2026", panels, "this week", "the week before")
    # THEN it is a PNG of the expected size
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    rgb = image.convert("RGB")
    # AND each panel's tallest bar fills its own axis (4 of 4, 40 of 40): the same height
    now_bars = column_heights(rgb, NOW_BLUE)
    before_bars = column_heights(rgb, BEFORE_BLUE)
    legend = 1  # the legend's swatch comes first in each colour
    counts_now, hours_now = now_bars[legend:]
    counts_before, hours_before = before_bars[legend:]
    assert abs(counts_now - hours_now) <= 1
    # AND bars are in proportion within a panel: 2 is half of 4, 10 a quarter of 40
    assert abs(counts_before * 2 - counts_now) <= 2
    assert abs(hours_before * 4 - hours_now) <= 4


def test_a_missing_figure_draws_no_bar() -> None:
    # GIVEN a week with no request figures at all
    data = comparison_chart("t", [Panel("How many", [Bar("Requests done", None, 3)])], "now", "before")
    rgb = Image.open(io.BytesIO(data)).convert("RGB")
    # THEN only the legend's swatch is dark blue; the week before's bar is drawn
    assert len(column_heights(rgb, NOW_BLUE)) == 1
    assert len(column_heights(rgb, BEFORE_BLUE)) == 2
