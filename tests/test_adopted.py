"""The policy in force: smpgen keeps the adopted version when a city records an adoption,
never rewrites it, and marks an amendment's redline against it."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from helpers import REPO, run
from pypdf import PdfReader
from test_redline import check_xml, policy_lines, view

from smpgen.adopted import latest
from smpgen.document import policy_document
from smpgen.profile import load_profile
from smpgen.writers.docx import write_docx

ADOPTION = """\
  adoption:
    resolution: "2026-41"
    adopted: 2026-10-06
    effective: 2026-10-07"""
AMENDMENT = """\
  status: proposed
  adoption:
    resolution: "2027-03"
    adopted: 2027-01-12
    effective: 2027-01-13"""


def copy_city(root: Path) -> Path:
    """Lakeview (adopted), copied without its kept versions."""
    path = root / "lakeview-mn.yaml"
    shutil.copy(REPO / "city_profiles" / "lakeview-mn.yaml", path)
    return path


def render(path: Path, *extra: str) -> str:
    result = run(["render", str(path), "--format", "docx", "--out", str(path.parent / "out"),
                  *extra])
    assert result.exit_code == 0, result.output
    return result.output


def amend(path: Path) -> None:
    """Propose an amendment: a new resolution, another remover, one clause replaced."""
    text = path.read_text(encoding="utf-8")
    assert ADOPTION in text
    text = text.replace(ADOPTION, AMENDMENT).replace(
        "  remover: Digital Engagement Specialist",
        "  remover: Communications and Engagement Coordinator")
    text = text.replace("  meeting_date: 2026-10-06", "  meeting_date: 2027-01-12")
    path.write_text(text, encoding="utf-8")
    custom = path.with_name("lakeview-mn.custom")
    custom.mkdir()
    (custom / "customize.yaml").write_text(textwrap.dedent("""\
        clauses:
          authorized-users.written-designation:
            why: Designations are now reviewed each year.
        """), encoding="utf-8")
    (custom / "authorized-users.md").write_text(
        "A designation to post is made in writing, lasts one year, and may be renewed. "
        "{#written-designation}\n", encoding="utf-8")


def test_rendering_an_adopted_policy_keeps_its_inputs_once(tmp_path: Path) -> None:
    path = copy_city(tmp_path)
    output = render(path)
    kept = tmp_path / "lakeview-mn.adopted" / "2026-10-06"
    assert f"kept the adopted version in {kept}/" in output
    assert sorted(p.name for p in kept.iterdir()) == ["kept.yaml", "lakeview-mn.yaml"]
    assert (kept / "lakeview-mn.yaml").read_bytes() == path.read_bytes()
    meta = (kept / "kept.yaml").read_text(encoding="utf-8")
    assert 'model_version: 0.3.0' in meta and "adopted: 2026-10-06" in meta
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in kept.iterdir()}
    # Edited in place without a new adoption: the kept version stays as it was, and the
    # render says the text is no longer the adopted one.
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Digital Engagement Specialist", "Web Content Specialist"), encoding="utf-8")
    output = render(path)
    assert "kept the adopted version" not in output
    assert "document.adoption.adopted: warning: the policy's text is not the one adopted " \
           "2026-10-06" in output
    assert before == {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in kept.iterdir()}


def test_comments_and_layout_are_not_a_change_of_text(tmp_path: Path) -> None:
    path = copy_city(tmp_path)
    render(path)
    path.write_text("# reviewed by the clerk\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    assert "warning: the policy's text" not in render(path)


@pytest.mark.parametrize("status", ["draft", "proposed"])
def test_nothing_is_kept_before_the_council_acts(tmp_path: Path, status: str) -> None:
    path = copy_city(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  numbering: headings", f"  numbering: headings\n  status: {status}"), encoding="utf-8")
    assert "kept the adopted version" not in render(path)
    assert not (tmp_path / "lakeview-mn.adopted").exists()
    result = run(["redline", str(path), "--against", "adopted", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no adopted version of this policy is kept" in result.output
    assert not (tmp_path / "o").exists()


def test_an_amendment_redlined_against_the_policy_in_force(tmp_path: Path) -> None:
    path = copy_city(tmp_path)
    render(path)
    adopted = tmp_path / "adopted.docx"
    first = load_profile(path, templates=REPO / "templates")
    adopted.write_bytes(write_docx(policy_document(first)))
    amend(path)
    render(path)  # an amendment proposed: its render keeps nothing new
    assert [p.name for p in (tmp_path / "lakeview-mn.adopted").iterdir()] == ["2026-10-06"]
    result = run(["redline", str(path), "--against", "adopted", "--format", "docx,html",
                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    redline = tmp_path / "out" / "lakeview-mn" / "social-media-policy-redline.docx"
    check_xml(redline, "City of Lakeview")
    mine = tmp_path / "out" / "lakeview-mn" / "social-media-policy.docx"
    assert policy_lines(view(redline, "accept")) == policy_lines(view(mine, "plain"))
    assert policy_lines(view(redline, "reject")) == policy_lines(view(adopted, "plain"))
    html = redline.with_suffix(".html").read_text(encoding="utf-8")
    assert "changes from the policy adopted October 6, 2026" in html
    assert "<del>Digital</del>" in html
    assert any("lasts one year" in line for line in view(redline, "accept"))
    assert not any("lasts one year" in line for line in view(redline, "reject"))


def test_the_amendments_packet_carries_the_redline_against_the_policy_in_force(
        tmp_path: Path) -> None:
    path = copy_city(tmp_path)
    render(path)
    amend(path)
    result = run(["packet", str(path), "--redline", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "out" / "lakeview-mn" / "council-packet.pdf")
    marks = [o for o in reader.outline if not isinstance(o, list)]
    assert marks[-1].title == "Attachment C: Redline of the Policy against the Policy in Force"
    start = reader.get_destination_page_number(marks[-1])
    assert "changes from the policy adopted October 6, 2026" in reader.pages[start].extract_text()
    # Asked for the model instead, the packet says so.
    result = run(["packet", str(path), "--redline-against", "model", "--out",
                  str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "out" / "lakeview-mn" / "council-packet.pdf")
    marks = [o for o in reader.outline if not isinstance(o, list)]
    assert marks[-1].title == "Attachment C: Redline of the Policy against the Model"


def test_a_kept_version_renders_on_its_own_release_after_an_upgrade(tmp_path: Path) -> None:
    """Granite Bay, adopted on release 0.2.0, then upgraded: the adopted text is still
    0.2.0's, so the redline against it shows the upgrade's changes."""
    path = tmp_path / "granite-bay-co.yaml"
    shutil.copy(REPO / "city_profiles" / "granite-bay-co.yaml", path)
    shutil.copytree(REPO / "city_profiles" / "granite-bay-co.custom",
                    tmp_path / "granite-bay-co.custom")
    text = path.read_text(encoding="utf-8").replace("  status: proposed\n", "")
    assert "adoption:" not in text
    path.write_text(text.replace("document:\n", "document:\n" + ADOPTION + "\n", 1),
                    encoding="utf-8")
    render(path)
    kept = latest(path)
    assert kept is not None and kept.model_version == "0.2.0"
    assert sorted(p.name for p in (kept.folder / "granite-bay-co.custom").iterdir()) == \
        sorted(p.name for p in (tmp_path / "granite-bay-co.custom").iterdir()
               if p.name == "customize.yaml" or p.suffix == ".md")
    result = run(["upgrade", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code in (0, 1), result.output
    result = run(["redline", str(path), "--against", "adopted", "--format", "html",
                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "granite-bay-co" / "social-media-policy-redline.html").read_text(
        encoding="utf-8")
    assert "<ins>" in html  # the accessibility clause's compliance date, at least


def test_a_link_where_the_versions_are_kept_is_not_followed(tmp_path: Path) -> None:
    path = copy_city(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, tmp_path / "lakeview-mn.adopted")
    result = run(["render", str(path), "--format", "docx", "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "lakeview-mn.adopted is not a folder (a link is not followed)" in result.output
    assert list(elsewhere.iterdir()) == []
    assert not (tmp_path / "out" / "lakeview-mn" / "social-media-policy.docx").exists()


def test_the_example_citys_adopted_version_is_kept_in_the_repository() -> None:
    kept = latest(REPO / "city_profiles" / "lakeview-mn.yaml")
    assert kept is not None and kept.adopted.isoformat() == "2026-10-06"
    assert kept.profile.read_bytes() == (REPO / "city_profiles" / "lakeview-mn.yaml").read_bytes()


def test_a_second_render_keeping_the_same_version_at_once_leaves_the_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two renders of an adopted profile at once: the one that finds the version kept by
    the other between its look and its rename keeps nothing, says nothing, and leaves
    the other's copy and no scraps behind."""
    import smpgen.adopted as adopted

    path = copy_city(tmp_path)
    render(path)
    kept = tmp_path / "lakeview-mn.adopted" / "2026-10-06"
    before = {p.name: p.read_bytes() for p in kept.iterdir()}
    real = adopted.lstat
    monkeypatch.setattr(adopted, "lstat", lambda p: None if p == kept else real(p))
    profile = load_profile(path, templates=REPO / "templates")
    assert adopted.keep(profile) is None
    assert {p.name: p.read_bytes() for p in kept.iterdir()} == before
    assert sorted(p.name for p in kept.parent.iterdir()) == ["2026-10-06"]
