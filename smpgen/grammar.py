"""Agreement of a verb with an official's title: "the Department Directors designate",
"the City Administrator designates". Titles are the city's own words, so the number is
read from the title itself rather than declared."""

from __future__ import annotations

import re

_SPLIT = re.compile(r",| of | for | or | to ", re.IGNORECASE)
"""Where a title's head noun ends: "Director of Parks", "Mayor or designee"."""

_JOINED = re.compile(r" and (the|each|all|any) ", re.IGNORECASE)
"""Two officials joined into one subject: "the Mayor and the City Administrator"."""

_SINGULAR_ENDINGS = ("ss", "us", "is", "ics")
"""Words ending in s that are singular: Boss, Bus, Analysis, Logistics."""

_SINGULAR_S = frozenset({
    "news", "relations", "communications", "affairs", "operations", "works", "services",
    "resources", "systems", "parks", "schools", "events", "programs", "sales", "arts",
    "records", "facilities", "utilities", "streets", "grants",
})
"""Plural-looking nouns that, ending a title, name a function, not several people
("Director, Human Resources" is read at the comma; a title that is only "Communications"
is one office)."""


def is_plural_title(title: str) -> bool:
    """True when ``title`` names several people: its head noun is plural ("Department
    Directors", "Council Members") or it joins two officials ("the Mayor and the City
    Administrator")."""
    text = " ".join(title.split())
    if _JOINED.search(f" {text} "):
        return True
    head = _SPLIT.split(text, maxsplit=1)[0].strip()
    words = head.split()
    if not words:
        return False
    last = words[-1].lower().strip(".\u2019'")
    if not last.endswith("s") or last.endswith(_SINGULAR_ENDINGS):
        return False
    return last not in _SINGULAR_S
