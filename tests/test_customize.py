"""A city's own text (issue 12), through the CLI: a customization folder beside the
profile replaces, adds, drops and moves clauses and sections, renames headings, and
chooses heading case and list markers; ``smpgen deviations`` and the annotated edition
list the changes; every mistake is a located error.

Each test writes a profile and its ``<profile>.custom/`` folder into tmp_path, runs
``smpgen`` and reads the content of what it wrote (see README.md, "The city's own text")."""

from __future__ import annotations

import copy
import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from helpers import EXAMPLE, W, deep_merge, docx_part, docx_text, run
from lxml import etree, html

Files = dict[str, str]

POLICY_HTML = "social-media-policy.html"
POLICY_DOCX = "social-media-policy.docx"

ORIGINAL_AIMS = "uses social media to give residents, businesses and visitors timely"
ORIGINAL_CAMPAIGN = "supports or opposes a candidate for office or a ballot measure"


# Helpers ---------------------------------------------------------------------------------

def norm(text: str) -> str:
    """Whitespace folded, no-break spaces as spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


def city(tmp_path: Path, files: Files, profile: dict[str, Any] | None = None,
         name: str = "city") -> Path:
    """A profile (EXAMPLE with ``profile`` merged in) and its customization folder of
    ``files`` (name -> text, dedented) in tmp_path; the profile's path."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(deep_merge(EXAMPLE, profile or {}), sort_keys=False),
                    encoding="utf-8")
    if files:
        folder = tmp_path / f"{name}.custom"
        folder.mkdir()
        for file, text in files.items():
            (folder / file).write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def render(profile: Path, *args: str, fmt: str = "html", force: bool = True) -> Result:
    out = profile.parent / "out"
    return run(["render", str(profile), "--out", str(out), "--format", fmt, "-q",
                *(["--force"] if force else []), *args])


def output(profile: Path, name: str = POLICY_HTML) -> Path:
    return profile.parent / "out" / profile.stem / name


class Page:
    """The HTML edition of a policy, parsed."""

    def __init__(self, path: Path) -> None:
        self.source = path.read_text(encoding="utf-8")
        self.root = html.fromstring(self.source.encode("utf-8"))

    @property
    def text(self) -> str:
        """The body's text."""
        return norm(self.root.find("body").text_content())

    def clause(self, clause_id: str) -> str:
        """The text of the clause ``clause_id`` without list markers (a nested list's
        items included)."""
        found = self.root.xpath(f'//*[@data-clause="{clause_id}"]')
        assert len(found) == 1, f"{clause_id}: {len(found)} elements"
        node = copy.deepcopy(found[0])
        for marker in node.xpath('.//span[@class="marker"]'):
            marker.drop_tree()
        return norm(node.text_content())

    def has_clause(self, clause_id: str) -> bool:
        return bool(self.root.xpath(f'//*[@data-clause="{clause_id}"]'))

    def clauses(self, section_id: str) -> list[str]:
        """The clause ids of a section, in order."""
        return [e.get("data-clause") for e in
                self.root.xpath(f'//section[@id="{section_id}"]//*[@data-clause]')]

    def sections(self) -> list[str]:
        """The ids of the top-level sections, in order."""
        return [s.get("id") for s in self.root.xpath('//section[@class="level-1"]')]

    def subsections(self, section_id: str) -> list[str]:
        return [s.get("id") for s in
                self.root.xpath(f'//section[@id="{section_id}"]/section')]

    def heading(self, section_id: str) -> str:
        """The heading's text, without its number."""
        section = self.root.xpath(f'//section[@id="{section_id}"]')[0]
        head = section[0]
        num = head.find('span[@class="num"]')
        text = norm(head.text_content())
        return text.removeprefix(norm(num.text_content())).strip() if num is not None else text

    def number(self, section_id: str) -> str:
        """The printed number of a section ('' when unnumbered)."""
        section = self.root.xpath(f'//section[@id="{section_id}"]')[0]
        num = section[0].find('span[@class="num"]')
        return norm(num.text_content()) if num is not None else ""

    def markers(self, clause_ids: list[str]) -> list[str]:
        """The printed list marker of each list item."""
        out = []
        for cid in clause_ids:
            item = self.root.xpath(f'//li[@data-clause="{cid}"]')[0]
            out.append(item.xpath('./p[1]/span[@class="marker"]')[0].text)
        return out

    def list_of(self, clause_id: str) -> list[str]:
        """The clause ids of the list holding the item ``clause_id``."""
        item = self.root.xpath(f'//li[@data-clause="{clause_id}"]')[0]
        return [li.get("data-clause") for li in item.getparent() if li.tag == "li"]


def page(tmp_path: Path, files: Files, profile: dict[str, Any] | None = None) -> Page:
    """Render the city's HTML edition and read it (the render must succeed)."""
    path = city(tmp_path, files, profile)
    result = render(path)
    assert result.exit_code == 0, result.output
    return Page(output(path))


@pytest.fixture(scope="module")
def model_page(tmp_path_factory: pytest.TempPathFactory) -> Page:
    """The policy of EXAMPLE without customization."""
    return page(tmp_path_factory.mktemp("model"), {})


def problem(result: Result, where: str, line: int, field: str | None = None) -> None:
    """``result`` failed with a located problem at ``where`` (a file name), ``line``."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    expected = f"{where}:{line}: " + (f"{field}: " if field else "")
    assert expected in result.output, result.output


# 1. Replacing a clause's text ----------------------------------------------------------

REPLACED = {
    "purpose.md": """\
        The {{ city.full_name }} speaks on social media through the
        {{ officials.coordinator }}; Comments are removed by the {{ roles.remover }}, as
        {{ ref("scope") }} and {{ ref("scope", "comment-rules") }} provide. {#social-media-aims}
        """,
    "prohibited-content.md": """\
        1. campaigns for or against any candidate or ballot measure, or asks for money; {#campaign-content}
        """,
}
REMOVER = {"officials": {"remover": "Digital Engagement Specialist"}}


def test_replace_paragraph_and_item(tmp_path: Path, model_page: Page) -> None:
    doc = page(tmp_path, REPLACED, REMOVER)
    aims = doc.clause("purpose.social-media-aims")
    assert aims == ("The City of Lakeshore speaks on social media through the Communications "
                    "Coordinator; Comments are removed by the Digital Engagement Specialist, "
                    f"as Section 2 and Sections 2 and {doc.number('comment-rules').rstrip('.')} "
                    "provide.")
    assert doc.number("comment-rules") == "21."
    assert ORIGINAL_AIMS not in doc.text
    item = doc.clause("prohibited-content.campaign-content")
    assert "campaigns for or against any candidate or ballot measure, or asks for money;" in item
    assert ORIGINAL_CAMPAIGN not in doc.text
    # The neighbours and the list's other items are the model's, in the model's order.
    for cid in ("purpose.accuracy-and-website", "prohibited-content.private-interests",
                "prohibited-content.unauthorized-content"):
        assert doc.clause(cid) == model_page.clause(cid)
    assert doc.clauses("purpose") == model_page.clauses("purpose")
    assert doc.clauses("prohibited-content") == model_page.clauses("prohibited-content")
    assert doc.list_of("prohibited-content.campaign-content") == \
        model_page.list_of("prohibited-content.campaign-content")
    # An item keeps its place, and its marker, in its list.
    assert doc.markers(["prohibited-content.campaign-content"]) == \
        model_page.markers(["prohibited-content.campaign-content"])


def test_replace_in_docx(tmp_path: Path) -> None:
    path = city(tmp_path, REPLACED, REMOVER)
    result = render(path, fmt="docx")
    assert result.exit_code == 0, result.output
    text = norm(docx_text(output(path, POLICY_DOCX)))
    assert ("The City of Lakeshore speaks on social media through the Communications "
            "Coordinator; Comments are removed by the Digital Engagement Specialist, as "
            "Section 2 and Sections 2 and 21 provide.") in text
    assert "campaigns for or against any candidate or ballot measure, or asks for money;" in text
    assert ORIGINAL_AIMS not in text
    assert ORIGINAL_CAMPAIGN not in text
    assert "remains the primary and most complete source of City information." in text


@pytest.mark.parametrize(("numbering", "expected"), [
    ({"numbering": "decimal"}, "see Section 2 and Sections 2 and 21."),
    ({"numbering": "policy-number", "policy_number": "702"},
     "see Section 702.2 and Sections 702.2 and 702.21."),
    ({"numbering": "headings"},
     "see the \u201cScope and Related Policies\u201d section and the \u201cScope and Related "
     "Policies\u201d and \u201cComment Rules\u201d sections."),
])
def test_reference_in_each_numbering(tmp_path: Path, numbering: dict[str, str],
                                     expected: str) -> None:
    files = {"purpose.md": 'For more, see {{ ref("scope") }} and '
                           '{{ ref("scope", "comment-rules") }}. {#social-media-aims}\n'}
    doc = page(tmp_path, files, {"document": numbering})
    assert doc.clause("purpose.social-media-aims") == "For more, " + expected


# 2. Adding clauses ---------------------------------------------------------------------

def test_add_after_clause_in_file_order(tmp_path: Path, model_page: Page) -> None:
    aims = model_page.clause("purpose.social-media-aims")
    files = {"purpose.md": f"{aims} {{#social-media-aims}}\n\n"
                           "The Council adopts this policy to keep residents informed. "
                           "{#council-intent}\n"}
    doc = page(tmp_path, files)
    assert doc.clauses("purpose") == ["purpose.social-media-aims", "purpose.council-intent",
                                      "purpose.accuracy-and-website"]
    assert doc.clause("purpose.council-intent") == \
        "The Council adopts this policy to keep residents informed."
    assert doc.clause("purpose.social-media-aims") == aims


def test_add_first_in_section(tmp_path: Path, model_page: Page) -> None:
    files = {"purpose.md": "The Council adopts this policy. {#council-intent}\n"}
    doc = page(tmp_path, files)
    assert doc.clauses("purpose") == ["purpose.council-intent",
                                      *model_page.clauses("purpose")]


def test_add_after_named_clause(tmp_path: Path, model_page: Page) -> None:
    files = {
        "purpose.md": "The Council adopts this policy. {#council-intent}\n",
        "customize.yaml": """\
            clauses:
              purpose.council-intent:
                after: purpose.accuracy-and-website
            """,
    }
    doc = page(tmp_path, files)
    assert doc.clauses("purpose") == [*model_page.clauses("purpose"), "purpose.council-intent"]


def test_new_item_joins_the_list(tmp_path: Path, model_page: Page) -> None:
    files = {"prohibited-content.md": """\
        1. is abusive, obscene or profane; {#abusive-obscene}
        1. mocks any person's appearance; {#no-mockery}
        """}
    doc = page(tmp_path, files)
    items = doc.list_of("prohibited-content.abusive-obscene")
    before = model_page.list_of("prohibited-content.abusive-obscene")
    assert items == [before[0], "prohibited-content.no-mockery", *before[1:]]
    assert doc.markers(items[:3]) == ["(a)", "(b)", "(c)"]
    assert doc.clause("prohibited-content.no-mockery") == "mocks any person\u2019s appearance;"
    # A bullet added after the last item of a list joins it too.
    files = {"devices.md": "- from a City kiosk. {#kiosk}\n",
             "customize.yaml": "clauses:\n  devices.kiosk:\n    after: devices.approved-tools\n"}
    doc = page(tmp_path / "bullets", files)
    assert doc.list_of("devices.kiosk") == ["devices.approved-devices", "devices.approved-tools",
                                            "devices.kiosk"]


def test_paragraph_after_last_item_follows_the_list(tmp_path: Path) -> None:
    files = {"devices.md": "Kiosks are not devices. {#kiosks}\n",
             "customize.yaml": "clauses:\n  devices.kiosks:\n    after: devices.approved-tools\n"}
    doc = page(tmp_path, files)
    section = doc.root.xpath('//section[@id="devices"]')[0]
    assert [e.tag for e in section][1:4] == ["p", "ul", "p"]
    assert section[3].get("data-clause") == "devices.kiosks"
    assert doc.list_of("devices.approved-tools") == ["devices.approved-devices",
                                                     "devices.approved-tools"]


@pytest.mark.parametrize("outer", ["professional-tone", "new-kind"], ids=["replaced", "added"])
def test_nested_items_in_city_text_have_full_ids(tmp_path: Path, outer: str) -> None:
    files = {"conduct.md": f"""\
        1. be kind: {{#{outer}}}
           1. always; {{#always}}
           1. everywhere. {{#everywhere}}
        """}
    doc = page(tmp_path, files)
    assert "always;" in doc.clause(f"conduct.{outer}")
    ids = doc.root.xpath("//@data-clause")
    assert all("." in i for i in ids), \
        [i for i in ids if "." not in i]
    result = run(["deviations", str(tmp_path / "city.yaml")])
    assert not any(x.startswith(("added clause always", "added clause everywhere"))
                   for x in result.output.splitlines()), result.output


# 3. Dropping clauses -------------------------------------------------------------------

def test_drop_clause(tmp_path: Path, model_page: Page) -> None:
    files = {"customize.yaml": """\
        clauses:
          discretion.no-personal-right:
            drop: true
            why: Repeats the state's employment law.
        """}
    doc = page(tmp_path, files)
    assert not doc.has_clause("discretion.no-personal-right")
    assert doc.clauses("discretion") == [c for c in model_page.clauses("discretion")
                                         if c != "discretion.no-personal-right"]
    assert model_page.clause("discretion.no-personal-right") not in doc.text


def test_drop_every_item_of_a_list(tmp_path: Path, model_page: Page) -> None:
    files = {"customize.yaml": """\
        clauses:
          devices.approved-devices: {drop: true}
          devices.approved-tools: {drop: true}
        """}
    doc = page(tmp_path, files)
    section = doc.root.xpath('//section[@id="devices"]')[0]
    assert len(model_page.root.xpath('//section[@id="devices"]/ul')) == 1
    assert section.xpath("./ul | ./ol") == []
    assert doc.clauses("devices") == [c for c in model_page.clauses("devices")
                                      if c not in ("devices.approved-devices",
                                                   "devices.approved-tools")]


# 4. Moving clauses ---------------------------------------------------------------------

def test_move_clause_within_section(tmp_path: Path, model_page: Page) -> None:
    files = {"customize.yaml": """\
        clauses:
          purpose.accuracy-and-website:
            before: purpose.social-media-aims
        """}
    doc = page(tmp_path, files)
    assert doc.clauses("purpose") == ["purpose.accuracy-and-website",
                                      "purpose.social-media-aims"]
    assert doc.clause("purpose.accuracy-and-website") == \
        model_page.clause("purpose.accuracy-and-website")


def test_move_clause_to_another_section(tmp_path: Path, model_page: Page) -> None:
    files = {"customize.yaml": """\
        clauses:
          conduct.refer-to-department:
            after: purpose.accuracy-and-website
          prohibited-content.ask-if-unsure:
            before: conduct.speaks-for-city
        """}
    doc = page(tmp_path, files)
    assert doc.clauses("purpose") == [*model_page.clauses("purpose"),
                                      "conduct.refer-to-department"]
    assert doc.clauses("conduct")[0] == "prohibited-content.ask-if-unsure"
    assert "conduct.refer-to-department" not in doc.clauses("conduct")
    assert "prohibited-content.ask-if-unsure" not in doc.clauses("prohibited-content")
    assert doc.clause("conduct.refer-to-department") == \
        model_page.clause("conduct.refer-to-department")


# 5. Dropping sections ------------------------------------------------------------------

def test_drop_section_renumbers(tmp_path: Path, model_page: Page) -> None:
    files = {"customize.yaml": "sections:\n  definitions:\n    drop: true\n"}
    doc = page(tmp_path, files)
    assert "definitions" not in doc.sections()
    assert doc.sections() == [s for s in model_page.sections() if s != "definitions"]
    assert model_page.number("comment-rules") == "21."
    assert doc.number("comment-rules") == "20."
    assert doc.number("scope") == "2."
    assert "Section 20" in doc.clause("public-interaction.posted-rules")
    assert "Section 21" in model_page.clause("public-interaction.posted-rules")


def test_drop_optional_section(tmp_path: Path, model_page: Page) -> None:
    files = {"customize.yaml": """\
        sections:
          hours:
            drop: true
          personal-use:
            drop: true
            why: The personnel policy covers it.
        """}
    doc = page(tmp_path, files)
    assert "hours" not in doc.sections()
    assert "personal-use" not in doc.sections()
    # The model's own reference to personal-use falls away with the section.
    assert "personal-use" in model_page.root.xpath(
        '//*[@data-clause="scope.outside-scope"]//a[@class="xref"]/@href')[-1]
    assert doc.root.xpath('//*[@data-clause="scope.outside-scope"]//a[@href="#personal-use"]') \
        == []
    assert not doc.root.xpath('//a[@href="#personal-use"] | //a[@href="#hours"]')


def test_drop_referenced_section_is_located(tmp_path: Path, model_page: Page) -> None:
    path = city(tmp_path, {"customize.yaml": """\
        sections:
          hours:
            drop: true
          comment-rules:
            drop: true
        """})
    result = render(path)
    problem(result, "customize.yaml", 4, "sections.comment-rules")
    message = norm(result.output)
    assert "drops section 'comment-rules'" in message
    named = re.search(r"clause ([a-z0-9-]+\.[a-z0-9-]+) refers to it", message)
    assert named, message
    referring = model_page.root.xpath(f'//*[@data-clause="{named.group(1)}"]')[0]
    assert referring.xpath('.//a[@href="#comment-rules"]')
    assert not output(path).exists()
    assert not output(path, POLICY_DOCX).exists()


def test_own_reference_to_dropped_section_is_located(tmp_path: Path) -> None:
    path = city(tmp_path, {
        "customize.yaml": "sections:\n  hours:\n    drop: true\n",
        "purpose.md": "The City\n"
                      'pays overtime as {{ ref("hours") }} provides. {#social-media-aims}\n',
    })
    result = render(path)
    problem(result, "purpose.md", 2)
    assert "'hours'" in result.output
    assert not output(path).exists()


def test_replaced_section_losing_referenced_subsection_is_located(tmp_path: Path) -> None:
    path = city(tmp_path, {
        "customize.yaml": "sections:\n  comment-removal:\n    replace: true\n",
        "comment-removal.md": "Comments are removed by the Coordinator. {#only}\n",
    })
    result = render(path)
    assert result.exit_code == 2, result.output
    assert "customize.yaml:2: sections.comment-removal" in result.output or \
        "comment-removal.md:" in result.output, result.output
    assert "templates/city-social-media" not in result.output


# 6. Renaming sections ------------------------------------------------------------------

RENAMES = {"customize.yaml": """\
    sections:
      purpose:
        title: Purpose and Intent
      comment-removal.questions:
        title: Asking Why a Comment Was Removed
    """}


def test_rename_section_and_subsection(tmp_path: Path, model_page: Page) -> None:
    doc = page(tmp_path, RENAMES)
    assert model_page.heading("purpose") == "Purpose"
    assert doc.heading("purpose") == "Purpose and Intent"
    assert doc.number("purpose") == "1."
    assert model_page.heading("comment-removal.questions") == "Asking about a removal"
    assert doc.heading("comment-removal.questions") == "Asking Why a Comment Was Removed"
    assert doc.subsections("comment-removal") == model_page.subsections("comment-removal")


def test_renamed_title_in_headings_reference(tmp_path: Path) -> None:
    doc = page(tmp_path, RENAMES, {"document": {"numbering": "headings"}})
    late = doc.clause("monitoring.report-late-answers")
    assert "\u201cAsking Why a Comment Was Removed\u201d section" in late, late
    assert "Asking about a removal" not in late


# 7. Moving and adding sections ---------------------------------------------------------

OWN_SECTION = {
    "customize.yaml": """\
        sections:
          council-accounts:
            title: Council Members' Accounts
            after: open-meetings
            why: The council asked for its own rules.
          comment-rules:
            after: public-interaction
          disclaimer:
            after: purpose
        """,
    "council-accounts.md": """\
        A Council Member's account is the Member's own. {#members-own}

        ## Labels {#labels}

        Each account shall say it is personal. {#say-personal}

        ## Records {#records}

        Posts about City business are records under {{ ref("records") }}. {#are-records}
        """,
}


def test_move_and_add_sections(tmp_path: Path, model_page: Page) -> None:
    doc = page(tmp_path, OWN_SECTION, {"document": {"numbering": "policy-number",
                                                    "policy_number": "702"}})
    order = doc.sections()
    assert order[:3] == ["purpose", "disclaimer", "scope"]
    assert order[order.index("public-interaction") + 1] == "comment-rules"
    assert order[order.index("open-meetings") + 1] == "council-accounts"
    assert sorted(order) == sorted([*model_page.sections(), "council-accounts"])
    for i, sid in enumerate(order, start=1):
        assert doc.number(sid) == f"702.{i}", sid
    n = order.index("council-accounts") + 1
    assert doc.heading("council-accounts") == "Council Members' Accounts"
    assert doc.subsections("council-accounts") == ["council-accounts.labels",
                                                   "council-accounts.records"]
    assert doc.number("council-accounts.labels") == f"702.{n}.1"
    assert doc.number("council-accounts.records") == f"702.{n}.2"
    assert doc.clause("council-accounts.are-records") == \
        f"Posts about City business are records under Section 702.{order.index('records') + 1}."
    assert doc.clause("council-accounts.members-own") == \
        "A Council Member\u2019s account is the Member\u2019s own."


# 8. A whole section replaced -----------------------------------------------------------

def test_replace_whole_section(tmp_path: Path, model_page: Page) -> None:
    files = {
        "customize.yaml": "sections:\n  conduct:\n    replace: true\n    why: Shorter.\n",
        "conduct.md": """\
            Authorized Users shall be courteous and shall follow {{ ref("content") }}. {#be-courteous}

            ## Tone {#tone}

            - Plain words; {#plain-words}
            - no jokes. {#no-jokes}
            """,
    }
    doc = page(tmp_path, files)
    assert doc.heading("conduct") == model_page.heading("conduct")
    assert doc.number("conduct") == model_page.number("conduct")
    assert doc.clauses("conduct") == ["conduct.be-courteous", "conduct.plain-words",
                                      "conduct.no-jokes"]
    assert doc.subsections("conduct") == ["conduct.tone"]
    assert doc.clause("conduct.be-courteous") == \
        f"Authorized Users shall be courteous and shall follow Section " \
        f"{model_page.number('content').rstrip('.')}."
    assert "professional, courteous tone" not in doc.text


# 9. Safety -----------------------------------------------------------------------------

def test_raw_html_prints_as_text(tmp_path: Path) -> None:
    files = {"purpose.md": 'Posts are <b>bold</b> and <script>alert(1)</script> '
                           '<img src=x> too. {#social-media-aims}\n'}
    doc = page(tmp_path, files)
    assert doc.clause("purpose.social-media-aims") == \
        "Posts are <b>bold</b> and <script>alert(1)</script> <img src=x> too."
    assert "&lt;b&gt;bold&lt;/b&gt;" in doc.source
    assert "<script>alert" not in doc.source
    assert not doc.root.xpath("//main//b | //main//script | //main//img")
    path = tmp_path / "city.yaml"
    result = render(path, fmt="docx")
    assert result.exit_code == 0, result.output
    assert "Posts are <b>bold</b> and <script>alert(1)</script>" in \
        norm(docx_text(output(path, POLICY_DOCX)))


@pytest.mark.parametrize("text", [
    "Posts\n{% if x %}matter{% endif %}. {#social-media-aims}\n",
    "Posts\nby the {{ city.name | upper }}. {#social-media-aims}\n",
    "Posts\nnumber {{ 7*7 }}. {#social-media-aims}\n",
    "Posts\nsay {{ lipsum() }}. {#social-media-aims}\n",
    "Posts\nby the {{ nope.x }}. {#social-media-aims}\n",
    "Posts\nby {{ ref(\"nowhere\") }}. {#social-media-aims}\n",
    "Posts\nby the {{ city }}. {#social-media-aims}\n",
    "Posts\nby the {{ officials }}. {#social-media-aims}\n",
    "Posts\nby \ufdd0 0 \ufdd1. {#social-media-aims}\n",
], ids=["if", "filter", "arithmetic", "global", "unknown-value", "unknown-ref", "group",
        "group-of-officials", "placeholder-marks"])
def test_template_syntax_is_a_located_error(tmp_path: Path, text: str) -> None:
    path = city(tmp_path, {"purpose.md": text})
    result = render(path)
    problem(result, "purpose.md", 2)
    assert not output(path).exists()


def test_value_with_markup_stays_text(tmp_path: Path) -> None:
    files = {"purpose.md": "Posts go to the {{ officials.coordinator }}. {#social-media-aims}\n"}
    doc = page(tmp_path, files, {"officials": {"coordinator": "{{ 7*7 }} <b>Chief</b> *x*"}})
    assert doc.clause("purpose.social-media-aims") == \
        "Posts go to the {{ 7*7 }} <b>Chief</b> *x*."
    assert "&lt;b&gt;Chief&lt;/b&gt;" in doc.source


def test_value_with_id_syntax_stays_text(tmp_path: Path) -> None:
    evil = {"officials": {"coordinator": "Coordinator {#evil}"}}
    files = {
        "customize.yaml": "sections:\n  contact:\n    title: Contact\n",
        "contact.md": "Questions go to the {{ officials.coordinator }}\n",
        "purpose.md": "Posts are reviewed by the {{ officials.coordinator }} {#social-media-aims}\n",
    }
    doc = page(tmp_path, files, evil)
    assert doc.clause("purpose.social-media-aims") == \
        "Posts are reviewed by the Coordinator {#evil}"
    contact = doc.clauses("contact")
    assert contact == ["contact.p1"]
    assert doc.clause("contact.p1") == "Questions go to the Coordinator {#evil}"
    assert not doc.has_clause("contact.evil") and not doc.has_clause("purpose.evil")
    # In a model section's text the value does not count as the clause's id either.
    (tmp_path / "city.custom" / "purpose.md").write_text(
        "Posts are reviewed by the {{ officials.coordinator }}\n", encoding="utf-8")
    result = render(tmp_path / "city.yaml")
    problem(result, "purpose.md", 1)
    assert "end the clause with its id" in result.output


# 10. Located errors ----------------------------------------------------------------------

OWN = "sections:\n  mine:\n    title: Mine\n"

ERRORS: list[tuple[str, Files, str, int, str | None]] = [
    # name, files, file named, line, field
    ("unknown-top-key", {"customize.yaml": "sections: {}\ncolour: red\n"},
     "customize.yaml", 2, "colour"),
    ("unknown-section-key", {"customize.yaml": "sections:\n  hours:\n    colour: red\n"},
     "customize.yaml", 3, "sections.hours.colour"),
    ("unknown-clause-key", {"customize.yaml": "clauses:\n  purpose.social-media-aims:\n"
                                              "    title: Aims\n"},
     "customize.yaml", 3, "clauses.purpose.social-media-aims.title"),
    ("drop-not-bool", {"customize.yaml": "sections:\n  hours:\n    why: No.\n"
                                         "    drop: \"yes\"\n"},
     "customize.yaml", 4, "sections.hours.drop"),
    ("after-and-before", {"customize.yaml": "sections:\n  hours:\n    after: scope\n"
                                            "    before: purpose\n"},
     "customize.yaml", 2, "sections.hours"),
    ("new-section-no-title", {"customize.yaml": "clauses: {}\nsections:\n  my-own:\n"
                                                "    after: scope\n",
                              "my-own.md": "Hello. {#hello}\n"},
     "customize.yaml", 3, "sections.my-own"),
    ("new-section-no-text", {"customize.yaml": "sections:\n  my-own:\n    title: Mine\n"},
     "customize.yaml", 2, "sections.my-own"),
    ("text-of-no-section", {"customize.yaml": "sections: {}\n",
                            "nothing-here.md": "Hello. {#hello}\n"},
     "nothing-here.md", 1, None),
    ("not-markdown", {"notes.txt": "Hello.\n"}, "notes.txt", 1, None),
    ("clause-without-dot", {"customize.yaml": "clauses:\n  purpose:\n    drop: true\n"},
     "customize.yaml", 2, "clauses.purpose"),
    ("section-to-drop-missing", {"customize.yaml": "sections:\n  nowhere:\n    drop: true\n"},
     "customize.yaml", 2, "sections.nowhere"),
    ("placed-by-missing-section", {"customize.yaml": "sections:\n  hours:\n    after: nowhere\n"},
     "customize.yaml", 2, "sections.hours"),
    ("placed-by-dropped-section", {"customize.yaml": "sections:\n  hours:\n    drop: true\n"
                                                     "  mine:\n    title: Mine\n"
                                                     "    after: hours\n",
                                   "mine.md": "Hello. {#hello}\n"},
     "customize.yaml", 4, "sections.mine"),
    ("clause-missing", {"customize.yaml": "sections:\n  hours:\n    drop: true\n"
                                          "clauses:\n  purpose.nope:\n    drop: true\n"},
     "customize.yaml", 5, "clauses.purpose.nope"),
    ("placed-by-missing-clause", {"customize.yaml": "clauses:\n  purpose.accuracy-and-website:\n"
                                                    "    after: purpose.nope\n"},
     "customize.yaml", 2, "clauses.purpose.accuracy-and-website"),
    ("subsection-missing", {"customize.yaml": "sections:\n  purpose.nope:\n    title: Nope\n"},
     "customize.yaml", 2, "sections.purpose.nope"),
    ("subsection-moved", {"customize.yaml": "sections:\n  comment-removal.who:\n"
                                            "    after: scope\n"},
     "customize.yaml", 2, "sections.comment-removal.who"),
    ("paragraph-without-id", {"purpose.md": "First. {#social-media-aims}\n\nNo id here.\n"},
     "purpose.md", 3, None),
    ("heading-in-overlay", {"purpose.md": "First. {#social-media-aims}\n\n## A heading {#h}\n"},
     "purpose.md", 3, None),
    ("id-twice", {"purpose.md": "One. {#new-a}\n\nTwo. {#new-a}\n"},
     "purpose.md", 3, None),
    ("subsection-id-as-clause", {"comment-removal.md": "Text.\n{#who}\n"},
     "comment-removal.md", 1, None),
    ("title-heading-in-own", {"customize.yaml": OWN, "mine.md": "Hi. {#hi}\n\n# A {#a}\n"},
     "mine.md", 3, None),
    ("heading-too-deep", {"customize.yaml": OWN,
                          "mine.md": "Hi. {#hi}\n\n## A {#a}\n\n### B {#b}\n\n#### C {#c}\n"},
     "mine.md", 7, None),
]


def _params() -> list[Any]:
    return [pytest.param(files, where, line, field, id=name)
            for name, files, where, line, field in ERRORS]


@pytest.mark.parametrize(("files", "where", "line", "field"), _params())
def test_render_locates_error(tmp_path: Path, files: Files, where: str, line: int,
                              field: str | None) -> None:
    path = city(tmp_path, files)
    result = render(path)
    problem(result, where, line, field)
    assert not output(path).exists()


@pytest.mark.parametrize(("files", "where", "line", "field"), _params())
def test_validate_locates_error(tmp_path: Path, files: Files, where: str, line: int,
                                field: str | None) -> None:
    path = city(tmp_path, files)
    result = run(["validate", str(path)])
    problem(result, where, line, field)
    assert f"OK {path}" not in result.output


def test_validate_accepts_a_good_customization(tmp_path: Path) -> None:
    path = city(tmp_path, OWN_SECTION)
    result = run(["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"OK {path}" in result.output


# 11. Style -------------------------------------------------------------------------------

def heading1_caps(docx: Path) -> bool:
    """Whether the DOCX's Heading 1 style prints in capitals."""
    styles = etree.fromstring(docx_part(docx, "word/styles.xml").encode("utf-8"))
    style = styles.find(f'{W}style[@{W}styleId="Heading1"]')
    assert style is not None
    caps = style.find(f"{W}rPr/{W}caps")
    return caps is not None and caps.get(f"{W}val", "true") not in ("0", "false")


def list_level_text(docx: Path, level: int) -> tuple[str, str]:
    """(numFmt, lvlText) of a level of the DOCX's ordered-list numbering."""
    numbering = etree.fromstring(docx_part(docx, "word/numbering.xml").encode("utf-8"))
    for abstract in numbering.iter(f"{W}abstractNum"):
        name = abstract.find(f"{W}name")
        if name is not None and name.get(f"{W}val") == "smpgen ordered list":
            lvl = abstract.find(f'{W}lvl[@{W}ilvl="{level}"]')
            assert lvl is not None
            return (lvl.find(f"{W}numFmt").get(f"{W}val"),
                    lvl.find(f"{W}lvlText").get(f"{W}val"))
    raise AssertionError("no ordered-list numbering")


def body_classes(doc: Page) -> list[str]:
    return (doc.root.find("body").get("class") or "").split()


NESTED = {
    "customize.yaml": "sections:\n  steps:\n    title: Steps\n",
    "steps.md": """\
        The Coordinator shall: {#shall}

        1. check the account; {#check}
           1. its password; {#password}
           1. its recovery address; and {#recovery}
        1. report. {#report}
        """,
}


def test_capitals_with_decimal_numbering(tmp_path: Path) -> None:
    path = city(tmp_path, {}, {"document": {"heading_case": "capitals"}})
    result = render(path, fmt="html,docx")
    assert result.exit_code == 0, result.output
    doc = Page(output(path))
    assert "capitals" in body_classes(doc)
    assert "numbering-decimal" in body_classes(doc)
    assert re.search(r"\.capitals h2[^{]*\{[^}]*text-transform: uppercase", doc.source)
    assert doc.number("purpose") == "1."
    assert heading1_caps(output(path, POLICY_DOCX))


def test_as_written_with_headings_numbering(tmp_path: Path) -> None:
    base = city(tmp_path / "caps", {}, {"document": {"numbering": "headings"}})
    assert render(base, fmt="html,docx").exit_code == 0
    assert "capitals" in body_classes(Page(output(base)))
    assert heading1_caps(output(base, POLICY_DOCX))
    path = city(tmp_path, {}, {"document": {"numbering": "headings",
                                            "heading_case": "as-written"}})
    result = render(path, fmt="html,docx")
    assert result.exit_code == 0, result.output
    doc = Page(output(path))
    assert "capitals" not in body_classes(doc)
    assert doc.number("purpose") == ""
    assert not heading1_caps(output(path, POLICY_DOCX))


def test_list_markers_pool_style(tmp_path: Path) -> None:
    path = city(tmp_path, NESTED, {"document": {"list_markers": ["1.", "a.", "i."]}})
    result = render(path, fmt="html,docx")
    assert result.exit_code == 0, result.output
    doc = Page(output(path))
    items = doc.list_of("prohibited-content.abusive-obscene")
    assert doc.markers(items[:3]) == ["1.", "2.", "3."]
    assert doc.markers(["steps.check", "steps.report"]) == ["1.", "2."]
    assert doc.markers(["steps.password", "steps.recovery"]) == ["a.", "b."]
    docx = output(path, POLICY_DOCX)
    assert list_level_text(docx, 0) == ("decimal", "%1.")
    assert list_level_text(docx, 1) == ("lowerLetter", "%2.")
    assert list_level_text(docx, 2) == ("lowerRoman", "%3.")


def test_list_markers_policy_manual(tmp_path: Path) -> None:
    # With headings numbering the model's own markers are 1., a., i.
    path = city(tmp_path, NESTED, {"document": {"numbering": "headings",
                                                "list_markers": ["(a)", "(i)"]}})
    result = render(path, fmt="html,docx")
    assert result.exit_code == 0, result.output
    doc = Page(output(path))
    assert doc.markers(["steps.check", "steps.report"]) == ["(a)", "(b)"]
    assert doc.markers(["steps.password", "steps.recovery"]) == ["(i)", "(ii)"]
    items = doc.list_of("prohibited-content.abusive-obscene")
    assert doc.markers(items[:2]) == ["(a)", "(b)"]
    docx = output(path, POLICY_DOCX)
    assert list_level_text(docx, 0) == ("lowerLetter", "(%1)")
    assert list_level_text(docx, 1) == ("lowerRoman", "(%2)")
    assert list_level_text(docx, 2) == ("lowerRoman", "%3.")


def test_list_markers_bullet(tmp_path: Path) -> None:
    path = city(tmp_path, NESTED, {"document": {"list_markers": ["bullet"]}})
    result = render(path, fmt="html,docx")
    assert result.exit_code == 0, result.output
    doc = Page(output(path))
    assert doc.markers(["steps.check", "steps.report"]) == ["\u2022", "\u2022"]
    # Levels not given keep the numbering's own: (i) under decimal.
    assert doc.markers(["steps.password", "steps.recovery"]) == ["(i)", "(ii)"]
    docx = output(path, POLICY_DOCX)
    assert list_level_text(docx, 0) == ("bullet", "\u2022")
    assert list_level_text(docx, 1) == ("lowerRoman", "(%2)")


# 12. Deviations ----------------------------------------------------------------------------

DEVIATING = {
    "customize.yaml": """\
        sections:
          hours:
            drop: true
            why: Overtime is governed by the personnel policy.
          purpose:
            title: Purpose and Intent
          council-accounts:
            title: Council Members' Accounts
            after: open-meetings
            why: The council asked for its own rules.
          comment-rules:
            after: disclaimer
            why: Rules next to the disclaimer.
          comment-removal.questions:
            title: Asking Why a Comment Was Removed
        clauses:
          discretion.no-personal-right:
            drop: true
            why: Repeats the state's employment law.
          purpose.accuracy-and-website:
            why: The council wants plain language named.
          conduct.refer-to-department:
            before: conduct.speaks-for-city
            why: Referral first.
        """,
    "purpose.md": """\
        Everything the City posts shall be accurate, plain and current. {#accuracy-and-website}

        The Council adopts this policy to keep residents informed. {#council-intent}
        """,
    "council-accounts.md": "A Council Member's account is the Member's own. {#members-own}\n",
}


def test_deviations_lists_every_change(tmp_path: Path) -> None:
    path = city(tmp_path, DEVIATING)
    result = run(["deviations", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()

    def line(start: str) -> str:
        found = [x for x in lines if x.startswith(start)]
        assert len(found) == 1, (start, result.output)
        return found[0]

    assert line("dropped section hours ").endswith(
        "\u2014 Overtime is governed by the personnel policy.")
    assert "(Hours and Overtime)" in line("dropped section hours ")
    assert line("renamed section purpose ").startswith(
        "renamed section purpose (Purpose \u2192 Purpose and Intent)")
    assert "Asking about a removal \u2192 Asking Why a Comment Was Removed" in \
        line("renamed section comment-removal.questions ")
    assert line("added section council-accounts ").endswith(
        "\u2014 The council asked for its own rules.")
    assert line("moved section comment-rules ").endswith("\u2014 Rules next to the disclaimer.")
    assert line("dropped clause discretion.no-personal-right ").endswith(
        "\u2014 Repeats the state's employment law.")
    changed = line("changed clause purpose.accuracy-and-website ")
    assert "Everything the City posts shall be accurate, plain and current." in changed
    assert changed.endswith("\u2014 The council wants plain language named.")
    assert line("added clause purpose.council-intent ").endswith("no reason recorded")
    # a section the city adds is one line: its clauses are not listed again
    assert not any(x.startswith("added clause council-accounts.") for x in lines)
    assert line("moved clause conduct.refer-to-department ").endswith("\u2014 Referral first.")
    # Nothing else: sections that only shifted are not "moved", values are not changes.
    assert not any(x.startswith("moved section") and "comment-rules" not in x for x in lines)
    assert not any(x.startswith("moved clause conduct.speaks-for-city") for x in lines)
    assert not any(x.startswith("changed clause purpose.social-media-aims") for x in lines)


def test_deviations_without_customization(tmp_path: Path) -> None:
    path = city(tmp_path, {})
    result = run(["deviations", str(path)])
    assert result.exit_code == 0, result.output
    assert "the policy is the model's text" in result.output


def test_model_text_written_again_is_no_deviation(tmp_path: Path) -> None:
    files = {
        "purpose.md": """\
            Everything the City publishes on social media shall be accurate, consistent with the
            City's other communications, and current. The City's official website,
            [{{ city.website }}]({{ city.website }}), remains the primary and most complete source of
            City information. {#accuracy-and-website}
            """,
        "customize.yaml": "sections:\n  purpose:\n    why: Reviewed, unchanged.\n",
    }
    path = city(tmp_path, files)
    result = run(["deviations", str(path)])
    assert result.exit_code == 0, result.output
    assert "the policy is the model's text" in result.output


def test_annotated_edition_lists_deviations_first(tmp_path: Path) -> None:
    path = city(tmp_path, DEVIATING)
    result = render(path, "--edition", "annotated")
    assert result.exit_code == 0, result.output
    doc = Page(output(path, "social-media-policy-annotated.html"))
    main = doc.root.xpath("//main")[0]
    first = main[0]
    assert first.tag == "aside", etree.tostring(first)
    note = norm(first.text_content())
    assert note.startswith("Drafter\u2019s note Changes from the model.")
    for expected in ("Dropped section hours", "Added section council-accounts",
                     "Renamed section purpose", "Moved section comment-rules",
                     "Dropped clause discretion.no-personal-right",
                     "Changed clause purpose.accuracy-and-website",
                     "Moved clause conduct.refer-to-department",
                     "The council asked for its own rules."):
        assert expected in note, expected
    # The council edition has no such list.
    assert render(path).exit_code == 0
    assert "Changes from the model." not in Page(output(path)).text


# 13. Re-rendering after an edit to the customization ---------------------------------------

def test_rerender_sees_customization_change(tmp_path: Path) -> None:
    path = city(tmp_path, {"purpose.md": "Version one. {#social-media-aims}\n"})
    assert render(path, force=False).exit_code == 0
    assert Page(output(path)).clause("purpose.social-media-aims") == "Version one."
    (tmp_path / "city.custom" / "purpose.md").write_text("Version two. {#social-media-aims}\n",
                                                         encoding="utf-8")
    result = render(path, force=False)
    assert result.exit_code == 0, result.output
    assert Page(output(path)).clause("purpose.social-media-aims") == "Version two."
    # A new file in the folder counts too.
    (tmp_path / "city.custom" / "customize.yaml").write_text(
        "sections:\n  purpose:\n    title: Why\n", encoding="utf-8")
    assert render(path, force=False).exit_code == 0
    assert Page(output(path)).heading("purpose") == "Why"


# 14. Links are never followed ----------------------------------------------------------------

def test_folder_symlink_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "purpose.md").write_text("Linked text. {#social-media-aims}\n",
                                          encoding="utf-8")
    path = city(tmp_path, {})
    os.symlink(elsewhere, tmp_path / "city.custom")
    result = render(path)
    problem(result, "city.custom", 1)
    assert "link" in result.output
    assert not output(path).exists()
    validated = run(["validate", str(path)])
    problem(validated, "city.custom", 1)


def test_md_symlink_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret text. {#social-media-aims}\n", encoding="utf-8")
    path = city(tmp_path, {"customize.yaml": "sections:\n  hours:\n    drop: true\n"})
    os.symlink(secret, tmp_path / "city.custom" / "purpose.md")
    result = render(path)
    problem(result, "purpose.md", 1)
    assert "Secret text" not in result.output
    assert not output(path).exists()


def test_customize_yaml_symlink_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("sections:\n  hours:\n    drop: true\n", encoding="utf-8")
    path = city(tmp_path, {"purpose.md": "Mine. {#social-media-aims}\n"})
    os.symlink(secret, tmp_path / "city.custom" / "customize.yaml")
    result = render(path)
    problem(result, "customize.yaml", 1)
    assert not output(path).exists()


