"""Writers: one module per output format, each reading the same document tree.

Each writer has one method per node type and raises :class:`UnknownNode` on a node it
does not know, so a new node type cannot be silently dropped by one format.
"""

from __future__ import annotations

FORMATS = ("docx", "pdf", "html")
"""Every format ``smpgen render`` can write, in the order it writes them."""


class UnknownNode(TypeError):
    """A writer met a node type it has no method for: a programming error."""

    def __init__(self, writer: str, node: object) -> None:
        super().__init__(f"{writer} writer cannot write a {type(node).__name__} node")
