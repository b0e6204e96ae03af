"""Many profiles at once: workers, one failure stops nothing, a summary, exit 1 on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from helpers import TEST_MODELS, run

PROFILE = {
    "model": "mini-policy",
    "city": {"name": "Lakeshore", "state": "MN", "website": "https://lakeshore.example.gov"},
    "officials": {"chief": "City Manager"},
}


def make_folder(tmp_path: Path, count: int, bad: bool = True) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    for i in range(count):
        data = dict(PROFILE, city=dict(PROFILE["city"], name=f"Town {i}"))
        (folder / f"town-{i}.yaml").write_text(yaml.safe_dump(data))
    if bad:
        (folder / "broken.yaml").write_text("city:\n  name: Broken\n  state: QQ\n")
    return folder


def test_a_folder_renders_every_profile_and_reports_failures(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, 3)
    args = ["--templates", str(TEST_MODELS), "render", str(folder), "--out", str(tmp_path / "o"),
            "--format", "html", "--jobs", "2"]
    result = run(args)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1] == "rendered 3, unchanged 0, failed 1"
    broken = folder / "broken.yaml"
    assert f"Error: {broken} failed:" in lines
    assert f"{broken}:3: city.state: 'QQ' is not a US state code; expected a two-letter code " \
           "such as MN" in lines
    for i in range(3):
        html = (tmp_path / "o" / f"town-{i}" / "mini-policy.html").read_text()
        assert f"City of Town {i}" in html
    again = run(args)
    assert again.stderr.splitlines()[-1] == "rendered 0, unchanged 3, failed 1"
    (folder / "town-1.yaml").write_text((folder / "town-1.yaml").read_text().replace(
        "Town 1", "Town One"))
    third = run(args)
    assert third.stderr.splitlines()[-1] == "rendered 1, unchanged 2, failed 1"


def test_all_good_exits_zero_and_globs_work(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, 2, bad=False)
    result = run(["--templates", str(TEST_MODELS), "render", str(folder / "town-*.yaml"),
                  "--out", str(tmp_path / "o"), "--format", "html", "-q"])
    assert result.exit_code == 0
    assert result.stdout == "rendered 2, unchanged 0, failed 0\n"


def test_no_progress_bar_when_not_a_terminal(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, 2, bad=False)
    proc = subprocess.run([sys.executable, "-m", "smpgen", "--templates", str(TEST_MODELS),
                           "render", str(folder), "--out", str(tmp_path / "o"), "--format",
                           "html"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "Rendering" not in proc.stderr  # the progress bar's label
    assert all(": warning: " in line for line in proc.stderr.splitlines())
    assert proc.stdout == "rendered 2, unchanged 0, failed 0\n"


def test_a_rerun_starts_no_worker_for_unchanged_profiles(tmp_path: Path) -> None:
    """Unchanged profiles are told apart in the main process, without validation."""
    import smpgen
    from smpgen.batch import render_many

    folder = make_folder(tmp_path, 2, bad=False)
    paths = sorted(folder.iterdir())
    options = {"templates": TEST_MODELS, "out_dir": tmp_path / "o", "formats": ("html",)}
    first = render_many(paths, jobs=2, **options)
    assert [i.status for i in first] == ["rendered", "rendered"]
    assert smpgen.current_render(paths[0], **options) is not None
    again = render_many(paths, jobs=2, **options)
    assert [i.status for i in again] == ["unchanged", "unchanged"]
    assert [i.paths for i in again] == [i.paths for i in first]
    # One edited profile renders alone, on both cores, and the other stays as it was.
    paths[1].write_text(paths[1].read_text().replace("Town 1", "Town One"))
    edited = render_many(paths, jobs=2, **options)
    assert [i.status for i in edited] == ["unchanged", "rendered"]
    assert "Town One" in (tmp_path / "o" / "town-1" / "mini-policy.html").read_text()
    # A different option is a different job.
    assert smpgen.current_render(paths[0], **{**options, "formats": ("pdf",)}) is None


RUN_ALL = """
import functools, os, sys
from pathlib import Path
from smpgen.errors import Problem, ProfileError, SmpgenError
from smpgen.parallel import run_all

def fail(problem):
    raise ProfileError([problem])

parent = os.getpid()
first, second, third = run_all([os.getpid, os.getpid, functools.partial(int, "3")], jobs=3)
assert first == parent and second != parent and third == 3, (first, second, third)
assert run_all([os.getpid, os.getpid], jobs=1) == [parent, parent]
problem = Problem(Path("p.yaml"), 3, "city.name", "is required")
try:
    run_all([os.getpid, functools.partial(fail, problem)], jobs=2)
except ProfileError as e:
    assert e.problems == [problem], e.problems  # rebuilt whole, not as a string
else:
    raise AssertionError("no error")
# A failed job leaves no thread or process behind, so the next one still gets a worker.
assert run_all([os.getpid, os.getpid], jobs=2)[1] != parent
try:
    run_all([os.getpid, functools.partial(os._exit, 3)], jobs=2)
except SmpgenError as e:
    assert "ended without a result" in str(e), e
else:
    raise AssertionError("no error")
from smpgen.writers._weasyprint import import_weasyprint
import_weasyprint()  # Pango is loaded now: nothing may be forked any more
assert run_all([os.getpid, os.getpid], jobs=2) == [parent, parent]
print("ok")
"""


def test_run_all_forks_a_worker_only_before_weasyprint_loads() -> None:
    done = subprocess.run([sys.executable, "-c", RUN_ALL], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout == "ok\n", done.stderr


def test_one_profile_on_two_cores_writes_the_same_bytes(tmp_path: Path) -> None:
    profile = tmp_path / "town.yaml"
    council = {"meeting_date": "2026-12-01", "agenda_number": "4.a.", "approved_by": "JL",
               "prepared_by": [{"name": "Jordan Lee", "title": "Clerk"}]}
    profile.write_text(yaml.safe_dump(dict(PROFILE, council=council)))
    outputs = {}
    # The third render checks that the forked helper left this process's fonts alone.
    for run_number, jobs in enumerate(("1", "2", "1")):
        out = tmp_path / f"out{run_number}"
        result = run(["--templates", str(TEST_MODELS), "render", str(profile), "--packet",
                      "--jobs", jobs, "--out", str(out)])
        assert result.exit_code == 0, result.stderr
        outputs[run_number] = {p.name: p.read_bytes() for p in (out / "town").iterdir()
                               if not p.name.startswith(".")}
    assert len(outputs[0]) == 9
    assert outputs[0] == outputs[1] == outputs[2]


def test_no_font_folder_is_left_behind(tmp_path: Path) -> None:
    """WeasyPrint copies the fonts to a temporary folder per process; each is removed."""
    profile = tmp_path / "town.yaml"
    profile.write_text(yaml.safe_dump(PROFILE))
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    for jobs in ("1", "2"):
        subprocess.run([sys.executable, "-m", "smpgen", "--templates", str(TEST_MODELS),
                        "render", str(profile), "--force", "--jobs", jobs,
                        "--out", str(tmp_path / "out")], check=True, env=env,
                       capture_output=True)
    assert not [p.name for p in temp.iterdir() if p.name.startswith("weasyprint-")]
