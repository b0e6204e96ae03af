"""smpgen serve (issue 15): the editor's routes through Starlette's TestClient, on a copy
of city_profiles/ in a temporary folder; the form is posted as a browser would post it
(every field of the page, read from its HTML)."""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
import yaml
from helpers import REPO, editor_client, profiles_copy
from pypdf import PdfReader

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2, and warns when its test client runs on httpx.
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from starlette.testclient import TestClient

from smpgen.api import validate
from smpgen.models import get_model
from smpgen.profile import load_profile
from smpgen.scaffold import init_text
from smpgen.schema import profile_schema

PORT = 8765
TOKEN = "test-token-0123456789"
HX = {"HX-Request": "true", "X-Smpgen-Token": TOKEN}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
EXAMPLES = sorted(p.name for p in (REPO / "city_profiles").glob("*.yaml"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return profiles_copy(tmp_path_factory, "serve")


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    with editor_client(folder, PORT, TOKEN) as c:
        yield c


class _Page(HTMLParser):
    """What a browser would post for the editor's form, and the page's ids and labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.labels: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.in_form = False
        self.select: str | None = None
        self.chosen: str | None = None
        self.first: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        if tag == "form" and a.get("id") == "profile-form":
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name is not None:
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.items.append((name, a.get("value") or "on"))
            else:
                self.items.append((name, a.get("value") or ""))
        elif tag == "select":
            self.select, self.chosen, self.first = name, None, None
        elif tag == "option" and self.select is not None:
            value = a.get("value") or ""
            self.first = value if self.first is None else self.first
            if "selected" in a:
                self.chosen = value
        elif tag == "textarea":
            self.textarea, self.text = name, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select is not None:
            self.items.append((self.select, self.chosen if self.chosen is not None
                               else self.first or ""))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.items.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data


def page(client: TestClient, name: str) -> _Page:
    response = client.get(f"/edit/{quote(name)}")
    assert response.status_code == 200, response.text
    parsed = _Page()
    parsed.feed(response.text)
    return parsed


def changed(items: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """``items`` with the fields named (``city__name`` for ``city.name``) set."""
    wanted = {k.replace("__", "."): v for k, v in values.items()}
    assert set(wanted) <= {k for k, _ in items}
    return [(k, wanted.get(k, v)) for k, v in items]


def post(client: TestClient, url: str, items: list[tuple[str, str]],
         headers: dict[str, str] | None = None) -> Any:
    return client.post(url, content=urlencode(items),
                       headers={**FORM, **(HX if headers is None else headers)})


# Listing and creating ------------------------------------------------------------------------

def test_index_lists_the_example_cities(client: TestClient) -> None:
    html = client.get("/").text
    for name in EXAMPLES:
        assert f'href="/edit/{name}"' in html
    for city in ("Lakeview", "Granite Bay", "Harbor Point", "Elm Prairie"):
        assert f"<td>{city}</td>" in html
    assert "<td>adopted</td>" in html  # Lakeview's status


def test_new_city_is_written_as_init_writes_it(client: TestClient, folder: Path) -> None:
    response = post(client, "/new", [("city", "Riverton"), ("state", "MN"), ("file", "")])
    assert response.status_code == 303
    assert response.headers["location"] == "/edit/riverton-mn.yaml?created=1"
    written = (folder / "riverton-mn.yaml").read_text("utf-8")
    assert written == init_text(get_model("city-social-media"), name="Riverton", state="MN")
    assert "Created" in client.get(response.headers["location"]).text
    again = post(client, "/new", [("city", "Riverton"), ("state", "MN"), ("file", "")])
    assert again.status_code == 400 and "already exists" in again.text
    assert (folder / "riverton-mn.yaml").read_text("utf-8") == written


@pytest.mark.parametrize("name", ["../escaped.yaml", "sub/escaped.yaml", ".hidden.yaml",
                                  "a\\b.yaml", "..yaml", "escaped\x00.yaml"])
def test_new_city_takes_only_a_plain_name(client: TestClient, folder: Path, name: str) -> None:
    response = post(client, "/new", [("city", "Escaped"), ("state", "MN"), ("file", name)])
    assert response.status_code == 400
    assert not list(folder.parent.rglob("escaped*")) and not (folder / ".hidden.yaml").exists()


# The form --------------------------------------------------------------------------------------

def _leaves(node: dict[str, Any], value: Any, name: str) -> Iterator[tuple[str, str]]:
    """(kind, concrete name) of every field the form shows for ``value``: leaves by
    name, lists by name (their container), list items by name."""
    if node.get("type") == "object":
        for key, sub in node["properties"].items():
            inner = value.get(key) if isinstance(value, dict) else None
            yield from _leaves(sub, inner, f"{name}.{key}" if name else key)
    elif node.get("type") == "array":
        yield "list", name
        items = value if isinstance(value, list) else node.get("default", [])
        for i, item in enumerate(items):
            yield from _leaves(node["items"], item, f"{name}[{i}]")
    else:
        yield "leaf", name


@pytest.mark.parametrize("name", ["lakeview-mn.yaml", "granite-bay-co.yaml"])
def test_the_form_has_a_field_for_every_schema_leaf(client: TestClient, folder: Path,
                                                     name: str) -> None:
    parsed = page(client, name)
    posted = {k for k, _ in parsed.items}
    data = yaml.safe_load((folder / name).read_text("utf-8"))
    schema = profile_schema(get_model(data.get("model", "city-social-media")))
    fields = list(_leaves(schema, data, ""))
    assert len(fields) > 80
    for kind, field in fields:
        if kind == "list":
            assert "c-" + re.sub(r"[.\[\]]+", "-", field).strip("-") in parsed.ids, field
            assert ("_lists", field) in parsed.items
        else:
            assert field in posted, field


def test_every_field_is_labelled_and_described(client: TestClient) -> None:
    parsed = page(client, "lakeview-mn.yaml")
    assert len(parsed.controls) > 100
    for control in parsed.controls:
        assert control.get("id") in parsed.labels, control
        for ref in (control.get("aria-describedby") or "").split():
            assert ref in parsed.ids, (control, ref)
    html = client.get("/edit/lakeview-mn.yaml").text
    assert '<select id="f-document-numbering"' in html  # a choice
    assert 'type="date"' in html and 'type="number"' in html
    assert '<textarea id="f-council-current_practice"' in html  # a paragraph
    assert 'type="checkbox" id="f-optional_sections-hours"' in html
    assert "Suggestion:</span> Consent" in html  # the model's suggestion


def test_an_unchanged_form_saves_the_file_as_it_was(client: TestClient, folder: Path) -> None:
    for name in EXAMPLES:
        before = (folder / name).read_bytes()
        parsed = page(client, name)
        response = post(client, f"/edit/{name}/save", parsed.items)
        assert response.status_code == 200, response.text
        assert "Nothing to save" in response.text
        assert (folder / name).read_bytes() == before


def test_the_loader_of_unsaved_text_is_load_profile(folder: Path) -> None:
    for name in EXAMPLES:
        path = folder / name
        saved, unsaved = load_profile(path, templates=None), load_profile(
            path, raw=path.read_bytes(), templates=None)
        assert unsaved.values == saved.values and unsaved.warnings == saved.warnings
        assert unsaved.sha256 == saved.sha256 and unsaved.missing == saved.missing
        assert (unsaved.custom and unsaved.custom.digest) == (saved.custom and saved.custom.digest)


# Checks and the preview --------------------------------------------------------------------------

def test_a_bad_date_gets_validates_message_beside_its_field(client: TestClient,
                                                            tmp_path: Path) -> None:
    parsed = page(client, "lakeview-mn.yaml")
    response = post(client, "/edit/lakeview-mn.yaml/preview",
                    changed(parsed.items, council__meeting_date="2026-02-30"))
    assert response.status_code == 200
    beside = re.search(r'<div class="messages" id="m-council-meeting_date" '
                       r'hx-swap-oob="true">(.*?)</div>', response.text, re.S)
    assert beside is not None
    # The message smpgen validate gives for the same value in the file.
    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO / "city_profiles/lakeview-mn.yaml").read_text("utf-8")
                   .replace("meeting_date: 2026-10-06", "meeting_date: 2026-02-30"), "utf-8")
    [report] = validate([bad], templates=None)
    [problem] = report.problems
    assert problem.field == "council.meeting_date"
    assert problem.message.replace("'", "&#39;") in beside.group(1)
    assert '<p id="check-status" hx-swap-oob="innerHTML">1 problem.' in response.text
    assert response.headers["HX-Reswap"] == "none"  # the last preview stays
    as_json = post(client, "/edit/lakeview-mn.yaml/preview",
                   changed(parsed.items, council__meeting_date="2026-02-30"),
                   {**HX, "Accept": "application/json"}).json()
    assert as_json["problems"] == [{"field": "council.meeting_date", "line": problem.line,
                                    "message": problem.message, "id": "m-council-meeting_date"}]


def test_the_page_shows_the_files_messages_and_warnings(client: TestClient) -> None:
    html = client.get("/edit/riverton-mn.yaml").text  # made by the test above: blanks
    assert 'id="f-city-website"' in html
    field = re.search(r'<input id="f-city-website"[^>]*>', html)
    assert field is not None and 'aria-invalid="true"' in field.group(0)
    assert re.search(r'id="m-city-website">\s*<p class="message error"><strong>Problem:</strong> '
                     r'is required', html)


def test_the_preview_shows_what_was_typed(client: TestClient) -> None:
    parsed = page(client, "lakeview-mn.yaml")
    response = post(client, "/edit/lakeview-mn.yaml/preview",
                    changed(parsed.items, city__name="Zanzibar Falls"))
    frame = re.search(r'<iframe id="preview-frame" src="(/preview/[^"]+)"[^>]*'
                      r'sandbox="allow-same-origin"', response.text)
    assert frame is not None
    assert "total;dur=" in response.headers["Server-Timing"]
    shown = client.get(frame.group(1))
    assert "City of Zanzibar Falls".upper() in shown.text.upper()
    policy = shown.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script" not in policy
    assert (REPO / "city_profiles/lakeview-mn.yaml").read_text("utf-8") == \
        client.app.state.editor.folder.read("lakeview-mn.yaml").text  # nothing saved


@pytest.mark.parametrize(("view", "mark"), [("annotated", 'class="note'),
                                            ("model", 'class="blank'),
                                            ("redline", "<ins")])
def test_the_preview_switches_edition(client: TestClient, view: str, mark: str) -> None:
    parsed = page(client, "lakeview-mn.yaml")
    items = changed(parsed.items, city__name="Lakeview Heights")
    response = post(client, "/edit/lakeview-mn.yaml/preview", [*items, ("_view", view)])
    url = re.search(r'src="(/preview/[^"]+)"', response.text)
    assert url is not None
    assert mark in client.get(url.group(1)).text


# Lists ------------------------------------------------------------------------------------------

def test_lists_grow_and_shrink(client: TestClient) -> None:
    parsed = page(client, "lakeview-mn.yaml")
    grown = post(client, "/edit/lakeview-mn.yaml/list", [*parsed.items, ("_list", "add:accounts")])
    assert "HX-Trigger" not in grown.headers  # editor.js checks the form after the swap
    assert grown.text.startswith('<fieldset class="list depth-1" id="c-accounts"')
    assert re.search(r'<input id="f-accounts-3-platform" name="accounts\[3\]\.platform" '
                     r'value=""[^>]*autofocus', grown.text)
    shrunk = post(client, "/edit/lakeview-mn.yaml/list",
                  [*parsed.items, ("_list", "remove:accounts[0]")])
    assert 'name="accounts[2].platform"' not in shrunk.text
    assert re.search(r'name="accounts\[0\]\.platform" value="Instagram"[^>]*autofocus',
                     shrunk.text)


# Saving -----------------------------------------------------------------------------------------

def test_save_keeps_the_comments_and_refuses_a_file_changed_on_disk(client: TestClient,
                                                                     folder: Path) -> None:
    path = folder / "granite-bay-co.yaml"
    before = path.read_text("utf-8")
    number = yaml.safe_load(before)["council"]["agenda_number"]
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) > 3
    parsed = page(client, "granite-bay-co.yaml")
    response = post(client, "/edit/granite-bay-co.yaml/save",
                    changed(parsed.items, city__name="Granite Butte",
                            council__agenda_number="7.b."))
    assert response.status_code == 200 and "Saved at" in response.text
    after = path.read_text("utf-8")
    diff = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                   lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert sorted(diff) == sorted(["-  name: Granite Bay", "+  name: Granite Butte",
                                   f"-  agenda_number: {number}", "+  agenda_number: 7.b."]), diff
    assert [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
    sha = hashlib.sha256(after.encode()).hexdigest()
    assert f'id="file-sha" name="_sha" value="{sha}" hx-swap-oob="true"' in response.text

    # The page still holds the sha of the text before the save: refused, file untouched.
    stale = post(client, "/edit/granite-bay-co.yaml/save",
                 changed(parsed.items, city__name="Granite Peak"))
    assert stale.status_code == 409 and "changed on disk" in stale.text
    assert path.read_text("utf-8") == after
    # A change made by someone else on disk is refused the same way.
    fresh = page(client, "granite-bay-co.yaml")
    path.write_text(after + "# edited in another editor\n", "utf-8")
    elsewhere = post(client, "/edit/granite-bay-co.yaml/save",
                     changed(fresh.items, city__name="Granite Peak"))
    assert elsewhere.status_code == 409
    assert path.read_text("utf-8").endswith("# edited in another editor\n")


def test_a_new_field_goes_in_profile_order(client: TestClient, folder: Path) -> None:
    path = folder / "lakeview-mn.yaml"
    before = path.read_text("utf-8")
    parsed = page(client, "lakeview-mn.yaml")
    post(client, "/edit/lakeview-mn.yaml/save", changed(parsed.items, city__kind="Town",
                                                        emergency_number="911"))
    after = path.read_text("utf-8")
    assert "  name: Lakeview\n  kind: Town\n  state: MN\n" in after
    assert 'emergency_number: "911"\n' in after
    assert len(after.splitlines()) == len(before.splitlines()) + 2
    assert load_profile(path, templates=None).values["city"]["kind"] == "Town"


# Downloads --------------------------------------------------------------------------------------

def test_downloads_carry_the_typed_city(client: TestClient, folder: Path) -> None:
    listed = sorted(os.listdir(folder))
    parsed = page(client, "harbor-point-wa.yaml")
    items = changed(parsed.items, city__name="Harbor Quay")
    made = post(client, "/edit/harbor-point-wa.yaml/download/policy-pdf", items)
    link = re.search(r'href="(/download/[^"]+)" download="harbor-point-wa-([^"]+)"', made.text)
    assert link is not None and link.group(2).endswith(".pdf")
    pdf = client.get(link.group(1))
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Harbor Quay" in text
    docx = post(client, "/edit/harbor-point-wa.yaml/download/policy-docx", items,
                {"X-Smpgen-Token": TOKEN})  # a plain post: the file itself
    with zipfile.ZipFile(io.BytesIO(docx.content)) as z:
        assert "Harbor Quay" in z.read("word/document.xml").decode()
    for kind in ("form-pdf", "packet-pdf"):
        got = post(client, f"/edit/harbor-point-wa.yaml/download/{kind}", items,
                   {"X-Smpgen-Token": TOKEN})
        assert got.status_code == 200 and got.content.startswith(b"%PDF")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages)
        assert "HARBOR QUAY" in text.upper(), kind
    assert sorted(os.listdir(folder)) == listed  # nothing written beside the profiles


# Safety -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1",
                                  f"127.0.0.1:{PORT + 1}", f"localhost.evil:{PORT}", ""])
def test_a_foreign_host_is_refused(client: TestClient, host: str) -> None:
    assert client.get("/", headers={"Host": host}).status_code == 400
    assert client.get("/edit/lakeview-mn.yaml", headers={"Host": host}).status_code == 400


def test_localhost_is_served(client: TestClient) -> None:
    assert client.get("/", headers={"Host": f"localhost:{PORT}"}).status_code == 200


def test_a_change_without_the_token_is_refused(client: TestClient, folder: Path) -> None:
    path = folder / "pine-ridge-ar.yaml"
    before = path.read_bytes()
    parsed = page(client, "pine-ridge-ar.yaml")
    items = changed(parsed.items, city__name="Pine Hollow")
    without = [(k, v) for k, v in items if k != "_token"]
    url = "/edit/pine-ridge-ar.yaml/save"
    assert post(client, url, without, {"HX-Request": "true"}).status_code == 403
    assert post(client, url, without, {"X-Smpgen-Token": "wrong"}).status_code == 403
    assert post(client, url, changed(items, _token="wrong"), {}).status_code == 403
    assert post(client, "/new", [("city", "Nowhere"), ("state", "MN")], {}).status_code == 403
    assert post(client, url, items, {**HX, "Origin": "http://evil.example"}).status_code == 403
    assert post(client, url, items, {**HX, "Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert path.read_bytes() == before and not (folder / "nowhere-mn.yaml").exists()
    # The token in the form's field alone (a plain form post) is enough.
    assert post(client, url, items, {}).status_code == 303
    assert "name: Pine Hollow" in path.read_text("utf-8")


@pytest.mark.parametrize("url", ["/edit/..%2F..%2Fetc%2Fpasswd", "/edit/../secret.yaml",
                                 "/edit/%2E%2E%2Fsecret.yaml", "/edit/.secret.yaml",
                                 "/edit/secret.txt", "/edit/link.yaml", "/edit/missing.yaml",
                                 "/edit/sub%2Fx.yaml"])
def test_nothing_outside_the_folder_is_read(client: TestClient, folder: Path, url: str) -> None:
    secret = folder.parent / "secret.yaml"
    secret.write_text("city: {name: TOP-SECRET}\n", "utf-8")
    link = folder / "link.yaml"
    if not link.is_symlink():
        link.symlink_to(secret)
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert "TOP-SECRET" not in response.text
    assert "link.yaml" not in client.get("/").text
    saved = post(client, "/edit/link.yaml/save", [("_sha", "x"), ("city.name", "Changed")])
    assert saved.status_code == 404
    assert secret.read_text("utf-8") == "city: {name: TOP-SECRET}\n" and link.is_symlink()


def test_hostile_values_are_escaped(client: TestClient, folder: Path) -> None:
    hostile = "<script>alert(1)</script>"
    text = (REPO / "city_profiles/example-city.yaml").read_text("utf-8")
    (folder / "hostile.yaml").write_text(text.replace("  name: Elm Prairie",
                                                      f'  name: "{hostile}"', 1), "utf-8")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for html in (client.get("/").text, client.get("/edit/hostile.yaml").text):
        assert hostile not in html and escaped in html
    parsed = page(client, "hostile.yaml")
    assert ("city.name", hostile) in parsed.items  # the form holds the value itself
    response = post(client, "/edit/hostile.yaml/preview",
                    changed(parsed.items, city__kind="Town", council__agenda_number=hostile))
    assert hostile not in response.text
    url = re.search(r'src="(/preview/[^"]+)"', response.text)
    assert url is not None
    shown = client.get(url.group(1)).text
    assert hostile not in shown and escaped in shown


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    for url in ("/", "/edit/lakeview-mn.yaml", "/edit/missing.yaml"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)  # no inline script
        assert " style=" not in response.text and "<style" not in response.text
        assert '<html lang="en">' in response.text
    assert client.get("/static/htmx.min.js").status_code == 200


# The command ------------------------------------------------------------------------------------

def test_smpgen_serve_prints_its_address_and_stops_on_ctrl_c(folder: Path) -> None:
    smpgen = Path(sys.executable).with_name("smpgen")
    process = subprocess.Popen([str(smpgen), "serve", str(folder), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "DISPLAY": "", "WAYLAND_DISPLAY": ""})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r" at (http://127\.0\.0\.1:(\d+)/) ", line)
        assert found is not None, line
        url, port = found.group(1), found.group(2)
        response = _get_when_up(url)
        assert response.status_code == 200 and "City profiles" in response.text
        assert f"{url}?" not in line  # the address printed carries no token
        assert httpx.get(url, headers={"Host": f"evil.example:{port}"}).status_code == 400
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert out.endswith("Stopped.\n")


def _get_when_up(url: str) -> httpx.Response:
    for _ in range(100):
        try:
            return httpx.get(url, timeout=5)
        except httpx.ConnectError:
            time.sleep(0.05)
    raise AssertionError(f"nothing answers at {url}")
