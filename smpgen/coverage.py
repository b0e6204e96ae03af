"""Which section of a model covers each provision of the catalog (PROVISIONS.md)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from .models import Model


@dataclass(frozen=True, slots=True)
class Coverage:
    """One provision and the sections of a model that cover it."""

    provision: str
    """The provision id, e.g. ``P13``."""
    name: str
    """Its name in the catalog."""
    sections: tuple[str, ...]
    """Ids of the covering sections; empty when uncovered."""
    optional: bool
    """True when every covering section can be switched off by the profile."""


@cache
def provisions() -> dict[str, str]:
    """The catalog: provision id to name, in order."""
    text = (resources.files("smpgen") / "data" / "provisions.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return {pid: name for pid, name in rows[1:]}


def coverage(model: Model) -> list[Coverage]:
    """Every catalog provision, with the sections of ``model`` that cover it."""
    out = []
    for pid, name in provisions().items():
        covering = [s for s in model.sections if pid in s.covers]
        out.append(Coverage(pid, name, tuple(s.id for s in covering),
                            bool(covering) and all(s.include_if for s in covering)))
    return out
