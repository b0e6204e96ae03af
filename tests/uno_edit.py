"""Edit a DOCX with LibreOffice itself, through its UNO API, as an attorney would.

The Word round-trip tests use this to make DOCX files that LibreOffice has really edited
and saved, not only files python-docx wrote. Debian's ``python3-uno`` works only with the
system Python, so this is a standalone script (standard library and ``uno`` only), run as
a subprocess::

    /usr/bin/python3 tests/uno_edit.py IN.docx OUT.docx EDITS.json

EDITS.json::

    {"track_changes": false, "accept_all": false, "edits": [
        {"op": "replace", "in": "<para substring>", "old": "<text>", "new": "<text>"},
        {"op": "insert_after", "after": "<para substring>", "text": "<new paragraph>"},
        {"op": "delete", "in": "<para substring>"},
        {"op": "move", "in": "<para substring>", "after": "<para substring>"},
        {"op": "set_text", "in": "<para substring>", "text": "<whole new text>"}]}

Finding a paragraph: each edit names ONE paragraph of the body (paragraphs in tables are
skipped) by a substring of its text; none or several is an error, except that among
several the one paragraph whose whole text is the substring wins (a heading whose title
REF fields elsewhere also show). A paragraph's text is what a reader sees: a field counts
as the text it shows, text deleted as a tracked change does not count.

The edits, each as a person makes it in LibreOffice's window:

- ``replace``: select ``old`` (it must occur once in the paragraph and may not cut
  through a field) and type ``new`` over it; the rest of the paragraph, its formatting,
  fields and bookmarks stay.
- ``insert_after``: End, Enter, type. The new paragraph gets the style Enter gives (the
  anchor style's next style: body text after a heading, the same style after a body or
  list paragraph; ``"style": "<LibreOffice style name>"`` chooses another), never the
  anchor's list number (No List) or its bookmarks.
- ``delete``: select the paragraph with its paragraph mark (from its start to the next
  paragraph's start) and delete.
- ``move``: select the paragraph with its paragraph mark, Cut, put the cursor at the
  start of the paragraph after ``after``, Paste (the dispatcher's .uno:Cut/.uno:Paste).
  LibreOffice gives a paragraph pasted in front of a list item that item's numbering;
  the moved paragraph keeps its own, as in Word, where numbering rides on the paragraph
  mark.
- ``set_text``: select the paragraph's text (not its mark) and type ``text``.

With ``track_changes`` the document records every edit as a tracked change (w:ins,
w:del, w:moveFrom/w:moveTo in OUT.docx); with ``accept_all`` every tracked change is
accepted before saving.

What LibreOffice 7.4 does to a paragraph's bookmark (smpgen's _S/_C bookmarks wrap the
paragraph's text; tests/test_uno_edit.py pins this):

- replace: text typed over the paragraph's last words lands after the bookmark's end;
  over its first words, before the bookmark's start when untracked (tracked, and after
  accepting, the bookmark still starts the paragraph). The bookmark stays in the
  paragraph. (A bookmark collapsed at the paragraph's start is deleted with the first
  characters, untracked or once accepted.)
- set_text: the bookmark survives; untracked it wraps the new text, tracked and accepted
  it is collapsed at the paragraph's start.
- insert_after: the anchor keeps its bookmark; the new paragraph has none. Tracked, the
  ANCHOR's paragraph mark is the inserted one (w:pPr/w:rPr/w:ins).
- delete: the bookmark goes with the paragraph (tracked: it stays in the w:del text).
- move, untracked: the bookmark moves with the paragraph, same name. Tracked: the old
  paragraph (w:moveFrom, or w:del when LibreOffice does not pair the two, as for a
  one-word heading) keeps the name, and the pasted one (w:moveTo or w:ins) gets
  "<name>_Copy_1"; after accepting, only "<name>_Copy_1" is left.
- Saved with tracked changes, the paragraph after one whose mark is deleted carries the
  deleted paragraph's w:pStyle (a LibreOffice export fault): don't trust it.

The script starts its own headless LibreOffice (its own pipe name and user profile, so
parallel runs and a user's LibreOffice never clash), loads a private copy of IN.docx
hidden, applies the edits in order, saves OUT.docx with the "MS Word 2007 XML" filter,
and always closes the document, stops LibreOffice (killing it if it hangs) and removes
its temporary folder, also on error or SIGTERM. A run that takes longer than
UNO_EDIT_TIMEOUT seconds (default 300) kills its LibreOffice and fails.

Exit status: 0 done; 1 an edit could not find or apply to its target; 2 bad arguments
or EDITS.json; 3 LibreOffice failed (start, connection, load, an edit or save). Errors
are one line on stderr; OUT.docx is written only on success.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CONNECT_SECONDS = 30.0
STOP_SECONDS = 10.0
WRITER_FILTER = "MS Word 2007 XML"

# Text portions that take no room in the text: marks between characters.
_MARKERS = {"Bookmark", "ReferenceMark", "DocumentIndexMark", "Redline", "SoftPageBreak", "Ruby",
            "Frame", "AnnotationEnd", "InContentMetadata", "ContentControl"}
# Portions that are one character a cursor steps over but a reader does not read as text.
_ANCHORS = {"Footnote", "Annotation", "TextContent", "ControlCharacter"}


class EditError(Exception):
    """An edit could not find its target or could not be applied (exit status 1)."""


class UsageError(Exception):
    """Bad arguments or EDITS.json (exit status 2)."""


class OfficeError(Exception):
    """LibreOffice could not start, connect, load, edit or save (exit status 3)."""


# ---------------------------------------------------------------- EDITS.json

_FIELDS = {
    "replace": ("in", "old", "new"),
    "insert_after": ("after", "text"),
    "delete": ("in",),
    "move": ("in", "after"),
    "set_text": ("in", "text"),
}


def read_edits(path: Path) -> dict[str, Any]:
    """EDITS.json, checked: an unknown op or key, a missing or non-string field is a usage
    error, found before LibreOffice starts."""
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {path}: {e}") from e
    if not isinstance(spec, dict):
        raise UsageError(f"{path}: the top level must be an object")
    unknown = set(spec) - {"track_changes", "accept_all", "edits"}
    if unknown:
        raise UsageError(f"{path}: unknown keys {sorted(unknown)}")
    for flag in ("track_changes", "accept_all"):
        if not isinstance(spec.get(flag, False), bool):
            raise UsageError(f"{path}: {flag} must be true or false")
    edits = spec.get("edits", [])
    if not isinstance(edits, list):
        raise UsageError(f"{path}: edits must be a list")
    for n, edit in enumerate(edits, 1):
        if not isinstance(edit, dict) or edit.get("op") not in _FIELDS:
            raise UsageError(f"{path}: edit {n}: op must be one of {sorted(_FIELDS)}")
        op = edit["op"]
        need = _FIELDS[op]
        optional = {"style"} if op == "insert_after" else set()
        extra = set(edit) - {"op", *need} - optional
        if extra:
            raise UsageError(f"{path}: edit {n} ({op}): unknown keys {sorted(extra)}")
        for key in (*need, *(optional & set(edit))):
            if not isinstance(edit.get(key), str):
                raise UsageError(f"{path}: edit {n} ({op}): {key!r} must be a string")
        for key in ("in", "after", "old"):
            if key in need and not edit[key]:
                raise UsageError(f"{path}: edit {n} ({op}): {key!r} must not be empty")
    return {"track_changes": spec.get("track_changes", False),
            "accept_all": spec.get("accept_all", False), "edits": edits}


# ---------------------------------------------------------------- LibreOffice


class Office:
    """One private headless LibreOffice: ``start`` it, and always ``stop`` it."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="smpgen-uno-"))
        self.pipe = f"smpgen_uno_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Any = None
        self.ctx: Any = None
        self.desktop: Any = None

    def start(self) -> None:
        import uno  # Debian's python3-uno, for the system Python

        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            raise OfficeError("soffice (LibreOffice) is not on PATH")
        self.log = (self.workdir / "soffice.log").open("wb")
        profile = uno.systemPathToFileUrl(str(self.workdir / "profile"))
        # Its temporary files in our folder too (a killed soffice leaves lu*.tmp behind),
        # and a session of its own: stop() ends soffice.bin too (soffice is a wrapper).
        (self.workdir / "tmp").mkdir()
        env = {**os.environ, "TMPDIR": str(self.workdir / "tmp")}
        self.proc = subprocess.Popen(
            [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
             "--nolockcheck", f"--accept=pipe,name={self.pipe};urp;",
             f"-env:UserInstallation={profile}"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            try:
                self.ctx = resolver.resolve(
                    f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except Exception as e:  # NoConnectException until soffice listens
                if self.proc.poll() is not None:
                    raise OfficeError(f"soffice exited with status {self.proc.returncode} "
                                      f"before accepting a connection{self._said()}") from e
                if time.monotonic() > deadline:
                    raise OfficeError(f"no connection to soffice after {CONNECT_SECONDS:.0f} s"
                                      f"{self._said()}") from e
                time.sleep(0.1)
        self.desktop = self.service("com.sun.star.frame.Desktop")

    def _said(self) -> str:
        try:
            tail = (self.workdir / "soffice.log").read_text(errors="replace").strip()[-400:]
        except OSError:
            return ""
        return f" (soffice said: {tail})" if tail else ""

    def service(self, name: str) -> Any:
        return self.ctx.ServiceManager.createInstanceWithContext(name, self.ctx)

    def load(self, path: Path) -> Any:
        import uno

        # A private copy: LibreOffice's lock file never lands beside IN.docx, and a stale
        # lock file there (which makes a hidden load return nothing) cannot matter.
        copy = self.workdir / f"in{path.suffix}"
        shutil.copyfile(path, copy)
        url = uno.systemPathToFileUrl(str(copy))
        doc = None
        for _ in range(3):
            try:
                doc = self.desktop.loadComponentFromURL(
                    url, "_blank", 0, props(Hidden=True, UpdateDocMode=0))
            except Exception as e:
                raise OfficeError(f"LibreOffice could not load {path}: {e}") from e
            if doc is not None:
                break
            time.sleep(0.5)
        if doc is None or not doc.supportsService("com.sun.star.text.TextDocument"):
            raise OfficeError(f"LibreOffice did not open {path} as a text document")
        return doc

    def save(self, doc: Any, out: Path) -> None:
        import uno

        tmp = self.workdir / f"out{out.suffix}"
        try:
            doc.storeToURL(uno.systemPathToFileUrl(str(tmp)),
                           props(FilterName=WRITER_FILTER, Overwrite=True))
        except Exception as e:
            raise OfficeError(f"LibreOffice could not save {out}: {e}") from e
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise OfficeError(f"LibreOffice wrote nothing for {out}")
        shutil.copyfile(tmp, out)

    def dispatch(self, doc: Any, command: str) -> None:
        helper = self.service("com.sun.star.frame.DispatchHelper")
        helper.executeDispatch(doc.getCurrentController().getFrame(), command, "", 0, ())

    def kill(self) -> None:
        """End LibreOffice's whole session (soffice, oosplash, soffice.bin): ours alone."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Quit LibreOffice (kill it if it hangs) and remove the profile and the copies."""
        try:
            if self.desktop is not None:
                with contextlib.suppress(Exception):  # the bridge goes away as soffice quits
                    self.desktop.terminate()
            if self.proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(STOP_SECONDS)
                self.kill()  # whatever is left of its session
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(STOP_SECONDS)
        finally:
            if self.log is not None:
                self.log.close()
            shutil.rmtree(self.workdir, ignore_errors=True)
            # A killed soffice leaves its pipes' sockets behind, in /tmp whatever TMPDIR
            # says: ours, by their names (the accept pipe, and the single-instance pipe
            # named by an MD5 of the profile's URL, as LibreOffice's desktop module does).
            profile = (self.workdir / "profile").as_uri()
            digest = "".join(f"{b:x}" for b in hashlib.md5(profile.encode("utf-16-le")).digest())
            for name in (self.pipe, f"SingleOfficeIPC_{digest}"):
                with contextlib.suppress(OSError):
                    os.unlink(f"/tmp/OSL_PIPE_{os.getuid()}_{name}")


def props(**values: Any) -> tuple[Any, ...]:
    from com.sun.star.beans import PropertyValue

    out = []
    for name, value in values.items():
        p = PropertyValue()
        p.Name = name
        p.Value = value
        out.append(p)
    return tuple(out)


# ---------------------------------------------------------------- paragraphs and their text


class Para:
    """A body paragraph, the text a reader sees in it, and where each character sits.

    ``start[i]``/``end[i]`` are the cursor offsets (characters from the paragraph's
    start, as XTextCursor.goRight counts them) around ``text[i]``. A field is one cursor
    step but shows several characters, which share one start and one end; text deleted
    as a tracked change is cursor steps that show nothing.
    """

    def __init__(self, para: Any, open_deletes: set[str]) -> None:
        self.para = para
        self.text = ""
        self.start: list[int] = []
        self.end: list[int] = []
        pos = 0
        portions = para.createEnumeration()
        while portions.hasMoreElements():
            portion = portions.nextElement()
            kind = portion.TextPortionType
            if kind == "Redline":
                if portion.RedlineType == "Delete":
                    if portion.IsStart:
                        open_deletes.add(portion.RedlineIdentifier)
                    else:
                        open_deletes.discard(portion.RedlineIdentifier)
            elif kind in _MARKERS:
                pass
            elif kind == "TextField":
                self._add("" if open_deletes else portion.getString(), pos, pos + 1)
                pos += 1
            elif kind in _ANCHORS:
                pos += 1
            else:  # "Text", and anything else that holds characters
                chars = portion.getString()
                if not open_deletes:
                    for i, ch in enumerate(chars):
                        self._add(ch, pos + i, pos + i + 1)
                pos += len(chars)

    def _add(self, shown: str, start: int, end: int) -> None:
        self.text += shown
        self.start += [start] * len(shown)
        self.end += [end] * len(shown)

    def span(self, i: int, j: int, what: str) -> tuple[int, int]:
        """Cursor offsets around visible text[i:j] (j > i); it may not cut a field."""
        a, b = self.start[i], self.end[j - 1]
        if (i > 0 and self.start[i - 1] == a) or (j < len(self.text) and self.end[j] == b):
            raise EditError(f"{what}: {self.text[i:j]!r} cuts through a field in "
                            f"{short(self.text)!r}; take in all of the field's text or none")
        return a, b


def short(text: str, size: int = 70) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def body_paragraphs(doc: Any) -> Iterator[Para]:
    """Every paragraph of the body in order (tables skipped), with its visible text.
    Over a second for a policy: the UNO bridge costs a fraction of a millisecond a call."""
    open_deletes: set[str] = set()
    elements = doc.getText().createEnumeration()
    while elements.hasMoreElements():
        element = elements.nextElement()
        if element.supportsService("com.sun.star.text.Paragraph"):
            yield Para(element, open_deletes)


def candidates(doc: Any, needle: str) -> list[Para] | None:
    """The paragraphs that may contain ``needle``, found fast with Writer's own search;
    None when the search cannot be trusted to have seen every occurrence.

    The search does not look into fields, so its hits are checked against the count in
    the body's raw text (fields shown, tables and tracked deletions included): when the
    two differ, some occurrence crosses a field or lies outside the body paragraphs.
    Text visible only across a tracked deletion is in a paragraph a deletion touches,
    so those paragraphs are looked at too.
    """
    text = doc.getText()
    total = text.getString().count(needle)
    redlines = doc.getRedlines().hasElements()
    if total == 0:
        return None if redlines else []
    search = doc.createSearchDescriptor()
    search.SearchString = needle
    search.SearchCaseSensitive = True
    search.SearchRegularExpression = False
    found = doc.findAll(search)
    if found.getCount() != total:
        return None
    deletions = tracked_deletions(doc) if redlines else []
    starts = [found.getByIndex(i) for i in range(found.getCount())]
    starts += [first for _, first, _ in deletions] + [last for _, _, last in deletions]
    paras: list[Any] = []
    for where in starts:
        try:
            para = paragraph_at(text.createTextCursorByRange(where))
        except Exception:
            continue  # a table cell, a header or a footnote
        if not para.supportsService("com.sun.star.text.Paragraph"):
            continue
        if not any(text.compareRegionStarts(para.getStart(), p.getStart()) == 0 for p in paras):
            paras.append(para)
    out = []
    for para in paras:
        start = para.getStart()
        # The tracked deletions that began before this paragraph and go on into it.
        out.append(Para(para, {ident for ident, first, last in deletions
                               if text.compareRegionStarts(first, start) == 1
                               and text.compareRegionStarts(start, last) == 1}))
    return out


def tracked_deletions(doc: Any) -> list[tuple[str, Any, Any]]:
    """(identifier, start, end) of each tracked deletion in the body text."""
    out = []
    redlines = doc.getRedlines().createEnumeration()
    while redlines.hasMoreElements():
        redline = redlines.nextElement()
        if redline.RedlineType != "Delete":
            continue
        first, last = redline.RedlineStart, redline.RedlineEnd
        try:
            doc.getText().compareRegionStarts(first, last)
        except Exception:
            continue  # in a header, a footnote or a table cell
        out.append((redline.RedlineIdentifier, first, last))
    return out


def find(doc: Any, needle: str, what: str) -> Para:
    """The one body paragraph whose visible text contains ``needle``."""
    quick = candidates(doc, needle)
    pool = body_paragraphs(doc) if quick is None else quick
    hits = [p for p in pool if needle in p.text]
    if not hits:
        raise EditError(f"{what}: no paragraph contains {needle!r}")
    exact = [p for p in hits if p.text == needle]
    if len(hits) > 1 and len(exact) == 1:
        return exact[0]
    if len(hits) > 1:
        shown = "; ".join(repr(short(p.text, 50)) for p in hits[:4])
        more = f" and {len(hits) - 4} more" if len(hits) > 4 else ""
        raise EditError(f"{what}: {len(hits)} paragraphs contain {needle!r}: {shown}{more}")
    return hits[0]


def paragraph_at(cursor: Any) -> Any:
    """The paragraph object at the cursor's start."""
    whole = cursor.getText().createTextCursorByRange(cursor.getStart())
    whole.gotoStartOfParagraph(False)
    whole.gotoEndOfParagraph(True)
    return whole.createEnumeration().nextElement()


def with_mark(doc: Any, para: Para, what: str, *, last_ok: bool = True) -> Any:
    """A cursor selecting the paragraph with its paragraph mark, as a person selects a
    paragraph to delete or cut it: from its start to the start of the next paragraph.
    Before a table, or at the body's end, there is no next paragraph to reach (a body
    cursor steps over a whole table): then from the end of the one before, if ``last_ok``."""
    text = doc.getText()
    cursor = text.createTextCursorByRange(para.para.getStart())
    cursor.gotoEndOfParagraph(True)
    if cursor.goRight(1, True) and not holds_table(cursor):
        return cursor
    cursor = text.createTextCursorByRange(para.para.getStart())
    if last_ok and cursor.goLeft(1, False):
        cursor.gotoRange(para.para.getEnd(), True)
        if not holds_table(cursor):
            return cursor
    raise EditError(f"{what}: {short(para.text)!r} has no paragraph after it (it is the "
                    "last of the body or comes right before a table)")


def holds_table(selection: Any) -> bool:
    """Whether the selection takes in a table (or anything else but paragraphs)."""
    elements = selection.createEnumeration()
    while elements.hasMoreElements():
        if not elements.nextElement().supportsService("com.sun.star.text.Paragraph"):
            return True
    return False


def remove_numbering(office: Office, doc: Any, where: Any) -> None:
    """No List (Format > Bullets and Numbering) on the paragraph at ``where``: it loses
    its list attributes altogether. (Setting NumberingStyleName to "" instead saves an
    explicit <w:numId w:val="0"/>.)"""
    doc.getCurrentController().select(doc.getText().createTextCursorByRange(where))
    office.dispatch(doc, ".uno:RemoveBullets")


# ---------------------------------------------------------------- the edits


def op_replace(office: Office, doc: Any, edit: dict[str, Any], what: str) -> None:
    para = find(doc, edit["in"], what)
    old = edit["old"]
    count = para.text.count(old)
    if count != 1:
        raise EditError(f"{what}: {old!r} occurs {count} times in {short(para.text)!r}, "
                        "not once")
    i = para.text.index(old)
    a, b = para.span(i, i + len(old), what)
    cursor = doc.getText().createTextCursorByRange(para.para.getStart())
    cursor.goRight(a, False)
    cursor.goRight(b - a, True)
    hidden = any(para.start[k] > para.end[k - 1] for k in range(i + 1, i + len(old)))
    if not hidden and cursor.getString() != old:  # (tracked deletions inside show here)
        raise EditError(f"{what}: selected {cursor.getString()!r} instead of {old!r} in "
                        f"{short(para.text)!r}")
    cursor.setString(edit["new"])


def op_set_text(office: Office, doc: Any, edit: dict[str, Any], what: str) -> None:
    para = find(doc, edit["in"], what)
    cursor = doc.getText().createTextCursorByRange(para.para.getStart())
    cursor.gotoEndOfParagraph(True)
    cursor.setString(edit["text"])


def op_insert_after(office: Office, doc: Any, edit: dict[str, Any], what: str) -> None:
    from com.sun.star.text.ControlCharacter import PARAGRAPH_BREAK

    anchor = find(doc, edit["after"], what)
    styles = doc.getStyleFamilies().getByName("ParagraphStyles")
    style = edit.get("style") or styles.getByName(anchor.para.ParaStyleName).FollowStyle \
        or anchor.para.ParaStyleName
    if not styles.hasByName(style):
        raise EditError(f"{what}: the document has no paragraph style {style!r}")
    text = doc.getText()
    # End, Enter: the new paragraph starts as a copy of the anchor's paragraph attributes
    # (its list numbering too); the anchor's bookmarks stay in the anchor.
    cursor = text.createTextCursorByRange(anchor.para.getEnd())
    text.insertControlCharacter(cursor, PARAGRAPH_BREAK, False)
    new = paragraph_at(cursor)
    new.ParaStyleName = style
    for prop in ("ParaLeftMargin", "ParaRightMargin", "ParaFirstLineIndent"):
        new.setPropertyToDefault(prop)  # the style's indents, not a list item's
    if new.NumberingStyleName or new.NumberingIsNumber:
        remove_numbering(office, doc, cursor.getStart())
    text.insertString(cursor, edit["text"], False)


def op_delete(office: Office, doc: Any, edit: dict[str, Any], what: str) -> None:
    para = find(doc, edit["in"], what)
    with_mark(doc, para, what).setString("")


def op_move(office: Office, doc: Any, edit: dict[str, Any], what: str) -> None:
    moving = find(doc, edit["in"], f"{what}, in")
    anchor = find(doc, edit["after"], f"{what}, after")
    text = doc.getText()
    if text.compareRegionStarts(moving.para.getStart(), anchor.para.getStart()) == 0:
        raise EditError(f"{what}: a paragraph cannot move after itself")
    selection = with_mark(doc, moving, what, last_ok=False)
    # The paste goes in at the start of the paragraph after the anchor.
    target = text.createTextCursorByRange(anchor.para.getEnd())
    if not target.goRight(1, True) or holds_table(target):
        raise EditError(f"{what}: cannot move after {short(anchor.text)!r}: it is the last "
                        "paragraph of the body or comes right before a table")
    target.collapseToEnd()
    if text.compareRegionStarts(target.getStart(), moving.para.getStart()) == 0:
        return  # already there
    numbering = moving.para.NumberingStyleName, moving.para.NumberingLevel
    controller = doc.getCurrentController()
    controller.select(selection)
    office.dispatch(doc, ".uno:Cut")
    controller.select(target)
    office.dispatch(doc, ".uno:Paste")
    # The view cursor now stands at the end of what was pasted, the start of the
    # paragraph that was after the anchor: the moved paragraph is the one before it.
    back = text.createTextCursorByRange(controller.getViewCursor().getStart())
    back.gotoStartOfParagraph(False)
    if not back.goLeft(1, False):
        raise OfficeError(f"{what}: nothing was pasted")
    moved = paragraph_at(back)
    if Para(moved, set()).text != moving.text:
        raise OfficeError(f"{what}: cut and paste did not move {short(moving.text)!r}")
    # A paragraph pasted in front of a list item takes that item's numbering in
    # LibreOffice (a heading moved before a list item becomes a numbered heading); in
    # Word the numbering travels with the paragraph mark. Keep the paragraph's own.
    style, level = numbering
    if not style:
        if moved.NumberingStyleName or moved.NumberingIsNumber:
            remove_numbering(office, doc, moved.getStart())
    elif moved.NumberingStyleName != style or moved.NumberingLevel != level:
        moved.NumberingStyleName = style
        moved.NumberingLevel = level


OPS = {"replace": op_replace, "insert_after": op_insert_after, "delete": op_delete,
       "move": op_move, "set_text": op_set_text}


def apply(office: Office, doc: Any, spec: dict[str, Any]) -> None:
    if spec["track_changes"]:
        doc.setPropertyValue("RecordChanges", True)
    for n, edit in enumerate(spec["edits"], 1):
        what = f"edit {n} ({edit['op']})"
        try:
            OPS[edit["op"]](office, doc, edit, what)
        except (EditError, OfficeError):
            raise
        except Exception as e:  # a UNO exception: LibreOffice refused, or went away
            raise OfficeError(f"{what}: LibreOffice failed: {type(e).__name__}: {e}") from e
    if spec["accept_all"]:
        office.dispatch(doc, ".uno:AcceptAllTrackedChanges")
        if doc.getRedlines().hasElements():
            raise OfficeError("accept_all: tracked changes are left after accepting all")


# ---------------------------------------------------------------- main


def run(src: Path, out: Path, edits: Path) -> None:
    if not src.is_file():
        raise UsageError(f"{src}: no such file")
    spec = read_edits(edits)
    office = Office()
    timeout = float(os.environ.get("UNO_EDIT_TIMEOUT", "300"))
    watchdog = threading.Timer(timeout, office.kill)  # a hung LibreOffice fails the run
    watchdog.daemon = True
    try:
        watchdog.start()
        office.start()
        doc = office.load(src)
        try:
            apply(office, doc, spec)
            office.save(doc, out)
        finally:
            with contextlib.suppress(Exception):
                doc.close(True)
    except Exception as e:
        if not watchdog.is_alive() and not isinstance(e, EditError | UsageError):
            raise OfficeError(f"gave up after UNO_EDIT_TIMEOUT={timeout:g} s: {e}") from e
        raise
    finally:
        watchdog.cancel()
        office.stop()


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # runs the cleanup in run()'s finally


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: /usr/bin/python3 tests/uno_edit.py IN.docx OUT.docx EDITS.json",
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    src, out, edits = (Path(a) for a in argv)
    try:
        run(src, out, edits)
    except EditError as e:
        print(f"uno_edit: {e}", file=sys.stderr)
        return 1
    except UsageError as e:
        print(f"uno_edit: {e}", file=sys.stderr)
        return 2
    except OfficeError as e:
        print(f"uno_edit: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
