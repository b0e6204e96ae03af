"""The council packet: tracking form, form fill, executive summary and the joined PDF."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document as open_docx
from helpers import deep_merge, docx_part, docx_text, pdf_pages, run
from pypdf import PdfReader
from pypdf.generic import Destination

CATEGORIES = ["obscene material", "threats of violence", "spam or advertising"]
ACCOUNTS = ["Facebook: City of Lakeshore", "Instagram: @lakeshore"]
PROFILE = {
    "model": "mini-policy",
    "city": {"name": "Lakeshore", "state": "MN", "website": "https://lakeshore.example.gov"},
    "officials": {"chief": "City Manager"},
    "accounts": [{"platform": "Facebook", "name": "City of Lakeshore"},
                 {"platform": "Instagram", "name": "@lakeshore"}],
    "council": {"meeting_date": "2026-12-01", "agenda_section": "Consent",
                "agenda_number": "6.e.", "approved_by": "JL",
                "prepared_by": [{"name": "Jordan Lee", "title": "Communications Coordinator"}]},
}
RECORD = """\
account: "Facebook: City of Lakeshore"
post: https://www.facebook.com/lakeshore/posts/7
commented: 2026-11-02 21:47
screen_name: river_fan_22
comment: |
  Buy cheap watches!!!
  Second line.
reasons: [spam or advertising, threats of violence]
action: [hidden, blocked]
removed: 2026-11-03
removed_by: Jordan Lee, Communications Coordinator
block_approved_by: Casey Morgan, City Manager
block_review: 2026-12-03
question: Why was my comment hidden?
answered: 2026-11-06
received: 2026-11-04
"""
TEXT_FIELDS = {"post", "commented", "screen_name", "comment", "removed", "removed_by",
               "block_approved_by", "block_review", "other_information", "question",
               "answered", "received"}
ACTIONS = ["Comment hidden", "Comment deleted", "Held by a keyword filter", "User blocked"]


@pytest.fixture
def city(mini: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> Callable[..., Path]:
    """Run a command on a mini-model profile; returns the profile's output folder."""

    def go(command: str, extra: dict[str, object] | None = None, *args: str) -> Path:
        path = write_profile(deep_merge(PROFILE, extra or {}))
        result = run(["--templates", str(mini), command, str(path), *args,
                      "--out", str(tmp_path / "out")])
        assert result.exit_code == 0, result.stderr
        return tmp_path / "out" / "city"

    return go


def fields(path: Path) -> dict[str, tuple[str, str, str]]:
    """Each AcroForm field: (type, value, accessible name)."""
    out = {}
    for name, f in (PdfReader(path).get_fields() or {}).items():
        out[name] = (str(f.get("/FT")), str(f.get("/V", "")), str(f.get("/TU", "")))
    return out


def test_render_writes_form_and_summary(city: Callable[..., Path]) -> None:
    folder = city("render")
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "executive-summary.docx", "executive-summary.html", "executive-summary.pdf",
        "mini-policy.docx", "mini-policy.html", "mini-policy.pdf",
        "tracking-form.docx", "tracking-form.pdf"]


def test_form_fields_are_the_policys_categories(city: Callable[..., Path]) -> None:
    folder = city("render")
    found = fields(folder / "tracking-form.pdf")
    boxes = {k: v for k, v in found.items() if v[0] == "/Btn"}
    assert [v[2] for k, v in sorted(boxes.items()) if k.startswith("reason-")] == CATEGORIES
    assert [v[2] for k, v in sorted(boxes.items()) if k.startswith("account-")] == ACCOUNTS
    assert [found[f"action-{k}"][2] for k in ("hidden", "deleted", "filtered", "blocked")] \
        == ACTIONS
    assert len(boxes) == len(CATEGORIES) + len(ACCOUNTS) + len(ACTIONS)
    assert all(v[1] == "/Off" for v in boxes.values())
    assert {k for k, v in found.items() if v[0] == "/Tx"} == TEXT_FIELDS
    assert found["received"][2] == "Date received by the City Manager"
    assert found["commented"][2] == "Date and time of the comment"
    assert not any("other" in v[2].lower() for k, v in boxes.items())
    reader = PdfReader(folder / "tracking-form.pdf")
    assert len(reader.pages) == 1
    comment = next(a.get_object() for a in reader.pages[0]["/Annots"]
                   if a.get_object()["/T"] == "comment")
    assert int(comment["/Ff"]) & (1 << 12)  # multi-line
    text = pdf_pages(folder / "tracking-form.pdf")[0]
    assert "keeps this form, with the captured comment, for one year after its receipt by the " \
           "City Manager" in text
    assert "DRAFT" not in text  # the profile is a draft, but the form carries no watermark
    docx = docx_text(folder / "tracking-form.docx")
    for label in [*CATEGORIES, *ACCOUNTS, *ACTIONS, "Date received by the City Manager"]:
        assert label in docx
    assert "DRAFT" not in docx
    assert "Other (describe)" not in docx and "Other reason" not in docx
    xml = docx_part(folder / "tracking-form.docx", "word/document.xml")
    assert xml.count("<w14:checkbox>") == 9
    with zipfile.ZipFile(folder / "tracking-form.docx") as z:
        headers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/header")]
    assert headers and not any("WaterMark" in h or "DRAFT" in h for h in headers)


def test_fill_reads_back_from_both_formats(mini: Path, tmp_path: Path,
                                          write_profile: Callable[..., Path]) -> None:
    record = tmp_path / "2026-11-03-river.yaml"
    record.write_text(RECORD)
    path = write_profile(PROFILE)
    result = run(["--templates", str(mini), "form", "fill", str(path), str(record),
                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "city" / "removed-comments"
    found = fields(folder / "2026-11-03-river.pdf")
    checked = sorted(k for k, v in found.items() if v[1] == "/on")
    assert checked == ["account-01", "action-blocked", "action-hidden", "reason-02", "reason-03"]
    assert found["comment"][1] == "Buy cheap watches!!!\nSecond line."
    assert found["post"][1] == "https://www.facebook.com/lakeshore/posts/7"
    assert found["commented"][1] == "November 2, 2026, 9:47 p.m."
    assert found["block_approved_by"][1] == "Casey Morgan, City Manager"
    assert found["block_review"][1] == "December 3, 2026"
    assert found["question"][1] == "Why was my comment hidden?"
    assert found["answered"][1] == "November 6, 2026"
    assert found["received"][1] == "November 4, 2026"
    assert found["other_information"][1] == ""
    assert len(PdfReader(folder / "2026-11-03-river.pdf").pages) == 1
    assert "DRAFT" not in pdf_pages(folder / "2026-11-03-river.pdf")[0]
    doc = open_docx(str(folder / "2026-11-03-river.docx"))
    cells = {c.paragraphs[0].text: "\n".join(p.text for p in c.paragraphs[1:])
             for r in doc.tables[0].rows for c in r.cells}
    assert cells["Screen name of the commenter"] == "river_fan_22"
    assert cells["Entire comment removed"] == "Buy cheap watches!!!\nSecond line."
    assert cells["Date removed"] == "November 3, 2026"
    assert cells["Date and time of the comment"] == "November 2, 2026, 9:47 p.m."
    xml = docx_part(folder / "2026-11-03-river.docx", "word/document.xml")
    assert xml.count('<w14:checked w14:val="1"/>') == 5  # Facebook, two reasons, two actions


@pytest.mark.parametrize(("record", "message"), [
    (RECORD.replace("spam or advertising", "spam or adverts"),
     "{p}:8: reasons[0]: 'spam or adverts' is not a removal category; did you mean "
     "'spam or advertising'?"),
    (RECORD.replace("Facebook: City of Lakeshore", "Facebook"),
     "{p}:1: account: 'Facebook' is not one of the city's accounts; did you mean "
     "'Facebook: City of Lakeshore'?"),
    (RECORD.replace("removed: 2026-11-03", "removed: 2026-11-01"),
     "{p}:10: removed: is before the date of the comment"),
    (RECORD.replace("threats of violence]", "Other]"),
     "{p}:8: reasons[1]: 'Other': the policy allows a removal only for one of its categories "
     "and for no other reason; give the categories that apply, and if none does, the comment "
     "may not be removed"),
    (RECORD.replace("screen_name: river_fan_22\n", ""),
     "{p}:1: screen_name: is required; give one line of text"),
    (RECORD.replace("commented: 2026-11-02 21:47", "commented: last week"),
     "{p}:3: commented: 'last week' is not a date and time; write it YYYY-MM-DD HH:MM, e.g. "
     "2026-11-02 14:35 or 2026-11-02 2:35 pm"),
    (RECORD.replace("block_review: 2026-12-03\n", ""),
     "{p}:9: block_review: is required when the action includes \"blocked\"; give the date "
     "the block is to be reviewed, YYYY-MM-DD"),
])
def test_bad_records_get_located_errors(record: str, message: str, mini: Path, tmp_path: Path,
                                        write_profile: Callable[..., Path]) -> None:
    profile = write_profile(PROFILE)
    path = tmp_path / "r.yaml"
    path.write_text(record)
    result = run(["--templates", str(mini), "form", "fill", str(profile), str(path),
                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr == f"Error: 1 problem in {path}:\n{message.format(p=path)}\n"
    assert not (tmp_path / "out").exists()


def test_summary_is_drafted_from_the_profile(city: Callable[..., Path]) -> None:
    text = " ".join(pdf_pages(city("render") / "executive-summary.pdf"))
    # The policy is a draft, but the summary is a council document: never marked DRAFT.
    assert text.startswith("CITY OF LAKESHORE Council Executive Summary City Council "
                           "Regular Meeting: December 1, 2026 Agenda item Mini Policy Agenda "
                           "section Consent Agenda number 6.e. Prepared by Jordan Lee, "
                           "Communications Coordinator Approved by JL Attachments Attachment A: "
                           "Mini Policy Attachment B: Removed Comment Tracking Form")
    assert "DRAFT" not in text
    assert "Recommended Action Motion to approve the Mini Policy." in text
    # A model that drafts no text for a part leaves a blank under its heading.
    assert "Timing ________ Alternatives ________ Fiscal Impact ________ Legal Review " \
           "________ Recommendation Staff recommend approval." in text
    assert "names the City Manager in charge and follows the Minnesota Government Data " \
           "Practices Act." in text
    assert text.endswith("Agenda item 6.e. Page 1 of 1")


def test_summary_parts_can_be_overridden(city: Callable[..., Path]) -> None:
    folder = city("render", {"council": {"background": "First para.\n\nSecond para.",
                                         "recommended_action": "Motion to adopt Resolution 7."}})
    text = " ".join(pdf_pages(folder / "executive-summary.pdf"))
    assert "Recommended Action Motion to adopt Resolution 7. Background First para. Second " \
           "para. Timing" in text
    docx = docx_text(folder / "executive-summary.docx")
    assert "First para.\nSecond para." in docx


def test_missing_council_details_are_blanks_and_warnings(
        mini: Path, tmp_path: Path, write_profile: Callable[..., Path]) -> None:
    profile = {k: v for k, v in PROFILE.items() if k != "council"}
    path = write_profile(profile)
    result = run(["--templates", str(mini), "render", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0
    assert f"{path}:1: council.meeting_date: warning: not given; the executive summary shows " \
           "a blank" in result.stderr
    text = " ".join(pdf_pages(tmp_path / "o" / "city" / "executive-summary.pdf"))
    assert "City Council Regular Meeting: ________ (meeting date)" in text
    assert "Agenda number ________ (agenda number)" in text


def test_packet_joins_the_parts_with_bookmarks(city: Callable[..., Path]) -> None:
    folder = city("packet")
    reader = PdfReader(folder / "council-packet.pdf")
    top = [o for o in reader.outline if not isinstance(o, list)]  # lists: each part's headings
    assert [o.title for o in top] == [
        "Council Executive Summary", "Attachment A: Mini Policy",
        "Attachment B: Removed Comment Tracking Form"]
    starts = [reader.get_destination_page_number(o) for o in top]
    folder2 = city("render")
    sizes = [len(PdfReader(folder2 / n).pages) for n in
             ("executive-summary.pdf", "mini-policy.pdf", "tracking-form.pdf")]
    assert len(reader.pages) == sum(sizes)
    assert starts == [0, sizes[0], sizes[0] + sizes[1]]
    pages = pdf_pages(folder / "council-packet.pdf")
    for i, text in enumerate(pages):
        assert "Agenda item 6.e." in text
        assert "DRAFT" not in text  # the packet carries the policy as proposed
        if i >= starts[2]:
            assert "Agenda item 6.e. | Attachment B" in text
        elif i >= starts[1]:
            assert "Agenda item 6.e. | Attachment A" in text
    assert reader.get_fields()  # the form stays fillable inside the packet
    for i, text in enumerate(pages):  # numbered through, beside each part's own number
        assert re.findall(r"Packet page \d+ of \d+", text) == [
            f"Packet page {i + 1} of {len(pages)}"], text
    part_pages = [f"Page {n} of {size}" for size in sizes for n in range(1, size + 1)]
    assert [re.search(r"(?<!Packet )Page \d+ of \d+", t)[0] for t in pages] == part_pages


def test_the_three_documents_agree(city: Callable[..., Path]) -> None:
    folder = city("render")
    summary = " ".join(pdf_pages(folder / "executive-summary.pdf"))
    policy = " ".join(pdf_pages(folder / "mini-policy.pdf"))
    form = " ".join(pdf_pages(folder / "tracking-form.pdf"))
    for text in (summary, policy, form):
        assert "CITY OF LAKESHORE" in text
    assert "DRAFT" in policy and "DRAFT" not in form
    assert "City Manager" in policy and "the City Manager" in form
    assert "6.e." in summary


def test_packet_for_the_adopting_meeting_shows_the_policy_proposed(
        city: Callable[..., Path]) -> None:
    adopted = {"document": {"adoption": {"resolution": "R-7", "adopted": "2026-12-01",
                                         "effective": "2026-12-02"}}}
    folder = city("render", adopted, "--packet", "--format", "pdf")
    own = " ".join(pdf_pages(folder / "mini-policy.pdf"))
    assert "Status: Adopted December 1, 2026 Adoption Resolution R-7 Adopted December 1, " \
           "2026 Effective December 2, 2026" in own
    pages = pdf_pages(folder / "council-packet.pdf")
    packet = " ".join(pages)
    assert not any("DRAFT" in p for p in pages)
    assert "Status: Proposed for adoption by Resolution R-7, City Council Regular Meeting of " \
           "December 1, 2026" in packet
    assert "Adopted" not in packet and "Effective" not in packet
    assert "Recommended Action Motion to approve the Mini Policy." in pages[0]
    assert "Attachment A: Mini Policy Attachment B" in pages[0]  # no "(draft)"


def test_packet_pdf_is_readable(city: Callable[..., Path]) -> None:
    data = (city("packet") / "council-packet.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == \
        "City of Lakeshore \u2014 Council Packet, Agenda item 6.e.: Mini Policy"


def test_render_with_packet_writes_the_whole_bundle(city: Callable[..., Path]) -> None:
    folder = city("render", None, "--packet", "--format", "pdf")
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "council-packet.pdf", "executive-summary.pdf", "mini-policy.pdf", "tracking-form.pdf"]
    packet = PdfReader(folder / "council-packet.pdf")
    parts = sum(len(PdfReader(folder / n).pages) for n in
                ("executive-summary.pdf", "mini-policy.pdf", "tracking-form.pdf"))
    assert len(packet.pages) == parts


def test_packet_is_tagged_and_its_links_stay_in_their_part(city: Callable[..., Path]) -> None:
    folder = city("packet")
    reader = PdfReader(folder / "council-packet.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-US"
    names = reader.named_destinations
    starts = [reader.get_destination_page_number(o) for o in reader.outline
              if not isinstance(o, list)]
    links = [(i, str(a.get_object()["/Dest"])) for i, page in enumerate(reader.pages)
             for a in page.get("/Annots") or [] if "/Dest" in a.get_object()]
    assert links
    for page, target in links:
        part = sum(page >= s for s in starts)
        assert target.startswith(f"part{part}-")
        assert sum(reader.get_destination_page_number(names[target]) >= s
                   for s in starts) == part


def test_render_packet_keeps_the_label_off_the_parts_own_files(
        city: Callable[..., Path]) -> None:
    long_item = {"council": {"agenda_number": "14.B.3 (Consent, second reading)"}}
    folder = city("render", long_item, "--packet")
    for name in ("mini-policy.pdf", "tracking-form.pdf"):
        assert not any("Attachment" in p for p in pdf_pages(folder / name)), name
    for name in ("executive-summary.pdf", "mini-policy.pdf", "tracking-form.pdf"):
        assert not any("Packet page" in p for p in pdf_pages(folder / name)), name
    assert all("Agenda item 14.B.3" in p for p in pdf_pages(folder / "executive-summary.pdf"))
    footers = [p for p in pdf_pages(folder / "council-packet.pdf") if "| Attachment" in p]
    assert len(footers) == len(pdf_pages(folder / "mini-policy.pdf")) + 1
    # The parts' own files are the very files a render without the packet writes.
    own = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".pdf", ".docx")}
    del own["council-packet.pdf"]
    shutil.rmtree(folder)
    plain = city("render", long_item)
    assert own == {p.name: p.read_bytes() for p in plain.iterdir() if p.name in own}


def test_packet_opens_with_its_bookmarks(city: Callable[..., Path]) -> None:
    reader = PdfReader(city("packet") / "council-packet.pdf")
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_footer_label_is_quoted_for_css() -> None:
    from smpgen.writers.html import footer_css

    css = footer_css('Item 6"e\\ </style>')
    assert "</style>" not in css and '6"e' not in css
    assert css == '@page { @bottom-left { content: "Item 6\\22 e\\5c  \\3c /style\\3e "; } }\n'
    assert footer_css("") == ""


Outline = list[tuple[str, "Outline"]]


def outline_tree(items: list[Destination | list[object]]) -> Outline:
    """pypdf's outline as (title, children) pairs."""
    tree: Outline = []
    for item in items:
        if isinstance(item, list):
            tree[-1] = (tree[-1][0], outline_tree(item))
        else:
            tree.append((str(item.title), []))
    return tree


def test_lakeview_packet_bookmarks_nest_each_heading_once(tmp_path: Path) -> None:
    result = run(["render", "city_profiles/lakeview-mn.yaml", "--packet", "--format", "pdf",
                  "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "lakeview-mn"
    packet = outline_tree(PdfReader(folder / "council-packet.pdf").outline)
    assert [title for title, _ in packet] == [
        "Council Executive Summary", "Attachment A: Social Media Policy",
        "Attachment B: Removed Comment Tracking Form"]
    # Each part's own file has its title on top and its headings under it; in the packet
    # the part's bookmark takes the title's place, and the headings sit under it once.
    own = [outline_tree(PdfReader(folder / name).outline) for name in
           ("executive-summary.pdf", "social-media-policy.pdf", "tracking-form.pdf")]
    assert [[title for title, _ in tree] for tree in own] == [
        ["Council Executive Summary"], ["Social Media Policy"],
        ["Removed Comment Tracking Form"]]
    assert [children for _, children in packet] == [tree[0][1] for tree in own]
    summary, policy, form = (children for _, children in packet)
    assert summary[0] == ("Recommended Action", [])
    assert policy[0] == ("Purpose", []) and len(policy) > 20
    assert form == []
    for title, children in policy:  # sections, some with subsections, and no deeper
        assert title != "Social Media Policy"
        assert all(grandchildren == [] for _, grandchildren in children), title
    assert any(children for _, children in policy)
