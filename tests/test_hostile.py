"""Hostile input is printed as text, never acted on; a model cannot leave its sandbox."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import docx_text, pdf_pages, run

BASE = {
    "model": "mini-policy",
    "city": {"name": "Lakeshore", "state": "MN", "website": "https://lakeshore.example.gov"},
    "officials": {"chief": "City Manager"},
}


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records anything that connects to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                seen.append(conn.recv(1024))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


def render(mini: Path, profile: Path, out: Path, *args: str) -> object:
    return run(["--templates", str(mini), "render", str(profile), "--out", str(out), *args])


@pytest.mark.parametrize("value", [
    "{{ 7 * 7 }} {% if true %}x{% endif %}",
    "<script>alert(1)</script><style>*{color:red}</style>",
    "</w:t></w:r><w:r><w:t>injected",
    "**bold** _em_ [link](http://example.com) `code`",
    "Española, Coeur d'Alene, Ōtautahi, Saint-Méry",
    "\u05e2\u05d9\u05e8 \u05d4\u05de\u05e9\u05e4\u05d8",  # right-to-left (Hebrew)
])
def test_values_print_as_written(value: str, mini: Path, tmp_path: Path,
                                 write_profile: Callable[..., Path]) -> None:
    path = write_profile(dict(BASE, officials={"chief": value}))
    result = render(mini, path, tmp_path / "out", "--format", "docx,pdf,html")
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "city"
    assert value in docx_text(folder / "mini-policy.docx")
    assert value in " ".join(pdf_pages(folder / "mini-policy.pdf"))
    html = (folder / "mini-policy.html").read_text()
    assert "<script>" not in html and "<style>*" not in html


def test_no_fetch_on_behalf_of_a_profile_or_model(listener: tuple[int, list[bytes]], mini: Path,
                                                  tmp_path: Path,
                                                  write_profile: Callable[..., Path]) -> None:
    port, seen = listener
    url = f"http://127.0.0.1:{port}"
    section = mini / "mini-policy" / "sections" / "extra.md"
    section.write_text(section.read_text() + f'\n![logo]({url}/a.png) <img src="{url}/b.png">\n'
                       f'<link rel="attachment" href="{url}/c">\n')
    path = write_profile(dict(BASE, officials={"chief": f'<img src="{url}/d.png">'},
                              city=dict(BASE["city"], website=f"{url}/site")))
    result = render(mini, path, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert seen == []
    assert url in " ".join(pdf_pages(tmp_path / "out" / "city" / "mini-policy.pdf"))


def test_file_urls_are_not_read(mini: Path, tmp_path: Path,
                                write_profile: Callable[..., Path]) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = write_profile(dict(BASE, officials={"chief": f'<img src="{secret.as_uri()}">'}))
    result = render(mini, path, tmp_path / "out")
    assert result.exit_code == 0
    folder = tmp_path / "out" / "city"
    for name in ("mini-policy.pdf", "executive-summary.pdf", "tracking-form.pdf"):
        assert b"TOP-SECRET-CONTENT" not in (folder / name).read_bytes()


@pytest.mark.parametrize(("template", "message"), [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}",
     "blocked by the template sandbox: access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ cycler.__init__.__globals__.os.popen('id').read() }}",
     "blocked by the template sandbox: access to attribute '__init__' of 'type' object is unsafe."),
    ("{% include '/etc/passwd' %}", "/etc/passwd"),
    ("{% include '../../../../../../etc/hostname' %}", "../../../../../../etc/hostname"),
    ("{{ officials.nonexistent }}",
     "'dict object' has no attribute 'nonexistent'; declare it in model.yaml under variables"),
    ("{{ undeclared_thing }}",
     "'undeclared_thing' is undefined; declare it in model.yaml under variables"),
])
def test_a_model_cannot_escape(template: str, message: str, mini: Path, tmp_path: Path,
                               write_profile: Callable[..., Path]) -> None:
    section = mini / "mini-policy" / "sections" / "extra.md"
    section.write_text(template + "\n")
    path = write_profile(BASE)
    result = render(mini, path, tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {section.resolve()}:1: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_characters_the_fonts_lack_are_warned_about(mini: Path, tmp_path: Path,
                                                    write_profile: Callable[..., Path]) -> None:
    path = write_profile(dict(BASE, officials={"chief": "Chief \U0001f600 \U0001f44d"}))
    result = render(mini, path, tmp_path / "out", "--format", "pdf,docx")
    assert result.exit_code == 0
    assert (f"{path}:7: officials.chief: warning: \U0001f44d (U+1F44D) cannot be drawn by the "
            "PDF's embedded fonts and will print as an empty box there (the DOCX and HTML keep "
            "it)") in result.stderr.splitlines()
    assert "U+1F600" not in result.stderr  # the fallback face draws this one
    folder = tmp_path / "out" / "city"
    assert "Chief \U0001f600 \U0001f44d" in docx_text(folder / "mini-policy.docx")
    # A font with a missing glyph gets WeasyPrint's own CMap, which pypdf cannot read;
    # poppler (as in most readers) can.
    import subprocess

    text = subprocess.run(["pdftotext", str(folder / "mini-policy.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Chief \U0001f600" in text


def test_the_pdf_uses_only_the_packaged_fonts(mini: Path, tmp_path: Path,
                                              write_profile: Callable[..., Path]) -> None:
    """Whatever the characters, no font of this machine's ends up in the PDF."""
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    import smpgen.writers.pdf as pdf_writer

    path = write_profile(dict(BASE, officials={"chief": "\u05e2\u05d1\u05e8\u05d9\u05ea \u2603 "
                                                        "\u0639\u0631\u0628\u064a \U0001f44d"}))
    assert render(mini, path, tmp_path / "out", "--format", "pdf").exit_code == 0
    # A face is named after the family smpgen gives it (Smpgen-Serif-BoldItalic), or after
    # the family inside its file when the fallback is picked by its own name.
    packaged = set()
    for (family, weight, style), name in pdf_writer.FONT_FILES.items():
        suffix = ("Bold" if weight == "bold" else "") + ("Italic" if style == "italic" else "")
        packaged.add(family.replace(" ", "-") + (f"-{suffix}" if suffix else ""))
        own = TTFont(pdf_writer.assets_dir() / "fonts" / name)["name"].getDebugName(1)
        packaged.add(str(own).replace(" ", "-"))
    reader = PdfReader(tmp_path / "out" / "city" / "mini-policy.pdf")
    names = {str(f.get_object()["/BaseFont"]).split("+")[1] for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}
    assert names <= packaged, names - packaged
    assert "Smpgen-Fallback" in names  # the serif has no Arabic: the fallback drew it


def test_glyph_table_matches_the_fonts() -> None:
    from smpgen.glyphs import DATA, build_table
    from smpgen.writers.pdf import assets_dir

    table = (Path(__file__).parent.parent / "smpgen" / "data" / DATA).read_text()
    assert table == build_table(assets_dir() / "fonts"), "rebuild: python -m smpgen.glyphs"


def test_a_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import smpgen.writers.pdf as pdf_writer
    from smpgen.errors import FontError

    monkeypatch.setattr(pdf_writer, "assets_dir", lambda: tmp_path)
    with pytest.raises(FontError) as raised:
        pdf_writer.font_css()
    assert str(raised.value) == (f"the font file {tmp_path / 'fonts' / 'LiberationSerif-Regular.ttf'}"
                                 " is missing; reinstall smpgen (the PDF embeds only its own fonts)")
