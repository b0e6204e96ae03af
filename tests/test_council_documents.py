"""The council's documents: the policy's status through its life (draft, proposed,
adopted), the executive summary drafted from the city's own choices, and the packet,
which carries the policy as proposed and marks nothing DRAFT."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXAMPLE, REPO, deep_merge, docx_text, pdf_pages, run

import smpgen
from smpgen.tree import long_date

EXAMPLES = ["example-city", "harbor-point-wa", "lakeview-mn", "pine-ridge-ar"]
COUNCIL = {"meeting_date": "2026-12-01", "agenda_section": "Consent", "agenda_number": "6.e.",
           "approved_by": "JL", "prepared_by": [{"name": "Jordan Lee",
                                                 "title": "Communications Coordinator"}]}
CITY = deep_merge(EXAMPLE, {"council": COUNCIL})
"""A minimal profile of the shipped model with its council details filled in."""
ADOPTION = {"resolution": "2026-77", "adopted": "2026-12-01", "effective": "2026-12-02"}


def flat(text: str) -> str:
    """``text`` with whitespace folded and list bullets left out (the PDF's text has them,
    the DOCX's numbering does not)."""
    return " ".join(text.replace("\u2022", " ").split())


def docx_headers(path: Path) -> str:
    """Every header part of a DOCX, where Word keeps a watermark."""
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))


def texts(folder: Path, stem: str) -> dict[str, str]:
    """The PDF's and the DOCX's text of one document, whitespace folded."""
    return {"pdf": flat(" ".join(pdf_pages(folder / f"{stem}.pdf"))),
            "docx": flat(docx_text(folder / f"{stem}.docx"))}


def unmarked(folder: Path, stem: str) -> None:
    """No DRAFT mark on the document, in its text or in the DOCX's headers."""
    for fmt, text in texts(folder, stem).items():
        assert "DRAFT" not in text, (stem, fmt)
    headers = docx_headers(folder / f"{stem}.docx")
    assert "DRAFT" not in headers and "WaterMark" not in headers, stem


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("council")
    for name in EXAMPLES:
        result = run(["render", f"city_profiles/{name}.yaml", "--out", str(out), "--packet",
                      "--format", "docx,pdf", "--force"])
        assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture
def render(tmp_path: Path, write_profile: Callable[..., Path]) -> Callable[..., Path]:
    """Render a profile of the shipped model (``CITY`` merged with ``extra``) as DOCX and
    PDF, with the packet; returns its output folder."""

    def go(extra: dict[str, Any] | None = None) -> Path:
        path = write_profile(deep_merge(CITY, extra or {}))
        result = run(["render", str(path), "--out", str(tmp_path / "out"), "--packet",
                      "--format", "docx,pdf", "--force"])
        assert result.exit_code == 0, result.stderr
        return tmp_path / "out" / "city"

    return go


def comment_modes(name: str) -> dict[str, str]:
    """Each listed account of an example city, as the summary names it, with its mode."""
    data = yaml.safe_load((REPO / "city_profiles" / f"{name}.yaml").read_text())
    mode = data.get("public_comments", {}).get("mode", "open")
    return {f"{a['platform']}: {a['name']}": a.get("comments", mode)
            for a in data.get("accounts", [])}


# The executive summary ------------------------------------------------------------------

@pytest.mark.parametrize("name", EXAMPLES)
def test_summary_agrees_with_the_policy_on_comments(name: str, examples: Path) -> None:
    folder = examples / name
    policy = flat(" ".join(pdf_pages(folder / "social-media-policy.pdf")))
    modes = comment_modes(name)
    open_ = [a for a, m in modes.items() if m == "open"]
    closed = [a for a, m in modes.items() if m == "closed"]
    assert modes and open_, name  # every example opens at least one account
    assert "limited public forum" in policy
    for fmt, text in texts(folder, "executive-summary").items():
        assert "limited public forum" in text, fmt
        if closed:
            assert "so that the public cannot post on them" in text
            # Never the whole City closed when an account is open (the old contradiction).
            assert "sets up the City\u2019s accounts so that the public cannot post" not in text
            assert "sets up the other accounts so that the public cannot post" in text
            for account in open_:
                assert f"{account} (open to comment)" in text, (fmt, account)
            for account in closed:
                assert f"{account} (closed)" in text, (fmt, account)
        else:
            assert "cannot post" not in text and "closed" not in text, fmt
            assert "all open to public comment" in text
            for account in open_:
                assert account in text, (fmt, account)


def test_harbor_point_opens_one_account_among_closed_ones(examples: Path) -> None:
    for fmt, text in texts(examples / "harbor-point-wa", "executive-summary").items():
        assert "The policy lists the City\u2019s four social media accounts. One is open to public " \
               "comment and three are closed to public posts:" in text, fmt
        assert "Bluesky: Harbor Point Parks and Recreation (open to comment)" in text
        assert "close Harbor Point Parks and Recreation on Bluesky to public comment" in text
        assert "open the other accounts to public comment" in text


@pytest.mark.parametrize("name", EXAMPLES)
def test_summary_gives_the_blocking_standard_the_policy_prints(name: str, examples: Path) -> None:
    values = smpgen.load(REPO / "city_profiles" / f"{name}.yaml").values
    blocking, officials = values["blocking"], values["officials"]
    approver = officials.get("block_approver") or officials["final_authority"]
    reviewer = officials.get("block_reviewer")
    reviewer = f"the {reviewer}" if reviewer and reviewer != approver else \
        "the City Attorney or another attorney advising the City"
    policy = flat(" ".join(pdf_pages(examples / name / "social-media-policy.pdf")))
    assert f"within {blocking['period_days']} days, each documented on its own Tracking " \
           f"Form" in policy
    assert f"A block lasts {blocking['block_days']} days" in policy
    for fmt, text in texts(examples / name, "executive-summary").items():
        assert f"allows a person to be blocked only after {blocking['removals']} of the " \
               f"person\u2019s comments have been removed within {blocking['period_days']} " \
               f"days, each documented on its own tracking form, and only with the written " \
               f"approval of the {approver} stating the reasons; a block lasts " \
               f"{blocking['block_days']} days and is reviewed within " \
               f"{blocking['review_days']} days by {reviewer}, never by the official who " \
               "approved it;" in text, (fmt, name)


@pytest.mark.parametrize("name", EXAMPLES)
def test_summary_carries_every_part_of_a_staff_report(name: str, examples: Path) -> None:
    profile = smpgen.load(REPO / "city_profiles" / f"{name}.yaml")
    law = profile.records_law
    population = profile.values["city"]["population"]
    council = profile.values["council"]
    for fmt, text in texts(examples / name, "executive-summary").items():
        for heading in ("Recommended Action", "Background", "Timing", "Alternatives",
                        "Fiscal Impact", "Legal Review", "Recommendation"):
            assert heading in text, (fmt, heading)
        assert "Attachment A: Social Media Policy" in text
        assert "Attachment B: Removed Comment Tracking Form" in text
        assert "(draft)" not in text
        assert "Staff recommends that the Council" in text and "Staff recommend " not in text
        assert "table the item" in text and "approve it with changes" in text
        assert "This item asks for no new funds." in text
        # The city's own compliance date under the ADA web rule, from its population.
        own, other = (("April 26, 2027", "April 26, 2028") if population >= 50_000
                      else ("April 26, 2028", "April 26, 2027"))
        assert f"by {own}, the date that applies to a city of" in text, fmt
        assert other not in text, fmt
        if council["legal_reviewer"]:
            reviewed = f"Reviewed by: {council['legal_reviewer']}. Date of the review: " \
                       f"{long_date(council['legal_review_date'])}."
        else:  # the attorney's review still to come: a blank the clerk fills in
            reviewed = "Reviewed by: ________ (name and title). Date of the review: ________."
        assert reviewed in text, fmt
        assert f"as records under the {law.name} ({law.citation}), kept as" in text
        assert f"outside a meeting held under {law.open_meetings};" in text
        # The officials' accounts section is on in every example.
        assert "Council members included" in text


@pytest.mark.parametrize("name", EXAMPLES)
def test_summary_form_and_packet_are_never_marked_draft(name: str, examples: Path) -> None:
    folder = examples / name
    unmarked(folder, "executive-summary")
    unmarked(folder, "tracking-form")
    packet = pdf_pages(folder / "council-packet.pdf")
    assert packet and not any("DRAFT" in page for page in packet)
    assert not any("for review by the city attorney" in page for page in packet)
    assert "Status: Proposed for adoption" in " ".join(packet)


def test_officials_accounts_are_mentioned_only_when_regulated(
        render: Callable[..., Path]) -> None:
    folder = render({"optional_sections": {"officials_accounts": False}})
    for fmt, text in texts(folder, "executive-summary").items():
        assert "Council members included" not in text and "Supreme Court" not in text, fmt


def test_closed_city_with_no_listed_accounts(render: Callable[..., Path]) -> None:
    folder = render({"public_comments": {"mode": "closed",
                                         "contact_method": "the form at City Hall"}})
    for fmt, text in texts(folder, "executive-summary").items():
        assert "sets up the City\u2019s accounts so that the public cannot post on them, and points " \
               "residents to the form at City Hall instead;" in text, fmt
        assert "limited public forum" not in text and "monitoring comments" not in text
        assert "open the City\u2019s accounts to public comment" in text
        assert "close the" not in text


def test_council_details_replace_or_feed_the_drafts(render: Callable[..., Path]) -> None:
    folder = render({"council": {
        "legal_reviewer": "Dana Ruiz, City Attorney", "legal_review_date": "2026-11-20",
        "costs": ["a social media archiving service, about $2,400 a year"],
        "current_practice": "The City has posted since 2015 under a one-page guideline.",
        "attachments": ["Resolution 2026-77", "Redline against the 2015 guideline"],
        "alternatives": "The Council may approve the policy or table it.",
    }})
    for fmt, text in texts(folder, "executive-summary").items():
        assert "Legal Review Reviewed by: Dana Ruiz, City Attorney. Date of the review: " \
               "November 20, 2026." in text, fmt
        assert "The policy also brings these costs: a social media archiving service, about " \
               "$2,400 a year." in text
        assert "This item asks for no new funds" not in text
        assert "public record. The City has posted since 2015 under a one-page guideline." in text
        assert "Attachment C: Resolution 2026-77" in text
        assert "Attachment D: Redline against the 2015 guideline" in text
        assert "Alternatives The Council may approve the policy or table it." in text
        assert "table the item" not in text  # the drafted alternatives are replaced


@pytest.mark.parametrize(("document", "motion"), [
    ({}, "the City of Lakeshore\u2019s Social Media Policy"),
    ({"title": "Local Government Use of Social Media"},
     "the City of Lakeshore\u2019s policy titled \u201cLocal Government Use of Social Media\u201d"),
    ({"title": "The Social Media Policy"}, "the City of Lakeshore\u2019s Social Media Policy"),
    ({"title": "Lakeshore Social Media Policy"}, "the Lakeshore Social Media Policy"),
    ({"title": "Policy on Social Media", "policy_number": "4.2"},
     "the City of Lakeshore\u2019s Policy on Social Media (Policy 4.2)"),
    ({"title": "Social Media Guidelines", "adoption": ADOPTION},
     "Resolution 2026-77 approving the City of Lakeshore\u2019s policy titled \u201cSocial Media "
     "Guidelines\u201d"),
])
def test_the_motion_reads_right_for_any_title(document: dict[str, Any], motion: str,
                                             render: Callable[..., Path]) -> None:
    folder = render({"document": document})
    verb = "adopt" if "adoption" in document else "approve"
    for fmt, text in texts(folder, "executive-summary").items():
        assert f"Recommended Action Motion to {verb} {motion}. Background" in text, fmt
        assert f"Staff recommends that the Council {verb} {motion} as presented." in text
        assert " of the City of Lakeshore" not in text.split("Background")[0]


# The policy's life ----------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "draft", "status"), [
    ({}, True, "Status: Draft for review by the city attorney before adoption"),
    ({"document": {"status": "proposed"}}, False,
     "Status: Proposed for adoption, City Council Regular Meeting of December 1, 2026"),
    ({"document": {"status": "proposed", "adoption": ADOPTION}}, False,
     "Status: Proposed for adoption by Resolution 2026-77, City Council Regular Meeting of "
     "December 1, 2026"),
    ({"document": {"adoption": ADOPTION}}, False,
     "Status: Adopted December 1, 2026 Adoption Resolution 2026-77 Adopted December 1, 2026 "
     "Effective December 2, 2026"),
    ({"document": {"status": "draft", "adoption": ADOPTION}}, True,
     "Status: Draft for review by the city attorney before adoption"),
])
def test_status_follows_the_policys_life(extra: dict[str, Any], draft: bool, status: str,
                                        render: Callable[..., Path]) -> None:
    folder = render(extra)
    pages = pdf_pages(folder / "social-media-policy.pdf")
    for fmt, text in texts(folder, "social-media-policy").items():
        assert status in text, fmt
        if not draft:
            assert "for review by the city attorney" not in text
    assert all(("DRAFT" in page) == draft for page in pages)
    assert ("WaterMark" in docx_headers(folder / "social-media-policy.docx")) == draft
    if "Adopted" not in status:
        assert "Adoption Resolution" not in " ".join(pages)
    unmarked(folder, "executive-summary")
    unmarked(folder, "tracking-form")
    # Whatever the policy's own files say, the packet carries it as proposed.
    packet = " ".join(pdf_pages(folder / "council-packet.pdf"))
    assert "DRAFT" not in packet and "for review by the city attorney" not in packet
    assert "Adopted December" not in packet and "Effective" not in packet
    assert re.search(r"Status: Proposed for adoption( by Resolution 2026-77)?, City Council "
                     r"Regular Meeting of December 1, 2026", packet)


def test_lakeview_packet_is_for_the_meeting_that_adopts_it(examples: Path) -> None:
    folder = examples / "lakeview-mn"
    own = flat(" ".join(pdf_pages(folder / "social-media-policy.pdf")))
    assert "Status: Adopted October 6, 2026" in own
    packet = pdf_pages(folder / "council-packet.pdf")
    text = " ".join(packet)
    assert "Status: Proposed for adoption by Resolution 2026-41, City Council Regular Meeting " \
           "of October 6, 2026" in text
    assert "Adopted October 6, 2026" not in text
    assert "Recommended Action Motion to adopt Resolution 2026-41 approving the City of " \
           "Lakeview\u2019s Social Media Policy. Background" in text
    assert all(re.search(r"Packet page \d+ of \d+", page) for page in packet)


def test_proposed_without_a_meeting_date_shows_a_blank(
        tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    path = write_profile(deep_merge(EXAMPLE, {"document": {"status": "proposed"}}))
    result = run(["render", str(path), "--out", str(tmp_path / "out"), "--format", "pdf"])
    assert result.exit_code == 0, result.stderr
    assert "council.meeting_date: warning: not given" in result.stderr
    text = " ".join(pdf_pages(tmp_path / "out" / "city" / "social-media-policy.pdf"))
    assert "Status: Proposed for adoption, City Council Regular Meeting of ________ (meeting " \
           "date)" in text


def test_adopted_status_needs_the_adoption_record(
        tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    path = write_profile(deep_merge(CITY, {"document": {"status": "adopted"}}))
    result = run(["render", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "document.status: is adopted, but the adoption is not recorded; fill in " \
           "document.adoption (resolution, adopted and effective), or leave status out" \
           in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_meeting_that_is_not_the_adopting_one_is_warned(
        tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    adopted = {**ADOPTION, "adopted": "2026-10-06", "effective": "2026-10-07"}
    path = write_profile(deep_merge(CITY, {"document": {"adoption": adopted}}))
    result = run(["packet", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    assert "council.meeting_date: warning: is December 1, 2026, but document.adoption records " \
           "the adoption on October 6, 2026; the packet proposes the policy to the meeting " \
           "given here, so give the date of the meeting that acts on it" in result.stderr


def test_without_population_or_reviewer_the_summary_gives_both_dates_and_a_blank(
        tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    path = write_profile(deep_merge(EXAMPLE, {"council": {"meeting_date": "2026-12-01"}}))
    result = run(["render", str(path), "--format", "pdf", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    text = " ".join(pdf_pages(tmp_path / "out" / "city" / "executive-summary.pdf"))
    assert "by April 26, 2027 for a city of 50,000 people or more, and by April 26, 2028 " \
           "for a smaller one" in text
    assert "Reviewed by: ________ (name and title). Date of the review: ________." in text
