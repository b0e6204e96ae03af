"""The state records-law table reads right: the citations a review corrected, names
capitalised as proper names, and a status that never contradicts its note."""

from __future__ import annotations

import re
from importlib import resources

from smpgen.records import records_laws


def test_corrected_citations() -> None:
    laws = records_laws()
    assert laws["OR"].citation == "ORS 192.311 to 192.478"
    assert laws["TN"].citation == "Tenn. Code Ann. § 10-7-501 et seq."
    assert laws["MT"].citation.startswith("Mont. Const. art. II, § 9; ")
    assert len(laws) == 51


def test_names_are_proper_names() -> None:
    small = {"of", "and", "the", "on", "to", "for"}
    for code, law in records_laws().items():
        words = re.findall(r"[A-Za-z][A-Za-z-]*", law.name)
        lower = [w for w in words[1:] if w[0].islower() and w not in small]
        assert not lower, (code, law.name)


def test_status_never_contradicts_the_note() -> None:
    """A row marked checked has no part unverified; one marked unverified says which part
    was checked, if any, in so many words."""
    text = (resources.files("smpgen") / "data" / "records-laws.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    for state, _, _, _, status, note in rows[1:]:
        assert status in ("checked", "unverified"), state
        if status == "checked":
            assert "unverified" not in note, state
        elif note:
            assert "unverified" in note, state
