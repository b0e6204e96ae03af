"""smpgen: council-ready city social media policies from a city profile.

The public API (imported lazily, so the command line starts fast)::

    import smpgen
    smpgen.render("city_profiles/example-city.yaml", formats=["pdf"])
    smpgen.render_model("city-social-media")
    smpgen.validate(["city_profiles/example-city.yaml"])
"""

from __future__ import annotations

from typing import Any

from .errors import ModelError, ProfileError, SmpgenError, UserError
from .version import __version__

__all__ = [
    "DEFAULT_OPTIONS",
    "ModelError",
    "ProfileError",
    "RenderOptions",
    "SmpgenError",
    "UserError",
    "__version__",
    "build_document",
    "current_render",
    "fill_form",
    "list_models",
    "load",
    "packet",
    "render",
    "render_model",
    "validate",
]

_LAZY = {
    "render": "api", "render_model": "api", "validate": "api", "load": "api",
    "list_models": "api", "build_document": "api", "packet": "api", "fill_form": "api",
    "current_render": "api",
    "DEFAULT_OPTIONS": "options", "RenderOptions": "options",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'smpgen' has no attribute {name!r}")
