"""Variable declarations: what a profile may say, as read from a model's manifest.

The same declarations drive profile validation, ``smpgen init``, the JSON Schema, and
the blanks of the model edition, so a league can add a field with no Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TYPES = ("text", "paragraph", "integer", "boolean", "date", "choice", "url", "email", "state",
         "language", "list", "object")
"""Every ``type:`` a variable may declare (each is a class in :mod:`smpgen.fields`)."""


@dataclass(frozen=True, slots=True, eq=False)
class Variable:
    """One declared profile field (or a group of them, when ``type`` is ``object``).

    Compared by identity: declarations are loaded once per model and cached on.
    """

    key: str
    """Its own key, e.g. ``coordinator``."""
    name: str
    """Dotted path from the profile's top, e.g. ``officials.coordinator``."""
    type: str
    """One of :data:`TYPES`."""
    required: bool = False
    """A render stops (unless ``--draft``) when a required value is missing."""
    default: Any = None
    """Used when the profile leaves the field out."""
    guidance: str = ""
    """What the field means and how to choose; printed by ``smpgen init``."""
    suggestion: str = ""
    """Staff suggestion shown in parentheses after the blank in the model edition."""
    example: Any = None
    """A sample value for documentation and ``smpgen init`` comments."""
    choices: tuple[str, ...] = ()
    """The allowed values of a ``choice``."""
    item: Variable | None = None
    """For a ``list``: the declaration of each item."""
    fields: tuple[Variable, ...] = ()
    """For an ``object``: its fields, in order."""
    min_items: int = 0
    """For a ``list``: the fewest items allowed."""
    minimum: int | None = None
    """For an ``integer``: the smallest value allowed (``min:``; 0 when not declared)."""
    maximum: int | None = None
    """For an ``integer``: the largest value allowed (``max:``; none when not declared)."""

    @property
    def is_group(self) -> bool:
        """An object that is a heading in the profile rather than a value."""
        return self.type == "object"

    def expected(self) -> str:
        """How to describe a good value to a person."""
        # Imported here: fields builds on this module (and brings in pydantic).
        from .fields import field_type

        return field_type(self).expected(self)

    def walk(self) -> list[Variable]:
        """This variable and, for a group, every variable below it."""
        out = [self]
        for f in self.fields:
            out.extend(f.walk())
        return out


class DeclarationError(ValueError):
    """A malformed declaration; the caller adds the manifest's file and line."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


_KEYS = {"type", "required", "default", "guidance", "suggestion", "example", "choices", "item",
         "fields", "min_items", "min", "max"}


def parse_group(raw: Any, prefix: str, loc: tuple[str | int, ...]) -> tuple[Variable, ...]:
    """Parse a mapping of declarations; a mapping without ``type`` is a nested group."""
    if not isinstance(raw, dict):
        raise DeclarationError(loc, "expected a mapping of variable declarations")
    out = []
    for key, spec in raw.items():
        name = f"{prefix}.{key}" if prefix else key
        if not key.replace("_", "").isalnum() or not key[0].isalpha():
            raise DeclarationError((*loc, key), "a variable name uses letters, digits and _")
        if isinstance(spec, dict) and "type" not in spec:
            out.append(Variable(key, name, "object", fields=parse_group(spec, name, (*loc, key))))
        else:
            out.append(parse_variable(key, name, spec, (*loc, key)))
    return tuple(out)


def parse_variable(key: str, name: str, spec: Any, loc: tuple[str | int, ...]) -> Variable:
    """Parse one declaration such as ``{type: text, required: true, guidance: ...}``."""
    if not isinstance(spec, dict):
        raise DeclarationError(loc, "expected a mapping with at least 'type'")
    unknown = set(spec) - _KEYS
    if unknown:
        raise DeclarationError(loc, f"unknown declaration keys: {', '.join(sorted(unknown))}")
    vtype = spec["type"]
    if vtype not in TYPES:
        raise DeclarationError((*loc, "type"), f"unknown type {vtype!r}; use one of {', '.join(TYPES)}")
    item = None
    fields: tuple[Variable, ...] = ()
    if vtype == "list":
        if "item" not in spec:
            raise DeclarationError(loc, "a list declares its 'item'")
        item = parse_variable(key, f"{name}[]", spec["item"], (*loc, "item"))
    if vtype == "object":
        fields = parse_group(spec.get("fields"), name, (*loc, "fields"))
    choices = tuple(str(c) for c in spec.get("choices", ()))
    if vtype == "choice" and not choices:
        raise DeclarationError(loc, "a choice declares its 'choices'")
    default = spec.get("default")
    if vtype == "choice" and default is not None and default not in choices:
        raise DeclarationError((*loc, "default"), f"default {default!r} is not among the choices")
    minimum, maximum = _bound(spec, "min", vtype, loc), _bound(spec, "max", vtype, loc)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise DeclarationError((*loc, "max"), f"max {maximum} is below min {minimum}")
    if isinstance(default, int) and not isinstance(default, bool) and (
            (minimum is not None and default < minimum) or (maximum is not None and default > maximum)):
        raise DeclarationError((*loc, "default"), f"default {default} is outside min and max")
    return Variable(
        key=key,
        name=name,
        type=vtype,
        required=bool(spec.get("required", False)),
        default=default,
        guidance=str(spec.get("guidance", "")).strip(),
        suggestion=str(spec.get("suggestion", "")).strip(),
        example=spec.get("example"),
        choices=choices,
        item=item,
        fields=fields,
        min_items=int(spec.get("min_items", 0)),
        minimum=minimum,
        maximum=maximum,
    )


def _bound(spec: dict[str, Any], key: str, vtype: str, loc: tuple[str | int, ...]) -> int | None:
    """An integer's declared ``min`` or ``max``."""
    value = spec.get(key)
    if value is None:
        return None
    if vtype != "integer":
        raise DeclarationError((*loc, key), f"'{key}' applies only to an integer")
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeclarationError((*loc, key), f"'{key}' is a whole number")
    return value
