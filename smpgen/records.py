"""State public records laws and the other state terms a policy prints, from the project's
data file ``data/records-laws.tsv``."""

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
    withheld: str = ""
    """The state's own noun phrase for what its records law keeps from the public, reading
    after "discloses": Minnesota's "data that is not public", elsewhere e.g. "records exempt
    from public disclosure"."""
    records: str = ""
    """What the law calls the material it opens to the public, reading after "are":
    Minnesota's "government data" (Minn. Stat. § 13.02, subd. 7), Texas's "public
    information", elsewhere "public records"."""
    request: str = ""
    """What the law calls a request for that material, reading after "a": Minnesota's
    "data request", elsewhere e.g. "public records request"."""
    retention_law: str = ""
    """The statute under which a city keeps and disposes of records, by citation and name."""
    schedule: str = ""
    """The general retention schedule the state issues for cities, or '' where each city
    has its own."""
    claims_years: int = 0
    """The limitation period, in whole years, that 42 U.S.C. § 1983 borrows from the state
    (its personal-injury period)."""
    claims_citation: str = ""
    """The citation of that period."""
    open_meetings: str = ""
    """The state's open meetings law, by name and citation, with its article ("the ...")."""

    @property
    def claims_period(self) -> str:
        """The limitation period in words, e.g. "six years"."""
        return years_in_words(self.claims_years)


@cache
def records_laws() -> dict[str, RecordsLaw]:
    """Every state's entry, by postal code."""
    text = (resources.files("smpgen") / "data" / "records-laws.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    out = {}
    for (state, state_name, name, citation, withheld, records, request, retention_law, schedule,
         claims_years, claims_citation, open_meetings, status, note) in rows[1:]:
        verified = status == "checked" and "unverified" not in note
        out[state] = RecordsLaw(state, state_name, name, citation, verified, note,
                                withheld=withheld, records=records, request=request,
                                retention_law=retention_law,
                                schedule=schedule, claims_years=int(claims_years),
                                claims_citation=claims_citation, open_meetings=open_meetings)
    return out


_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
            "ten")


def years_in_words(years: int) -> str:
    """A whole number of years as a policy writes it: "one year", "six years", "12 years"."""
    number = _NUMBERS[years] if 0 <= years < len(_NUMBERS) else str(years)
    return f"{number} year" if years == 1 else f"{number} years"


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
