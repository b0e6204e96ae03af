"""tests/uno_edit.py, the LibreOffice editor of the Word round-trip tests: LibreOffice
itself, driven through its UNO API, edits a policy smpgen wrote, and saves it as DOCX.

One module-scoped run per mode (plain, tracked, tracked then accepted), all three at
once, applies the same edits to the Lakeview policy; the tests read the saved
word/document.xml. They also pin what LibreOffice does to the hidden clause bookmarks,
which the import of an edited DOCX relies on.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import HERE, SYSTEM_PYTHON, W, run, uno_missing
from lxml import etree

SCRIPT = HERE / "uno_edit.py"


WHY_NOT = uno_missing()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")

FIELD = "Council Members and Open Meetings"  # a REF field's text in "This policy does not govern"
EDITS = [
    {"op": "replace", "in": "No employee or official gains", "old": "personal right",
     "new": "private right"},
    # Typed over the paragraph's first words and over its last words.
    {"op": "replace", "in": "Only Authorized Users may post", "old": "Only Authorized Users",
     "new": "Authorized Users alone"},
    {"op": "replace", "in": "shall review this policy at least", "old": "any changes it needs.",
     "new": "the changes it needs."},
    # After four REF fields: the offsets must count each field as one character.
    {"op": "replace", "in": "This policy does not govern", "old": "” sections.",
     "new": "” parts."},
    {"op": "set_text", "in": "This policy yields to federal and state law",
     "text": "Retyped whole: federal and state law control this policy."},
    {"op": "insert_after", "after": "Anyone who learns of a violation",
     "text": "Inserted: a report may be made in confidence."},
    # Several paragraphs mention the schedule; the list item is the one that is only that.
    {"op": "insert_after", "after": "Records Retention Schedule",
     "text": "Inserted after a list item"},
    {"op": "delete", "in": "Where this policy and another City policy set different"},
    {"op": "move", "in": "Official Accounts belong to the City, just as",
     "after": "Final authority over the City\u2019s use of social media"},
    {"op": "move", "in": "Violations", "after": "A volunteer or contractor who violates"},
]
SET_TEXT = "Retyped whole: federal and state law control this policy."
MOVED = [("Official Accounts belong to the City, just as",
          "Final authority over the City\u2019s use of social media"),
         ("Violations", "A volunteer or contractor who violates")]
MODES = {"plain": {}, "tracked": {"track_changes": True},
         "accepted": {"track_changes": True, "accept_all": True}}


# ---------------------------------------------------------------- reading the DOCX


@dataclass
class Para:
    """A top-level body paragraph of a saved DOCX."""

    text: str  # as it reads with every tracked change accepted
    original: str  # as it read before the tracked changes
    style: str
    numbered: bool  # a w:numPr whose numId is not 0
    bookmarks: list[str]
    fields: list[str]  # field instructions, e.g. " REF _S... \\h "
    revisions: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    mark: str = ""  # a revision of the paragraph mark itself: ins, del, moveFrom, moveTo


REVISIONS = {f"{W}ins": "ins", f"{W}del": "del", f"{W}moveFrom": "moveFrom",
             f"{W}moveTo": "moveTo"}


def paragraphs(docx: Path) -> list[Para]:
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(f"{W}body")
    out = []
    for p in body.findall(f"{W}p"):
        ppr = p.find(f"{W}pPr")
        style = p.find(f"{W}pPr/{W}pStyle")
        num = p.find(f"{W}pPr/{W}numPr/{W}numId")
        mark = "" if ppr is None else next(
            (kind for tag, kind in REVISIONS.items() if ppr.find(f"{W}rPr/{tag}") is not None), "")
        para = Para(text="", original="", style=style.get(f"{W}val") if style is not None else "Normal",
                    numbered=num is not None and num.get(f"{W}val") != "0",
                    bookmarks=[b.get(f"{W}name") for b in p.iter(f"{W}bookmarkStart")],
                    fields=[f.get(f"{W}instr") for f in p.iter(f"{W}fldSimple")]
                    + [t.text or "" for t in p.iter(f"{W}instrText")], mark=mark)
        for revision in p.iter(*REVISIONS):
            if revision.getparent().tag != f"{W}rPr":
                text = "".join(t.text or "" for t in revision.iter(f"{W}t", f"{W}delText"))
                para.revisions.append((REVISIONS[revision.tag], text))
        for t in p.iter(f"{W}t", f"{W}delText"):
            kinds = {REVISIONS.get(a.tag) for a in t.iterancestors()}
            if t.tag == f"{W}t" and not kinds & {"del", "moveFrom"}:
                para.text += t.text or ""
            if not kinds & {"ins", "moveTo"}:
                para.original += t.text or ""
        out.append(para)
    return out


def where(paras: list[Para], needle: str, *, original: bool = False) -> int:
    """The index of the one paragraph holding ``needle`` (or being it exactly)."""
    texts = [p.original if original else p.text for p in paras]
    hits = [i for i, t in enumerate(texts) if needle in t]
    exact = [i for i in hits if texts[i] == needle]
    assert len(hits) == 1 or len(exact) == 1, (needle, [texts[i][:60] for i in hits])
    return hits[0] if len(hits) == 1 else exact[0]


def the(paras: list[Para], needle: str, *, original: bool = False) -> Para:
    return paras[where(paras, needle, original=original)]


def as_it_was(paras: list[Para]) -> list[str]:
    """The paragraphs' text before the tracked changes: a paragraph whose mark was
    inserted (Enter pressed at its end, or a pasted paragraph) was one with the next."""
    out, carry = [], ""
    for p in paras:
        carry += p.original
        if p.mark not in ("ins", "moveTo"):
            out.append(carry)
            carry = ""
    return out


def document_xml(docx: Path) -> str:
    with zipfile.ZipFile(docx) as z:
        return z.read("word/document.xml").decode("utf-8")


# ---------------------------------------------------------------- running the editor


def start(src: Path, out: Path, spec: dict[str, object], work: Path) -> subprocess.Popen[str]:
    """uno_edit.py on its way, with a TMPDIR of its own (for its LibreOffice profile)."""
    work.mkdir(parents=True)
    (work / "tmp").mkdir()
    edits = work / "edits.json"
    edits.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return subprocess.Popen([SYSTEM_PYTHON, str(SCRIPT), str(src), str(out), str(edits)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(work / "tmp")})


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()  # the script then stops its LibreOffice
        _, err = proc.communicate(timeout=30)
        pytest.fail(f"uno_edit.py took over {timeout} s: {err}")
    return proc.returncode, err


def leftovers(work: Path) -> list[str]:
    """Files left in the run's TMPDIR, and processes whose command line names it."""
    found = [str(p) for p in (work / "tmp").iterdir()]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(work).encode() in cmdline.read_bytes():
                found.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass  # gone meanwhile
    return found


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rendered")
    result = run(["render", "city_profiles/lakeview-mn.yaml", "--out", str(out),
                  "--format", "docx", "-q"])
    assert result.exit_code == 0, result.output
    return out / "lakeview-mn" / "social-media-policy.docx"


@pytest.fixture(scope="module")
def edited(policy: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The policy edited in each mode: three LibreOffice runs at once, which must not clash."""
    base = tmp_path_factory.mktemp("uno")
    began = time.monotonic()
    procs = {mode: start(policy, base / f"{mode}.docx", {**flags, "edits": EDITS}, base / mode)
             for mode, flags in MODES.items()}
    for mode, proc in procs.items():
        code, err = finish(proc)
        assert code == 0, (mode, err)
        assert not leftovers(base / mode), leftovers(base / mode)
    print(f"three parallel uno_edit.py runs took {time.monotonic() - began:.1f} s")
    return {mode: base / f"{mode}.docx" for mode in MODES}


# ---------------------------------------------------------------- the edits


def test_typed_replacements_change_only_their_words(policy: Path, edited: dict[str, Path]) -> None:
    before, after = paragraphs(policy), paragraphs(edited["plain"])
    p = the(after, "No employee or official gains")
    assert "private right" in p.text and "personal right" not in p.text
    assert the(after, "Authorized Users alone may post").text.startswith("Authorized Users alone")
    assert the(after, "shall review this policy at least").text.endswith("the changes it needs.")
    # Behind four REF fields: the right characters changed, and the fields are intact.
    old, new = the(before, "This policy does not govern"), the(after, "This policy does not govern")
    assert new.text == old.text.replace("” sections.", "” parts.") and FIELD in new.text
    assert [f.split() for f in new.fields] == [f.split() for f in old.fields]
    assert len(new.fields) == 4
    # The edited paragraphs keep their style and their bookmarks: LibreOffice moves a
    # bookmark's start after text typed at the paragraph's start, and leaves its end
    # before text typed at its end, but the bookmark stays in the paragraph.
    for needle, now in [("Only Authorized Users may post", "Authorized Users alone may post"),
                        ("shall review this policy at least", "shall review this policy at least"),
                        ("No employee or official gains", "No employee or official gains")]:
        b, a = the(before, needle), the(after, now)
        assert (a.style, a.numbered, a.bookmarks) == (b.style, b.numbered, b.bookmarks), needle


def test_retyping_a_whole_paragraph_keeps_its_bookmark(policy: Path, edited: dict[str, Path]) -> None:
    b = the(paragraphs(policy), "This policy yields to federal and state law")
    a = the(paragraphs(edited["plain"]), SET_TEXT)
    assert a.text == SET_TEXT
    assert b.bookmarks, "the model bookmarks this clause"
    assert (a.style, a.bookmarks) == (b.style, b.bookmarks)
    assert "This policy yields" not in document_xml(edited["plain"])


def test_inserted_paragraphs_follow_their_anchors_plainly(policy: Path, edited: dict[str, Path]) -> None:
    before, after = paragraphs(policy), paragraphs(edited["plain"])
    for anchor, text in [("Anyone who learns of a violation", "Inserted: a report may be made"),
                         ("Records Retention Schedule", "Inserted after a list item")]:
        i = where(after, anchor)
        new = after[i + 1]
        assert new.text.startswith(text)
        # No bookmark and no list number of the anchor's; the anchor keeps its own.
        assert new.bookmarks == [] and not new.numbered
        assert after[i].bookmarks == the(before, anchor).bookmarks
        assert after[i].numbered == the(before, anchor).numbered
    # The new paragraph after a list item keeps the list's style, not its numbering.
    assert after[where(after, "Inserted after a list item")].style == "ListParagraph"
    assert the(after, "Records Retention Schedule").numbered


def test_a_deleted_paragraph_is_gone_and_its_neighbour_unchanged(policy: Path,
                                                                 edited: dict[str, Path]) -> None:
    before, after = paragraphs(policy), paragraphs(edited["plain"])
    gone = where(before, "Where this policy and another City policy set different")
    assert not any("Where this policy and another" in p.text for p in after)
    assert len(after) == len(before) - 1 + 2  # one deleted, two inserted
    # The heading after it keeps its style and bookmark (only its mark went with it).
    nxt = before[gone + 1]
    assert the(after, nxt.text) == Para(nxt.text, nxt.text, nxt.style, nxt.numbered,
                                        nxt.bookmarks, the(after, nxt.text).fields)
    # Every bookmark survives, but the deleted paragraph's.
    names = {n for p in before for n in p.bookmarks} - set(before[gone].bookmarks)
    assert {n for p in after for n in p.bookmarks} == names


def test_moved_paragraphs_arrive_after_their_anchors_with_their_bookmarks(
        policy: Path, edited: dict[str, Path]) -> None:
    before, after = paragraphs(policy), paragraphs(edited["plain"])
    for moving, anchor in MOVED:
        b = the(before, moving)
        i = where(after, moving)
        assert where(after, anchor) == i - 1
        a = after[i]
        assert b.bookmarks, "the moved paragraph has a bookmark to carry"
        assert (a.text, a.style, a.numbered, a.bookmarks) == (b.text, b.style, b.numbered, b.bookmarks)
    # The heading now sits between the two paragraphs it was moved past and the last one.
    assert [p.text[:22] for p in after[where(after, "An employee who violates") :][:4]] == [
        "An employee who violat", "A volunteer or contrac", "Violations", "Anyone who learns of a"]


def test_tracked_edits_are_revisions_with_the_old_and_new_text(policy: Path,
                                                               edited: dict[str, Path]) -> None:
    before, after = paragraphs(policy), paragraphs(edited["tracked"])
    # Read as it was, the tracked document is the original, paragraph for paragraph.
    assert as_it_was(after) == [p.original for p in before]
    assert ("del", "personal right") in the(after, "No employee or official gains").revisions
    assert ("ins", "private right") in the(after, "No employee or official gains").revisions
    retyped = the(after, SET_TEXT)
    assert ("ins", SET_TEXT) in retyped.revisions
    assert ("del", the(before, "This policy yields").text) in retyped.revisions
    for text in ("Inserted: a report may be made in confidence.", "Inserted after a list item"):
        assert ("ins", text) in the(after, text).revisions
    deleted = the(after, "Where this policy and another City policy", original=True)
    assert deleted.text == "" and deleted.mark == "del"
    assert deleted.revisions == [("del", deleted.original)]
    # A move is a deletion and an insertion; LibreOffice saves the pair as w:moveFrom and
    # w:moveTo when it recognises it as a move (it did for the long paragraph, not for the
    # one-word heading). The old paragraph keeps its bookmarks; the pasted copy gets them
    # renamed "<name>_Copy_1", since a bookmark's name is unique.
    kinds = {}
    for moving, anchor in MOVED:
        b = the(before, moving)
        old = the(after, moving, original=True)
        assert old.text == "" and old.mark in ("del", "moveFrom") and old.bookmarks == b.bookmarks
        assert old.revisions == [(old.mark, b.text)]
        i = where(after, moving)
        assert where(after, anchor) == i - 1
        new = after[i]
        assert new.revisions == [(new.mark, b.text)] and new.mark in ("ins", "moveTo")
        assert new.bookmarks == [f"{n}_Copy_1" for n in b.bookmarks]
        kinds[moving] = (old.mark, new.mark)
    assert kinds[MOVED[0][0]] == ("moveFrom", "moveTo")


def test_accepting_all_gives_the_untracked_result(policy: Path, edited: dict[str, Path]) -> None:
    plain, accepted = paragraphs(edited["plain"]), paragraphs(edited["accepted"])
    assert [(p.text, p.style, p.numbered) for p in accepted] == [
        (p.text, p.style, p.numbered) for p in plain]
    assert all(not p.revisions and not p.mark for p in accepted)
    # Except for the bookmarks: the moved paragraphs carry their "_Copy_1" names ...
    before = paragraphs(policy)
    for moving, _ in MOVED:
        assert the(accepted, moving).bookmarks == [f"{n}_Copy_1" for n in the(before, moving).bookmarks]
    # ... and a paragraph retyped whole keeps its bookmark, collapsed at its start.
    assert the(accepted, SET_TEXT).bookmarks == the(before, "This policy yields").bookmarks
    xml = document_xml(edited["accepted"])
    assert all(f"<w:{tag} " not in xml for tag in ("ins", "del", "moveFrom", "moveTo"))


# ---------------------------------------------------------------- failures


def test_an_edit_that_misses_its_target_fails_clearly(policy: Path, tmp_path: Path) -> None:
    cases = {
        "missing": ({"op": "delete", "in": "no policy says this"},
                    "edit 1 (delete): no paragraph contains 'no policy says this'"),
        "several": ({"op": "set_text", "in": "Official Account", "text": "x"},
                    "paragraphs contain 'Official Account'"),
        "field": ({"op": "replace", "in": "This policy does not govern",
                   "old": "Meetings” and", "new": "x"}, "cuts through a field"),
    }
    procs = {name: start(policy, tmp_path / f"{name}.docx", {"edits": [edit]}, tmp_path / name)
             for name, (edit, _) in cases.items()}
    for name, proc in procs.items():
        code, err = finish(proc)
        assert code == 1, (name, err)
        assert err.startswith("uno_edit: ") and cases[name][1] in err, err
        assert len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / f"{name}.docx").exists()
        assert not leftovers(tmp_path / name)


def test_a_bad_edits_file_fails_before_libreoffice_starts(policy: Path, tmp_path: Path) -> None:
    code, err = finish(start(policy, tmp_path / "out.docx",
                             {"edits": [{"op": "paste", "in": "x"}]}, tmp_path / "bad"))
    assert code == 2 and "op must be one of" in err, err
    code, err = finish(start(policy, tmp_path / "out.docx",
                             {"edits": [{"op": "replace", "in": "x", "old": "y"}]}, tmp_path / "bad2"))
    assert code == 2 and "'new' must be a string" in err, err
    assert not (tmp_path / "out.docx").exists()
