"""The state records-law table reads right: the citations a review corrected, names
capitalised as proper names, a status that never contradicts its note, and every
jurisdiction's own terms: what its law withholds, its retention law, its limitation period
for civil-rights claims and its open meetings law."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from helpers import EXAMPLE

import smpgen
from smpgen.records import records_laws, years_in_words


def test_corrected_citations() -> None:
    laws = records_laws()
    assert laws["OR"].citation == "ORS 192.311 to 192.478"
    assert laws["TN"].citation == "Tenn. Code Ann. § 10-7-501 et seq."
    assert laws["MT"].citation.startswith("Mont. Const. art. II, § 9; ")
    assert len(laws) == 51


def test_names_are_proper_names() -> None:
    small = {"of", "and", "the", "on", "to", "for"}
    for code, law in records_laws().items():
        words = re.findall(r"[A-Za-z][A-Za-z-]*", law.name)
        lower = [w for w in words[1:] if w[0].islower() and w not in small]
        assert not lower, (code, law.name)


def test_status_never_contradicts_the_note() -> None:
    """A row marked checked has no part unverified; one marked unverified says which part
    was checked, if any, in so many words."""
    text = (resources.files("smpgen") / "data" / "records-laws.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    assert rows[0][-2:] == ["status", "note"]
    for state, *_, status, note in rows[1:]:
        assert status in ("checked", "unverified"), state
        if status == "checked":
            assert "unverified" not in note, state
        elif note:
            assert "unverified" in note, state


def test_every_jurisdiction_has_its_own_terms() -> None:
    """Each row carries the state's word for what its law withholds, its retention law, its
    limitation period for civil-rights claims and its open meetings law."""
    for code, law in records_laws().items():
        assert law.withheld and law.retention_law and law.claims_citation, code
        assert law.open_meetings.startswith("the "), code
        assert 1 <= law.claims_years <= 6, code
        # The policy adds "under the <records law>" after the phrase, and prints it after
        # "discloses" and "withhold only": a phrase of its own with no "under" of its own.
        assert " under " not in law.withheld and not law.withheld.startswith("the "), code
        assert ("not public" in law.withheld) == (code == "MN"), code
        # What the law calls its material and a request for it, read after "are" and "a".
        assert law.records and law.request and law.request[0] not in "aeiou", code
        assert ("data" in law.records + law.request) == (code == "MN"), code


def test_the_example_states() -> None:
    laws = records_laws()
    mn, wa, ar = laws["MN"], laws["WA"], laws["AR"]
    assert (mn.withheld, mn.claims_period, mn.claims_citation) == (
        "data that is not public", "six years", "Minn. Stat. § 541.05")
    assert mn.open_meetings == "the Minnesota Open Meeting Law, Minn. Stat. ch. 13D"
    assert "Minn. Stat. § 138.17" in mn.retention_law
    assert (wa.withheld, wa.claims_period, wa.claims_citation) == (
        "records exempt from public disclosure", "three years", "RCW 4.16.080(2)")
    assert wa.open_meetings == "the Open Public Meetings Act, chapter 42.30 RCW"
    assert wa.retention_law == "chapter 40.14 RCW"
    assert "(CORE)" in wa.schedule
    assert (ar.claims_period, ar.claims_citation) == ("three years", "Ark. Code Ann. § 16-56-105")
    assert ar.open_meetings.endswith("Ark. Code Ann. § 25-19-106")
    # The municipal records retention sections and the municipal accounting records section.
    assert ar.retention_law == "Ark. Code Ann. §§ 14-2-201 to 14-2-204 and 14-59-114"
    assert (mn.records, mn.request) == ("government data", "data request")
    assert (wa.records, wa.request) == ("public records", "public records request")
    assert (ar.records, ar.request) == ("public records", "public records request")
    tx = laws["TX"]
    assert (tx.records, tx.request) == ("public information", "request for public information")
    assert all(law.verified for law in (mn, wa, ar))


def test_an_uncertain_cell_makes_the_row_unverified() -> None:
    laws = records_laws()
    assert not laws["FL"].verified and "claims period unverified" in laws["FL"].note
    assert not laws["AL"].verified and "retention law unverified" in laws["AL"].note
    # A dated change is a note, not a doubt.
    assert laws["LA"].verified and laws["LA"].claims_period == "two years"


def test_form_retention_outlasts_every_states_claims_period(
        write_profile: Callable[..., Path]) -> None:
    """The model's default keeps removal records at least as long as a civil-rights claim
    can be brought anywhere."""
    profile = smpgen.load(write_profile(EXAMPLE))
    assert profile.values["records"]["form_retention"] == "six years"
    assert max(law.claims_years for law in records_laws().values()) == 6


def test_periods_in_words() -> None:
    assert [years_in_words(n) for n in (1, 2, 6, 12)] == [
        "one year", "two years", "six years", "12 years"]
