"""The league's edition (issue 16): who publishes it, a state edition, and alternatives.

A league publishes the model for member cities that may never run smpgen: its edition
names the league (not smpgen) in the title block and the files' properties, a state
edition fills in what the state decides and leaves every city blank, each choice that
changes the words is printed as labelled alternatives, and a decision each city makes is
a blank with a suggestion. The example league is tests/models/leagues/prairie-state-league.
Each edition is rendered once for the module."""

from __future__ import annotations

import datetime as dt
import html
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import yaml
from docx import Document as open_docx
from helpers import (
    EXAMPLE,
    REPO,
    deep_merge,
    docx_paragraphs,
    docx_part,
    docx_text,
    pdf_pages,
    run,
)

import smpgen
from smpgen.budget import render_budget
from smpgen.context import model_context
from smpgen.document import (
    OPTIONAL_LABEL,
    alternative_label,
    city_sections,
    is_optional_section,
    model_document,
    model_renderer,
    policy_document,
)
from smpgen.lint import roles
from smpgen.modelmanifest import ModelEdition
from smpgen.models import get_model
from smpgen.parse import parse_section
from smpgen.profile import load_profile
from smpgen.records import records_laws
from smpgen.tree import Block, Document, ListBlock, ListItem, Note, Paragraph, Section, Text, plain

LEAGUES = REPO / "tests" / "models" / "leagues"
PUBLISHER = "Prairie State League of Cities"
STEM = "social-media-policy-model"


def flat(text: str) -> str:
    return " ".join(text.split())


def html_text(path: Path) -> str:
    """What a reader of the web page sees, whitespace folded."""
    body = path.read_text("utf-8").split("<body", 1)[1].split(">", 1)[1]
    return flat(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def texts(folder: Path, stem: str) -> dict[str, str]:
    return {"pdf": flat(" ".join(pdf_pages(folder / f"{stem}.pdf"))),
            "docx": flat(docx_text(folder / f"{stem}.docx")),
            "html": html_text(folder / f"{stem}.html")}


@pytest.fixture(scope="module")
def league(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example league's edition, as its model.yaml sets it (Illinois, outline)."""
    out = tmp_path_factory.mktemp("league")
    result = run(["--templates", str(LEAGUES), "model", "prairie-state-league", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "prairie-state-league"


@pytest.fixture(scope="module")
def league_text(league: Path) -> dict[str, str]:
    return texts(league, f"{STEM}-il")


# 1. Identity ---------------------------------------------------------------------------

def test_the_title_block_names_the_league(league_text: dict[str, str]) -> None:
    for fmt, text in league_text.items():
        for line in (f"Published by: {PUBLISHER}", "Version: 2026 Edition",
                     "Date: March 2, 2026", "Status: Model policy for Illinois cities to adapt",
                     "Prepared by the League's legal staff for its member cities."):
            assert line in text, (fmt, line)
        assert "smpgen" not in text.lower(), fmt
        assert "editors of this model policy" not in text, fmt


def test_the_read_first_note_comes_first_with_the_state_filled_in(league: Path) -> None:
    paragraphs = docx_paragraphs(league / f"{STEM}-il.docx")
    assert [style for style, _ in paragraphs[:4]] == ["Jurisdiction", "Title", "TitleBlockDetails",
                                                     "DrafterNote"]
    first = paragraphs[4][1]
    assert first.startswith("Read first. Before adapting this model, read League Memo 26-4")
    assert "the Illinois Freedom of Information Act (5 ILCS 140)" in first
    html = (league / f"{STEM}-il.html").read_text("utf-8")
    assert html.index("Read first.") < html.index("This is a model for a city to adapt")


def test_the_numbering_and_heading_style_are_the_leagues(league: Path,
                                                         league_text: dict[str, str]) -> None:
    assert "1. PURPOSE" in league_text["pdf"]
    assert "6. OPENING AND SECURING OFFICIAL ACCOUNTS" in league_text["pdf"]
    docx = league / f"{STEM}-il.docx"
    assert 'w:numFmt w:val="lowerLetter"' in docx_part(docx, "word/numbering.xml")  # 1., a.
    styles = docx_part(docx, "word/styles.xml")
    for heading in ("Heading1", "Heading2"):  # capitals, as Word styles (the text as written)
        style = styles.split(f'w:styleId="{heading}"', 1)[1].split("</w:style>", 1)[0]
        assert "<w:caps/>" in style, heading


def test_the_files_properties_name_the_league(league: Path) -> None:
    props = open_docx(str(league / f"{STEM}-il.docx")).core_properties
    assert props.subject == "Model social media policy for Illinois cities to adapt"
    assert f"Publisher={PUBLISHER}" in props.comments
    assert "Model=prairie-state-league 2026.1" in props.comments
    assert "smpgen" not in props.comments.lower()
    assert props.created == dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    with pikepdf.open(league / f"{STEM}-il.pdf") as pdf:
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
    assert info["/Subject"] == "Model social media policy for Illinois cities to adapt"
    assert info["/publisher"] == PUBLISHER
    assert info["/CreationDate"].startswith("D:20260302")
    head = (league / f"{STEM}-il.html").read_text("utf-8").split("</head>", 1)[0]
    assert f'<meta name="Publisher" content="{PUBLISHER}">' in head


def test_no_file_property_names_smpgen(league: Path) -> None:
    core = docx_part(league / f"{STEM}-il.docx", "docProps/core.xml")
    assert f"<dc:creator>{PUBLISHER}</dc:creator>" in core
    assert "smpgen" not in core.lower()
    with pikepdf.open(league / f"{STEM}-il.pdf") as pdf:
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
        xmp = str(pdf.open_metadata())
    assert info.get("/Author") == PUBLISHER
    assert "smpgen" not in (str(info) + xmp).lower()
    head = (league / f"{STEM}-il.html").read_text("utf-8").split("</head>", 1)[0]
    assert "smpgen" not in re.sub(r"<style>.*?</style>", "", head, flags=re.S).lower()


def test_the_options_override_the_model(tmp_path: Path) -> None:
    note = tmp_path / "memo.md"
    note.write_text("**Read first.** Memo 7 explains the {{ records_law.name }}.\n", "utf-8")
    result = run(["--templates", str(LEAGUES), "model", "prairie-state-league", "--state", "mn",
                  "--publisher", "North Star Cities", "--edition-date", "2027-01-15",
                  "--label", "Version 3", "--credit", "With thanks to the clerks' committee.",
                  "--note", str(note), "--numbering", "decimal", "--heading-case", "as-written",
                  "--format", "html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    text = html_text(tmp_path / "out" / "prairie-state-league" / f"{STEM}-mn.html")
    for line in ("Published by: North Star Cities", "Version: Version 3", "Date: January 15, 2027",
                 "Model policy for Minnesota cities to adapt",
                 "With thanks to the clerks' committee.",
                 "Memo 7 explains the Minnesota Government Data Practices Act.",
                 "6.1 Approval of new accounts"):
        assert line in text, line
    assert PUBLISHER not in text and "League Memo 26-4" not in text


def test_the_shipped_model_names_its_own_publisher(default_doc: Document) -> None:
    info = default_doc.info
    assert info.meta[0] == ("Published by", [Text("the editors of this model policy")])
    assert info.meta[-1] == ("Status", [Text("Model policy for cities to adapt")])
    assert not any("smpgen" in key.lower() or "smpgen" in value.lower()
                   for key, value in info.provenance.items())


@pytest.mark.parametrize(("args", "message"), [
    (["--state", "Minesota"], "state 'Minesota' is not a state's two-letter postal code; did "
                              "you mean MN (Minnesota)?"),
    (["--numbering", "policy-number"], "numbering 'policy-number' is not one of: decimal, "
                                       "outline, headings"),
    (["--edition-date", "2026-02-30"], "edition date '2026-02-30' is not a date"),
    (["--label", "two\nlines"], "label must be one line"),
])
def test_a_wrong_option_is_named(args: list[str], message: str, tmp_path: Path) -> None:
    result = run(["model", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (tmp_path / "city-social-media").exists()


def test_a_wrong_edition_in_model_yaml_is_located(tmp_path: Path) -> None:
    folder = tmp_path / "templates" / "league"
    folder.mkdir(parents=True)
    (folder / "model.yaml").write_text(
        "id: league\nextends: city-social-media\nversion: '1'\npublisher: A League\n"
        "edition:\n  date: next spring\n  numbering: policy-number\n  state: Minesota\n"
        "  note: missing.md\n  colour: red\n", "utf-8")
    result = run(["--templates", str(tmp_path / "templates"), "model", "league",
                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    manifest = folder.resolve() / "model.yaml"
    for line, where, message in (
            (6, "edition.date", "expected the edition's date as YYYY-MM-DD"),
            (7, "edition.numbering", "expected one of: decimal, outline, headings"),
            (8, "edition.state", "'Minesota' is not a state's two-letter postal code; did you "
                                 "mean MN (Minnesota)?"),
            (9, "edition.note", "file missing.md not found in the model folder"),
            (10, "edition.colour", "unknown key; expected one of: date, label, credit, note, "
                                   "numbering, heading_case, state")):
        assert f"{manifest}:{line}: {where}: {message}" in result.stderr, result.stderr


# 2. A state edition --------------------------------------------------------------------

STATES = ("MN", "TX", "WA")


@pytest.fixture(scope="module")
def state_editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("states")
    found = {}
    for code in STATES:
        result = smpgen.render_model(state=code, formats=["html"], out_dir=out)
        (page,) = result.paths
        assert page.name == f"{STEM}-{code.lower()}.html"
        found[code] = html_text(page)
    return found


@pytest.mark.parametrize("code", STATES)
def test_a_state_edition_fills_in_the_state_and_no_city(code: str,
                                                        state_editions: dict[str, str]) -> None:
    text = state_editions[code].replace("\u2019", "'")
    law = records_laws()[code]
    for phrase in (f"Under the {law.name}, {law.citation}, content the City posts",
                   f"are {law.records}. The City shall make that content available",
                   f"shall withhold only {law.withheld}.",
                   f"is a {law.request} and is handled like any other",
                   f"Under {law.retention_law}, content may be destroyed",
                   f"{law.claims_period} from the removal, the period within which a claim "
                   f"under 42 U.S.C. § 1983 may be brought under {law.claims_citation}",
                   f"subject to {law.open_meetings}",
                   f"Model policy for {law.state_name} cities to adapt",
                   f"This edition is for cities in {law.state_name}."):
        assert phrase.replace("\u2019", "'") in text, phrase
    assert "the state's term for" not in text and "the state's limitation period for " \
        "civil-rights claims, e.g." not in text
    # Every city's value is still a blank.
    for blank in ("City of ________", "________ (communications coordinator)",
                  "________ (address of the city's official website)",
                  "________ (six years, or the state's limitation period"):
        assert blank in text, blank


def test_each_state_edition_speaks_its_own_states_words(state_editions: dict[str, str]) -> None:
    mn, tx, wa = (state_editions[c].lower() for c in STATES)
    assert "government data" in mn and "data request" in mn
    assert "public records request" not in mn
    assert "information excepted from required public disclosure" in tx
    assert "request for public information" in tx
    for other in (tx, wa):
        assert "government data" not in other and "not public" not in other
    assert "records exempt from public disclosure" in wa and "excepted" not in wa


# 3. Alternatives -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def default_doc() -> Document:
    return model_document(get_model("city-social-media", REPO / "templates"))


def alternatives(blocks: list[Block]) -> list[ListBlock]:
    """Every list of alternatives among ``blocks``, subsections included."""
    found = []
    for block in blocks:
        if isinstance(block, Section):
            found += alternatives(block.blocks)
        elif isinstance(block, ListBlock) and any(alternative_label(i) for i in block.items):
            found.append(block)
    return found


def choices(doc: Document) -> dict[str, list[list[str]]]:
    """For each top-level section, the labels of each of its lists of alternatives."""
    out: dict[str, list[list[str]]] = {}
    for section in doc.sections:
        for block in alternatives(section.blocks):
            out.setdefault(section.id, []).append(
                [alternative_label(item) or "" for item in block.items])
    return out


OPEN, CLOSED = "Option A \u2014 comments open", "Option B \u2014 comments closed"


def test_each_choice_prints_its_labelled_alternatives(default_doc: Document) -> None:
    assert choices(default_doc) == {
        "public-interaction": [[OPEN, CLOSED]],
        "comment-rules": [[OPEN, CLOSED],
                          ["Option A \u2014 a named official reviews blocks",
                           "Option B \u2014 the City\u2019s attorney reviews blocks"]],
        "comment-removal": [["[Optional] With Option B \u2014 comments closed"]],
        "disclaimer": [[OPEN, CLOSED]],
    }


def _blocks_before(blocks: list[Block], target: ListBlock) -> Block | None:
    for block in blocks:
        if isinstance(block, Section) and (found := _blocks_before(block.blocks, target)):
            return found
    for before, block in pairwise(blocks):
        if block is target:
            return before
    return None


def test_a_note_says_how_to_choose_and_every_alternative_has_ids(default_doc: Document) -> None:
    ids: list[str] = []
    for section in default_doc.sections:
        for block in alternatives(section.blocks):
            labels = [alternative_label(item) or "" for item in block.items]
            if len(labels) > 1:
                note = _blocks_before(section.blocks, block)
                assert isinstance(note, Note), section.id
                assert plain(note.blocks[0].children).startswith(  # type: ignore[union-attr]
                    "Option A or Option B."), section.id
            for item in block.items:
                assert item.id and item.id.startswith(section.id + ".")
                clauses = [b.id for b in item.blocks[1:] if isinstance(b, Paragraph)]
                assert clauses and all(clauses), (item.id, clauses)
                ids += [item.id, *[c for c in clauses if c]]
    assert len(ids) == len(set(ids)) == 23


def test_a_list_after_the_alternatives_keeps_the_citys_ids(default_doc: Document) -> None:
    rules = next(s for s in default_doc.sections if s.id == "comment-rules")
    grounds = next(b for b in rules.blocks if isinstance(b, ListBlock) and b.ordered)
    assert [i.id for i in grounds.items][:2] == ["comment-rules.removal-grounds-1",
                                                 "comment-rules.removal-grounds-2"]


CITY_CHOICE: dict[str, dict[str, Any]] = {
    "option-comments-open": {},
    "option-comments-closed": {"public_comments": {"mode": "closed"}},
    "optional-rare-removals": {"public_comments": {"mode": "closed"}},
    "option-block-reviewer-named": {},
    "option-block-reviewer-attorney": {"officials": {"block_reviewer": None}},
}
"""The values under which a city's policy reads as each alternative does."""


def city_clauses(section_id: str, changes: dict[str, Any]) -> dict[str, str]:
    """The clauses of a section as a city's policy prints them, with the model edition's
    blanks as the city's values and ``changes`` made."""
    model = get_model("city-social-media", REPO / "templates")
    context = model_context(model)
    for group, values in changes.items():
        context[group].update(values)
    context["edition"] = "council"
    context["city"]["state"] = "ZZ"  # a city's notes test it; no state's words in the text
    context["roles"] = roles(context)
    city_sections(model, context, None)
    spec = model.section(section_id)
    with render_budget():
        rendered = model_renderer(model).render(spec.source, context)
    section = parse_section(rendered, section_id, [Text(spec.title)], keep_notes=False,
                            where=spec.source)
    out = {}

    def walk(blocks: list[Block] | list[ListItem]) -> None:
        for block in blocks:
            if isinstance(block, Paragraph) and block.id:
                out[block.id] = plain(block.children)
            elif isinstance(block, ListBlock):
                walk(block.items)
            elif isinstance(block, ListItem | Section):
                walk(block.blocks)

    walk(section.blocks)
    return out


def test_each_alternative_reads_as_the_citys_policy_would(default_doc: Document) -> None:
    """The alternatives are written out in the model edition: each clause must read as
    the same clause of a city that chose it (its id without the alternative's suffix)."""
    checked = 0
    for section in default_doc.sections:
        for block in alternatives(section.blocks):
            for item in block.items:
                assert item.id is not None
                city = city_clauses(section.id, CITY_CHOICE[item.id.split(".", 1)[1]])
                for clause in item.blocks[1:]:
                    assert isinstance(clause, Paragraph) and clause.id
                    own = re.sub(r"-(closed|attorney)$", "", clause.id)
                    assert plain(clause.children) == city[own], clause.id
                    checked += 1
    assert checked == 14


def test_optional_sections_are_marked(default_doc: Document) -> None:
    model = get_model("city-social-media", REPO / "templates")
    optional = [spec.id for spec in model.sections if spec.include_if]
    marked = {s.id: s for s in default_doc.sections if is_optional_section(s)}
    assert sorted(marked) == sorted(optional)

    def label(section_id: str) -> str:
        note = marked[section_id].blocks[0]
        assert isinstance(note, Note) and isinstance(note.blocks[0], Paragraph)
        return plain(note.blocks[0].children)

    assert label("hours") == ("[Optional] A city may keep this section or leave it out; "
                              "leaving it out renumbers the sections after it.")
    # The clause that refers to it, printed as its number (plain() prints the id).
    assert label("personal-use").endswith(", and the reference to it in scope must then be "
                                          "reworded.")


@pytest.mark.parametrize("extra", [{}, {"public_comments": {"mode": "closed"}}],
                         ids=["open", "closed"])
def test_a_citys_policy_prints_no_alternatives(extra: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(deep_merge(EXAMPLE, extra)), "utf-8")
    for edition in ("council", "annotated"):
        doc = policy_document(load_profile(path, templates=REPO / "templates"), edition)
        assert not choices(doc)
        text = repr(doc)
        assert "Option A" not in text and OPTIONAL_LABEL not in text, edition


# 4. Decisions are blanks with suggestions ----------------------------------------------

def test_decisions_are_blanks_with_suggestions(default_doc: Document, tmp_path: Path) -> None:
    text = flat(" ".join(plain(p.children) for p in _paragraphs(default_doc.sections)))
    for phrase in ("shall answer in writing within ________ (10) business days",
                   "At least ________ (once a year), the ________",
                   "at least ________ (once every two years)",
                   "needs to be kept only ________ (until it has served its purpose)",
                   "under ________ (the City\u2019s records retention schedule)",
                   "for ________ (six years, or the state\u2019s limitation period",
                   "monitor Comments ________ (during regular City business hours"):
        assert phrase in text, phrase
    for decided in ("within 10 business days", "At least once a year,",
                    "at least once every two years", "only until it has served its purpose"):
        assert decided not in text, decided
    # A city that leaves them out gets the defaults, not blanks.
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(EXAMPLE), "utf-8")
    city = flat(" ".join(plain(p.children) for p in _paragraphs(
        policy_document(load_profile(path, templates=REPO / "templates")).sections)))
    assert "within 10 business days" in city and "At least once a year," in city


def _paragraphs(blocks: list[Section] | list[Block] | list[ListItem]) -> list[Paragraph]:
    out: list[Paragraph] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(block)
        elif isinstance(block, ListBlock):
            out += _paragraphs(block.items)
        elif isinstance(block, ListItem | Section):
            out += _paragraphs(block.blocks)
    return out


# 5. The same edition for the website: accessible ---------------------------------------

def test_the_leagues_edition_passes_the_checks(league: Path) -> None:
    result = run(["check", str(league)])
    assert result.exit_code == 0, result.output
    assert "checked 3 files: no problems found" in result.output


def test_model_edition_is_the_variants_edition_over_its_parents() -> None:
    league = get_model("prairie-state-league", LEAGUES)
    assert league.edition == ModelEdition(
        date=dt.date(2026, 3, 2), label="2026 Edition",
        credit="Prepared by the League's legal staff for its member cities.",
        note=league.edition.note, note_path=str(league.home / "read-first.md")
        if league.home else "", numbering="outline", heading_case="capitals", state="IL")
    assert league.edition.note.startswith("**Read first.**")
    assert get_model("city-social-media", REPO / "templates").edition == ModelEdition()
