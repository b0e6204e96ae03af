"""Writers: one module per output format, each reading the same document tree.

:data:`WRITERS` is the one table of formats: the bundle, the CLI's help, the output order
and the check of which document exists in which format all read it. Each writer module
has one method per node type and raises :class:`UnknownNode` on a node it does not know,
so a new node type cannot be silently dropped by one format.

Adding a format: a module here, and a line in :data:`WRITERS` (and in :data:`Format`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..form import TrackingForm
    from ..tree import Document

Format = Literal["docx", "pdf", "html"]
"""The name of an output format (also its file extension)."""


@dataclass(frozen=True, slots=True)
class Writer:
    """One output format: what it is for and the functions that write it (as
    ``module:function`` inside this package, imported only when used)."""

    name: Format
    """The format's name and file extension."""
    purpose: str
    """Who it is for, as the CLI's help says it."""
    document: str
    """Writes a policy or summary :class:`~smpgen.tree.Document`."""
    form: str | None
    """Writes the tracking form; None when the form is not made in this format."""

    def write_document(self, doc: Document) -> bytes:
        """``doc`` in this format."""
        return _encode(_function(self.document)(doc))

    def write_form(self, form: TrackingForm) -> bytes:
        """The tracking form in this format (only when :attr:`form` is set)."""
        if self.form is None:
            raise ValueError(f"the tracking form is not made as {self.name}")
        return _encode(_function(self.form)(form))


WRITERS: dict[str, Writer] = {w.name: w for w in (
    Writer("docx", "Word, for the attorney to edit", "docx:write_docx", "form_docx:write_form_docx"),
    Writer("pdf", "tagged PDF, for the council packet", "pdf:write_pdf", "pdf:write_form_pdf"),
    Writer("html", "a web page", "html:write_html", None),
)}
"""Every format, in the order smpgen writes a document's files."""

FORMATS: tuple[Format, ...] = tuple(w.name for w in WRITERS.values())
"""Every format's name, in writing order."""

FORM_FORMATS: tuple[Format, ...] = tuple(w.name for w in WRITERS.values() if w.form)
"""The formats the tracking form is made in."""


def document_files(doc: Document, stem: str, formats: tuple[Format, ...]) -> dict[str, bytes]:
    """``doc`` in each of ``formats``, by file name."""
    return {f"{stem}.{name}": WRITERS[name].write_document(doc) for name in formats}


def form_files(form: TrackingForm, stem: str, formats: tuple[Format, ...]) -> dict[str, bytes]:
    """The tracking form in each of ``formats`` it is made in, by file name."""
    return {f"{stem}.{name}": WRITERS[name].write_form(form) for name in formats
            if WRITERS[name].form is not None}


def prepare_pdf() -> None:
    """Load the PDF writer and WeasyPrint ahead of the first PDF (a worker does this while
    its parent process is still getting the documents ready)."""
    from .pdf import prepare

    prepare()


def _function(spec: str) -> Callable[[Any], bytes | str]:
    module, _, name = spec.partition(":")
    function: Callable[[Any], bytes | str] = getattr(
        importlib.import_module(f".{module}", __name__), name)
    return function


def _encode(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


class UnknownNode(TypeError):
    """A writer met a node type it has no method for: a programming error."""

    def __init__(self, writer: str, node: object) -> None:
        super().__init__(f"{writer} writer cannot write a {type(node).__name__} node")
