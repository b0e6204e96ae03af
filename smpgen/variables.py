"""Variable declarations: what a profile may say, as read from a model's manifest.

The same declarations drive profile validation, ``smpgen init``, the JSON Schema, and
the blanks of the model edition, so a league can add a field with no Python.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    max_items: int | None = None
    """For a ``list``: the most items allowed (None: no limit), e.g. so that a list the
    tracking form prints as check boxes keeps it to one page."""
    max_length: int | None = None
    """For a ``text`` or ``paragraph``: the most characters allowed, when fewer than the
    type's own limit (a list item printed as a check box label)."""
    model_blank: bool = False
    """The league's model edition shows a blank (with the suggestion) although a city
    that leaves the value out gets the default: for a value each city should decide."""
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

    def __init__(self, loc: tuple[str | int, ...], message: str, name: str = "") -> None:
        super().__init__(message)
        self.loc = loc
        # The variable whose declaration is broken ("" for the whole mapping), so a manifest
        # naming it elsewhere is not reported again.
        self.name = name


_KEYS = {"type", "required", "default", "guidance", "suggestion", "example", "choices", "item",
         "fields", "min_items", "max_items", "max_length", "min", "max", "model_blank"}
_ONLY_FOR: dict[str, tuple[str, ...]] = {
    "choices": ("choice",), "item": ("list",), "min_items": ("list",), "max_items": ("list",),
    "fields": ("object",), "min": ("integer",), "max": ("integer",),
    "max_length": ("text", "paragraph")}
"""Keys that mean something for some types only (elsewhere they would be ignored unseen)."""


def parse_group(raw: Any, prefix: str, loc: tuple[str | int, ...],
                errors: list[DeclarationError] | None = None) -> tuple[Variable, ...]:
    """Parse a mapping of declarations; a mapping without ``type`` is a nested group.

    Without ``errors``, the first malformed declaration raises :class:`DeclarationError`;
    with it, each one is added to ``errors`` and left out, and the others are parsed.
    """
    out = []
    try:
        if not isinstance(raw, dict):
            raise DeclarationError(loc, "expected a mapping of variable declarations", prefix)
        for key, spec in raw.items():
            name = f"{prefix}.{key}" if prefix else key
            try:
                if not key.replace("_", "").isalnum() or not key[0].isalpha():
                    raise DeclarationError((*loc, key), "a variable name uses letters, digits "
                                           "and _, starting with a letter", name)
                if isinstance(spec, dict) and "type" not in spec:
                    group = parse_group(spec, name, (*loc, key), errors)
                    out.append(Variable(key, name, "object", fields=group))
                else:
                    out.append(parse_variable(key, name, spec, (*loc, key)))
            except DeclarationError as e:  # from this declaration, its item or its fields
                if errors is None:
                    raise
                e.name = name
                errors.append(e)
    except DeclarationError as e:
        if errors is None:
            raise
        errors.append(e)
    return tuple(out)


def parse_variable(key: str, name: str, spec: Any, loc: tuple[str | int, ...]) -> Variable:
    """Parse one declaration such as ``{type: text, required: true, guidance: ...}``;
    a :class:`DeclarationError` names the first key that is wrong."""
    if not isinstance(spec, dict):
        raise DeclarationError(loc, "expected a mapping with at least 'type'", name)
    unknown = set(spec) - _KEYS
    if unknown:
        raise DeclarationError(loc, f"unknown declaration keys: {', '.join(sorted(unknown))}; "
                               f"expected: {', '.join(sorted(_KEYS))}", name)
    if "type" not in spec:
        raise DeclarationError(loc, f"declares no 'type'; give one of {', '.join(TYPES)}", name)
    vtype = spec["type"]
    if not isinstance(vtype, str) or vtype not in TYPES:
        given = f"unknown type {vtype!r}" if isinstance(vtype, str) else \
            f"expected a type name, got {_kind(vtype)}"
        raise DeclarationError((*loc, "type"), f"{given}; use one of {', '.join(TYPES)}", name)
    for k, only in _ONLY_FOR.items():
        if k in spec and vtype not in only:
            kinds = " or ".join(f"a{'n' * (t[0] in 'aeiou')} {t}" for t in only)
            raise DeclarationError((*loc, k), f"'{k}' applies only to {kinds}", name)
    if vtype == "object" and spec.get("default") is not None:
        raise DeclarationError((*loc, "default"), "a group has no default of its own; give its "
                               "fields defaults", name)

    def text(k: str, *, multiline: bool) -> str:
        return _text(spec.get(k), (*loc, k), name, multiline=multiline)

    item = None
    fields: tuple[Variable, ...] = ()
    if vtype == "list":
        if "item" not in spec:
            raise DeclarationError(loc, "a list declares its 'item', e.g. item: {type: text}",
                                   name)
        item = parse_variable(key, f"{name}[]", spec["item"], (*loc, "item"))
    if vtype == "object":
        fields = parse_group(spec.get("fields"), name, (*loc, "fields"))
    choices = _choices(spec.get("choices"), (*loc, "choices"), name)
    if vtype == "choice" and not choices:
        raise DeclarationError(loc, "a choice declares its 'choices', e.g. choices: [open, "
                               "closed]", name)
    default = spec.get("default")
    if vtype == "choice" and default is not None and default not in choices:
        raise DeclarationError((*loc, "default"), f"default {default!r} is not among the "
                               "choices", name)
    minimum, maximum = _bound(spec, "min", loc, name), _bound(spec, "max", loc, name)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise DeclarationError((*loc, "max"), f"max {maximum} is below min {minimum}", name)
    if isinstance(default, int) and not isinstance(default, bool) and (
            (minimum is not None and default < minimum) or (maximum is not None and default > maximum)):
        raise DeclarationError((*loc, "default"), f"default {default} is outside min and max", name)
    min_items = _count(spec.get("min_items", 0), (*loc, "min_items"), name)
    max_items = _limit(spec, "max_items", loc, name)
    if max_items is not None and max_items < min_items:
        raise DeclarationError((*loc, "max_items"), f"max_items {max_items} is below min_items "
                               f"{min_items}", name)
    model_blank = _flag(spec.get("model_blank", False), (*loc, "model_blank"), name)
    if model_blank and "[]" in name:
        raise DeclarationError((*loc, "model_blank"), "model_blank applies to a value of its "
                               "own, not to an item of a list", name)
    if model_blank and default is None:
        raise DeclarationError((*loc, "model_blank"), "model_blank shows a blank in place of "
                               "the default in the model edition; give a default, or leave "
                               "model_blank out (a value without one is a blank already)", name)
    var = Variable(
        key=key,
        name=name,
        type=vtype,
        required=_flag(spec.get("required", False), (*loc, "required"), name),
        default=default,
        guidance=text("guidance", multiline=True),
        suggestion=text("suggestion", multiline=False),
        example=spec.get("example"),
        choices=choices,
        item=item,
        fields=fields,
        min_items=min_items,
        max_items=max_items,
        max_length=_limit(spec, "max_length", loc, name),
        model_blank=model_blank,
        minimum=minimum,
        maximum=maximum,
    )
    # A default goes into every profile that leaves the field out, and an example into
    # 'smpgen init' and the schema: each passes the check a profile's value passes.
    if var.example is not None:
        _checked(var, var.example, (*loc, "example"))
    if default is None:
        return var
    checked = _checked(var, default, (*loc, "default"))
    if isinstance(checked, list) and len(checked) < var.min_items:
        raise DeclarationError((*loc, "default"), f"the default has {len(checked)} items; "
                               f"min_items asks for at least {var.min_items}", name)
    if isinstance(checked, list) and var.max_items is not None and len(checked) > var.max_items:
        raise DeclarationError((*loc, "default"), f"the default has {len(checked)} items; "
                               f"max_items allows at most {var.max_items}", name)
    # Stored as a profile's value would be: stripped text, a date for YYYY-MM-DD.
    return var if checked == default and type(checked) is type(default) else \
        replace(var, default=checked)


def _checked(var: Variable, value: Any, loc: tuple[str | int, ...]) -> Any:
    """``value`` as a profile's value for ``var`` is stored, or a DeclarationError."""
    # Imported here: fields builds on this module (and brings in pydantic).
    from .fields import check_value

    try:
        return check_value(var, value)
    except ValueError as e:
        raise DeclarationError(loc, str(e), var.name) from None


def _text(value: Any, loc: tuple[str | int, ...], name: str, *, multiline: bool) -> str:
    """``guidance`` or ``suggestion``: printed by 'smpgen init', the schema and the model
    edition, so it is checked as a profile's text is."""
    from .fields import check_text

    if value is None:
        return ""
    if not isinstance(value, str):
        raise DeclarationError(loc, f"expected text, got {_kind(value)}", name)
    if not value.strip():
        return ""
    try:
        return check_text(value, multiline=multiline)
    except ValueError as e:
        raise DeclarationError(loc, str(e), name) from None


def _choices(value: Any, loc: tuple[str | int, ...], name: str) -> tuple[str, ...]:
    """A choice's ``choices``: a list of distinct one-line texts."""
    from .fields import check_text

    if value is None:
        return ()
    if not isinstance(value, list):
        raise DeclarationError(loc, f"expected a list of words, e.g. [open, closed], got "
                               f"{_kind(value)}", name)
    out: list[str] = []
    for i, choice in enumerate(value):
        if not isinstance(choice, str):
            # A profile's value is compared as text: yes, no, 10 would never match.
            raise DeclarationError((*loc, i), f"expected text, got {_kind(choice)} (put it in "
                                   "quotes)", name)
        try:
            choice = check_text(choice, multiline=False)
        except ValueError as e:
            raise DeclarationError((*loc, i), str(e), name) from None
        if choice in out:
            raise DeclarationError((*loc, i), f"{choice!r} appears twice; keep one", name)
        out.append(choice)
    return tuple(out)


def _flag(value: Any, loc: tuple[str | int, ...], name: str) -> bool:
    if not isinstance(value, bool):
        raise DeclarationError(loc, f"expected true or false, got {_kind(value)}", name)
    return value


def _count(value: Any, loc: tuple[str | int, ...], name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DeclarationError(loc, f"expected a whole number, 0 or more, got {_kind(value)}",
                               name)
    return value


def _limit(spec: dict[str, Any], key: str, loc: tuple[str | int, ...], name: str) -> int | None:
    """A declared ``max_items`` or ``max_length``: a whole number, 1 or more."""
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DeclarationError((*loc, key), f"expected a whole number, 1 or more, got "
                               f"{_kind(value)}", name)
    return value


def _kind(value: Any) -> str:
    from .fields import describe

    return describe(value)


def _bound(spec: dict[str, Any], key: str, loc: tuple[str | int, ...], name: str) -> int | None:
    """An integer's declared ``min`` or ``max``."""
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeclarationError((*loc, key), f"'{key}' is a whole number", name)
    return value
