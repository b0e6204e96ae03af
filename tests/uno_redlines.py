"""Read a DOCX's tracked changes as LibreOffice does, then accept or reject them all and
print the text: an independent check of smpgen's redlines (run with Debian's python3-uno,
which only the system Python has)::

    /usr/bin/python3 tests/uno_redlines.py IN.docx accept|reject

prints one JSON object: ``{"redlines": [[author, type], ...], "paragraphs": [text, ...]}``,
the paragraphs after accepting (or rejecting) every change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from uno_edit import Office, body_paragraphs  # the same private, headless LibreOffice


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[2] not in ("accept", "reject"):
        print("usage: uno_redlines.py IN.docx accept|reject", file=sys.stderr)
        return 2
    office = Office()
    try:
        office.start()
        doc = office.load(Path(argv[1]))
        redlines = []
        found = doc.getRedlines().createEnumeration()
        while found.hasMoreElements():
            redline = found.nextElement()
            redlines.append([redline.getPropertyValue("RedlineAuthor"),
                             redline.getPropertyValue("RedlineType")])
        office.dispatch(doc, ".uno:AcceptAllTrackedChanges" if argv[2] == "accept"
                        else ".uno:RejectAllTrackedChanges")
        left = doc.getRedlines().hasElements()
        paragraphs = [para.text for para in body_paragraphs(doc)]
        doc.close(True)
    finally:
        office.stop()
    print(json.dumps({"redlines": redlines, "paragraphs": paragraphs, "left": left}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
