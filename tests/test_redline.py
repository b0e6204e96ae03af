"""Redlines: the city's policy against the model, as Word tracked changes.

Accept All must give exactly the city's text and Reject All exactly the base's; both are
computed here from the XML (and, independently, by LibreOffice through UNO), and the
WordprocessingML rules of tracked changes are checked on every redline the tests make."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, SYSTEM_PYTHON, W, run, uno_missing
from lxml import etree

from smpgen.document import policy_document
from smpgen.profile import load_profile
from smpgen.tree import Text
from smpgen.writers.docx import write_docx

READER = Path(__file__).parent / "uno_redlines.py"
CHANGES = ("ins", "del", "moveFrom", "moveTo")

CUSTOM = {
    "customize.yaml": """\
        sections:
          discretion:
            drop: true
            why: Covered elsewhere.
          training:
            after: authorized-users
          purpose:
            title: Purpose and Intent
          council-accounts:
            title: Council Members' Accounts
            after: scope
        clauses:
          violations.reporting-violations:
            after: purpose.social-media-aims
          scope.who-is-covered:
            drop: true
        """,
    "purpose.md": """\
        Everything the City publishes on social media shall be accurate, plain and current.
        The City's official website, [{{ city.website }}]({{ city.website }}), remains the
        primary and most complete source of City information. {#accuracy-and-website}

        The Council adopts this policy to keep residents informed. {#council-intent}
        """,
    "council-accounts.md": """\
        Members of the Council keep their own accounts apart from the City's, as
        {{ ref("officials-accounts") }} provides. {#apart}
        """,
}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Lakeview with a customization that changes, adds, drops and moves clauses and
    sections; its policy, its redline and the base (the model with its values) as DOCX."""
    root = tmp_path_factory.mktemp("redline")
    path = root / "lakeview-mn.yaml"
    shutil.copy(REPO / "city_profiles" / "lakeview-mn.yaml", path)
    custom = root / "lakeview-mn.custom"
    custom.mkdir()
    for name, text in CUSTOM.items():
        (custom / name).write_text(textwrap.dedent(text), encoding="utf-8")
    for command in (["render", str(path), "--format", "docx"],
                    ["redline", str(path), "--format", "docx,html,pdf"]):
        result = run([*command, "--out", str(root / "out")])
        assert result.exit_code == 0, result.output
    profile = load_profile(path, templates=REPO / "templates")
    (root / "base.docx").write_bytes(write_docx(policy_document(profile, customized=False)))
    return path


def out(city: Path, name: str) -> Path:
    return city.parent / "out" / city.stem / name


def document(path: Path) -> Any:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("word/document.xml"))


def view(path: Path, mode: str) -> list[str]:
    """The body's paragraphs with every change accepted (``accept``) or rejected
    (``reject``), or as written (``plain``); a reference as its target."""
    root = document(path)
    drop = {"accept": ("del", "moveFrom"), "reject": ("ins", "moveTo"), "plain": ()}[mode]
    gone = {f"{W}{k}" for k in drop}
    lines: list[str] = []
    carry = ""
    for p in root.iter(f"{W}p"):
        text = carry
        carry = ""
        in_result = False
        for el in p.iter():
            if any(a.tag in gone for a in el.iterancestors()) or el.tag in gone:
                continue
            tag = el.tag.removeprefix(W)
            if tag == "fldSimple":
                text += "[" + " ".join(el.get(f"{W}instr").split()[:2]) + "]"
            elif tag in ("instrText", "delInstrText") and el.text and "REF" in el.text:
                text += "[" + " ".join(el.text.split()[:2]) + "]"
            elif tag == "fldChar":
                in_result = el.get(f"{W}fldCharType") == "separate"
            elif tag in ("t", "delText") and not in_result and \
                    not any(a.tag == f"{W}fldSimple" for a in el.iterancestors()):
                text += el.text or ""
        mark = p.find(f"{W}pPr/{W}rPr")
        if mark is not None and any(mark.find(f"{W}{k}") is not None for k in drop):
            carry = text
            continue
        text = " ".join(text.split())
        if text:
            lines.append(text)
    return lines


def policy_lines(lines: list[str]) -> list[str]:
    """The lines after the title block (a redline's says what it compares)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("The City of Lakeview")
                 or line.startswith("The Council adopts") or line.startswith("Everything"))
    return lines[start - 1:]


def test_accept_all_gives_the_citys_text_and_reject_all_the_bases(city: Path) -> None:
    redline = out(city, "social-media-policy-redline.docx")
    assert policy_lines(view(redline, "accept")) == \
        policy_lines(view(out(city, "social-media-policy.docx"), "plain"))
    assert policy_lines(view(redline, "reject")) == \
        policy_lines(view(city.parent / "base.docx", "plain"))


def test_the_tracked_changes_follow_wordprocessingml(city: Path) -> None:
    check_xml(out(city, "social-media-policy-redline.docx"), "City of Lakeview")


@pytest.mark.parametrize("name", ["granite-bay-co", "prairie-glen-ks", "river-pool-oh"])
def test_every_example_citys_redline(tmp_path: Path, name: str) -> None:
    profile = REPO / "city_profiles" / f"{name}.yaml"
    result = run(["redline", str(profile), "--format", "docx", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    redline = tmp_path / name / "social-media-policy-redline.docx"
    loaded = load_profile(profile, templates=REPO / "templates")
    check_xml(redline, policy_document(loaded).info.jurisdiction[0].text)  # type: ignore[union-attr]
    mine, base = tmp_path / "mine.docx", tmp_path / "base.docx"
    mine.write_bytes(write_docx(policy_document(loaded)))
    base.write_bytes(write_docx(policy_document(loaded, customized=False)))
    first = policy_document(loaded).sections[0].title
    start = " ".join(t.text for t in first if isinstance(t, Text))

    def body(lines: list[str]) -> list[str]:  # from the first heading on
        return lines[lines.index(start):]

    assert body(view(redline, "accept")) == body(view(mine, "plain"))
    assert body(view(redline, "reject")) == body(view(base, "plain"))


def check_xml(path: Path, author: str) -> None:
    root = document(path)
    changes = [el for el in root.iter() if el.tag in {f"{W}{k}" for k in CHANGES}]
    assert changes
    for el in changes:
        kind = el.tag.removeprefix(W)
        parent = el.getparent().tag.removeprefix(W)
        # a change is a child of a paragraph (or of a hyperlink in it), or the mark of a
        # paragraph in its properties; never inside another change
        assert parent in ("p", "hyperlink", "rPr"), (kind, parent)
        assert not any(a.tag in {f"{W}{k}" for k in CHANGES} for a in el.iterancestors())
        assert el.get(f"{W}author") == author
        assert el.get(f"{W}date") == changes[0].get(f"{W}date")
        if kind == "del":
            assert el.find(f".//{W}t") is None and el.find(f".//{W}instrText") is None
        if parent != "rPr":
            assert el.find(f".//{W}fldSimple") is None
            assert all(child.tag in (f"{W}r", f"{W}sdt") for child in el), kind
    # one id counter for bookmarks and changes: every id in the file is unique
    starts = [el for el in root.iter() if el.tag in (
        f"{W}bookmarkStart", *(f"{W}{k}" for k in CHANGES), f"{W}moveFromRangeStart",
        f"{W}moveToRangeStart")]
    ids = [el.get(f"{W}id") for el in starts]
    assert len(ids) == len(set(ids))
    ends = {el.get(f"{W}id") for el in root.iter(f"{W}bookmarkEnd")}
    assert ends <= set(ids)
    # a paragraph inserted or deleted whole carries the change on its mark too
    for p in root.iter(f"{W}p"):
        runs = [r for r in p.iter(f"{W}r") if r.find(f"{W}t") is not None
                or r.find(f"{W}delText") is not None]
        if not runs:
            continue
        for kind in CHANGES:
            if all(r.getparent().tag == f"{W}{kind}" or r.getparent().getparent().tag ==
                   f"{W}{kind}" for r in runs):
                assert p.find(f"{W}pPr/{W}rPr/{W}{kind}") is not None, kind
    # moves pair their two places by name
    names = Counter(el.get(f"{W}name") for el in root.iter(f"{W}moveFromRangeStart"))
    assert names == Counter(el.get(f"{W}name") for el in root.iter(f"{W}moveToRangeStart"))
    with zipfile.ZipFile(path) as z:
        settings = etree.fromstring(z.read("word/settings.xml"))
    assert settings.find(f"{W}trackRevisions") is not None


def test_moves_are_moves(city: Path) -> None:
    root = document(out(city, "social-media-policy-redline.docx"))
    moved = [p for p in root.iter(f"{W}p") if p.find(f"{W}moveTo") is not None]
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in moved]
    assert any(t.startswith("Anyone who learns of a violation") for t in texts)
    assert any(t == "Training" for t in texts)  # the moved section's heading
    assert root.find(f".//{W}moveFromRangeStart") is not None


def test_one_changed_phrase_is_one_change(city: Path) -> None:
    """Words are compared without difflib's junk heuristic: a clause with one phrase
    changed shows that phrase, not the whole clause, as changed."""
    root = document(out(city, "social-media-policy-redline.docx"))
    para = next(p for p in root.iter(f"{W}p") if "primary and most complete source" in
                "".join(t.text or "" for t in p.iter(f"{W}t")))
    inserted = ["".join(t.text or "" for t in el.iter(f"{W}t")) for el in para.iter(f"{W}ins")]
    deleted = ["".join(t.text or "" for t in el.iter(f"{W}delText"))
               for el in para.iter(f"{W}del")]
    assert [i.strip() for i in inserted] == ["plain"]
    assert [d.strip() for d in deleted] == ["consistent with the City\u2019s other communications,"]


def test_the_same_input_gives_the_same_bytes(city: Path, tmp_path: Path) -> None:
    again = run(["redline", str(city), "--format", "docx,html", "--out", str(tmp_path)])
    assert again.exit_code == 0, again.output
    for name in ("social-media-policy-redline.docx", "social-media-policy-redline.html"):
        assert (tmp_path / city.stem / name).read_bytes() == out(city, name).read_bytes()


def test_html_and_pdf_redlines(city: Path) -> None:
    page = out(city, "social-media-policy-redline.html").read_text("utf-8")
    assert "How to read this redline." in page
    assert "<ins>plain" in page or "<ins>plain and" in page
    assert 'class="change change-deleted"' in page  # the dropped section and clause
    assert 'class="change change-moved-to"' in page
    assert 'class="change change-inserted"' in page
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in
                   PdfReader(out(city, "social-media-policy-redline.pdf")).pages)
    assert "How to read this redline." in text
    assert "CITY DISCRETION OVER ACCOUNTS" in text.upper()  # deleted, and still shown


@pytest.mark.skipif(uno_missing() is not None, reason=uno_missing() or "")
def test_libreoffice_reads_the_redline(city: Path) -> None:
    def read(path: Path, mode: str) -> dict[str, Any]:
        done = subprocess.run([SYSTEM_PYTHON, str(READER), str(path), mode], capture_output=True,
                              text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        data: dict[str, Any] = json.loads(done.stdout)
        data["paragraphs"] = [re.sub(r"Sections?\s[\d.]+(?:(?:, | and )[\d.]+)*",
                                     "Section N", t) for t in data["paragraphs"] if t.strip()]
        return data

    redline = out(city, "social-media-policy-redline.docx")
    accepted, rejected = read(redline, "accept"), read(redline, "reject")
    assert accepted["redlines"]
    assert {author for author, _ in accepted["redlines"]} == {"City of Lakeview"}
    assert {kind for _, kind in accepted["redlines"]} >= {"Insert", "Delete"}
    assert not accepted["left"] and not rejected["left"]
    mine = read(out(city, "social-media-policy.docx"), "accept")["paragraphs"]
    base = read(city.parent / "base.docx", "accept")["paragraphs"]
    def body(lines: list[str], first: str) -> list[str]:  # from the first heading on
        return lines[lines.index(first):]

    assert body(accepted["paragraphs"], "Purpose and Intent") == body(mine, "Purpose and Intent")
    assert body(rejected["paragraphs"], "Purpose") == body(base, "Purpose")


def test_the_packet_carries_the_redline_for_an_amendment(tmp_path: Path) -> None:
    from pypdf import PdfReader

    profile = REPO / "city_profiles" / "granite-bay-co.yaml"
    result = run(["packet", str(profile), "--redline", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "granite-bay-co" / "council-packet.pdf")
    marks = [o for o in reader.outline if not isinstance(o, list)]
    assert marks[-1].title == "Attachment C: Redline of the Policy against the Model"
    pages = [page.extract_text() for page in reader.pages]
    assert "Attachment C: Redline of the Policy against the Model" in pages[0] + pages[1]
    start = reader.get_destination_page_number(marks[-1])
    assert "How to read this redline." in pages[start]
    assert all("Attachment C" in page for page in pages[start:])
    assert "Status: Proposed for adoption" in pages[start]
