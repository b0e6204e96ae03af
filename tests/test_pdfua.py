"""Every PDF smpgen writes is PDF/UA-1, as the ``page-validation`` checker's PDF/UA-1
profile and smpgen's own checks (smpgen/checks/pdf.py) find it; and those checks find
real faults, located. Every document kind of every example city is rendered once for the
module."""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from helpers import REPO, run

from smpgen.checks import Finding
from smpgen.checks.pdf import CHECKER, CHECKER_VERSION, check_pdf
from smpgen.errors import PDFAccessibilityError
from smpgen.writers.pdf import font_css, lay_out, to_pdf

PROFILES = sorted((REPO / "city_profiles").glob("*.yaml"))
LAKEVIEW = REPO / "city_profiles" / "lakeview-mn.yaml"
GRANITE = REPO / "city_profiles" / "granite-bay-co.yaml"
RECORD = REPO / "city_profiles" / "removals" / "lakeview-2026-11-03.yaml"

KINDS = {
    "policy": ("cities/*/social-media-policy.pdf", len(PROFILES)),
    "executive summary": ("cities/*/executive-summary.pdf", len(PROFILES)),
    "tracking form": ("cities/*/tracking-form.pdf", len(PROFILES)),
    "council packet": ("cities/*/council-packet.pdf", len(PROFILES)),
    "council packet with redline": ("packet-redline/*/council-packet.pdf", 1),
    "redline": ("redline/*/social-media-policy-redline.pdf", 1),
    "model edition": ("model/*/social-media-policy-model.pdf", 1),
    "annotated edition": ("annotated/*/social-media-policy-annotated.pdf", 1),
    "filled form": ("filled/*/removed-comments/*.pdf", 1),
    "release notes": ("notes/*/release-notes-*.pdf", 1),
}
"""Each kind of PDF: where the fixture writes it, and how many there are."""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every kind of PDF smpgen writes, each rendered once, under one folder."""
    out = tmp_path_factory.mktemp("pdfua")
    commands = [
        ["render", *map(str, PROFILES), "--format", "pdf", "--packet", "-q"],
        ["packet", str(LAKEVIEW), "--redline"],
        ["redline", str(GRANITE), "--format", "pdf"],
        ["model", "--format", "pdf"],
        ["render", str(LAKEVIEW), "--format", "pdf", "--edition", "annotated", "-q"],
        ["form", "fill", str(LAKEVIEW), str(RECORD), "--format", "pdf"],
        ["models", "--changes", "0.2.0", "0.3.0"],
    ]
    folders = ["cities", "packet-redline", "redline", "model", "annotated", "filled", "notes"]
    for command, folder in zip(commands, folders, strict=True):
        option = "--notes" if command[0] == "models" else "--out"
        result = run([*command, option, str(out / folder)])
        assert result.exit_code == 0, (command, result.output)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_every_pdf_of_each_kind_is_pdf_ua(rendered: Path, kind: str) -> None:
    pattern, count = KINDS[kind]
    files = sorted(rendered.glob(pattern))
    assert len(files) == count, f"{kind}: expected {count} files at {pattern}, found {files}"
    failures = [finding.format() for path in files for finding in check_pdf(path)]
    assert failures == [], "\n".join(failures)


def test_no_pdf_written_escapes_the_check(rendered: Path) -> None:
    """Any other PDF the commands wrote (the parts' own files beside a packet) passes too."""
    kinds = {path for pattern, _ in KINDS.values() for path in rendered.glob(pattern)}
    others = [path for path in rendered.rglob("*.pdf") if path not in kinds]
    failures = [finding.format() for path in others for finding in check_pdf(path)]
    assert failures == [], "\n".join(failures)


def test_the_checker_is_the_pinned_version(rendered: Path) -> None:
    import page

    assert importlib.metadata.version(CHECKER) == CHECKER_VERSION
    report = page.validate_pdf(rendered / "cities" / "lakeview-mn" / "council-packet.pdf",
                               profile=page.ValidationProfile.PDF_UA_1)
    assert report.rules.total == 104  # all its PDF/UA-1 rules ran
    assert report.is_compliant


# The checks find real faults ----------------------------------------------------------

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAFUok9dAAAAAElFTkSu"
       "QmCC")
PAGE = """<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8">
<title>A test page</title><style>{css} html {{ font-family: "Smpgen Serif" }}</style></head>
<body><h1>A heading</h1>
<p>Text with <a href="https://example.org/">the example site</a>.</p>
<p><img src="data:image/png;base64,{png}" alt="A dot" width="20" height="20"></p>
<table><caption>Fees</caption><tr><th scope="col">Item</th><th scope="col">Fee</th></tr>
<tr><td>Copy</td><td>1</td></tr></table>
<form><p><input type="text" name="who" title="Who removed it"></p></form>
<table><tr><td>laid out</td><td>side by side</td></tr></table>
</body></html>
"""
"""A small page with something of each kind the checks look at: a figure, a data table, a
table used for layout, a form field, a link."""


def page_html() -> str:
    return PAGE.format(css=font_css(), png=PNG)


@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small page as smpgen writes it: it passes every check."""
    path = tmp_path_factory.mktemp("good") / "page.pdf"
    path.write_bytes(to_pdf(lay_out(page_html(), forms=True)))
    assert check_pdf(path) == []
    return path


def struct_elements(pdf: pikepdf.Pdf, kind: str) -> list[pikepdf.Dictionary]:
    """The structure elements of type ``kind`` (``/Figure``), in the tree's order."""
    found: list[pikepdf.Dictionary] = []
    todo: list[pikepdf.Object] = [pdf.Root.StructTreeRoot]
    while todo:
        node = todo.pop(0)
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.get("/S") == kind:
            found.append(node)
        kids = node.get("/K")
        todo.extend(kids if isinstance(kids, pikepdf.Array) else [kids] if kids else [])
    return found


def widget(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    found = next(a for a in pdf.pages[0].Annots if a.Subtype == pikepdf.Name.Widget)
    assert isinstance(found, pikepdf.Dictionary)
    return found


def drop_xmp(key: str) -> Callable[[pikepdf.Pdf], None]:
    def mutate(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            del meta[key]
    return mutate


def retag(kind: str, new: str) -> Callable[[pikepdf.Pdf], None]:
    def mutate(pdf: pikepdf.Pdf) -> None:
        struct_elements(pdf, kind)[0].S = pikepdf.Name(new)
    return mutate


def no_headers(pdf: pikepdf.Pdf) -> None:
    """The data table's header cells made data cells, which name no headers."""
    for cell in struct_elements(pdf, "/TH") + struct_elements(pdf, "/TD"):
        cell.S = pikepdf.Name.TD
        if "/ID" in cell:
            del cell.ID
        if "/Headers" in cell.A:
            del cell.A.Headers


FAULTS: dict[str, tuple[Callable[[pikepdf.Pdf], None], str, str, str]] = {
    "no language": (lambda pdf: pdf.Root.__delattr__("Lang"), "pdf lang", "", "language"),
    "a bad language": (lambda pdf: pdf.Root.__setattr__("Lang", pikepdf.String("english!")),
                       "pdf lang", "", "'english!'"),
    "title not shown": (lambda pdf: pdf.Root.ViewerPreferences.__setattr__(
        "DisplayDocTitle", False), "pdf display-doc-title", "", "title bar"),
    "not marked": (lambda pdf: pdf.Root.MarkInfo.__setattr__("Marked", False),
                   "pdf marked", "", "tagged"),
    "no pdfuaid": (drop_xmp("{http://www.aiim.org/pdfua/ns/id/}part"), "pdf pdfuaid", "",
                   "PDF/UA-1"),
    "no title": (drop_xmp("{http://purl.org/dc/elements/1.1/}title"), "pdf title", "",
                 "no title"),
    "a figure without alt": (lambda pdf: struct_elements(pdf, "/Figure")[0].__delattr__("Alt"),
                             "pdf figure-alt", "page 1", "alternative text"),
    "a field without a name": (lambda pdf: widget(pdf).__delattr__("TU"), "pdf field-name",
                               "page 1", "form field who has no accessible name"),
    "no tab order": (lambda pdf: pdf.pages[0].obj.__delattr__("Tabs"), "pdf tabs", "page 1",
                     "/Tabs /S"),
    "a page out of the parent tree": (lambda pdf: pdf.pages[0].obj.__delattr__(
        "StructParents"), "pdf parent-tree", "page 1", "parent tree"),
    "a field out of the parent tree": (lambda pdf: widget(pdf).__delattr__("StructParent"),
                                       "pdf parent-tree", "page 1", "form field"),
    "no ID tree": (lambda pdf: pdf.Root.StructTreeRoot.__delattr__("IDTree"), "pdf id-tree",
                   "page 1", "ID tree"),
    "an unmapped type": (retag("/P", "/Clause"), "pdf role-map", "page 1", "/Clause"),
    "a table without headers": (no_headers, "pdf table-headers", "page 1",
                                "a table has no header cells"),
    "no structure tree": (lambda pdf: pdf.Root.__delattr__("StructTreeRoot"),
                          "pdf structure", "", "not tagged"),
    "an LI outside a list": (retag("/P", "/LI"), "PDFUA1-LI-PARENT-001", "page 1",
                             "LI structure element is not contained in an L"),
}
"""Each fault made in the small page's PDF: the change, and the rule, place and words of
the finding it must give."""


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_is_found_and_located(good_pdf: Path, tmp_path: Path, fault: str) -> None:
    mutate, rule, where, words = FAULTS[fault]
    path = tmp_path / "faulty.pdf"
    with pikepdf.open(good_pdf) as pdf:
        mutate(pdf)
        pdf.save(path)
    found = [f for f in check_pdf(path) if f.rule == rule]
    assert found, f"{fault}: no {rule} finding in {[f.format() for f in check_pdf(path)]}"
    assert found[0].where == where
    assert words in found[0].message
    assert found[0].format().startswith(f"{path}: ")


def test_weasyprints_own_tags_fail_where_smpgens_pass(good_pdf: Path, tmp_path: Path) -> None:
    """The same page written by WeasyPrint alone: its layout table is tagged as a table
    without headers, and its header cells' identifiers are in no ID tree; smpgen's
    mended structure (good_pdf) has neither fault."""
    path = tmp_path / "weasyprint.pdf"
    path.write_bytes(lay_out(page_html(), forms=True).document.write_pdf(
        pdf_variant="pdf/ua-1", pdf_forms=True))
    rules = {f.rule for f in check_pdf(path)}
    assert rules == {"pdf table-headers", "pdf id-tree"}


@pytest.mark.parametrize("content, problem", [
    (b"", "not a PDF"),
    (b"Minutes of the meeting\n", "not a PDF"),
    (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "cannot be read"),
])
def test_a_file_that_is_no_pdf_is_one_finding(tmp_path: Path, content: bytes,
                                              problem: str) -> None:
    path = tmp_path / "packet.pdf"
    path.write_bytes(content)
    [finding] = check_pdf(path)
    assert (finding.path, finding.where, finding.rule) == (path, "", "pdf file")
    assert problem in finding.message


def test_a_cut_off_pdf_is_one_finding(good_pdf: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    path.write_bytes(good_pdf.read_bytes()[:3000])
    found = check_pdf(path)
    assert len(found) == 1 and found[0].rule == "pdf file", [f.format() for f in found]


def test_a_folder_or_a_missing_file_is_one_finding(tmp_path: Path) -> None:
    assert check_pdf(tmp_path) == [Finding(tmp_path, "", "pdf file", "not a regular file")]
    [missing] = check_pdf(tmp_path / "gone.pdf")
    assert missing.rule == "pdf file" and "No such file" in missing.message


# WeasyPrint's logged errors fail the render -------------------------------------------


@pytest.mark.parametrize("html, logged", [
    ('<html><head><title>t</title></head><body><p>No language</p></body></html>',
     'Missing required "lang" attribute'),
    (f'<html lang="en"><head><title>t</title></head><body>'
     f'<img src="data:image/png;base64,{PNG}"></body></html>', "has no required alt"),
    ('<html lang="en"><head><title>t</title></head><body><a href="#nowhere">x</a></body></html>',
     "No anchor #nowhere"),
])
def test_weasyprints_errors_while_writing_fail_the_pdf(html: str, logged: str) -> None:
    with pytest.raises(PDFAccessibilityError, match=logged) as raised:
        to_pdf(lay_out(html))
    assert "'t'" in str(raised.value)  # the document, by its title


def test_errors_are_heard_when_an_application_silences_weasyprint() -> None:
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with pytest.raises(PDFAccessibilityError, match="lang"):
            to_pdf(lay_out("<html><head><title>t</title></head><body>x</body></html>"))
        assert logger.level == logging.CRITICAL
    finally:
        logger.setLevel(level)
