"""Every bad profile and removal record under tests/bad_inputs/ gets exit code 2 and its
expected located message, word for word, with no traceback and no output written or
changed."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import pytest
import yaml
from helpers import HERE, run

BAD = HERE / "bad_inputs"
EXPECTED = yaml.safe_load((BAD / "expected.yaml").read_text())
GOOD_PROFILE = BAD / "profile-for-records.yaml"
HANG_GUARD = 10.0
"""Seconds: not a speed target (see benchmarks/), only a guard against a parser hang."""


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def existing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """An output folder holding a good render of a profile named city.yaml."""
    root = tmp_path_factory.mktemp("bad")
    good = root / "city.yaml"
    shutil.copy(GOOD_PROFILE, good)
    out = root / "out"
    assert run(["render", str(good), "--out", str(out), "--format", "pdf,html"]).exit_code == 0
    return out, snapshot(out)


def check(args: list[str], path: Path, expected: list[str], out: Path,
          before: dict[str, str]) -> None:
    start = time.monotonic()
    result = run(args)
    elapsed = time.monotonic() - start
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    lines = [e.format(path=path) for e in expected]
    noun = "problem" if len(lines) == 1 else "problems"
    assert result.stderr.splitlines() == [f"Error: {len(lines)} {noun} in {path}:", *lines]
    assert snapshot(out) == before
    assert elapsed < HANG_GUARD


def test_there_are_at_least_fifty() -> None:
    assert len(EXPECTED["profiles"]) + len(EXPECTED["records"]) >= 50
    on_disk = {p.name for p in (BAD / "profiles").iterdir()}
    assert on_disk == set(EXPECTED["profiles"])


@pytest.mark.parametrize("name", sorted(EXPECTED["profiles"]))
def test_bad_profile(name: str, existing: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    out, before = existing
    path = tmp_path / "city.yaml"  # the same name as the good render: its outputs must stay
    shutil.copy(BAD / "profiles" / name, path)
    check(["render", str(path), "--out", str(out)], path, EXPECTED["profiles"][name], out, before)


@pytest.mark.parametrize("name", sorted(EXPECTED["records"]))
def test_bad_record(name: str, existing: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    out, before = existing
    path = tmp_path / name
    shutil.copy(BAD / "records" / name, path)
    check(["form", "fill", str(GOOD_PROFILE), str(path), "--out", str(out)], path,
          EXPECTED["records"][name], out, before)


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p.write_text("city:\n  name: " + "x" * 5_000_000 + "\n"),
     "{path}:1: is 5,000,015 bytes; a profile is at most 1,000,000 bytes"),
    (lambda p: None, "{path}:1: file not found"),
], ids=["5-MB value", "missing file"])
def test_bad_files(make: object, expected: str, existing: tuple[Path, dict[str, str]],
                   tmp_path: Path) -> None:
    out, before = existing
    path = tmp_path / "city.yaml"
    make(path)  # type: ignore[operator]
    check(["render", str(path), "--out", str(out)], path, [expected], out, before)


def test_a_folder_without_profiles(tmp_path: Path) -> None:
    result = run(["render", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path}: the folder holds no .yaml profiles\n"
    assert not (tmp_path / "out").exists()
