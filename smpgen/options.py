"""The options the CLI and the Python API share, with their documented defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .writers import FORMATS, Format

Edition = Literal["council", "annotated", "model"]
"""council: the clean policy; annotated: with a drafter's note after each section;
model: the league's edition with visible blanks (what ``smpgen model`` writes)."""

EDITIONS: tuple[Edition, ...] = ("council", "annotated", "model")
"""Every edition, in the order the help lists them."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render; :data:`DEFAULT_OPTIONS` holds the defaults."""

    formats: tuple[Format, ...] = FORMATS
    """Which formats to write (see :data:`smpgen.writers.WRITERS`)."""
    out_dir: Path = Path("output")
    """Folder under which each profile gets a folder of its own."""
    draft: bool = False
    """Render even with required values missing, showing them as blanks."""
    edition: Edition = "council"
    """One of :data:`EDITIONS`."""
    templates: Path | None = field(default=Path("templates"))
    """A folder of the user's own models, searched besides the shipped ones."""
    force: bool = False
    """Render even when nothing changed, and overwrite files a person edited (keeping a
    backup of each)."""
    packet: bool = False
    """Also write the council packet PDF (council edition only)."""
    jobs: int = 0
    """Processes to use: for many profiles, one worker each; for one profile, the
    policy's PDF is made in a second process beside the other files. 0: one per core."""


DEFAULT_OPTIONS = RenderOptions()
"""The defaults of every option."""
