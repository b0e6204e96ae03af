"""smpgen serve (issue 15) in a real browser: the server started as a person starts it
(``python -m smpgen serve FOLDER --no-browser``, a free port, a copy of city_profiles/ in
a temporary folder) and one headless Chromium session (Debian's chromium and
chromium-driver, named by path, driven by selenium) for the whole module.

What a person does on the page is done here with the keyboard and the mouse: type a city
name and see the preview in the frame change; type a bad date or web address and see the
located message beside the field; save and find the file's comments kept; download the
PDF and read its text; go through the page by keyboard alone. axe-core's WCAG 2.0/2.1 A
and AA rules run on every page. The guard is tried over real HTTP (urllib): a foreign
``Host`` and a change without the token are refused.

The browser is set up as :mod:`smpgen.checks.html` sets it up (same binaries, same
arguments, axe-core from ``smpgen/assets/axe``) except that 127.0.0.1 must be reachable:
every other name still resolves to nowhere and other schemes stay blocked, so the pages
can reach nothing but the server under test. About 20 seconds.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import yaml
from helpers import REPO
from pypdf import PdfReader

from smpgen.checks import html as checks_html

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

T = TypeVar("T")

WAIT = 20.0
"""Seconds a page, a preview or a download may take before a test gives up."""

_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"],
                   iframes: false})
  .then(r => done(r.violations.map(v => v.id + ": " + v.help + " at " +
                                     v.nodes.map(n => n.target.join(" ")).join(", "))),
        e => done(["axe error: " + e]));
"""
# The preview frame is sandboxed without scripts, so axe cannot run inside it; what it
# shows (the policy's HTML, fetched from the server) is checked on its own instead.


# The server, the browser -------------------------------------------------------------------

class Server:
    """The editor serving a copy of city_profiles/, as ``smpgen serve`` runs it."""

    def __init__(self, folder: Path, url: str, process: subprocess.Popen[str]) -> None:
        self.folder = folder
        self.url = url.rstrip("/")
        self.port = int(url.rstrip("/").rsplit(":", 1)[1])
        self.process = process

    def token(self) -> str:
        """The token the server gives its pages (in ``hx-headers`` on ``<body>``)."""
        page = urllib.request.urlopen(self.url + "/", timeout=WAIT).read().decode()
        found = re.search(r'hx-headers="([^"]+)"', page)
        assert found, "the page carries no hx-headers"
        headers: dict[str, str] = json.loads(html.unescape(found.group(1)))
        return headers["X-Smpgen-Token"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python -m smpgen serve COPY --no-browser`` on a free port, stopped with Ctrl-C
    (SIGINT) at the end. Its working folder is the temporary one, so nothing it might
    write lands in the repository."""
    work = tmp_path_factory.mktemp("serve-browser")
    folder = work / "profiles"
    shutil.copytree(REPO / "city_profiles", folder, symlinks=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "smpgen", "serve", str(folder), "--no-browser"],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if found is None:
        process.kill()
        pytest.fail(f"smpgen serve did not print its address: {line}{process.stdout.read()}")
    try:
        yield Server(folder, found.group(0), process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            rest = process.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            rest = process.communicate()[0]
        # No error was logged (a 500 would have left a traceback), and Ctrl-C stops it.
        assert "Traceback" not in rest and rest.rstrip().endswith("Stopped."), rest


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where Chromium saves what the page downloads."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path) -> Iterator[WebDriver]:
    """One headless Chromium for the module, set up as the HTML check sets it up, but
    reaching 127.0.0.1; Selenium Manager is made to fail should selenium ever ask it for
    a browser or a driver."""
    from selenium.webdriver.common.selenium_manager import SeleniumManager

    def no_downloads(*_args: object) -> dict[str, str]:
        raise AssertionError("selenium asked Selenium Manager for a browser or a driver")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SeleniumManager, "binary_paths", no_downloads)
        with checks_html.browser(local=True, window="1400,900") as browser:
            browser.set_page_load_timeout(WAIT)
            browser.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(downloads)})
            yield browser


# Helpers -------------------------------------------------------------------------------------

def until(found: Callable[[], T | None], what: str, timeout: float = WAIT) -> T:
    """``found()``'s first truthy answer, polled; fails naming ``what`` after ``timeout``."""
    end = time.monotonic() + timeout
    while True:
        value = found()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def by_id(driver: WebDriver, element_id: str) -> WebElement:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def open_editor(driver: WebDriver, server: Server, name: str) -> str:
    """The edit page of ``name`` once its first preview is in the frame; returns the
    frame's address."""
    driver.get(f"{server.url}/edit/{name}")
    return loaded_preview(driver, "")


def loaded_preview(driver: WebDriver, old: str) -> str:
    """The address of the preview frame once it shows another page than ``old``, loaded."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    def fresh() -> str | None:
        try:
            src = by_id(driver, "preview-frame").get_attribute("src") or ""
        except (NoSuchElementException, StaleElementReferenceException):
            return None
        if not src or src == old:
            return None
        state = driver.execute_script(
            "const f = document.getElementById('preview-frame');"
            "try { return [f.contentDocument.readyState, f.contentWindow.location.href]; }"
            "catch (e) { return ['', '']; }")
        return src if state == ["complete", src] else None

    return until(fresh, "a new preview in the frame")


def frame_text(driver: WebDriver) -> str:
    """The text the preview frame shows (read in one step: htmx may replace the frame
    at any moment)."""
    text: str = driver.execute_script(
        "const f = document.getElementById('preview-frame');"
        "const d = f && f.contentDocument;"
        "return d && d.body ? d.body.innerText : '';")
    return text


def retype(field: WebElement, text: str) -> None:
    """Replace what a text field holds by typing, as a person does (select all, type)."""
    from selenium.webdriver.common.keys import Keys

    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)


def press(driver: WebDriver, key: str, held: str | None = None) -> dict[str, Any]:
    """Press ``key`` (with ``held``, a modifier, held down) on whatever has the focus;
    returns :func:`focused` after."""
    from selenium.webdriver.common.action_chains import ActionChains

    keys = ActionChains(driver)
    if held is not None:
        keys.key_down(held)
    keys.send_keys(key)
    if held is not None:
        keys.key_up(held)
    keys.perform()
    return focused(driver)


def focused(driver: WebDriver) -> dict[str, Any]:
    """What has the focus: tag, id, class, text, whether it shows its focus
    (``:focus-visible``, or ``:focus-within`` for a date's parts) and its outline."""
    found: dict[str, Any] = driver.execute_script(
        "const e = document.activeElement, s = getComputedStyle(e);"
        "return {tag: e.tagName, id: e.id, cls: String(e.className || ''),"
        " text: (e.textContent || '').trim().slice(0, 60),"
        " visible: e.matches(':focus-visible') || e.matches(':focus-within'),"
        " outline: [s.outlineStyle, s.outlineWidth]};")
    return found


def shows_focus(focused: dict[str, Any]) -> bool:
    """What :func:`press` found focused draws an outline of its own."""
    style, width = focused["outline"]
    return bool(focused["visible"]) and style not in ("none", "") and width not in ("", "0px")


def axe_violations(driver: WebDriver) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page shown."""
    driver.execute_script(checks_html._axe_source())
    found: list[str] = driver.execute_async_script(_RUN_AXE, list(checks_html.AXE_TAGS))
    return found


def outside_requests(driver: WebDriver, server: Server) -> list[str]:
    """What the page shown fetched from anywhere but the server."""
    names: list[str] = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    return [n for n in names if not n.startswith((server.url + "/", "data:"))]


def http(server: Server, method: str, path: str, *, host: str | None = None,
         headers: dict[str, str] | None = None, body: bytes | None = None) -> tuple[int, str]:
    """A plain HTTP request to the server (urllib): its status and text."""
    request = urllib.request.Request(server.url + path, data=body, method=method,
                                     headers=headers or {})
    if host is not None:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def comments(text: str) -> list[str]:
    """The comments of a YAML text (every ``#`` with what follows it, line by line)."""
    return [line[line.index("#"):] for line in text.splitlines() if "#" in line]


# The tests -----------------------------------------------------------------------------------

def test_typing_a_city_name_changes_the_preview(driver: WebDriver, server: Server) -> None:
    first = open_editor(driver, server, "harbor-point-wa.yaml")
    assert "Harbor Point" in frame_text(driver)
    assert "Harbour Crest" not in frame_text(driver)
    retype(by_id(driver, "f-city-name"), "Harbour Crest")
    loaded_preview(driver, first)
    until(lambda: "Harbour Crest" in frame_text(driver), "the new name in the preview")
    assert by_id(driver, "preview-frame").get_attribute("data-view") == "council"
    # The edition switch: the annotated edition, the drafter's notes, the new name still.
    shown = by_id(driver, "preview-frame").get_attribute("src") or ""
    by_id(driver, "view-annotated").click()
    loaded_preview(driver, shown)
    assert by_id(driver, "preview-frame").get_attribute("data-view") == "annotated"
    assert "Harbour Crest" in frame_text(driver)
    # Nothing was saved: the file still says Harbor Point.
    assert "name: Harbor Point\n" in (server.folder / "harbor-point-wa.yaml").read_text()


def test_a_bad_date_and_a_bad_address_are_shown_beside_their_fields(
        driver: WebDriver, server: Server) -> None:
    open_editor(driver, server, "pine-ridge-ar.yaml")
    date = by_id(driver, "f-council-meeting_date")

    def box() -> str:  # the messages beside the date (swapped in anew by each check)
        return by_id(driver, "m-council-meeting_date").text

    assert date.get_attribute("aria-invalid") is None and box() == ""
    date.send_keys("01151850")  # month, day, year: 15 January 1850
    until(lambda: date.get_attribute("value") == "1850-01-15", "the date typed")
    until(lambda: date.get_attribute("aria-invalid") == "true", "the date marked invalid")
    message = until(box, "a message beside the date")
    assert message.startswith("Problem:") and "1850-01-15" in message
    assert "check the year" in message
    described = (date.get_attribute("aria-describedby") or "").split()
    assert "m-council-meeting_date" in described
    assert "council.meeting_date" in by_id(driver, "problem-list").text
    assert by_id(driver, "check-status").text.startswith("1 problem")
    # The located message links to its field.
    link = by_id(driver, "problem-list").find_element("css selector", "a")
    assert link.get_attribute("hash") == "#f-council-meeting_date"

    website = by_id(driver, "f-city-website")
    retype(website, "www.pineridge.example.gov")
    until(lambda: website.get_attribute("aria-invalid") == "true", "the address marked invalid")
    said = until(lambda: by_id(driver, "m-city-website").text, "a message beside the address")
    assert "is not a web address" in said and "https://" in said
    until(lambda: by_id(driver, "check-status").text.startswith("2 problems"), "two problems")
    assert "fix the problems" in by_id(driver, "preview-note").text

    # Put right, both messages go and the fields are valid again.
    retype(website, "https://www.pineridge.example.gov")
    date.send_keys("12012026")
    until(lambda: by_id(driver, "check-status").text.startswith("No problems"), "no problems")
    assert date.get_attribute("aria-invalid") is None
    assert website.get_attribute("aria-invalid") is None
    assert box() == "" and by_id(driver, "m-city-website").text == ""


def test_save_keeps_the_comments(driver: WebDriver, server: Server) -> None:
    path = server.folder / "granite-bay-co.yaml"
    before = path.read_text(encoding="utf-8")
    open_editor(driver, server, "granite-bay-co.yaml")
    retype(by_id(driver, "f-city-population"), "24450")
    retype(by_id(driver, "f-authorized_roles-2"), "City Clerk and Records Manager")
    by_id(driver, "save-button").click()
    status = until(lambda: by_id(driver, "save-status").text, "the save's status")
    assert status.startswith("Saved at"), status
    after = path.read_text(encoding="utf-8")
    assert comments(after) == comments(before) and len(comments(before)) >= 5
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
               if a != b]
    assert changed == [("  population: 24300", "  population: 24450"),
                       ("  - City Clerk", "  - City Clerk and Records Manager")]
    data = yaml.safe_load(after)
    assert data["city"]["population"] == 24450
    # The page now holds the saved file's digest, so the next save is not refused.
    sha = hashlib.sha256(after.encode("utf-8")).hexdigest()
    assert by_id(driver, "file-sha").get_attribute("value") == sha
    by_id(driver, "save-button").click()
    until(lambda: by_id(driver, "save-status").text.startswith("Nothing to save"),
          "a second save with nothing to do")
    assert path.read_text(encoding="utf-8") == after
    # Changed on disk meanwhile (in a text editor, say): Save refuses, and says so.
    edited = after + "# a note added in a text editor\n"
    path.write_text(edited, encoding="utf-8")
    retype(by_id(driver, "f-city-population"), "24500")
    by_id(driver, "save-button").click()

    def refused() -> str | None:
        text = by_id(driver, "save-status").text
        return text if "changed on disk" in text else None

    assert "not saved" in until(refused, "the refusal")
    assert path.read_text(encoding="utf-8") == edited


def test_the_pdf_downloads(driver: WebDriver, server: Server, downloads: Path) -> None:
    open_editor(driver, server, "lakeview-mn.yaml")
    retype(by_id(driver, "f-city-name"), "Lakeview Shores")
    until(lambda: "Lakeview Shores" in frame_text(driver), "the new name in the preview")
    by_id(driver, "download-policy-pdf").click()
    # While it renders (htmx sends the request within the click): busy, buttons disabled.
    busy = driver.execute_script(
        "return [document.getElementById('downloads').getAttribute('aria-busy'),"
        " [...document.querySelectorAll('#downloads button')].every(b => b.disabled),"
        " document.getElementById('download-status').textContent]")
    assert busy == ["true", True, "Making Policy as PDF\u2026"], busy
    link = until(lambda: driver.find_elements("id", "download-link"), "the download's link")[0]
    name = link.get_attribute("download") or ""
    assert name.startswith("lakeview-mn-") and name.endswith(".pdf"), name
    saved = downloads / name
    until(lambda: saved.is_file() and not list(downloads.glob("*.crdownload")),
          f"{name} in Chromium's download folder")
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    text = " ".join((page.extract_text() or "") for page in PdfReader(BytesIO(data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Lakeview Shores" in text and "Social Media Policy" in text
    assert "Lakeview Shores" not in (server.folder / "lakeview-mn.yaml").read_text()
    assert by_id(driver, "downloads").get_attribute("aria-busy") is None
    assert all(b.is_enabled() for b in driver.find_elements("css selector", "#downloads button"))


PAGES = ["index", "edit council", "edit annotated", "edit model", "edit redline",
         "new city refused", "new city made", "unreadable profile", "page not found",
         "profile not found", "own text"]


@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_nothing(page: str, driver: WebDriver, server: Server, tmp_path: Path) -> None:
    """Each page, and for the edit page each view: the page, then what its frame shows
    on a page of its own (axe cannot run in the frame, sandboxed without scripts)."""
    from selenium.webdriver.support.ui import Select

    kind, _, view = page.partition(" ")
    preview = ""
    if page == "index":
        driver.get(server.url + "/")
        assert len(driver.find_elements("css selector", "table.profiles tbody tr")) >= 7
    elif kind == "edit":
        preview = open_editor(driver, server, "river-pool-oh.yaml")
        if view != "council":
            by_id(driver, f"view-{view}").click()
            preview = loaded_preview(driver, preview)
        assert by_id(driver, "preview-frame").get_attribute("data-view") == view
    elif page == "new city refused":
        driver.get(server.url + "/")
        by_id(driver, "new-city").send_keys("Cedar Falls")
        by_id(driver, "new-submit").click()  # no state chosen
        until(lambda: driver.find_elements("id", "new-error"), "the refusal")
        state = by_id(driver, "new-state")
        assert state.get_attribute("aria-invalid") == "true"
        assert "new-error" in (state.get_attribute("aria-describedby") or "").split()
        assert by_id(driver, "new-city").get_attribute("aria-invalid") is None
        assert by_id(driver, "new-city").get_attribute("value") == "Cedar Falls"
        assert not list(server.folder.glob("cedar-falls*"))
    elif page == "new city made":
        driver.get(server.url + "/")
        by_id(driver, "new-city").send_keys("Cedar Falls <&> Heights")
        Select(by_id(driver, "new-state")).select_by_value("IA")
        by_id(driver, "new-submit").click()
        until(lambda: "/edit/cedar-falls" in driver.current_url, "the new city's edit page")
        assert "created=1" in driver.current_url
        loaded_preview(driver, "")
        assert by_id(driver, "save-status").text.startswith("Created")
        # The name is shown as typed (escaped), never as markup.
        assert "Cedar Falls <&> Heights" in driver.find_element("tag name", "h1").text
        made = [p.name for p in server.folder.glob("cedar-falls*.yaml")]
        assert len(made) == 1, made
    elif page == "unreadable profile":
        (server.folder / "broken-mn.yaml").write_text("city:\n  name: Broken\n  state: [MN\n",
                                                      encoding="utf-8")
        driver.get(server.url + "/edit/broken-mn.yaml")
        listed = by_id(driver, "problem-list").text
        assert listed.startswith("Problem: line 4: YAML syntax error"), listed
    elif page == "own text":  # the city's own text: every clause, the deviation list
        driver.get(server.url + "/edit/granite-bay-co.yaml/custom")
        assert "Livestreams of Public Meetings" in driver.page_source
    elif page == "page not found":
        driver.get(server.url + "/no/such/page")
        assert "Not found" in driver.find_element("tag name", "h1").text
    else:
        driver.get(server.url + "/edit/no-such-city.yaml")
        assert "Not found" in driver.find_element("tag name", "h1").text
    assert axe_violations(driver) == []
    assert outside_requests(driver, server) == []
    if preview:
        status, text = http(server, "GET", preview.removeprefix(server.url))
        assert status == 200
        shown = tmp_path / f"preview-{view}.html"
        shown.write_text(text, encoding="utf-8")
        driver.get(shown.as_uri())
        assert axe_violations(driver) == []


def test_values_a_date_or_number_input_cannot_hold_are_kept(driver: WebDriver,
                                                            server: Server) -> None:
    """A browser's date and number inputs drop a value they cannot read; such a value is
    shown as text instead, with its message, and a save of other changes keeps it."""
    path = server.folder / "odd-values-ar.yaml"
    text = (server.folder / "pine-ridge-ar.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  meeting_date: .*$", '  meeting_date: "February 9, 2027"', text)
    text = re.sub(r"(?m)^  population: .*$", "  population: about 7,900", text)
    path.write_text(text, encoding="utf-8")
    driver.get(f"{server.url}/edit/{path.name}")
    # No preview (the profile does not load even as a draft); the page's check says so.
    until(lambda: "fix the problems" in by_id(driver, "preview-note").text, "the first check")
    for field, value in (("council-meeting_date", "February 9, 2027"),
                         ("city-population", "about 7,900")):
        shown = by_id(driver, f"f-{field}")
        assert shown.get_attribute("type") == "text"
        assert shown.get_property("value") == value
        assert shown.get_attribute("aria-invalid") == "true"
        assert by_id(driver, f"m-{field}").text.startswith("Problem:")
    assert by_id(driver, "check-status").text.startswith("2 problems")
    retype(by_id(driver, "f-city-name"), "Pine Ridge Heights")
    by_id(driver, "save-button").click()
    until(lambda: by_id(driver, "save-status").text.startswith("Saved at"), "the save")
    saved = path.read_text(encoding="utf-8")
    assert saved == text.replace("  name: Pine Ridge\n", "  name: Pine Ridge Heights\n")


def test_keyboard_alone(driver: WebDriver, server: Server) -> None:
    from selenium.webdriver.common.keys import Keys

    path = server.folder / "prairie-glen-ks.yaml"
    before = path.read_text(encoding="utf-8")
    open_editor(driver, server, "prairie-glen-ks.yaml")
    rules = driver.execute_script(
        "return [...document.styleSheets].flatMap(s => [...s.cssRules])"
        ".filter(r => (r.selectorText || '').includes(':focus-visible'))"
        ".map(r => [r.selectorText, r.style.getPropertyValue('outline')])")
    assert any(re.fullmatch(r"[2-9]px solid .+", outline) for _, outline in rules), rules
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")

    # From the top: the skip link first, visible once focused, and it leads to <main>.
    skip = press(driver, Keys.TAB)
    assert "skip-link" in skip["cls"] and skip["visible"], skip
    top = driver.execute_script("return document.activeElement.getBoundingClientRect().top")
    assert top >= 0
    assert press(driver, Keys.ENTER)["id"] == "main"

    # On through the page: Save, then the first field; every stop shows its focus.
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["id"] != "f-city-name":
        seen.append(press(driver, Keys.TAB))
        assert len(seen) < 60, [s["id"] or s["text"] for s in seen]
    ids = [s["id"] for s in seen]
    assert ids.index("save-button") < ids.index("f-model") < ids.index("f-city-name")
    assert [s for s in seen if not shows_focus(s)] == []

    # Type a new name, go back to Save with Shift+Tab, and press Enter: it saves.
    press(driver, "a", held=Keys.CONTROL)
    press(driver, "Prairie Glen Springs")
    back = 0
    while press(driver, Keys.TAB, held=Keys.SHIFT)["id"] != "save-button":
        back += 1
        assert back < 60
    press(driver, Keys.ENTER)
    status = until(lambda: by_id(driver, "save-status").text, "the save's status")
    assert status.startswith("Saved at"), status
    after = path.read_text(encoding="utf-8")
    assert "  name: Prairie Glen Springs\n" in after and comments(after) == comments(before)

    # And on from Save to the downloads, each reached and shown focused.
    stops: list[dict[str, Any]] = []
    while not stops or stops[-1]["id"] != "download-packet-pdf":
        stops.append(press(driver, Keys.TAB))
        assert len(stops) < 400
    reached = [s["id"] for s in stops if s["id"].startswith("download-")]
    assert reached == ["download-policy-docx", "download-policy-pdf", "download-form-pdf",
                       "download-packet-pdf"]
    # (In the frame, the focus is on the policy's links, drawn by the browser's own ring.)
    assert [s for s in stops if s["tag"] != "IFRAME" and not shows_focus(s)] == []


def test_lists_grow_and_shrink_by_keyboard(driver: WebDriver, server: Server) -> None:
    from selenium.webdriver.common.keys import Keys

    open_editor(driver, server, "harbor-point-wa.yaml")

    def items() -> list[str]:  # read in one step: the list is swapped in anew
        values: list[str] = driver.execute_script(
            "return [...document.querySelectorAll('#c-linked_policies input[type=text]')]"
            ".map(e => e.value)")
        return values

    before = items()
    add = driver.find_element("css selector", "#c-linked_policies button.add")
    driver.execute_script("arguments[0].focus()", add)
    # Enter on Add: a new, empty item, and the focus in it, ready to type.
    press(driver, Keys.ENTER)
    new = f"f-linked_policies-{len(before)}"
    until(lambda: focused(driver)["id"] == new, "the focus in the new item")
    press(driver, "Policy 9, Drones")
    until(lambda: items() == [*before, "Policy 9, Drones"], "the new item typed")
    until(lambda: "Policy 9, Drones" in frame_text(driver), "the new item previewed")
    # Enter on the first item's Remove: gone, the focus on the item now first.
    cited = frame_text(driver).count(before[0])
    remove = driver.find_element("css selector", "#c-linked_policies button.remove")
    driver.execute_script("arguments[0].focus()", remove)
    press(driver, Keys.ENTER)
    until(lambda: items() == [*before[1:], "Policy 9, Drones"], "the first item removed")
    until(lambda: focused(driver)["id"] == "f-linked_policies-0", "the focus on the first item")
    until(lambda: frame_text(driver).count(before[0]) < cited, "the item gone from the preview")


@pytest.mark.parametrize("page", ["/", "/edit/granite-bay-co.yaml"])
def test_a_narrow_window_needs_no_sideways_scrolling(page: str, driver: WebDriver,
                                                     server: Server) -> None:
    """WCAG 1.4.10 (reflow): at 320 CSS pixels wide, nothing but the preview's own page
    scrolls sideways (long addresses in the guidance wrap, the form is one column)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 320, "height": 640, "deviceScaleFactor": 1,
                            "mobile": False})
    try:
        driver.get(server.url + page)
        wide = driver.execute_script(
            "const d = document.documentElement; return [d.scrollWidth, d.clientWidth]")
        assert wide[0] <= wide[1], wide
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_foreign_host_and_missing_token_are_refused(server: Server) -> None:
    token = server.token()
    name = "/edit/example-city.yaml"
    form = b"city.name=Elsewhere"
    urlencoded = {"Content-Type": "application/x-www-form-urlencoded"}
    # The address it printed, and localhost: served. Any other Host (DNS rebinding): not.
    assert http(server, "GET", name)[0] == 200
    assert http(server, "GET", name, host=f"localhost:{server.port}")[0] == 200
    for host in (f"attacker.example:{server.port}", "127.0.0.1", f"127.0.0.1:{server.port + 1}"):
        status, text = http(server, "GET", name, host=host)
        assert status == 400 and "answers only at the address it printed" in text, host
    assert http(server, "POST", name + "/save", host=f"evil.example:{server.port}",
                headers={**urlencoded, "X-Smpgen-Token": token}, body=form)[0] == 400
    # A change without the token (or with a wrong one) is refused, and writes nothing.
    before = (server.folder / "example-city.yaml").read_bytes()
    for headers, body in (({}, form), ({"X-Smpgen-Token": "guessed"}, form),
                          ({}, form + b"&_token=guessed")):
        status, text = http(server, "POST", name + "/save", headers={**urlencoded, **headers},
                            body=body)
        assert status == 403 and "token" in text, (headers, body)
    assert http(server, "POST", "/new", headers=urlencoded,
                body=b"city=Elsewhere&state=MN")[0] == 403
    # The token itself, but sent by another site's page: refused too.
    assert http(server, "POST", name + "/preview", body=form,
                headers={**urlencoded, "X-Smpgen-Token": token,
                         "Origin": "http://attacker.example"})[0] == 403
    assert (server.folder / "example-city.yaml").read_bytes() == before
    assert not list(server.folder.glob("elsewhere*"))
    # With the token, the same request is answered (so the refusals were the guard's).
    status, _ = http(server, "POST", name + "/preview", body=form,
                     headers={**urlencoded, "X-Smpgen-Token": token, "Accept": "application/json"})
    assert status == 200
