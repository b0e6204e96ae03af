"""A model is code someone else wrote: it reads only its own folder, stops within limits,
and every mistake in it is a located error (file and line), never a hang or a traceback."""

from __future__ import annotations

import dataclasses
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result
from helpers import EXAMPLE, run

import smpgen
import smpgen.budget

BASE = {
    "model": "mini-policy",
    "city": {"name": "Lakeshore", "state": "MN", "website": "https://lakeshore.example.gov"},
    "officials": {"chief": "City Manager"},
}

SECRET = "TOP-SECRET-CONTENT"

BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
"""Billion laughs: nine levels of nine aliases each, 9**9 strings once expanded."""


@pytest.fixture
def model(mini: Path) -> Path:
    """The mini model's folder, copied into tmp_path/templates for a test to spoil."""
    return mini / "mini-policy"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every model folder that no model may read."""
    path = tmp_path / "outside" / "secret.md"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n")
    return path


def render(tmp_path: Path, *args: str) -> Result:
    """``smpgen render city.yaml`` in tmp_path, with tmp_path/templates and tmp_path/out."""
    return run(["--templates", "templates", "render", "city.yaml", "--out", "out", *args],
               cwd=tmp_path)


def snapshot(tmp_path: Path) -> set[str]:
    """Every name under tmp_path, to show a failed run wrote nothing."""
    return {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")}


def refused(tmp_path: Path, message: str, *args: str, command: str = "render") -> Result:
    """Run ``command`` and check it stops with exit status 2 and exactly ``message`` (a
    located error) after ``Error: ``, with no traceback and no file written."""
    before = snapshot(tmp_path)
    if command == "render":
        result = render(tmp_path, *args)
    else:
        result = run(["--templates", "templates", command, *args], cwd=tmp_path)
    everything = result.stdout + result.stderr
    assert result.exit_code == 2, everything
    assert "Traceback" not in everything
    assert SECRET not in everything
    assert message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()
    assert snapshot(tmp_path) == before
    return result


def where(path: Path, line: int) -> str:
    """``/abs/path:LINE:`` as errors print a model file (the folder's links resolved)."""
    return f"{path.parent.resolve() / path.name}:{line}:"


def manifest_line(model: Path, text: str) -> int:
    """The line of model.yaml holding ``text``."""
    lines = (model / "model.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def set_manifest(model: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the model's model.yaml."""
    manifest = model / "model.yaml"
    text = manifest.read_text()
    assert old in text
    manifest.write_text(text.replace(old, new))


def link(path: Path, target: Path | str) -> None:
    """Replace the file ``path`` with a symbolic link to ``target``."""
    path.unlink(missing_ok=True)
    path.symlink_to(target)


@contextmanager
def unblocked(fifo: Path, after: float) -> Iterator[None]:
    """After ``after`` seconds, open the FIFO's writing end (and close it) again and again,
    so a reader blocked on it goes on: a regression fails on time instead of hanging."""
    stop = threading.Event()

    def writer() -> None:
        if stop.wait(after):
            return
        while not stop.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # nobody is reading yet
                stop.wait(0.05)
                continue
            os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# Reads stay inside the model folder ------------------------------------------------------

OUT = "goes outside the model folder ('..')"


@pytest.mark.parametrize(("template", "name", "message"), [
    ("{% include '../../outside/secret.md' %}", "../../outside/secret.md", OUT),
    ("{% import '../first.md' as other %}", "../first.md", OUT),
    ("{% from '../../../outside/secret.md' import x %}", "../../../outside/secret.md", OUT),
    ("{% extends '../model.yaml' %}", "../model.yaml", OUT),
    ("{% include '/etc/hostname' %}", "/etc/hostname", "is an absolute path"),
    ("{% extends '/etc/hostname' %}", "/etc/hostname", "is an absolute path"),
    ("{% include 'sections/../../../outside/secret.md' ignore missing %}",
     "sections/../../../outside/secret.md", OUT),
], ids=["include-up", "import-up", "from-up", "extends-up", "include-absolute",
        "extends-absolute", "include-ignore-missing"])
def test_templates_cannot_load_files_outside_the_model(
        template: str, name: str, message: str, model: Path, secret: Path, tmp_path: Path,
        write_profile: Callable[..., Path]) -> None:
    section = model / "sections" / "extra.md"
    section.write_text(f"Extra text.\n\n{template}\n")
    write_profile(BASE)
    refused(tmp_path, f"Error: {where(section, 3)} {name!r} {message}; a model reads only "
                      "files inside its own folder")


def test_an_include_through_a_link_out_of_the_model_is_refused(
        model: Path, secret: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    link(model / "sections" / "shared.md", secret)
    section = model / "sections" / "extra.md"
    section.write_text("Extra text.\n{% include 'sections/shared.md' %}\n")
    write_profile(BASE)
    refused(tmp_path, f"Error: {where(section, 2)} 'sections/shared.md' is a link to "
                      f"{secret.resolve()}, outside the model folder; a model reads only files "
                      "inside its own folder")


def test_a_link_that_stays_inside_the_model_is_followed(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    (model / "parts").mkdir()
    (model / "parts" / "shared.md").write_text("Shared words.\n")
    link(model / "sections" / "shared.md", Path("../parts/shared.md"))
    (model / "sections" / "extra.md").write_text("{% include 'sections/shared.md' %}\n")
    write_profile(BASE)
    result = render(tmp_path, "--format", "html")
    assert result.exit_code == 0, result.stderr
    assert "Shared words." in (tmp_path / "out" / "city" / "mini-policy.html").read_text()


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("source: sections/extra.md", "source: ../../outside/secret.md", "sections[1].source",
     "'../../outside/secret.md' goes outside the model folder ('..'); a model reads only files "
     "inside its own folder"),
    ("source: sections/extra.md", "source: /etc/hostname", "sections[1].source",
     "'/etc/hostname' is an absolute path; a model reads only files inside its own folder"),
    ("front_note: front.md", "front_note: ../../outside/secret.md", "front_note",
     "'../../outside/secret.md' goes outside the model folder ('..')"),
    ("background: summary/background.md", "background: /etc/hostname",
     "council_summary.background", "'/etc/hostname' is an absolute path"),
], ids=["section-up", "section-absolute", "front-note-up", "summary-absolute"])
def test_the_manifest_cannot_name_files_outside_the_model(
        old: str, new: str, field: str, message: str, model: Path, secret: Path, tmp_path: Path,
        write_profile: Callable[..., Path]) -> None:
    set_manifest(model, old, new)
    write_profile(BASE)
    line = manifest_line(model, new)
    refused(tmp_path, f"{where(model / 'model.yaml', line)} {field}: {message}")


@pytest.mark.parametrize(("file", "field", "needle"), [
    ("sections/extra.md", "sections[1].source", "sections/extra.md"),
    ("front.md", "front_note", "front_note:"),
    ("summary/background.md", "council_summary.background", "summary/background.md"),
], ids=["section", "front-note", "summary"])
def test_a_model_file_linked_out_of_the_model_is_refused(
        file: str, field: str, needle: str, model: Path, secret: Path, tmp_path: Path,
        write_profile: Callable[..., Path]) -> None:
    link(model / file, secret)
    write_profile(BASE)
    line = manifest_line(model, needle)
    refused(tmp_path, f"Error: invalid model manifest\n{where(model / 'model.yaml', line)} "
                      f"{field}: {file!r} is a link to {secret.resolve()}, outside the model "
                      "folder; a model reads only files inside its own folder")


# Files that are no regular files, or too big ---------------------------------------------

def test_a_fifo_as_section_source_is_refused_at_once(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    fifo = model / "sections" / "extra.md"
    fifo.unlink()
    os.mkfifo(fifo)
    write_profile(BASE)
    start = time.monotonic()
    with unblocked(fifo, after=10):
        refused(tmp_path, f"{where(model / 'model.yaml', manifest_line(model, 'extra.md'))} "
                          "sections[1].source: 'sections/extra.md' is a named pipe (FIFO), not "
                          "a regular file")
    assert time.monotonic() - start < 5


def test_a_fifo_included_by_a_template_is_refused_at_once(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    fifo = model / "sections" / "pipe.md"
    os.mkfifo(fifo)
    section = model / "sections" / "extra.md"
    section.write_text("{% include 'sections/pipe.md' %}\n")
    write_profile(BASE)
    start = time.monotonic()
    with unblocked(fifo, after=10):
        refused(tmp_path, f"Error: {where(section, 1)} 'sections/pipe.md' is a named pipe "
                          "(FIFO), not a regular file")
    assert time.monotonic() - start < 5


def test_a_fifo_as_model_yaml_is_refused_at_once(mini: Path, tmp_path: Path,
                                                 write_profile: Callable[..., Path]) -> None:
    fifo = mini / "piped" / "model.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    write_profile(BASE)
    start = time.monotonic()
    with unblocked(fifo, after=10):
        # Choosing among the models reads each one's id: the pipe is looked at, not opened.
        result = render(tmp_path, "--format", "html")
        assert result.exit_code == 0, result.stderr
        shutil.rmtree(tmp_path / "out")
        refused(tmp_path, f"{where(fifo, 1)} 'model.yaml' is a named pipe (FIFO), not a "
                          "regular file", command="models")
    assert time.monotonic() - start < 5


def test_dev_zero_as_model_yaml_is_refused(model: Path, tmp_path: Path,
                                           write_profile: Callable[..., Path]) -> None:
    # The shipped model still renders; listing the models names the broken one.
    link(model / "model.yaml", "/dev/zero")
    refused(tmp_path, f"{where(model / 'model.yaml', 1)} 'model.yaml' is a link to /dev/zero, "
                      "outside the model folder", command="models")
    write_profile(EXAMPLE)
    result = render(tmp_path, "--format", "html")
    assert result.exit_code == 0, result.stderr


def test_a_huge_section_file_is_refused(model: Path, tmp_path: Path,
                                        write_profile: Callable[..., Path]) -> None:
    section = model / "sections" / "extra.md"
    section.write_bytes(b"Extra text.\n" * 200_000)
    write_profile(BASE)
    line = manifest_line(model, "sections/extra.md")
    refused(tmp_path, f"{where(model / 'model.yaml', line)} sections[1].source: "
                      "'sections/extra.md' is 2,400,000 bytes; a model file is at most "
                      "1,000,000 bytes")


def test_a_huge_included_file_is_refused(model: Path, tmp_path: Path,
                                         write_profile: Callable[..., Path]) -> None:
    (model / "sections" / "big.md").write_bytes(b"x" * 3_000_000)
    section = model / "sections" / "extra.md"
    section.write_text("Extra.\n\n{% include 'sections/big.md' %}\n")
    write_profile(BASE)
    refused(tmp_path, f"Error: {where(section, 3)} 'sections/big.md' is 3,000,000 bytes; a "
                      "model file is at most 1,000,000 bytes")


def test_a_huge_model_yaml_is_refused(model: Path, tmp_path: Path,
                                      write_profile: Callable[..., Path]) -> None:
    manifest = model / "model.yaml"
    manifest.write_text(manifest.read_text() + "# padding\n" * 200_000)
    write_profile(BASE)
    refused(tmp_path, f"{where(manifest, 1)} 'model.yaml' is 2,")


# Alias bombs ------------------------------------------------------------------------------

@pytest.mark.parametrize("bomb_at", ["top", "id"])
def test_an_alias_bomb_in_an_unused_model_does_not_go_off(
        bomb_at: str, mini: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    bad = mini / "bad"
    bad.mkdir()
    idline = "id: *i\n" if bomb_at == "id" else "id: bad\n"
    (bad / "model.yaml").write_text(BOMB + idline + "title: Bad\nversion: '1'\npublisher: x\n"
                                    "variables: {}\nsections: *i\n")
    write_profile(BASE)
    start = time.monotonic()
    result = render(tmp_path, "--format", "html")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "city" / "mini-policy.html").exists()
    shutil.rmtree(tmp_path / "out")
    # Listing every model reads the broken one too: a located error, quickly, and the
    # models that load are listed all the same.
    listed = refused(tmp_path, f"{where(bad / 'model.yaml', 1)} b[0]: YAML anchors and aliases "
                               "are not supported; write the value out", command="models")
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["city-social-media",
                                                                        "mini-policy"]
    assert time.monotonic() - start < 20


def test_an_alias_bomb_in_the_used_model_is_located(model: Path, tmp_path: Path,
                                                    write_profile: Callable[..., Path]) -> None:
    manifest = model / "model.yaml"
    manifest.write_text(BOMB + manifest.read_text().replace("description: A tiny",
                                                            "description: *i\nx: A tiny"))
    write_profile(BASE)
    refused(tmp_path, f"Error: model mini-policy: invalid manifest\n{where(manifest, 1)} b[0]: "
                      "YAML anchors and aliases are not supported; write the value out")


def test_a_deeply_nested_model_yaml_is_located(model: Path, tmp_path: Path,
                                               write_profile: Callable[..., Path]) -> None:
    manifest = model / "model.yaml"
    manifest.write_text(manifest.read_text() + "deep: " + "[" * 5000 + "]" * 5000 + "\n")
    write_profile(BASE)
    refused(tmp_path, f"{where(manifest, manifest_line(model, 'deep:'))} lists and mappings nest "
                      "more than")


# Template errors are the model author's: file and line ----------------------------------

ERRORS = [
    pytest.param("{{ 1 / 0 }}", 3, "the template raised ZeroDivisionError: division by zero",
                 id="zero-division"),
    pytest.param("{% macro down(n) %}{{ down(n + 1) }}{% endmacro %}\n{{ down(0) }}", 3,
                 "a macro or recursive loop calls itself without end", id="recursion"),
    pytest.param("{{ ref() }}", 3, "ref() needs at least one section id", id="ref-nothing"),
    pytest.param("{{ ref('first', 3) }}", 3, "ref() takes a section id, such as "
                 "'comment-removal' or 'comment-removal.appeals', got 3", id="ref-second-number"),
    pytest.param("{{ agree(officials.chief, 3, 'act') }}", 3, "agree() takes a title and two "
                 "verb forms, got 3 and 'act'", id="agree-number"),
    pytest.param("{{ ref(7) }}", 3,
                 "ref() takes a section id, such as 'comment-removal' or "
                 "'comment-removal.appeals', got 7",
                 id="ref-number"),
    pytest.param("{{ 5 | series }}", 3, "series needs a list, got 5", id="series-number"),
    pytest.param("{{ colors | series(3) }}", 3, "series takes a word such as 'or', got 3",
                 id="series-conjunction"),
    pytest.param("{{ colors | nosuchfilter }}", 3,
                 "template syntax error: No filter named 'nosuchfilter'.", id="unknown-filter"),
    pytest.param("{{ [1, 'a'] | sort }}", 3, "the template raised TypeError: '<' not supported "
                 "between instances of 'str' and 'int'", id="filter-fails"),
    pytest.param("{% for i in range(1000000) %}{% endfor %}", 3,
                 "range() of 1,000,000 numbers; a model's loops go up to 10,000", id="range"),
    pytest.param("{% for i in range(10000) %}\n{% for j in range(10000) %}{% endfor %}"
                 "{% endfor %}", 4, "the templates ran more than 1,000,000 loop steps; look for "
                 "a loop that runs too long", id="loop-steps"),
    pytest.param("{% for i in range(10000) %}\n{{ 'words ' * 100 }}\n{% endfor %}", 4,
                 "the text passed 5,000,000 characters; look for a loop that prints too much",
                 id="output"),
    pytest.param("{% macro m() %}{% for i in range(9000) %}{{ 'words ' * 100 }}{% endfor %}"
                 "{% endmacro %}\n{% set s = m() %}", 3,
                 "the text passed 5,000,000 characters; look for a loop that prints too much",
                 id="macro-output"),
    pytest.param("{{ 'x' * 100000000 }}", 3, "'*' makes 100,000,000 characters; the text is "
                 "limited to 5,000,000 characters", id="multiply"),
    pytest.param("{% set ns = namespace(s='ab') %}{% for i in range(40) %}\n"
                 "{% set ns.s = ns.s ~ ns.s %}{% endfor %}", 4,
                 "the text passed 5,000,000 characters; look for a loop that prints too much",
                 id="doubling"),
    pytest.param("{{ 10 ** 1000000000 }}", 3, "'**' makes a number too large for a policy",
                 id="power"),
    pytest.param("{{ colors | join | center(1000000000) }}", 3, "the filter 'center' was given "
                 "1,000,000,000; a number past 5,000,000 is refused", id="filter-width"),
    pytest.param("{{ lipsum(1000000) }}", 3, "'lipsum' is undefined", id="lipsum"),
    pytest.param("Text \ufdd099\ufdd1 text", 3, "U+FDD0 and U+FDD1 are reserved by smpgen; remove them",
                 id="placeholder-characters"),
]


@pytest.mark.parametrize(("template", "line", "message"), ERRORS)
def test_template_errors_are_located(template: str, line: int, message: str, model: Path,
                                     tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    section = model / "sections" / "extra.md"
    section.write_text(f"Extra text.\n\n{template}\n")
    write_profile(BASE)
    start = time.monotonic()
    refused(tmp_path, f"Error: {where(section, line)} {message}")
    assert time.monotonic() - start < 20


@pytest.mark.parametrize(("text", "message"), [
    ("One.\n\nTwo {{ 1 // 0 }}.\n",
     "the template raised ZeroDivisionError: integer division or modulo by zero"),
    ("One.\n\n{% if %}\n", "template syntax error: "),
], ids=["raised", "syntax"])
def test_an_error_in_an_included_file_names_that_file(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path], text: str,
        message: str) -> None:
    part = model / "sections" / "part.md"
    part.write_text(text)
    (model / "sections" / "extra.md").write_text("{% include 'sections/part.md' %}\n")
    write_profile(BASE)
    refused(tmp_path, f"Error: {where(part, 3)} {message}")


def test_a_heading_deeper_than_the_numbering_is_located(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    section = model / "sections" / "extra.md"
    section.write_text("Extra.\n\n## Part {#part}\n\nText.\n\n### Sub {#sub}\n\nText.\n\n"
                       "#### Too deep {#deep}\n\nText.\n")
    write_profile(BASE)
    refused(tmp_path, f"Error: {where(section, 11)} a '####' heading is deeper than the "
                      "numbering goes; subsections go down to '###'")


def test_errors_in_the_front_note_and_summary_are_located(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    part = model / "summary" / "background.md"
    part.write_text("Background.\n{{ ref(None) }}\n")
    write_profile(BASE)
    refused(tmp_path, f"Error: {where(part, 2)} ref() takes a section id")
    note = model / "front.md"
    note.write_text("{% include '../secret.md' %}\n")
    refused(tmp_path, f"Error: {where(note, 1)} '../secret.md' goes outside",
            "--edition", "annotated")


def test_a_summary_part_cannot_refer_to_policy_sections(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    part = model / "summary" / "background.md"
    part.write_text("Background.\n\nSee {{ ref('first') }}.\n")
    write_profile(BASE)
    refused(tmp_path, f"Error: {where(part, 3)} the executive summary cannot refer to the "
                      "policy's sections with ref(); name the section in words")


def test_templates_within_the_limits_render(model: Path, tmp_path: Path,
                                            write_profile: Callable[..., Path]) -> None:
    (model / "sections" / "extra.md").write_text(
        "{% macro twice(x) %}{{ x }} {{ x }}{% endmacro %}\n"
        "Count {{ 12345678 | string }} and {{ twice('echo') }}; "
        "{{ ('-' * 3) ~ ('+' * 2) }}; {{ range(9000) | sum }}.\n"
        "{% for i in range(2000) %}{% for j in range(400) %}{% endfor %}{% endfor %}\n")
    write_profile(BASE)
    result = render(tmp_path, "--format", "html")
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "out" / "city" / "mini-policy.html").read_text()
    assert "Count 12345678 and echo echo; ---++; 40495500." in html


def test_a_render_past_the_time_limit_stops(model: Path, tmp_path: Path,
                                            write_profile: Callable[..., Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(smpgen.budget, "LIMITS", dataclasses.replace(smpgen.budget.LIMITS,
                                                                      seconds=1.0))
    section = model / "sections" / "extra.md"
    section.write_text("Extra.\n{% for i in range(5000) %}\n"
                       "{% set s = range(10000) | map('string') | join %}\n{% endfor %}\n")
    write_profile(BASE)
    start = time.monotonic()
    result = refused(tmp_path, "rendering took longer than 1 seconds; look for a loop that "
                               "runs too long")
    assert re.search(f"Error: {re.escape(str(section.resolve()))}:[23]: ", result.stderr)
    assert time.monotonic() - start < 5


def test_the_time_limit_holds_in_a_thread(model: Path, tmp_path: Path,
                                          write_profile: Callable[..., Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """No signal is involved, so a render in a worker thread stops on time too."""
    monkeypatch.setattr(smpgen.budget, "LIMITS", dataclasses.replace(smpgen.budget.LIMITS,
                                                                      seconds=1.0))
    (model / "sections" / "extra.md").write_text(
        "{% for i in range(5000) %}{% set s = range(10000) | map('string') | join %}"
        "{% endfor %}\n")
    profile = write_profile(BASE)
    start = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(smpgen.render, profile, formats=["html"], out_dir=tmp_path / "out",
                             templates=tmp_path / "templates")
        with pytest.raises(smpgen.ModelError, match="rendering took longer than 1 seconds"):
            future.result(timeout=30)
    assert time.monotonic() - start < 5
    assert not (tmp_path / "out").exists()


# Caches follow the files ------------------------------------------------------------------

def test_edits_to_a_model_show_in_the_same_process(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    profile = write_profile(BASE)
    templates = tmp_path / "templates"

    def html(out: str, force: bool = False) -> str:
        result = smpgen.render(profile, formats=["html"], out_dir=tmp_path / out,
                               templates=templates, force=force)
        assert result.rendered
        return (tmp_path / out / "city" / "mini-policy.html").read_text()

    assert "Extra text with a" in html("one")
    (model / "sections" / "extra.md").write_text("Edited section words.\n")
    assert "Edited section words." in html("one")  # no --force: the edit itself counts
    set_manifest(model, "title: Extra Matters", "title: Renamed Matters")
    assert "Renamed Matters" in html("two")
    (model / "summary" / "recommendation.md").write_text("Edited recommendation.\n")
    result = smpgen.render(profile, formats=["html"], out_dir=tmp_path / "two",
                           templates=templates, force=True)
    summary = next(p for p in result.paths if p.name == "executive-summary.html")
    assert "Edited recommendation." in summary.read_text()
    (model / "parts").mkdir()
    (model / "parts" / "inc.md").write_text("Included one.\n")
    (model / "sections" / "extra.md").write_text("{% include 'parts/inc.md' %}\n")
    assert "Included one." in html("three")
    (model / "parts" / "inc.md").write_text("Included two.\n")
    assert "Included two." in html("three", force=True)



# A malformed model.yaml is located, never a traceback -------------------------------------

TYPE_NAMES = "text, paragraph, integer, boolean, date, choice, url, email, state, language, list, object"
KEEP_FOR = "  keep_for:\n    type: text\n    default: one year"
"""The mini model's declaration of keep_for, for cases to replace."""

MANIFEST_ERRORS = [
    # (old, new, the text on the line reported, field, message)
    pytest.param("item: {type: text}\n    suggestion: red", "item: {required: true}\n    suggestion: red",
                 "item: {required: true}", "variables.colors.item",
                 f"declares no 'type'; give one of {TYPE_NAMES}", id="item-without-type"),
    pytest.param("suggestion: red, green", "min_items: many", "min_items: many",
                 "variables.colors.min_items", "expected a whole number, 0 or more, got the text "
                 "'many'", id="min-items-text"),
    pytest.param(KEEP_FOR, "  keep_for:\n    type: choice\n    choices: 5", "choices: 5",
                 "variables.keep_for.choices", "expected a list of words, e.g. [open, closed], got "
                 "the number 5", id="choices-number"),
    pytest.param(KEEP_FOR, "  keep_for:\n    type: choice\n    choices: [yes, no]", "choices: [yes",
                 "variables.keep_for.choices[0]", "expected text, got true (put it in quotes)",
                 id="choices-yes-no"),
    pytest.param(KEEP_FOR, f"{KEEP_FOR}\n    choices: [a, b]", "choices: [a, b]",
                 "variables.keep_for.choices", "'choices' applies only to a choice",
                 id="choices-on-text"),
    pytest.param("required: true\n      suggestion: mayor", "required: 'no'\n      suggestion: mayor",
                 "required: 'no'", "variables.officials.chief.required",
                 "expected true or false, got the text 'no'", id="required-text"),
    pytest.param("guidance: Who is in charge.", "guidance: {who: mayor}", "guidance: {who",
                 "variables.officials.chief.guidance", "expected text, got a mapping",
                 id="guidance-mapping"),
    pytest.param("type: boolean", "type: [boolean]", "type: [boolean]", "variables.extra.type",
                 f"expected a type name, got a list; use one of {TYPE_NAMES}", id="type-list"),
    pytest.param("  officials:\n", "  officials:\n    Bad-Name: {type: text}\n", "Bad-Name",
                 "variables.officials.Bad-Name",
                 "a variable name uses letters, digits and _, starting with a letter", id="name"),
    pytest.param("source: sections/extra.md", 'source: "sections/extra\\0.md"', "extra\\0.md",
                 "sections[1].source", "the file name 'sections/extra\\x00.md' contains the "
                 "control character U+0000; remove it", id="source-with-nul"),
    pytest.param("source: sections/extra.md", 'source: "sections/extra\\ud800.md"', "\\ud800",
                 "sections[1].source", "the file name 'sections/extra\\ud800.md' contains U+D800, "
                 "which is not a character; remove it", id="source-with-surrogate"),
    pytest.param("source: sections/extra.md", "source: [sections/extra.md]", "source: [",
                 "sections[1].source", "expected a file name such as sections/purpose.md, got a "
                 "list", id="source-list"),
    pytest.param("sections:\n  - {id: first, title: First Things, source: sections/first.md, "
                 "covers: [P01]}\n  - {id: extra, title: Extra Matters, source: sections/extra.md, "
                 "covers: [P02], include_if: extra}\n  - {id: last, title: Last Things, source: "
                 "sections/last.md, covers: [P03]}", "sections: {first: sections/first.md}",
                 "sections: {", "sections", "expected a list of sections, each {id, title, "
                 "source}", id="sections-mapping"),
    pytest.param("{id: last, title: Last Things,", "{title: Last Things,", "{title: Last Things",
                 "sections[2]", "a section has id, title and source; give its id",
                 id="section-without-id"),
    pytest.param("{id: last,", "{id: [last],", "{id: [last]", "sections[2].id",
                 "a section id uses lower-case letters, digits and hyphens", id="section-id-list"),
    pytest.param("title: Last Things", "title: {a: b}", "title: {a: b}", "sections[2].title",
                 "expected one line of text, got a mapping", id="section-title-mapping"),
    pytest.param("covers: [P03]", "covers: P03", "covers: P03", "sections[2].covers",
                 "expected a list of provision ids such as [P05, N01], got the text 'P03'",
                 id="covers-text"),
    pytest.param("covers: [P03]", "covers: 5", "covers: 5", "sections[2].covers",
                 "expected a list of provision ids such as [P05, N01], got the number 5",
                 id="covers-number"),
    pytest.param("covers: [P03]}", "covers: [P03], include-if: extra}", "include-if",
                 "sections[2].include-if", "unknown key; expected one of: id, title, source, "
                 "covers, include_if", id="section-unknown-key"),
    pytest.param("include_if: extra", "include_if: nothere", "include_if: nothere",
                 "sections[1].include_if", "'nothere' is not a variable of this model; expected "
                 "a boolean variable", id="include-if-missing"),
    pytest.param("include_if: extra", "include_if: keep_for", "include_if: keep_for",
                 "sections[1].include_if", "'keep_for' is a text variable; expected a boolean "
                 "variable", id="include-if-text"),
    pytest.param("include_if: extra", "include_if: [extra]", "include_if: [extra]",
                 "sections[1].include_if", "expected a variable's name, got a list",
                 id="include-if-list"),
    pytest.param("tracking_form:\n  accounts: accounts\n  categories: categories\n  coordinator: "
                 "officials.chief\n  retention: keep_for", "tracking_form: [accounts]",
                 "tracking_form: [", "tracking_form", "expected a mapping with accounts, "
                 "categories, coordinator, retention", id="tracking-form-list"),
    pytest.param("  accounts: accounts\n", "  accounts: [accounts]\n", "accounts: [accounts]",
                 "tracking_form.accounts", "expected a name, got a list",
                 id="tracking-form-value-list"),
    pytest.param("coordinator: officials.chief", "coordinator: extra", "coordinator: extra",
                 "tracking_form.coordinator", "'extra' is a boolean variable; expected a text "
                 "variable", id="tracking-form-boolean"),
    pytest.param("background: summary/background.md", "background: {file: x.md}", "background: {",
                 "council_summary.background", "expected a name, got a mapping",
                 id="summary-mapping"),
    pytest.param("front_note: front.md", "front_note: [front.md]", "front_note: [",
                 "front_note", "expected a file name such as sections/purpose.md, got a list",
                 id="front-note-list"),
    pytest.param("title: Mini Policy", "title: {en: Mini Policy}", "title: {en", "title",
                 "expected one line of text, got a mapping", id="title-mapping"),
    pytest.param("version: 9.9.9", "version: {major: 9}", "version: {major", "version",
                 "expected one line of text, got a mapping", id="version-mapping"),
    pytest.param("version: 9.9.9", "version: 1.10", "version: 1.10", "version",
                 "expected one line of text, got the number 1.1 (put it in quotes)",
                 id="version-number"),
    pytest.param("id: mini-policy", "id: mini-policy\nname: Mini", "name: Mini", "name",
                 "unknown key; expected one of: id, title, version, publisher, description, "
                 "front_note, variables, sections, tracking_form, council_summary, changelog, edition",
                 id="unknown-key"),
    pytest.param("  categories: categories\n", "", "tracking_form:", "tracking_form",
                 "missing 'categories'; the form takes each of accounts, categories, coordinator, "
                 "retention", id="tracking-form-partial"),
    pytest.param("front_note: front.md", "front-note: front.md", "front-note", "front-note",
                 "unknown key; did you mean 'front_note'?", id="misspelt-key"),
]


@pytest.mark.parametrize(("old", "new", "needle", "field", "message"), MANIFEST_ERRORS)
def test_a_malformed_manifest_is_located(old: str, new: str, needle: str, field: str,
                                         message: str, model: Path, tmp_path: Path,
                                         write_profile: Callable[..., Path]) -> None:
    set_manifest(model, old, new)
    write_profile(BASE)
    line = f"{where(model / 'model.yaml', manifest_line(model, needle))} {field}: {message}"
    for command, args in (("render", ()), ("validate", ("city.yaml",)), ("models", ())):
        result = refused(tmp_path, line, *args, command=command)
        if command != "models":  # one problem, nothing it leads to besides
            assert result.stderr == f"Error: invalid model manifest\n{line}\n"


# What a model gives is checked as a profile's values are ----------------------------------

MODEL_VALUES = [
    # (old, new, the text on the line reported, field, message): each passed 'validate'
    # and then stopped the DOCX writer, or printed a control character.
    pytest.param("default: one year", 'default: "one\\x01year"', "one\\x01year",
                 "variables.keep_for.default", "contains the control character U+0001; remove it",
                 id="default-control"),
    pytest.param("default: [obscene material,", 'default: ["obscene\\x0cmaterial",',
                 "obscene\\x0c", "variables.categories.default",
                 "contains the control character U+000C; remove it", id="default-item-control"),
    pytest.param("default: one year", "default: 5", "default: 5", "variables.keep_for.default",
                 "expected one line of text, got the number 5", id="default-number"),
    pytest.param("default: one year", "default: " + "year " * 70, "default: year",
                 "variables.keep_for.default", "is 349 characters long; at most 300 are allowed",
                 id="default-too-long"),
    pytest.param("type: boolean\n    default: true", "type: boolean\n    default: 'yes'",
                 "default: 'yes'", "variables.extra.default",
                 "expected true or false, got the text 'yes'", id="default-text-for-boolean"),
    pytest.param("default: one year", "default: one year\n    example: [two, years]",
                 "example: [two", "variables.keep_for.example",
                 "expected one line of text, got a list", id="example-list"),
    pytest.param("suggestion: mayor or city manager", 'suggestion: "mayor\\u202e or manager"',
                 "suggestion: ", "variables.officials.chief.suggestion",
                 "contains the invisible formatting character U+202E RIGHT-TO-LEFT OVERRIDE; "
                 "remove it (retype the value if your editor does not show it)",
                 id="suggestion-bidi"),
    pytest.param("title: Mini Policy", 'title: "Mini\\x0bPolicy"', "title:", "title",
                 "contains the control character U+000B; remove it", id="title-control"),
    pytest.param("title: Extra Matters", 'title: "Extra\\x0bMatters"', "Extra\\x0b",
                 "sections[1].title", "contains the control character U+000B; remove it",
                 id="section-title-control"),
    pytest.param("publisher: the smpgen tests", 'publisher: "the \\u2067smpgen tests"',
                 "publisher:", "publisher", "contains the invisible formatting character U+2067 "
                 "RIGHT-TO-LEFT ISOLATE; remove it (retype the value if your editor does not "
                 "show it)", id="publisher-bidi"),
    pytest.param("version: 9.9.9", 'version: "9.9\\x009"', "version:", "version",
                 "contains the control character U+0000; remove it", id="version-nul"),
    pytest.param("description: A tiny model used by smpgen's own tests.",
                 'description: "A tiny\\x1b[2J model"',
                 "description:", "description", "contains the control character U+001B; remove "
                 "it", id="description-escape"),
]


@pytest.mark.parametrize(("old", "new", "needle", "field", "message"), MODEL_VALUES)
def test_a_model_value_that_would_not_render_is_located(
        old: str, new: str, needle: str, field: str, message: str, model: Path, tmp_path: Path,
        write_profile: Callable[..., Path]) -> None:
    set_manifest(model, old, new)
    write_profile(BASE)
    line = f"{where(model / 'model.yaml', manifest_line(model, needle))} {field}: {message}"
    for command, args in (("validate", ("city.yaml",)), ("render", ("--format", "docx")),
                          ("models", ())):
        result = refused(tmp_path, line, *args, command=command)
        assert not re.search("[\x00-\x08\x0b-\x1f\u202e\u2067]", result.stdout + result.stderr)
        if command != "models":
            assert result.stderr == f"Error: invalid model manifest\n{line}\n"


# One call cannot build more than the limits allow -----------------------------------------

TOO_LONG = "would make more than 5,000,000 characters, the most a text may hold"
BIG = '{% set big = "x" * 4000000 %}'
"""A text within the limit, for the cases that multiply it."""

MEMORY = [
    pytest.param('{{ "x".center(2000000000) }}', f"'center' {TOO_LONG}", id="center"),
    pytest.param('{{ "x".ljust(1500000000) }}', f"'ljust' {TOO_LONG}", id="ljust"),
    pytest.param('{{ "x".rjust(1500000000, "-") }}', f"'rjust' {TOO_LONG}", id="rjust"),
    pytest.param('{{ "1".zfill(1500000000) }}', f"'zfill' {TOO_LONG}", id="zfill"),
    pytest.param('{{ ("\\t" * 1000).expandtabs(2000000) }}', f"'expandtabs' {TOO_LONG}",
                 id="expandtabs"),
    pytest.param('{{ ("x" * 1000000).replace("", "y" * 4000) }}', f"'replace' {TOO_LONG}",
                 id="replace"),
    pytest.param('{{ ("x" * 1000000).translate({120: "y" * 4000}) }}', f"'translate' {TOO_LONG}",
                 id="translate"),
    pytest.param(BIG + '{{ big.join(["a", "b", "c"]) }}', f"'join' {TOO_LONG}", id="join"),
    pytest.param('{{ "{:>1500000000}".format(1) }}', f"'format' {TOO_LONG}", id="format-width"),
    pytest.param('{{ "{:.1500000000f}".format(1.5) }}', f"'format' {TOO_LONG}",
                 id="format-precision"),
    pytest.param('{{ "{:{}}".format("x", 1500000000) }}', f"'format' {TOO_LONG}",
                 id="format-nested-width"),
    pytest.param(BIG + '{{ ("{0}" * 1000).format(big) }}', f"'format' {TOO_LONG}",
                 id="format-repeated-field"),
    pytest.param(BIG + '{{ "{0!r}".format([big] * 10000) }}', f"'format' {TOO_LONG}",
                 id="format-repr"),
    pytest.param('{{ "{a:>1500000000}".format_map({"a": 1}) }}', f"'format' {TOO_LONG}",
                 id="format-map"),
    pytest.param('{{ "%1500000000s" % "" }}', f"'%' {TOO_LONG}", id="percent-width"),
    pytest.param('{{ "%*s" % (-1500000000, "") }}', f"'%' {TOO_LONG}", id="percent-star"),
    pytest.param('{{ "%.1500000000f" % 1.5 }}', f"'%' {TOO_LONG}", id="percent-precision"),
    pytest.param(BIG + '{{ ("%s" * 1000) % ((big,) * 1000) }}', f"'%' {TOO_LONG}",
                 id="percent-repeated"),
    pytest.param('{{ "%1500000000s" | format("") }}', f"the filter 'format' {TOO_LONG}",
                 id="format-filter"),
    pytest.param('{{ ("\\n" * 1000000) | indent(4000000, first=true, blank=true) }}',
                 f"the filter 'indent' {TOO_LONG}", id="indent-filter"),
    pytest.param('{{ ("a " * 1000000) | wordwrap(1, break_long_words=true, wrapstring="y" * 4000) '
                 '}}', f"the filter 'wordwrap' {TOO_LONG}", id="wordwrap-filter"),
    pytest.param('{{ ("x" * 1000000) | replace("x", "y" * 4000) }}',
                 f"the filter 'replace' {TOO_LONG}", id="replace-filter"),
    pytest.param('{{ (["a"] * 100000) | join("y" * 4000) }}', f"the filter 'join' {TOO_LONG}",
                 id="join-filter"),
    pytest.param('{{ ("http://a.example " * 100000) | urlize(trim_url_limit=9, target="y" * 4000)'
                 ' }}',
                 f"the filter 'urlize' {TOO_LONG}", id="urlize-filter"),
    pytest.param(BIG + "{{ ([big] * 10000) | string }}", f"the filter 'string' {TOO_LONG}",
                 id="repr-of-a-list"),
    pytest.param('{{ ("x" | attr("center"))(2000000000) }}', f"'center' {TOO_LONG}",
                 id="attr-center"),
    pytest.param(BIG + "{{ ([big] * 10000) ~ '' }}",
                 "the text passed 5,000,000 characters; look for a loop that prints too much",
                 id="concat-of-a-list"),
    pytest.param(BIG + "{{ {'a': [big] * 10000} }}",
                 "the text passed 5,000,000 characters; look for a loop that prints too much",
                 id="printed-mapping"),
    pytest.param('{% set l = [1] %}{% for i in range(40) %}{% if l.extend(l) %}{% endif %}'
                 '{% endfor %}', "'extend' makes 8,388,608 items; a list or mapping holds at most "
                 "5,000,000", id="list-doubling"),
    pytest.param("{% set l = range(10000) | list %}{{ ([l * 100] * 10000) | sum(start=[]) }}",
                 "'sum' makes 6,000,000 items; a list or mapping holds at most 5,000,000",
                 id="sum-of-lists"),
    pytest.param(BIG + "{% set kept = [] %}{% for i in range(10000) %}"
                 "{% if kept.append(big ~ i) %}{% endif %}{% endfor %}",
                 "the templates built more than 50,000,000 characters of text in all; look for a "
                 "loop that builds text", id="many-kept-pieces"),
    pytest.param('{{ range(10000) | map("string") | map("center", 4000000) | list }}',
                 "the templates built more than 50,000,000 characters of text in all; look for a "
                 "loop that builds text", id="many-filtered-pieces"),
]


@pytest.mark.parametrize(("template", "message"), MEMORY)
def test_a_template_cannot_build_a_text_past_the_limit(
        template: str, message: str, model: Path, tmp_path: Path,
        write_profile: Callable[..., Path]) -> None:
    """Refused before the memory is taken: the CLI runs with 1 GiB of address space, where
    building the text would end in MemoryError."""
    section = model / "sections" / "extra.md"
    section.write_text(f"Extra text.\n\n{template}\n")
    write_profile(BASE)
    before = snapshot(tmp_path)
    limit = 1 << 30
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "smpgen", "--templates", "templates", "render", "city.yaml",
         "--out", "out", "--format", "html"], cwd=tmp_path, capture_output=True, text=True,
        timeout=60, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert time.monotonic() - start < 20
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == f"Error: {where(section, 3)} {message}\n"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("template", "operator"), [
    ("{% set ns = namespace(x=3**4999) %}{% for i in range(15) %}"
     "{% set ns.x = ns.x * ns.x %}{% endfor %}", "*"),
    ("{% set ns = namespace(x=3) %}{% for i in range(1000) %}{% for j in range(200) %}"
     "{% set ns.x = ns.x + ns.x %}{% endfor %}{% endfor %}", "+"),
    ("{{ 7 ** 100000 }}", "**"),
], ids=["squaring", "doubling", "power"])
def test_a_number_too_large_is_refused_before_it_is_computed(
        template: str, operator: str, model: Path, tmp_path: Path,
        write_profile: Callable[..., Path]) -> None:
    # Squaring 3**4999 fifteen times ran 20 seconds in one multiplication, past the time limit.
    section = model / "sections" / "extra.md"
    section.write_text(f"Extra text.\n\n{template}\n")
    write_profile(BASE)
    start = time.monotonic()
    refused(tmp_path, f"Error: {where(section, 3)} '{operator}' makes a number too large for a "
                      "policy (more than 100,000 bits)")
    assert time.monotonic() - start < 5


def test_padding_formatting_and_arithmetic_within_the_limits_render(
        model: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    (model / "sections" / "extra.md").write_text(
        'Count {{ "ab".center(6, "-") }} {{ "%05.1f|%-4s|%d" % (3.14159, "ab", 42) }} '
        '{{ "{:>5}|{:.2f}|{:,}|{!r}".format("ab", 2.5, 1234567, [1]) }} '
        '{{ "{a}-{b}".format_map({"a": 1, "b": 2}) }} {{ "a-b".replace("-", "+") }} '
        '{{ "/".join(["x", "y"]) }} {{ [1, 2] | join("/") }} {{ "%s!" | format("f") }} '
        '{{ "7".zfill(3) }} {{ 2 ** 64 }} {{ 12 * 12 - 4 }} {{ 7 // 2 }} {{ 7 % 3 }} '
        '{{ [[1], [2]] | sum(start=[]) }} {{ "x" ~ 1 ~ [1] }}.\n')
    write_profile(BASE)
    result = render(tmp_path, "--format", "html")
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "out" / "city" / "mini-policy.html").read_text()
    assert ("Count --ab-- 003.1|ab  |42    ab|2.50|1,234,567|[1] 1-2 a+b x/y 1/2 f! 007 "
            "18446744073709551616 140 3 1 1 and 2 x1[1].") in html
