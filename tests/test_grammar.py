"""Grammar that depends on the city's values: verbs that agree with an official's title
("the Department Directors designate"), and references to several sections at once
("Sections 22 and 23", not "Section 22 and Section 23") (issue 11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLE, REPO, deep_merge, docx_text, pdf_pages, run

from smpgen.grammar import is_plural_title
from smpgen.models import get_model

PLURAL = "Department Directors"
SINGULAR = "City Administrator"


@pytest.mark.parametrize(("title", "plural"), [
    ("Department Directors", True),
    ("Council Members", True),
    ("Department Heads", True),
    ("Assistant City Managers", True),
    ("the Mayor and the City Administrator", True),
    ("Mayor or designee", False),
    ("Director of Parks and Recreation", False),
    ("Parks and Recreation Director", False),
    ("Communications Coordinator", False),
    ("Director of Communications", False),
    ("Director, Human Resources", False),
    ("Chief of Police", False),
    ("City Council", False),
    ("Public Works", False),
    ("Office of Communications", False),
    ("Boss", False),
    ("ADA Coordinator", False),
    ("Mayor\u2019s Chief of Staff", False),
    ("Communications", False),
])
def test_a_title_is_plural_when_its_head_noun_is(title: str, plural: bool) -> None:
    assert is_plural_title(title) is plural


def _text(path: Path) -> str:
    html = re.sub(r"<style.*?</style>", " ", path.read_text("utf-8"), flags=re.DOTALL)
    html = re.sub(r"</?(a|span|strong|em)\b[^>]*>", "", html)  # inline: no space
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text).replace("&#x27;", "'").replace("\u2019", "'")


OFFICIALS = [v.key for v in next(v for v in get_model("city-social-media").variables
                                 if v.key == "officials").fields]

SINGULAR_VERBS = re.compile(r"is|has|does|was|\w+[^s\W]s")
"""A present-tense verb in the third person singular: "is", "designates", "receives"
(a word ending in s but not ss)."""

NOT_VERBS = {"as", "its", "this", "us"}
"""Words ending in s that may follow a title without being its verb."""


def _renders(tmp_path: Path, official: str, title: str) -> dict[str, str]:
    data = deep_merge(EXAMPLE, {
        "officials": {official: title},
        "accounts": [{"platform": "Facebook", "name": "City of Lakeshore"},
                     {"platform": "YouTube", "comments": "closed"}],
        "council": {"meeting_date": "2026-12-01"},
    })
    profile = tmp_path / "city.yaml"
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    texts = {}
    for edition in ("council", "annotated"):
        out = tmp_path / edition
        result = run(["render", str(profile), "--format", "html", "--out", str(out),
                      "--edition", edition, "--jobs", "1", "-q", "--force"])
        assert result.exit_code == 0, result.output
        name = "social-media-policy" + ("-annotated" if edition == "annotated" else "")
        texts[f"policy ({edition})"] = _text(out / "city" / f"{name}.html")
        if edition == "council":
            texts["summary"] = _text(out / "city" / "executive-summary.html")
    return texts


@pytest.mark.parametrize("official", OFFICIALS)
def test_verbs_agree_with_a_plural_title_wherever_it_is_printed(
        tmp_path: Path, official: str) -> None:
    texts = _renders(tmp_path, official, PLURAL)
    seen = 0
    for where, text in texts.items():
        for match in re.finditer(rf"{PLURAL}(?:'s|') ?(\w+)?|{PLURAL} (\w+)", text):
            seen += 1
            possessive = match.group(0).startswith(f"{PLURAL}'s")
            assert not possessive, f"{where}: {match.group(0)!r} (plural possessive is s')"
            word = match.group(2)
            if word and word not in NOT_VERBS:
                assert not SINGULAR_VERBS.fullmatch(word), \
                    f"{where}: {text[max(0, match.start() - 60):match.end() + 40]!r}"
    assert seen, f"{official} is printed nowhere"


@pytest.mark.parametrize("official", OFFICIALS)
def test_verbs_agree_with_a_singular_title(tmp_path: Path, official: str) -> None:
    texts = _renders(tmp_path, official, SINGULAR)
    plural_forms = {"are", "have", "do", "designate", "receive", "approve", "decide",
                    "direct", "find", "review", "keep", "answer", "report", "compile"}
    for where, text in texts.items():
        for match in re.finditer(rf"{SINGULAR} (\w+)", text):
            assert match.group(1) not in plural_forms, \
                f"{where}: {text[max(0, match.start() - 60):match.end() + 40]!r}"


TWO_REFS = re.compile(r"Section [\w.()]+,? (and|or) Section \w")


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("refs")
    for name in ("example-city", "lakeview-mn"):
        result = run(["render", str(REPO / "city_profiles" / f"{name}.yaml"), "--format",
                      "pdf,docx,html", "--out", str(out), "--jobs", "1", "-q"])
        assert result.exit_code == 0, result.output
    return out


def test_several_sections_are_referred_to_as_sections(renders: Path) -> None:
    policy = renders / "example-city" / "social-media-policy"
    pdf = " ".join(pdf_pages(policy.with_suffix(".pdf")))
    docx = docx_text(policy.with_suffix(".docx"))
    html = _text(policy.with_suffix(".html"))
    for where, text in (("pdf", pdf), ("docx", re.sub(r"\s+", " ", docx)), ("html", html)):
        assert re.search(r"except as provided in Sections \d+, \d+, \d+ and \d+\.", text), where
        assert not TWO_REFS.search(text), (where, TWO_REFS.search(text))


def test_several_unnumbered_sections_share_one_word_section(renders: Path) -> None:
    policy = renders / "lakeview-mn" / "social-media-policy"
    pdf = " ".join(pdf_pages(policy.with_suffix(".pdf"))).replace("\u2019", "'")
    docx = re.sub(r"\s+", " ", docx_text(policy.with_suffix(".docx")))
    wanted = ("except as provided in the \u201cCity Business on Personal Accounts and "
              "Devices\u201d, \u201cAccounts of Elected and Appointed Officials\u201d, "
              "\u201cCouncil Members and Open Meetings\u201d and \u201cPersonal Use by "
              "Employees\u201d sections.")
    assert wanted in pdf
    assert wanted in docx
    assert "\u201d section and the \u201c" not in pdf + docx
