"""Which characters the embedded fonts can draw, so a value that would print as an empty
box in the PDF is reported before the council sees it.

``python -m smpgen.glyphs`` rebuilds ``data/glyphs.txt`` from the font files.
"""

from __future__ import annotations

import bisect
from functools import cache
from importlib import resources
from pathlib import Path

DATA = "glyphs.txt"


@cache
def _ranges() -> tuple[list[int], list[int]]:
    text = (resources.files("smpgen") / "data" / DATA).read_text("utf-8")
    starts, ends = [], []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            first, _, last = line.partition("-")
            starts.append(int(first, 16))
            ends.append(int(last or first, 16))
    return starts, ends


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that no embedded font draws (layout characters aside)."""
    starts, ends = _ranges()
    out = []
    for ch in dict.fromkeys(text):
        code = ord(ch)
        if ch in "\n\t\r" or 0x200B <= code <= 0x200F or code == 0xFE0F:
            continue  # line breaks, zero-width and direction marks, emoji variation selector
        i = bisect.bisect_right(starts, code) - 1
        if i < 0 or code > ends[i]:
            out.append(ch)
    return out


def build_table(fonts: Path) -> str:
    """The text of ``data/glyphs.txt`` for the fonts in ``fonts``."""
    from fontTools.ttLib import TTFont

    codes: set[int] = set()
    for path in sorted(fonts.glob("*.ttf")):
        codes |= set(TTFont(path).getBestCmap())
    ordered = sorted(codes)
    lines = ["# Code points with a glyph in smpgen's embedded fonts (assets/fonts), as ranges.",
             "# Rebuild with: python -m smpgen.glyphs (a test checks it is current)."]
    start = prev = ordered[0]
    for code in [*ordered[1:], -1]:
        if code == prev + 1:
            prev = code
            continue
        lines.append(f"{start:04X}-{prev:04X}" if start != prev else f"{start:04X}")
        start = prev = code
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    here = Path(__file__).parent
    (here / "data" / DATA).write_text(build_table(here / "assets" / "fonts"), "utf-8")
