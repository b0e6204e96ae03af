"""smpgen: council-ready city social media policies from a city profile.

The public API (imported lazily, so the command line starts fast)::

    import smpgen
    smpgen.render("city_profiles/example-city.yaml", formats=["pdf"])
    smpgen.render_model("city-social-media")
    smpgen.validate(["city_profiles/example-city.yaml"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ModelError, OutputError, Problem, ProfileError, SmpgenError, UserError
from .version import __version__

if TYPE_CHECKING:  # what mypy and editors see; at run time each name loads on first use
    from .api import (
        ModelList,
        RenderResult,
        ValidationReport,
        build_document,
        check,
        current_render,
        deviations,
        fill_form,
        import_docx,
        list_models,
        load,
        packet,
        redline,
        release_notes,
        render,
        render_model,
        upgrade,
        validate,
    )
    from .batch import BatchItem, render_many, upgrade_many
    from .models import Model
    from .options import DEFAULT_OPTIONS, EDITIONS, Edition, RenderOptions
    from .profile import Profile
    from .tree import Document
    from .writers import FORMATS, Format

__all__ = [
    "DEFAULT_OPTIONS",
    "EDITIONS",
    "FORMATS",
    "BatchItem",
    "Document",
    "Edition",
    "Format",
    "Model",
    "ModelError",
    "ModelList",
    "OutputError",
    "Problem",
    "Profile",
    "ProfileError",
    "RenderOptions",
    "RenderResult",
    "SmpgenError",
    "UserError",
    "ValidationReport",
    "__version__",
    "build_document",
    "check",
    "current_render",
    "deviations",
    "fill_form",
    "import_docx",
    "list_models",
    "load",
    "packet",
    "redline",
    "release_notes",
    "render",
    "render_many",
    "render_model",
    "upgrade",
    "upgrade_many",
    "validate",
]

_LAZY = {
    "render": "api", "render_model": "api", "validate": "api", "load": "api",
    "list_models": "api", "build_document": "api", "packet": "api", "fill_form": "api",
    "current_render": "api", "RenderResult": "api", "ValidationReport": "api",
    "import_docx": "api", "deviations": "api", "redline": "api", "upgrade": "api",
    "release_notes": "api", "check": "api",
    "BatchItem": "batch", "render_many": "batch", "upgrade_many": "batch",
    "DEFAULT_OPTIONS": "options", "RenderOptions": "options", "EDITIONS": "options",
    "Edition": "options", "FORMATS": "writers", "Format": "writers", "ModelList": "api",
    "Model": "models", "Profile": "profile", "Document": "tree",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'smpgen' has no attribute {name!r}")
