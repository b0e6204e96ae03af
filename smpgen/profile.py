"""Stage 1: load a city profile and validate it against its model's declarations."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .customize import Customization, load_customization
from .errors import ModelError, Problem, ProfileError, UserError
from .fields import check_value, describe, field_type, group_model
from .glyphs import missing_glyphs
from .models import DEFAULT_MODEL, Model, get_model
from .records import RecordsLaw, records_laws
from .sourcefile import Loc, SourceFile, dotted, load_yaml, nearest_line, parse_yaml
from .variables import Variable, parse_group
from .version import __version__


@dataclass(frozen=True, slots=True)
class Profile:
    """A validated profile: every declared value, defaults filled in."""

    path: Path
    """The file as the user named it."""
    sha256: str
    """SHA-256 of the file's bytes, recorded as provenance."""
    model: Model
    """The model the profile fills in."""
    values: dict[str, Any]
    """Nested values by key; ``None`` where a value is missing (only with ``draft``)."""
    missing: tuple[str, ...]
    """Dotted names of required values left blank (only with ``draft``)."""
    warnings: tuple[Problem, ...]
    """Located things to confirm that do not stop a render."""
    records_law: RecordsLaw
    """The state's public records law."""
    lines: dict[Loc, int]
    """The line of each key in the file, for warnings found later."""
    custom: Customization | None = None
    """The city's own text, from the folder beside the profile (see :mod:`smpgen.customize`)."""

    def line_of(self, loc: Loc) -> int:
        """The line of ``loc``, or of its nearest parent in the file."""
        return nearest_line(self.lines, loc)

    @property
    def adopted(self) -> bool:
        """True once the adoption block is filled in."""
        return self.values["document"]["adoption"]["adopted"] is not None

    @property
    def date(self) -> dt.date | None:
        """The date written into file properties: ``SOURCE_DATE_EPOCH`` if set, else the
        adoption date, else none (so the same inputs always give the same bytes)."""
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.isascii() and epoch.isdigit():
            try:
                return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
            except (OverflowError, OSError, ValueError):
                raise UserError(f"SOURCE_DATE_EPOCH is {epoch}, past any date a document "
                                "can carry; give seconds since 1970, or unset it") from None
        adopted: dt.date | None = self.values["document"]["adoption"]["adopted"]
        return adopted

    @property
    def provenance(self) -> dict[str, str]:
        """What made this document: recorded in every file's properties."""
        return {**model_provenance(self.model), "SmpgenProfileSHA256": self.sha256}

    @property
    def stem(self) -> str:
        """The profile's file name without extension: names its output folder."""
        return self.path.stem


def model_provenance(model: Model) -> dict[str, str]:
    """smpgen's version and the model's id and version."""
    return {"SmpgenVersion": __version__, "SmpgenModel": f"{model.id} {model.version}"}


@cache
def core_variables() -> tuple[Variable, ...]:
    """The fields smpgen defines for every model (``data/core.yaml``)."""
    text = (resources.files("smpgen") / "data" / "core.yaml").read_text("utf-8")
    return parse_group(yaml.safe_load(text), "", ())


def profile_variables(model: Model) -> tuple[Variable, ...]:
    """Core fields followed by the model's own."""
    core = core_variables()
    taken = {v.key for v in core}
    clash = [v.key for v in model.variables if v.key in taken]
    if clash:
        raise ModelError(f"model {model.id} redeclares smpgen's own fields: {', '.join(clash)}")
    return core + model.variables


def load_profile(path: Path, *, draft: bool = False,
                 templates: Path | None = Path("templates"),
                 model_version: str | None = None, customized: bool = True,
                 raw: bytes | None = None) -> Profile:
    """Load ``path``; raise :class:`ProfileError` listing every problem, located.
    ``model_version`` renders another release of the model than the profile names (an
    upgrade's new text); without ``customized`` the city's customization folder is not
    read (an upgrade checks it against the new release itself). ``raw`` stands for the
    file's bytes (the web editor's unsaved form): the profile they would make, located in
    their own lines, the customization beside ``path`` still applying."""
    source = load_yaml(path) if raw is None else parse_yaml(path, raw)
    model = model_of(source, templates, model_version)
    variables = profile_variables(model)
    values, problems, missing = check_values(source, variables, draft=draft)
    _cross_checks(source, variables, problems)
    if problems:
        raise ProfileError(sorted(problems, key=lambda p: p.line))
    custom = load_customization(path, model.section_ids()) if customized else None
    law = records_laws()[values["city"]["state"]] if values["city"]["state"] else None
    warnings = _glyph_warnings(source, values, ())
    if law is not None and not law.verified:
        warnings.append(Problem(path, source.line_of(("city", "state")), "city.state",
                                f"the {law.state_name} laws cited ({law.name}, "
                                f"{law.citation}, and the state's retention, open meetings and "
                                f"limitation laws) are not all verified ("
                                f"{law.note or 'unverified'}); confirm them before adoption"))
    return Profile(
        path=path,
        sha256=hashlib.sha256(source.text).hexdigest(),
        model=model,
        values=values,
        missing=tuple(missing),
        warnings=tuple(warnings),
        records_law=law or _blank_law(),
        lines=source.lines,
        custom=custom,
    )


def model_of(source: SourceFile, templates: Path | None,
             model_version: str | None = None) -> Model:
    """The model (at the release ``model_version``, else the one the profile names) a
    profile's source names; a located :class:`ProfileError` when it names none that
    loads."""
    model_id = source.data.get("model", DEFAULT_MODEL)
    if not isinstance(model_id, str):
        raise _one(source, ("model",), f"expected a model id, got {describe(model_id)}")
    version = source.data.get("model_version") if model_version is None else model_version
    if version is not None and not isinstance(version, str):
        raise _one(source, ("model_version",), f"expected a release such as \"0.3.0\" "
                   f"(in quotes), got {describe(version)}")
    try:
        return get_model(model_id, templates, version)
    except ModelError as e:
        if "no model" in str(e):
            raise _one(source, ("model",), str(e)) from None
        if "no release" in str(e):
            raise _one(source, ("model_version",), str(e)) from None
        raise


def _glyph_warnings(source: SourceFile, value: Any, loc: Loc) -> list[Problem]:
    """A warning for each value with characters the PDF's fonts cannot draw."""
    if isinstance(value, dict):
        return [w for k, v in value.items() for w in _glyph_warnings(source, v, (*loc, k))]
    if isinstance(value, list):
        return [w for i, v in enumerate(value) for w in _glyph_warnings(source, v, (*loc, i))]
    if not isinstance(value, str) or loc not in source.lines:
        return []
    chars = missing_glyphs(value)
    if not chars:
        return []
    shown = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in chars)
    return [Problem(source.path, source.line_of(loc), dotted(loc),
                    f"{shown} cannot be drawn by the PDF's embedded fonts and will print as "
                    "an empty box there (the DOCX and HTML keep it)")]


def check_values(source: SourceFile, variables: tuple[Variable, ...], *,
                 draft: bool = False) -> tuple[dict[str, Any], list[Problem], list[str]]:
    """Validate ``source`` against ``variables``: values with defaults filled in, every
    located problem, and (with ``draft``) the required values left blank."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    try:
        checked = group_model("Profile" if variables[0].key == "model" else "Record",
                              variables).model_validate(source.data)
        values = checked.model_dump()
    except ValidationError as e:
        problems.extend(_translate(source, variables, e))
    missing: list[str] = []
    _check_required(variables, source.data, (), source, problems, missing, draft)
    problems.extend(_misread_numbers(source, variables, problems))
    if not problems:
        _fill(variables, values)
    return values, problems, missing


_PLAIN_INTEGER = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")


def _misread_numbers(source: SourceFile, variables: tuple[Variable, ...],
                     problems: list[Problem]) -> list[Problem]:
    """Whole numbers YAML 1.1 reads otherwise than a person would: ``010`` is 8 (octal),
    ``0x10`` is 16 and ``1:30`` is 90 (base 60)."""
    out = []
    for loc, written in source.written.items():
        var, _ = _var_at(variables, loc)
        value = raw_value(source, loc)
        if var is None or var.type != "integer" or _PLAIN_INTEGER.fullmatch(written) or \
                not isinstance(value, int) or isinstance(value, bool) or \
                any(p.field == dotted(loc) for p in problems):
            continue
        out.append(Problem(source.path, source.line_of(loc), dotted(loc),
                           f"YAML reads {written} as {value}; write the number in plain "
                           "decimal digits (no leading 0, 0x or colon)"))
    return out


def _blank_law() -> RecordsLaw:
    return RecordsLaw("", "", "", "", False, "state not given")


def _one(source: SourceFile, loc: Loc, message: str) -> ProfileError:
    return ProfileError([Problem(source.path, source.line_of(loc), dotted(loc), message)])


def _var_at(variables: tuple[Variable, ...], loc: Loc) -> tuple[Variable | None, tuple[Variable, ...]]:
    """The declaration at ``loc`` and the siblings it was looked up among."""
    group, var = variables, None
    for part in loc:
        if isinstance(part, int):
            if var is None or var.item is None:
                return None, group
            var = var.item
            group = var.fields
            continue
        siblings = group
        var = next((v for v in group if v.key == part), None)
        if var is None:
            return None, siblings
        group = var.fields
    return var, group


def _translate(source: SourceFile, variables: tuple[Variable, ...],
               error: ValidationError) -> list[Problem]:
    out = []
    for err in error.errors():
        loc: Loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        var, siblings = _var_at(variables, loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            names = [v.key for v in siblings]
            close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "expected one of: " + ", ".join(names)
            message = f"unknown field; {hint}"
        elif kind == "value_error":
            message = err["msg"].removeprefix("Value error, ")
        elif var is not None:
            message = _wrong_kind(var, err["input"], source.written.get(loc))
        else:
            message = err["msg"]
        out.append(Problem(source.path, source.line_of(loc), dotted(loc), message))
    return out


def _wrong_kind(var: Variable, value: Any, written: str | None) -> str:
    """What was expected and what was given, in the user's own characters (``0702``)."""
    message = f"expected {var.expected()}, got {describe(value, written)}"
    # A number or yes/no where text belongs is most often text YAML read as something else.
    if field_type(var).takes_text and isinstance(value, bool | int | float):
        message += " (put text in quotes)"
    return message


def _check_required(variables: tuple[Variable, ...], raw: Any, loc: Loc, source: SourceFile,
                    problems: list[Problem], missing: list[str], draft: bool) -> None:
    """Report required values the file leaves out (checked on the raw data, so these are
    reported together with type errors)."""
    raw = raw if isinstance(raw, dict) else {}
    for var in variables:
        here = (*loc, var.key)
        value = raw.get(var.key)
        if var.is_group:
            if value is None or isinstance(value, dict):  # else its type error is reported
                _check_required(var.fields, value, here, source, problems, missing, draft)
        elif var.item is not None and var.item.is_group and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    _check_required(var.item.fields, item, (*here, i), source, problems,
                                    missing, draft=False)
        elif value is None and var.default is None and var.required:
            if draft:
                missing.append(var.name)
                continue
            example = str(var.example or var.suggestion or "")
            hint = f" (for example: {example})" if example and example not in var.expected() else ""
            problems.append(Problem(source.path, source.line_of(here), dotted(here),
                                    f"is required; give {var.expected()}{hint}"))
        elif isinstance(value, list) and len(value) < var.min_items:
            problems.append(Problem(source.path, source.line_of(here), dotted(here),
                                    "needs at least one item" if var.min_items == 1 else
                                    f"needs at least {var.min_items} items"))
        if isinstance(value, list) and var.max_items is not None and len(value) > var.max_items:
            # A list of entries too (its items are checked above): the form prints accounts.
            problems.append(Problem(source.path, source.line_of(here), dotted(here),
                                    f"has {len(value)} items; at most {var.max_items} are "
                                    "allowed"))


def _fill(variables: tuple[Variable, ...], values: dict[str, Any]) -> None:
    """Apply defaults in place: declared ones, and an empty list for an optional list."""
    for var in variables:
        value = values.get(var.key)
        if var.is_group:
            values[var.key] = value if isinstance(value, dict) else {}
            _fill(var.fields, values[var.key])
            continue
        if value is None and var.default is not None:
            value = var.default
        if value is None and var.type == "list" and not var.required:
            value = []
        values[var.key] = value


_ADOPTION = ("resolution", "adopted", "effective")


def _cross_checks(source: SourceFile, variables: tuple[Variable, ...],
                  problems: list[Problem]) -> None:
    """Checks between fields. Each looks only at values that passed their own check, so
    they run, and are reported, alongside every other problem in the file."""

    def problem(loc: Loc, message: str) -> None:
        problems.append(Problem(source.path, source.line_of(loc), dotted(loc), message))

    def value(*loc: str) -> Any:
        return checked_value(source, variables, loc, problems)

    def given(loc: Loc) -> bool:  # in the file, if perhaps not readable (2026-02-30)
        return raw_value(source, loc) is not None or any(p.field == dotted(loc) for p in problems)

    adoption = [k for k in _ADOPTION if given(("document", "adoption", k))]
    if adoption and len(adoption) < len(_ADOPTION):
        for k in _ADOPTION:
            if k not in adoption:
                problem(("document", "adoption", k), "is required once any adoption detail is "
                        "given; fill in resolution, adopted and effective together")
    adopted = value("document", "adoption", "adopted")
    effective = value("document", "adoption", "effective")
    if adopted and effective and effective < adopted:
        problem(("document", "adoption", "effective"), "is before the adoption date")
    policy_number = value("document", "policy_number")
    if policy_number and "%" in policy_number:
        # Word's level text (702.%1) would read a % in the prefix as a counter.
        problem(("document", "policy_number"), "contains %, which Word would read as part of "
                "a section number; remove it")
    if value("document", "numbering") == "policy-number" and \
            not given(("document", "policy_number")):
        problem(("document", "numbering"), "policy-number numbering needs document.policy_number")
    if value("document", "status") == "adopted" and not adoption:
        problem(("document", "status"), "is adopted, but the adoption is not recorded; fill in "
                "document.adoption (resolution, adopted and effective), or leave status out")


def raw_value(source: SourceFile, loc: Loc) -> Any:
    """The value at ``loc`` as the file gives it, unchecked; None where there is none."""
    value: Any = source.data
    for part in loc:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def checked_value(source: SourceFile, variables: tuple[Variable, ...], loc: Loc,
                  problems: list[Problem]) -> Any:
    """The value at ``loc`` (its default when left out) once it passes its own check;
    None if it is missing or already among ``problems``."""
    var, _ = _var_at(variables, loc)
    if var is None or any(p.field == dotted(loc) for p in problems):
        return None
    raw = raw_value(source, loc)
    if raw is None:
        return var.default
    try:
        return check_value(var, raw)
    except ValueError:
        return None
