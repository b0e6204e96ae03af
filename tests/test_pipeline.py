"""The pipeline on the mini test model: golden document trees, and the text every writer
extracts, in every numbering scheme."""

from __future__ import annotations

import pprint
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import check_golden, docx_part, docx_text, pdf_pages, run, serialize

import smpgen

SCHEMES = ["decimal", "outline", "policy-number", "headings"]
XREF = {  # how each scheme prints the reference to the subsection "Details" of "Last Things"
    "decimal": "Section\u00a03.1",
    "outline": "Section\u00a03(a)",
    "policy-number": "Section\u00a0410.3.1",
    "headings": "the \u201cDetails\u201d section",
}


def mini_profile(numbering: str, **extra: object) -> dict[str, object]:
    document: dict[str, object] = {"numbering": numbering}
    if numbering == "policy-number":
        document["policy_number"] = "410"
    return {"model": "mini-policy",
            "city": {"name": "Lakeshore", "state": "MN", "website": "https://lakeshore.example.gov"},
            "document": document, "officials": {"chief": "City Manager"},
            "colors": ["red", "blue"], **extra}


@pytest.mark.parametrize("numbering", SCHEMES)
def test_tree_golden(numbering: str, mini: Path, write_profile: Callable[..., Path]) -> None:
    path = write_profile(mini_profile(numbering))
    doc = smpgen.build_document(path, edition="annotated", templates=mini)
    doc.info.provenance.pop("SmpgenProfileSHA256")
    check_golden(f"mini-{numbering}.tree", pprint.pformat(serialize(doc), width=100) + "\n")


@pytest.mark.parametrize("numbering", SCHEMES)
def test_text_golden_every_format(numbering: str, mini: Path, tmp_path: Path,
                                  write_profile: Callable[..., Path]) -> None:
    path = write_profile(mini_profile(numbering))
    result = run(["--templates", str(mini), "render", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "city"
    pdf = "\n".join(pdf_pages(folder / "mini-policy.pdf"))
    check_golden(f"mini-{numbering}.pdf.txt", pdf + "\n")
    check_golden(f"mini-{numbering}.docx.txt", docx_text(folder / "mini-policy.docx") + "\n")
    assert XREF[numbering].replace("\u00a0", " ") in pdf  # pdf_pages folds every space
    assert XREF[numbering] in docx_text(folder / "mini-policy.docx")
    html = (folder / "mini-policy.html").read_text()
    assert XREF[numbering] in html.replace("&#x27;", "'")


def test_word_numbering_matches_scheme(mini: Path, tmp_path: Path,
                                       write_profile: Callable[..., Path]) -> None:
    """Word numbers headings and lists itself, with the scheme's own level texts."""
    path = write_profile(mini_profile("policy-number"))
    run(["--templates", str(mini), "render", str(path), "--out", str(tmp_path), "--format", "docx"])
    numbering = docx_part(tmp_path / "city" / "mini-policy.docx", "word/numbering.xml")
    assert '<w:lvlText w:val="410.%1"/>' in numbering
    assert '<w:lvlText w:val="410.%1.%2"/>' in numbering
    assert '<w:lvlText w:val="(%1)"/>' in numbering
    styles = docx_part(tmp_path / "city" / "mini-policy.docx", "word/styles.xml")
    assert "<w:numId w:val=\"90\"/>" in styles  # Heading 1-3 carry the heading numbering


def test_optional_section_off_renumbers(mini: Path, tmp_path: Path,
                                       write_profile: Callable[..., Path]) -> None:
    """The numbers printed in every format close up when a section is left out."""
    printed = {}
    for name, extra in (("on", True), ("off", False)):
        path = write_profile(mini_profile("decimal", extra=extra), name=f"{name}.yaml")
        out = tmp_path / "out"
        result = run(["--templates", str(mini), "render", str(path), "--format", "docx,html",
                      "--out", str(out), "--jobs", "1"])
        assert result.exit_code == 0, result.stderr
        html = (out / name / "mini-policy.html").read_text()
        docx = docx_text(out / name / "mini-policy.docx")
        printed[name] = (re.findall(r'<h2><span class="num">([^<]*)</span> ([^<]*)</h2>', html),
                         [line for line in docx.splitlines() if line.endswith("Things")
                          or line.endswith("Matters")])
    assert printed["on"][0] == [("1.", "First Things"), ("2.", "Extra Matters"),
                                ("3.", "Last Things")]
    assert printed["off"][0] == [("1.", "First Things"), ("2.", "Last Things")]
    assert "Extra Matters" not in "\n".join(printed["off"][1])


def test_dangling_reference_is_a_model_error(mini: Path, write_profile: Callable[..., Path]) -> None:
    last = mini / "mini-policy" / "sections" / "last.md"
    last.write_text(last.read_text().replace("{% if extra %}", "{% if true %}"))
    path = write_profile(mini_profile("decimal", extra=False))
    result = run(["--templates", str(mini), "render", str(path), "--format", "html",
                  "--out", str(path.parent / "out")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {last}: refers to section 'extra', which is not in this policy (unknown id, "
        "or an optional section that is switched off)\n")
    assert not (path.parent / "out").exists()
