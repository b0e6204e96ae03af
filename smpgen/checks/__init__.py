"""Accessibility checks of the files smpgen writes (or any PDF, HTML or DOCX): each
module checks one kind of file and returns :class:`Finding` s, located, so a clerk can
check a packet before posting it (``smpgen check``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check in one file."""

    path: Path
    where: str
    """Where in the file: ``page 3``, ``paragraph 12``, a CSS selector; empty for the
    whole file."""
    rule: str
    """The rule that failed, named as its checker names it (``PDF/UA-1 7.2-20``,
    ``axe color-contrast``, ``docx heading-levels``)."""
    message: str
    """What is wrong, in a sentence a clerk can act on."""

    def format(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{self.path}: {where}{self.rule}: {self.message}"
