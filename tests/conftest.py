"""Fixtures shared by every test (the helpers themselves live in helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import _mini, _write_profile


@pytest.fixture
def write_profile(tmp_path: Path) -> Callable[..., Path]:
    """``write_profile(dict_or_text, name=...)`` writes a profile into tmp_path."""
    return _write_profile(tmp_path)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A templates/ folder holding the mini test model, inside tmp_path."""
    return _mini(tmp_path)
