"""The Word file that fills itself: in the league's DOCX (and a city's draft) every blank
is a Word content control showing its prompt as placeholder text, and every control of
one variable is bound (w:dataBinding) to one element of one custom XML part, registered
with its item properties and store id. LibreOffice, an independent reader of the same
XML, converts the file showing every prompt, fills every control from the part once the
part holds values, and keeps the bindings when it saves the file again.

Each document is rendered once per module, LibreOffice run once per module.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from helpers import HERE, REPO, SYSTEM_PYTHON, W, pdf_pages, uno_missing
from lxml import etree

import smpgen
from smpgen.checks.docx import check_docx

TEMPLATES = REPO / "templates"
BLANK_LINE = "________"
NAMESPACE = "urn:smpgen:model-values:1"
DS = "{http://schemas.openxmlformats.org/officeDocument/2006/customXml}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
DRAFT_PROFILE = {"city": {"name": "Lakeshore", "state": "MN"}}
"""A city that has not named its officials yet: its draft has blanks."""
NS = {"w": W[1:-1]}
MAPPING = re.compile(r"xmlns:([A-Za-z_][\w.-]*)='([^']*)'")
"""One prefix mapping of ``w:prefixMappings`` (ECMA-376 Part 1, 17.5.2.6)."""


@dataclass
class Docx:
    """A DOCX's parts, parsed, and the blanks its HTML twin has (the same tree)."""

    path: Path
    parts: dict[str, etree._Element]
    html_blanks: Counter[str]

    def part(self, name: str) -> etree._Element:
        return self.parts[name]

    def rels(self, name: str) -> list[etree._Element]:
        folder, _, base = name.rpartition("/")
        rels = self.parts.get(f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
        return [] if rels is None else list(rels.iter(f"{REL}Relationship"))

    def target(self, source: str, rel_type: str) -> list[str]:
        """The parts ``source`` relates to with ``rel_type``, as part names."""
        folder = source.rpartition("/")[0]
        return [posixpath.normpath(posixpath.join(folder, rel.get("Target")))
                for rel in self.rels(source) if rel.get("Type") == RT + rel_type]

    def stories(self) -> list[str]:
        """The body and the headers and footers: every part that may hold a control."""
        return ["word/document.xml", *sorted(n for n in self.parts
                                             if re.fullmatch(r"word/(header|footer)\d+\.xml", n))]

    def controls(self, *names: str) -> list[etree._Element]:
        """The blanks' controls (run-level: inside a paragraph) in the parts ``names``, or
        in every story."""
        return [sdt for name in names or self.stories() for sdt in self.part(name).iter(f"{W}sdt")
                if any(a.tag == f"{W}p" for a in sdt.iterancestors())]

    def values(self) -> tuple[str, etree._Element]:
        """The custom XML part holding the values, by its name, and its root."""
        found = [name for name in self.target("word/document.xml", "customXml")
                 if etree.QName(self.part(name)).namespace == NAMESPACE]
        assert len(found) == 1, found
        return found[0], self.part(found[0])


def bound(values: etree._Element, sdt: etree._Element) -> list[etree._Element]:
    """What a control's binding finds in the values part: its XPath, evaluated with lxml
    under its own prefix mappings."""
    binding = sdt.find(f"{W}sdtPr/{W}dataBinding")
    prefixes = dict(MAPPING.findall(binding.get(f"{W}prefixMappings")))
    found: list[etree._Element] = values.xpath(binding.get(f"{W}xpath"), namespaces=prefixes)
    return found


def _read(path: Path, html: Path) -> Docx:
    with zipfile.ZipFile(path) as z:
        parts = {n: etree.fromstring(z.read(n)) for n in z.namelist()
                 if n.endswith((".xml", ".rels"))}
    blanks = Counter(re.findall(r'<span class="blank" title="([^"]*)"', html.read_text("utf-8")))
    return Docx(path, parts, blanks)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The league's model edition (twice, for the bytes) and a city's draft, in DOCX and
    HTML."""
    root = tmp_path_factory.mktemp("controls")
    out: dict[str, Path] = {}
    for run in ("model", "again"):
        paths = smpgen.render_model(formats=["docx", "html"], out_dir=root / run,
                                    templates=TEMPLATES).paths
        for p in map(Path, paths):
            out[f"{run}{p.suffix}"] = p
    profile = root / "lakeshore.yaml"
    profile.write_text(yaml.safe_dump(DRAFT_PROFILE), encoding="utf-8")
    paths = smpgen.render(profile, formats=["docx", "html"], out_dir=root / "draft",
                          draft=True, templates=TEMPLATES).paths
    for p in map(Path, paths):
        if p.stem == "social-media-policy":
            out[f"draft{p.suffix}"] = p
    return out


@pytest.fixture(scope="module", params=["model", "draft"])
def docx(request: pytest.FixtureRequest, rendered: dict[str, Path]) -> Docx:
    return _read(rendered[f"{request.param}.docx"], rendered[f"{request.param}.html"])


# The XML rules -------------------------------------------------------------------------

def test_every_blank_is_a_content_control(docx: Docx) -> None:
    body = Counter(sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val")
                   for sdt in docx.controls("word/document.xml"))
    assert body and body == docx.html_blanks
    for name in docx.stories():  # no blank line outside a control
        outside = [t.text for t in docx.part(name).iter(f"{W}t")
                   if BLANK_LINE in (t.text or "")
                   and not t.xpath("ancestor::w:sdt[ancestor::w:p]", namespaces=NS)]
        assert outside == [], name


def test_each_control_shows_its_prompt_as_locked_placeholder_text(docx: Docx) -> None:
    styles = docx.part("word/styles.xml")
    style = styles.find(f"{W}style[@{W}styleId='PlaceholderText']")
    assert style is not None and style.find(f"{W}name").get(f"{W}val") == "Placeholder Text"
    assert style.get(f"{W}type") == "character"
    for sdt in docx.controls():
        pr = sdt.find(f"{W}sdtPr")
        variable = pr.find(f"{W}tag").get(f"{W}val")
        assert pr.find(f"{W}alias").get(f"{W}val") == variable
        assert pr.find(f"{W}lock").get(f"{W}val") == "sdtLocked"  # not deleted by accident
        assert pr.find(f"{W}showingPlcHdr") is not None
        assert pr.find(f"{W}text") is not None  # plain text: the kind Word binds
        (run,) = sdt.find(f"{W}sdtContent")  # a plain-text control holds one run
        assert run.find(f"{W}rPr/{W}rStyle").get(f"{W}val") == "PlaceholderText"
        assert "".join(run.itertext()).startswith(BLANK_LINE), variable
        assert sdt.getparent().tag in (f"{W}p", f"{W}ins", f"{W}hyperlink")  # among runs


def test_the_prompt_is_also_the_building_block_word_restores(docx: Docx) -> None:
    (glossary,) = docx.target("word/document.xml", "glossaryDocument")
    blocks = {}
    for part in docx.part(glossary).iter(f"{W}docPart"):
        pr = part.find(f"{W}docPartPr")
        assert pr.find(f"{W}types/{W}type").get(f"{W}val") == "bbPlcHdr"
        blocks[pr.find(f"{W}name").get(f"{W}val")] = "".join(
            part.find(f"{W}docPartBody").itertext())
    for sdt in docx.controls():
        name = sdt.find(f"{W}sdtPr/{W}placeholder/{W}docPart").get(f"{W}val")
        assert blocks[name] == "".join(sdt.find(f"{W}sdtContent").itertext())
    assert docx.target(glossary, "styles")  # where the placeholders' style is


def test_every_control_of_a_variable_is_bound_to_one_element(docx: Docx) -> None:
    name, values = docx.values()
    (props,) = docx.target(name, "customXmlProps")
    store = docx.part(props).get(f"{DS}itemID")
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", store)
    schemas = [r.get(f"{DS}uri") for r in docx.part(props).iter(f"{DS}schemaRef")]
    assert schemas == [NAMESPACE]
    by_variable: dict[str, set[etree._Element]] = {}
    for sdt in docx.controls():
        pr = sdt.find(f"{W}sdtPr")
        binding = pr.find(f"{W}dataBinding")
        assert binding.get(f"{W}storeItemID") == store
        mappings = binding.get(f"{W}prefixMappings")
        prefixes = dict(MAPPING.findall(mappings))
        assert MAPPING.sub("", mappings).strip() == "", mappings  # nothing else in there
        xpath = binding.get(f"{W}xpath")
        assert set(re.findall(r"([A-Za-z_][\w.-]*):", xpath)) <= set(prefixes), xpath
        found = bound(values, sdt)
        assert len(found) == 1, xpath
        assert not found[0].text and not len(found[0])  # empty: the placeholder shows
        by_variable.setdefault(pr.find(f"{W}tag").get(f"{W}val"), set()).add(found[0])
    assert all(len(elements) == 1 for elements in by_variable.values())
    elements = [e for es in by_variable.values() for e in es]
    assert len(set(elements)) == len(by_variable)  # one element per variable
    assert set(elements) == set(values)  # and none left unbound


def test_the_part_is_registered_as_word_registers_it(docx: Docx) -> None:
    name, _ = docx.values()
    (props,) = docx.target(name, "customXmlProps")
    types = docx.part("[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT}Default")}
    assert overrides[f"/{props}"] == \
        "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
    assert overrides.get(f"/{name}", defaults["xml"]) == "application/xml"
    assert overrides["/word/glossary/document.xml"] == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.glossary+xml"


def test_ids_are_unique_among_controls_bookmarks_and_changes(docx: Docx) -> None:
    ids = [el.get(f"{W}val") for sdt in docx.controls() for el in sdt.iterfind(f"{W}sdtPr/{W}id")]
    assert len(ids) == len(docx.controls())
    ids += [el.get(f"{W}id") for el in docx.part("word/document.xml").iter(f"{W}bookmarkStart")]
    assert len(ids) == len(set(ids))


def test_the_file_passes_the_accessibility_lint(docx: Docx) -> None:
    assert [f.format() for f in check_docx(docx.path)] == []


def test_same_model_same_bytes(rendered: dict[str, Path]) -> None:
    assert rendered["model.docx"].read_bytes() == rendered["again.docx"].read_bytes()


def test_a_document_without_blanks_has_no_controls(tmp_path: Path) -> None:
    profile = REPO / "city_profiles" / "lakeview-mn.yaml"
    (path,) = smpgen.render(profile, formats=["docx"], edition="annotated",
                            out_dir=tmp_path, templates=TEMPLATES).paths
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert b"<w:sdt>" not in z.read("word/document.xml")
        assert b"PlaceholderText" not in z.read("word/styles.xml")
    assert not [n for n in names if "glossary" in n or n == "customXml/item2.xml"]


# LibreOffice -------------------------------------------------------------------------------

def _filled(src: Path, dst: Path) -> dict[str, str]:
    """A copy of ``src`` whose values part holds a value for every variable, as Word saves
    it once a person has typed each; the value of each element, by element name."""
    values: dict[str, str] = {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("customXml/item") and NAMESPACE.encode() in data:
                root = etree.fromstring(data)
                for n, element in enumerate(root):
                    element.text = values[etree.QName(element).localname] = f"V{n:03d}X"
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            zout.writestr(item, data)
    assert values
    return values


@dataclass
class Converted:
    """LibreOffice's PDFs, by the name of the DOCX, and the values put in ``filled``."""

    pdfs: dict[str, Path]
    values: dict[str, str]


@pytest.fixture(scope="module")
def libreoffice(rendered: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
                ) -> Converted:
    """LibreOffice's PDF of the model, of the draft, and of the model with its values
    part filled in, made in one LibreOffice run."""
    if shutil.which("libreoffice") is None:
        pytest.skip("needs LibreOffice")
    root = tmp_path_factory.mktemp("libreoffice")
    inbox = root / "in"
    inbox.mkdir()
    shutil.copy(rendered["model.docx"], inbox / "model.docx")
    shutil.copy(rendered["draft.docx"], inbox / "draft.docx")
    values = _filled(rendered["model.docx"], inbox / "filled.docx")
    subprocess.run(["libreoffice", f"-env:UserInstallation={(root / 'profile').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(root / "out"),
                    *map(str, sorted(inbox.iterdir()))],
                   capture_output=True, check=True, timeout=300)
    return Converted({p.stem: p for p in (root / "out").glob("*.pdf")}, values)


def test_libreoffice_shows_every_prompt(libreoffice: Converted, docx: Docx) -> None:
    kind = "model" if docx.path.stem.endswith("-model") else "draft"
    text = " ".join(pdf_pages(libreoffice.pdfs[kind]))
    prompts = Counter(" ".join("".join(sdt.find(f"{W}sdtContent").itertext()).split())
                      for sdt in docx.controls("word/document.xml"))
    for prompt in prompts:
        assert prompt in text, prompt
    assert text.count(BLANK_LINE) >= sum(prompts.values())


def test_libreoffice_fills_every_control_from_the_part(libreoffice: Converted,
                                                       rendered: dict[str, Path]) -> None:
    """What Word does when it opens a file whose part holds values, LibreOffice 7.4 does
    too: each control shows its variable's value, in the body and in the header. It gets
    there only through the part's registration (with its item properties), its namespace
    and each control's XPath (it forgives a wrong store id, which the XML rules above
    check)."""
    model = _read(rendered["model.docx"], rendered["model.html"])
    _, part = model.values()
    value = {sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val"):
             libreoffice.values[etree.QName(bound(part, sdt)[0]).localname]
             for sdt in model.controls()}
    text = " ".join(pdf_pages(libreoffice.pdfs["filled"]))
    assert BLANK_LINE not in text
    for variable, count in model.html_blanks.items():
        assert text.count(value[variable]) >= count, variable


# A round trip through LibreOffice --------------------------------------------------------

@pytest.mark.skipif(uno_missing() is not None, reason=uno_missing() or "")
def test_libreoffice_saving_the_file_keeps_the_bindings(rendered: dict[str, Path],
                                                        tmp_path: Path) -> None:
    """LibreOffice 7.4 opens each control as an input field and saves it back as a
    control with its binding, the values part with its store id and the placeholders'
    glossary. (It leaves out each control's tag, lock and placeholder mark and the part's
    link to its item properties, and writes the controls' text into the part as values:
    LibreOffice 7.4's limits, not pinned here.)"""
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps({"edits": []}), encoding="utf-8")
    out = tmp_path / "saved.docx"
    subprocess.run([SYSTEM_PYTHON, str(HERE / "uno_edit.py"), str(rendered["model.docx"]),
                    str(out), str(edits)], capture_output=True, check=True, timeout=300)
    before = _read(rendered["model.docx"], rendered["model.html"])
    with zipfile.ZipFile(out) as z:
        parts = {n: etree.fromstring(z.read(n)) for n in z.namelist()
                 if n.endswith((".xml", ".rels"))}
    after = Docx(out, parts, Counter())

    def bindings(doc: Docx) -> Counter[tuple[str, str, str]]:
        return Counter((sdt.find(f"{W}sdtPr/{W}alias").get(f"{W}val"),
                        b.get(f"{W}xpath"), b.get(f"{W}storeItemID"))
                       for sdt in doc.controls()
                       for b in sdt.iterfind(f"{W}sdtPr/{W}dataBinding"))

    assert bindings(after) == bindings(before)
    name, _ = before.values()
    (props,) = before.target(name, "customXmlProps")
    store = before.part(props).get(f"{DS}itemID")
    assert [p for p, root in after.parts.items()
            if root.get(f"{DS}itemID") == store], "the values part's store id is gone"
    assert any(etree.QName(root).namespace == NAMESPACE for root in after.parts.values())
    assert "word/glossary/document.xml" in after.parts


def test_each_alternative_is_a_control_a_clerk_can_delete_whole(rendered: dict[str, Path]
                                                                ) -> None:
    """The model's alternatives (Option A, Option B, [Optional]) are block-level content
    controls titled with their label, neither locked: selecting the title selects the
    whole alternative, and Delete removes it."""
    body = _read(rendered["model.docx"], rendered["model.html"]).part("word/document.xml")
    blocks = [sdt for sdt in body.iter(f"{W}sdt")
              if sdt.getparent().tag in (f"{W}body", f"{W}sdtContent")]
    assert blocks
    for sdt in blocks:
        pr = sdt.find(f"{W}sdtPr")
        label = pr.find(f"{W}alias").get(f"{W}val")
        assert re.match(r"(Option [A-Z]|\[Optional\]) ", label), label
        assert pr.find(f"{W}lock") is None and pr.find(f"{W}richText") is not None
        first = sdt.find(f"{W}sdtContent/{W}p")
        assert "".join(first.itertext()) == label
        assert len(sdt.find(f"{W}sdtContent")) > 1  # the label and the text it offers
