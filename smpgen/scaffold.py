"""``smpgen init``: a commented profile listing every field, defaults filled in."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path
from typing import Any

import yaml

from .errors import OutputError, ProfileError, UserError
from .fields import check_value
from .models import Model
from .profile import check_values, profile_variables
from .safefiles import write_new_file
from .schema import schema_text
from .sourcefile import parse_yaml
from .variables import Variable

WIDTH = 88


MAX_SCHEMA_BYTES = 1_000_000
"""A profile schema is some tens of kilobytes; a larger file is not read."""


def schema_file_name(model: Model) -> str:
    """Where ``smpgen init`` keeps the schema, beside the profiles."""
    return f"{model.id}.schema.json"


def init_text(model: Model, *, name: str, state: str) -> str:
    """The text of a new profile for ``model``."""
    lines = [
        f"# yaml-language-server: $schema={schema_file_name(model)}",
        f"# smpgen city profile: fills in the {model.title} model "
        f"({model.id} {model.version}).",
        "# Check it with 'smpgen validate FILE'; render it with 'smpgen render FILE'.",
        "# Fields marked 'required' must be filled in before a council-ready render;",
        "# 'smpgen render --draft' renders with the remaining blanks visible.",
        "",
    ]
    preset = {"city.name": name, "city.state": state, "model": model.id}
    for var in profile_variables(model):
        lines.extend(_emit(var, 0, preset))
        if var.is_group:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _emit(var: Variable, indent: int, preset: dict[str, Any]) -> list[str]:
    pad = " " * indent
    out = []
    comment = var.guidance
    extras = []
    if var.required:
        extras.append("Required.")
    if var.type == "choice":
        extras.append("One of: " + ", ".join(var.choices) + ".")
    if var.suggestion:
        extras.append(f"Suggestion: {var.suggestion}.")
    if var.example is not None and var.name not in preset:
        extras.append(f"Example: {_scalar(var.example)}")
    text = " ".join([comment, *extras]).strip()
    if var.is_group:
        if text:
            out.extend(_comment(text, pad))
        out.append(f"{pad}{var.key}:")
        for f in var.fields:
            out.extend(_emit(f, indent + 2, preset))
        return out
    if text:
        out.extend(_comment(text, pad))
    value = preset.get(var.name, var.default)
    if value is None:
        out.append(f"{pad}{var.key}:")
    elif isinstance(value, list):
        if not value:
            out.append(f"{pad}{var.key}: []")
        else:
            out.append(f"{pad}{var.key}:")
            dumped = yaml.safe_dump(value, default_flow_style=False, allow_unicode=True,
                                    sort_keys=False, width=WIDTH)
            out.extend(f"{pad}  {line}" for line in dumped.rstrip("\n").splitlines())
    else:
        out.append(f"{pad}{var.key}: {_scalar(value)}")
    return out


def _scalar(value: Any) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, width=1000, default_flow_style=True)
    return dumped.removesuffix("\n...\n").strip()


def _comment(text: str, pad: str) -> list[str]:
    return [f"{pad}# {line}" for line in textwrap.wrap(text, WIDTH - len(pad) - 2)]


def init_profile(path: Path, model: Model, *, name: str, state: str,
                 force: bool = False) -> list[Path]:
    """Write a new profile at ``path`` and the schema beside it; returns what was written.

    Never writes through a symbolic link. Without ``force``, an existing profile, or a
    schema that differs from the one smpgen writes (edited by hand, or from another
    version), is left alone and the command refused; ``force`` replaces both.
    """
    if path.suffix not in (".yaml", ".yml"):
        raise UserError(f"{path}: a profile file name ends in .yaml")
    variables = profile_variables(model)
    name = _option("--name", _declaration(variables, "city.name"), name)
    state = _option("--state", _declaration(variables, "city.state"), state)
    schema = path.parent / schema_file_name(model)
    for target in (path, schema):
        if target.is_symlink():
            raise OutputError(f"{target} is a symbolic link; smpgen init does not write through "
                              "links: remove the link or choose another folder")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; choose another name or pass --force")
    new_schema = schema_text(model).encode("utf-8")
    old_schema = _existing(schema)
    if old_schema is not None and old_schema != new_schema and not force:
        raise OutputError(f"{schema} differs from the schema smpgen writes for {model.id} "
                          f"{model.version} (edited, or from another version); smpgen leaves it "
                          "alone: move it away, or pass --force to replace it")
    text = init_text(model, name=name, state=state)
    _check_written(path, text, variables)
    # write_new_file never writes through a link, nor over anything but a regular file.
    write_new_file(path, text.encode("utf-8"), replace=force)
    written = [path]
    if old_schema != new_schema:
        write_new_file(schema, new_schema, replace=old_schema is not None)
        written.append(schema)
    return written


def _declaration(variables: tuple[Variable, ...], name: str) -> Variable:
    return next(v for top in variables for v in top.walk() if v.name == name)


def _option(option: str, var: Variable, value: str) -> str:
    """``value`` checked exactly as the profile's field ``var`` will be, so the profile
    written always passes ``smpgen validate --draft``."""
    try:
        checked: str = check_value(var, value)
    except ValueError as e:
        raise UserError(f"{option} {_shown(value)}: {e}") from None
    return checked


def _shown(value: str) -> str:
    """An option's value for a message, invisible characters escaped, shortened if long."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _check_written(path: Path, text: str, variables: tuple[Variable, ...]) -> None:
    """Read the new profile back as ``validate --draft`` would: a safety net under the
    option checks, so a YAML quirk can never leave an invalid profile behind."""
    try:
        source = parse_yaml(path, text.encode("utf-8"))
        _, problems, _ = check_values(source, variables, draft=True)
    except ProfileError as e:
        problems = e.problems
    if problems:
        raise UserError("smpgen init would write a profile that does not validate: "
                        + "; ".join(f"{p.field}: {p.message}" for p in problems))


def _existing(path: Path) -> bytes | None:
    """The bytes of the regular file at ``path``, None if there is none; a pipe or a
    device there is refused rather than read (a FIFO would block)."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"{path} is not a regular file; smpgen init leaves it alone: "
                              "move it away or choose another folder")
        if info.st_size > MAX_SCHEMA_BYTES:
            raise OutputError(f"{path} is {info.st_size:,} bytes, far more than a schema; "
                              "smpgen init leaves it alone: move it away or choose another "
                              "folder")
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise OutputError(f"cannot read {path}: {e.strerror}") from None
