"""The annotated edition, read as the city attorney reads it: a front page listing the
city's choices and every warning, notes without tool words, and each warning printed
beside the section it touches, in the PDF and in the DOCX."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLE, REPO, deep_merge, docx_paragraphs, pdf_pages, run

import smpgen
from smpgen.tree import plain

CITIES = ("example-city", "harbor-point-wa", "lakeview-mn", "pine-ridge-ar")
TOOL_WORDS = re.compile(r"\b(profiles?|smpgen|templates?|yaml|fields?)\b", re.IGNORECASE)
NAME = "social-media-policy-annotated"


def render_annotated(profile: Path, out: Path, formats: str = "pdf,docx,html") -> Path:
    result = run(["render", str(profile), "--edition", "annotated", "--format", formats,
                  "--out", str(out), "--force"])
    assert result.exit_code == 0, result.stderr
    return out / profile.stem


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each example city's annotated edition, rendered once for the module."""
    out = tmp_path_factory.mktemp("annotated")
    return {city: render_annotated(REPO / "city_profiles" / f"{city}.yaml", out)
            for city in CITIES}


def notes_of(folder: Path, stem: str = NAME) -> list[str]:
    """The text of every drafter's note, from the DOCX and from the HTML (the PDF's source)."""
    docx = [text for style, text in docx_paragraphs(folder / f"{stem}.docx")
            if style == "DrafterNote"]
    html = (folder / f"{stem}.html").read_text()
    asides = re.findall(r'<aside class="note"[^>]*>(.*?)</aside>', html, re.S)
    return docx + [" ".join(re.sub(r"<[^>]+>", " ", a).split()) for a in asides]


def front_of(folder: Path) -> str:
    """The DOCX text before the first section heading, one line per paragraph."""
    out = []
    for style, text in docx_paragraphs(folder / f"{NAME}.docx"):
        if style == "Heading1":
            break
        out.append(text)
    return "\n".join(out)


@pytest.mark.parametrize("city", CITIES)
def test_no_note_uses_tool_words(cities: dict[str, Path], city: str) -> None:
    notes = notes_of(cities[city])
    assert len(notes) > 60  # every section's note, in both formats
    found = {m.group(0) for note in notes for m in TOOL_WORDS.finditer(note)}
    assert not found, [n for n in notes if TOOL_WORDS.search(n)][:3]


def test_no_note_of_the_model_edition_uses_tool_words(tmp_path: Path) -> None:
    result = run(["model", "--format", "docx,html", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    notes = notes_of(tmp_path / "city-social-media", "social-media-policy-model")
    assert notes
    assert not [n for n in notes if TOOL_WORDS.search(n)][:3]
    # The league's edition keeps its guidance in front, not one city's choices.
    assert not any("The City\u2019s choices." in n for n in notes)


def _official_lines(values: dict[str, Any]) -> list[str]:
    officials = values["officials"]
    lines = [f"final authority over the City\u2019s use of social media: the "
             f"{officials['final_authority']}",
             f"designates Authorized Users: the {officials['authorizer']}"]
    for role, label in (("account_approver", "approves new Official Accounts"),
                        ("incident_official", "compiles and approves releases during an incident"),
                        ("remover", "removes Comments or approves their removal"),
                        ("block_approver", "approves blocks"),
                        ("media_contact", "answers the news media"),
                        ("accessibility_contact", "provides content in other formats")):
        if officials[role]:
            lines.append(f"{label}: the {officials[role]}")
    return lines


@pytest.mark.parametrize("city", CITIES)
def test_the_front_page_lists_the_city_s_choices(cities: dict[str, Path], city: str) -> None:
    profile = smpgen.load(REPO / "city_profiles" / f"{city}.yaml")
    values = profile.values
    front = front_of(cities[city])
    assert "The City\u2019s choices." in front
    for line in _official_lines(values):
        assert line in front, line
    for account in values["accounts"]:
        mode = account["comments"] or values["public_comments"]["mode"]
        name = f"{account['name']} on " if account["name"] else ""
        assert f"{name}{account['platform']}: {mode} to Comments" in front
    for category in values["removal_categories"]:
        assert f"\n{category}\n" in front
    blocking = values["blocking"]
    assert (f"Blocking: only after {blocking['removals']} of a person\u2019s Comments have been "
            f"removed within {blocking['period_days']} days") in front
    assert f"Tracking Forms are kept {values['records']['form_retention']} after" in front
    assert f"Comments are monitored {values['public_comments']['monitoring_hours']}." in front
    law = profile.records_law
    assert f"State law ({law.state_name}):" in front
    assert (f"public records: the {law.name} ({law.citation}), whose term for what it keeps "
            f"from the public is \u201c{law.withheld}\u201d") in front
    assert (f"limitation period for a civil-rights claim under 42 U.S.C. \u00a7 1983: "
            f"{law.claims_period} ({law.claims_citation})") in front
    assert "Warnings. No warnings" in front
    # The PDF's first pages say the same.
    pages = " ".join(pdf_pages(cities[city] / f"{NAME}.pdf")[:4])
    assert f"Tracking Forms are kept {values['records']['form_retention']} after" in pages
    assert "No warnings" in pages


def test_the_front_page_names_the_sections_left_out(cities: dict[str, Path]) -> None:
    front = front_of(cities["harbor-point-wa"])
    assert "left out: Personal Use by Employees" in front
    assert "Harbor Point Parks and Recreation on Bluesky: open to Comments" in front
    assert "Harbor Point Council Meetings on Vimeo: closed to Comments" in front
    assert "public comment: closed city-wide, except accounts listed above as open" in \
        front.lower()


RISKY = {
    "document": {"numbering": "headings"},
    "removal_categories": ["obscene material, as the law defines obscenity",
                           "offensive or objectionable comments"],
    "blocking": {"removals": 1},
    "records": {"form_retention": "one year"},
    "officials": {"reviewer": "City Administrator"},
}
"""A profile with one risky choice of each kind (EXAMPLE's final authority is the City
Administrator)."""

BESIDE = {
    "comment-rules": ["The removal category \u201coffensive or objectionable comments\u201d "
                      "removes a Comment for the offence it gives",
                      "The blocking standard\u2019s count of removals is 1"],
    "comment-removal": ["The retention period \u201cone year\u201d is shorter than the six "
                        "years Minnesota allows"],
    "monitoring": ["The City Administrator is named as the reviewer of the City\u2019s use of "
                   "social media"],
}
"""The start of each warning, by the section it must follow."""


class Risky:
    """The risky profile's annotated edition, and its sections in order."""

    def __init__(self, folder: Path, ids: list[str], titles: list[str]) -> None:
        self.folder, self.ids, self.titles = folder, ids, titles


@pytest.fixture(scope="module")
def risky(tmp_path_factory: pytest.TempPathFactory) -> Risky:
    folder = tmp_path_factory.mktemp("risky")
    path = folder / "risky.yaml"
    path.write_text(yaml.safe_dump(deep_merge(EXAMPLE, RISKY)))
    doc = smpgen.build_document(path, edition="annotated")
    return Risky(render_annotated(path, folder / "out"), [s.id for s in doc.sections],
                 [plain(s.title) for s in doc.sections])


def test_warnings_are_printed_beside_their_sections_in_the_docx(risky: Risky) -> None:
    paragraphs = docx_paragraphs(risky.folder / f"{NAME}.docx")
    headings = [i for i, (style, _) in enumerate(paragraphs) if style == "Heading1"]
    assert [paragraphs[i][1].casefold() for i in headings] == \
        [t.casefold() for t in risky.titles]
    for section, starts in BESIDE.items():
        k = risky.ids.index(section)
        end = headings[k + 1] if k + 1 < len(headings) else len(paragraphs)
        inside = [text for style, text in paragraphs[headings[k]:end] if style == "DrafterNote"]
        for start in starts:
            assert any(t.startswith(f"Warning. {start}") for t in inside), (section, start)
    warned = [i for i, (_, text) in enumerate(paragraphs) if text.startswith("Warning. ")]
    assert len(warned) == 4  # each printed once, beside its section


def test_warnings_are_printed_beside_their_sections_in_the_pdf(risky: Risky) -> None:
    text = " ".join(pdf_pages(risky.folder / f"{NAME}.pdf"))
    # Headings print in capitals; the first one ends the front page.
    starts = [text.index(risky.titles[0].upper())]
    for title in risky.titles[1:]:
        starts.append(text.index(title.upper(), starts[-1]))
    for section, warnings in BESIDE.items():
        k = risky.ids.index(section)
        end = starts[k + 1] if k + 1 < len(starts) else len(text)
        for warning in warnings:
            at = text.index(f"Warning. {warning}", starts[0])
            assert starts[k] < at < end, (section, warning)


def test_the_front_page_lists_every_warning(risky: Risky) -> None:
    front = front_of(risky.folder)
    assert "No warnings" not in front
    assert ("Beside \u201cComment Rules\u201d: the removal category \u201coffensive or "
            "objectionable comments\u201d removes a Comment") in front
    assert ("Beside \u201cRemoving and Documenting Comments\u201d: the retention period "
            "\u201cone year\u201d") in front
    assert "Beside \u201cMonitoring and Review of Use\u201d: the City Administrator" in front
    pages = " ".join(pdf_pages(risky.folder / f"{NAME}.pdf")[:4])
    assert "Beside \u201cComment Rules\u201d: the removal category" in pages


def test_the_council_edition_prints_no_warning(tmp_path: Path,
                                               write_profile: Callable[..., Path]) -> None:
    path = write_profile(deep_merge(EXAMPLE, RISKY))
    result = run(["render", str(path), "--format", "docx", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert "removal_categories[1]: warning: the removal category" in result.stderr
    paragraphs = docx_paragraphs(tmp_path / "out" / "city" / "social-media-policy.docx")
    assert not [text for _, text in paragraphs if text.startswith("Warning.")]


def pdf_text(folder: Path) -> str:
    return " ".join(" ".join(pdf_pages(folder / f"{NAME}.pdf")).split())


GARBLED = re.compile(r"\w:::|:::\s*\w|\d(and|or)\b|RCW(and|or)\b|this model was written")
"""A note's closing marker glued to its text, a citation run into the next word, or the
model's voice left in a city's policy."""


@pytest.mark.parametrize("city", CITIES)
def test_notes_read_cleanly(cities: dict[str, Path], city: str) -> None:
    text = pdf_text(cities[city])
    assert GARBLED.findall(text) == []
    assert [m for n in notes_of(cities[city]) for m in GARBLED.findall(n)] == []


PURPOSE = {
    "example-city": "Of its Official Accounts, Facebook (Elm Prairie Hall) and Instagram (Elm "
                    "Prairie Parks) are open to Comments, and Nextdoor (Elm Prairie Police "
                    "Department) is closed to them",
    "lakeview-mn": "and YouTube (Lakeview Council Chambers) is closed to them",
    "harbor-point-wa": "Of its Official Accounts, Bluesky (Harbor Point Parks and Recreation) "
                       "is open to Comments, and LinkedIn",
    "pine-ridge-ar": "Every Official Account it lists is open to Comments, as Section 20 "
                     "provides: Nextdoor (City of Pine Ridge)",
}
"""The Purpose note's account of each city's real settings, account by account."""


@pytest.mark.parametrize("city", CITIES)
def test_purpose_note_states_each_accounts_setting(cities: dict[str, Path], city: str) -> None:
    text = pdf_text(cities[city])
    assert PURPOSE[city] in text
    assert "Its accounts are open to Comments" not in text


@pytest.mark.parametrize("city", CITIES)
def test_police_note_gives_no_drafting_instruction(cities: dict[str, Path], city: str) -> None:
    text = pdf_text(cities[city])
    assert "whatever that officer\u2019s title" in text
    assert "chief of police" not in text.lower() and "Change \u201c" not in text


@pytest.mark.parametrize("city", ["example-city", "lakeview-mn"])
def test_minnesota_notes_state_the_campaign_law(cities: dict[str, Path], city: str) -> None:
    text = pdf_text(cities[city])
    assert "Check whether Minnesota law limits" not in text
    assert "In Minnesota, Minn. Stat. ch. 211B governs campaigns, and \u00a7 211B.09 forbids" \
        in text
    assert "Minnesota\u2019s campaign law, Minn. Stat. ch. 211B, also governs the use of " \
        "official authority in campaigns: \u00a7 211B.09 forbids" in text
    assert "Minn. Stat. \u00a7 138.17, and under the General Records Retention Schedule" in text


def test_washington_retention_note_is_spaced(cities: dict[str, Path]) -> None:
    assert ("the City keeps it under chapter 40.14 RCW, and under the Local Government Common "
            "Records Retention Schedule (CORE), for the periods set there") \
        in pdf_text(cities["harbor-point-wa"])
