"""The edit form, built from the profile's JSON Schema (the one ``smpgen schema`` prints),
so a field a model declares appears on the page without new code; the form's values as
the page shows them; and the posted form read back into values by the same spec.

Names and ids are the contract the page, its tests and its script share:

- an input's ``name`` is the field as a :class:`~smpgen.errors.Problem` names it
  (``city.name``, ``accounts[0].url``, ``council.costs[2]``), so a located message
  finds its input by name;
- ids derive from it (:func:`dom_id`): ``f-`` the input, ``h-`` its guidance, ``m-`` its
  messages, ``c-`` a list's container (the part a list operation replaces);
- a list in the form is announced by a hidden ``_lists`` input holding its name, so a
  list whose every item was removed reads as empty rather than as left out;
- a check box is preceded by a hidden input of the same name holding ``false``; the
  last value posted wins.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from ..errors import Problem
from ..models import Model
from ..profile import profile_variables
from ..schema import profile_schema
from ..variables import Variable

Kind = Literal["group", "list", "text", "paragraph", "integer", "boolean", "date", "choice",
               "url", "email"]
"""How a field is edited: a fieldset (group), a growing list, or one kind of input."""

LISTS = "_lists"
"""The hidden input naming each list the form holds (see the module's docstring)."""

_WORDS = {"url": "URL", "urls": "URLs", "ada": "ADA", "id": "ID"}


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of the form, from one node of the JSON Schema."""

    key: str
    """Its own key (``name``); empty for the whole profile and for a list's item."""
    name: str
    """The declaration's dotted name, a list's item written ``[]``
    (``council.prepared_by[].name``)."""
    kind: Kind
    """How it is edited."""
    label: str
    """The label a person reads, from the key (``meeting_date``: Meeting date)."""
    description: str = ""
    """The schema's description: the declaration's guidance."""
    example: str = ""
    """The schema's first example, as text."""
    suggestion: str = ""
    """The model's suggestion (what the model edition prints after the blank)."""
    default: Any = None
    """The schema's default: what applies when the field is left out."""
    required: bool = False
    """Required by the schema (a render stops without it, unless drafting)."""
    choices: tuple[str, ...] = ()
    """A choice's values, in order."""
    minimum: int | None = None
    """An integer's smallest value."""
    maximum: int | None = None
    """An integer's largest value."""
    max_items: int | None = None
    """A list's most items."""
    fields: tuple[FormField, ...] = ()
    """A group's fields, in the profile's order."""
    item: FormField | None = None
    """A list's item."""

    @property
    def is_leaf(self) -> bool:
        """An input of its own (not a group or a list)."""
        return self.kind not in ("group", "list")


@lru_cache(maxsize=16)
def form_spec(model: Model) -> FormField:
    """The form for profiles of ``model``: the root group, built once per model release."""
    declared = {v.name: v for top in profile_variables(model) for v in _declarations(top)}
    return _field("", "", profile_schema(model), False, declared)


def _declarations(var: Variable) -> Iterator[Variable]:
    yield var
    if var.item is not None:
        yield from _declarations(var.item)
    for f in var.fields:
        yield from _declarations(f)


def _field(key: str, name: str, node: Mapping[str, Any], required: bool,
           declared: Mapping[str, Variable]) -> FormField:
    var = declared.get(name)
    common: dict[str, Any] = {
        "description": str(node.get("description", "")),
        "example": _text(node["examples"][0]) if node.get("examples") else "",
        "suggestion": var.suggestion if var is not None else "",
        "default": node.get("default"),
        "required": required,
    }
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        must = set(node.get("required", ()))
        fields = tuple(_field(k, f"{name}.{k}" if name else k, sub, k in must, declared)
                       for k, sub in node.get("properties", {}).items())
        return FormField(key, name, "group", _label(key), fields=fields, **common)
    if kind == "array":
        item = _field("", f"{name}[]", node.get("items", {}), True, declared)
        return FormField(key, name, "list", _label(key), item=item,
                         max_items=node.get("maxItems"), **common)
    if "enum" in node:
        return FormField(key, name, "choice", _label(key),
                         choices=tuple(str(c) for c in node["enum"]), **common)
    if kind == "integer":
        return FormField(key, name, "integer", _label(key), minimum=node.get("minimum"),
                         maximum=node.get("maximum"), **common)
    if kind == "boolean":
        return FormField(key, name, "boolean", _label(key), **common)
    text: Kind = "text"
    if node.get("format") == "date":
        text = "date"
    elif node.get("format") == "email":
        text = "email"
    elif node.get("pattern") == "^https?://":
        text = "url"
    elif var is not None and var.type == "paragraph":
        # The schema does not tell a paragraph from a line; the declaration does.
        text = "paragraph"
    return FormField(key, name, text, _label(key), **common)


def _label(key: str) -> str:
    words = [_WORDS.get(w, w) for w in key.split("_")]
    return " ".join(words)[:1].upper() + " ".join(words)[1:] if words else ""


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return shown(value)


# Values as the page shows them ---------------------------------------------------------------

def shown(value: Any) -> str:
    """A value as an input holds it: dates ``YYYY-MM-DD``, true/false as ``true`` and
    ``false``, nothing as an empty string. Two values are the same to the form when they
    show the same."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def dom_id(name: str) -> str:
    """The id stem of a concrete field name: ``accounts[0].url`` gives ``accounts-0-url``
    (keys are letters, digits and ``_``, so the stem is never ambiguous)."""
    return re.sub(r"[.\[\]]+", "-", name).strip("-")


@dataclass(frozen=True, slots=True)
class Message:
    """A problem or warning shown beside its field."""

    level: Literal["error", "warning"]
    text: str
    field: str
    """The field the message names (it may sit with a parent when the field has no input
    of its own, e.g. an unknown key)."""
    line: int


@dataclass(slots=True)
class Node:
    """One field of the form for one profile: its spec, its concrete name, its value."""

    spec: FormField
    name: str
    """Concrete dotted name (``accounts[0].url``), as problems name fields."""
    value: Any
    """A leaf's value as the input shows it (:func:`shown`); the raw value otherwise."""
    children: list[Node] = field(default_factory=list)
    """A group's fields, or a list's items."""
    index: int | None = None
    """The position of a list's item."""
    defaulted: bool = False
    """A list left out of the file, showing the model's default items."""
    messages: list[Message] = field(default_factory=list)
    focus: bool = False
    """Take the keyboard focus when swapped in (after a list operation)."""

    @property
    def id(self) -> str:
        """The id stem (see :func:`dom_id`)."""
        return dom_id(self.name)

    @property
    def errors(self) -> list[Message]:
        """The problems among its messages."""
        return [m for m in self.messages if m.level == "error"]

    @property
    def fits_input(self) -> bool:
        """A date or integer leaf whose value the browser's date or number input can hold:
        empty, a real ``YYYY-MM-DD`` date, a whole number. Such an input drops any other
        value, so the form would post (and Save write) a blank where the file had, say,
        ``February 9, 2027``: such a value is shown in a text input instead, with its
        message beside it, until the person puts it right."""
        value = self.value if isinstance(self.value, str) else ""
        if not value:
            return True
        if self.spec.kind == "integer":
            return _WHOLE.fullmatch(value) is not None
        if self.spec.kind == "date":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return False
            return _ISO_DATE.fullmatch(value) is not None  # 20270209 is ISO too, not for inputs
        return True

    def walk(self) -> Iterator[Node]:
        """This node and every node below it."""
        yield self
        for child in self.children:
            yield from child.walk()


_WHOLE = re.compile(r"-?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

ABSENT: Any = object()
"""A field the file (or the posted form) does not hold at all."""


def build(spec: FormField, value: Any = ABSENT, name: str = "", index: int | None = None) -> Node:
    """The form's nodes for ``value`` (the profile's data, or the values read from a posted
    form). A list left out shows the model's default items; a leaf left out shows empty,
    the default then being its placeholder."""
    if spec.kind == "group":
        data = value if isinstance(value, dict) else {}
        return Node(spec, name, value, [build(f, data.get(f.key, ABSENT), _join(name, f.key))
                                        for f in spec.fields], index)
    if spec.kind == "list":
        defaulted = value in (ABSENT, None) and isinstance(spec.default, list)
        items = spec.default if defaulted else value if isinstance(value, list) else []
        assert spec.item is not None
        return Node(spec, name, value, [build(spec.item, v, f"{name}[{i}]", i)
                                        for i, v in enumerate(items)], index, defaulted)
    if spec.kind == "boolean" and value is ABSENT:
        return Node(spec, name, shown(spec.default is True), index=index)
    return Node(spec, name, "" if value is ABSENT else shown(value), index=index)


def _join(name: str, key: str) -> str:
    return f"{name}.{key}" if name else key


def attach(root: Node, problems: Sequence[Problem], warnings: Sequence[Problem]) -> list[Message]:
    """Put each message with the node of the field it names, or of its nearest parent in
    the form; the messages no field holds (the whole file's) are returned."""
    nodes = {n.name: n for n in root.walk()}
    loose: list[Message] = []
    for level, found in (("error", problems), ("warning", warnings)):
        for p in found:
            message = Message("error" if level == "error" else "warning", p.message, p.field,
                              p.line)
            name = p.field
            while name and name not in nodes:
                name = _parent(name)
            (nodes[name].messages if name else loose).append(message)
    return loose


def _parent(name: str) -> str:
    cut = max(name.rfind("."), name.rfind("["))
    return name[:cut] if cut > 0 else ""


# The posted form -------------------------------------------------------------------------------

class Posted:
    """A posted form's values (every value of each name, in order), as the page sends
    them: check boxes as ``false`` then ``true``, lists named in ``_lists``."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in items:
            self._values.setdefault(key, []).append(value)
        self.lists = set(self._values.get(LISTS, ()))

    def last(self, name: str) -> str | None:
        """The last value posted for ``name``; None when none was."""
        values = self._values.get(name)
        return values[-1] if values else None

    def indices(self, name: str) -> list[int]:
        """The item positions posted for the list ``name``, in order."""
        pattern = re.compile(re.escape(name) + r"\[(\d{1,4})\]")
        return sorted({int(m.group(1)) for k in self._values if (m := pattern.match(k))})


def read(spec: FormField, posted: Posted, name: str = "") -> Any:
    """The values of ``spec`` in the posted form, shaped like the profile: leaves as the
    input showed them (stripped, line breaks as ``\\n``), :data:`ABSENT` where the form
    holds no such field. A list's items are taken in the order of their positions (the
    page numbers them from 0, a list operation renumbering them)."""
    if spec.kind == "group":
        out = {}
        for f in spec.fields:
            value = read(f, posted, _join(name, f.key))
            if value is not ABSENT:
                out[f.key] = value
        return out if out or not name else ABSENT
    if spec.kind == "list":
        if name not in posted.lists:
            return ABSENT
        assert spec.item is not None
        empty = {} if spec.item.kind == "group" else ""
        items = [read(spec.item, posted, f"{name}[{i}]") for i in posted.indices(name)]
        return [empty if value is ABSENT else value for value in items]
    raw = posted.last(name)
    if raw is None:
        return ABSENT
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip()
