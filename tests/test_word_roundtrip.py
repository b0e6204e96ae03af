"""The way back from Word: a policy DOCX edited by a person goes into the city's
customization clause by clause, and rendering the city again gives the person's text.

The edits here are made two ways: in the XML, as Word writes typed text and tracked
changes (w:ins, w:del, a deleted paragraph mark, w:moveFrom/w:moveTo), and by LibreOffice
itself through its UNO API (tests/uno_edit.py, run with Debian's python3-uno)."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import SYSTEM_PYTHON, W, docx_text, run, uno_missing
from lxml import etree

PROFILE = Path(__file__).parent.parent / "city_profiles" / "lakeview-mn.yaml"
EDITOR = Path(__file__).parent / "uno_edit.py"


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """Lakeview's profile in a folder of its own, its policy DOCX rendered."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    path = profiles / "lakeview-mn.yaml"
    shutil.copy(PROFILE, path)
    result = run(["render", str(path), "--format", "docx", "--out", str(tmp_path / "out"),
                  "-q"])
    assert result.exit_code == 0, result.output
    return path


def policy(city: Path) -> Path:
    return city.parent.parent / "out" / city.stem / "social-media-policy.docx"


def body_text(path: Path) -> list[str]:
    """The policy's paragraphs after the title block, as a reader sees them with every
    tracked change accepted (computed here from the XML, independently of smpgen)."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    lines: list[str] = []
    started = False
    carry = ""
    for p in root.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        name = style.get(f"{W}val") if style is not None else ""
        if name and name.startswith("Heading"):
            started = True
        if not started or name == "DrafterNote":
            continue
        text = carry
        carry = ""
        skip = False
        field_result = False
        for el in p.iter():
            if el.tag in (f"{W}del", f"{W}moveFrom"):
                continue
            inside_deleted = any(a.tag in (f"{W}del", f"{W}moveFrom") for a in el.iterancestors())
            if inside_deleted:
                continue
            if el.tag == f"{W}fldChar":
                kind = el.get(f"{W}fldCharType")
                skip = kind == "begin"
                field_result = kind == "separate"
                if kind == "end":
                    skip = field_result = False
            elif el.tag == f"{W}t" and (not skip or field_result):
                text += el.text or ""
        mark = p.find(f"{W}pPr/{W}rPr")
        if mark is not None and (mark.find(f"{W}del") is not None or
                                 mark.find(f"{W}moveFrom") is not None):
            carry = text + " "
            continue
        text = " ".join(text.split())
        if text:
            lines.append(text)
    return lines


def import_(city: Path, docx: Path) -> Any:
    return run(["import", str(city), str(docx), "--out", str(city.parent.parent / "out")])


def took(result: Any, *, moved: str) -> None:
    """The import took the edits both kinds of test make, each named by its clause."""
    assert result.exit_code == 0, result.output
    for line in ("clauses changed (1): purpose.accuracy-and-website",
                 "clauses added (1): purpose.the-council-adopts-this",
                 "clauses dropped (1): discretion.city-owns-accounts",
                 f"clauses moved (1): {moved}", "headings renamed (1): scope"):
        assert line in result.output


def rerender(city: Path) -> Any:
    return run(["render", str(city), "--format", "docx", "--out",
                str(city.parent.parent / "out"), "-q"])


class Doc:
    """The DOCX's XML, edited the way Word writes edits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(path) as z:
            self.parts = {n: z.read(n) for n in z.namelist()}
        self.root = etree.fromstring(self.parts["word/document.xml"])

    def para(self, text: str) -> Any:
        found = [p for p in self.root.iter(f"{W}p") if text in "".join(
            t.text or "" for t in p.iter(f"{W}t"))]
        assert len(found) == 1, (text, len(found))
        return found[0]

    def save(self, path: Path) -> Path:
        self.parts["word/document.xml"] = etree.tostring(self.root, xml_declaration=True,
                                                         encoding="UTF-8", standalone=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in self.parts.items():
                z.writestr(name, data)
        return path


def _run(text: str, tag: str = "t") -> Any:
    r = etree.Element(f"{W}r")
    t = etree.SubElement(r, f"{W}{tag}")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def _tracked(kind: str, *runs: Any) -> Any:
    el = etree.Element(f"{W}{kind}")
    el.set(f"{W}id", "9000" if kind == "ins" else "9001")
    el.set(f"{W}author", "City Attorney")
    for r in runs:
        el.append(r)
    return el


def _plain_para(text: str) -> Any:
    p = etree.Element(f"{W}p")
    p.append(_run(text))
    return p


def test_typed_edits_are_taken_and_render_again_to_the_same_text(city: Path) -> None:
    doc = Doc(policy(city))
    # a word typed into a clause (its first run split, as Word does)
    p = doc.para("Everything the City publishes on social media shall be accurate")
    first = next(p.iter(f"{W}t"))
    first.text = first.text.replace("accurate", "accurate, plain")
    # a new paragraph after the purpose's first clause
    doc.para("uses social media to give residents").addnext(
        _plain_para("The Council adopts this policy to keep its residents informed."))
    # a clause deleted
    gone = doc.para("The City decides which platforms it uses")
    gone.getparent().remove(gone)
    # a clause moved: the first of Discretion's clauses after the last of Purpose's
    moved = doc.para("Everything the City publishes on social media")
    doc.para("uses social media to give residents").addprevious(moved)
    # a heading renamed
    heading = doc.para("Scope and Related Policies")
    for t in heading.iter(f"{W}t"):
        t.text = t.text.replace("Scope and Related Policies", "Who This Policy Covers")
    edited = doc.save(policy(city))
    expected = body_text(edited)

    took(import_(city, edited), moved="purpose.accuracy-and-website")
    custom = city.with_name("lakeview-mn.custom")
    changes = yaml.safe_load((custom / "customize.yaml").read_text("utf-8"))
    assert changes["sections"] == {"scope": {"title": "Who This Policy Covers"}}
    assert changes["clauses"]["discretion.city-owns-accounts"] == {"drop": True}
    purpose = (custom / "purpose.md").read_text("utf-8")
    assert "accurate, plain" in purpose
    # a value the edit left alone still follows the profile
    assert "[{{ city.website }}](<{{ city.website }}>)" in purpose

    # the edited file is smpgen's again: rendering replaces it without complaint
    again = rerender(city)
    assert again.exit_code == 0, again.output
    assert body_text(policy(city)) == expected
    deviations = run(["deviations", str(city)])
    assert "renamed section scope (Scope and Related Policies \u2192 Who This Policy " \
           "Covers)" in deviations.output


def test_tracked_changes_are_read_accepted(city: Path) -> None:
    doc = Doc(policy(city))
    # a tracked deletion and insertion inside a clause
    p = doc.para("Everything the City publishes on social media shall be accurate")
    p.append(_tracked("del", _run(" (deleted words)", "delText")))
    p.append(_tracked("ins", _run(" Staff shall write in plain language.")))
    # a tracked new paragraph (its runs and its mark inserted)
    new = _plain_para("")
    new.remove(new[0])
    new.append(_tracked("ins", _run("A tracked new paragraph about civility.")))
    doc.para("uses social media to give residents").addnext(new)
    # two clauses joined by deleting the first one's paragraph mark
    first = doc.para("This policy applies to every City employee")
    ppr = first.find(f"{W}pPr")
    if ppr is None:
        ppr = etree.SubElement(first, f"{W}pPr")
        first.insert(0, ppr)
    rpr = etree.SubElement(ppr, f"{W}rPr")
    rpr.append(_tracked("del"))
    edited = doc.save(policy(city))
    expected = body_text(edited)
    assert any("accurate, consistent" in line and "plain language." in line
               for line in expected)

    result = import_(city, edited)
    assert result.exit_code == 0, result.output
    assert "scope.outside-scope" in result.output  # joined into the clause before it
    assert rerender(city).exit_code == 0
    assert body_text(policy(city)) == expected


def test_an_unchanged_file_takes_nothing(city: Path) -> None:
    result = import_(city, policy(city))
    assert result.exit_code == 0, result.output
    assert "no change from lakeview-mn's policy" in result.output
    assert not city.with_name("lakeview-mn.custom").exists()


def test_a_file_of_another_document_is_refused(city: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.docx"
    import docx

    d = docx.Document()
    d.add_heading("Something else", 1)
    d.add_paragraph("Unrelated text.")
    d.save(str(other))
    result = import_(city, other)
    assert result.exit_code == 2
    assert "no section of lakeview-mn's policy found in it" in result.output
    assert "Traceback" not in result.output


def test_a_damaged_file_is_refused(city: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = import_(city, bad)
    assert result.exit_code == 2
    assert "not a Word file smpgen can read" in result.output


# Edited in LibreOffice itself ------------------------------------------------------------

uno = pytest.mark.skipif(uno_missing() is not None or not EDITOR.exists(),
                         reason=uno_missing() or "the LibreOffice editor script is missing")


def edit_in_libreoffice(src: Path, dst: Path, edits: list[dict[str, str]], *,
                        track_changes: bool, accept_all: bool) -> None:
    spec = dst.with_suffix(".json")
    spec.write_text(json.dumps({"track_changes": track_changes, "accept_all": accept_all,
                                "edits": edits}), encoding="utf-8")
    done = subprocess.run([SYSTEM_PYTHON, str(EDITOR), str(src), str(dst), str(spec)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr


EDITS = [
    {"op": "replace", "in": "Everything the City publishes on social media shall be accurate",
     "old": "accurate", "new": "accurate, plain"},
    {"op": "insert_after", "after": "uses social media to give residents",
     "text": "The Council adopts this policy to keep its residents informed."},
    {"op": "delete", "in": "The City decides which platforms it uses"},
    {"op": "move", "in": "Anyone who learns of a violation shall report it",
     "after": "An employee who violates this policy may be disciplined"},
    {"op": "set_text", "in": "Scope and Related Policies", "text": "Who This Policy Covers"},
]


@uno
@pytest.mark.parametrize(("track", "accept"), [(False, False), (True, False), (True, True)],
                         ids=["typed", "tracked", "tracked-accepted"])
def test_edits_made_in_libreoffice_come_back(city: Path, track: bool, accept: bool,
                                             request: Any) -> None:
    edited = policy(city).with_name("edited.docx")
    edit_in_libreoffice(policy(city), edited, EDITS, track_changes=track, accept_all=accept)
    expected = body_text(edited)
    assert any("accurate, plain" in line for line in expected)
    if track and not accept:
        xml = zipfile.ZipFile(edited).read("word/document.xml").decode()
        assert "<w:ins " in xml and "<w:del " in xml

    before = expected.index(next(x for x in expected
                                 if x.startswith("An employee who violates this policy")))
    assert expected[before + 1].startswith("Anyone who learns of a violation")

    took(import_(city, edited), moved="violations.reporting-violations")
    assert rerender(city).exit_code == 0
    assert body_text(policy(city)) == expected
    text = docx_text(policy(city))
    assert "The Council adopts this policy to keep its residents informed." in text
    assert "The City decides which platforms it uses" not in text




@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_only_a_regular_file_is_read(city: Path, tmp_path: Path, kind: str) -> None:
    """A named pipe would block the open, and a folder is no Word file: both are refused
    without being read."""
    import os

    odd = tmp_path / "odd.docx"
    if kind == "fifo":
        os.mkfifo(odd)
    else:
        odd.mkdir()
    result = import_(city, odd)
    assert result.exit_code == 2
    assert ("not a regular file" if kind == "fifo" else "is a directory") in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text", [
    "1. The City shall post", "12) first", "- not a list", "+ plus", "> a quote", "= x",
    "# not a heading", "a *star* and _under_ and `tick`", "[link](x) <b>tag</b> {#id}",
    "back\\slash", "  3. indented"])
def test_escaped_text_prints_exactly_itself(text: str) -> None:
    """Every class of Markdown syntax at the start or inside a line: the escaped text
    renders to a paragraph holding exactly the text."""
    import html

    from markdown_it import MarkdownIt

    from smpgen.wordimport import escape_markdown

    rendered = MarkdownIt("commonmark").render(escape_markdown(text))
    assert rendered == f"<p>{html.escape(text.strip(), quote=False)}</p>\n"
