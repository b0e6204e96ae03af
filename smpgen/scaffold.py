"""``smpgen init``: a commented profile listing every field, defaults filled in."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import yaml

from .errors import OutputError, UserError
from .models import Model
from .outputs import write_new_file
from .profile import profile_variables
from .records import records_laws
from .schema import schema_text
from .variables import Variable

WIDTH = 88


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
    """Write a new profile at ``path`` and the schema beside it; returns what was written."""
    code = state.strip().upper()
    if code not in records_laws():
        raise UserError(f"--state {state!r} is not a US state code; expected e.g. MN")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; choose another name or pass --force")
    if path.suffix not in (".yaml", ".yml"):
        raise UserError(f"{path}: a profile file name ends in .yaml")
    written = [path]
    write_new_file(path, init_text(model, name=name, state=code).encode("utf-8"))
    schema = path.parent / schema_file_name(model)
    new_schema = schema_text(model).encode("utf-8")
    if not schema.exists() or schema.read_bytes() != new_schema:
        write_new_file(schema, new_schema)
        written.append(schema)
    return written
