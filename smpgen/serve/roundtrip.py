"""The profile's YAML with the form's values put in, keeping the person's comments, order,
quotes and formatting: ruamel.yaml's round trip (as :func:`smpgen.upgrade.record_version`
writes ``model_version``), changing only the values the form changed.

A value counts as changed when it shows differently in the form from the value smpgen's
own loader reads in the file (:func:`smpgen.serve.forms.shown`), so what ruamel reads
otherwise (it follows YAML 1.2, smpgen YAML 1.1) is never rewritten unasked. A cleared
field is written empty (``key:``, as ``smpgen init`` writes a blank) rather than removed,
so the comments around it stay where they are; a field the file lacks is put after the
field before it in the profile's order, and the comments that stood before the next
field move with it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import pairwise
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from ..errors import UserError
from .forms import ABSENT, FormField, shown

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_INTEGER = re.compile(r"[-+]?[0-9]{1,20}", re.ASCII)
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


def updated_text(original: str, spec: FormField, new: dict[str, Any], old: dict[str, Any]) -> str:
    """``original`` (a profile's text) with the values of ``new`` (read from the form by
    :func:`smpgen.serve.forms.read`) that differ from ``old`` (the file's values as
    smpgen reads them) put in; ``original`` itself when nothing differs."""
    rt = _round_trip(original)
    data = _load(rt, original)
    _apply_group(data, spec, new, old)
    changed = _dump(rt, data)
    baseline = _baseline(original)
    return original if changed == baseline else _splice(original, baseline, changed)


def _load(rt: YAML, text: str) -> CommentedMap:
    try:
        data = rt.load(text)
    except YAMLError as e:
        raise UserError(f"the file cannot be read back to keep its comments: {e}") from None
    if data is None:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise UserError("the file holds no mapping of fields at the top")
    return data


def _dump(rt: YAML, data: CommentedMap) -> str:
    out = io.StringIO()
    rt.dump(data, out)
    return out.getvalue()


@lru_cache(maxsize=8)
def _baseline(original: str) -> str:
    """``original`` read and written by ruamel with no change: where this differs from
    ``original`` is ruamel's own formatting (it joins a long plain value folded over
    lines, say), which :func:`_splice` keeps out of the text saved."""
    rt = _round_trip(original)
    return _dump(rt, _load(rt, original))


def _splice(original: str, baseline: str, changed: str) -> str:
    """The lines ``changed`` changes in ``baseline``, made in ``original``: a three-way
    merge by lines, where a change that touches a line ruamel wrote differently from the
    file takes ruamel's lines for that stretch."""
    o, b, m = (t.splitlines(keepends=True) for t in (original, baseline, changed))
    o_start, o_end, reformatted = _alignment(b, o)
    m_start, m_end, edits = _alignment(b, m)
    regions: list[list[int]] = []
    for start, end in sorted(edits):
        for h_start, h_end in reformatted:
            if h_start <= end and start <= h_end:  # overlapping or touching
                start, end = min(start, h_start), max(end, h_end)
        if regions and start <= regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], end)
        else:
            regions.append([start, end])
    out: list[str] = []
    at = 0
    for start, end in regions:
        out += o[o_end[at]:o_start[start]]
        out += m[m_start[start]:m_end[end]]
        at = end
    out += o[o_end[at]:]
    return "".join(out)


def _alignment(a: list[str], b: list[str]) -> tuple[dict[int, int], dict[int, int],
                                                      list[tuple[int, int]]]:
    """How the lines of ``a`` stand in ``b``: for each place between two lines of ``a``,
    where the lines of ``b`` from there on start (before any lines ``b`` inserts there) and
    where those up to there end (after them); and the stretches of ``a`` that differ."""
    starts: dict[int, int] = {}
    ends: dict[int, int] = {0: 0}
    differ = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            for i in range(i1, i2 + 1):
                starts.setdefault(i, j1 + i - i1)
                ends[i] = j1 + i - i1
        else:
            differ.append((i1, i2))
            starts.setdefault(i1, j1)
            ends[i2] = j2
    return starts, ends, differ


def _round_trip(text: str) -> YAML:
    rt = YAML()
    rt.width = 4096
    rt.preserve_quotes = True
    sequence, offset = _list_indent(text)
    rt.indent(mapping=2, sequence=sequence, offset=offset)
    return rt


def _list_indent(text: str) -> tuple[int, int]:
    """How the file indents a list under its key: ``  - item`` (ruamel's sequence 4, offset
    2, as ``smpgen init`` writes) or ``- item`` (2, 0)."""
    lines = text.splitlines()
    for before, line in pairwise(lines):
        key = re.match(r"( *)[^\s#-][^:#]*:\s*(#.*)?$", before)
        dash = re.match(r"( *)- ", line)
        if key and dash:
            offset = len(dash.group(1)) - len(key.group(1))
            if offset in (0, 2):
                return offset + 2, offset
    return 4, 2


# Applying the form's values ------------------------------------------------------------------

def _apply_group(target: CommentedMap, spec: FormField, new: dict[str, Any],
                 old: Any) -> None:
    old_map = old if isinstance(old, dict) else {}
    for field in spec.fields:
        if field.key not in new:
            continue
        value, before = new[field.key], old_map.get(field.key, ABSENT)
        present = target.get(field.key) if field.key in target else ABSENT
        if field.kind == "group":
            if isinstance(present, CommentedMap):
                _apply_group(present, field, value, before)
            elif not _same(field, value, before):
                _put(target, spec, field.key, _node(field, value, present))
            continue
        if _same(field, value, before):
            continue
        if field.kind == "list" and isinstance(present, CommentedSeq) and isinstance(before, list) \
                and len(before) == len(present):
            assert field.item is not None
            _apply_list(present, field.item, value, before)
        else:
            _put(target, spec, field.key, _node(field, value, present))


def _apply_list(target: CommentedSeq, item: FormField, new: list[Any], old: list[Any]) -> None:
    for i, value in enumerate(new[:len(target)]):
        if item.kind == "group" and isinstance(target[i], CommentedMap):
            _apply_group(target[i], item, value, old[i])
        elif not _same(item, value, old[i]):
            target[i] = _node(item, value, target[i])
    if len(new) == len(target):
        return
    tail = _take_tail(target, len(target) - 1) if len(target) else None
    style = target[0] if len(target) else None
    for value in new[len(target):]:
        target.append(_node(item, value, style))
    del target[len(new):]
    if len(target):
        _put_tail(target, len(target) - 1, tail)


def _same(field: FormField, new: Any, old: Any) -> bool:
    """Whether the form's ``new`` shows what the file's ``old`` is (a field the file
    leaves out is its default, or empty)."""
    if old is None:  # a key without a value reads as left out
        old = ABSENT
    if field.kind == "group":
        old = old if isinstance(old, dict) else {}
        return isinstance(new, dict) and all(_same(f, new[f.key], old.get(f.key, ABSENT))
                                             for f in field.fields if f.key in new)
    if old is ABSENT:  # left out: the default applies, which an empty field also means
        if field.kind == "boolean":
            return bool(new == shown(field.default is True))
        return _empty(new) or (field.default is not None and _same(field, new, field.default))
    if field.kind == "list":
        assert field.item is not None
        if not isinstance(old, list):  # the form showed no items for it (and says why)
            return _empty(new)
        item = field.item
        return isinstance(new, list) and len(new) == len(old) and \
            all(_same(item, n, o) for n, o in zip(new, old, strict=True))
    return bool(new == _as_posted(shown(old)))


def _as_posted(text: str) -> str:
    """``text`` as a form posts it back (see :func:`smpgen.serve.forms.read`)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _empty(new: Any) -> bool:
    if isinstance(new, dict):
        return all(_empty(v) for v in new.values())
    return new in ("", [])


def _node(field: FormField, value: Any, present: Any) -> Any:
    """The YAML node for the form's ``value``; ``present`` (what the file holds there, or
    a list's first item) lends its quoting or flow style."""
    if field.kind == "group":
        out = CommentedMap()
        for f in field.fields:
            if f.key in value and not _same(f, value[f.key], ABSENT):
                out[f.key] = _node(f, value[f.key], ABSENT)
        if isinstance(present, CommentedMap) and present.fa.flow_style():
            out.fa.set_flow_style()
        return out if out or field.name.endswith("[]") else None
    if field.kind == "list":
        assert field.item is not None
        seq = CommentedSeq(_node(field.item, v, ABSENT) for v in value)
        if isinstance(present, CommentedSeq) and present.fa.flow_style():
            seq.fa.set_flow_style()
        return seq
    return _scalar(field, value, present)


def _scalar(field: FormField, value: str, present: Any) -> Any:
    if value == "":
        return None
    if field.kind == "integer" and _INTEGER.fullmatch(value):
        return int(value)
    if field.kind == "boolean" and value in ("true", "false"):
        return value == "true"
    if field.kind == "date" and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass  # written as text; the loader says what is wrong with it
    if "\n" in value:  # a block, ending as the one it replaces did (| rather than |-)
        ending = "\n" if isinstance(present, str) and present.endswith("\n") else ""
        return LiteralScalarString(value + ending)
    if isinstance(present, DoubleQuotedScalarString | SingleQuotedScalarString):
        return type(present)(value)
    # ruamel quotes what YAML 1.2 would read as other than text; smpgen reads YAML 1.1,
    # where yes, 0702 and 1:30 are not text either.
    if _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR:  # type: ignore[no-untyped-call]
        return DoubleQuotedScalarString(value)
    return value


# Keys and the comments around them -----------------------------------------------------------

def _put(target: CommentedMap, spec: FormField, key: str, value: Any) -> None:
    """Set ``key``; a new key goes after the one before it in the profile's order, and
    takes over the comments that stood after that one (they introduce what follows)."""
    if key in target:
        tail = _take_tail(target, key)
        target[key] = value
        _put_tail(target, key, tail)
        return
    order = [f.key for f in spec.fields]
    rank = order.index(key)
    keys = list(target)
    before = [k for k in keys if k in order and order.index(k) < rank]
    after = max(before, key=order.index) if before else None  # the nearest in that order
    tail = _take_tail(target, after) if after is not None else None
    target.insert(keys.index(after) + 1 if after is not None else 0, key, value)
    _put_tail(target, key, tail)


def _take_tail(container: CommentedMap | CommentedSeq, key: Any) -> CommentToken | None:
    """Remove and return the comment lines (and blank lines) after ``container[key]``:
    ruamel keeps them with the last value before them, though they introduce what comes
    next. A comment at the end of the value's own line stays."""
    value = container[key]
    if isinstance(value, CommentedMap | CommentedSeq) and len(value) and \
            not value.fa.flow_style():
        return _take_tail(value, list(value)[-1] if isinstance(value, CommentedMap)
                          else len(value) - 1)
    slot = 2 if isinstance(container, CommentedMap) else 0
    entry = container.ca.items.get(key)
    if not entry or entry[slot] is None:
        return None
    token = entry[slot]
    text = str(token.value)
    if text.startswith("#"):  # a comment at the end of the line: it stays there
        own, _, rest = text.partition("\n")
        token.value = own + "\n"
        rest = "\n" + rest if rest else ""
    else:
        entry[slot], rest = None, text
    return CommentToken(rest, token.start_mark, None) if rest else None


def _put_tail(container: CommentedMap | CommentedSeq, key: Any, tail: CommentToken | None) -> None:
    if tail is None:
        return
    value = container[key]
    if isinstance(value, CommentedMap | CommentedSeq) and len(value) and \
            not value.fa.flow_style():
        _put_tail(value, list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1,
                  tail)
        return
    slot = 2 if isinstance(container, CommentedMap) else 0
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    if entry[slot] is None:
        entry[slot] = tail
    else:
        own = str(entry[slot].value)
        entry[slot].value = (own.rstrip("\n") if own.startswith("#") else own) + tail.value
