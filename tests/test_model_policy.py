"""The shipped model: every provision covered, the three examples, optional sections,
cross-references in every scheme, and the public-interaction switch."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO, W, deep_merge, docx_part, docx_text, pdf_pages, run
from lxml import etree

import smpgen
from smpgen.numbering import number_sections, references, scheme
from smpgen.tree import Document, Section

EXAMPLES = ["lakeview-mn", "pine-ridge-ar", "harbor-point-wa"]
OPTIONAL = ["personal_use", "separate_tools", "hours", "generated_content", "officials_accounts",
            "direct_messages", "paid_promotion", "language_access", "police_posts"]
MODE_SECTIONS = {"public-interaction", "comment-rules", "comment-removal", "disclaimer"}


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "city_profiles" / f"{name}.yaml").read_text())
    return data


def distinctive(data: dict[str, Any]) -> set[str]:
    """Values only this city has: its officials, accounts, website and records schedule."""
    values = set(data["officials"].values())
    values |= {a["name"] for a in data.get("accounts", [])}
    values |= {data["city"]["name"], data["city"]["website"], data["records"]["retention_schedule"]}
    return values


def test_every_provision_is_covered() -> None:
    result = run(["models", "--coverage"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    assert len(lines) == 43
    assert not [line for line in lines if "NOT COVERED" in line]
    assert "  N01  Elected and appointed officials' accounts: officials-accounts (optional section)" \
        in lines
    assert "  N06  Council members and open meetings: open-meetings" in lines
    assert "  N16  Police and sensitive posts: police-posts (optional section)" in lines


def test_examples_render_with_no_warnings() -> None:
    paths = [f"city_profiles/{n}.yaml" for n in EXAMPLES]
    result = run(["validate", *paths])
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("examples")
    for name in EXAMPLES:
        result = run(["render", f"city_profiles/{name}.yaml", "--out", str(out),
                      "--format", "docx,pdf"])
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_has_its_own_values_and_no_others(name: str, rendered: Path) -> None:
    folder = rendered / name
    texts = {"pdf": " ".join(pdf_pages(folder / "social-media-policy.pdf")),
             "docx": docx_text(folder / "social-media-policy.docx").replace("\n", " ")}
    data = example(name)
    law = smpgen.load(REPO / "city_profiles" / f"{name}.yaml").records_law
    own = distinctive(data) | {law.name, law.citation}
    others = set().union(*(distinctive(example(o)) for o in EXAMPLES if o != name)) - own
    for fmt, text in texts.items():
        flat = " ".join(text.split())
        for value in own:
            assert " ".join(value.split()) in flat, (fmt, value)
        for value in others:
            assert value not in flat, (fmt, value)


def build(data: dict[str, Any], tmp_path: Path, name: str = "city.yaml",
          edition: str = "annotated") -> Document:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return smpgen.build_document(path, edition=edition)


def section_ids(doc: Document) -> list[str]:
    return [s.id for s in doc.sections]


def check_references(doc: Document) -> None:
    numbers = number_sections(doc, scheme(doc.info.numbering, doc.info.number_prefix))
    targets = references(list(doc.sections))
    assert targets, "the model cross-references its sections"
    assert set(targets) <= set(numbers)


def printed(html: str) -> tuple[dict[str, tuple[list[str], str]], list[tuple[str, str]]]:
    """What a reader sees in the HTML: for each section id, the numbers printed before its
    heading and its parents' headings (outermost first) and its title; and each
    cross-reference's printed text with the section it links to."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html)
    sections: dict[str, tuple[list[str], str]] = {}
    for section in root.iter("section"):
        chain = [*reversed(list(section.iterancestors("section"))), section]
        numbers = ["".join(s[0].xpath("./span[@class='num']/text()")) for s in chain]
        title = "".join(section[0].xpath("./text()|./*[not(@class='num')]//text()")).strip()
        sections[section.get("id")] = (numbers, title)
    refs = [(str(a.get("href"))[1:], a.text_content()) for a in root.iter("a")
            if a.get("class") == "xref"]
    return sections, refs


def expected_core(numbering: str, numbers: list[str], title: str) -> str:
    """The number (or title) by which a cross-reference names a section whose headings
    print ``numbers``."""
    if numbering == "headings":
        return title
    if numbering == "outline":
        return numbers[0].rstrip(".") + "".join(f"({n.rstrip('.')})" for n in numbers[1:])
    return numbers[-1].rstrip(".")


def reference_core(numbering: str, text: str) -> str:
    """A printed cross-reference without its words: one reference alone reads "Section 5" or
    'the "Title" section'; several printed together read "Sections 4 and 7" or 'the "A" and
    "B" sections', each link carrying only its own part."""
    if numbering == "headings":
        match = re.fullmatch("(?:the )?\u201c(.+)\u201d(?: sections?)?", text)
    else:
        match = re.fullmatch("(?:Sections?[ \u00a0])?(.+)", text)
    assert match, text
    return match.group(1)


@pytest.mark.parametrize("numbering", ["decimal", "outline", "policy-number", "headings"])
@pytest.mark.parametrize("off", [None, *OPTIONAL, "all"])
def test_optional_sections_renumber_what_is_printed(numbering: str, off: str | None,
                                                    tmp_path: Path) -> None:
    """Switching sections off renumbers the numbers printed at the headings, and every
    printed cross-reference names its target's printed number."""
    from smpgen.writers.html import write_html

    data = example("pine-ridge-ar")
    data["document"] = {"numbering": numbering, "policy_number": "702"}
    toggles = {k: not (off == "all" or k == off) for k in OPTIONAL}
    data["optional_sections"] = toggles
    doc = build(data, tmp_path)
    full = build(dict(example("pine-ridge-ar"), optional_sections=dict.fromkeys(OPTIONAL, True)),
                 tmp_path, "full.yaml")
    removed = set(section_ids(full)) - set(section_ids(doc))
    assert len(removed) == sum(not v for v in toggles.values())
    check_references(doc)
    sections, refs = printed(write_html(doc))
    top = [sections[s.id][0][0] for s in doc.sections]
    count = range(1, len(top) + 1)
    assert top == {"decimal": [f"{i}." for i in count], "outline": [f"{i}." for i in count],
                   "policy-number": [f"702.{i}" for i in count],
                   "headings": ["" for _ in count]}[numbering]
    assert refs, "the model cross-references its sections"
    for target, text in refs:
        assert reference_core(numbering, text) == expected_core(numbering, *sections[target]), \
            (target, text)


def test_a_section_switched_off_renumbers_the_pdf_and_docx(tmp_path: Path) -> None:
    """The PDF prints consecutive numbers with the section gone, and the DOCX's
    cross-references carry the same numbers as their text."""
    data = example("pine-ridge-ar")
    data["document"] = {"numbering": "decimal"}
    data["optional_sections"] = dict.fromkeys(OPTIONAL, True) | {"personal_use": False}
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run(["render", str(path), "--format", "pdf,docx,html", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "city"
    pdf = " ".join(" ".join(pdf_pages(folder / "social-media-policy.pdf")).split())
    doc = smpgen.build_document(path)
    assert "personal-use" not in section_ids(doc)
    titles = [" ".join(plain_title(s).split()) for s in doc.sections]
    positions = [pdf.index(f"{i}. {title}") for i, title in enumerate(titles, start=1)]
    assert positions == sorted(positions)
    sections, refs = printed((folder / "social-media-policy.html").read_text())
    assert refs
    for target, text in refs:
        assert reference_core("decimal", text) == expected_core("decimal", *sections[target])
        assert text.replace("\u00a0", " ") in pdf
    # Word shows each REF field's cached text after "Section " until it updates fields.
    body = etree.fromstring(docx_part(folder / "social-media-policy.docx",
                                      "word/document.xml").encode())
    fields = ["".join(f.itertext()) for f in body.iter(f"{W}fldSimple")
              if f.get(f"{W}instr", "").strip().startswith("REF ")]
    assert fields == [reference_core("decimal", text) for _, text in refs]


def plain_title(section: Section) -> str:
    from smpgen.tree import plain

    return plain(section.title)


def test_switching_the_comment_mode_changes_only_its_provisions(tmp_path: Path) -> None:
    """The policy text changes only in the provisions on public comment (the drafter's
    notes of other sections may describe the city's choice)."""
    for name in [*EXAMPLES, "example-city"]:
        data = example(name)
        mode = data.get("public_comments", {}).get("mode", "open")
        flipped = deep_merge(data, {"public_comments": {
            "mode": "closed" if mode == "open" else "open",
            "contact_method": data["public_comments"].get("contact_method") or "the front desk"}})
        a = build(data, tmp_path, "a.yaml", edition="council")
        b = build(flipped, tmp_path, "b.yaml", edition="council")
        assert section_ids(a) == section_ids(b)
        changed = {x.id for x, y in zip(a.sections, b.sections, strict=True) if x != y}
        assert changed and changed <= MODE_SECTIONS, (name, changed)
        covers = {p for s in smpgen.list_models()[0].sections if s.id in changed for p in s.covers}
        assert covers <= {"P12", "P13", "P14", "P25", "N03"}


def test_model_edition_lists_every_section(tmp_path: Path) -> None:
    result = run(["model", "--out", str(tmp_path), "--format", "pdf"])
    assert result.exit_code == 0
    text = " ".join(pdf_pages(tmp_path / "city-social-media" / "social-media-policy-model.pdf"))
    model = smpgen.list_models()[0]
    for spec in model.sections:
        assert spec.title in text, spec.title
    assert "________ (communications coordinator)" in text


def test_every_section_has_a_drafters_note(tmp_path: Path,
                                           write_profile: Callable[..., Path]) -> None:
    doc = build(example("lakeview-mn"), tmp_path)
    from smpgen.tree import Note

    def has_note(section: Section) -> bool:
        return any(isinstance(b, Note) or (isinstance(b, Section) and has_note(b))
                   for b in section.blocks)

    assert [s.id for s in doc.sections if not has_note(s)] == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_examples_form_is_one_page_with_its_categories(name: str, rendered: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(rendered / name / "tracking-form.pdf")
    assert len(reader.pages) == 1
    labels = [str(f.get("/TU")) for k, f in sorted((reader.get_fields() or {}).items())
              if k.startswith("reason-")]
    profile = smpgen.load(REPO / "city_profiles" / f"{name}.yaml")
    assert labels == profile.values["removal_categories"]


def test_policy_form_and_summary_agree(tmp_path: Path) -> None:
    """The city, coordinator, removal categories, retention period and agenda number are
    the same in the policy, the tracking form, the executive summary and the packet."""
    from pypdf import PdfReader

    result = run(["render", "city_profiles/lakeview-mn.yaml", "--packet", "--format", "pdf",
                  "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "lakeview-mn"
    profile = smpgen.load(REPO / "city_profiles" / "lakeview-mn.yaml").values

    def flat(name: str) -> str:
        return " ".join(" ".join(pdf_pages(folder / name)).split())

    policy, form, summary = (flat(n) for n in ("social-media-policy.pdf", "tracking-form.pdf",
                                                "executive-summary.pdf"))
    coordinator = profile["officials"]["coordinator"]
    retention = profile["records"]["form_retention"]
    for text in (policy, form, summary):
        assert "CITY OF LAKEVIEW" in text
        assert coordinator in text
    for category in profile["removal_categories"]:
        assert category in policy and category in form
    assert retention in policy and retention in form
    agenda = profile["council"]["agenda_number"]
    assert f"Agenda item {agenda}" in summary
    packet = PdfReader(folder / "council-packet.pdf")
    assert all(f"Agenda item {agenda}" in (page.extract_text() or "") for page in packet.pages)
