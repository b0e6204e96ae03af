"""The 2026 tracking form: one page for the example cities and for the longest values a
profile may give, a row never split across pages when a form cannot fit, no watermark,
and a removal record's dates and times read as a clerk writes them."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from helpers import EXAMPLE, REPO, deep_merge, pdf_pages, run
from pypdf import PdfReader

import smpgen
from smpgen.fields import MAX_LINE
from smpgen.form import TrackingForm
from smpgen.formlayout import HEIGHT, form_layout
from smpgen.writers.form_html import write_form_html

EXAMPLES = ["example-city", "lakeview-mn", "pine-ridge-ar", "harbor-point-wa"]
RECORD = REPO / "city_profiles" / "removals" / "lakeview-2026-11-03.yaml"
WORDS = ("comments", "that", "the", "City", "may", "remove", "under", "this", "policy",
         "because", "they", "contain", "material", "described", "here")


MODEL = next(m for m in smpgen.list_models() if m.id == "city-social-media")
LIMITS = {v.key: v for v in MODEL.variables}
MOST_CATEGORIES = LIMITS["removal_categories"].max_items
CATEGORY_LENGTH = LIMITS["removal_categories"].item.max_length  # type: ignore[union-attr]
MOST_ACCOUNTS = LIMITS["accounts"].max_items
"""The most a profile may give: as many categories and accounts as validation allows."""


def longest(seed: int, length: int = MAX_LINE, words: tuple[str, ...] = WORDS) -> str:
    """A one-line value as long as validation allows, in words."""
    out: list[str] = []
    while len(" ".join(out)) < length:
        out.append(words[(seed + len(out)) % len(words)])
    return " ".join(out)[:length].rstrip()


def extreme(categories: int, accounts: int, words: tuple[str, ...] = WORDS,
            category_length: int = MAX_LINE) -> dict[str, Any]:
    """A profile giving every value the form prints at its longest."""
    return deep_merge(EXAMPLE, {
        "city": {"name": longest(1, words=words), "kind": "Township"},
        "officials": {"coordinator": longest(2, words=words)},
        "records": {"form_retention": longest(3, words=words)},
        "removal_categories": [longest(10 + i, category_length, words)
                               for i in range(categories)],
        "accounts": [{"platform": longest(40 + i, words=words),
                      "name": longest(60 + i, words=words)} for i in range(accounts)],
    })


def render_form(profile: dict[str, Any], write_profile: Any, tmp_path: Path,
                fmt: str = "pdf", cwd: Path | None = None) -> Path:
    path = write_profile(profile)
    result = run(["render", str(path), "--out", str(tmp_path / "out"), "--format", fmt],
                 cwd=cwd)
    assert result.exit_code == 0, result.stderr
    return tmp_path / "out" / "city" / f"tracking-form.{fmt}"


def without_limits(tmp_path: Path) -> Path:
    """A folder whose templates/ holds a league's copy of the shipped model with no limit
    on its lists (id ``no-limits``): only such a model's form can outgrow a page."""
    folder = tmp_path / "league" / "templates" / "no-limits"
    shutil.copytree(REPO / "templates" / "city-social-media", folder)
    manifest = folder / "model.yaml"
    text = re.sub(r"\n *max_items: \d+", "", manifest.read_text())
    text = re.sub(r", max_length: \d+", "", text).replace("id: city-social-media", "id: no-limits")
    manifest.write_text(text)
    return tmp_path / "league"


def fields(path: Path) -> dict[str, Any]:
    return PdfReader(path).get_fields() or {}


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_no_row_splits(pdf: Path) -> None:
    """Each field sits on the page that prints its caption or label: no row of the form
    starts on one page and ends on the next."""
    reader = PdfReader(pdf)
    for number, page in enumerate(reader.pages):
        text = squeeze(page.extract_text() or "")
        for annot in page.get("/Annots") or []:
            field = annot.get_object()
            label = squeeze(str(field["/TU"])).removesuffix("(continued)")
            assert label in text, (number, field["/T"])


def test_the_example_cities_forms_are_one_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for name in EXAMPLES:
        result = run(["render", f"city_profiles/{name}.yaml", "--out", str(out),
                      "--format", "pdf"])
        assert result.exit_code == 0, result.stderr
        assert len(PdfReader(out / name / "tracking-form.pdf").pages) == 1, name
    result = run(["form", "fill", "city_profiles/lakeview-mn.yaml", str(RECORD),
                  "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    filled = out / "lakeview-mn" / "removed-comments" / "lakeview-2026-11-03.pdf"
    assert len(PdfReader(filled).pages) == 1
    assert fields(filled)["commented"]["/V"] == "November 2, 2026, 9:47 p.m."


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="needs LibreOffice")
def test_the_example_cities_docx_forms_are_one_page_in_libreoffice(tmp_path: Path) -> None:
    out, inbox = tmp_path / "out", tmp_path / "in"
    inbox.mkdir()
    for name in EXAMPLES:
        result = run(["render", f"city_profiles/{name}.yaml", "--out", str(out),
                      "--format", "docx"])
        assert result.exit_code == 0, result.stderr
        shutil.copy(out / name / "tracking-form.docx", inbox / f"{name}.docx")
    assert run(["form", "fill", "city_profiles/lakeview-mn.yaml", str(RECORD), "--out",
                str(out), "--format", "docx"]).exit_code == 0
    shutil.copy(out / "lakeview-mn" / "removed-comments" / "lakeview-2026-11-03.docx",
                inbox / "filled.docx")
    # Without Times New Roman, LibreOffice sets the form in a wider font: it still fits.
    subprocess.run(["libreoffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                    *sorted(str(p) for p in inbox.iterdir())],
                   capture_output=True, check=True, timeout=600)
    for name in [*EXAMPLES, "filled"]:
        assert len(PdfReader(tmp_path / "pdf" / f"{name}.pdf").pages) == 1, name


def test_the_longest_values_fit_one_page(write_profile: Any, tmp_path: Path) -> None:
    # As many categories and accounts as validation allows, and the city's name, the
    # coordinator's title, the retention and every category, platform and account name
    # at their longest.
    assert MOST_CATEGORIES and CATEGORY_LENGTH and MOST_ACCOUNTS  # the model declares them
    words = WORDS
    pdf = render_form(extreme(MOST_CATEGORIES, MOST_ACCOUNTS, words, CATEGORY_LENGTH),
                      write_profile, tmp_path)
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    found = fields(pdf)
    assert sorted(k for k in found if k.startswith("reason-")) == \
        [f"reason-{i:02d}" for i in range(1, MOST_CATEGORIES + 1)]
    text = squeeze(reader.pages[0].extract_text() or "")
    assert squeeze(longest(10 + MOST_CATEGORIES - 1, CATEGORY_LENGTH, words)) in text
    # A list of accounts this long gives way to a line to write the account in.
    assert found["account"]["/FT"] == "/Tx"
    assert_no_row_splits(pdf)
    docx = render_form(extreme(MOST_CATEGORIES, MOST_ACCOUNTS, words, CATEGORY_LENGTH),
                       write_profile, tmp_path, "docx")
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None
               for row in open_docx(str(docx)).tables[0].rows)


@pytest.mark.parametrize(("categories", "accounts", "words", "limited"), [
    (40, 3, WORDS, False),
    (16, 12, WORDS, False),
    (12, 3, ("MWMWMWMW",), True),  # every letter as wide as the widest, within the limits
], ids=["40 categories", "16 categories", "wide letters"])
def test_a_form_too_long_for_a_page_never_splits_a_row(
        categories: int, accounts: int, words: tuple[str, ...], limited: bool,
        write_profile: Any, tmp_path: Path) -> None:
    # The shipped model's limits keep its form to one page for text in words; a league's
    # copy without them, or text of nothing but the widest letters, may take more pages,
    # and then no row is split between two.
    league = None if limited else without_limits(tmp_path)
    profile = extreme(categories, accounts, words, CATEGORY_LENGTH if limited else MAX_LINE)
    profile |= {} if limited else {"model": "no-limits"}
    pdf = render_form(profile, write_profile, tmp_path, cwd=league)
    assert len(PdfReader(pdf).pages) > 1
    assert len([k for k in fields(pdf) if k.startswith("reason-")]) == categories
    assert_no_row_splits(pdf)
    docx = render_form(profile, write_profile, tmp_path, "docx", cwd=league)
    rows = open_docx(str(docx)).tables[0].rows
    assert len(rows) >= 11
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)


def test_no_line_of_the_layout_is_taller_than_a_page() -> None:
    form = TrackingForm(jurisdiction="City of Lakeshore", kind="City", accounts=[],
                        categories=[longest(i) for i in range(200)], coordinator="Clerk",
                        retention="six years", language="en-US")
    layout = form_layout(form)
    assert not layout.fits
    assert all(layout.height(line) <= HEIGHT for line in layout.lines)
    captions = [cell.caption for line in layout.lines for cell in line]
    assert "Reason for removal (check each that applies) (continued)" in captions
    boxes = [c.name for line in layout.lines for cell in line for row in cell.grid
             for c in row if c and c.name.startswith("reason-")]
    assert sorted(boxes) == sorted(f"reason-{i:02d}" for i in range(1, 201))


def test_the_form_is_never_watermarked(write_profile: Any, tmp_path: Path) -> None:
    draft = write_profile(EXAMPLE)  # not adopted: the policy is a draft
    out = tmp_path / "out"
    assert run(["render", str(draft), "--out", str(out)]).exit_code == 0
    assert all("DRAFT" in page for page in pdf_pages(out / "city" / "social-media-policy.pdf"))
    assert "DRAFT" not in pdf_pages(out / "city" / "tracking-form.pdf")[0]
    with zipfile.ZipFile(out / "city" / "tracking-form.docx") as z:
        parts = "".join(z.read(n).decode() for n in z.namelist()
                        if n.startswith("word/header") or n == "word/document.xml")
    assert "WaterMark" not in parts and "DRAFT" not in parts
    form = TrackingForm(jurisdiction="City of X", kind="City", accounts=[], categories=["a"],
                        coordinator="Clerk", retention="six years", language="en-US")
    html = write_form_html(form)
    assert 'class="watermark"' not in html and "DRAFT" not in html


def test_a_filled_record_is_never_watermarked(write_profile: Any, tmp_path: Path) -> None:
    profile = write_profile(deep_merge(EXAMPLE, {
        "accounts": [{"platform": "Facebook", "name": "City of Lakeshore"}]}))
    record = tmp_path / "record.yaml"
    record.write_text(RECORD.read_text().replace("City of Lakeview, Minnesota",
                                                 "City of Lakeshore"))
    result = run(["form", "fill", str(profile), str(record), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "city" / "removed-comments"
    assert "DRAFT" not in pdf_pages(folder / "record.pdf")[0]
    with zipfile.ZipFile(folder / "record.docx") as z:
        assert not any(b"WaterMark" in z.read(n) for n in z.namelist())


@pytest.mark.parametrize(("written", "printed"), [
    ("2026-11-02 14:35", "November 2, 2026, 2:35 p.m."),
    ("2026-11-02T09:05", "November 2, 2026, 9:05 a.m."),
    ("2026-11-02 2:35 pm", "November 2, 2026, 2:35 p.m."),
    ("2026-11-02 12:05 a.m.", "November 2, 2026, 12:05 a.m."),
    ("2026-11-02 12:00 PM", "November 2, 2026, 12:00 p.m."),
    ("2026-11-02 14:35:59", "November 2, 2026, 2:35 p.m."),  # YAML reads this as a timestamp
])
def test_a_comment_time_reads_as_a_clerk_writes_it(written: str, printed: str,
                                                   write_profile: Any, tmp_path: Path) -> None:
    profile = write_profile(deep_merge(EXAMPLE, {"accounts": [{"platform": "Facebook"}],
                                                 "removal_categories": ["spam"]}))
    record = tmp_path / "record.yaml"
    record.write_text(
        "account: Facebook\npost: 2026-11-01 8:00 pm\n"
        f"commented: {written}\nscreen_name: someone\ncomment: Buy now\n"
        "reasons: [spam]\naction: [deleted]\n"
        "removed: 2026-11-02\nremoved_by: Jordan Lee, Clerk\n")
    result = run(["form", "fill", str(profile), str(record), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    found = fields(tmp_path / "out" / "city" / "removed-comments" / "record.pdf")
    assert found["commented"]["/V"] == printed
    assert found["post"]["/V"] == "November 1, 2026, 8:00 p.m."
    assert found["action-deleted"]["/V"] == "/on"


def test_the_record_example_matches_the_form() -> None:
    """The shipped example gives every required key and no key of the 2021 form."""
    text = RECORD.read_text()
    for key in ("post:", "commented:", "action:"):
        assert key in text
    assert "posted:" not in text and "other_reason" not in text
    assert dt.date(2026, 11, 3).isoformat() in text
    assert io.StringIO(text).readline().startswith("# One removed comment")
