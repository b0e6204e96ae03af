"""Nothing is lost: atomic writes, edited files kept, a lock per folder, incremental runs."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import run

PROFILE = {
    "model": "mini-policy",
    "city": {"name": "Lakeshore", "state": "MN", "website": "https://lakeshore.example.gov"},
    "officials": {"chief": "City Manager"},
}


@pytest.fixture
def setup(mini: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> Callable[..., object]:
    path = write_profile(PROFILE)
    out = tmp_path / "out"

    def go(*args: str) -> object:
        return run(["--templates", str(mini), "render", str(path), "--out", str(out), *args])

    return go


def visible(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_unchanged_inputs_are_skipped(setup: Callable[..., object], tmp_path: Path) -> None:
    first = setup()
    assert first.exit_code == 0
    assert all(line.startswith("wrote ") for line in first.stdout.splitlines())
    again = setup()
    assert again.exit_code == 0
    assert again.stdout.splitlines() == [line.replace("wrote", "unchanged", 1)
                                         for line in first.stdout.splitlines()]
    forced = setup("--force")
    assert forced.stdout == first.stdout


def test_an_edited_file_is_never_overwritten_silently(setup: Callable[..., object],
                                                      tmp_path: Path) -> None:
    assert setup().exit_code == 0
    folder = tmp_path / "out" / "city"
    edited = folder / "mini-policy.docx"
    edited.write_bytes(b"the attorney's edits")
    before = visible(folder)
    result = setup()
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {edited} was changed since smpgen wrote it; smpgen will not overwrite a file "
        "a person edited. Move it away, or pass --force to overwrite it (a backup copy is "
        "kept)\n")
    assert visible(folder) == before
    forced = setup("--force")
    assert forced.exit_code == 0
    assert (folder / "mini-policy.docx.bak").read_bytes() == b"the attorney's edits"
    assert edited.read_bytes() != b"the attorney's edits"


def test_a_file_smpgen_did_not_write_is_not_overwritten(setup: Callable[..., object],
                                                        tmp_path: Path) -> None:
    folder = tmp_path / "out" / "city"
    folder.mkdir(parents=True)
    (folder / "mini-policy.pdf").write_bytes(b"someone else's file")
    assert setup().exit_code == 2
    assert (folder / "mini-policy.pdf").read_bytes() == b"someone else's file"


def test_a_second_writer_gets_a_clear_message(setup: Callable[..., object],
                                              tmp_path: Path) -> None:
    folder = tmp_path / "out" / "city"
    folder.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a+b'); "
         "fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
         str(folder / ".smpgen.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        result = setup()
    finally:
        holder.kill()
        holder.communicate()
    assert result.exit_code == 2
    assert result.stderr == (f"Error: another smpgen is writing to {folder}; wait for it to "
                             "finish and run this again\n")
    assert visible(folder) == {}


def test_a_failed_render_leaves_no_folder(mini: Path, tmp_path: Path,
                                          write_profile: Callable[..., Path]) -> None:
    path = write_profile(dict(PROFILE, city={"name": "X", "state": "ZZ"}))
    result = run(["--templates", str(mini), "render", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_one_process_cannot_hold_a_folder_twice(tmp_path: Path) -> None:
    from smpgen.errors import OutputError
    from smpgen.outputs import open_folder

    folder = tmp_path / "out" / "city"
    same = tmp_path / "out" / ".." / "out" / "city"
    with (open_folder(folder), pytest.raises(OutputError, match="another smpgen is writing"),
          open_folder(same)):
        pass
    with open_folder(folder):  # released when the first holder is done
        pass
