"""HTML checks: axe-core's WCAG 2.0 and 2.1 A and AA rules, run in a real headless
browser (Debian's Chromium, driven by selenium through Debian's chromedriver), and the
checks the issue asks for that those axe rules do not make (one ``<main>``, headings in
order, meaningful link text, print styles), made on the markup without a browser.

Nothing here downloads anything: the browser and its driver are named by path, so
Selenium Manager is never asked for them, and axe-core ships with smpgen
(``assets/axe/``, MPL-2.0). The pages checked are kept off the network, so a check is the
same offline and never waits on a remote image.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree, html

from ..errors import SmpgenError, UserError
from . import Finding

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (package ``chromium``)."""
CHROMEDRIVER = Path("/usr/bin/chromedriver")
"""Debian's chromedriver (package ``chromium-driver``), the same build as the browser."""

AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
"""The axe-core rules run: WCAG 2.0 and 2.1, levels A and AA (the ADA Title II rule)."""

PAGE_TIMEOUT = 30
"""Seconds a page may take to load."""
AXE_TIMEOUT = 60
"""Seconds axe-core may take on one page (a long policy takes about one)."""

_BROWSER_ARGS = ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-extensions", "--no-first-run",
                 # No traffic of the browser's own (updates of its components, its
                 # search engine, accounts): the services are off, and no name resolves
                 # (_RESOLVE, which may spare the loopback address).
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-domain-reliability", "--disable-sync")
_RESOLVE = "--host-resolver-rules=MAP * ~NOTFOUND"
_OFFLINE = ("http://*", "https://*", "ws://*", "wss://*", "ftp://*")

# Runs axe and hands back only what a Finding needs (the full result is large).
_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
  .then(r => done({violations: r.violations.map(v => ({
          id: v.id, help: v.help,
          nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary || ""}))}))}),
        e => done({error: String(e)}));
"""


class BrowserError(SmpgenError):
    """The headless browser the HTML check runs axe-core in is missing, or failed."""

    exit_code = 2  # the check could not run: not the 1 that says a file has problems


def check_html(paths: list[Path], *, chromium: Path = CHROMIUM,
               chromedriver: Path = CHROMEDRIVER) -> list[Finding]:
    """Every accessibility problem found in the HTML files ``paths``, each located: axe-core's
    WCAG 2.0/2.1 A and AA violations (one finding per element), then this module's own
    checks. All the files are checked in one browser session.

    Raises :class:`BrowserError` when Chromium, its driver or selenium is missing, naming
    what to install."""
    pages = [(path, _page(path)) for path in paths]  # an unreadable file fails before the browser
    findings: list[Finding] = []
    with browser(chromium, chromedriver) as driver:
        axe = _axe_source()
        for path, root in pages:
            found = _run_axe(driver, path, axe)
            axe_rules = {f.rule for f in found}
            findings += found
            findings += [f for f in _markup(path, root)
                         if not axe_rules & _SAME_AS_AXE.get(f.rule, set())]
    return findings


def markup_findings(path: Path) -> list[Finding]:
    """The checks of the HTML file ``path`` made on its markup, without a browser: the page's
    language, one main landmark, heading levels, link text, print styles (the part of
    :func:`check_html` that needs neither Chromium nor selenium)."""
    return _markup(path, _page(path))


def _markup(path: Path, root: Any) -> list[Finding]:
    return [*_lang(path, root), *_main(path, root), *_headings(path, root), *_links(path, root),
            *_print_styles(path, root)]


# The browser and axe --------------------------------------------------------------------

@contextmanager
def browser(chromium: Path = CHROMIUM, chromedriver: Path = CHROMEDRIVER, *,
            local: bool = False, window: str = "1280,1024") -> Iterator[WebDriver]:
    """A headless Chromium session, kept off the network, closed on leaving. With
    ``local`` it reaches 127.0.0.1 over plain http (a server of smpgen's own, such as
    ``smpgen serve`` under test) and nothing else."""
    for program, package in ((chromium, "chromium"), (chromedriver, "chromium-driver")):
        if not (program.is_file() and os.access(program, os.X_OK)):
            raise BrowserError(
                f"checking HTML runs axe-core in Debian's Chromium, and {program} is missing: "
                "install the Debian packages chromium and chromium-driver "
                f"(sudo apt-get install chromium chromium-driver); {package} provides {program}")
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        raise BrowserError("checking HTML drives Chromium with selenium, which is not installed: "
                           "pip install selenium") from e
    resolve = f"{_RESOLVE}, EXCLUDE 127.0.0.1" if local else _RESOLVE
    blocked = [u for u in _OFFLINE if not (local and u == "http://*")]
    # The browser's profile and its temporary files live in a folder of its own, removed
    # afterwards (Chromium otherwise leaves a folder in /tmp for every session).
    with tempfile.TemporaryDirectory(prefix="smpgen-chromium-") as scratch:
        options = Options()
        options.binary_location = str(chromium)
        for arg in (*_BROWSER_ARGS, resolve, f"--window-size={window}",
                    f"--user-data-dir={scratch}/profile"):
            options.add_argument(arg)
        if os.geteuid() == 0:  # Chromium's sandbox refuses to start as root
            options.add_argument("--no-sandbox")
        # A driver path given to Service means selenium never runs Selenium Manager, which
        # would otherwise look for (and download) a browser and a driver.
        service = Service(executable_path=str(chromedriver), env={**os.environ, "TMPDIR": scratch})
        try:
            driver = webdriver.Chrome(options=options, service=service)
        except WebDriverException as e:
            raise BrowserError(f"Chromium ({chromium}) did not start under {chromedriver}: "
                               f"{_first_line(e.msg)}; chromium and chromium-driver must be the "
                               "same version (reinstall both Debian packages)") from e
        try:
            driver.set_page_load_timeout(PAGE_TIMEOUT)
            driver.set_script_timeout(AXE_TIMEOUT)
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": blocked})
            yield driver
        finally:
            driver.quit()


def _axe_source() -> str:
    return (resources.files("smpgen") / "assets" / "axe" / "axe.min.js").read_text("utf-8")


def _run_axe(driver: WebDriver, path: Path, axe: str) -> list[Finding]:
    """axe-core's violations on one page: a finding per element that fails a rule."""
    from selenium.common.exceptions import TimeoutException, WebDriverException

    try:
        driver.get(path.resolve().as_uri())
        driver.execute_script(axe)
        result = driver.execute_async_script(_RUN_AXE, list(AXE_TAGS))
    except TimeoutException:
        return [Finding(path, "", "axe timeout", f"the page did not load and pass axe-core within "
                        f"{PAGE_TIMEOUT + AXE_TIMEOUT} seconds, so it was not checked")]
    except WebDriverException as e:
        raise BrowserError(f"{path}: Chromium failed while checking the page: "
                           f"{_first_line(e.msg)}") from e
    if not isinstance(result, dict) or "error" in result:
        error = result.get("error") if isinstance(result, dict) else result
        return [Finding(path, "", "axe error", f"axe-core could not check the page: {error}")]
    return [Finding(path, _target(node["target"]), f"axe {violation['id']}",
                    _message(violation["help"], node["summary"]))
            for violation in result["violations"] for node in violation["nodes"]]


def _target(target: list[Any]) -> str:
    """axe's CSS selector of a node; a node inside a frame or shadow root is a list of them."""
    return " ".join(t if isinstance(t, str) else " >>> ".join(t) for t in target)


def _message(help_text: str, summary: str) -> str:
    """axe's one-line help, then its failure summary on one line: each "Fix any (all) of the
    following:" block followed by its reasons, separated by semicolons."""
    blocks = []
    for block in summary.split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines:
            blocks.append(" ".join([lines[0], "; ".join(lines[1:])]).strip())
    return ". ".join([help_text, *blocks]) + "."


def _first_line(message: str | None) -> str:
    lines = (message or "").strip().splitlines()
    return lines[0] if lines else "no message"


# The markup -----------------------------------------------------------------------------

_SAME_AS_AXE = {"html lang": {"axe html-has-lang", "axe html-lang-valid"}}
"""Checks of this module that axe also makes: when axe has reported it, not again."""

_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_HEADING = re.compile(r"h([1-6])")
_GENERIC_LINKS = frozenset({
    "click here", "click", "here", "click this", "this", "this link", "link", "more",
    "read more", "learn more", "more info", "more information", "details", "go", "this page",
    "page", "continue", "see here", "follow this link"})
"""Link texts that say nothing of where a link goes (WCAG 2.4.4)."""
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_BLOCKS = frozenset({"p", "li", "td", "th", "dd", "dt", "caption", "figcaption", "h1", "h2",
                     "h3", "h4", "h5", "h6", "div", "section", "main", "body", "nav", "aside"})
_PRINT_RULES = re.compile(r"@media[^{;]*\bprint\b|@page\b", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_MAX_CSS = 1_000_000
"""Bytes of a linked stylesheet read for the print-styles check."""


def _page(path: Path) -> Any:
    """The page parsed by lxml (its ``<meta charset>`` read), or a located error."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UserError(f"{path}: cannot read it: {e.strerror}") from e
    try:
        return html.document_fromstring(data)
    except (etree.ParserError, ValueError) as e:
        raise UserError(f"{path}: not an HTML page: {e}") from e


def _lang(path: Path, root: Any) -> list[Finding]:
    lang = (root.get("lang") or "").strip()
    if _LANG.fullmatch(lang):
        return []
    problem = "sets no language" if not lang else f"has lang=\"{lang}\", not a language tag"
    return [Finding(path, _where(root), "html lang",
                    f"the page {problem}: give <html> the document's language (lang=\"en-US\"), "
                    "so a screen reader reads it in the right voice")]


def _main(path: Path, root: Any) -> list[Finding]:
    mains = [el for el in _elements(root)
             if (el.tag == "main" or el.get("role") == "main") and not _hidden(el)]
    if not mains:
        return [Finding(path, "", "html one-main", "the page has no <main>: put its content in "
                        "one <main> element, so a screen reader user can skip to it")]
    return [Finding(path, _where(el), "html one-main",
                    f"a second <main> (there are {len(mains)}): a page has exactly one, around "
                    "its content") for el in mains[1:]]


def _headings(path: Path, root: Any) -> list[Finding]:
    found = []
    previous = 0
    for el in _elements(root):
        level = _heading_level(el)
        if level is None or _hidden(el):
            continue
        if level > previous + 1:
            why = (f"an h{level} follows an h{previous}" if previous else
                   f"the page's first heading is an h{level}")
            found.append(Finding(path, _where(el), "html heading-levels",
                                 f"{why}: a heading level is skipped; make it an h{previous + 1} "
                                 "or add the missing level, so the outline a screen reader "
                                 "lists has no gaps"))
        previous = level
    return found


def _heading_level(el: Any) -> int | None:
    role = el.get("role")
    match = _HEADING.fullmatch(el.tag)
    if match and role in (None, "heading"):
        return int(match.group(1))
    if role == "heading":
        level = el.get("aria-level", "2")
        return int(level) if level.isdigit() and int(level) > 0 else 2
    return None


def _links(path: Path, root: Any) -> list[Finding]:
    found = []
    for link in root.iter("a"):
        if link.get("href") is None or _hidden(link):
            continue
        name = _squash(link.get("aria-label") or _text(link))
        if name.lower().strip(" .:!>\u203a\u00bb") in _GENERIC_LINKS:
            found.append(Finding(path, _where(link), "html link-text",
                                 f"the link's text \u201c{name}\u201d says nothing of where it "
                                 "goes: make the text name the page it opens"))
        elif _URL.fullmatch(name) and _squash(_text(_block(link))) == name:
            found.append(Finding(path, _where(link), "html link-text",
                                 f"the link is a bare web address ({name}) with nothing naming "
                                 "it: say what it is (\u201cthe City\u2019s Facebook page, "
                                 "https://...\u201d), or make that the link's text"))
    return found


def _print_styles(path: Path, root: Any) -> list[Finding]:
    css = []
    for el in _elements(root):
        if el.tag == "style":
            css.append(el.text_content())
        elif el.tag == "link" and "stylesheet" in (el.get("rel") or "").lower().split():
            if "print" in (el.get("media") or "").lower():
                return []
            text = _local_css(path, el.get("href") or "")
            if text is None:
                return []  # a stylesheet that cannot be read here: assume the best of it
            css.append(text)
    if _PRINT_RULES.search(_CSS_COMMENT.sub("", "\n".join(css))):
        return []
    return [Finding(path, "", "html print-styles",
                    "the page has no print styles (an @media print block, a print stylesheet or "
                    "@page rules): add them, so the page prints as a clean document")]


def _local_css(page: Path, href: str) -> str | None:
    """The text of a stylesheet a page links to, if it is a small regular file beside the
    page (not a web address, a device or a pipe, which could hang the check)."""
    if re.match(r"[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
        return None
    css = page.parent / href.split("#")[0].split("?")[0]
    try:
        if not css.is_file() or css.stat().st_size > _MAX_CSS:
            return None
        return css.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _elements(root: Any) -> Iterator[Any]:
    """Every element, in document order (no comments or processing instructions)."""
    return (el for el in root.iter() if isinstance(el.tag, str))


def _hidden(el: Any) -> bool:
    """Whether ``el`` is hidden from everyone by its markup (``hidden``, ``aria-hidden``)."""
    while el is not None:
        if el.get("hidden") is not None or el.get("aria-hidden") == "true":
            return True
        el = el.getparent()
    return False


def _text(el: Any) -> str:
    """What a screen reader reads of ``el``: its text and images' alt, hidden parts left out."""
    if not isinstance(el.tag, str) or el.get("aria-hidden") == "true":
        return ""
    parts = [(el.get("alt") or "") if el.tag == "img" else (el.text or "")]
    for child in el:
        parts += [_text(child), child.tail or ""]
    return "".join(parts)


def _block(el: Any) -> Any:
    """The nearest block around ``el`` (its paragraph, list item, cell, heading)."""
    parent = el.getparent()
    while parent is not None and parent.tag not in _BLOCKS:
        parent = parent.getparent()
    return parent if parent is not None else el


def _squash(text: str) -> str:
    return " ".join(text.split())


def _where(el: Any) -> str:
    """A CSS selector of ``el`` (from its nearest ancestor with an id), and its line."""
    parts = []
    node = el
    while node is not None and node.tag not in ("html", "body"):
        ident = node.get("id")
        if ident and re.fullmatch(r"[A-Za-z_][\w-]*", ident):
            parts.append(f"{node.tag}#{ident}")
            break
        tag = node.tag
        parent = node.getparent()
        same = [s for s in parent if s.tag == tag] if parent is not None else [node]
        parts.append(f"{tag}:nth-of-type({same.index(node) + 1})" if len(same) > 1 else tag)
        node = parent
    return f"{' > '.join(reversed(parts)) or el.tag} (line {el.sourceline})"
