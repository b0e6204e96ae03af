"""`smpgen render` and `smpgen model` on the shipped model: what a clerk and an attorney see."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document as open_docx
from helpers import (
    EXAMPLE,
    REPO,
    W,
    deep_merge,
    docx_paragraphs,
    docx_part,
    docx_text,
    pdf_pages,
    run,
)
from lxml import etree
from pypdf import PdfReader

ADOPTED = {"document": {"adoption": {"resolution": "2026-41", "adopted": "2026-10-06",
                                     "effective": "2026-10-07"}}}


@pytest.fixture
def rendered(tmp_path: Path, write_profile: Callable[..., Path]) -> Callable[..., Path]:
    """Render a profile (a dict merged over EXAMPLE) and return its output folder."""

    def render(extra: dict[str, object] | None = None, *args: str) -> Path:
        path = write_profile(deep_merge(EXAMPLE, extra or {}))
        result = run(["render", str(path), "--out", str(tmp_path / "out"), *args])
        assert result.exit_code == 0, result.stderr
        return tmp_path / "out" / path.stem

    return render


def test_render_writes_every_document(rendered: Callable[..., Path]) -> None:
    folder = rendered()
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["executive-summary.docx", "executive-summary.html", "executive-summary.pdf",
                     "social-media-policy.docx", "social-media-policy.html",
                     "social-media-policy.pdf", "tracking-form.docx", "tracking-form.pdf"]


def test_format_and_out_options(tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    path = write_profile(EXAMPLE)
    result = run(["render", str(path), "--format", "pdf,html", "--out", str(tmp_path / "elsewhere")])
    assert result.exit_code == 0
    folder = tmp_path / "elsewhere" / "city"
    assert result.stdout == (f"wrote {folder / 'social-media-policy.pdf'}\n"
                             f"wrote {folder / 'social-media-policy.html'}\n"
                             f"wrote {folder / 'tracking-form.pdf'}\n"
                             f"wrote {folder / 'executive-summary.pdf'}\n"
                             f"wrote {folder / 'executive-summary.html'}\n")
    bad = run(["render", str(path), "--format", "odt"])
    assert bad.exit_code == 2
    assert "Invalid value for '--format': odt; choose from docx, pdf, html" in bad.stderr


def test_draft_is_marked_on_every_page(rendered: Callable[..., Path]) -> None:
    pages = pdf_pages(rendered() / "social-media-policy.pdf")
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "DRAFT" in text
        assert f"Page {number} of {len(pages)}" in text
        if number > 1:  # the running header, from page 2 on (page 1 has the title block)
            assert "City of Lakeshore Social Media Policy" in text
    assert "Status: Draft for review by the city attorney before adoption" in pages[0]
    footer = docx_part(rendered() / "social-media-policy.docx", "word/footer1.xml")
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer
    header = docx_part(rendered() / "social-media-policy.docx", "word/header1.xml")
    assert 'string="DRAFT"' in header


def test_adopted_has_adoption_block_and_no_mark(rendered: Callable[..., Path]) -> None:
    folder = rendered(ADOPTED)
    pages = pdf_pages(folder / "social-media-policy.pdf")
    assert not any("DRAFT" in p for p in pages)
    assert "Adoption Resolution 2026-41 Adopted October 6, 2026 Effective October 7, 2026" in pages[0]
    with zipfile.ZipFile(folder / "social-media-policy.docx") as z:
        assert not any("DRAFT" in z.read(n).decode() for n in z.namelist() if "header" in n)
    text = docx_text(folder / "social-media-policy.docx")
    assert "Resolution\n2026-41\nAdopted\nOctober 6, 2026\nEffective\nOctober 7, 2026" in text


def test_docx_is_real_word(rendered: Callable[..., Path]) -> None:
    path = rendered() / "social-media-policy.docx"
    doc = open_docx(str(path))
    props = doc.core_properties
    assert props.title == "City of Lakeshore Social Media Policy"
    assert props.subject == "Social Media Policy of the City of Lakeshore"
    assert props.language == "en-US"
    assert "SmpgenModel=city-social-media " in props.comments
    styles = [s for s, _ in docx_paragraphs(path)]
    assert styles[:2] == ["Jurisdiction", "Title"]
    headings = [t for s, t in docx_paragraphs(path) if s == "Heading1"]
    assert headings[0] == "Purpose" and len(headings) >= 8  # Word numbers them
    section = doc.sections[0]
    assert (section.page_width.inches, section.page_height.inches) == (8.5, 11)
    assert {round(m.inches, 2) for m in (section.left_margin, section.right_margin,
                                         section.top_margin, section.bottom_margin)} == {1.0}
    assert doc.styles["Normal"].font.name == "Times New Roman"


def test_pdf_is_tagged_letter_and_embeds_only_its_own_font(rendered: Callable[..., Path]) -> None:
    reader = PdfReader(rendered() / "social-media-policy.pdf")
    assert reader.metadata.title == "City of Lakeshore \u2014 Social Media Policy"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/Lang"] == "en-US"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]).lstrip("/")))
    assert fonts <= {"Smpgen-Serif", "Smpgen-Serif-Bold", "Smpgen-Serif-Italic",
                     "Smpgen-Serif-BoldItalic"}, fonts


def test_values_are_text_never_markup(rendered: Callable[..., Path]) -> None:
    hostile = "<b>*Chief*</b> {{ city.name }} & [x](http://127.0.0.1:9/)"
    folder = rendered({"officials": {"coordinator": hostile}})
    html = (folder / "social-media-policy.html").read_text()
    assert "&lt;b&gt;*Chief*&lt;/b&gt; {{ city.name }} &amp; [x](http://127.0.0.1:9/)" in html
    assert "<b>" not in html
    assert hostile in docx_text(folder / "social-media-policy.docx")
    assert hostile in " ".join(pdf_pages(folder / "social-media-policy.pdf"))


def test_missing_values_need_draft(tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    path = write_profile({"city": {"name": "Lakeshore", "state": "MN"}})
    result = run(["render", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: 4 problems in {path}:\n")
    assert not (tmp_path / "out").exists()
    result = run(["render", str(path), "--draft", "--format", "pdf", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    text = " ".join(pdf_pages(tmp_path / "out" / "city" / "social-media-policy.pdf"))
    assert "The ________ (city manager or department directors) shall designate" in text
    assert "DRAFT" in text


def test_model_edition_shows_blanks_suggestions_and_notes(tmp_path: Path) -> None:
    result = run(["model", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "city-social-media"
    pdf = " ".join(pdf_pages(folder / "social-media-policy-model.pdf"))
    assert pdf.startswith("CITY OF ________ Social Media Policy")
    assert "rests with the ________ (mayor, city manager or communications director)" in pdf
    assert "DRAFTER\u2019S NOTE" in pdf
    assert "review its policy with its city attorney before adoption" in pdf
    docx = docx_text(folder / "social-media-policy-model.docx")
    assert "________ (mayor, city manager or communications director)" in docx
    assert "Drafter\u2019s note" in docx
    sdt = docx_part(folder / "social-media-policy-model.docx", "word/document.xml")
    assert '<w:tag w:val="officials.final_authority"/>' in sdt  # a content control per blank
    html = (folder / "social-media-policy-model.html").read_text()
    assert '<aside class="note" role="note">' in html


def test_annotated_edition_keeps_notes(rendered: Callable[..., Path]) -> None:
    folder = rendered(None, "--edition", "annotated", "--format", "pdf")
    text = " ".join(pdf_pages(folder / "social-media-policy-annotated.pdf"))
    assert "DRAFTER\u2019S NOTE" in text
    clean = " ".join(pdf_pages(rendered(None, "--format", "pdf") / "social-media-policy.pdf"))
    assert "DRAFTER\u2019S NOTE" not in clean


def test_same_inputs_same_bytes_and_provenance(tmp_path: Path,
                                               write_profile: Callable[..., Path]) -> None:
    """Two separate processes give byte-identical files that say what made them."""
    import hashlib
    import subprocess
    import sys

    path = write_profile(deep_merge(EXAMPLE, ADOPTED))
    digests = []
    for n in (1, 2):
        subprocess.run([sys.executable, "-m", "smpgen", "render", str(path), "--out",
                        str(tmp_path / f"run{n}")], check=True, capture_output=True)
        folder = tmp_path / f"run{n}" / "city"
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")})
    assert digests[0] == digests[1] and len(digests[0]) == 8
    profile_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    pdf = PdfReader(tmp_path / "run1" / "city" / "social-media-policy.pdf").metadata
    assert pdf["/smpgenprofilesha256"] == profile_sha  # WeasyPrint lower-cases custom keys
    assert pdf["/smpgenmodel"].startswith("city-social-media ")
    assert pdf["/CreationDate"].startswith("D:20261006")
    props = open_docx(str(tmp_path / "run1" / "city" / "social-media-policy.docx")).core_properties
    assert f"SmpgenProfileSHA256={profile_sha}" in props.comments
    assert props.created.date().isoformat() == "2026-10-06"


def test_docx_tables_declare_their_column_widths_in_the_grid(tmp_path: Path) -> None:
    # LibreOffice lays a table out by its grid; Word by its cells: they must agree.
    out = tmp_path / "out"
    result = run(["render", str(REPO / "city_profiles" / "lakeview-mn.yaml"), "--format",
                  "docx", "--out", str(out), "--jobs", "1", "-q"])
    assert result.exit_code == 0, result.stderr
    for name in ("executive-summary.docx", "social-media-policy.docx"):
        root = etree.fromstring(docx_part(out / "lakeview-mn" / name, "word/document.xml")
                                .encode("utf-8"))
        for table in root.iter(f"{W}tbl"):
            grid = [int(c.get(f"{W}w")) for c in table.iter(f"{W}gridCol")]
            first = table.find(f"{W}tr")
            cells = [int(w.get(f"{W}w")) for w in first.iter(f"{W}tcW")]
            assert grid == cells == [2304, 6048], name
