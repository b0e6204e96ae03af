"""Test helpers: write inputs from dicts, run the CLI, read text back out of outputs."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from lxml import etree
from pypdf import PdfReader

from smpgen.cli import cli

HERE = Path(__file__).parent
REPO = HERE.parent
GOLDENS = HERE / "goldens"
TEST_MODELS = HERE / "models"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

EXAMPLE = {
    "city": {"name": "Lakeshore", "state": "MN", "website": "https://lakeshore.example.gov"},
    "officials": {"final_authority": "City Administrator", "authorizer": "City Administrator",
                  "coordinator": "Communications Coordinator"},
}
"""A minimal valid profile for the shipped model."""

GOOD = """\
city:
  name: Lakeshore
  state: MN
  website: https://lakeshore.example.gov
officials:
  final_authority: City Administrator
  authorizer: City Administrator
  coordinator: Communications Coordinator
"""
"""The same profile as YAML text, for tests that append lines to it."""


def run(args: list[str], cwd: Path | None = None) -> Result:
    """Run ``smpgen ARGS`` in ``cwd`` (the repo by default) and return click's result."""
    old = Path.cwd()
    os.chdir(cwd or REPO)
    try:
        return CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def _write_profile(tmp_path: Path) -> Callable[..., Path]:
    """``write_profile(dict_or_text, name=...)`` writes a profile into tmp_path."""

    def write(data: dict[str, Any] | str, name: str = "city.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _mini(tmp_path: Path) -> Path:
    """A templates/ folder holding the mini test model, inside tmp_path."""
    folder = tmp_path / "templates"
    shutil.copytree(TEST_MODELS, folder)
    return folder


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``extra``, nested mappings merged."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def docx_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style id, text) of every body paragraph, text from runs, fields and content controls."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    out = []
    for p in root.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        text = "".join(t.text or "" if t.tag == f"{W}t" else "\n"
                       for t in p.iter(f"{W}t", f"{W}br"))
        out.append((style.get(f"{W}val") if style is not None else "Normal", text))
    return out


def docx_text(path: Path) -> str:
    """The DOCX body as plain text, a line per non-empty paragraph."""
    return "\n".join(t for _, t in docx_paragraphs(path) if t)


def docx_part(path: Path, name: str) -> str:
    """One XML part of the DOCX as text."""
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def pdf_pages(path: Path) -> list[str]:
    """Each page's extracted text, whitespace folded."""
    return [re.sub(r"\s+", " ", page.extract_text() or "").strip()
            for page in PdfReader(path).pages]


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/goldens/NAME; SMPGEN_UPDATE_GOLDENS=1 rewrites it on purpose."""
    path = GOLDENS / name
    if os.environ.get("SMPGEN_UPDATE_GOLDENS") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with SMPGEN_UPDATE_GOLDENS=1 once"
    assert actual == path.read_text(encoding="utf-8")


def serialize(node: Any) -> Any:
    """A document tree as nested tuples: (NodeType, fields...), for golden comparison."""
    from dataclasses import fields, is_dataclass

    if is_dataclass(node) and not isinstance(node, type):
        return (type(node).__name__, *(serialize(getattr(node, f.name)) for f in fields(node)))
    if isinstance(node, list | tuple):
        return tuple(serialize(n) for n in node)
    if isinstance(node, dict):
        return tuple(sorted((k, serialize(v)) for k, v in node.items()))
    return node


def profiles_copy(tmp_path_factory: Any, name: str) -> Path:
    """A copy of city_profiles/ (customizations and adopted versions included) in a
    fresh temporary folder."""
    target = tmp_path_factory.mktemp(name) / "profiles"
    shutil.copytree(REPO / "city_profiles", target, symlinks=True)
    return target


@contextlib.contextmanager
def editor_client(folder: Path, port: int, token: str) -> Iterator[Any]:
    """A TestClient for ``smpgen serve``'s app on ``folder``, as if it listened on
    127.0.0.1:``port`` with ``token``."""
    from starlette.testclient import TestClient

    from smpgen.serve.app import create_app

    app = create_app(folder, port=port, templates=None, token=token)
    with TestClient(app, base_url=f"http://127.0.0.1:{port}", follow_redirects=False) as c:
        yield c


SYSTEM_PYTHON = "/usr/bin/python3"
"""Debian's python3-uno works with this Python only: the tests that drive LibreOffice
through UNO run their scripts with it."""


@functools.cache
def uno_missing() -> str | None:
    """Why LibreOffice cannot be driven through UNO here (what to install), or None."""
    if shutil.which("soffice") is None:
        return "needs LibreOffice (soffice)"
    try:
        probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True,
                               timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return f"needs {SYSTEM_PYTHON}"
    return "needs python3-uno (import uno)" if probe.returncode else None
