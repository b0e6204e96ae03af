"""Every DOCX smpgen writes opens in LibreOffice, with Word's numbering drawn as the
scheme says; every PDF passes qpdf --check."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import REPO, run

EXAMPLES = ["example-city", "lakeview-mn", "pine-ridge-ar", "harbor-point-wa"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("all")
    for name in EXAMPLES:
        profile = f"city_profiles/{name}.yaml"
        for args in (["render", profile], ["render", profile, "--edition", "annotated"],
                     ["packet", profile]):
            result = run([*args, "--out", str(out)])
            assert result.exit_code == 0, result.stderr
    assert run(["model", "--out", str(out)]).exit_code == 0
    record = REPO / "city_profiles" / "removals" / "lakeview-2026-11-03.yaml"
    assert run(["form", "fill", "city_profiles/lakeview-mn.yaml", str(record),
                "--out", str(out)]).exit_code == 0
    return out


def test_every_pdf_passes_qpdf_check(outputs: Path) -> None:
    pdfs = sorted(outputs.rglob("*.pdf"))
    assert len(pdfs) == 22
    for pdf in pdfs:
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, (pdf, check.stdout, check.stderr)
        assert "No syntax or stream encoding errors found" in check.stdout


def test_every_docx_converts_in_libreoffice(outputs: Path, tmp_path: Path) -> None:
    docxs = sorted(outputs.rglob("*.docx"))
    assert len(docxs) == 18
    # One LibreOffice run converts them all (names repeat across cities, so number them).
    inbox, converted = tmp_path / "in", tmp_path / "converted"
    inbox.mkdir()
    for i, docx in enumerate(docxs):
        shutil.copy(docx, inbox / f"{i:02d}-{docx.name}")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["libreoffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(converted),
                    *sorted(str(p) for p in inbox.iterdir())],
                   capture_output=True, check=True, timeout=600)
    by_name = {}
    for i, docx in enumerate(docxs):
        pdf = converted / f"{i:02d}-{docx.stem}.pdf"
        assert pdf.exists(), docx
        by_name[(docx.parent.name, docx.name)] = pdf

    def text(city: str, name: str) -> str:
        return subprocess.run(["pdftotext", "-layout", str(by_name[(city, name)]), "-"],
                              capture_output=True, text=True, check=True).stdout

    for city, name in by_name:
        assert "Page 1 of" in text(city, name), (city, name)

    # Word's own numbering, as LibreOffice draws it, follows each city's scheme.
    example = text("example-city", "social-media-policy.docx")
    assert re.search(r"^1\.\s+Purpose$", example, re.M)
    assert re.search(r"^2\.\s+Scope and Related Policies$", example, re.M)
    harbor = text("harbor-point-wa", "social-media-policy.docx")
    assert "702.1" in harbor and "702.2" in harbor
    lakeview = text("lakeview-mn", "social-media-policy.docx")
    assert "PURPOSE" in lakeview and "1. Purpose" not in lakeview
