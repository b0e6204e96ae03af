"""The editor's view of a profile: the unsaved form's YAML text loaded exactly as
``smpgen validate`` and ``smpgen render`` load the file, so the page shows the same
located messages (:func:`smpgen.profile.load_profile` with ``raw``)."""

from __future__ import annotations

from pathlib import Path

from ..models import Model
from ..profile import Profile, load_profile
from ..profile import model_of as _model_of
from ..sourcefile import SourceFile


def load_text(path: Path, raw: bytes, *, draft: bool = False,
              templates: Path | None = Path("templates")) -> Profile:
    """The profile ``raw`` would be if it were the bytes of ``path`` (whose customization
    folder, beside it, still applies); raises :class:`ProfileError` as loading the file
    would, every problem located in ``raw``'s lines."""
    return load_profile(path, raw=raw, draft=draft, templates=templates)


def model_of(source: SourceFile, templates: Path | None) -> Model:
    """The model (and release) a profile names, as :func:`load_profile` finds it."""
    return _model_of(source, templates)
