"""The exceptions smpgen raises. The CLI catches :class:`SmpgenError` in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .characters import hidden


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control, format (such as bidirectional
    overrides), separator, private-use and unassigned characters are shown as escapes
    (``\\u202e``), so a hostile file name or value cannot reorder or hide what a message
    says. Line breaks are kept."""
    return "".join(_escape(ch) if hidden(ch) else ch for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


class SmpgenError(Exception):
    """Root of every error smpgen raises on purpose; ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def format(self) -> str:
        """The message to show a person, without the ``Error:`` prefix."""
        return str(self)


class UserError(SmpgenError):
    """Something the user can fix: a bad profile, a missing model, an edited output."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in an input file."""

    path: Path
    """The file, as the user named it."""
    line: int
    """1-based line the problem is on (the key's line for a field)."""
    field: str
    """Dotted field name, e.g. ``officials.coordinator``; empty for the whole file."""
    message: str
    """What is wrong and what is expected."""

    def __str__(self) -> str:
        return self._line("")

    def as_warning(self) -> str:
        """The problem as a warning line: ``path:line: field: warning: message``."""
        return self._line("warning: ")

    def _line(self, kind: str) -> str:
        where = f"{self.path}:{self.line}:"
        text = (f"{where} {self.field}: {kind}{self.message}" if self.field
                else f"{where} {kind}{self.message}")
        return printable(text).replace("\n", "\\n")


class ProfileError(UserError):
    """One or more problems in a profile or record file, all reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[ProfileError], tuple[list[Problem]]]:
        return (ProfileError, (self.problems,))  # so a worker process can send it back

    def format(self) -> str:
        count = len(self.problems)
        files = sorted({str(p.path) for p in self.problems})
        noun = "problem" if count == 1 else "problems"
        return "\n".join([f"{count} {noun} in {', '.join(files)}:",
                          *(str(p) for p in self.problems)])


class ModelError(UserError):
    """A model (template folder) that is missing, malformed, or breaks the sandbox."""


class ModelManifestError(ModelError):
    """A model whose manifest (``model.yaml``) cannot be loaded, with every problem found
    in it, located; the message is ``heading`` and then one line for each."""

    def __init__(self, heading: str, problems: list[Problem]) -> None:
        super().__init__("\n".join([heading, *(str(p) for p in problems)]))
        self.heading = heading
        self.problems = problems

    def __reduce__(self) -> tuple[type[ModelManifestError], tuple[str, list[Problem]]]:
        return (ModelManifestError, (self.heading, self.problems))


class ModelFileError(ModelError):
    """A file a model names that it may not read: outside its folder, not a regular file,
    or too big. The message names the file as the model wrote it; the caller says where."""


class ModelFileMissing(ModelFileError):
    """A file a model names that is not there."""


class PDFAccessibilityError(SmpgenError):
    """WeasyPrint logged an error while writing a PDF: a tag it could not make (a missing
    language, an image without alternative text), a link to no target. The PDF would not
    be PDF/UA-1, so it is not written; a fault in smpgen's writers, not in the input."""


class FontError(SmpgenError):
    """The fonts the PDF embeds are missing from the installation."""


class OutputError(UserError):
    """An output that cannot be written safely."""
