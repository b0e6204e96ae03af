"""The tracking form as HTML with form fields; WeasyPrint turns them into AcroForm fields."""

from __future__ import annotations

from html import escape
from typing import assert_never

from ..form import Choice, FormField, FormRow, TrackingForm, form_rows
from .html import footer_css, head_meta, stylesheet

ROOM = 4.36
"""Inches of the page left for the comment box and the parts of the other rows that vary
(check boxes, labels that wrap) once the title, the instructions, the closing statement's
first line and each row's first line are in; found by trial, as the form is one page."""


def comment_height(form: TrackingForm, rows: tuple[FormRow, ...]) -> float:
    """Inches for the comment box: as tall as the page allows once the other rows are in.

    Estimated from the rows, so a row's longer label or more check boxes shrink the box:
    a check box label wraps at about 34 characters in its half of the cell, and each row
    of the two-column table is as tall as its taller label, at about 0.17 inch a line; a
    one-line row's label wraps at about 24 characters (the coordinator's title lengthens
    one), 0.16 inch a line; the closing statement wraps at about 110, 0.15 inch a line."""
    def lines(labels: list[str]) -> int:
        heights = [_lines(label, 34) for label in labels]
        half = (len(heights) + 1) // 2
        right = [*heights[half:], 0]
        return sum(max(left, r) for left, r in zip(heights[:half], right, strict=False))

    used = 0.17 * sum(lines([c.label for c in row.choices]) for row in rows)
    used += 0.16 * sum(_lines(row.label, 24) - 1 for row in rows if row.kind in ("text", "date"))
    used += 0.15 * (_lines(form.retention_statement, 110) - 1)
    return max(1.0, min(2.6, ROOM - used))


def _lines(text: str, width: int) -> int:
    return -(-len(text) // width)


def _text(row: FormRow | FormField) -> str:
    return (f'<input type="text" name="{row.name}" title="{escape(row.label)}" '
            f'value="{escape(row.value)}">')


def _area(row: FormRow, long_height: float) -> str:
    # A medium box's height is in form.css; a long one fills what the page has left.
    style = f' style="height: {long_height:.2f}in"' if row.size == "long" else ""
    return (f'<textarea name="{row.name}" class="{row.size}" title="{escape(row.label)}"'
            f"{style}>{escape(row.value)}</textarea>")


def _box(choice: Choice) -> str:
    mark = " checked" if choice.checked else ""
    # The field's accessible name (its PDF tooltip) is the visible label, via title.
    return (f'<td><input type="checkbox" name="{choice.name}" title="{escape(choice.label)}"'
            f"{mark}>{escape(choice.label)}</td>")


def _choices(row: FormRow) -> str:
    # Two columns, filled down the left column first, as a table: cheap to lay out.
    cells = [_box(c) for c in row.choices]
    half = (len(cells) + 1) // 2
    pairs = "".join(f"<tr>{left}{right}</tr>" for left, right in
                    zip(cells[:half], [*cells[half:], "<td></td>"], strict=False))
    details = "".join(f'<div class="other-line"><span>{escape(c.detail.label)}:</span>'
                      f"{_text(c.detail)}</div>" for c in row.choices if c.detail)
    return f'<table class="choices">{pairs}</table>{details}'


def _row(row: FormRow, long_height: float) -> str:
    match row.kind:
        case "text" | "date":
            field = _text(row)
        case "multiline":
            field = _area(row, long_height)
        case "choices":
            field = _choices(row)
        case _:
            assert_never(row.kind)
    return f"<tr><th>{escape(row.label)}</th><td>{field}</td></tr>\n"


def write_form_html(form: TrackingForm, *, extra_css: str = "") -> str:
    """The form page; ``extra_css`` adds the PDF's embedded font."""
    spec = form_rows(form)
    height = comment_height(form, spec)
    rows = [_row(row, height) for row in spec]
    watermark = '<div class="watermark" aria-hidden="true">DRAFT</div>\n' if form.draft else ""
    meta = head_meta(form.instructions, form.date, form.provenance)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(form.language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(form.jurisdiction)} \u2014 {escape(form.title)}</title>\n{meta}"
        f"<style>\n{stylesheet('policy.css')}{stylesheet('form.css')}"
        f"{footer_css(form.footer_label)}{extra_css}</style>\n"
        f'</head>\n<body class="form{" draft" if form.draft else ""}">\n{watermark}'
        '<header class="title-block">\n'
        f'<p class="jurisdiction">{escape(form.jurisdiction)}</p>\n'
        f'<h1 class="doc-title">{escape(form.title)}</h1>\n</header>\n'
        f'<main>\n<p class="form-intro">{escape(form.instructions)}</p>\n'
        f'<form><table class="form">\n{"".join(rows)}</table></form>\n'
        f'<p class="retention">{escape(form.retention_statement)}</p>\n'
        "</main>\n</body>\n</html>\n"
    )
