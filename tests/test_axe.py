"""Every kind of HTML smpgen writes, for every example city, passes axe-core's WCAG 2.0 and
2.1 A and AA rules in a real headless Chromium (Debian's chromium and chromium-driver) and
the markup checks of :mod:`smpgen.checks.html`; and those checks find real faults, located.

Everything is rendered once for the module and checked in one browser session, with a
few faulty pages alongside: 44 pages, about 15 seconds (``pytest -s`` prints the time)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import REPO

import smpgen
from smpgen.api import redline, release_notes
from smpgen.checks import Finding
from smpgen.checks.html import BrowserError, check_html, markup_findings
from smpgen.profile import load_profile
from smpgen.removals import load_record, tracking_form
from smpgen.writers.form_html import write_form_html

CITIES = sorted((REPO / "city_profiles").glob("*.yaml"))
TEMPLATES = REPO / "templates"
RECORDS = {"lakeview-mn": REPO / "city_profiles" / "removals" / "lakeview-2026-11-03.yaml"}
"""The example removal records, by the city they belong to (a filled form each)."""

Checked = tuple[list[Finding], list[str]]
"""What the one browser session found, and what the pages asked the web for."""

KINDS = ("policy council", "policy annotated", "policy model", "executive summary",
         "tracking form", "filled form", "redline", "release notes")

# Faulty pages: (file name, markup, rule expected, where it is expected).
PAGE = """<!DOCTYPE html>
<html{lang}>
<head><meta charset="utf-8"><title>A faulty page</title>
<style>@media print {{ body {{ margin: 0; }} }} .faint {{ color: #b0b0b0; background: #fff; }}</style>
</head>
<body>
<main>
<h1>A faulty page</h1>
{body}
</main>
</body>
</html>
"""
FAULTS = [
    ("no-alt.html", PAGE.format(lang=' lang="en"', body='<p>A photo: <img src="photo.png"></p>'),
     "axe image-alt", "img"),
    ("low-contrast.html", PAGE.format(lang=' lang="en"', body=(
        '<p>Text dark enough.</p>\n<p class="faint">Text too pale to read.</p>')),
     "axe color-contrast", ".faint"),
    ("no-lang.html", PAGE.format(lang="", body="<p>Which language?</p>"),
     "axe html-has-lang", "html"),
    ("skipped-heading.html", PAGE.format(lang=' lang="en"', body=(
        '<h2>Scope</h2>\n<p>Text.</p>\n<h4 id="detail">Detail</h4>\n<p>More text.</p>')),
     "html heading-levels", "h4#detail (line 11)"),
    ("click-here.html", PAGE.format(lang=' lang="en"', body=(
        '<p>The rules are online: <a href="https://example.gov/rules">click here</a>.</p>')),
     "html link-text", "main > p > a (line 9)"),
]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Every HTML kind for every example city (the model edition and the release notes
    once), by kind."""
    out = tmp_path_factory.mktemp("html")
    kinds: dict[str, list[Path]] = {kind: [] for kind in KINDS}
    for city in CITIES:
        council = smpgen.render(city, formats=["html"], out_dir=out / "council", force=True,
                                templates=TEMPLATES, jobs=1).paths
        kinds["executive summary"] += [p for p in council if p.stem == "executive-summary"]
        kinds["policy council"] += [p for p in council if p.stem != "executive-summary"]
        kinds["policy annotated"] += smpgen.render(
            city, formats=["html"], out_dir=out / "annotated", edition="annotated", force=True,
            templates=TEMPLATES, jobs=1).paths
        kinds["redline"] += redline(city, formats=["html"], out_dir=out / "redline", force=True,
                                    templates=TEMPLATES).paths
        # The form is made as PDF only; its HTML is what WeasyPrint tags, so check it too.
        form = tracking_form(load_profile(city, draft=True, templates=TEMPLATES))
        kinds["tracking form"].append(_write(out / "form" / f"{city.stem}.html",
                                             write_form_html(form)))
        if city.stem in RECORDS:
            form.record = load_record(RECORDS[city.stem], form)
            kinds["filled form"].append(_write(out / "filled" / f"{city.stem}.html",
                                               write_form_html(form)))
    kinds["policy model"] += smpgen.render_model(formats=["html"], out_dir=out / "model",
                                                 force=True, templates=TEMPLATES).paths
    kinds["release notes"] += release_notes("city-social-media", "0.2.0", "0.3.0",
                                            formats=["html"], out_dir=out / "notes", force=True,
                                            templates=TEMPLATES).paths
    for name, markup, _rule, _where in FAULTS:
        _write(out / "faults" / name, markup)
    return kinds


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def checked(pages: dict[str, list[Path]]) -> Iterator[Checked]:
    """One browser session over every page, faulty ones included, with Selenium Manager
    made to fail if selenium ever asked it for a browser or a driver, and a web server on
    this machine that one page asks for an image (it must never be asked)."""
    from selenium.webdriver.common.selenium_manager import SeleniumManager

    def no_downloads(*_args: object) -> dict[str, str]:
        raise AssertionError("selenium asked Selenium Manager for a browser or a driver")

    folder = next(iter(pages.values()))[0].parents[2]
    faults = [folder / "faults" / name for name, *_ in FAULTS]
    every = [p for files in pages.values() for p in files]
    with _web_server() as server, pytest.MonkeyPatch.context() as patch:
        patch.setattr(SeleniumManager, "binary_paths", no_downloads)
        remote = _write(folder / "remote.html", PAGE.format(lang=' lang="en"', body=(
            f'<p><img alt="A map" src="http://127.0.0.1:{server.server_port}/map.png"></p>')))
        start = time.perf_counter()
        findings = check_html([*every, *faults, remote])
        took = time.perf_counter() - start
        print(f"\naxe: {len(every) + len(faults) + 1} pages in one browser session, {took:.1f} s")
        yield findings, server.requests


class _Server(http.server.ThreadingHTTPServer):
    requests: list[str]


@contextmanager
def _web_server() -> Iterator[_Server]:
    """A web server on this machine that records what it was asked for."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(self.path)
            self.send_error(404)

        def log_message(self, *_args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", KINDS)
def test_every_html_kind_passes(kind: str, pages: dict[str, list[Path]],
                                checked: Checked) -> None:
    assert pages[kind], f"no {kind} was rendered"
    assert all(p.suffix == ".html" and p.exists() for p in pages[kind])
    files = set(pages[kind])
    assert [f.format() for f in checked[0] if f.path in files] == []


def test_every_example_city_is_checked(pages: dict[str, list[Path]]) -> None:
    assert len(CITIES) >= 7
    for kind in ("policy council", "policy annotated", "executive summary", "redline",
                 "tracking form"):
        assert len(pages[kind]) == len(CITIES), kind


@pytest.mark.parametrize(("name", "rule", "where"), [(n, r, w) for n, _m, r, w in FAULTS])
def test_a_fault_is_found_and_located(name: str, rule: str, where: str,
                                      checked: Checked) -> None:
    found = [f for f in checked[0] if f.path.name == name]
    assert [(f.rule, f.where) for f in found] == [(rule, where)], [f.format() for f in found]


def test_the_contrast_finding_says_what_to_fix(checked: Checked) -> None:
    (found,) = [f for f in checked[0] if f.path.name == "low-contrast.html"]
    assert "insufficient color contrast" in found.message
    assert "#b0b0b0" in found.message and "4.5:1" in found.message
    assert found.format().startswith(f"{found.path}: .faint: axe color-contrast: ")


def test_the_markup_checks_without_a_browser(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<!DOCTYPE html>\n<html lang="en_US">\n<head><title>T</title>\n'
        '<link rel="stylesheet" href="screen.css"></head>\n<body>\n<h2>First</h2>\n'
        '<main><p><a href="https://example.gov/x">https://example.gov/x</a></p>\n'
        '<p>Our site, <a href="https://example.gov/">https://example.gov/</a>.</p>\n'
        '<p><a href="#a"><span aria-hidden="true">\u2192</span> Read more</a></p></main>\n'
        "<main></main>\n</body>\n</html>\n", encoding="utf-8")
    (tmp_path / "screen.css").write_text("/* @media print { } */ body { color: #000; }",
                                         encoding="utf-8")
    found = markup_findings(page)
    assert [(f.rule, f.where) for f in found] == [
        ("html lang", "html (line 2)"),
        ("html one-main", "main:nth-of-type(2) (line 10)"),
        ("html heading-levels", "h2 (line 6)"),
        ("html link-text", "main:nth-of-type(1) > p:nth-of-type(1) > a (line 7)"),
        ("html link-text", "main:nth-of-type(1) > p:nth-of-type(3) > a (line 9)"),
        ("html print-styles", ""),
    ]
    assert 'lang="en_US", not a language tag' in found[0].message
    (tmp_path / "screen.css").write_text("@media print { a { color: #000; } }", encoding="utf-8")
    found = markup_findings(page)
    assert "html print-styles" not in {f.rule for f in found}
    page.write_text('<!DOCTYPE html>\n<html lang="en"><title>T</title><style>@page { }</style>\n'
                    '<body><main><h1>T</h1><p><a href="/a"><img src="a.png" alt="Here"></a></p>\n'
                    '<p><a href="/b"><img src="b.png" alt="Council agenda"></a></p></main>\n',
                    encoding="utf-8")
    assert [(f.rule, f.where) for f in markup_findings(page)] == [
        ("html link-text", "main > p:nth-of-type(1) > a (line 3)")]


def test_a_missing_browser_is_a_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html lang=en><title>T</title><main></main>", "utf-8")
    with pytest.raises(BrowserError, match=r"install the Debian packages chromium and "
                       r"chromium-driver .*chromium-driver provides .*/chromedriver"):
        check_html([page], chromedriver=tmp_path / "chromedriver")
    with pytest.raises(BrowserError, match=r"chromium provides .*/nothing"):
        check_html([page], chromium=tmp_path / "nothing")
    assert issubclass(BrowserError, smpgen.SmpgenError)


def test_pages_are_checked_offline(checked: Checked) -> None:
    assert checked[1] == []  # remote.html's image was never fetched
    assert [f for f in checked[0] if f.path.name == "remote.html"] == []
