"""Each state's policy speaks its own law: the policy of a small city in every one of the
51 jurisdictions, in the council and annotated editions, carries its state's records terms,
retention law and civil-rights limitation period, and no other state's terms, statutes or
citations; the league's edition carries none at all. Then one PDF and one DOCX per example
state, checked by their extracted text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLE, deep_merge, docx_text, pdf_pages, run
from lxml import html as lxml_html

import smpgen
from smpgen.records import RecordsLaw, records_laws
from smpgen.tree import Block, Document, ListBlock, Note, Paragraph, Section, plain

EDITIONS = ("council", "annotated")

MARKERS: dict[str, tuple[str, ...]] = {
    "AL": (r"Ala\. Code",), "AK": (r"Alaska Stat\.",), "AZ": (r"A\.R\.S\.",),
    "AR": (r"Ark\. Code",), "CA": (r"\bCal\. [A-Z]",),
    "CO": (r"C\.R\.S\.",), "CT": (r"Conn\. Gen\. Stat\.",), "DE": (r"Del\. C\.",),
    "DC": (r"D\.C\. Code",), "FL": (r"Fla\. Stat\.",), "GA": (r"O\.C\.G\.A\.",),
    "HI": (r"Haw\. Rev\. Stat\.",), "ID": (r"Idaho Code",), "IL": (r"\bILCS\b",),
    "IN": (r"Ind\. Code",), "IA": (r"Iowa Code",), "KS": (r"K\.S\.A\.",), "KY": (r"\bKRS\b",),
    "LA": (r"La\. R\.S\.", r"La\. Civ\. Code"), "ME": (r"M\.R\.S\.",), "MD": (r"Md\. Code",),
    "MA": (r"M\.G\.L\.",), "MI": (r"\bMCL\b",), "MN": (r"Minn\. Stat\.",),
    "MS": (r"Miss\. Code",), "MO": (r"\bRSMo\b",), "MT": (r"Mont\. Code", r"Mont\. Const\."),
    "NE": (r"Neb\. Rev\. Stat\.",), "NV": (r"\bNRS\b",), "NH": (r"\bRSA\b",),
    "NJ": (r"N\.J\.S\.A\.",), "NM": (r"\bNMSA\b",), "NY": (r"N\.Y\. ", r"C\.P\.L\.R\."),
    "NC": (r"N\.C\. Gen\. Stat\.",), "ND": (r"N\.D\.C\.C\.",), "OH": (r"Ohio Rev\. Code",),
    "OK": (r"\bO\.S\.",), "OR": (r"\bORS\b", r"\bOAR\b"), "PA": (r"\bP\.S\.", r"Pa\. C\.S\."),
    "RI": (r"R\.I\. Gen\. Laws",), "SC": (r"S\.C\. Code",), "SD": (r"\bSDCL\b",),
    "TN": (r"Tenn\. Code",), "TX": (r"Tex\. ",), "UT": (r"Utah Code",), "VT": (r"V\.S\.A\.",),
    "VA": (r"(?<!W\. )Va\. Code",), "WA": (r"\bRCW\b",), "WV": (r"W\. Va\. Code",),
    "WI": (r"Wis\. Stat\.",), "WY": (r"Wyo\. Stat\.",),
}
"""How each jurisdiction's statutes are cited: none may appear in another's policy."""

MINNESOTA_ONLY = ("not public", "government data", "private data", "nonpublic",
                  "responsible authority", "data request")
"""Minnesota's data-practices vocabulary (Minn. Stat. ch. 13), wrong anywhere else."""

RECORDS_WORDS = {
    "exempt": r"(?<!non-)\bexempt(ed)?\b(?! employee)",
    "excepted": r"\bexcepted\b",
    "excluded": r"\bexcluded from\b",
    "closed records": r"\bclosed records\b",
}
"""Other states' words for what a records law keeps from the public: each may appear only
where the state's own phrase uses it."""


def text_of(doc: Document) -> str:
    """Everything a reader of ``doc`` sees, a paragraph a line."""
    lines: list[str] = []

    def walk(blocks: list[Block]) -> None:
        for block in blocks:
            match block:
                case Paragraph(children=c):
                    lines.append(plain(c))
                case ListBlock(items=items):
                    for item in items:
                        walk(item.blocks)
                case Note(blocks=b):
                    walk(b)
                case Section(title=t, blocks=b):
                    lines.append(plain(t))
                    walk(b)

    walk(doc.front)
    walk(list(doc.sections))
    return "\n".join(" ".join(line.split()) for line in lines)


def own_strings(law: RecordsLaw) -> tuple[str, ...]:
    return (law.name, law.citation, law.withheld, law.request, law.retention_law, law.schedule,
            law.claims_citation, law.open_meetings)


def foreign_terms(code: str, text: str) -> list[str]:
    """Every other state's term, statute or citation found in ``text``, the policy of a
    city in ``code``; a string that is also part of the state's own entry is its own."""
    law = records_laws()[code]
    own = " | ".join(own_strings(law))
    found = []
    for other, other_law in records_laws().items():
        if other == code:
            continue
        for value in own_strings(other_law):
            if value and value not in own and re.search(rf"(?<!\w){re.escape(value)}", text):
                found.append(f"{other}: {value}")
        for marker in MARKERS[other]:
            if not re.search(marker, own) and re.search(marker, text):
                found.append(f"{other} citation: {marker}")
    if code != "MN":
        found += [f"MN term: {t}" for t in MINNESOTA_ONLY if t in text.lower()]
    for word, pattern in RECORDS_WORDS.items():
        if not re.search(pattern, law.withheld) and re.search(pattern, text, re.IGNORECASE):
            found.append(f"records word not {law.state_name}'s: {word}")
    return found


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    """The text of a small city's policy in every jurisdiction and both editions."""
    folder = tmp_path_factory.mktemp("states")
    out = {}
    for code in records_laws():
        path = folder / f"city-{code.lower()}.yaml"
        path.write_text(yaml.safe_dump(deep_merge(EXAMPLE, {"city": {"state": code}})))
        for edition in EDITIONS:
            out[code, edition] = text_of(smpgen.build_document(path, edition=edition))
    return out


def test_every_jurisdiction_is_rendered(policies: dict[tuple[str, str], str]) -> None:
    assert len(records_laws()) == 51
    assert len(policies) == 102


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("code", sorted(MARKERS))
def test_no_other_states_terms(code: str, edition: str,
                               policies: dict[tuple[str, str], str]) -> None:
    assert foreign_terms(code, policies[code, edition]) == []


@pytest.mark.parametrize("code", sorted(MARKERS))
def test_own_terms_in_the_policy(code: str, policies: dict[tuple[str, str], str]) -> None:
    """The council edition names the state's law and uses its term, its retention law and
    its limitation period for civil-rights claims."""
    law = records_laws()[code]
    text = policies[code, "council"]
    assert f"{law.name}, {law.citation}" in text
    assert f"shall withhold only {law.withheld}." in text
    assert f"messages the City receives there, are {law.records}." in text
    assert f"social media content is a {law.request} and is handled like any other." in text
    assert f"Under {law.retention_law}, content may be destroyed only as the schedule" in text
    assert (f"{law.claims_period} from the removal, the period within which a claim under "
            f"42 U.S.C. § 1983 may be brought under {law.claims_citation}.") in text


@pytest.mark.parametrize("code", sorted(MARKERS))
def test_annotated_notes_state_the_law(code: str, policies: dict[tuple[str, str], str]) -> None:
    law = records_laws()[code]
    text = policies[code, "annotated"]
    assert (f"for at least {law.claims_period}, the limitation period that 42 U.S.C. § 1983 "
            f"borrows from {law.state_name} law ({law.claims_citation};") in text
    assert f"Retention: under {law.retention_law}, the City keeps and destroys" in text
    assert "smpgen" not in text.lower()


def test_no_sentence_ends_twice(policies: dict[tuple[str, str], str]) -> None:
    """A citation ending in "et seq." never gets a second full stop."""
    doubled = {key: m.group(0) for key, text in policies.items()
               if (m := re.search(r".{30}[^.]\.\.(?!\.).{0,10}", text))}
    assert doubled == {}


SINGULAR_VERB = r" (governs|requires|allows|provides|applies|sets|says|is|has)\b"
SEVERAL_LAWS = r" and (the [A-Z]|§|\d|[A-Z]{2,}\b)"
"""Two laws or sections named together ("... and the Records Management Act", "44:36 and
44:411"), not one law with "and" in its name (the Open and Public Meetings Act)."""


def test_laws_named_together_take_a_plural_verb(policies: dict[tuple[str, str], str]) -> None:
    """Minnesota's retention law is two acts: "... and the Records Management Act, Minn.
    Stat. § 138.17 governs" is wrong, so no sentence puts a verb straight after a law that
    may be several."""
    wrong = {}
    for (code, edition), text in policies.items():
        law = records_laws()[code]
        for value in (law.retention_law, law.open_meetings, law.claims_citation):
            if re.search(SEVERAL_LAWS, value) and \
                    (m := re.search(re.escape(value) + SINGULAR_VERB, text)):
                wrong[code, edition] = m.group(0)
    assert wrong == {}


def test_the_foreign_term_check_can_fail() -> None:
    """The check itself: a Washington policy that borrowed Minnesota's words is caught."""
    text = "The City shall withhold only data that is not public under Minn. Stat. ch. 13."
    assert foreign_terms("WA", text) == [
        "MN: Minn. Stat. ch. 13", "MN: data that is not public", "MN citation: Minn\\. Stat\\.",
        "MN term: not public"]
    assert foreign_terms("MN", text) == []


def test_the_league_edition_leaves_the_state_terms_blank(tmp_path: Path) -> None:
    result = smpgen.render_model(formats=["html"], out_dir=tmp_path)
    (html,) = result.paths
    text = " ".join(lxml_html.fromstring(Path(html).read_bytes()).text_content().split())
    # Statutes may appear there as examples; no state's records words may.
    assert not [t for t in MINNESOTA_ONLY if t in text.lower()]
    assert not [w for w, pattern in RECORDS_WORDS.items()
                if re.search(pattern, text.replace("e.g. records exempt from", ""))]
    assert "shall withhold only ________ (the state\u2019s term for what its records law keeps" in text
    assert ("________ (the state\u2019s limitation period for civil-rights claims, e.g. three years) "
            "from the removal") in text


EXAMPLE_STATES = ("MN", "WA", "AR")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rendered")
    for code in EXAMPLE_STATES:
        path = folder / f"city-{code.lower()}.yaml"
        path.write_text(yaml.safe_dump(deep_merge(EXAMPLE, {"city": {"state": code}})))
        result = run(["render", str(path), "--out", str(folder / "out"), "--format", "docx,pdf"])
        assert result.exit_code == 0, result.stderr
    return folder / "out"


@pytest.mark.parametrize("code", EXAMPLE_STATES)
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_rendered_files_carry_only_their_states_terms(code: str, fmt: str,
                                                      rendered: Path) -> None:
    file = rendered / f"city-{code.lower()}" / f"social-media-policy.{fmt}"
    text = " ".join(pdf_pages(file)) if fmt == "pdf" else docx_text(file)
    text = " ".join(text.split())
    law = records_laws()[code]
    assert f"shall withhold only {law.withheld}." in text
    assert f"may be brought under {law.claims_citation}." in text
    assert foreign_terms(code, text) == []


MINNESOTA_MISNOMERS = re.compile(r"records? requests?|request for (public )?records|records of "
                                 r"the City|as records under", re.IGNORECASE)
"""The general records vocabulary a Minnesota attorney would strike: Minnesota's law speaks
of government data and data requests (Minn. Stat. § 13.02, subd. 7)."""


@pytest.mark.parametrize("edition", EDITIONS)
def test_minnesota_speaks_of_government_data(edition: str,
                                             policies: dict[tuple[str, str], str]) -> None:
    text = policies["MN", edition]
    assert MINNESOTA_MISNOMERS.findall(text) == []
    assert "are government data." in text and "the subject of a data request" in text


@pytest.mark.parametrize("code", ["WA", "AR", "TX", "CA"])
def test_other_states_speak_of_their_own_records(code: str,
                                                 policies: dict[tuple[str, str], str]) -> None:
    law = records_laws()[code]
    text = policies[code, "council"]
    assert "data request" not in text and "government data" not in text
    assert f"the subject of a {law.request}, a claim or a lawsuit" in text
    assert text.count(law.request) >= 4, code
