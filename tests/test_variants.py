"""Model variants: a model that extends another overrides some clauses and inherits the
rest, including every later change of the model it extends."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from helpers import EXAMPLE, REPO, run

SHIPPED = REPO / "templates" / "city-social-media"


def variant(templates: Path, name: str = "league", extends: str = "city-social-media",
            manifest: str = "", files: dict[str, str] | None = None) -> Path:
    folder = templates / name
    (folder / "custom").mkdir(parents=True)
    (folder / "model.yaml").write_text(
        f"id: {name}\nextends: {extends}\nversion: \"2026.1\"\n"
        f"publisher: the Example League of Cities\n{manifest}", encoding="utf-8")
    for file, text in (files or {}).items():
        (folder / "custom" / file).write_text(text, encoding="utf-8")
    return folder


def profile(tmp_path: Path, model: str, extra: dict[str, object] | None = None) -> Path:
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump({"model": model, **EXAMPLE, **(extra or {})}),
                    encoding="utf-8")
    return path


def html(tmp_path: Path, path: Path) -> str:
    result = run(["--templates", str(tmp_path / "templates"), "render", str(path),
                  "--format", "html", "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / path.stem / "social-media-policy.html").read_text("utf-8")
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


LEAGUE_FILES = {
    "customize.yaml": "sections:\n  hours:\n    drop: true\n    why: Personnel policies "
                      "cover overtime.\n",
    "purpose.md": "Everything the City posts shall be accurate and current, as the "
                  "league's {{ league.memo }} explains. {#accuracy-and-website}\n",
}
LEAGUE_VARIABLES = ("variables:\n  league:\n    memo:\n      type: text\n"
                    "      default: Memo 26-4\n      guidance: The memo to read first.\n")


def test_a_variant_overrides_some_clauses_and_inherits_the_rest(tmp_path: Path) -> None:
    variant(tmp_path / "templates", manifest=LEAGUE_VARIABLES, files=LEAGUE_FILES)
    text = html(tmp_path, profile(tmp_path, "league"))
    assert "accurate and current, as the league\u2019s Memo 26-4 explains." in text
    assert "remains the primary and most complete source" not in text
    assert "Hours and Overtime" not in text
    # every other clause is the model's
    assert "uses social media to give residents, businesses and visitors" in text
    assert "Opening and Securing Official Accounts" in text
    models = run(["--templates", str(tmp_path / "templates"), "models"])
    assert "league  2026.1  local" in models.output
    assert "extends city-social-media" in models.output


def test_a_variant_inherits_later_changes_of_its_parent(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    base = templates / "base"
    shutil.copytree(SHIPPED, base)
    manifest = base / "model.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("id: city-social-media",
                                                            "id: base"), encoding="utf-8")
    variant(templates, extends="base", manifest=LEAGUE_VARIABLES, files=LEAGUE_FILES)
    path = profile(tmp_path, "league")
    before = html(tmp_path, path)
    assert "timely information directly from the City" in before
    purpose = base / "sections" / "purpose.md"
    purpose.write_text(purpose.read_text("utf-8").replace(
        "timely information directly from the City", "timely news directly from the City"),
        encoding="utf-8")
    after = html(tmp_path, path)
    assert "timely news directly from the City" in after
    assert "as the league\u2019s Memo 26-4 explains" in after


def test_a_city_customizes_a_variant(tmp_path: Path) -> None:
    variant(tmp_path / "templates", manifest=LEAGUE_VARIABLES, files={
        **LEAGUE_FILES,
        "customize.yaml": LEAGUE_FILES["customize.yaml"] + "  league-note:\n"
                          "    title: League Membership\n    after: purpose\n",
        "league-note.md": "The City is a member of the league. {#member}\n"})
    path = profile(tmp_path, "league")
    custom = tmp_path / "city.custom"
    custom.mkdir()
    (custom / "league-note.md").write_text("The City joined the league in 1990. {#member}\n",
                                           encoding="utf-8")
    text = html(tmp_path, path)
    assert "2. League Membership The City joined the league in 1990." in text
    deviations = run(["--templates", str(tmp_path / "templates"), "deviations", str(path)])
    assert deviations.exit_code == 0, deviations.output
    # a deviation from the league's model, not from the model the league extends
    assert deviations.output.splitlines() == [
        "changed clause league-note.member (The City joined the league in 1990.) \u2014 no "
        "reason recorded"]


def test_the_league_edition_of_a_variant(tmp_path: Path) -> None:
    variant(tmp_path / "templates", manifest=LEAGUE_VARIABLES, files=LEAGUE_FILES)
    result = run(["--templates", str(tmp_path / "templates"), "model", "league", "--format",
                  "html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "league" / "social-media-policy-model.html").read_text("utf-8")
    assert "as the league\u2019s Memo 26-4 explains" in page
    assert 'content="league 2026.1"' in page


def _bad(tmp_path: Path, *folders: tuple[str, str, str]) -> str:
    templates = tmp_path / "templates"
    for name, extends, manifest in folders:
        variant(templates, name, extends, manifest)
    result = run(["--templates", str(templates), "render", str(profile(tmp_path, folders[0][0])),
                  "--out", str(tmp_path / "out"), "--format", "html"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_variant_of_no_model_is_located(tmp_path: Path) -> None:
    out = _bad(tmp_path, ("league", "nowhere", ""))
    assert "league/model.yaml:2: extends: no model 'nowhere' to extend" in out


def test_variants_extending_each_other_are_located(tmp_path: Path) -> None:
    out = _bad(tmp_path, ("one", "two", ""), ("two", "one", ""))
    assert "model.yaml:2: extends: the models extend one another in a loop" in out


def test_a_variant_redeclaring_a_variable_is_located(tmp_path: Path) -> None:
    out = _bad(tmp_path, ("league", "city-social-media",
                          "variables:\n  authorized_roles:\n    type: text\n"))
    assert "league/model.yaml:6: variables.authorized_roles: authorized_roles is declared by " \
           "city-social-media" in out


def test_a_variant_with_sections_is_located(tmp_path: Path) -> None:
    out = _bad(tmp_path, ("league", "city-social-media", "sections: []\n"))
    assert "league/model.yaml:5: sections: unknown key for a model that extends another" in out


def test_a_mistake_in_a_variants_text_is_located(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    variant(templates, files={"customize.yaml": "sections:\n  nowhere:\n    drop: true\n"})
    result = run(["--templates", str(templates), "render", str(profile(tmp_path, "league")),
                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "league/custom/customize.yaml:2: sections.nowhere: no such section in the model " \
           "to drop" in result.output
