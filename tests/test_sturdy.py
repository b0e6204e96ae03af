"""Nothing lost and nothing written outside the folders smpgen owns, through the CLI.

Each case asserts the exit status, the message, no traceback, and that nothing outside
the output folder (or the folder smpgen was told to write into) changed. Faults are
injected at exact moments (a chosen rename), never after a guessed delay.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import TEST_MODELS, run

PROFILE: dict[str, Any] = {
    "model": "mini-policy",
    "city": {"name": "Lakeshore", "state": "MN", "website": "https://lakeshore.example.gov"},
    "officials": {"chief": "City Manager"},
}
CHANGED: dict[str, Any] = dict(PROFILE, officials={"chief": "Town Manager"})
FILES = ["mini-policy.docx", "mini-policy.pdf", "mini-policy.html", "tracking-form.docx",
         "tracking-form.pdf", "executive-summary.docx", "executive-summary.pdf",
         "executive-summary.html"]


def tree(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: a file's SHA-256, a link's target, or ``dir``."""
    out = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        if p.is_symlink():
            out[key] = "-> " + os.readlink(p)
        elif p.is_dir():
            out[key] = "dir"
        else:
            out[key] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def visible(folder: Path) -> dict[str, str]:
    return {k: v for k, v in tree(folder).items()
            if not any(part.startswith(".") for part in Path(k).parts)}


class Place:
    """A working folder: a mini model, profiles, an output root, and an outside folder
    that smpgen must never touch."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates = root / "templates"
        shutil.copytree(TEST_MODELS, self.templates)
        self.out = root / "out"
        self.outside = root / "outside"
        self.outside.mkdir()
        (self.outside / "precious.txt").write_text("not smpgen's\n")
        self.before_outside = tree(self.outside)

    def profile(self, data: dict[str, Any] | str = PROFILE, name: str = "city.yaml") -> Path:
        path = self.root / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), "utf-8")
        return path

    def cli(self, *args: str) -> Any:
        result = run(["--templates", str(self.templates), *args], cwd=self.root)
        assert "Traceback" not in result.output + result.stderr
        assert tree(self.outside) == self.before_outside, "something outside was touched"
        return result

    def render(self, profile: Path, *args: str) -> Any:
        return self.cli("render", str(profile), "--out", str(self.out), "--jobs", "1", *args)


@pytest.fixture
def place(tmp_path: Path) -> Place:
    return Place(tmp_path)


# Nothing lost -------------------------------------------------------------------------


def test_a_failing_job_in_a_new_root_removes_nobody_elses_outputs(place: Place) -> None:
    """The batch's bad profile once removed the new --out root with the good cities in it."""
    good = [place.profile(dict(PROFILE, city=dict(PROFILE["city"], name=f"Town {i}")),
                          f"good{i}.yaml") for i in range(2)]
    bad = place.profile(dict(PROFILE, city={"name": "X", "state": "ZZ"}), "bad.yaml")
    result = place.cli("render", str(good[0]), str(bad), str(good[1]), "--out",
                       str(place.out), "--jobs", "2", "-q")
    assert result.exit_code == 1
    assert "rendered 2, unchanged 0, failed 1" in result.stderr
    assert f"{bad}:3: city.state: 'ZZ' is not a US state code" in result.stderr
    for name in ("good0", "good1"):
        assert sorted(visible(place.out / name)) == sorted(FILES)
    assert not (place.out / "bad").exists()


def test_a_job_failing_after_its_folder_is_open_removes_nothing(
        place: Place, monkeypatch: pytest.MonkeyPatch) -> None:
    from smpgen import bundle
    from smpgen.errors import ModelError

    assert place.render(place.profile()).exit_code == 0
    before = tree(place.out)

    def broken(*args: object, **kwargs: object) -> dict[str, bytes]:
        raise ModelError("the model broke while rendering")

    monkeypatch.setattr(bundle, "city_files", broken)
    for name in ("city.yaml", "other.yaml"):  # an existing folder, and a new one
        result = place.render(place.profile(CHANGED, name))
        assert result.exit_code == 2
        assert result.stderr == "Error: the model broke while rendering\n"
    after = tree(place.out)
    assert {k: v for k, v in after.items() if not k.startswith("other")} == before
    assert not (place.out / "other").exists()  # made by the failed job, and empty


BARRIER = """
import sys, time
from pathlib import Path
import smpgen.api, smpgen.bundle
from smpgen.cli import main
go = Path(sys.argv.pop(1))
sys.stderr.write("ready\\n")
sys.stderr.flush()
while not go.exists():  # both processes are loaded and waiting: start them together
    time.sleep(0.001)
main()
"""


def _spawn_render(place: Place, profile: Path, out: Path, go: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", BARRIER, str(go), "--templates", str(place.templates), "render",
         str(profile), "--out", str(out), "--force", "--jobs", "1"],
        cwd=place.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("root", ["new", "existing"])
def test_two_renders_at_once_one_writes_the_other_is_told_busy(place: Place, root: str) -> None:
    """Started together, into a new --out root (which the loser once removed, taking the
    winner's files with it) or into one that holds other cities' files."""
    profile = place.profile()
    for round_ in range(3):
        out = place.root / f"out{round_}"
        if root == "existing":
            assert place.render(place.profile(name="neighbour.yaml"), "--out", str(out)).exit_code == 0
        before = tree(out) if out.exists() else {}
        go = place.root / f"go{round_}"
        both = [_spawn_render(place, profile, out, go) for _ in range(2)]
        for p in both:
            assert p.stderr is not None and p.stderr.readline() == "ready\n"
        go.touch()
        results = [(p.wait(timeout=120), *p.communicate()) for p in both]
        assert sorted(code for code, _, _ in results) == [0, 2], results
        loser = next(r for r in results if r[0] == 2)
        assert loser[2] == (f"Error: another smpgen is writing to {out / 'city'}; wait for it "
                            "to finish and run this again\n")
        assert all("Traceback" not in err for _, _, err in results)
        assert sorted(visible(out / "city")) == sorted(FILES)
        assert {k: v for k, v in tree(out).items() if not k.startswith("city")} == before
        again = place.cli("render", str(profile), "--out", str(out), "--jobs", "1")
        assert again.stdout.startswith("unchanged ")  # the winner's manifest is whole


HOLD = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
        "fcntl.lockf(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)")


def test_a_job_told_busy_removes_nothing_even_a_folder_it_made(
        place: Place, monkeypatch: pytest.MonkeyPatch) -> None:
    """This job makes the folder; another takes its lock before this one can: the loser
    must leave the folder and the winner's lock file alone."""
    profile = place.profile()
    folder = place.out / "city"
    real_mkdir = os.mkdir
    holders: list[subprocess.Popen[str]] = []

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        real_mkdir(path, *args, **kwargs)
        if Path(path) == folder:
            holder = subprocess.Popen([sys.executable, "-c", HOLD, str(folder / ".smpgen.lock")],
                                      stdout=subprocess.PIPE, text=True)
            holders.append(holder)
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"

    monkeypatch.setattr(os, "mkdir", mkdir)
    try:
        result = place.render(profile)
        assert result.exit_code == 2
        assert result.stderr == (f"Error: another smpgen is writing to {folder}; wait for it "
                                 "to finish and run this again\n")
        assert holders and (folder / ".smpgen.lock").exists()
    finally:
        for holder in holders:
            holder.kill()
            holder.communicate()


@pytest.fixture
def failing_rename(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """``fail_at(n)``: the n-th ``os.replace`` call smpgen makes raises ENOSPC."""
    real = os.replace
    state = {"left": -1}

    def replace(src: Any, dst: Any) -> None:
        state["left"] -= 1
        if state["left"] == 0:
            raise OSError(28, "No space left on device")
        real(src, dst)

    def fail_at(n: int) -> None:
        state["left"] = n

    monkeypatch.setattr(os, "replace", replace)
    yield fail_at


@pytest.mark.parametrize("at", [2, 4, 9, 10], ids=["first file", "third file", "last file",
                                                    "manifest"])
def test_a_job_stopped_between_renames_is_finished_by_the_next_render(
        place: Place, failing_rename: Callable[[int], None], at: int) -> None:
    """Renames are: the journal, the eight files, the manifest. Stop at one of them."""
    profile = place.profile()
    assert place.render(profile).exit_code == 0
    folder = place.out / "city"
    old = visible(folder)
    place.profile(CHANGED)
    failing_rename(at)
    stopped = place.render(profile)
    assert stopped.exit_code == 2
    assert stopped.stderr.startswith(f"Error: cannot write into {folder}: No space left on device")
    mixed = visible(folder)
    assert set(mixed) == set(old)
    assert not [n for n in os.listdir(folder) if n.startswith(".smpgen-work-")]
    again = place.render(profile)
    assert again.exit_code == 0, again.stderr
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["wrote"] * 8
    new = visible(folder)
    assert all(new[n] != old[n] for n in FILES if n.endswith((".html", ".pdf")))
    assert place.render(profile).stdout.splitlines()[0].startswith("unchanged ")
    assert not (folder / ".smpgen-journal.json").exists()


def test_after_a_stopped_job_a_file_a_person_edited_is_still_refused(
        place: Place, failing_rename: Callable[[int], None]) -> None:
    profile = place.profile()
    assert place.render(profile).exit_code == 0
    folder = place.out / "city"
    place.profile(CHANGED)
    failing_rename(5)  # the journal and three files are in place
    assert place.render(profile).exit_code == 2
    (folder / "tracking-form.docx").write_bytes(b"the clerk's notes")  # an old one
    (folder / "mini-policy.docx").write_bytes(b"the attorney's edits")  # a new one
    result = place.render(profile)
    assert result.exit_code == 2
    assert "mini-policy.docx, " in result.stderr and "tracking-form.docx were changed" in result.stderr
    forced = place.render(profile, "--force")
    assert forced.exit_code == 0
    assert (folder / "mini-policy.docx.bak").read_bytes() == b"the attorney's edits"
    assert (folder / "tracking-form.docx.bak").read_bytes() == b"the clerk's notes"


def test_a_render_killed_at_each_rename_leaves_whole_files_and_recovers(place: Place) -> None:
    """A real SIGKILL at each rename of a job (journal, every file, manifest)."""
    profile = place.profile()
    assert place.render(profile).exit_code == 0
    folder = place.out / "city"
    old = visible(folder)
    place.profile(CHANGED)
    assert place.render(profile).exit_code == 0
    new = visible(folder)
    killer = ("import os, signal, sys\n"
              "real, count = os.replace, [int(sys.argv.pop(1))]\n"
              "def replace(a, b):\n"
              "    count[0] -= 1\n"
              "    if count[0] == 0: os.kill(os.getpid(), signal.SIGKILL)\n"
              "    real(a, b)\n"
              "os.replace = replace\n"
              "from smpgen.cli import main\nmain()\n")
    for at in range(1, 11):
        place.profile(PROFILE if at % 2 else CHANGED)
        done = subprocess.run(
            [sys.executable, "-c", killer, str(at), "--templates", str(place.templates),
             "render", str(profile), "--out", str(place.out), "--jobs", "1"],
            cwd=place.root, capture_output=True, text=True)
        assert done.returncode == -9, (at, done.stderr)
        now = visible(folder)
        assert set(now) == set(old)
        for name, digest in now.items():
            assert digest in (old[name], new[name]), (at, name)
        again = place.render(profile)
        assert again.exit_code == 0, (at, again.stderr)
        assert visible(folder) == (old if at % 2 else new), at


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


def test_a_full_disk_stops_with_a_message_and_the_next_render_finishes(place: Place) -> None:
    disk = place.root / "disk"
    if not _mount_tmpfs(disk, "2m"):
        pytest.skip("needs root and mount to make a small tmpfs")
    try:
        out = disk / "out"
        profile = place.profile()
        first = place.cli("render", str(profile), "--out", str(out), "--jobs", "1")
        assert first.exit_code == 0
        folder = out / "city"
        old = visible(folder)
        filler = disk / "filler"
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        filler.write_bytes(b"\0" * (free - 120_000))  # room for some new files, not all
        place.profile(CHANGED)
        full = place.cli("render", str(profile), "--out", str(out), "--jobs", "1")
        assert full.exit_code == 2
        assert full.stderr.startswith(f"Error: cannot write into {folder}: No space left on device")
        assert visible(folder) == old  # nothing was renamed: the staging copy did not fit
        assert not [n for n in os.listdir(folder) if n.startswith(".smpgen-work-")]
        filler.unlink()
        again = place.cli("render", str(profile), "--out", str(out), "--jobs", "1")
        assert again.exit_code == 0, again.stderr
        assert visible(folder) != old
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.parametrize(("content", "why"), [
    (b"{not json", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    (b'{"files": ["a", "b"]}', "files is not a mapping"),
    (b'{"files": {"x.pdf": 5}}', "files.x.pdf is not text"),
    (b'{"jobs": {"render": {"inputs": 1, "files": []}}}', "jobs.render.inputs is not text"),
    (b'{"files": {"../../outside/precious.txt": "00"}}',
     "'../../outside/precious.txt' is not a file name smpgen writes"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"\xff\xfe", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
], ids=["not json", "files a list", "hash a number", "inputs a number", "a path",
        "deep nesting", "not utf-8"])
def test_a_damaged_manifest_is_a_clear_error(place: Place, content: bytes, why: str) -> None:
    profile = place.profile()
    assert place.render(profile).exit_code == 0
    folder = place.out / "city"
    (folder / ".smpgen-manifest.json").write_bytes(content)
    before = tree(place.out)
    result = place.render(profile, "--force")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {folder / '.smpgen-manifest.json'} is damaged ({why}), so smpgen cannot tell "
        "which files here it wrote. Delete it and run again with --force (every file already "
        "there is kept as a .bak copy)\n")
    assert tree(place.out) == before
    (folder / ".smpgen-manifest.json").unlink()
    assert place.render(profile, "--force").exit_code == 0
    assert json.loads((folder / ".smpgen-manifest.json").read_text())["files"].keys() == set(FILES)


def test_a_huge_manifest_is_refused_unread(place: Place) -> None:
    profile = place.profile()
    assert place.render(profile).exit_code == 0
    manifest = place.out / "city" / ".smpgen-manifest.json"
    with open(manifest, "wb") as f:
        f.truncate(50_000_000)
    result = place.render(profile)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {manifest} is 50,000,000 bytes, far more than smpgen "
                             "writes; delete it and run again with --force\n")


# Nothing written outside ---------------------------------------------------------------


def _planted(place: Place, name: str) -> tuple[Path, Path]:
    """Render once, then plant a link at ``name`` in the city's folder pointing outside."""
    profile = place.profile()
    assert place.render(profile).exit_code == 0
    folder = place.out / "city"
    target = place.outside / "precious.txt"
    link = folder / name
    if link.exists() or link.is_symlink():
        link.unlink()
    link.symlink_to(target)
    place.before_outside = tree(place.outside)
    place.profile(CHANGED)
    return profile, link


def test_a_link_planted_at_an_output_file_is_refused(place: Place) -> None:
    profile, link = _planted(place, "mini-policy.pdf")
    for args in ((), ("--force",)):
        result = place.render(profile, *args)
        assert result.exit_code == 2
        assert result.stderr == (f"Error: {link} is a symbolic link, not a file smpgen wrote; "
                                 "smpgen will not write there. Move it away and run this again\n")
        assert link.is_symlink()


@pytest.mark.parametrize(("name", "message"), [
    (".smpgen.lock", "is a symbolic link; smpgen will not open a lock through it. Remove it "
                     "and run this again"),
    (".smpgen-manifest.json", "is a symbolic link; smpgen keeps its own records there. "
                              "Remove it and run again with --force"),
], ids=["lock", "manifest"])
def test_a_link_planted_at_a_bookkeeping_file_is_refused(place: Place, name: str,
                                                         message: str) -> None:
    profile, link = _planted(place, name)
    result = place.render(profile)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {link} {message}\n"


def test_a_link_planted_at_the_backup_name_is_not_written_through(place: Place) -> None:
    profile, link = _planted(place, "mini-policy.docx.bak")
    (place.outside / "precious.txt").unlink()  # a dangling link: copying would create it
    place.before_outside = tree(place.outside)
    edited = place.out / "city" / "mini-policy.docx"
    edited.write_bytes(b"the attorney's edits")
    result = place.render(profile, "--force")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert (place.out / "city" / "mini-policy.docx.bak.1").read_bytes() == b"the attorney's edits"


def test_a_link_planted_at_the_job_folder_is_refused(place: Place) -> None:
    profile = place.profile()
    place.out.mkdir()
    (place.out / "city").symlink_to(place.outside, target_is_directory=True)
    result = place.render(profile)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {place.out / 'city'} is a symbolic link; smpgen writes "
                             "only into folders it can own. Move it away and run this again\n")


def test_a_link_planted_at_the_removed_comments_folder_is_refused(place: Place) -> None:
    repo = Path(__file__).resolve().parent.parent / "city_profiles"
    profile = place.root / "lakeview-mn.yaml"
    shutil.copy(repo / "lakeview-mn.yaml", profile)
    record = place.root / "removal.yaml"
    shutil.copy(repo / "removals" / "lakeview-2026-11-03.yaml", record)
    (place.out / "lakeview-mn").mkdir(parents=True)
    (place.out / "lakeview-mn" / "removed-comments").symlink_to(place.outside)
    result = place.cli("form", "fill", str(profile), str(record), "--out", str(place.out))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {place.out / 'lakeview-mn' / 'removed-comments'} is a "
                             "symbolic link; smpgen writes only into folders it can own. Move "
                             "it away and run this again\n")


@pytest.mark.parametrize("name", ["..yaml", "...yaml", ".hidden.yaml"])
def test_a_profile_whose_name_cannot_name_a_folder_is_refused(place: Place, name: str) -> None:
    profile = place.profile(name=name)
    stem = Path(name).stem
    result = place.render(profile)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {profile}: the file's name gives the output folder's name, and {stem!r} cannot "
        "be one (empty, starting with a dot or a space, or holding a slash or a control "
        "character); rename the file, for example lakeview-mn.yaml\n")
    assert not place.out.exists() or tree(place.out) == {}


def test_a_name_with_glob_characters_renders_that_exact_file(place: Place) -> None:
    literal = place.profile(CHANGED, "city[1].yaml")
    place.profile(PROFILE, "city1.yaml")
    result = place.render(literal)
    assert result.exit_code == 0, result.stderr
    assert sorted(visible(place.out)) == sorted(["city[1]", *(f"city[1]/{f}" for f in FILES)])
    assert "Town Manager" in (place.out / "city[1]" / "mini-policy.html").read_text()
    pattern = place.cli("render", str(place.root / "city?.yaml"), "--out", str(place.out),
                        "-q", "--jobs", "1")
    assert pattern.exit_code == 0
    assert "City Manager" in (place.out / "city1" / "mini-policy.html").read_text()


@pytest.mark.parametrize(("title", "stem"), [
    ("Executive Summary", "executive-summary-policy"),
    ("Tracking Form", "tracking-form-policy"),
    ("Social Media " * 20, "social-media-social-media-social-media-social-media-social"),
])
def test_a_policy_title_never_names_another_file_or_too_long_a_one(
        place: Place, title: str, stem: str) -> None:
    result = place.render(place.profile(dict(PROFILE, document={"title": title})))
    assert result.exit_code == 0, result.stderr
    names = sorted(visible(place.out / "city"))
    assert names == sorted([f"{stem}.docx", f"{stem}.pdf", f"{stem}.html", *FILES[3:]])


def test_an_output_folder_that_is_not_a_folder_is_refused(place: Place) -> None:
    note = place.root / "out.txt"
    note.write_text("a note\n")
    result = place.cli("render", str(place.profile()), "--out", str(note))
    assert result.exit_code == 2
    assert f"Directory '{note}' is a file." in result.stderr
    assert note.read_text() == "a note\n"
    for args in (("render", str(place.profile()), "--jobs", "1"), ("model",)):
        result = place.cli(*args, "--out", "/dev/null")
        assert result.exit_code == 2
        assert result.stderr == "Error: the output folder /dev/null is not a folder\n"


def test_init_never_writes_through_a_planted_link(place: Place) -> None:
    link = place.root / "new.yaml"
    link.symlink_to(place.outside / "precious.txt")
    result = place.cli("init", str(link), "--name", "Lakeshore", "--state", "MN")
    assert result.exit_code == 2
    assert str(link) in result.stderr


# Honest results -------------------------------------------------------------------------


def test_warnings_are_shown_again_when_nothing_changed(place: Place) -> None:
    profile = place.profile()
    first = place.render(profile)
    assert "council.meeting_date: warning: not given" in first.stderr
    again = place.render(profile)
    assert again.stdout.startswith("unchanged ")
    assert again.stderr == first.stderr
    batch = place.cli("render", str(profile), str(place.profile(name="two.yaml")), "--out",
                      str(place.out), "-q")
    assert f"{profile}:1: council.meeting_date: warning: not given" in batch.stderr


def test_form_fill_as_html_is_an_error_not_something_else(place: Place) -> None:
    profile = place.profile()
    record = place.root / "removal.yaml"
    record.write_text("account: x\n")
    result = place.cli("form", "fill", str(profile), str(record), "--format", "html",
                       "--out", str(place.out))
    assert result.exit_code == 2
    assert result.stderr == ("Error: the tracking form is made as docx and pdf, not as html; "
                             "choose --format docx,pdf\n")
    assert not place.out.exists()


def test_the_api_refuses_what_it_cannot_make(place: Place) -> None:
    import smpgen

    profile = place.profile()
    with pytest.raises(smpgen.UserError, match="the tracking form is made as docx and pdf"):
        smpgen.fill_form(profile, place.root / "r.yaml", formats=["html"], out_dir=place.out,
                         templates=place.templates)
    with pytest.raises(smpgen.UserError, match="the council packet carries the council edition"):
        smpgen.render(profile, edition="annotated", packet=True, out_dir=place.out,
                      templates=place.templates)
    assert not place.out.exists()


def test_packet_with_the_annotated_edition_is_an_error(place: Place) -> None:
    result = place.render(place.profile(), "--packet", "--edition", "annotated")
    assert result.exit_code == 2
    assert result.stderr == ("Error: the council packet carries the council edition, not the "
                             "annotated one; leave out --packet or --edition\n")


# Found in review -----------------------------------------------------------------------


def test_an_edit_that_keeps_size_and_time_is_still_refused(place: Place) -> None:
    """The quick check (size and time, as git does) also compares the change time and the
    inode, so an edit that puts the old size and modification time back is caught."""
    profile = place.profile()
    assert place.render(profile).exit_code == 0
    target = place.out / "city" / "mini-policy.html"
    info = target.stat()
    text = target.read_bytes()
    target.write_bytes(text.replace(b"Lakeshore", b"Lakeshorf", 1))
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    result = place.render(place.profile(CHANGED))
    assert result.exit_code == 2
    assert f"{target} was changed since smpgen wrote it" in result.stderr


def test_a_record_whose_name_cannot_name_a_file_is_refused(place: Place) -> None:
    repo = Path(__file__).resolve().parent.parent / "city_profiles"
    profile = place.root / "lakeview-mn.yaml"
    shutil.copy(repo / "lakeview-mn.yaml", profile)
    record = place.root / " removal.yaml"
    shutil.copy(repo / "removals" / "lakeview-2026-11-03.yaml", record)
    result = place.cli("form", "fill", str(profile), str(record), "--out", str(place.out))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {record}: the file's name gives the filled form's name, and ' removal' cannot "
        "be one (empty, starting with a dot or a space, or holding a slash or a control "
        "character); rename the file, for example lakeview-mn.yaml\n")


def test_two_profiles_of_one_name_in_a_batch_are_refused(place: Place) -> None:
    (place.root / "a").mkdir()
    (place.root / "b").mkdir()
    first = place.profile(name="a/city.yaml")
    second = place.profile(CHANGED, name="b/city.yaml")
    result = place.cli("render", str(first), str(second), "--out", str(place.out), "-q")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {first} and {second} would both write into the output "
                             "folder 'city'; rename one of them, or render them separately "
                             "with different --out folders\n")
    assert not place.out.exists()


KILLED_WORKER = """
import os, sys
from smpgen import batch
real = batch._render_one
def dying(path, options):
    if path.name == "doomed.yaml":
        os._exit(9)  # as the kernel's out-of-memory killer would end it
    return real(path, options)
batch._render_one = dying
from smpgen.cli import main
main()
"""


def test_a_batch_worker_that_dies_fails_its_profile_only(place: Place) -> None:
    good = [place.profile(name=f"good{i}.yaml") for i in range(2)]
    doomed = place.profile(name="doomed.yaml")
    done = subprocess.run([sys.executable, "-c", KILLED_WORKER, "--templates",
                           str(place.templates), "render", str(good[0]), str(doomed),
                           str(good[1]), "--out", str(place.out), "--jobs", "2", "-q"],
                          cwd=place.root, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1
    assert f"{doomed}: the worker process rendering it ended without a result" in done.stderr
    assert done.stderr.rstrip().splitlines()[-1].startswith("rendered ")
    assert "failed" in done.stderr.rstrip().splitlines()[-1]


def test_one_profile_starts_one_worker_however_many_jobs() -> None:
    script = ("import multiprocessing\nfrom smpgen.parallel import workers\n"
              "with workers(8, pieces=2) as w:\n"
              "    print(len(multiprocessing.active_children()))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout == "1\n", done.stderr


def test_a_full_disk_for_fontconfigs_settings_falls_back_to_a_private_folder(
        place: Place) -> None:
    disk = place.root / "cache"
    if not _mount_tmpfs(disk, "64k"):
        pytest.skip("needs root and mount to make a small tmpfs")
    try:
        with open(disk / "filler", "wb") as f, contextlib.suppress(OSError):
            f.write(b"\0" * 200_000)
        env = {**os.environ, "XDG_CACHE_HOME": str(disk)}
        for jobs in ("1", "2"):
            done = subprocess.run(
                [sys.executable, "-m", "smpgen", "--templates", str(place.templates), "render",
                 str(place.profile()), "--out", str(place.out), "--format", "pdf", "--force",
                 "--jobs", jobs], cwd=place.root, env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            assert "Traceback" not in done.stderr
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_hidden_characters_in_messages_are_shown_as_escapes(place: Place) -> None:
    profile = place.profile(dict(PROFILE, **{"evil\u202eKEY": 1}))
    result = place.cli("validate", str(profile))
    assert result.exit_code == 2
    assert "evil\\u202eKEY: unknown field" in result.stderr
    assert "\u202e" not in result.stderr


def test_an_impossible_source_date_epoch_is_a_message(
        place: Place, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "99999999999999")
    result = place.render(place.profile())
    assert result.exit_code == 2
    assert result.stderr == ("Error: SOURCE_DATE_EPOCH is 99999999999999, past any date a "
                             "document can carry; give seconds since 1970, or unset it\n")


def test_init_leaves_a_huge_schema_unread(place: Place) -> None:
    schema = place.root / "city-social-media.schema.json"
    with open(schema, "wb") as f:
        f.truncate(2_000_000_000)  # sparse: no disk used, but never to be read
    result = place.cli("init", str(place.root / "new.yaml"), "--name", "Lakeshore",
                       "--state", "MN")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {schema} is 2,000,000,000 bytes, far more than a schema; "
                             "smpgen init leaves it alone: move it away or choose another "
                             "folder\n")
    assert not (place.root / "new.yaml").exists()
