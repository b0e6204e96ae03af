"""Drafting defects a municipal attorney flagged, checked in the rendered text of every
example city (issue 11)."""

from __future__ import annotations

import re

import pytest
from helpers import REPO, run

EXAMPLES = sorted(p.stem for p in (REPO / "city_profiles").glob("*.yaml"))


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("drafting")
    found = {}
    for name in EXAMPLES:
        result = run(["render", str(REPO / "city_profiles" / f"{name}.yaml"), "--format",
                      "html", "--out", str(out), "--jobs", "1"])
        assert result.exit_code == 0, result.stderr
        html = (out / name / "social-media-policy.html").read_text()
        found[name] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u2019", "'")
    return found


def test_officials_are_sent_to_their_own_lawyer(texts: dict[str, str]) -> None:
    for name, text in texts.items():
        assert "City's attorney" not in text, name
        if "No blocking of critics" in text or "NO BLOCKING OF CRITICS" in text:
            assert "the official's own lawyer" in text, name


def test_transitory_content_is_never_kept_only_until_read(texts: dict[str, str]) -> None:
    for name, text in texts.items():
        assert "until it has been read" not in text, name
        assert "until read" not in text, name
