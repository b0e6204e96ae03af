"""Randomly generated profiles that fill in every field the shipped model declares, with
any text each field's check accepts (quotes, markup, braces, right-to-left letters), render
to the tree, DOCX and HTML, and every printed value's text appears in each."""

from __future__ import annotations

import datetime as dt
import html
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml
from helpers import W, docx_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import smpgen
from smpgen.fields import FIRST_DATE, LANGUAGE_PATTERN, LAST_DATE, MAX_LINE
from smpgen.profile import profile_variables
from smpgen.records import records_laws
from smpgen.sourcefile import character_problem
from smpgen.summary import UNUSED_WHEN_REPLACED
from smpgen.tree import Document, Inline, ListBlock, Note, Paragraph, Section, long_date, plain
from smpgen.variables import Variable

MODEL = next(m for m in smpgen.list_models() if m.id == "city-social-media")
VARIABLES = profile_variables(MODEL)
ADVERSARIAL = "\"<>&'{}*_[]#|`\\%$~!^=:;,.?/@-+()"
RIGHT_TO_LEFT = "\u05d0\u05d1\u05d2\u05e9\u05ea\u0627\u0628\u062a\u0639\u064a\u0645"

accepted = st.characters(categories=("L", "M", "N", "P", "S", "Zs")).filter(
    lambda ch: character_problem(ch, multiline=False) is None)
character = st.one_of(accepted, st.sampled_from(ADVERSARIAL + RIGHT_TO_LEFT + " "))


def line(alphabet: st.SearchStrategy[str] = character, max_size: int = 24,
         limit: int = MAX_LINE) -> st.SearchStrategy[str]:
    """One line of text the field check accepts (it strips the ends): mostly short, now
    and then as long as a line may be (a long title must fit the DOCX's properties too),
    or as the declaration's ``max_length`` allows."""
    short = st.text(alphabet, min_size=1, max_size=min(max_size, limit))
    longest = st.text(alphabet, min_size=limit, max_size=limit)
    return st.one_of(short, short, short, longest).filter(
        lambda s: s.strip() and len(s.strip()) <= limit)


def paragraph() -> st.SearchStrategy[str]:
    """Text over several lines and paragraphs."""
    return st.lists(line(), min_size=1, max_size=3).flatmap(
        lambda lines: st.sampled_from(["\n", "\n\n"]).map(lambda sep: sep.join(lines)))


def url() -> st.SearchStrategy[str]:
    path = st.text(st.one_of(accepted, st.sampled_from(ADVERSARIAL)).filter(str.strip),
                   max_size=16)
    return path.map(lambda p: f"https://city.example.gov/{p}")


FOR_FIELD: dict[str, st.SearchStrategy[Any]] = {
    # A % would be read by Word's numbering as a level number, so validation refuses it.
    "document.policy_number": line(character.filter(lambda ch: ch != "%")),
    "model": st.just(MODEL.id),
    # a release of the model, or none (the newest); any other is refused, located
    "model_version": st.sampled_from([None, *sorted({MODEL.version, "0.2.0"})]),
}


def value_of(var: Variable) -> st.SearchStrategy[Any]:
    """Any value ``var``'s declaration accepts."""
    if var.name in FOR_FIELD:
        return FOR_FIELD[var.name]
    match var.type:
        case "text":
            return line(limit=var.max_length or MAX_LINE)
        case "paragraph":
            return paragraph()
        case "integer":
            low = var.minimum if var.minimum is not None else 0
            return st.integers(low, var.maximum if var.maximum is not None else low + 10_000)
        case "boolean":
            return st.booleans()
        case "date":
            return st.dates(FIRST_DATE, LAST_DATE)
        case "choice":
            return st.sampled_from(var.choices)
        case "url":
            return url()
        case "email":
            return line(st.sampled_from("abcxyz.\"<>&'"), 8).map(lambda s: f"{s.strip()}@x.example")
        case "state":
            return st.sampled_from(sorted(records_laws()))
        case "language":
            return st.from_regex(LANGUAGE_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 35)
        case "list":
            assert var.item is not None
            return st.lists(value_of(var.item), min_size=max(var.min_items, 1 if var.required
                                                                 else 0),
                            max_size=min(3, var.max_items or 3),
                            unique_by=lambda v: str(v).strip())
        case _:
            return group(var.fields)


def group(fields: tuple[Variable, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping with every required field and any of the others."""
    def needed(f: Variable) -> bool:  # a group is needed when a field in it is required
        return any(v.required for v in f.walk())

    required = {f.key: value_of(f) for f in fields if needed(f)}
    optional = {f.key: value_of(f) for f in fields if not needed(f)}
    return st.fixed_dictionaries(required, optional=optional)


def consistent(data: dict[str, Any]) -> dict[str, Any]:
    """Settle the few rules between fields: adoption details come together and in order,
    and policy-number numbering has a policy number."""
    document = data.setdefault("document", {})
    adoption = document.get("adoption", {})
    if adoption:
        adopted = adoption.get("adopted") or adoption.get("effective") or dt.date(2026, 10, 6)
        effective = max(adoption.get("effective") or adopted, adopted)
        document["adoption"] = {"resolution": adoption.get("resolution") or "2026-41",
                                "adopted": adopted, "effective": effective}
    if document.get("numbering") == "policy-number":
        document.setdefault("policy_number", "702")
    if document.get("status") == "adopted" and not document.get("adoption"):
        del document["status"]  # adopted needs the adoption record (a located error)
    return data


profiles = group(VARIABLES).map(consistent)


def printed(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The text each given value prints as: in the policy, and in the executive summary."""
    policy: list[str] = []
    summary: list[str] = []

    def walk(fields: tuple[Variable, ...], values: dict[str, Any]) -> None:
        for var in fields:
            value = values.get(var.key)
            if value is None or var.name in NOT_PRINTED:
                continue
            if var.name.startswith("council.") and any(
                    var.key == detail and values.get(part)
                    for detail, part in UNUSED_WHEN_REPLACED):
                continue  # its drafted part is replaced (a warning says so)
            if var.name in ONLY_IN and not data.get("optional_sections", {}).get(
                    ONLY_IN[var.name], True):
                continue  # printed only by a section the profile switched off
            if var.name.startswith("document.adoption.") and \
                    data["document"].get("status") in ("draft", "proposed"):
                continue  # not adopted yet, whatever the record says (a warning says so)
            into = summary if var.name.startswith("council.") else policy
            if var.is_group:
                walk(var.fields, value)
            elif var.item is not None and var.item.is_group:
                for item in value:
                    walk(var.item.fields, item)
            elif var.type == "list":
                into.extend(str(v).strip() for v in value)
            elif var.type == "paragraph":
                into.extend(" ".join(chunk.split()) for chunk in value.split("\n\n"))
            elif isinstance(value, dt.date):
                into.append(long_date(value))
            elif var.type in ("text", "url", "integer"):
                into.append(str(value).strip())

    walk(VARIABLES, data)
    return policy, summary


ONLY_IN = {"languages": "language_access"}
"""Values printed only by one optional section, by the switch that turns it on."""

NOT_PRINTED = {"model", "model_version", "accounts[].url", "city.population", "document.heading_case",
               "document.list_markers", "document.list_markers[]"}
"""Values that steer the documents but are not printed as text (the population picks the
accessibility rule's compliance date)."""


def tree_text(doc: Document) -> str:
    """Every text of a document tree, title block included."""
    parts: list[str] = [plain(doc.info.jurisdiction), doc.info.title]
    parts += [plain(list[Inline](value)) for _, value in doc.info.meta]
    parts += [plain(list[Inline](v)) for _, lines in doc.info.table for v in lines]

    def walk(blocks: list[Any]) -> None:
        for b in blocks:
            if isinstance(b, Paragraph):
                parts.append(plain(b.children))
            elif isinstance(b, ListBlock):
                for item in b.items:
                    walk(item.blocks)
            elif isinstance(b, Note):
                walk(b.blocks)
            elif isinstance(b, Section):
                parts.append(plain(list[Inline](b.title)))
                walk(b.blocks)

    walk(list(doc.front) + list(doc.sections))
    return "\n".join(parts)


def docx_language(path: Path) -> str:
    """The language the DOCX's default run properties name (every XML part must parse)."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))
        styles = etree.fromstring(z.read("word/styles.xml"))
    return str(styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang").get(f"{W}val"))


class NoAliases(yaml.SafeDumper):
    """Writes a value used twice (the same date adopted and effective) out twice: smpgen
    refuses YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
@given(profiles)
def test_random_profiles_render_and_keep_every_value(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "city.yaml"
        path.write_text(yaml.dump(data, Dumper=NoAliases, allow_unicode=True), encoding="utf-8")
        tree = tree_text(smpgen.build_document(path))
        smpgen.render(path, formats=["docx", "html"], out_dir=Path(tmp) / "out")
        folder = Path(tmp) / "out" / "city"
        policy_docx = next(p for p in folder.glob("*.docx")
                           if p.stem not in ("executive-summary", "tracking-form"))
        policy = {"docx": docx_text(policy_docx),
                  "html": html.unescape(policy_docx.with_suffix(".html").read_text())}
        summary = {"docx": docx_text(folder / "executive-summary.docx"),
                   "html": html.unescape((folder / "executive-summary.html").read_text())}
        language = data.get("document", {}).get("language", "en-US")
        assert docx_language(policy_docx) == language
        assert f'<html lang="{language}">' in policy["html"]
    in_policy, in_summary = printed(data)
    for value in in_policy:
        assert value in tree, value
        assert value in policy["docx"], value
        assert value in policy["html"], value
    for value in in_summary:
        assert value in summary["docx"], value
        assert value in summary["html"], value


# A model's own text: what loads must render --------------------------------------------

MINI = Path(__file__).parent / "models" / "mini-policy"
MINI_PROFILE = {"model": "mini-policy", "officials": {"chief": "City Manager"},
                "city": {"name": "Lakeshore", "state": "MN",
                         "website": "https://lakeshore.example.gov"}}
any_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
"""Any characters at all (control, bidirectional, separators, noncharacters) but lone
surrogates, which no YAML file can hold."""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({
    "title": any_text, "version": any_text, "publisher": any_text, "section": any_text,
    "keep_for": any_text, "category": any_text, "suggestion": any_text}))
def test_a_model_whose_text_loads_renders(text: dict[str, str]) -> None:
    """A model's title, version, publisher, section titles, defaults and suggestions are
    printed in every document: whatever the model may hold, it loads and renders, or it
    is refused as a model error (never a writer's crash)."""
    with tempfile.TemporaryDirectory() as tmp:
        templates = Path(tmp) / "templates"
        shutil.copytree(MINI, templates / "mini-policy")
        manifest = templates / "mini-policy" / "model.yaml"
        model = yaml.safe_load(manifest.read_text())
        model.update(title=text["title"], version=text["version"], publisher=text["publisher"])
        model["sections"][1]["title"] = text["section"]
        model["variables"]["keep_for"]["default"] = text["keep_for"]
        model["variables"]["categories"]["default"][0] = text["category"]
        model["variables"]["officials"]["chief"]["suggestion"] = text["suggestion"]
        manifest.write_text(yaml.safe_dump(model, allow_unicode=False, sort_keys=False))
        profile = Path(tmp) / "city.yaml"
        profile.write_text(yaml.safe_dump(MINI_PROFILE))
        try:
            [report] = smpgen.validate([profile], templates=templates)
        except smpgen.ModelError as e:
            assert "model.yaml:" in str(e)
            return
        assert not report.problems
        smpgen.render(profile, formats=["docx", "html"], out_dir=Path(tmp) / "out",
                      templates=templates)
        smpgen.render_model("mini-policy", formats=["docx", "html"], out_dir=Path(tmp) / "out",
                            templates=templates)
