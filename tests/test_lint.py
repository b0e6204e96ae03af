"""The lint of a city's own choices: `smpgen validate` warns, located, on a removal category
a court may strike, a blocking standard without limits, a retention shorter than the
state's limitation period, and an official checking their own work; `--strict` fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLE, REPO, deep_merge, run

from smpgen.lint import period_months


def warnings_of(path: Path) -> list[str]:
    """The warning lines `smpgen validate` prints for ``path`` (it must validate)."""
    result = run(["validate", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"OK {path}\n"
    return [line for line in result.stderr.splitlines() if line]


def profile_with(write_profile: Callable[..., Path], extra: dict[str, Any],
                 state: str = "MN") -> Path:
    data = deep_merge(EXAMPLE, {"city": {"state": state}})
    return write_profile(deep_merge(data, extra))


def line_of(path: Path, text: str) -> int:
    """The 1-based line of ``path`` on which ``text`` first appears."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def test_the_model_defaults_lint_clean(write_profile: Callable[..., Path]) -> None:
    for state in ("MN", "WA", "AR", "TX"):
        path = profile_with(write_profile, {}, state)
        result = run(["validate", "--strict", str(path)])
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""


def test_every_example_profile_lints_clean() -> None:
    profiles = sorted(str(p.relative_to(REPO)) for p in (REPO / "city_profiles").glob("*.yaml"))
    result = run(["validate", "--strict", *profiles])
    assert result.stderr == ""
    assert result.exit_code == 0


RISKY_CATEGORIES = [
    ("offensive or objectionable comments", "Matal v. Tam, 582 U.S. 218 (2017)",
     "obscene material"),
    ("inaccurate information", "United States v. Alvarez", "corrects it"),
    ("misinformation about City programs", "Minnesota Voters Alliance v. Mansky",
     "corrects it"),
    ("negative comments about staff", "Matal v. Tam", "criticism of the City"),
    ("criticism of elected officials", "Matal v. Tam", "delete the category"),
    ("disparaging remarks about any person", "Matal v. Tam", "harassment aimed at"),
    ("hate speech", "Iancu v. Brunetti, 588 U.S. 388 (2019)", "true threats of violence"),
    ("comments discriminating against a group", "Matal v. Tam", "harassment aimed at"),
    ("hurtful remarks", "Iancu v. Brunetti", "harassment aimed at"),
    ("profanity or vulgar language", "Iancu v. Brunetti", "obscene material"),
    ("inappropriate content", "Minnesota Voters Alliance v. Mansky, 585 U.S. 1 (2018)",
     "specific content meant"),
    ("objectionable material", "Minnesota Voters Alliance v. Mansky", "specific content meant"),
    ("information that could compromise public safety", "Mansky",
     "a named, ongoing investigation"),
    ("encouragement of illegal activity", "United States v. Williams",
     "solicitation of a specific crime"),
    ("unlawful conduct", "Mansky", "solicitation of a specific crime"),
]


@pytest.mark.parametrize(("category", "case", "instead"), RISKY_CATEGORIES,
                         ids=[c[0] for c in RISKY_CATEGORIES])
def test_a_risky_removal_category_is_a_located_warning(
        write_profile: Callable[..., Path], category: str, case: str, instead: str) -> None:
    categories = ["obscene material, as the law defines obscenity", category,
                  "commercial advertising or solicitation, including bulk or automated spam"]
    path = profile_with(write_profile, {"removal_categories": categories})
    [warning] = warnings_of(path)
    assert warning.startswith(f"{path}:{line_of(path, category)}: removal_categories[1]: "
                              f"warning: the removal category \u201c{category}\u201d ")
    assert case in warning
    assert instead in warning
    assert warning.endswith(".")


SAFE_CATEGORIES = [
    "obscene material, as the law defines obscenity",
    "a true threat of violence against a person or group",
    "harassment aimed at a specific person",
    "information that would compromise a specific, ongoing investigation",
    "a solicitation to commit a specific crime",
    "solicitation of a specific criminal offense",
    "content that falsely impersonates the City",
    "campaign material for or against a candidate or ballot measure",
    "content plainly unrelated to the subject of the Post it answers",
]


def test_concrete_neutral_categories_pass(write_profile: Callable[..., Path]) -> None:
    path = profile_with(write_profile, {"removal_categories": SAFE_CATEGORIES})
    assert warnings_of(path) == []


@pytest.mark.parametrize(("key", "value", "words"), [
    ("removals", 1, "count of removals is 1, so one removed Comment is enough"),
    ("period_days", 365, "period of 365 days counts removals spread over more than six months"),
    ("block_days", 180, "block of 180 days shuts a person out"),
    ("review_days", 45, "review within 45 days leaves a mistaken or viewpoint-based block"),
])
def test_a_blocking_standard_without_limits_warns(write_profile: Callable[..., Path], key: str,
                                                  value: int, words: str) -> None:
    path = profile_with(write_profile, {"blocking": {key: value}})
    [warning] = warnings_of(path)
    assert warning.startswith(f"{path}:{line_of(path, key + ':')}: blocking.{key}: warning: "
                              f"the blocking standard\u2019s {words}")


def test_a_block_reviewer_who_approves_blocks_or_is_the_approver_s_deputy_warns(
        write_profile: Callable[..., Path], tmp_path: Path) -> None:
    # Final authority, coordinator and reviewer are one official: the attorney still
    # reviews blocks, so there is nothing to warn about.
    path = profile_with(write_profile, {"officials": {
        "coordinator": "City Administrator", "remover": "Deputy Clerk",
        "block_approver": "City Administrator"}})
    assert warnings_of(path) == []
    # A deputy reviewing the superior's block is no independent check.
    path = profile_with(write_profile, {"officials": {
        "block_approver": "City Manager", "block_reviewer": "Deputy City Manager"}})
    [warning] = warnings_of(path)
    assert warning.startswith(f"{path}:{line_of(path, 'block_reviewer')}: "
                              "officials.block_reviewer: warning: the Deputy City Manager would "
                              "review blocks approved by the City Manager, an official the "
                              "reviewer answers to")
    # The policy names the City's attorney in that deputy's place only when told to.
    result = run(["render", str(path), "--format", "html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "out" / "city" / "social-media-policy.html").read_text()
    assert "the Deputy City Manager shall review it" in " ".join(
        re.sub(r"<[^>]+>", " ", html).split())
    # Named as reviewer and approver both: passed over for the City's attorney.
    path = profile_with(write_profile, {"officials": {
        "block_approver": "City Manager", "block_reviewer": "City  manager"}})
    [warning] = warnings_of(path)
    assert "officials.block_reviewer: warning: the City  manager is named to review blocks " \
           "but also approves them, so the policy passes over that official and has the City " \
           "Attorney or another attorney advising the City review each block" in warning


@pytest.mark.parametrize(("state", "retention", "needed", "citation"), [
    ("MN", "24 months", "six years", "Minn. Stat. \u00a7 541.05"),
    ("MN", "one year", "six years", "Minn. Stat. \u00a7 541.05"),
    ("MN", "five years", "six years", "Minn. Stat. \u00a7 541.05"),
    ("WA", "two calendar years", "three years", "RCW 4.16.080(2)"),
    ("AR", "18 months", "three years", "Ark. Code Ann. \u00a7 16-56-105"),
])
def test_a_retention_shorter_than_the_claims_period_warns(
        write_profile: Callable[..., Path], state: str, retention: str, needed: str,
        citation: str) -> None:
    path = profile_with(write_profile, {"records": {"form_retention": retention}}, state)
    [warning] = warnings_of(path)
    assert warning.startswith(f"{path}:{line_of(path, 'form_retention')}: "
                              f"records.form_retention: warning: the retention period "
                              f"\u201c{retention}\u201d is shorter than the {needed} ")
    assert f"42 U.S.C. \u00a7 1983 ({citation})" in warning
    assert warning.endswith(f"write \u201c{needed}\u201d, or the retention schedule\u2019s "
                            "period if it is longer.")


@pytest.mark.parametrize(("state", "retention"), [
    ("MN", "six years"), ("MN", "seven (7) years"), ("MN", "72 months"), ("MN", "permanently"),
    ("WA", "three years"), ("WA", "3 years after the coordinator receives it"),
    ("AR", "three calendar years"), ("AR", "at least five years"),
])
def test_a_retention_as_long_as_the_claims_period_passes(
        write_profile: Callable[..., Path], state: str, retention: str) -> None:
    path = profile_with(write_profile, {"records": {"form_retention": retention}}, state)
    assert warnings_of(path) == []


def test_a_retention_that_is_no_period_is_its_own_warning(
        write_profile: Callable[..., Path]) -> None:
    path = profile_with(write_profile, {"records": {"form_retention": "until the matter closes"}})
    [warning] = warnings_of(path)
    assert warning == (f"{path}:{line_of(path, 'form_retention')}: records.form_retention: "
                       "warning: the retention period \u201cuntil the matter closes\u201d is not "
                       "a period anyone can count, so no one can tell when a removal record may "
                       "be destroyed; write a plain period such as \u201csix years\u201d.")


@pytest.mark.parametrize(("text", "months"), [
    ("one year", 12), ("a year", 12), ("24 months", 24), ("twenty-four months", 24),
    ("three calendar years", 36), ("seven (7) years", 84), ("one year and six months", 18),
    ("90 days", Fraction(90 * 12, 365)), ("six years after it is received", 72),
    ("until no longer needed", None), ("years", None), ("six", None), ("", None),
])
def test_periods_in_words_or_digits(text: str, months: Fraction | int | None) -> None:
    assert period_months(text) == months


def test_a_reviewer_who_holds_final_authority_warns(write_profile: Callable[..., Path]) -> None:
    path = profile_with(write_profile, {"officials": {"reviewer": "City Administrator"}})
    [warning] = warnings_of(path)
    assert warning.startswith(f"{path}:{line_of(path, 'reviewer')}: officials.reviewer: warning: "
                              "the City Administrator is named as the reviewer of the City\u2019s "
                              "use of social media and also holds final authority over it")
    assert warning.endswith("name as reviewer another senior official, who reports to the "
                            "official with final authority.")


def test_a_reviewer_who_is_the_coordinator_warns(write_profile: Callable[..., Path]) -> None:
    path = profile_with(write_profile,
                        {"officials": {"reviewer": "communications  coordinator"}})
    [warning] = warnings_of(path)
    assert "officials.reviewer: warning: the communications  coordinator is named as the " \
           "reviewer and is also the coordinator" in warning


def test_leaving_the_reviewer_out_is_the_model_s_design(write_profile: Callable[..., Path]) -> None:
    # Left out, the official with final authority reviews and reports to the council.
    path = profile_with(write_profile, {})
    assert "reviewer" not in EXAMPLE["officials"]
    assert warnings_of(path) == []


def test_a_remover_who_would_answer_for_their_own_removals_warns(
        write_profile: Callable[..., Path]) -> None:
    # One official holds every role: no one else can answer, or review a block.
    path = profile_with(write_profile, {"officials": {"final_authority": "City Clerk",
                                                      "authorizer": "City Clerk",
                                                      "coordinator": "City Clerk"}})
    [warning] = warnings_of(path)
    assert warning.startswith(f"{path}:{line_of(path, 'officials:')}: officials.remover: "
                              "warning: the City Clerk would both remove Comments and answer a "
                              "person who asks why a Comment was removed")


@pytest.mark.parametrize("officials", [
    {},
    {"remover": "Digital Engagement Specialist"},
    {"remover": "Communications Coordinator", "reviewer": "Assistant City Administrator"},
    {"remover": "City Administrator"},
    {"block_approver": "Assistant City Administrator",
     "reviewer": "Assistant City Administrator"},
    {"block_approver": "Assistant City Administrator", "block_reviewer": "City Attorney"},
    {"block_approver": "City Attorney", "block_reviewer": "City Attorney"},
])
def test_the_lint_names_the_officials_the_policy_names(
        tmp_path: Path, write_profile: Callable[..., Path], officials: dict[str, str]) -> None:
    """The lint's choice of who answers questions and who reviews a block is the policy's."""
    from smpgen.lint import answerer, block_reviewer

    path = profile_with(write_profile, {"officials": officials})
    result = run(["render", str(path), "--format", "html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "out" / "city" / "social-media-policy.html").read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    values = yaml.safe_load(path.read_text())
    values["officials"] = {"remover": None, "reviewer": None, "block_approver": None,
                           "block_reviewer": None, **values["officials"]}
    assert f"The {answerer(values)} shall answer in writing" in text
    assert f"the {block_reviewer(values)} shall review it" in text


def test_strict_makes_every_warning_a_located_error(write_profile: Callable[..., Path]) -> None:
    path = profile_with(write_profile, {"removal_categories": ["inaccurate information"],
                                        "records": {"form_retention": "one year"}})
    loose = run(["validate", str(path)])
    assert loose.exit_code == 0
    assert loose.stdout == f"OK {path}\n"
    strict = run(["validate", "--strict", str(path)])
    assert strict.exit_code == 2
    assert strict.stdout == ""
    lines = strict.stderr.splitlines()
    assert lines[-1] == "1 of 1 profile(s) have problems."
    errors = lines[:-1]
    assert [e.split(": ")[:2] for e in errors] == [
        [f"{path}:{line_of(path, 'inaccurate information')}", "removal_categories[0]"],
        [f"{path}:{line_of(path, 'form_retention')}", "records.form_retention"]]
    assert all(": warning: " not in e for e in errors)


def test_render_prints_the_same_warnings(tmp_path: Path,
                                         write_profile: Callable[..., Path]) -> None:
    path = profile_with(write_profile, {"removal_categories": ["inaccurate information"]})
    expected = warnings_of(path)
    result = run(["render", str(path), "--format", "html", "--edition", "annotated",
                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert [line for line in result.stderr.splitlines() if line] == expected
