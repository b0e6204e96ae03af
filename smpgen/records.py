"""State public records laws, from the project's data file ``data/records-laws.tsv``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class RecordsLaw:
    """One state's public records law."""

    state: str
    """Two-letter postal code."""
    state_name: str
    """The state's name, e.g. Minnesota."""
    name: str
    """The law's common name."""
    citation: str
    """Its citation in the state's code."""
    verified: bool
    """False when any part of the entry still needs confirming."""
    note: str
    """What is unverified or changed, if anything."""


@cache
def records_laws() -> dict[str, RecordsLaw]:
    """Every state's entry, by postal code."""
    text = (resources.files("smpgen") / "data" / "records-laws.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    out = {}
    for state, state_name, name, citation, status, note in rows[1:]:
        verified = status == "checked" and "unverified" not in note
        out[state] = RecordsLaw(state, state_name, name, citation, verified, note)
    return out


def suggest_state(value: str) -> str:
    """A "did you mean" hint for a value that is not a state code, or ''."""
    laws = records_laws()
    by_name = {law.state_name.lower(): code for code, law in laws.items()}
    if value.strip().lower() in by_name:
        code = by_name[value.strip().lower()]
        return f"did you mean {code} ({laws[code].state_name})?"
    close = difflib.get_close_matches(value.lower(), list(by_name), n=1, cutoff=0.75)
    if close:
        code = by_name[close[0]]
        return f"did you mean {code} ({laws[code].state_name})?"
    return ""
