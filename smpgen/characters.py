"""Which characters a value may hold, and which a message must show as escapes: one
classification for profiles, records, model files and every message smpgen prints."""

from __future__ import annotations

import unicodedata

JOINERS = frozenset("\u200c\u200d")
"""Zero-width non-joiner and joiner: invisible, but part of the spelling in Persian and
Indic scripts and of emoji sequences, so they are allowed where other formatting
characters are not."""


def character_problem(ch: str, *, multiline: bool = True) -> str | None:
    """Why ``ch`` may not stand in a value, or None if it may.

    Refused: control characters (tab and line break only in multi-line values), lone
    surrogates and noncharacters (not characters at all, and invalid in XML), line and
    paragraph separators (not every program breaks the line there), and invisible
    formatting characters such as the bidirectional overrides and isolates, which can
    make text display in another order than it is stored.
    """
    code = ord(ch)
    category = unicodedata.category(ch)
    if category == "Cc":
        if multiline and ch in "\n\t":
            return None
        return f"contains the control character U+{code:04X}; remove it"
    if category == "Cs" or _noncharacter(code):
        return f"contains U+{code:04X}, which is not a character; remove it"
    if category in ("Zl", "Zp"):
        return (f"contains U+{code:04X} {unicodedata.name(ch)}, which not every program "
                "shows as a line break; " + ("start a new line instead" if multiline
                                             else "remove it"))
    if category == "Cf" and ch not in JOINERS:
        name = unicodedata.name(ch, "FORMAT CHARACTER")
        return (f"contains the invisible formatting character U+{code:04X} {name}; remove it "
                "(retype the value if your editor does not show it)")
    return None


def _noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def hidden(ch: str) -> bool:
    """Whether ``ch`` would print as nothing, or change how the text around it shows: a
    character a value may not hold (line breaks and tabs aside), or one private-use or
    unassigned."""
    return character_problem(ch) is not None or unicodedata.category(ch) in ("Co", "Cn")
