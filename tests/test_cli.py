"""init, schema, models and the command line's start-up cost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from helpers import REPO, run


def test_init_writes_a_commented_profile_that_names_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "city_profiles" / "lakeview-mn.yaml"
    path.parent.mkdir()
    result = run(["init", str(path), "--name", "Lakeview", "--state", "mn"])
    assert result.exit_code == 0, result.stderr
    schema = path.parent / "city-social-media.schema.json"
    assert result.stdout == f"wrote {path}\nwrote {schema}\n"
    text = path.read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=city-social-media.schema.json"
    data = yaml.safe_load(text)
    assert data["city"] == {"name": "Lakeview", "kind": "City", "state": "MN", "website": None,
                            "population": None}
    assert data["public_comments"]["mode"] == "open"  # defaults filled in
    assert "# The official with final authority over the city's use of social media." in text
    assert "Suggestion: mayor, city manager or communications director." in text
    assert json.loads(schema.read_text()) == json.loads(run(["schema"]).stdout)


def test_init_profile_asks_only_for_the_blanks(tmp_path: Path) -> None:
    path = tmp_path / "lakeview.yaml"
    run(["init", str(path), "--name", "Lakeview", "--state", "MN"])
    result = run(["validate", str(path)])
    assert result.exit_code == 2
    fields = [line.split(": ")[1] for line in result.stderr.splitlines()[:-1]]
    assert fields == ["city.website", "officials.final_authority", "officials.authorizer",
                      "officials.coordinator"]
    text = path.read_text()
    for blank, value in (("website:", "website: https://lakeview.example.gov"),
                         ("final_authority:", "final_authority: Mayor"),
                         ("authorizer:", "authorizer: Mayor"),
                         ("coordinator:", "coordinator: City Clerk")):
        text = text.replace(f"  {blank}\n", f"  {value}\n")
    path.write_text(text)
    assert run(["validate", str(path)]).stdout == f"OK {path}\n"


def test_init_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("mine\n")
    result = run(["init", str(path), "--name", "X", "--state", "MN"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path} already exists; choose another name or pass --force\n"
    assert path.read_text() == "mine\n"


def test_committed_schema_is_current() -> None:
    committed = (REPO / "city_profiles" / "city-social-media.schema.json").read_text()
    assert committed == run(["schema"]).stdout, "regenerate with: smpgen schema > city_profiles/..."


def test_models_lists_shipped_and_local(tmp_path: Path) -> None:
    shipped = run(["models"], cwd=tmp_path).stdout.splitlines()
    assert len(shipped) == 1 and shipped[0].startswith("city-social-media  ")
    assert "  shipped  Social Media Policy  (" in shipped[0]
    # League staff make a variant by copying the folder and editing text: no Python.
    variant = tmp_path / "templates" / "county-variant"
    source = Path(shipped[0].rsplit("(", 1)[1].rstrip(")"))
    shutil.copytree(source, variant)
    manifest = variant / "model.yaml"
    manifest.write_text(manifest.read_text().replace("id: city-social-media", "id: county-variant"))
    listed = run(["models"], cwd=tmp_path).stdout.splitlines()
    assert len(listed) == 2
    assert listed[1] == (f"county-variant  {listed[0].split()[1]}  local  Social Media Policy  "
                         f"({variant.resolve()})")


def test_models_lists_every_model_that_loads_and_locates_each_broken_one(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "tests" / "models" / "mini-policy", templates / "mini-policy")
    gone = templates / "gone-source" / "model.yaml"
    gone.parent.mkdir()
    gone.write_text("id: gone-source\ntitle: Gone\nversion: '1'\npublisher: x\nvariables: {}\n"
                    "sections:\n  - {id: only, title: Only, source: sections/only.md}\n")
    bomb = templates / "bomb" / "model.yaml"
    bomb.parent.mkdir()
    bomb.write_text("a: &a [x, x, x]\nb: [*a, *a, *a]\nid: bomb\n")
    for args in ([], ["--coverage"]):
        result = run(["models", *args], cwd=tmp_path)
        assert result.exit_code == 2, result.stdout + result.stderr
        listed = [line.split()[0] for line in result.stdout.splitlines() if line[:1] != " "]
        assert listed == ["city-social-media", "mini-policy"]
        errors = result.stderr.splitlines()
        assert any(e.startswith(f"{bomb.resolve()}:") and e.endswith(
            ": b[0]: YAML anchors and aliases are not supported; write the value out")
            for e in errors), errors
        assert f"{gone.resolve()}:7: sections[0].source: file sections/only.md not found in " \
               "the model folder" in errors
        assert errors[-1] == "2 model(s) could not be loaded."
        assert "Traceback" not in result.stdout + result.stderr
        assert "Error:" not in result.stderr


def test_light_commands_do_not_import_the_writers() -> None:
    code = (
        "import sys\n"
        "from smpgen.cli import main\n"
        "sys.argv = ['smpgen'] + sys.argv[1:]\n"
        "try:\n    main()\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('weasyprint', 'docx') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    init_target = Path(tempfile.mkdtemp()) / "new-city.yaml"
    for args in (["--help"], ["validate", "city_profiles/example-city.yaml"], ["models"],
                 ["init", str(init_target), "--name", "X", "--state", "MN"]):
        out = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout
        assert out.splitlines()[-1] == "HEAVY []", (args, out)


def test_python_m_smpgen_runs_the_installed_package(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "smpgen", "models"], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("city-social-media  ")


def test_readme_profile_reference_is_current() -> None:
    readme = (REPO / "README.md").read_text()
    start = readme.index("<!-- profile-reference:start -->\n") + len("<!-- profile-reference:start -->\n")
    end = readme.index("<!-- profile-reference:end -->")
    assert readme[start:end] == run(["schema", "--markdown"]).stdout, \
        "update the README table with: smpgen schema --markdown"


def test_readme_quick_start_has_exactly_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in block.splitlines()] == ["make example", "make test"]
    ci = (REPO / ".ci" / "run").read_text()
    assert "\nmake test\n" in ci


def test_readme_record_example_is_the_shipped_one_and_fills(tmp_path: Path) -> None:
    record = REPO / "city_profiles" / "removals" / "lakeview-2026-11-03.yaml"
    readme = (REPO / "README.md").read_text()
    indented = "".join("  " + line if line.strip() else line
                       for line in record.read_text().splitlines(True))
    assert indented in readme
    result = run(["form", "fill", "city_profiles/lakeview-mn.yaml", str(record),
                  "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == \
        f"wrote {tmp_path / 'lakeview-mn' / 'removed-comments' / 'lakeview-2026-11-03.pdf'}"
