"""Comment moderation (issue 11): viewpoint-neutral removal categories, no "other" reason,
a keyword filter limited to the categories, blocking on a written standard, and who
removes, records and answers. Each test reads the text of the rendered PDF and DOCX."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLE, GOOD, REPO, deep_merge, docx_text, run
from pypdf import PdfReader

import smpgen

MODEL = next(m for m in smpgen.list_models() if m.id == "city-social-media")
DECLARED = {v.name: v for top in MODEL.variables for v in top.walk()}
CATEGORIES: list[str] = DECLARED["removal_categories"].default
ADOPTED = {"document": {"adoption": {"resolution": "2026-41", "adopted": "2026-10-06",
                                     "effective": "2026-10-07"}}}
"""Adopted, so no DRAFT mark runs through the text."""
HOURS = "from 9:00 a.m. to 5:00 p.m. on weekdays"

_HEADER = re.compile(r"^(DRAFT|Page \d+ of \d+|.* Social Media Policy)$")


def pdf_text(path: Path) -> str:
    """The PDF's text without its running header, footer and watermark, whitespace folded."""
    lines = [line for page in PdfReader(path).pages
             for line in (page.extract_text() or "").splitlines()
             if not _HEADER.match(line.strip())]
    return " ".join(" ".join(lines).split()).replace("\u2019", "'")


def both(folder: Path, stem: str) -> dict[str, str]:
    """The text of ``stem``.pdf and ``stem``.docx in ``folder``, whitespace folded."""
    return {"pdf": pdf_text(folder / f"{stem}.pdf"),
            "docx": " ".join(docx_text(folder / f"{stem}.docx").split()).replace("\u2019", "'")}


def section(text: str, title: str, following: str) -> str:
    """The part of ``text`` from the heading ``title`` to the heading ``following``."""
    start = text.index(title)
    return text[start:text.index(following, start)]


def after(text: str, start: str, length: int = 1500) -> str:
    """``length`` characters of ``text`` from ``start`` on (where the next section is
    another engineer's to place)."""
    at = text.index(start)
    return text[at:at + length]


Render = Callable[..., dict[str, str]]


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """``render(profile, edition=...)``: the policy's text in PDF and DOCX (cached)."""
    cache: dict[str, dict[str, str]] = {}

    def go(profile: dict[str, Any] | str, edition: str = "council",
           stem: str = "social-media-policy") -> dict[str, str]:
        key = f"{yaml.safe_dump(profile)}{edition}{stem}"
        if key not in cache:
            folder = tmp_path_factory.mktemp("moderation")
            path = REPO / "city_profiles" / profile if isinstance(profile, str) else \
                folder / "city.yaml"
            if not isinstance(profile, str):
                path.write_text(yaml.safe_dump(profile), encoding="utf-8")
            result = run(["render", str(path), "--out", str(folder / "out"), "--format",
                          "pdf,docx", "--edition", edition, "--jobs", "1"])
            assert result.exit_code == 0, result.stderr
            name = stem + ("-annotated" if edition == "annotated" and stem ==
                           "social-media-policy" else "")
            cache[key] = both(folder / "out" / path.stem, name)
        return cache[key]

    return go


@pytest.fixture(scope="module")
def model_text(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The league's model edition, with its blanks and generic notes."""
    out = tmp_path_factory.mktemp("model")
    result = run(["model", "--out", str(out), "--format", "pdf,docx"])
    assert result.exit_code == 0, result.stderr
    return both(out / "city-social-media", "social-media-policy-model")


CITY = deep_merge(EXAMPLE, ADOPTED)
"""A city that takes every default: comments open, no remover or reviewer named."""


# 1. The default removal categories -------------------------------------------------------

REFUSED = ("discriminat", "offensive", "disparag", "hurtful", "inaccura", "false",
           "misinformation", "objectionable", "inappropriate", "could compromise",
           "public safety", "illegal activity", "criticism of")
"""Words that mark a category turning on viewpoint, or one too vague to apply alike."""


def test_the_default_categories_are_concrete_and_neutral(render: Render, tmp_path: Path) -> None:
    assert len(CATEGORIES) == 10
    for category in CATEGORIES:
        assert not any(word in category.lower() for word in REFUSED), category
    for fmt, text in render(CITY).items():
        rules = section(text, "Comment Rules", "Viewpoint neutrality")
        for category in CATEGORIES:
            assert category.replace("\u2019", "'") in rules, (fmt, category)
        assert not any(word in rules.lower() for word in REFUSED), fmt
        for legal in ("obscene material, as the law defines obscenity",
                      "a true threat of violence", "harassment aimed at a specific person",
                      "a specific, ongoing investigation", "a solicitation to commit a "
                      "specific crime", "campaign material", "plainly unrelated to the "
                      "subject of the Post"):
            assert legal in rules, (fmt, legal)
    # Each one is a check box of the tracking form, and the form offers no other reason.
    out = tmp_path / "out"
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(CITY))
    assert run(["render", str(path), "--out", str(out), "--format", "pdf"]).exit_code == 0
    form = PdfReader(out / "city" / "tracking-form.pdf")
    labels = sorted(str(f.get("/TU")) for name, f in (form.get_fields() or {}).items()
                    if name.startswith("reason-"))
    assert labels == sorted(CATEGORIES)


# 2. No "other" reason; neutrality that does not contradict the off-topic category --------

def test_no_other_reason_and_a_neutrality_clause_that_is_true(render: Render) -> None:
    for fmt, text in [*render(CITY).items(), *render(CITY, "annotated").items()]:
        lowered = text.lower()
        assert "other reason" not in lowered.replace("no other reason permits", ""), fmt
        assert "other (describe)" not in lowered and "whatever its subject" not in lowered
        assert "This list is complete: no other reason permits a removal." in text, fmt
        neutrality = section(text, "Viewpoint neutrality", "Keyword filters")
        assert "whatever point of view it expresses" in neutrality, fmt
        assert ("the only question is whether the Comment concerns that subject, never "
                "which side of it the Comment takes") in neutrality, fmt


# 3. The keyword filter ----------------------------------------------------------------------

def test_the_filter_holds_back_only_what_the_categories_cover(render: Render) -> None:
    for fmt, text in render(CITY).items():
        filters = section(text, "Keyword filters", "Blocking In this policy")
        assert "list of words and phrases that the City writes itself" in filters, fmt
        assert "marks content within a category listed above" in filters
        assert "shall not include profanity, which is not a category" in filters
        assert "whose list of words the Platform does not disclose" in filters
        assert "The Communications Coordinator shall keep the list in use" in filters
        assert "keep a copy of every Comment the filter holds back, whether or not it is " \
               "released" in filters
        assert "giving the action taken as held by a keyword filter" in filters
        assert "review the Comments the filter has held back each time they monitor" in filters
        assert "stands in place of" not in text and "only profanity" not in text, fmt


def test_only_the_remover_keeps_back_what_the_filter_held(render: Render) -> None:
    # Whoever reviews the filter may release a Comment, never keep it back: that is a
    # removal, for the remover alone, who then completes the Tracking Form.
    city = deep_merge(CITY, {"officials": {"remover": "Digital Engagement Specialist"}})
    for fmt, text in render(city).items():
        filters = section(text, "Keyword filters", "Blocking In this policy")
        assert "may release a Comment but shall not decide to keep it back: keeping a " \
               "Comment back is a removal, which only the Digital Engagement Specialist may " \
               "make or approve" in filters, fmt
        assert "refer each held-back Comment that appears to fall within a category to the " \
               "Digital Engagement Specialist, who shall decide" in filters, fmt
        assert "the Digital Engagement Specialist shall complete a Tracking Form" in filters
        assert "the Authorized User who reviewed it shall complete" not in text, fmt


def test_the_form_records_a_filtered_comment_and_a_block(tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(CITY))
    assert run(["render", str(path), "--out", str(tmp_path / "out"),
                "--format", "pdf,docx"]).exit_code == 0
    for fmt, text in both(tmp_path / "out" / "city", "tracking-form").items():
        assert "Held by a keyword filter" in text, fmt
        assert "including one a keyword filter held back, which only the official who " \
               "removes Comments may keep back" in text, fmt
        assert "official who approved it in writing, with reasons" in text, fmt
        assert "Date by which the block is to be reviewed" in text, fmt
        assert "only under the policy\u2019s written standard" in text.replace("'", "\u2019"), fmt


# 4. Blocking on an objective, written standard --------------------------------------------

def test_blocking_follows_the_written_standard(render: Render) -> None:
    for fmt, text in render(CITY).items():
        blocking = section(text, "Blocking In this policy", "Removing and Documenting Comments")
        assert "shall never block anyone because of the person's views" in blocking, fmt
        assert "at least 3 Comments posted by that person or account have been removed " \
               "under this policy within 90 days" in blocking, fmt
        # The official with final authority approves, in writing, with the reasons.
        assert "before the block is made, the City Administrator shall have approved it " \
               "in writing, naming those removals and stating the reasons" in blocking, fmt
        assert "including one that posts automated spam" in blocking
        assert "A block lasts 30 days, and the person who made it shall lift it when that " \
               "time ends" in blocking, fmt
        # No block reviewer is named: the City's attorney reviews, never a subordinate.
        assert "Within 10 days after a block begins, the City Attorney or another attorney " \
               "advising the City shall review it" in blocking, fmt
        assert "No one shall review a block that they approved, and the reviewer shall be " \
               "independent of the official who approved it and not junior to that " \
               "official" in blocking, fmt
        assert "Any other block requires" not in text and "reconsidered" not in text


def test_the_city_sets_its_own_blocking_numbers_and_approver(render: Render) -> None:
    city = deep_merge(CITY, {
        "officials": {"block_approver": "Deputy City Administrator",
                      "reviewer": "Finance Director", "block_reviewer": "City Attorney"},
        "blocking": {"removals": 4, "period_days": 60, "block_days": 14, "review_days": 5}})
    for fmt, text in render(city).items():
        blocking = section(text, "Blocking In this policy", "Removing and Documenting Comments")
        assert "at least 4 Comments" in blocking and "within 60 days" in blocking, fmt
        assert "the Deputy City Administrator shall have approved it in writing" in blocking
        assert "A block lasts 14 days" in blocking, fmt
        assert "Within 5 days after a block begins, the City Attorney shall review it" \
            in blocking, fmt
        assert "Finance Director shall review it" not in blocking, fmt
    # The named block reviewer approves blocks too: the City's attorney reviews them.
    city = deep_merge(city, {"officials": {"block_approver": "City Attorney"}})
    for fmt, text in render(city).items():
        blocking = section(text, "Blocking In this policy", "Removing and Documenting Comments")
        assert "the City Attorney shall have approved it in writing" in blocking, fmt
        assert "the City Attorney or another attorney advising the City shall review it" \
            in blocking, fmt


def test_a_blocking_number_outside_its_bounds_is_refused(write_profile: Any) -> None:
    for given, limit in (("removals: 11", "10"), ("review_days: 61", "60"),
                         ("period_days: 0", "1")):
        path = write_profile(GOOD + f"blocking:\n  {given}\n")
        result = run(["validate", str(path)])
        assert result.exit_code == 2
        field = given.split(":")[0]
        assert f"blocking.{field}: expected a whole number from" in result.stderr
        assert limit in result.stderr


# 5. Drafting defects -------------------------------------------------------------------------

def test_reactions_are_not_comments(render: Render) -> None:
    for fmt, text in render(CITY).items():
        definitions = after(text, "Definitions In this policy")
        assert "reactions that the Platform displays" not in definitions, fmt
        assert "A reaction, such as a like or an emoji tallied under a Post, is not a " \
               "Comment." in definitions, fmt


def test_whoever_removes_a_comment_captures_and_records_it(render: Render) -> None:
    for fmt, text in render(CITY).items():
        documenting = section(text, "Documenting a removal", "Asking about a removal")
        assert documenting.count("Before removing a Comment, the person who removes it "
                                 "shall capture it in full") == 1, fmt
        assert "That person shall then complete a Tracking Form" in documenting, fmt
        assert "the Authorized User shall capture" not in text, fmt


@pytest.mark.parametrize("mode", ["open", "closed"])
def test_monitoring_hours_are_stated_once(mode: str, render: Render) -> None:
    # An account that differs from the city-wide setting once printed the hours twice.
    city = deep_merge(CITY, {
        "public_comments": {"mode": mode, "monitoring_hours": HOURS},
        "accounts": [{"platform": "Facebook", "name": "Main"},
                     {"platform": "Bluesky", "name": "Parks",
                      "comments": "closed" if mode == "open" else "open"}]})
    for fmt, text in render(city).items():
        interaction = section(text, "Public Interaction", "Comment Rules")
        assert interaction.count(HOURS) == 1, (fmt, mode)
        assert interaction.count("shall monitor") == 1, (fmt, mode)
        sentences = [s.strip() for s in re.split(r"(?<=\.) ", interaction) if len(s) > 30]
        assert len(sentences) == len(set(sentences)), (fmt, mode)


def test_the_reviewer_and_the_answer_come_from_someone_else(render: Render) -> None:
    # No reviewer named: the final authority reviews and reports to the council; the
    # coordinator removes Comments, so the final authority answers questions about them.
    for fmt, text in render(CITY).items():
        monitoring = after(text, "Monitoring and Review of Use", 1000)
        assert "the City Administrator shall review the City's use of social media and " \
               "report in writing to the City Council" in monitoring, fmt
        assert "Communications Coordinator shall review the City's use" not in monitoring
        questions = after(text, "Asking about a removal", 900)
        assert "The City Administrator shall answer in writing within 10 business days" \
            in questions, fmt
        assert "The Communications Coordinator shall answer" not in questions, fmt
        assert "No one shall answer a question about a removal that they made or approved" \
            in questions, fmt
    # A reviewer named, and the coordinator still removing: the reviewer answers.
    city = deep_merge(CITY, {"officials": {"reviewer": "Assistant City Administrator"}})
    for fmt, text in render(city).items():
        assert "report in writing to the City Administrator on" in text, fmt
        assert "The Assistant City Administrator shall answer in writing" in text, fmt
    # A separate remover: the coordinator answers.
    city = deep_merge(city, {"officials": {"remover": "Digital Engagement Specialist"}})
    for fmt, text in render(city).items():
        assert "The Communications Coordinator shall answer in writing" in text, fmt
        assert "removed only by the Digital Engagement Specialist" in text, fmt


# 6. Length limits of the lists the form prints ------------------------------------------------

def test_the_form_lists_declare_their_limits() -> None:
    categories, accounts = DECLARED["removal_categories"], DECLARED["accounts"]
    assert categories.max_items == 12 and accounts.max_items == 30
    assert categories.item is not None and categories.item.max_length == 200
    assert all(len(c) <= 200 for c in CATEGORIES)


def test_a_list_longer_than_allowed_is_located(write_profile: Any) -> None:
    path = write_profile(GOOD + "removal_categories:\n" + "".join(
        f"  - spam of kind {i}\n" for i in range(13)) + "  # end\n")
    result = run(["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:9: removal_categories: has 13 items; at most 12 are allowed" in result.stderr
    path = write_profile(GOOD + "removal_categories:\n  - " + "x" * 201 + "\n")
    result = run(["validate", str(path)])
    assert "removal_categories[0]: is 201 characters long; at most 200 are allowed" \
        in result.stderr
    schema = (REPO / "city_profiles" / "city-social-media.schema.json").read_text()
    assert '"maxItems": 12' in schema and '"maxLength": 200' in schema


MANIFEST_LIMITS = [
    ("  removal_categories:\n    type: list\n    item: {type: text, max_length: 200}\n"
     "    min_items: 1\n    max_items: 12\n",
     "  removal_categories:\n    type: list\n    item: {type: text, max_length: 200}\n"
     "    min_items: 3\n    max_items: 2\n",
     "variables.removal_categories.max_items", "max_items 2 is below min_items 3"),
    ("    max_items: 12\n", "    max_items: 2\n", "variables.removal_categories.default",
     "the default has 10 items; max_items allows at most 2"),
    ("    max_items: 12\n", "    max_items: many\n", "variables.removal_categories.max_items",
     "expected a whole number, 1 or more, got the text 'many'"),
    ("    max_items: 30\n", "    max_length: 30\n", "variables.accounts.max_length",
     "'max_length' applies only to a text or a paragraph"),
    ("      model_blank: true\n      suggestion: \"3\"\n",
     "      model_blank: 'yes'\n      suggestion: \"3\"\n",
     "variables.blocking.removals.model_blank", "expected true or false, got the text 'yes'"),
    ("      suggestion: the City\u2019s online contact form",
     "      model_blank: true\n      suggestion: the City\u2019s online contact form",
     "variables.public_comments.contact_method.model_blank",
     "model_blank shows a blank in place of the default in the model edition; give a "
     "default, or leave model_blank out"),
]


@pytest.mark.parametrize(("old", "new", "field", "message"), MANIFEST_LIMITS,
                         ids=["max-below-min", "default-too-long", "max-items-text",
                              "max-length-on-list", "model-blank-text", "model-blank-no-default"])
def test_a_bad_limit_in_a_league_copy_is_located(old: str, new: str, field: str, message: str,
                                                 tmp_path: Path) -> None:
    folder = tmp_path / "templates" / "league-copy"
    shutil.copytree(REPO / "templates" / "city-social-media", folder)
    manifest = folder / "model.yaml"
    text = manifest.read_text().replace("id: city-social-media", "id: league-copy")
    assert text.count(old) == 1, old
    manifest.write_text(text.replace(old, new))
    result = run(["models"], cwd=tmp_path)
    assert result.exit_code == 2
    assert re.search(rf"model\.yaml:\d+: {re.escape(field)}: {re.escape(message)}",
                     result.stderr), result.stderr


# 7. A blank in the league's edition for a value with a default ----------------------------

def test_the_league_edition_shows_blanks_for_the_blocking_numbers(
        model_text: dict[str, str], render: Render) -> None:
    for fmt, text in model_text.items():
        blocking = section(text, "Blocking In this policy", "Removing and Documenting Comments")
        for suggestion in ("(3) Comments", "(90) days", "(30) days", "(10) days"):
            assert f"________ {suggestion}" in blocking, (fmt, suggestion)
    # A city that leaves them out gets the defaults, not blanks.
    for fmt, text in render(CITY).items():
        assert "________" not in section(text, "Blocking In this policy",
                                         "Removing and Documenting"), fmt


# 8. Drafter's notes: this city's choices, the law, what to check -------------------------

CASES = ("Matal v. Tam, 582 U.S. 218 (2017)", "Iancu v. Brunetti, 588 U.S. 388 (2019)",
         "Minnesota Voters Alliance v. Mansky, 585 U.S. 1 (2018)",
         "Davison v. Randall, 912 F.3d 666 (4th Cir. 2019)",
         "Tanner v. Ziegenhorn, No. 4:17-cv-780-DPM (E.D. Ark. Sept. 30, 2021)")
TOOL_WORDS = ("profile", "smpgen", "template", "field", "yaml")


def notes(text: str) -> list[str]:
    """Each drafter's note of the moderation sections, from its heading to the next."""
    return re.findall(r"DRAFTER'S NOTE (?:Definitions|Public interaction|Comment rules|"
                      r"Removing and documenting|Monitoring and review)\..*?(?= \d|"
                      r" DRAFTER'S NOTE|$)", text, flags=re.IGNORECASE)


def test_the_notes_state_harbor_points_choices(render: Render) -> None:
    for fmt, text in render("harbor-point-wa.yaml", "annotated").items():
        assert "The City of Harbor Point opens one of its accounts, \u201cHarbor Point Parks " \
               "and Recreation\u201d on Bluesky, to Comments; the other three" in text, fmt
        assert "are closed to public posts" in text
        assert "A block needs 3 documented removals within 60 days and the written approval " \
               "of the City Manager; it lasts 14 days and is reviewed by the City Attorney " \
               "or another attorney advising the City within 5 days, because the City " \
               "names no other reviewer independent of the City Manager." in text, fmt
        assert "reviewed by the Deputy City Manager within" not in text, fmt
        assert "is answered in writing within 5 business days by the Deputy City Manager, " \
               "not by the Public Information Officer, whose own removals would be in " \
               "question" in text, fmt
        assert "Washington is in the Ninth Circuit" in text, fmt
        assert "in Washington that period is" in text or "claims_period" not in text
        for case in (*CASES, "Lindke v. Freed, 601 U.S. 187 (2024)"):
            assert case in text, (fmt, case)
        lowered = " ".join(notes(text)).lower()
        assert lowered, fmt
        assert not any(word in lowered for word in TOOL_WORDS), fmt


def test_the_league_notes_stay_generic(model_text: dict[str, str]) -> None:
    for fmt, text in model_text.items():
        for case in (*CASES, "Lindke v. Freed, 601 U.S. 187 (2024)"):
            assert case in text, (fmt, case)
        assert "Circuit," not in text.split("Comment rules, filters and blocking.")[1][:3000]
        assert "when no reviewer is named, the official with final authority reviews and " \
               "reports to the council" in text, fmt
        lowered = " ".join(notes(text)).lower()
        assert lowered and not any(word in lowered for word in TOOL_WORDS), fmt


# 9. An attorney's review: designation, rules printed once, the league's edition -------------

def test_an_official_is_designated_for_an_office_account(render: Render) -> None:
    for fmt, text in render(CITY).items():
        office = section(text, "Accounts for an office", "Personal and campaign accounts")
        assert "The official who uses it shall be designated an Authorized User for that " \
               "account under Section 5 before posting to it" in office, fmt
        assert "The official who uses it is an Authorized User" not in office, fmt


def test_each_rule_is_printed_once_and_referred_to_elsewhere(render: Render) -> None:
    for fmt, text in render(CITY).items():
        # The emergency notice lives in Incidents and Emergencies; Direct Messages refers to it.
        assert text.count("anyone with an emergency should call 9-1-1") == 1, fmt
        assert "in an automatic reply to direct messages where the account accepts them" \
            in section(text, "Incidents and Emergencies", "Prohibited Content"), fmt
        messages = section(text, "Direct Messages An Official", "Disclaimer")
        assert "the notice about emergencies that Section 11 requires" in messages, fmt
        # Reporting a compromise: only the compromise subsection says whom to tell.
        assert text.count("the City's information technology staff at once") == 1, fmt
        security = section(text, "Security Official Accounts", "Identification")
        assert "handled as Section 8.1 provides" in security, fmt
        # Sign-in: the security rule is stated once; Separate Tools refers to it.
        assert text.count("password used for no other account") == 1, fmt
        tools = section(text, "Separate Personal and Official Tools", "Hours and Overtime")
        assert "password that Section 6.3 requires, never with those of a Personal Account" \
            in tools, fmt


def test_the_league_edition_names_no_tool_and_leaves_city_choices_blank(
        model_text: dict[str, str]) -> None:
    for fmt, text in model_text.items():
        assert "Model policy for cities to adapt" in text, fmt
        assert "smpgen" not in text.lower(), fmt
        scope = section(text, "Other City policies also apply", "Where this policy")
        assert "________ (the city's policies on records access" in scope, fmt
        assert "Data Practices" not in scope, fmt
        interaction = section(text, "Public Interaction", "Comment Rules")
        assert "shall monitor Comments ________ (during regular City business hours" \
            in interaction, fmt
        # No suggestion invites an official to check their own work.
        assert "removed only by the ________ (digital engagement specialist" in text, fmt
        blocking = section(text, "Blocking In this policy", "Removing and Documenting Comments")
        assert "the ________ (city manager or communications director) shall have approved" \
            in blocking, fmt
        assert "the ________ (city attorney or another attorney advising the city) shall " \
               "review it" in blocking, fmt


def test_the_league_edition_prints_curly_apostrophes_in_suggestions(tmp_path: Path) -> None:
    assert run(["model", "--out", str(tmp_path), "--format", "pdf"]).exit_code == 0
    pdf = tmp_path / "city-social-media" / "social-media-policy-model.pdf"
    text = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(pdf).pages).split())
    assert "(six years, or the state\u2019s limitation period for civil-rights claims if " \
           "longer)" in text
    assert "(the City\u2019s online contact form" in text
    assert "or the state's limitation period" not in text
    assert "City's online contact" not in text
