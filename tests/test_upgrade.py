"""Model releases and upgrades: a city renders the release it is based on until
`smpgen upgrade` carries its text to a newer one, merged clause by clause."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import yaml
from helpers import EXAMPLE, REPO, W, docx_text, run
from lxml import etree

GRANITE = REPO / "city_profiles" / "granite-bay-co.yaml"


def granite(tmp_path: Path) -> Path:
    """Granite Bay (on release 0.2.0, with its own text) in a folder of its own."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(GRANITE, folder / GRANITE.name)
    shutil.copytree(GRANITE.with_name("granite-bay-co.custom"),
                    folder / "granite-bay-co.custom")
    return folder / GRANITE.name


def plain_city(tmp_path: Path, version: str | None = "0.2.0") -> Path:
    path = tmp_path / "profiles" / "plain.yaml"
    path.parent.mkdir(exist_ok=True)
    data = {"model": "city-social-media", **EXAMPLE}
    if version:
        data["model_version"] = version
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def html(tmp_path: Path, path: Path) -> str:
    result = run(["render", str(path), "--format", "html", "--out", str(tmp_path / "r"),
                  "--force", "-q"])
    assert result.exit_code == 0, result.output
    return (tmp_path / "r" / path.stem / "social-media-policy.html").read_text("utf-8")


def test_a_city_renders_the_release_it_is_based_on(tmp_path: Path) -> None:
    page = html(tmp_path, granite(tmp_path))
    assert 'content="city-social-media 0.2.0"' in page
    assert "at the latest" not in page  # 0.3.0's critical change is not in 0.2.0
    assert "promptly and visibly" in page
    newest = html(tmp_path, plain_city(tmp_path, None))
    assert 'content="city-social-media 0.3.0"' in newest
    assert "promptly and in plain view" in newest


def test_a_release_that_does_not_exist_is_located(tmp_path: Path) -> None:
    path = plain_city(tmp_path, "0.1")
    result = run(["validate", str(path)])
    assert result.exit_code == 2
    assert "plain.yaml:10: model_version: model 'city-social-media' has no release '0.1'; " \
           "it has 0.2.0, 0.3.0" in result.output


def test_the_upgrade_merges_and_shows_the_conflict(tmp_path: Path) -> None:
    path = granite(tmp_path)
    result = run(["upgrade", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output  # a conflict is for the attorney
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: city-social-media 0.2.0 -> 0.3.0: conflicts (1)"
    assert lines[1].startswith("  critical accessibility.wcag-conformance: The 2026 interim "
                               "rule moved the dates")
    assert lines[1].endswith("(28 CFR 35.200 (2024), as amended by the 2026 interim rule)")
    assert lines[2].startswith("  conflict authorized-users.written-designation "
                               "(substantive): the City's text is kept; the model now reads: ")
    assert lines[3] == "  merged corrections.correct-visibly (editorial)"
    # the profile records the new release, its comments kept
    text = path.read_text("utf-8")
    assert 'model_version: "0.3.0"   # the release its text is based on' in text
    assert text.startswith("# yaml-language-server: $schema=")
    # rendering the city again: the model's changes taken, the city's own text kept
    page = html(tmp_path, path)
    assert "from April 26, 2028 at the latest" in page  # critical, merged
    assert "promptly and in plain view" in page  # editorial, merged
    assert "or a department director to whom the" in page  # the city's own designation clause
    assert "A designation ends when its holder leaves" not in page  # the conflict: city's kept
    # the redline: the new text against the city's current one, by the release
    redline = tmp_path / "out" / "granite-bay-co" / "social-media-policy-upgrade-0.3.0.docx"
    with zipfile.ZipFile(redline) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    authors = {el.get(f"{W}author") for el in root.iter(f"{W}ins", f"{W}del")}
    assert authors == {"city-social-media 0.3.0"}
    inserted = "".join(t.text or "" for el in root.iter(f"{W}ins") for t in el.iter(f"{W}t"))
    assert "in plain view" in inserted and "April 26, 2028" in inserted
    words = docx_text(redline)
    assert "Conflict with release 0.3.0 (substantive)." in words
    assert "A designation ends when its holder leaves the position it was made for." in words
    again = run(["upgrade", str(path), "--out", str(tmp_path / "out")])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == f"{path}: city-social-media 0.3.0 -> 0.3.0: current"


def test_a_city_that_changed_nothing_upgrades_clean(tmp_path: Path) -> None:
    path = plain_city(tmp_path)
    result = run(["upgrade", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(": city-social-media 0.2.0 -> 0.3.0: clean")
    assert 'model_version: "0.3.0"' in path.read_text("utf-8")


def test_upgrading_every_city_of_a_folder(tmp_path: Path) -> None:
    granite(tmp_path)
    plain_city(tmp_path)
    result = run(["upgrade", "--all", str(tmp_path / "profiles"), "--out",
                  str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == "1 clean, 1 conflicts"


def test_a_league_upgrade_in_workers_where_one_city_fails(tmp_path: Path) -> None:
    """Every city of the folder upgraded in worker processes: a broken profile fails
    alone, located, and the summary counts each outcome."""
    granite(tmp_path)
    plain_city(tmp_path)
    current = plain_city(tmp_path, None)
    current.rename(current.with_name("current.yaml"))
    plain_city(tmp_path)
    (tmp_path / "profiles" / "broken.yaml").write_text("city: [\n", encoding="utf-8")
    result = run(["upgrade", "--all", str(tmp_path / "profiles"), "--jobs", "2", "--out",
                  str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == "1 current, 1 clean, 1 conflicts, 1 failed"
    assert "Error: " in result.output and "broken.yaml failed:" in result.output
    assert "broken.yaml:2" in result.output or "broken.yaml:1" in result.output
    assert 'model_version: "0.3.0"' in (tmp_path / "profiles" / "plain.yaml").read_text("utf-8")
    assert (tmp_path / "out" / "granite-bay-co").is_dir()
    assert "Traceback" not in result.output


def test_an_unknown_release_to_upgrade_to(tmp_path: Path) -> None:
    result = run(["upgrade", str(plain_city(tmp_path)), "--to", "9.9", "--out",
                  str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "has no release '9.9'" in result.output
    assert "Traceback" not in result.output


def test_the_release_notes(tmp_path: Path) -> None:
    result = run(["models", "--changes", "0.2.0", "0.3.0"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("city-social-media 0.3.0 (2026-12-01): ")
    assert [line.split()[0] for line in lines[1:]] == ["critical", "substantive", "editorial"]
    assert "[28 CFR 35.200 (2024), as amended by the 2026 interim rule]" in lines[1]


def test_a_mistake_in_the_changelog_is_located(tmp_path: Path) -> None:
    model = tmp_path / "templates" / "mine"
    shutil.copytree(REPO / "templates" / "city-social-media", model,
                    ignore=shutil.ignore_patterns("releases"))
    manifest = model / "model.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("id: city-social-media",
                                                            "id: mine"), encoding="utf-8")
    log = model / "changelog.yaml"
    log.write_text(log.read_text("utf-8").replace("grade: editorial", "grade: cosmetic"),
                   encoding="utf-8")
    result = run(["--templates", str(tmp_path / "templates"), "models"])
    assert result.exit_code == 2
    line = next(x for x in log.read_text("utf-8").splitlines() if "cosmetic" in x)
    number = log.read_text("utf-8").splitlines().index(line) + 1
    assert f"changelog.yaml:{number}: releases[0].changes[2].grade: expected one of: " \
           "critical, substantive, editorial" in result.output


def test_release_notes_for_members(tmp_path: Path) -> None:
    result = run(["models", "--changes", "0.2.0", "0.3.0", "--notes", str(tmp_path)])
    assert result.exit_code == 0, result.output
    docx = tmp_path / "city-social-media" / "release-notes-0.2.0-to-0.3.0.docx"
    text = docx_text(docx)
    assert "Release 0.3.0, 2026-12-01" in text
    critical = text.index("Critical \u2014 changed clause accessibility.wcag-conformance.")
    assert critical < text.index("Substantive \u2014") < text.index("Editorial \u2014")
    assert (tmp_path / "city-social-media" / "release-notes-0.2.0-to-0.3.0.pdf").exists()


def test_a_redline_against_another_release(tmp_path: Path) -> None:
    path = plain_city(tmp_path, None)  # on 0.3.0
    result = run(["redline", str(path), "--against", "0.2.0", "--format", "docx",
                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    redline = tmp_path / "out" / "plain" / "social-media-policy-redline.docx"
    with zipfile.ZipFile(redline) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    inserted = " ".join("".join(t.text or "" for t in el.iter(f"{W}t"))
                        for el in root.iter(f"{W}ins"))
    deleted = " ".join("".join(t.text or "" for t in el.iter(f"{W}delText"))
                       for el in root.iter(f"{W}del"))
    assert "in plain view" in inserted and "visibly" in deleted
    assert "changes from release 0.2.0 of the model with the City's values" in \
        docx_text(redline)


def release_removing(tmp_path: Path, removed: dict[str, list[str]]) -> Path:
    """A copy of the shipped model (as ``test-sm``) whose new release 0.4.0 removes the
    clauses ``removed`` names, section by section; 0.3.0 is kept as a release."""
    model = tmp_path / "templates" / "test-sm"
    shutil.copytree(REPO / "templates" / "city-social-media", model)
    frozen = model / "releases" / "0.3.0"
    frozen.mkdir()
    for part in ("notes", "sections", "summary"):
        shutil.copytree(model / part, frozen / part)
    manifest = (model / "model.yaml").read_text("utf-8").replace(
        "id: city-social-media", "id: test-sm")
    (frozen / "model.yaml").write_text(manifest.replace("changelog: changelog.yaml\n", ""),
                                       "utf-8")
    (model / "model.yaml").write_text(manifest.replace('version: "0.3.0"', 'version: "0.4.0"'),
                                      "utf-8")
    for old in (model / "releases" / "0.2.0" / "model.yaml",):
        old.write_text(old.read_text("utf-8").replace("id: city-social-media", "id: test-sm"),
                       "utf-8")
    entries = []
    for section, ids in removed.items():
        path = model / "sections" / f"{section}.md"
        paragraphs = path.read_text("utf-8").split("\n\n")
        kept = []
        for paragraph in paragraphs:  # the clause's lines go, a block's closing tag stays
            lines = paragraph.split("\n")
            end = next((n for n, line in enumerate(lines)
                        if any("{#" + i + "}" in line for i in ids)), None)
            kept.append(paragraph if end is None else "\n".join(lines[end + 1:]))
        assert sum(k != p for k, p in zip(kept, paragraphs, strict=True)) == len(ids)
        path.write_text("\n\n".join(kept), "utf-8")
        entries += [f"      - id: {section}.{i}\n        change: removed\n"
                    f"        grade: substantive\n        reason: Covered elsewhere now.\n"
                    for i in ids]
    log = model / "changelog.yaml"
    log.write_text(log.read_text("utf-8").replace("releases:\n", (
        'releases:\n  - version: "0.4.0"\n    date: 2027-06-01\n'
        "    summary: Removes clauses.\n    changes:\n" + "".join(entries)), 1), "utf-8")
    return tmp_path / "templates"


def test_an_upgrade_that_removes_clauses_the_city_placed_dropped_or_rewrote(
        tmp_path: Path) -> None:
    templates = release_removing(tmp_path, {
        "authorized-users": ["requests-to-post", "written-designation"],
        "scope": ["stricter-applies"]})
    path = granite(tmp_path)
    text = path.read_text("utf-8").replace("model: city-social-media", "model: test-sm")
    path.write_text(text.replace('model_version: "0.2.0"', 'model_version: "0.3.0"'), "utf-8")
    changes = path.with_name("granite-bay-co.custom") / "customize.yaml"
    changes.write_text(changes.read_text("utf-8") + (
        "  scope.stricter-applies:   # Policy 100 sets which rule prevails\n"
        "    drop: true\n"), "utf-8")
    before = changes.read_text("utf-8")
    assert "after: authorized-users.requests-to-post" in before
    result = run(["--templates", str(templates), "upgrade", str(path), "--out",
                  str(tmp_path / "out")])
    assert result.exit_code == 1, result.output  # the rewritten clause is a conflict
    lines = result.output.splitlines()
    assert lines[0].endswith("test-sm 0.3.0 -> 0.4.0: conflicts (1)")
    assert "  conflict authorized-users.written-designation (substantive): the City's text " \
           "is kept; the model now reads: (the new release removes this clause)" in lines
    assert "  obsolete scope.stricter-applies: the new release removes the clause; its entry " \
           "is deleted from customize.yaml" in lines
    assert "  placed authorized-users.annual-confirmation before " \
           "authorized-users.no-unapproved-accounts: the new release removes " \
           "authorized-users.requests-to-post, which it was placed by" in lines
    after = changes.read_text("utf-8")
    assert "scope.stricter-applies" not in after
    assert "    before: authorized-users.no-unapproved-accounts\n    why: The 2025 audit" in after
    assert after.startswith("# Policy 702 of the City of Granite Bay")  # comments kept
    # The city renders on the new release, its own clauses where they were.
    result = run(["--templates", str(templates), "render", str(path), "--format", "html",
                  "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r" / "granite-bay-co" / "social-media-policy.html").read_text("utf-8")
    ids = re.findall(r'data-clause="(authorized-users\.[^"]*)"', page)
    assert ids.index("authorized-users.annual-confirmation") + 1 == \
        ids.index("authorized-users.no-unapproved-accounts")
    assert "authorized-users.written-designation" in ids  # the city's text, kept
    assert "authorized-users.requests-to-post" not in ids


def test_an_upgrade_that_removes_a_section_the_city_changed_stops_first(
        tmp_path: Path) -> None:
    templates = release_removing(tmp_path, {})
    manifest = templates / "test-sm" / "model.yaml"
    lines = manifest.read_text("utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "{id: devices," in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- {id:"))
    manifest.write_text("".join(lines[:start] + lines[end:]), "utf-8")
    path = granite(tmp_path)
    changes = path.with_name("granite-bay-co.custom") / "customize.yaml"
    changes.write_text(changes.read_text("utf-8").replace(
        "sections:\n", "sections:\n  devices:\n    title: Phones and Tablets\n", 1), "utf-8")
    text = path.read_text("utf-8").replace("model: city-social-media", "model: test-sm")
    path.write_text(text.replace('model_version: "0.2.0"', 'model_version: "0.3.0"'), "utf-8")
    before = path.read_bytes()
    result = run(["--templates", str(templates), "upgrade", str(path), "--out",
                  str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "customize.yaml:5: sections.devices: the new release removes this section" \
        in result.output
    assert path.read_bytes() == before
    assert not (tmp_path / "out").exists()
