"""`smpgen validate`: OK per good file; every problem, located, word for word; exit 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import EXAMPLE, GOOD, REPO, deep_merge, run


def test_example_profiles_are_ok() -> None:
    profiles = sorted(str(p.relative_to(REPO)) for p in (REPO / "city_profiles").glob("*.yaml"))
    result = run(["validate", *profiles])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"OK {p}" for p in profiles]
    assert result.stderr == ""


CASES = [
    ("unknown key with a hint", GOOD.replace("  coordinator:", "  cordinator:"),
     ["{p}:5: officials.coordinator: is required; give one line of text "
      "(for example: Communications Coordinator)",
      "{p}:8: officials.cordinator: unknown field; did you mean 'coordinator'?"]),
    ("wrong type", GOOD.replace("name: Lakeshore", "name: 12"),
     ["{p}:2: city.name: expected one line of text, got the number 12 (put text in quotes)"]),
    ("yes is not text", GOOD.replace("name: Lakeshore", "name: yes"),
     ["{p}:2: city.name: expected one line of text, got yes (put text in quotes)"]),
    ("state that does not exist", GOOD.replace("state: MN", "state: XX"),
     ["{p}:3: city.state: 'XX' is not a US state code; expected a two-letter code such as MN"]),
    ("state written out", GOOD.replace("state: MN", "state: Minnesota"),
     ["{p}:3: city.state: 'Minnesota' is not a US state code; did you mean MN (Minnesota)?"]),
    ("bad choice", GOOD + "public_comments:\n  mode: maybe\n",
     ["{p}:10: public_comments.mode: expected one of: open, closed, got the text 'maybe'"]),
    ("not a web address", GOOD.replace("https://lakeshore.example.gov", "lakeshore dot gov"),
     ["{p}:4: city.website: 'lakeshore dot gov' is not a web address; expected one starting "
      "with https://"]),
    ("a date that is not a date", GOOD + "document:\n  adoption:\n    resolution: R-1\n"
     "    adopted: 2026-02-30\n    effective: 2026-03-01\n",
     ["{p}:12: document.adoption.adopted: '2026-02-30' is not a date; write it YYYY-MM-DD"]),
    ("adoption half filled in", GOOD + "document:\n  adoption:\n    adopted: 2026-02-03\n",
     ["{p}:10: document.adoption.resolution: is required once any adoption detail is given; "
      "fill in resolution, adopted and effective together",
      "{p}:10: document.adoption.effective: is required once any adoption detail is given; "
      "fill in resolution, adopted and effective together"]),
    ("a list where text belongs", GOOD.replace("coordinator: Communications Coordinator",
                                              "coordinator: [a, b]"),
     ["{p}:8: officials.coordinator: expected one line of text, got a list"]),
    ("text where a list belongs", GOOD + "authorized_roles: Police Chief\n",
     ["{p}:9: authorized_roles: expected a list, each item one line of text, got the text "
      "'Police Chief'"]),
    ("duplicate key", GOOD + "city:\n  name: Again\n",
     ["{p}:9: city: appears twice; keep one"]),
    ("YAML syntax error", GOOD.replace("  state: MN", "  state: [MN"),
     ["{p}:4: YAML syntax error: expected ',' or ']', but got ':' while parsing a flow sequence "
      "that starts on line 3"]),
    ("tabs", GOOD.replace("  state: MN", "\tstate: MN"),
     ["{p}:3: YAML syntax error: found character '\\t' that cannot start any token "
      "(indent with spaces, not tabs)"]),
    ("empty file", "", ["{p}:1: is empty; expected a mapping of fields (see 'smpgen init')"]),
    ("list at the top", "- a\n- b\n", ["{p}:1: holds a list at the top; expected a mapping of fields"]),
    ("model not there", "model: nope\n" + GOOD,
     ["{p}:1: model: no model 'nope'; available: city-social-media (see 'smpgen models')"]),
    ("control character", GOOD.replace("name: Lakeshore", 'name: "Lake\\u0007shore"'),
     ["{p}:2: city.name: contains the control character U+0007; remove it"]),
    ("a number YAML reads as octal", GOOD + "document:\n  policy_number: 0702\n",
     ["{p}:10: document.policy_number: expected one line of text, got the number 0702 "
      "(put text in quotes)"]),
    ("a bidirectional override", GOOD.replace("name: Lakeshore", 'name: "Lake\\u202Eshore"'),
     ["{p}:2: city.name: contains the invisible formatting character U+202E RIGHT-TO-LEFT "
      "OVERRIDE; remove it (retype the value if your editor does not show it)"]),
    ("a language that is no tag", GOOD + "document:\n  language: 'en\"x'\n",
     ["{p}:10: document.language: 'en\"x' is not a language tag; write one such as en-US, "
      "es-419 or zh-Hant-TW (letters, digits and hyphens)"]),
    ("a negative count", GOOD + "public_comments:\n  response_days: -5\n",
     ["{p}:10: public_comments.response_days: expected a whole number from 1 to 60, got the "
      "number -5"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_profile_messages(text: str, expected: list[str],
                              write_profile: Callable[..., Path]) -> None:
    path = write_profile(text)
    result = run(["validate", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [*(e.format(p=path) for e in expected),
                                          "1 of 1 profile(s) have problems."]


def test_unknown_key_lists_the_fields(write_profile: Callable[..., Path]) -> None:
    path = write_profile(GOOD + "colour: blue\n")
    result = run(["validate", str(path)])
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:9: colour: unknown field; expected one of: model, model_version, city, "
                            "document, council, officials, ")


def test_every_problem_in_every_file(write_profile: Callable[..., Path]) -> None:
    one = write_profile(GOOD.replace("state: MN", "state: ZZ").replace("name: Lakeshore", "name:"),
                        name="one.yaml")
    two = write_profile(GOOD, name="two.yaml")
    three = write_profile("city: [\n", name="three.yaml")
    result = run(["validate", str(one), str(two), str(three)])
    assert result.exit_code == 2
    assert result.stdout == f"OK {two}\n"
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{one}:2: city.name: is required; give one line of text (for example: Lakeview)",
        f"{one}:3: city.state: 'ZZ' is not a US state code; expected a two-letter code such as MN",
        f"{three}:2: YAML syntax error: expected the node content, but found '<stream end>'",
        "2 of 3 profile(s) have problems.",
    ]


def test_render_reports_the_same_problems_and_writes_nothing(
        write_profile: Callable[..., Path], tmp_path: Path) -> None:
    path = write_profile(GOOD.replace("state: MN", "state: ZZ"))
    result = run(["render", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: 1 problem in {path}:\n{path}:3: city.state: 'ZZ' is not a "
                             "US state code; expected a two-letter code such as MN\n")
    assert not (tmp_path / "out").exists()


def test_unverified_records_law_warns(write_profile: Callable[..., Path]) -> None:
    path = write_profile(deep_merge(EXAMPLE, {"city": {"state": "ID"}}))
    result = run(["validate", str(path)])
    assert result.exit_code == 0
    assert result.stdout == f"OK {path}\n"
    assert result.stderr == (
        f"{path}:3: city.state: warning: the Idaho laws cited (Idaho Public Records Act, "
        "Idaho Code § 74-101 et seq., and the state's retention, open meetings and limitation "
        "laws) are not all verified (unverified); confirm them before adoption\n")


def test_draft_allows_missing_required(write_profile: Callable[..., Path]) -> None:
    path = write_profile("city:\n  name: Lakeshore\n  state: MN\n")
    assert run(["validate", str(path)]).exit_code == 2
    assert run(["validate", "--draft", str(path)]).exit_code == 0
