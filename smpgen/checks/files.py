"""``smpgen check``: each file given (or each PDF, HTML and DOCX file in a folder given)
checked by the checks of its kind, told by its content and not by its name alone."""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from . import Finding

SUFFIXES = (".pdf", ".html", ".htm", ".docx")
"""The files a folder is searched for."""
MAX_FILES = 5000
"""The most files one check takes from folders (a league's output is a few hundred)."""


@dataclass(slots=True)
class Report:
    """What a check found."""

    checked: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> list[Path]:
        """The files with at least one finding, in the order checked."""
        return list(dict.fromkeys(f.path for f in self.findings))


def check_files(paths: list[Path]) -> Report:
    """Check every file of ``paths`` (folders searched for PDF, HTML and DOCX files, links
    not followed): PDFs by :func:`smpgen.checks.pdf.check_pdf`, DOCX files by
    :func:`smpgen.checks.docx.check_docx`, HTML files together in one browser session by
    :func:`smpgen.checks.html.check_html`."""
    report = Report()
    html: list[Path] = []
    for path in _files(paths):
        report.checked.append(path)
        kind = kind_of(path)
        if kind == "pdf":
            from .pdf import check_pdf

            report.findings += check_pdf(path)
        elif kind == "docx":
            from .docx import check_docx

            report.findings += check_docx(path)
        elif kind == "html":
            html.append(path)
        else:
            report.findings.append(Finding(path, "", "check", kind))
    if html:
        from .html import check_html

        report.findings += check_html(html)
    order = {p: i for i, p in enumerate(report.checked)}
    report.findings.sort(key=lambda f: order.get(f.path, len(order)))
    return report


def kind_of(path: Path) -> str:
    """``pdf``, ``docx`` or ``html`` by the file's content; otherwise why it is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return "is not a regular file"
        head = f.read(1024)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except (zipfile.BadZipFile, OSError):
            return "is a damaged ZIP file, not a DOCX that can be read"
        return "is a ZIP file but not a Word document (no word/document.xml)"
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n").lower()
    if text.startswith(("<!doctype html", "<html")) or path.suffix.lower() in (".html", ".htm"):
        return "html"
    return "is not a PDF, HTML or DOCX file"


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        try:
            info = os.lstat(path)
        except OSError:
            raise UserError(f"{path}: no such file or folder") from None
        if stat.S_ISDIR(info.st_mode):
            inside = sorted(p for p in _walk(path) if p.suffix.lower() in SUFFIXES)
            if not inside:
                raise UserError(f"{path}: the folder holds no PDF, HTML or DOCX files")
            found += inside
        else:
            found.append(path)
        if len(found) > MAX_FILES:
            raise UserError(f"more than {MAX_FILES} files to check; check fewer folders at "
                            "once")
    return list(dict.fromkeys(found))


def _walk(folder: Path) -> list[Path]:
    """The regular files under ``folder``; links and hidden files (an output folder's
    manifest and journal) left out."""
    out: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and stat.S_ISREG(os.lstat(path).st_mode):
                out.append(path)
    return out
