"""Reading YAML input files while keeping the line of every key, for located errors."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .characters import character_problem
from .errors import Problem, ProfileError

Loc = tuple[str | int, ...]

MAX_BYTES = 1_000_000
"""Profiles and records are small; a larger file is refused before parsing."""
MAX_DEPTH = 32
"""Lists and mappings nested deeper than this are refused: a profile nests four levels,
and PyYAML's composer recurses once per level (deep nesting would exhaust the stack)."""
MAX_CHARACTER_PROBLEMS = 10
"""Lines reported for characters YAML cannot read; a binary file would give thousands."""



@dataclass(slots=True)
class SourceFile:
    """A parsed YAML mapping and where each of its keys stands."""

    path: Path
    """The file as the user named it."""
    data: dict[str, Any]
    """The parsed top-level mapping (plain dicts, lists and scalars)."""
    text: bytes
    """The raw bytes, for hashing."""
    lines: dict[Loc, int] = field(default_factory=dict)
    """1-based line of each key (for mappings) or item (for lists), by location."""
    written: dict[Loc, str] = field(default_factory=dict)
    """The characters the user typed for each scalar YAML reads as other than text
    (``0702``, ``1_000``, ``yes``, a date): messages quote these, not the number read."""

    def line_of(self, loc: Loc) -> int:
        """The line of ``loc``, or of its nearest parent that has one."""
        return nearest_line(self.lines, loc)


def nearest_line(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of ``loc`` in ``lines``, or of its nearest parent that has one (else 1)."""
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return 1


class _TooDeep(yaml.YAMLError):
    """Nesting beyond :data:`MAX_DEPTH`, raised where it starts."""

    def __init__(self, mark: Any) -> None:
        super().__init__()
        self.line = mark.line + 1 if mark is not None else 1


class _Loader(yaml.SafeLoader):
    """SafeLoader with a nesting limit; a subclass, too, so nothing registers constructors
    on PyYAML's own."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _TooDeep(event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(path: Path, *, empty_hint: str = " (see 'smpgen init')") -> SourceFile:
    """Parse ``path`` as a YAML mapping, or raise :class:`ProfileError` naming file and line."""
    return parse_yaml(path, read_input(path), empty_hint=empty_hint)


def _fail(path: Path, line: int, message: str) -> ProfileError:
    return ProfileError([Problem(path, line, "", message)])


_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(path: Path, mode: int) -> ProfileError | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return _fail(path, 1, "is a folder, not a profile file")
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return _fail(path, 1, f"is {kind}, not a file; smpgen reads only regular files "
                          "(save the YAML to a file and give its name)")


def read_input(path: Path) -> bytes:
    """The bytes of the regular file at ``path``, at most :data:`MAX_BYTES` of them.

    A pipe, a device or a folder is refused before it is opened (a FIFO would block the
    open, ``/dev/zero`` never ends), and the read stops one byte past the limit, so a
    file that grows while it is read cannot exhaust memory either.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _fail(path, 1, "file not found") from None
    except OSError as e:
        raise _fail(path, 1, f"cannot be read: {e.strerror}") from None
    refused = _not_regular(path, info.st_mode)
    if refused:
        raise refused
    if info.st_size > MAX_BYTES:
        raise _fail(path, 1, f"is {info.st_size:,} bytes; a profile is at most {MAX_BYTES:,} bytes")
    try:
        # O_NONBLOCK: should a FIFO replace the file after the stat, the open still returns.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise _fail(path, 1, f"cannot be read: {e.strerror}") from None
    try:
        refused = _not_regular(path, os.fstat(fd).st_mode)
        if refused:
            raise refused
        raw = _read_at_most(fd, MAX_BYTES + 1)
    except OSError as e:
        raise _fail(path, 1, f"cannot be read: {e.strerror}") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        raise _fail(path, 1, f"is more than {MAX_BYTES:,} bytes; a profile is at most "
                             f"{MAX_BYTES:,} bytes")
    return raw


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(limit - size, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def parse_yaml(path: Path, raw: bytes, *, empty_hint: str = " (see 'smpgen init')") -> SourceFile:
    """Parse ``raw`` (the bytes of ``path``) as a YAML mapping, or raise
    :class:`ProfileError` naming file and line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise _fail(path, line, "is not UTF-8 text; save the file as UTF-8") from None
    unreadable = _unreadable_characters(path, text)
    if unreadable:
        raise ProfileError(unreadable)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except _TooDeep as e:
        raise _fail(path, e.line, f"lists and mappings nest more than {MAX_DEPTH} levels "
                                           "deep here; a profile needs only a few") from None
    except yaml.MarkedYAMLError as e:
        raise _syntax_error(path, e) from None
    except yaml.YAMLError as e:
        raise _fail(path, 1, f"YAML error: {e}") from None
    finally:
        loader.dispose()
    if node is None:
        raise _fail(path, 1, f"is empty; expected a mapping of fields{empty_hint}")
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        raise _fail(path, node.start_mark.line + 1,
                    f"holds {kind} at the top; expected a mapping of fields")
    source = SourceFile(path, {}, raw)
    problems: list[Problem] = []
    source.data = _build(node, (), source, problems, loader, set())
    if problems:
        raise ProfileError(problems)
    return source


def _syntax_error(path: Path, e: yaml.MarkedYAMLError) -> ProfileError:
    mark = e.problem_mark or e.context_mark
    line = mark.line + 1 if mark else 1
    what = e.problem or "is not valid YAML"
    if "\\t" in what or "tab" in what:
        what += " (indent with spaces, not tabs)"
    if e.context and e.context_mark and e.problem_mark and \
            e.context_mark.line != e.problem_mark.line:
        what += f" {e.context} that starts on line {e.context_mark.line + 1}"
    return _fail(path, line, f"YAML syntax error: {what}")


def _unreadable_characters(path: Path, text: str) -> list[Problem]:
    """A located problem for each line holding a character PyYAML refuses to read.

    PyYAML's own ReaderError gives only a character offset and no field. Here the text
    is parsed once more with those characters replaced, to name the field each stands in.
    """
    found = list(_Loader.NON_PRINTABLE.finditer(text))
    if not found:
        return []
    root = _compose_quietly(_Loader.NON_PRINTABLE.sub("\ufffd", text))
    problems: list[Problem] = []
    reported: set[int] = set()
    for match in found:
        line = _line_at(text, match.start())
        if line in reported:
            continue
        if len(reported) == MAX_CHARACTER_PROBLEMS:
            problems.append(Problem(path, line, "", "and later lines hold more characters that "
                                                    "are not allowed; remove them all"))
            break
        reported.add(line)
        loc = _loc_at(root, match.start(), ()) if root is not None else None
        message = character_problem(match.group()) or "contains a character that is not allowed"
        problems.append(Problem(path, line, dotted(loc or ()), message))
    return problems


def _line_at(text: str, index: int) -> int:
    """The 1-based line of ``text[index]``, counting line breaks as PyYAML's marks do."""
    before = text[:index]
    breaks = sum(before.count(ch) for ch in "\n\x85\u2028\u2029")
    return 1 + breaks + before.count("\r") - before.count("\r\n")


def _compose_quietly(text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _loc_at(node: yaml.Node, index: int, loc: Loc) -> Loc | None:
    """Where the character at ``index`` stands: the value holding it, or the mapping whose
    key holds it; None if no value holds it (it is in a comment, say)."""
    if not node.start_mark.index <= index < node.end_mark.index:
        return None
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.start_mark.index <= index < key.end_mark.index:
                return loc
            inner = _loc_at(value, index, (*loc, str(key.value)))
            if inner is not None:
                return inner
        return None
    if isinstance(node, yaml.SequenceNode):
        return next((found for i, item in enumerate(node.value)
                     if (found := _loc_at(item, index, (*loc, i))) is not None), None)
    return loc


def _build(
    node: yaml.Node,
    loc: Loc,
    source: SourceFile,
    problems: list[Problem],
    loader: _Loader,
    seen: set[int],
) -> Any:
    # An alias makes the composer reuse a node; refusing reuse also defuses alias bombs.
    # The first one is reported; the walk stops expanding there.
    if id(node) in seen:
        if not any("aliases" in p.message for p in problems):
            problems.append(Problem(source.path, node.start_mark.line + 1, dotted(loc),
                                    "YAML anchors and aliases are not supported; write the "
                                    "value out"))
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(Problem(source.path, line, dotted(loc),
                                        "YAML merge keys (<<) are not supported; write the "
                                        "values out"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(source.path, line, dotted(loc), "keys must be plain names"))
                continue
            key = str(key_node.value)
            if key in out:
                problems.append(Problem(source.path, line, dotted((*loc, key)),
                                        "appears twice; keep one"))
                continue
            source.lines[(*loc, key)] = line
            out[key] = _build(value_node, (*loc, key), source, problems, loader, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            source.lines[(*loc, i)] = item.start_mark.line + 1
            items.append(_build(item, (*loc, i), source, problems, loader, seen))
        return items
    return _scalar(node, loc, source, problems, loader)


_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {f"{_YAML_TAG}{tag}": word for tag, word in (
    ("str", "text"), ("int", "a number"), ("float", "a number"), ("bool", "true or false"),
    ("null", "nothing"), ("timestamp", "a date"))}
"""The kinds of scalar a profile holds, with how to name each."""
_TOO_MANY_DIGITS = 4_300
"""Python refuses to read an integer with more digits than this."""


def _scalar(node: yaml.Node, loc: Loc, source: SourceFile, problems: list[Problem],
            loader: _Loader) -> Any:
    def problem(message: str) -> None:
        problems.append(Problem(source.path, node.start_mark.line + 1, dotted(loc), message))

    tag = str(node.tag)
    if tag not in _PLAIN_TAGS:
        problem(f"has the YAML tag {_shown_tag(tag)}, which smpgen does not read; remove the tag")
        return None
    written = str(node.value)
    if tag != f"{_YAML_TAG}str":
        source.written[loc] = written
    try:
        return loader.construct_object(node)
    # PyYAML's constructors raise what their conversion raises for a value the tag cannot
    # hold: ValueError for 2026-02-30 or 5,000 digits, KeyError for !!bool maybe, ...
    except (yaml.YAMLError, ValueError, KeyError, AttributeError, TypeError):
        if tag == f"{_YAML_TAG}timestamp":
            problem(f"{written!r} is not a date; write it YYYY-MM-DD")
        elif tag == f"{_YAML_TAG}int" and len(written) > _TOO_MANY_DIGITS:
            problem(f"is a number of {len(written):,} characters, too long to read")
        else:
            problem(f"{written!r} cannot be read as {_PLAIN_TAGS[tag]}; remove the tag "
                    f"{_shown_tag(tag)} or correct the value")
        return None


def _shown_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def dotted(loc: Loc) -> str:
    """``("accounts", 0, "url")`` as ``accounts[0].url``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
