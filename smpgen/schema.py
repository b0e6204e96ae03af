"""The profile's JSON Schema, for editors that check YAML as it is typed."""

from __future__ import annotations

import json
from typing import Any

from .fields import group_schema
from .models import Model
from .profile import profile_variables
from .variables import Variable


def profile_schema(model: Model) -> dict[str, Any]:
    """A JSON Schema (2020-12) of the profile fields for ``model``."""
    schema = group_schema(profile_variables(model))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"smpgen:profile:{model.id}:{model.version}",
        "title": f"smpgen city profile for {model.title} ({model.id} {model.version})",
        **schema,
    }


def schema_text(model: Model) -> str:
    """The schema as the JSON text ``smpgen schema`` prints."""
    return json.dumps(profile_schema(model), indent=2, ensure_ascii=False) + "\n"


def reference_markdown(model: Model) -> str:
    """The profile reference as a Markdown table (the README's "Profile reference")."""
    rows = ["| field | type | default | what it is |", "|---|---|---|---|"]

    def walk(fields: tuple[Variable, ...]) -> None:
        for var in fields:
            if var.is_group:
                walk(var.fields)
                continue
            kind = var.expected() + (" (required)" if var.required else "")
            default = _default_text(var.default)
            what = var.guidance + (f" Suggestion: {var.suggestion}." if var.suggestion else "")
            rows.append(f"| `{var.name}` | {kind} | {default} | {what.replace('|', '/')} |")

    walk(profile_variables(model))
    return "\n".join(rows) + "\n"


def _default_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return f"{len(value)} items" if value else "none"
    return f"`{value}`"
