"""The options the CLI and the Python API share, with their documented defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .writers import FORMATS

EDITIONS = ("council", "annotated", "model")
"""council: clean policy; annotated: with drafter's notes; model: the league's blanks."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render; :data:`DEFAULT_OPTIONS` holds the defaults."""

    formats: tuple[str, ...] = FORMATS
    """Which of docx, pdf and html to write."""
    out_dir: Path = Path("output")
    """Folder under which each profile gets a folder of its own."""
    draft: bool = False
    """Render even with required values missing, showing them as blanks."""
    edition: str = "council"
    """One of :data:`EDITIONS` (``model`` is what ``smpgen model`` uses)."""
    templates: Path | None = field(default=Path("templates"))
    """A folder of the user's own models, searched besides the shipped ones."""
    force: bool = False
    """Render even when nothing changed, and overwrite files a person edited (keeping a
    backup of each)."""


DEFAULT_OPTIONS = RenderOptions()
"""The defaults of every option."""
