"""A model is code someone else wrote: it reads only its own folder, stops within limits,
and every mistake in it is a located error (file and line), never a hang or a traceback."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
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
import smpgen.sandbox

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
    pytest.param("{{ ref('first', 'last') }}", 3, "the template raised TypeError: ref() takes 1 "
                 "positional argument but 2 were given", id="ref-two-arguments"),
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
    monkeypatch.setattr(smpgen.sandbox, "LIMITS", dataclasses.replace(smpgen.sandbox.LIMITS,
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
    monkeypatch.setattr(smpgen.sandbox, "LIMITS", dataclasses.replace(smpgen.sandbox.LIMITS,
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

