"""Every clause of the shipped model has a stable id written in its Markdown.

Overrides, the Word round trip, redlines and model upgrades all find a clause by its id,
so an id must be written (not made from the clause's place, which changes when a clause
is added above it) and must be unique in every document the model makes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from smpgen.document import model_document, policy_document
from smpgen.models import get_model
from smpgen.profile import load_profile
from smpgen.tree import Block, Document, ListBlock, ListItem, Note, Paragraph, Section, plain

from .helpers import EXAMPLE, REPO, deep_merge

MODEL = REPO / "templates" / "city-social-media"

LOOP_LISTS = {
    # Lists a {% for %} writes from profile values: their items take the id of the
    # paragraph before the list, numbered, and follow the profile's list.
    ("accounts", "account-list"),
    ("authorized-users", "eligible-positions"),
    ("comment-rules", "removal-grounds"),
    ("content", "content-standard"),
    ("following", "may-follow"),
    ("public-interaction", "closed-accounts"),
    ("public-interaction", "open-accounts"),
    ("scope", "related-policies"),
}

VARIANTS = {
    "closed": {"public_comments": {"mode": "closed"}},
    "open-all-on": {"public_comments": {"mode": "open"},
                    "optional_sections": {k: True for k in (
                        "officials_accounts", "generated_content", "personal_use",
                        "separate_tools", "hours", "direct_messages", "paid_promotion",
                        "language_access", "police_posts")}},
    "all-off": {"optional_sections": {k: False for k in (
        "officials_accounts", "generated_content", "personal_use", "separate_tools",
        "hours", "direct_messages", "paid_promotion", "language_access", "police_posts")}},
}


def clauses(blocks: list[Block] | list[ListItem]) -> Iterator[tuple[str, str]]:
    """(id, text) of every clause in ``blocks``."""
    for block in blocks:
        if isinstance(block, Paragraph) and block.id:
            yield block.id, plain(block.children)
        elif isinstance(block, ListBlock):
            yield from clauses(block.items)
        elif isinstance(block, ListItem):
            first = block.blocks[0] if block.blocks else None
            if block.id:
                yield block.id, plain(first.children) if isinstance(first, Paragraph) else ""
            yield from clauses(block.blocks)
        elif isinstance(block, Section):
            yield from clauses(block.blocks)
        elif isinstance(block, Note):
            continue


def documents(tmp_path: Path) -> Iterator[tuple[str, Document]]:
    model = get_model("city-social-media", REPO / "templates")
    yield "model edition", model_document(model)
    for path in sorted((REPO / "city_profiles").glob("*.yaml")):
        profile = load_profile(path, templates=REPO / "templates")
        for edition in ("council", "annotated"):
            yield f"{path.name} ({edition})", policy_document(profile, edition,
                                                              customized=False)
        if profile.custom is not None:
            yield f"{path.name} (city text)", policy_document(profile)
    import yaml
    for name, extra in VARIANTS.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(deep_merge(EXAMPLE, extra)), encoding="utf-8")
        yield name, policy_document(load_profile(path, templates=REPO / "templates"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Document]]:
    return list(documents(tmp_path_factory.mktemp("variants")))


def test_every_clause_has_a_written_id(rendered: list[tuple[str, Document]]) -> None:
    sources = {p.stem: p.read_text("utf-8") for p in (MODEL / "sections").glob("*.md")}
    model = get_model("city-social-media", REPO / "templates")
    missing = set()
    for name, doc in rendered:
        if name.endswith("(city text)"):
            continue  # a city's own text carries its ids in its own files
        for section in doc.sections:
            source = sources[Path(model.section(section.id).source).stem]
            for cid, text in clauses([section]):
                local = cid.split(".", 1)[1]
                if "{#" + local + "}" in source:
                    continue
                anchor = re.sub(r"-\d+$", "", local)
                if (section.id, anchor) in LOOP_LISTS:
                    continue
                missing.add(f"{model.section(section.id).source}: no id on {text[:60]!r}")
    assert not missing, "\n".join(sorted(missing))


def test_ids_are_unique_in_every_document(rendered: list[tuple[str, Document]]) -> None:
    for name, doc in rendered:
        ids = [cid for s in doc.sections for cid, _ in clauses([s])]
        ids += [s.id for s in doc.sections]
        assert len(ids) == len(set(ids)), name
