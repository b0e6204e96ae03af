"""smpgen check: every file smpgen writes checked by the validators of its kind, from the
command line, as a clerk checks a packet before posting it."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from helpers import REPO, run


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("check")
    result = run(["render", str(REPO / "city_profiles" / "prairie-glen-ks.yaml"), "--packet",
                  "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out / "prairie-glen-ks"


def test_a_citys_outputs_pass(outputs: Path) -> None:
    result = run(["check", str(outputs)])
    assert result.exit_code == 0, result.output
    files = sorted(p for p in outputs.iterdir() if p.suffix in (".pdf", ".docx", ".html"))
    assert len(files) >= 9
    assert result.output.strip() == f"checked {len(files)} files: no problems found"


def test_problems_are_located_and_fail_the_check(outputs: Path, tmp_path: Path) -> None:
    docx = tmp_path / "untitled.docx"
    with zipfile.ZipFile(outputs / "tracking-form.docx") as src, \
            zipfile.ZipFile(docx, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"<dc:title>[^<]*</dc:title>", b"", data)
            dst.writestr(item, data)
    notes = tmp_path / "notes.txt"
    notes.write_text("minutes of the meeting\n", encoding="utf-8")
    pdf = tmp_path / "policy.pdf"
    shutil.copy(outputs / "social-media-policy.pdf", pdf)
    result = run(["check", str(docx), str(notes), str(pdf)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(f"{docx}: docx ") and "title" in line for line in lines), lines
    assert f"{notes}: check: is not a PDF, HTML or DOCX file" in lines
    assert not any(line.startswith(str(pdf)) for line in lines)
    assert lines[-1] == "checked 3 files: 2 problems in 2 files"


def test_a_path_that_is_not_there(tmp_path: Path) -> None:
    result = run(["check", str(tmp_path / "nothing.pdf")])
    assert result.exit_code == 2
    assert "nothing.pdf: no such file or folder" in result.output
    assert "Traceback" not in result.output
