"""smpgen serve (issue 15): the city's own text on the page (``/edit/NAME/custom``),
through Starlette's TestClient on a copy of city_profiles/ in a temporary folder. Each
test edits a city of its own (a copy of an example under a new name), posts as the
page's forms post, and reads back the files and the policy smpgen builds from them."""

from __future__ import annotations

import html
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from helpers import editor_client, profiles_copy

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2, and warns when its test client runs on httpx.
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from starlette.testclient import TestClient

from smpgen.customize import clauses_of, find_clause
from smpgen.deviations import clause_text, deviations
from smpgen.document import policy_document
from smpgen.profile import Profile, load_profile

PORT = 8766
TOKEN = "test-token-custom-0123456789"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CLAUSE = "comment-removal.only-remover"
"""A model clause that prints a value (officials.remover) and a reference."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return profiles_copy(tmp_path_factory, "serve-custom")


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    with editor_client(folder, PORT, TOKEN) as c:
        yield c


def city(folder: Path, name: str, example: str = "lakeview-mn") -> str:
    """A copy of the example city ``example`` (and its customization) as ``name``."""
    shutil.copy(folder / f"{example}.yaml", folder / f"{name}.yaml")
    if (folder / f"{example}.custom").is_dir():
        shutil.copytree(folder / f"{example}.custom", folder / f"{name}.custom")
    return f"{name}.yaml"


class Page:
    """The page of a city's own text, as a browser has it."""

    def __init__(self, client: TestClient, name: str) -> None:
        response = client.get(f"/edit/{name}/custom")
        assert response.status_code == 200, response.text
        self.html = response.text
        found = re.search(r'name="_sha" value="([0-9a-f]*)"', self.html)
        assert found is not None
        self.sha = found.group(1)

    def offered(self, clause: str) -> str:
        """The text the clause's form holds."""
        found = re.search(rf'<textarea id="t-cl-{clause.replace(".", "_")}"[^>]*>(.*?)</textarea>',
                          self.html, re.S)
        assert found is not None, clause
        return html.unescape(found.group(1))


def post(client: TestClient, name: str, action: str, sha: str, **fields: str) -> Any:
    """A plain form post of the page (the token in its field, as a browser sends it)."""
    body = urlencode({"_token": TOKEN, "_sha": sha, **fields})
    return client.post(f"/edit/{name}/custom/{action}", content=body, headers=FORM)


def done(client: TestClient, response: Any) -> str:
    """The page a change redirects to."""
    assert response.status_code == 303, response.text[:2000]
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    return page.text


def policy(folder: Path, name: str) -> tuple[Profile, Any]:
    profile = load_profile(folder / name, templates=None)
    return profile, policy_document(profile)


def clause_of(doc: Any, clause: str) -> str:
    found = find_clause(list(doc.sections), clause)
    assert found is not None, clause
    return clause_text(found.node)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


# Clauses ------------------------------------------------------------------------------------------

def test_a_clause_edited_on_the_page_is_the_citys_text(client: TestClient, folder: Path) -> None:
    name = city(folder, "edit-clause")
    page = Page(client, name)
    offered = page.offered(CLAUSE)
    assert "{{ officials.remover }}" in offered and '{{ ref("comment-rules") }}' in offered
    text = offered.replace("A Comment may be removed only by", "Only", 1) + " Twice a year the " \
        "{{ officials.coordinator }} reports the removals to the Council."
    shown = done(client, post(client, name, "clause", page.sha, clause=CLAUSE, text=text,
                              why="The Council wants a report."))
    assert "Saved: clause comment-removal.only-remover" in shown
    written = (folder / "edit-clause.custom/comment-removal.md").read_text("utf-8")
    assert written == text + " {#only-remover}\n"
    assert (folder / "edit-clause.custom/customize.yaml").read_text("utf-8") == \
        "clauses:\n  comment-removal.only-remover:\n    why: The Council wants a report.\n"
    profile, doc = policy(folder, name)
    coordinator = profile.values["officials"]["coordinator"]
    assert f"Twice a year the {coordinator} reports the removals" in clause_of(doc, CLAUSE)
    listed = {(d.kind, d.id): d.why for d in deviations(profile)}
    assert listed == {("changed", CLAUSE): "The Council wants a report."}
    # The page lists it with its reason, and its preview (the preview route) shows it.
    changes = shown.split('id="changes-heading"')[1].split("</section>")[0]
    assert f'<a href="#cl-comment-removal_only-remover"><code>{CLAUSE}</code></a>' in changes
    assert "The Council wants a report." in changes
    frame = re.search(r'<iframe id="preview-frame" src="(/preview/[^"]+)"', shown)
    assert frame is not None
    assert "reports the removals to the Council" in client.get(frame.group(1)).text


def test_the_profile_pages_preview_shows_the_citys_text(client: TestClient, folder: Path) -> None:
    name = city(folder, "edit-preview")
    page = Page(client, name)
    text = page.offered(CLAUSE) + " Words typed on the page of the own text."
    done(client, post(client, name, "clause", page.sha, clause=CLAUSE, text=text))
    edit = client.get(f"/edit/{name}")
    assert f'href="/edit/{name}/custom"' in edit.text
    checked = client.post(f"/edit/{name}/preview", content=urlencode(_form_items(edit.text)),
                          headers={**FORM, "HX-Request": "true", "X-Smpgen-Token": TOKEN})
    frame = re.search(r'src="(/preview/[^"]+)"', checked.text)
    assert frame is not None, checked.text[:2000]
    assert "Words typed on the page of the own text." in client.get(frame.group(1)).text


def test_a_value_typed_out_is_written_back_as_its_name(client: TestClient, folder: Path) -> None:
    name = city(folder, "edit-values")
    profile, doc = policy(folder, name)
    remover = profile.values["officials"]["remover"]
    assert len(remover) >= 6
    page = Page(client, name)
    printed = page.offered(CLAUSE).replace("{{ officials.remover }}", remover)
    done(client, post(client, name, "clause", page.sha, clause=CLAUSE,
                      text=printed + " Pasted from the preview."))
    written = (folder / "edit-values.custom/comment-removal.md").read_text("utf-8")
    assert written.count("{{ officials.remover }}") == 3 and remover not in written
    path = folder / name
    path.write_text(path.read_text("utf-8").replace(f"remover: {remover}", "remover: City Clerk"),
                    "utf-8")
    _, doc = policy(folder, name)
    assert clause_of(doc, CLAUSE).count("City Clerk") == 3  # the value still follows the profile


def test_an_unchanged_clause_writes_nothing(client: TestClient, folder: Path) -> None:
    name = city(folder, "edit-same")
    page = Page(client, name)
    shown = done(client, post(client, name, "clause", page.sha, clause=CLAUSE,
                              text=page.offered(CLAUSE), why="No reason to record."))
    assert "Nothing to save" in shown
    assert not (folder / "edit-same.custom").exists()


def test_a_clause_goes_back_to_the_models_text(client: TestClient, folder: Path) -> None:
    name = city(folder, "revert", "granite-bay-co")
    custom = folder / "revert.custom"
    changes = (custom / "customize.yaml").read_text("utf-8")
    page = Page(client, name)
    clause = "authorized-users.written-designation"
    assert "Back to the model\u2019s text" in page.html
    shown = done(client, post(client, name, "revert", page.sha, clause=clause))
    assert "reads the model\u2019s text again" in shown
    profile, doc = policy(folder, name)
    base = policy_document(profile, customized=False)
    assert clause_of(doc, clause) == clause_of(base, clause)
    # Its text and reason are gone; the rest of the file, comments first, is as it was.
    assert "{#written-designation}" not in (custom / "authorized-users.md").read_text("utf-8")
    after = (custom / "customize.yaml").read_text("utf-8")
    assert after.startswith(changes.split("sections:")[0]) and "# Policy 702" in after
    assert f"{clause}:" not in after
    assert "authorized-users.annual-confirmation:\n    after: authorized-users.requests-to-post" \
        in after  # the city's own clause keeps its place
    assert ("changed", clause) not in {(d.kind, d.id) for d in deviations(profile)}


def test_a_clause_the_city_added_keeps_its_place_when_the_one_before_is_reverted(
        client: TestClient, folder: Path) -> None:
    name = city(folder, "keep-place")
    custom = folder / "keep-place.custom"
    custom.mkdir()
    (custom / "comment-removal.md").write_text(
        "Only the {{ officials.remover }} removes Comments. {#only-remover}\n\n"
        "The removals are reported each month. {#monthly-report}\n", "utf-8")
    _, doc = policy(folder, name)
    before = [f.node.id for f in clauses_of(list(doc.sections))]
    page = Page(client, name)
    done(client, post(client, name, "revert", page.sha, clause=CLAUSE))
    _, doc = policy(folder, name)
    assert [f.node.id for f in clauses_of(list(doc.sections))] == before
    assert (custom / "customize.yaml").read_text("utf-8") == \
        "clauses:\n  comment-removal.monthly-report:\n    after: comment-removal.only-remover\n"


# Sections --------------------------------------------------------------------------------------

def test_a_section_is_dropped_and_restored(client: TestClient, folder: Path) -> None:
    name = city(folder, "drop")
    _, doc = policy(folder, name)
    assert any(s.id == "hours" for s in doc.sections)
    page = Page(client, name)
    shown = done(client, post(client, name, "drop", page.sha, section="hours",
                              why="The Personnel Rules govern overtime."))
    assert (folder / "drop.custom/customize.yaml").read_text("utf-8") == \
        "sections:\n  hours:\n    drop: true\n    why: The Personnel Rules govern overtime.\n"
    profile, doc = policy(folder, name)
    assert not any(s.id == "hours" for s in doc.sections)
    assert [(d.kind, d.what, d.id, d.why) for d in deviations(profile)] == \
        [("dropped", "section", "hours", "The Personnel Rules govern overtime.")]
    dropped = shown.split('id="dropped-heading"')[1].split("</section>")[0]
    assert "Hours and Overtime" in dropped and "The Personnel Rules govern overtime." in dropped
    page = Page(client, name)
    shown = done(client, post(client, name, "restore", page.sha, section="hours"))
    assert "Section hours is back." in shown
    assert not (folder / "drop.custom").exists()
    _, doc = policy(folder, name)
    assert any(s.id == "hours" for s in doc.sections)


def test_a_section_of_the_citys_own_is_added_edited_and_taken_out(client: TestClient,
                                                                 folder: Path) -> None:
    name = city(folder, "own", "granite-bay-co")
    custom = folder / "own.custom"
    page = Page(client, name)
    text = ("The City posts emergency alerts on every Official Account.\n\n"
            "- within ten minutes of the alert; and\n- in plain language.\n\n"
            "## Testing\n\nThe {{ officials.coordinator }} tests the alerts each quarter.")
    shown = done(client, post(client, name, "add", page.sha, title="Emergency Alerts",
                              after="records", text=text, why="The County asked for it."))
    assert "Section emergency-alerts is added." in shown
    assert (custom / "emergency-alerts.md").read_text("utf-8") == (
        "The City posts emergency alerts on every Official Account. {#the-city-posts-emergency}\n\n"
        "- within ten minutes of the alert; and {#within-ten-minutes-of}\n"
        "- in plain language. {#in-plain-language}\n\n## Testing {#testing}\n\n"
        "The {{ officials.coordinator }} tests the alerts each quarter. {#the-tests-the-alerts}\n")
    assert "  emergency-alerts:\n    title: Emergency Alerts\n    after: records\n" \
           "    why: The County asked for it.\n" in (custom / "customize.yaml").read_text("utf-8")
    profile, doc = policy(folder, name)
    ids = [s.id for s in doc.sections]
    assert ids[ids.index("records") + 1] == "emergency-alerts"
    coordinator = profile.values["officials"]["coordinator"]
    assert clause_of(doc, "emergency-alerts.the-tests-the-alerts") == \
        f"The {coordinator} tests the alerts each quarter."
    assert ("added", "section", "emergency-alerts", "The County asked for it.") in \
        {(d.kind, d.what, d.id, d.why) for d in deviations(profile)}

    page = Page(client, name)
    clause = "emergency-alerts.in-plain-language"
    assert page.offered(clause) == "in plain language."
    done(client, post(client, name, "clause", page.sha, clause=clause,
                      text="in plain language, in English and in Spanish."))
    assert "- in plain language, in English and in Spanish. {#in-plain-language}\n" in \
        (custom / "emergency-alerts.md").read_text("utf-8")

    page = Page(client, name)
    shown = done(client, post(client, name, "remove", page.sha, section="emergency-alerts"))
    assert not (custom / "emergency-alerts.md").exists()
    assert "emergency-alerts" not in (custom / "customize.yaml").read_text("utf-8")
    assert (custom / "meeting-streams.md").exists()  # the city's other section stays


# Refusals --------------------------------------------------------------------------------------

def test_a_broken_template_is_refused_with_its_place_and_nothing_is_written(
        client: TestClient, folder: Path) -> None:
    for example in ("lakeview-mn", "granite-bay-co"):
        name = city(folder, f"broken-{example}", example)
        custom = folder / f"broken-{example}.custom"
        before = files(custom)
        page = Page(client, name)
        clause = "authorized-users.written-designation"
        text = page.offered(clause) + " The {{ officials.coordinator shall keep a list."
        response = post(client, name, "clause", page.sha, clause=clause, text=text)
        assert response.status_code == 422
        message = html.unescape(response.text)
        line = 5 if example == "granite-bay-co" else 1  # the clause's last line in the file
        assert f"{custom}/authorized-users.md:{line}: a city's text may hold only {{{{ name }}}}" \
            in message
        assert files(custom) == before  # as it was (or still not there)
        assert html.escape(text) in response.text  # what was typed is still in the form
        assert 'aria-invalid="true" autofocus' in response.text


def test_a_drop_that_leaves_a_reference_dangling_is_refused(client: TestClient,
                                                             folder: Path) -> None:
    name = city(folder, "dangling", "granite-bay-co")
    custom = folder / "dangling.custom"
    before = files(custom)
    page = Page(client, name)
    response = post(client, name, "drop", page.sha, section="open-meetings")
    assert response.status_code == 422
    assert "customize.yaml:" in html.unescape(response.text)  # meeting-streams goes after it
    assert files(custom) == before


def test_a_folder_changed_on_disk_is_not_overwritten(client: TestClient, folder: Path) -> None:
    name = city(folder, "changed", "granite-bay-co")
    custom = folder / "changed.custom"
    page = Page(client, name)
    edited = (custom / "authorized-users.md").read_text("utf-8") + "\nEdited elsewhere. {#elsewhere}\n"
    (custom / "authorized-users.md").write_text(edited, "utf-8")
    before = files(custom)
    text = "The City Manager designates Authorized Users."
    response = post(client, name, "clause", page.sha, clause="authorized-users.written-designation",
                    text=text)
    assert response.status_code == 409
    assert "changed on disk since this page loaded it" in response.text
    assert files(custom) == before
    assert text in response.text  # still in its form
    fresh = re.search(r'name="_sha" value="([0-9a-f]*)"', response.text)
    assert fresh is not None and fresh.group(1) != page.sha  # saving again is from the files as they are


def test_hostile_text_is_escaped_everywhere(client: TestClient, folder: Path) -> None:
    name = city(folder, "hostile")
    page = Page(client, name)
    hostile = "<script>alert(1)</script>"
    why = '"><img src=x onerror=alert(2)>'
    shown = done(client, post(client, name, "clause", page.sha, clause=CLAUSE,
                              text=f"Only the City removes Comments. {hostile}", why=why))
    assert hostile not in shown and "<img src=x" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    frame = re.search(r'<iframe id="preview-frame" src="(/preview/[^"]+)"', shown)
    assert frame is not None
    preview = client.get(frame.group(1)).text
    assert hostile not in preview and "&lt;script&gt;" in preview
    page = Page(client, name)
    added = done(client, post(client, name, "add", page.sha, title=f"Rules {hostile}",
                              text=f"Text {hostile}", why=why))
    assert hostile not in added and "<img src=x" not in added
    assert (folder / "hostile.custom/rules-script-alert-1.md").exists()


def test_changes_need_the_token_and_stay_in_the_folder(client: TestClient, folder: Path) -> None:
    name = city(folder, "guarded")
    page = Page(client, name)
    body = urlencode({"_sha": page.sha, "clause": CLAUSE, "text": "Changed."})
    url = f"/edit/{name}/custom/clause"
    assert client.post(url, content=body, headers=FORM).status_code == 403
    assert client.post(url, content=body + "&_token=wrong", headers=FORM).status_code == 403
    assert client.get(f"/edit/{name}/custom", headers={"Host": "evil.example"}).status_code == 400
    assert not (folder / "guarded.custom").exists()
    for bad in ("..%2Fsecret.yaml", "sub%2Fx.yaml", ".hidden.yaml", "missing.yaml"):
        assert client.get(f"/edit/{bad}/custom").status_code in (400, 404)
        assert post(client, bad, "clause", "", clause=CLAUSE, text="x").status_code in (400, 404)
    # A customization folder that is a link to elsewhere is neither read nor written.
    outside = folder.parent / "outside"
    outside.mkdir()
    shutil.copy(folder / name, folder / "linked.yaml")
    (folder / "linked.custom").symlink_to(outside, target_is_directory=True)
    shown = client.get("/edit/linked.yaml/custom")
    assert shown.status_code == 200 and "is not a folder" in shown.text
    response = post(client, "linked.yaml", "clause", "not a folder", clause=CLAUSE, text="x")
    assert response.status_code == 422 and "linked.custom:1: is not a folder" in response.text
    assert list(outside.iterdir()) == []


# The offered text --------------------------------------------------------------------------------

@pytest.mark.parametrize("example", ["lakeview-mn", "granite-bay-co"])
def test_every_clause_offered_reads_back_as_it_prints(client: TestClient, folder: Path,
                                                      example: str) -> None:
    """The Markdown the page offers for every clause of the model, saved as the city's
    text, builds the same policy: opening a clause and saving it changes nothing."""
    from smpgen.customtext import put_unit, units_of
    from smpgen.serve.custom import load, page_view

    name = city(folder, f"offered-{example}", example)
    state = load(client.app.state.editor, name)
    texts: dict[str, str] = {}
    expected = {}
    for section in page_view(client.app.state.editor, state).sections:
        for clause in _walk(section.parts):
            home, _, local = clause.id.partition(".")
            if clause.kind == "model":
                text = texts.setdefault(home, state.text_of(home))
                if local not in units_of(text):
                    texts[home] = put_unit(text, local, clause.markdown, None)
                    expected[clause.id] = repr(_inlines(state.mine, clause.id))
    assert len(expected) > 200
    for home, text in texts.items():
        state.folder.mkdir(exist_ok=True)
        (state.folder / f"{home}.md").write_text(text, "utf-8")
    _, doc = policy(folder, name)
    assert {cid: repr(_inlines(doc, cid)) for cid in expected} == expected


def _walk(parts: list[Any]) -> Iterator[Any]:
    for part in parts:
        if isinstance(part, list):
            for clause in part:
                yield clause
                yield from _walk([clause.children])


def _inlines(doc: Any, clause: str) -> Any:
    from smpgen.customtext import first_inlines

    found = find_clause(list(doc.sections), clause)
    assert found is not None
    return first_inlines(found.node)


def _form_items(page: str) -> list[tuple[str, str]]:
    """What a browser posts for the profile form of the edit page (its inputs, selects
    and textareas, as they stand)."""
    form = page.split('id="profile-form"', 1)[1].split("</form>", 1)[0]
    items: list[tuple[str, str]] = []
    for tag in re.finditer(r"<(input|select|textarea)\b([^>]*)>(.*?)(?=<(?:input|select|textarea)\b|$)",
                           form, re.S):
        kind, attrs, rest = tag.groups()
        named = re.search(r'\bname="([^"]*)"', attrs)
        if named is None:
            continue
        key = html.unescape(named.group(1))
        value = re.search(r'\bvalue="([^"]*)"', attrs)
        if kind == "input":
            if re.search(r'type="(checkbox|radio)"', attrs) and " checked" not in attrs:
                continue
            items.append((key, html.unescape(value.group(1)) if value else ""))
        elif kind == "textarea":
            items.append((key, html.unescape(rest.split("</textarea>", 1)[0])))
        else:
            chosen = re.search(r'<option value="([^"]*)" selected', rest) or \
                re.search(r'<option value="([^"]*)"', rest)
            items.append((key, html.unescape(chosen.group(1)) if chosen else ""))
    return items
