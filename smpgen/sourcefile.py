"""Reading YAML input files while keeping the line of every key, for located errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ProfileError

Loc = tuple[str | int, ...]

MAX_BYTES = 1_000_000
"""Profiles and records are small; a larger file is refused before parsing."""


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


class _Loader(yaml.SafeLoader):
    """SafeLoader; kept as a subclass so nothing registers constructors on PyYAML's own."""


def load_yaml(path: Path, *, empty_hint: str = " (see 'smpgen init')") -> SourceFile:
    """Parse ``path`` as a YAML mapping, or raise :class:`ProfileError` naming file and line."""

    def fail(line: int, message: str) -> ProfileError:
        return ProfileError([Problem(path, line, "", message)])

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail(1, "file not found") from None
    except IsADirectoryError:
        raise fail(1, "is a folder, not a profile file") from None
    except OSError as e:
        raise fail(1, f"cannot be read: {e.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise fail(1, f"is {len(raw):,} bytes; a profile is at most {MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise fail(line, "is not UTF-8 text; save the file as UTF-8") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        what = e.problem or "is not valid YAML"
        if "\\t" in what or "tab" in what:
            what += " (indent with spaces, not tabs)"
        if e.context and e.context_mark and e.problem_mark and \
                e.context_mark.line != e.problem_mark.line:
            what += f" {e.context} that starts on line {e.context_mark.line + 1}"
        raise fail(line, f"YAML syntax error: {what}") from None
    except yaml.YAMLError as e:
        raise fail(1, f"YAML error: {e}") from None
    finally:
        loader.dispose()
    if node is None:
        raise fail(1, f"is empty; expected a mapping of fields{empty_hint}")
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        raise fail(node.start_mark.line + 1, f"holds {kind} at the top; expected a mapping of fields")
    source = SourceFile(path, {}, raw)
    problems: list[Problem] = []
    source.data = _build(node, (), source, problems, loader, set())
    if problems:
        raise ProfileError(problems)
    return source


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
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError) as e:
        # PyYAML raises ValueError for a date-shaped scalar that is no date (2026-02-30).
        message = f"{node.value!r} is not a date; write it YYYY-MM-DD" if \
            node.tag == "tag:yaml.org,2002:timestamp" else f"cannot be read: {e}"
        problems.append(Problem(source.path, node.start_mark.line + 1, dotted(loc), message))
        return None


def dotted(loc: Loc) -> str:
    """``("accounts", 0, "url")`` as ``accounts[0].url``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


