"""Every DOCX smpgen writes is accessible: smpgen's lint (smpgen.checks.docx) passes on
every DOCX kind of every example city, LibreOffice's PDF/UA export of one file of each
kind passes the PDF/UA checker (smpgen.checks.pdf) but for LibreOffice's own limits,
named below, and the lint finds real faults put into our own XML."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from helpers import REPO
from lxml import etree

import smpgen
from smpgen import api
from smpgen.checks import Finding
from smpgen.checks.docx import check_docx
from smpgen.checks.pdf import check_pdf

TEMPLATES = REPO / "templates"
CITIES = sorted(p.stem for p in (REPO / "city_profiles").glob("*.yaml"))
RECORD = REPO / "city_profiles" / "removals" / "lakeview-2026-11-03.yaml"
KINDS = ("policy council", "policy annotated", "policy model", "summary", "form",
         "filled form", "redline", "upgrade redline", "release notes")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PDFUA_EXPORT = 'pdf:writer_pdf_Export:{"PDFUACompliance":{"type":"boolean","value":"true"}}'
"""LibreOffice's PDF export with PDF/UA on (the JSON filter options LibreOffice 7.4 reads)."""


@pytest.fixture(scope="module")
def docx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Every DOCX kind of every example city, rendered once, by kind."""
    root = tmp_path_factory.mktemp("docx")
    profiles = root / "city_profiles"  # a copy: an upgrade records its release in the profile
    shutil.copytree(REPO / "city_profiles", profiles)
    out = root / "out"
    found: dict[str, list[Path]] = {kind: [] for kind in KINDS}

    def add(kind: str, paths: list[Path]) -> None:
        found[kind] += [p for p in paths if p.suffix == ".docx"]

    for city in CITIES:
        profile = profiles / f"{city}.yaml"
        for edition in ("council", "annotated"):
            written = smpgen.render(profile, formats=["docx"], out_dir=out / edition,
                                    edition=edition, templates=TEMPLATES, jobs=1).paths
            if edition == "annotated":
                add("policy annotated", written)
                continue
            for path in written:
                kind = {"executive-summary": "summary", "tracking-form": "form"}
                add(kind.get(path.stem, "policy council"), [path])
        add("redline", api.redline(profile, formats=["docx"], out_dir=out / "redline",
                                   templates=TEMPLATES).paths)
        upgraded = api.upgrade(profile, formats=["docx"], out_dir=out / "upgrade",
                               templates=TEMPLATES)
        add("upgrade redline", upgraded.written)
    add("redline", api.redline(profiles / "lakeview-mn.yaml", against="adopted", formats=["docx"],
                               out_dir=out / "amendment", templates=TEMPLATES).paths)
    add("policy model", smpgen.render_model(formats=["docx"], out_dir=out / "model",
                                            templates=TEMPLATES).paths)
    add("filled form", smpgen.fill_form(profiles / "lakeview-mn.yaml", RECORD, formats=["docx"],
                                        out_dir=out / "filled", templates=TEMPLATES).paths)
    add("release notes", api.release_notes("city-social-media", "0.2.0", "0.3.0",
                                           formats=["docx"], out_dir=out / "notes",
                                           templates=TEMPLATES).paths)
    for kind, paths in found.items():
        assert paths, f"no {kind} DOCX was written"
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_every_docx_passes_the_lint(docx: dict[str, list[Path]], kind: str) -> None:
    findings = [f.format() for path in docx[kind] for f in check_docx(path)]
    assert findings == []


# LibreOffice's PDF/UA export --------------------------------------------------------------

def _tabs_as_libreoffice_writes_them(pdf: Path) -> bool:
    """Whether every page's tab order is as LibreOffice 7.4 writes it: on a page with
    annotations (links), the string ``(S)`` where PDF/UA-1 (7.18.3) asks for the name
    ``/S``, its own mistake, which no DOCX can change; on a page without any, none (which
    PDF/UA-1 allows)."""
    with pikepdf.open(pdf) as doc:
        pages = [(page.obj.get("/Tabs"), len(page.obj.get("/Annots", ()))) for page in doc.pages]
    return all(isinstance(tabs, pikepdf.String) and str(tabs) == "S" if annots else tabs is None
               for tabs, annots in pages)


def _layout_tables(path: Path) -> int:
    """Tables the DOCX marks as having no header row (w:tblLook w:firstRow="0")."""
    with zipfile.ZipFile(path) as z:
        body = etree.fromstring(z.read("word/document.xml"))
    return sum(1 for look in body.iter(f"{W}tblLook") if look.get(f"{W}firstRow") == "0")


def libreoffice_limits(pdf: Path, source: Path, findings: list[Finding]) -> list[Finding]:
    """``findings`` without those that are LibreOffice's own, each only where its cause is
    proved:

    - PDFUA1-PAGE-TABS-001 and ``pdf tabs``: LibreOffice writes ``/Tabs (S)`` (a string)
      for ``/Tabs /S`` (a name) on a page with links, and no ``/Tabs`` on one without;
    - ``pdf table-headers`` for a table with no header cell at all, as many as the DOCX has
      tables it marks as without a header row (the tracking form's grid and check boxes,
      a title block's labels beside their values): LibreOffice tags every table as a
      ``Table``, with no way (in Writer or from a DOCX) to say that one only lays text out,
      and exports no row headers (a header cell is only in a repeated heading row, always
      with ``/Scope /Column``).
    """
    tabs = _tabs_as_libreoffice_writes_them(pdf)
    layout = _layout_tables(source)
    kept = []
    for f in findings:
        if f.rule in ("PDFUA1-PAGE-TABS-001", "pdf tabs") and tabs:
            continue
        if f.rule == "pdf table-headers" and "has no header cells" in f.message and layout:
            layout -= 1
            continue
        kept.append(f)
    return kept


@pytest.fixture(scope="module")
def exported(docx: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, tuple[Path, Path]]:
    """One DOCX of each kind (Lakeview's where it has one: its policy is adopted, with its
    adoption table) and LibreOffice's PDF/UA export of it, made in one LibreOffice run."""
    root = tmp_path_factory.mktemp("libreoffice")
    inbox, outbox = root / "in", root / "out"
    inbox.mkdir()
    chosen: dict[str, Path] = {}
    for kind, paths in docx.items():
        source = next((p for p in paths if "lakeview-mn" in p.parts), paths[0])
        chosen[kind] = inbox / (kind.replace(" ", "-") + ".docx")
        shutil.copy(source, chosen[kind])
    subprocess.run(["libreoffice", f"-env:UserInstallation={(root / 'profile').as_uri()}",
                    "--headless", "--convert-to", PDFUA_EXPORT, "--outdir", str(outbox),
                    *map(str, chosen.values())],
                   capture_output=True, check=True, timeout=300)
    return {kind: (source, outbox / (source.stem + ".pdf")) for kind, source in chosen.items()}


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="needs LibreOffice")
@pytest.mark.parametrize("kind", KINDS)
def test_libreoffice_pdfua_export_passes_the_pdf_checker(
        exported: dict[str, tuple[Path, Path]], kind: str) -> None:
    source, pdf = exported[kind]
    assert pdf.exists(), f"LibreOffice did not convert {source.name}"
    found = check_pdf(pdf)
    assert [f.format() for f in libreoffice_limits(pdf, source, found)] == []


# The lint finds real faults -------------------------------------------------------------

def edited(src: Path, dst: Path, part: str, edit: Callable[[str], str]) -> Path:
    """A copy of the DOCX ``src`` with one part's XML edited (which must change it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                text = data.decode("utf-8")
                new = edit(text)
                assert new != text, f"the edit changed nothing in {part}"
                data = new.encode("utf-8")
            zout.writestr(item, data)
    return dst


def one(findings: list[Finding], rule: str) -> Finding:
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, [f.format() for f in findings]
    return matching[0]


@pytest.fixture(scope="module")
def policy(docx: dict[str, list[Path]]) -> Path:
    """Lakeview's council policy: adopted, so its title block has a table."""
    return next(p for p in docx["policy council"] if "lakeview-mn" in p.parts)


def body_paragraphs(path: Path) -> list[etree._Element]:
    with zipfile.ZipFile(path) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(f"{W}body")
    return list(body.iter(f"{W}p"))


def test_a_heading_gap_is_found_where_it_is(policy: Path, tmp_path: Path) -> None:
    # The first Heading 1 becomes a Heading 3: level 3 straight after the title.
    bad = edited(policy, tmp_path / "gap.docx", "word/document.xml",
                 lambda xml: xml.replace('<w:pStyle w:val="Heading1"/>',
                                         '<w:pStyle w:val="Heading3"/>', 1))
    found = one(check_docx(bad), "docx heading-levels")
    styles = [p.find(f"{W}pPr/{W}pStyle") for p in body_paragraphs(bad)]
    first = next(i for i, s in enumerate(styles, 1)
                 if s is not None and s.get(f"{W}val") == "Heading3")
    assert found.where == f"paragraph {first}"
    assert "level 3 heading after the title" in found.message


def test_a_heading_that_skips_a_level_going_down(policy: Path, tmp_path: Path) -> None:
    # The first Heading 2 made a Heading 3, under a Heading 1.
    bad = edited(policy, tmp_path / "skip.docx", "word/document.xml",
                 lambda xml: xml.replace('<w:pStyle w:val="Heading2"/>',
                                         '<w:pStyle w:val="Heading3"/>', 1))
    found = [f for f in check_docx(bad) if f.rule == "docx heading-levels"]
    assert len(found) == 1 and "after a level 1 heading" in found[0].message


def test_an_image_without_alt_text(policy: Path, tmp_path: Path) -> None:
    def picture(descr: str) -> Callable[[str], str]:
        drawing = (
            '<w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/>'
            f'<wp:docPr id="901" name="Seal"{descr}/><a:graphic xmlns:a="http://schemas.'
            'openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.'
            'openxmlformats.org/drawingml/2006/picture"/></a:graphic></wp:inline>'
            "</w:drawing></w:r>")
        return lambda xml: xml.replace("</w:p>", drawing + "</w:p>", 1)

    bad = edited(policy, tmp_path / "noalt.docx", "word/document.xml", picture(""))
    found = one(check_docx(bad), "docx alt-text")
    assert found.where == "paragraph 1"
    good = edited(policy, tmp_path / "alt.docx", "word/document.xml",
                  picture(' descr="The city seal"'))
    assert check_docx(good) == []


def test_an_empty_paragraph_used_as_space(policy: Path, tmp_path: Path) -> None:
    # An empty paragraph after the first heading, between it and its text.
    def space(xml: str) -> str:
        at = xml.index("</w:p>", xml.index('<w:pStyle w:val="Heading1"/>')) + len("</w:p>")
        return xml[:at] + "<w:p/>" + xml[at:]

    bad = edited(policy, tmp_path / "space.docx", "word/document.xml", space)
    found = one(check_docx(bad), "docx empty-paragraph")
    paragraphs = body_paragraphs(bad)
    empty = next(i for i, p in enumerate(paragraphs, 1) if len(p) == 0)
    assert found.where == f"paragraph {empty}"


def test_the_empty_paragraphs_word_needs_are_allowed(docx: dict[str, list[Path]]) -> None:
    """The blank form's fields are empty paragraphs closing their cells, its check boxes'
    empty places cells of one empty paragraph: Word needs both."""
    form = docx["form"][0]
    assert any(len(p) <= 1 and not "".join(p.itertext()).strip()
               for p in body_paragraphs(form))
    assert check_docx(form) == []


def test_no_title_and_no_language(policy: Path, tmp_path: Path) -> None:
    untitled = edited(policy, tmp_path / "untitled.docx", "docProps/core.xml",
                      lambda xml: re.sub(r"<dc:title>.*?</dc:title>", "", xml))
    assert one(check_docx(untitled), "docx title").where == ""
    step = edited(policy, tmp_path / "step.docx", "word/styles.xml",
                  lambda xml: re.sub(r"<w:lang [^>]*/>", "", xml))
    assert check_docx(step) == []  # the settings' w:themeFontLang still says it
    unsaid = edited(step, tmp_path / "unsaid.docx", "word/settings.xml",
                    lambda xml: re.sub(r"<w:themeFontLang [^>]*/>", "", xml))
    assert one(check_docx(unsaid), "docx language").where == ""


def test_a_typed_list_marker(policy: Path, tmp_path: Path) -> None:
    for marker in ("\u2022 ", "- ", "1. ", "(a) "):
        bad = edited(policy, tmp_path / "typed.docx", "word/document.xml",
                     lambda xml, m=marker: xml.replace("<w:t>Social Media Policy</w:t>",
                                                       f"<w:t>{m}Social Media Policy</w:t>", 1))
        assert one(check_docx(bad), "docx typed-list").where == "paragraph 2", marker


def test_a_data_table_without_a_header_row(policy: Path, tmp_path: Path) -> None:
    # The adoption table, no longer marked as a table without a header row.
    bad = edited(policy, tmp_path / "table.docx", "word/document.xml",
                 lambda xml: xml.replace('w:firstRow="0"', 'w:firstRow="1"', 1)
                 .replace('w:val="0480"', 'w:val="04A0"', 1))
    assert one(check_docx(bad), "docx table-header").where == "table 1 row 1"
    headed = edited(bad, tmp_path / "headed.docx", "word/document.xml",
                    lambda xml: xml.replace("<w:tr>", "<w:tr><w:trPr><w:tblHeader/></w:trPr>", 1))
    assert check_docx(headed) == []


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken", None])
def test_a_file_that_is_not_a_docx_is_one_finding(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "x.docx"
    if content is None:  # a zip, but not a Word document
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "hello")
    else:
        path.write_bytes(content)
    found = check_docx(path)
    assert len(found) == 1 and found[0].rule == "docx not-docx", found


def test_damaged_xml_is_one_finding(policy: Path, tmp_path: Path) -> None:
    bad = edited(policy, tmp_path / "damaged.docx", "word/document.xml",
                 lambda xml: xml.replace("</w:body>", "", 1))
    found = check_docx(bad)
    assert len(found) == 1 and found[0].rule == "docx not-docx"
    assert "word/document.xml" in found[0].message
