"""A labelled bar chart as PNG, written with zlib alone (no imaging library in the Lambda layer)."""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsdesk.domain.stats import IncidentFigures

# 3x5 glyphs, rows top to bottom, "1" = ink: just the characters the chart writes.
_FONT = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001001001001",
    "8": "111101111101111",
    "9": "111101111001111",
    ".": "000000000000010",
    " ": "000000000000000",
    "A": "010101111101101",
    "B": "110101110101110",
    "C": "111100100100111",
    "D": "110101101101110",
    "E": "111100111100111",
    "G": "111100101101111",
    "H": "101101111101101",
    "I": "111010010010111",
    "K": "101101110101101",
    "L": "100100100100111",
    "N": "110101101101101",
    "O": "111101101101111",
    "R": "110101110101101",
    "S": "111100111001111",
    "T": "111010010010010",
    "V": "101101101101010",
    "W": "101101111111101",
    "U": "101101101101111",
    "M": "101111111101101",
    "P": "111101111100100",
    "F": "111100111100100",
}
_BG, _INK, _NOW, _BEFORE = (255, 255, 255), (40, 40, 40), (29, 78, 216), (147, 197, 253)
_SCALE = 3  # glyph pixels per font dot


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = [[_BG] * width for _ in range(height)]

    def rect(self, x: int, y: int, w: int, h: int, colour: tuple[int, int, int]) -> None:
        for row in range(max(0, y), min(self.height, y + h)):
            for col in range(max(0, x), min(self.width, x + w)):
                self.pixels[row][col] = colour

    def text(self, x: int, y: int, text: str, colour: tuple[int, int, int] = _INK) -> None:
        for index, char in enumerate(text.upper()):
            glyph = _FONT.get(char, _FONT[" "])
            for dot, ink in enumerate(glyph):
                if ink == "1":
                    column, row = divmod(dot, 3)[::-1]
                    self.rect(x + index * 4 * _SCALE + column * _SCALE, y + row * _SCALE, _SCALE, _SCALE, colour)

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(v for pixel in line for v in pixel) for line in self.pixels)

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        )


def _text_width(text: str) -> int:
    return len(text) * 4 * _SCALE


def bar_chart(groups: list[tuple[str, float, float]], width: int = 720, height: int = 360) -> bytes:
    """Pairs of bars (this period dark, the one before light), each labelled with its value."""
    canvas = Canvas(width, height)
    canvas.text(16, 12, "THIS WEEK", _NOW)
    canvas.text(16 + _text_width("THIS WEEK  "), 12, "WEEK BEFORE", _BEFORE)
    top, bottom = 70, height - 40
    peak = max([1.0] + [max(a, b) for _, a, b in groups])
    slot = width // max(1, len(groups))
    for index, (label, now, before) in enumerate(groups):
        left = index * slot + slot // 2 - 70
        for offset, value, colour in ((0, now, _NOW), (72, before, _BEFORE)):
            bar = int((bottom - top) * value / peak)
            canvas.rect(left + offset, bottom - bar, 64, bar, colour)
            shown = f"{value:.1f}".removesuffix(".0")
            canvas.text(left + offset + 32 - _text_width(shown) // 2, bottom - bar - 20, shown)
        canvas.text(index * slot + slot // 2 - _text_width(label) // 2, bottom + 12, label)
    canvas.rect(0, bottom, width, 2, _INK)
    return canvas.png()


def comparison_chart(now: IncidentFigures, before: IncidentFigures) -> bytes:
    def hours(figures: IncidentFigures) -> float:
        mean = figures.time_to_resolve.mean
        return round(mean / 3600, 1) if mean else 0.0

    return bar_chart(
        [
            ("INCIDENTS", float(now.total), float(before.total)),
            ("HIGH", float(now.high), float(before.high)),
            ("HRS TO RESOLVE", hours(now), hours(before)),
        ]
    )
