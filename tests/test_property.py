"""Randomly generated valid profiles render to the tree, DOCX and HTML, and every value's
text appears in each."""

from __future__ import annotations

import html
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from helpers import docx_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smpgen
from smpgen.tree import Document, Inline, ListBlock, Note, Paragraph, Section, plain


def _ok(ch: str) -> bool:
    code = ord(ch)
    return unicodedata.category(ch)[0] not in "CZ" and not 0xFDD0 <= code <= 0xFDEF \
        and (code & 0xFFFE) != 0xFFFE


letters = st.characters(categories=("L", "N", "P", "S"), exclude_characters="\ufdd0\ufdd1")
word = st.text(letters, min_size=1, max_size=12).filter(lambda s: all(map(_ok, s)))
value = st.lists(word, min_size=1, max_size=4).map(" ".join)
items = st.lists(value, min_size=1, max_size=5, unique=True)

profiles = st.fixed_dictionaries({
    "city": st.fixed_dictionaries({
        "name": value, "state": st.sampled_from(["MN", "AR", "WA", "TX", "CA"]),
        "website": st.just("https://city.example.gov")}),
    "document": st.fixed_dictionaries({
        "numbering": st.sampled_from(["decimal", "outline", "policy-number", "headings"]),
        "policy_number": st.just("702")}),
    "officials": st.fixed_dictionaries({
        "final_authority": value, "authorizer": value, "coordinator": value}),
    "authorized_roles": items,
    "linked_policies": items,
    "content_examples": items,
    "removal_categories": items,
    "public_comments": st.fixed_dictionaries({
        "mode": st.sampled_from(["open", "closed"]), "contact_method": value}),
    "optional_sections": st.fixed_dictionaries({
        k: st.booleans() for k in ("personal_use", "separate_tools", "hours",
                                   "generated_content", "officials_accounts")}),
})


def tree_text(doc: Document) -> str:
    parts: list[str] = [plain(doc.info.jurisdiction)]

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

    walk(list(doc.sections))
    return "\n".join(parts)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles)
def test_random_profiles_render_and_keep_every_value(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "city.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        doc = smpgen.build_document(path)
        text = tree_text(doc)
        result = smpgen.render(path, formats=["docx", "html"], out_dir=Path(tmp) / "out")
        docx = docx_text(Path(tmp) / "out" / "city" / "social-media-policy.docx")
        page = html.unescape((Path(tmp) / "out" / "city" / "social-media-policy.html").read_text())
        assert result.paths
    expected = [data["city"]["name"], *data["officials"].values(), *data["authorized_roles"],
                *data["linked_policies"], *data["content_examples"], *data["removal_categories"]]
    for v in expected:
        assert v in text, v
        assert v in docx, v
        assert v in page, v
