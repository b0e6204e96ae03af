"""Inputs the bad_inputs suite cannot hold as files (pipes, devices, huge or deeply nested
files, NUL bytes), odd values for `smpgen init`, and the checks that every declared value
goes through: each is refused with a located message and exit 2, never a traceback."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from helpers import GOOD, HERE, TEST_MODELS, run

import smpgen

RECORD = (HERE / "bad_inputs" / "records" / "removed-before-posted.yaml").read_text() \
    .replace("removed: 2026-11-01", "removed: 2026-11-03")
PROFILE_FOR_RECORDS = HERE / "bad_inputs" / "profile-for-records.yaml"
PROMPT = 5.0
"""Seconds: a refused input is refused at once; a blocked read would take forever."""


def refused(args: list[str], path: Path, expected: list[str], out: Path | None = None) -> None:
    """``smpgen ARGS`` exits 2 promptly with exactly ``expected`` about ``path``, no
    traceback, and writes nothing into ``out``."""
    start = time.monotonic()
    result = run(args)
    assert time.monotonic() - start < PROMPT
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    if args[0] == "validate":
        assert result.stderr.splitlines() == [*expected, "1 of 1 profile(s) have problems."]
    else:
        noun = "problem" if len(expected) == 1 else "problems"
        assert result.stderr.splitlines() == [f"Error: {len(expected)} {noun} in {path}:",
                                              *expected]
    if out is not None:
        assert not out.exists()


def render_refused(path: Path, tmp_path: Path, *expected: str) -> None:
    """Both ``validate`` and ``render`` refuse ``path`` with ``expected``."""
    lines = [e.format(path=path) for e in expected]
    refused(["validate", str(path)], path, lines)
    refused(["render", str(path), "--out", str(tmp_path / "out")], path, lines, tmp_path / "out")


# Files that are not regular files ---------------------------------------------------------


@contextlib.contextmanager
def fifo(path: Path) -> Iterator[Path]:
    """A named pipe at ``path``; should a read block on it after all, it is ended after
    :data:`PROMPT` seconds, so the test fails rather than hangs."""
    os.mkfifo(path)

    def unblock() -> None:
        with contextlib.suppress(OSError):  # ENXIO: nobody is reading, nothing to unblock
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    guard = threading.Timer(PROMPT, unblock)
    guard.start()
    try:
        yield path
    finally:
        guard.cancel()


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    with fifo(tmp_path / "city.yaml") as path:
        render_refused(path, tmp_path, "{path}:1: is a named pipe, not a file; smpgen reads only "
                                       "regular files (save the YAML to a file and give its name)")


def test_a_link_to_dev_zero_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    path.symlink_to("/dev/zero")
    render_refused(path, tmp_path, "{path}:1: is a device, not a file; smpgen reads only regular "
                                   "files (save the YAML to a file and give its name)")


def test_a_record_that_is_a_device_is_refused(tmp_path: Path) -> None:
    record = tmp_path / "removal.yaml"
    record.symlink_to("/dev/zero")
    refused(["form", "fill", str(PROFILE_FOR_RECORDS), str(record), "--out", str(tmp_path / "out")],
            record, [f"{record}:1: is a device, not a file; smpgen reads only regular files (save "
                     "the YAML to a file and give its name)"], tmp_path / "out")


def test_a_folder_is_refused_by_the_api(tmp_path: Path) -> None:
    folder = tmp_path / "city.yaml"
    folder.mkdir()
    with pytest.raises(smpgen.ProfileError) as raised:
        smpgen.load(folder)
    assert str(raised.value) == f"{folder}:1: is a folder, not a profile file"


def test_a_huge_file_is_refused_by_its_size_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    with path.open("wb") as f:  # sparse: 5 GB that take no disk space
        f.truncate(5_000_000_000)
    render_refused(path, tmp_path, "{path}:1: is 5,000,000,000 bytes; a profile is at most "
                                   "1,000,000 bytes")


def test_a_file_larger_than_its_size_says_is_read_only_to_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc files say they are empty and yet hold text, as a growing file outruns its size."""
    status = Path("/proc/self/status")
    if not status.is_file() or status.stat().st_size:
        pytest.skip("needs Linux's /proc")
    import smpgen.sourcefile

    monkeypatch.setattr(smpgen.sourcefile, "MAX_BYTES", 100)
    path = tmp_path / "city.yaml"
    path.symlink_to(status)
    refused(["validate", str(path)], path,
            [f"{path}:1: is more than 100 bytes; a profile is at most 100 bytes"])


# Characters YAML cannot read, and nesting it cannot hold ---------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (GOOD.replace("name: Lakeshore", "name: Lake\x00shore"),
     ["{path}:2: city.name: contains the control character U+0000; remove it"]),
    (GOOD.replace("name: Lakeshore", 'name: "Lake\x00shore"'),
     ["{path}:2: city.name: contains the control character U+0000; remove it"]),
    (GOOD.replace("  coordinator:", "  coord\x00inator:"),
     ["{path}:8: officials: contains the control character U+0000; remove it"]),
    (GOOD + "authorized_roles: [Police Chief, Fire\x00Chief]\n",
     ["{path}:9: authorized_roles[1]: contains the control character U+0000; remove it"]),
    (GOOD + "# a comment\x00\n", ["{path}:9: contains the control character U+0000; remove it"]),
    (GOOD.replace("name: Lakeshore", "name: Lake\x1b[31mshore")
     .replace("state: MN", "state: M\x7fN"),
     ["{path}:2: city.name: contains the control character U+001B; remove it",
      "{path}:3: city.state: contains the control character U+007F; remove it"]),
    (GOOD.replace("name: Lakeshore", "name: Lake\ufffeshore")
     .replace("coordinator: Communications", "coordinator: \x9bCommunications"),
     ["{path}:2: city.name: contains U+FFFE, which is not a character; remove it",
      "{path}:8: officials.coordinator: contains the control character U+009B; remove it"]),
    (GOOD.replace("state: MN", "state: M\x00N").replace("\n", "\r\n"),
     ["{path}:3: city.state: contains the control character U+0000; remove it"]),
    ("\x00" * 5 + "\n" + "city:\n" + "\x00\n" * 20,
     ["{path}:1: contains the control character U+0000; remove it",
      *(f"{{path}}:{line}: contains the control character U+0000; remove it"
        for line in range(3, 12)),
      "{path}:12: and later lines hold more characters that are not allowed; remove them all"]),
], ids=["NUL in a value", "NUL in a quoted value", "NUL in a key", "NUL in a list item",
        "NUL in a comment", "ESC and DEL", "U+FFFE and a C1 control", "CRLF line ends",
        "a file of NULs"])
def test_characters_yaml_cannot_read_are_located(text: str, expected: list[str],
                                                 tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    path.write_bytes(text.encode("utf-8"))
    render_refused(path, tmp_path, *expected)


def test_a_nul_byte_in_a_record_is_located(tmp_path: Path) -> None:
    record = tmp_path / "removal.yaml"
    record.write_bytes(RECORD.replace("Buy cheap", "Buy\x00cheap").encode("utf-8"))
    refused(["form", "fill", str(PROFILE_FOR_RECORDS), str(record), "--out", str(tmp_path / "out")],
            record, [f"{record}:5: comment: contains the control character U+0000; remove it"],
            tmp_path / "out")


DEEP = "lists and mappings nest more than 32 levels deep here; a profile needs only a few"


@pytest.mark.parametrize(("text", "expected"), [
    ("city: " + "[" * 100_000 + "\n", f"{{path}}:1: {DEEP}"),
    ("city: " + "{a: " * 50_000 + "\n", f"{{path}}:1: {DEEP}"),
    ("city:\n" + "".join(" " * i + "a:\n" for i in range(1, 1_200)), f"{{path}}:32: {DEEP}"),
    (GOOD + "authorized_roles:\n" + "".join(" " * i + "-\n" for i in range(2, 900)),
     f"{{path}}:41: {DEEP}"),
], ids=["100,000 [", "50,000 {", "1,200 nested mappings", "900 nested lists"])
def test_deep_nesting_is_located_not_a_recursion_error(text: str, expected: str,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    path.write_text(text)
    render_refused(path, tmp_path, expected)


# Values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["en", "en-US", "es-419", "zh-Hant-TW", "sr-Latn-RS",
                                 "de-CH-1996", "haw", "en-US-x-city", "zh-yue-HK"])
def test_language_tags_that_pass_render(tag: str, tmp_path: Path,
                                        write_profile: Callable[..., Path]) -> None:
    path = write_profile(GOOD + f"document:\n  language: {tag}\n")
    result = run(["render", str(path), "--format", "docx,html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "city"
    assert f'<html lang="{tag}">' in (folder / "social-media-policy.html").read_text()
    from docx import Document as open_docx

    assert open_docx(str(folder / "social-media-policy.docx")).core_properties.language == tag


@pytest.mark.parametrize("tag", ['en"x', "en US", "en<x", "e", "123", "en-a",
                                 "en-", "-en", "en--US", "en_US", "en-US-"])
def test_language_tags_that_are_refused(tag: str, write_profile: Callable[..., Path]) -> None:
    path = write_profile(GOOD + yaml.safe_dump({"document": {"language": tag}}))
    refused(["validate", str(path)], path,
            [f"{path}:10: document.language: {tag!r} is not a language tag; write one such as "
             "en-US, es-419 or zh-Hant-TW (letters, digits and hyphens)"])


@pytest.mark.parametrize(("written", "shown"), [
    ("0702", "the number 0702"), ("1_000", "the number 1_000"), ("0x1F", "the number 0x1F"),
    ("1.5e+3", "the number 1.5e+3"), ("+12", "the number +12"), ("-0", "the number -0"),
    ("yes", "yes"), ("No", "No"), ("on", "on"), ("OFF", "OFF"), ("true", "true"),
])
def test_numbers_given_for_text_are_quoted_as_written(written: str, shown: str,
                                                      write_profile: Callable[..., Path]) -> None:
    path = write_profile(GOOD + f"document:\n  policy_number: {written}\n")
    refused(["validate", str(path)], path,
            [f"{path}:10: document.policy_number: expected one line of text, got {shown} "
             "(put text in quotes)"])


def test_an_integer_declaration_sets_the_range(tmp_path: Path,
                                               write_profile: Callable[..., Path]) -> None:
    """A model's ``min``/``max`` bound an integer; without them it is 0 or more."""
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(TEST_MODELS, templates)
    manifest = templates / "mini-policy" / "model.yaml"
    manifest.write_text(manifest.read_text().replace(
        "variables:\n", "variables:\n  days: {type: integer, min: 1, max: 30, default: 10}\n"
                        "  copies: {type: integer}\n"))
    base = ("model: mini-policy\ncity: {name: Lakeshore, state: MN, website: https://x.example}\n"
            "officials: {chief: Mayor}\n")
    path = write_profile(base + "days: 31\ncopies: -1\n")
    result = run(["--templates", str(templates), "validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:4: days: expected a whole number from 1 to 30, got the number 31",
        f"{path}:5: copies: expected a whole number, 0 or more, got the number -1",
        "1 of 1 profile(s) have problems."]
    path.write_text(base + "days: 30\ncopies: 0\n")
    assert run(["--templates", str(templates), "validate", str(path)]).exit_code == 0


@pytest.mark.parametrize(("declaration", "message"), [
    ("{type: integer, min: 5, max: 1}", "max 1 is below min 5"),
    ("{type: text, min: 1}", "'min' applies only to an integer"),
    ("{type: integer, max: ten}", "'max' is a whole number"),
    ("{type: integer, min: 1, default: 0}", "default 0 is outside min and max"),
])
def test_a_bad_integer_declaration_is_a_model_error(declaration: str, message: str,
                                                    tmp_path: Path,
                                                    write_profile: Callable[..., Path]) -> None:
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(TEST_MODELS, templates)
    manifest = templates / "mini-policy" / "model.yaml"
    manifest.write_text(manifest.read_text().replace("variables:\n",
                                                     f"variables:\n  days: {declaration}\n"))
    path = write_profile("model: mini-policy\n" + GOOD)
    result = run(["--templates", str(templates), "validate", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_every_declared_type_has_a_class() -> None:
    from smpgen.fields import FIELD_TYPES
    from smpgen.variables import TYPES

    assert sorted(FIELD_TYPES) == sorted(TYPES)


# smpgen init --------------------------------------------------------------------------

ODD_NAMES = [
    "O'Brien", 'The "Twin" Cities', "Saint-Méry", "München", "Coeur d'Alene", "日本橋",
    "\u05e2\u05d9\u05e8", "yes", "No", "null", "~", "0702", "1_000", "0x1F", "1e3", "#1",
    "- Lakeshore", "a: b", "[Lake]", "{Lake}", "&anchor", "*alias", "!tag", "%percent",
    "@home", "`tick`", "|pipe", ">fold", "? key", "Lake #shore", "---", "...", "back\\slash",
    "  padded  ", "x" * 300, "<script>alert(1)</script>", "{{ city.name }}", "Lake\u00a0shore",
]
BAD_NAMES = [
    ("Lake\nshore", "must be one line"),
    ("Lake\rshore", "contains the control character U+000D; remove it"),
    ("Lake\tshore", "contains the control character U+0009; remove it"),
    ("Lake\x1bshore", "contains the control character U+001B; remove it"),
    ("Lake\u202eshore", "contains the invisible formatting character U+202E RIGHT-TO-LEFT "
                        "OVERRIDE; remove it (retype the value if your editor does not show it)"),
    ("Lake\u2028shore", "contains U+2028 LINE SEPARATOR, which not every program shows as a line "
                        "break; remove it"),
    ("Lake\ufdd0shore", "contains U+FDD0, which is not a character; remove it"),
    ("   ", "is empty; give a value or leave the field out"),
    ("x" * 301, "is 301 characters long; at most 300 are allowed"),
]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_init_with_an_odd_name_writes_a_profile_that_validates(name: str, tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    result = run(["init", str(path), "--name", name, "--state", "mn"])
    assert result.exit_code == 0, result.output
    check = run(["validate", "--draft", str(path)])
    assert check.exit_code == 0, check.output
    assert smpgen.load(path, draft=True).values["city"]["name"] == name.strip()


@pytest.mark.parametrize(("name", "message"), BAD_NAMES, ids=[repr(n[:12]) for n, _ in BAD_NAMES])
def test_init_refuses_a_name_no_profile_could_hold(name: str, message: str,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    result = run(["init", str(path), "--name", name, "--state", "MN"])
    assert result.exit_code == 2
    shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
    assert result.stderr == f"Error: --name {shown}: {message}\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("state", "message"), [
    ("Minnesota", "'Minnesota' is not a US state code; did you mean MN (Minnesota)?"),
    ("M\nN", "must be one line"),
    ("ZZ", "'ZZ' is not a US state code; expected a two-letter code such as MN"),
])
def test_init_refuses_a_state_no_profile_could_hold(state: str, message: str,
                                                    tmp_path: Path) -> None:
    result = run(["init", str(tmp_path / "city.yaml"), "--name", "Lakeshore", "--state", state])
    assert result.exit_code == 2
    assert result.stderr == f"Error: --state {state!r}: {message}\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("planted", ["city.yaml", "city-social-media.schema.json"])
@pytest.mark.parametrize("force", [False, True])
def test_init_never_writes_through_a_planted_link(planted: str, force: bool,
                                                  tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (folder / planted).symlink_to(victim)
    result = run(["init", str(folder / "city.yaml"), "--name", "Lakeshore", "--state", "MN",
                  *(["--force"] if force else [])])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {folder / planted} is a symbolic link; smpgen init does not "
                             "write through links: remove the link or choose another folder\n")
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in folder.iterdir()) == [planted]
    assert (folder / planted).is_symlink()


def test_init_leaves_an_edited_schema_alone_unless_forced(tmp_path: Path) -> None:
    schema = tmp_path / "city-social-media.schema.json"
    schema.write_text('{"edited": true}\n')
    result = run(["init", str(tmp_path / "city.yaml"), "--name", "Lakeshore", "--state", "MN"])
    assert result.exit_code == 2
    version = smpgen.list_models()[0].version
    assert result.stderr == (
        f"Error: {schema} differs from the schema smpgen writes for city-social-media "
        f"{version} (edited, or from another version); smpgen leaves it alone: move it "
        "away, or pass --force to replace it\n")
    assert schema.read_text() == '{"edited": true}\n'
    assert not (tmp_path / "city.yaml").exists()
    forced = run(["init", str(tmp_path / "city.yaml"), "--name", "Lakeshore", "--state", "MN",
                  "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.stdout == f"wrote {tmp_path / 'city.yaml'}\nwrote {schema}\n"
    assert schema.read_text() == run(["schema"]).stdout


def test_init_keeps_an_identical_schema_untouched(tmp_path: Path) -> None:
    first = run(["init", str(tmp_path / "one.yaml"), "--name", "One", "--state", "MN"])
    assert first.exit_code == 0
    schema = tmp_path / "city-social-media.schema.json"
    before = schema.stat().st_mtime_ns
    second = run(["init", str(tmp_path / "two.yaml"), "--name", "Two", "--state", "MN"])
    assert second.stdout == f"wrote {tmp_path / 'two.yaml'}\n"
    assert schema.stat().st_mtime_ns == before



def test_init_ignores_a_link_planted_at_a_temporary_name(tmp_path: Path) -> None:
    """Earlier versions wrote the new profile through a link at ``.city.yaml.part``; the
    temporary file is now created exclusively, never through a link."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / ".city.yaml.part").symlink_to(victim)
    result = run(["init", str(tmp_path / "city.yaml"), "--name", "Lakeshore", "--state", "MN"])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious\n"
    assert run(["validate", "--draft", str(tmp_path / "city.yaml")]).exit_code == 0


def test_the_longest_values_render_and_fit_the_docx_properties(
        tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    """A 300-character name or title is valid; only its copy in the DOCX's properties
    (at most 255 characters) is shortened."""
    from docx import Document as open_docx
    from helpers import docx_text

    name, title = "N" * 300, "\u00dc" * 300
    path = write_profile(GOOD.replace("name: Lakeshore", f"name: {name}")
                         + f"document:\n  title: {title}\n")
    result = run(["render", str(path), "--format", "docx,html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    docx = tmp_path / "out" / "city" / "policy.docx"
    props = open_docx(str(docx)).core_properties
    assert props.title == f"City of {name} {title}"[:254] + "\u2026"
    assert props.subject == f"{title} of the City of {name}"[:254] + "\u2026"
    text = docx_text(docx)
    assert name in text and title in text


def test_init_refuses_a_pipe_at_the_schema_path_without_blocking(tmp_path: Path) -> None:
    with fifo(tmp_path / "city-social-media.schema.json") as schema:
        start = time.monotonic()
        result = run(["init", str(tmp_path / "city.yaml"), "--name", "Lakeshore", "--state", "MN"])
        assert time.monotonic() - start < PROMPT
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {schema} is not a regular file; smpgen init leaves it "
                             "alone: move it away or choose another folder\n")
    assert not (tmp_path / "city.yaml").exists()


@pytest.mark.parametrize(("written", "message"), [
    ("010", "YAML reads 010 as 8; write the number in plain decimal digits (no leading 0, 0x or "
            "colon)"),
    ("0x10", "YAML reads 0x10 as 16; write the number in plain decimal digits (no leading 0, 0x "
             "or colon)"),
    ("1:30", "expected a whole number from 1 to 60, got the number 1:30"),
    ("0o17", "expected a whole number from 1 to 60, got the text '0o17'"),
    ("1e3", "expected a whole number from 1 to 60, got the text '1e3'"),
    ("0", "expected a whole number from 1 to 60, got the number 0"),
    ("61", "expected a whole number from 1 to 60, got the number 61"),
])
def test_numbers_yaml_misreads_are_refused(written: str, message: str,
                                           write_profile: Callable[..., Path]) -> None:
    path = write_profile(GOOD + f"public_comments:\n  response_days: {written}\n")
    refused(["validate", str(path)], path, [f"{path}:10: public_comments.response_days: {message}"])


@pytest.mark.parametrize("written", ["10", "+10", "1_0", "1", "60"])
def test_plain_whole_numbers_pass(written: str, write_profile: Callable[..., Path]) -> None:
    path = write_profile(GOOD + f"public_comments:\n  response_days: {written}\n")
    assert run(["validate", str(path)]).exit_code == 0


def test_a_paragraph_value_prints_inline_as_one_line(tmp_path: Path) -> None:
    """A model prints a paragraph value inside its own sentence: the value's line breaks,
    tabs and runs of spaces read as single spaces there (never a line break in the DOCX)."""
    import zipfile

    profile = tmp_path / "city.yaml"
    profile.write_text(GOOD + "council:\n  current_practice: \"Staff post\\n\\nwithout\\t"
                       "a   written   policy.\"\n", encoding="utf-8")
    result = run(["render", str(profile), "--format", "docx,html", "--out",
                  str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "city"
    page = (folder / "executive-summary.html").read_text("utf-8")
    assert "Staff post without a written policy." in page
    with zipfile.ZipFile(folder / "executive-summary.docx") as z:
        xml = z.read("word/document.xml").decode()
    assert "Staff post without a written policy." in xml
    assert "<w:br/>" not in xml and "<w:tab/>" not in xml
