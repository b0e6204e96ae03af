"""The tracking form as HTML with form fields; WeasyPrint turns them into AcroForm fields.
The layout (:func:`smpgen.form.form_layout`) sizes everything; this module prints it."""

from __future__ import annotations

from html import escape
from typing import assert_never

from ..form import Choice, TrackingForm
from ..formlayout import (
    BORDER,
    BOX,
    BOX_GAP,
    CAPTION,
    CAPTION_GAP,
    CHOICE_GAP,
    FIELD_PAD,
    INPUT,
    INTRO_GAP,
    LEADING,
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MARGIN_TOP,
    PAD_H,
    PAD_V,
    RETENTION_GAP,
    TITLE_GAP,
    TITLE_PAD,
    TITLE_RULE,
    TITLE_SIZES,
    TITLE_SPACE,
    WIDTH,
    Cell,
    form_layout,
)
from .html import footer_css, head_meta, stylesheet


def _sizes(size: float) -> str:
    """The rules whose numbers the layout measured with: the same constants, so the page
    WeasyPrint lays out is the page the layout counted."""
    indent = (BOX + BOX_GAP) * size
    jurisdiction, title = (size * scale for scale in TITLE_SIZES)
    return (
        f"@page {{ margin: {MARGIN_TOP}pt {MARGIN_SIDE}pt {MARGIN_BOTTOM}pt; }}\n"
        f"body.form {{ max-width: {WIDTH}pt; }}\n"
        f"body.form .jurisdiction {{ font-size: {jurisdiction:.2f}pt; line-height: {LEADING}; }}\n"
        f"body.form .doc-title {{ font-size: {title:.2f}pt; line-height: {LEADING}; "
        f"margin: {TITLE_GAP}pt 0 0; }}\n"
        f"body.form .title-block {{ margin-bottom: {TITLE_SPACE}pt; padding-bottom: {TITLE_PAD}pt; "
        f"border-bottom-width: {TITLE_RULE}pt; }}\n"
        f".form-intro, .retention {{ font-size: {size}pt; line-height: {LEADING}; }}\n"
        f".form-intro {{ margin: 0 0 {INTRO_GAP}pt; }}\n"
        f".retention {{ margin: {RETENTION_GAP}pt 0 0; }}\n"
        f"table.form {{ font-size: {size}pt; line-height: {LEADING}; }}\n"
        f"table.form > tbody > tr > td {{ border: {BORDER}pt solid #000; "
        f"padding: {PAD_V}pt {PAD_H}pt; }}\n"
        f".caption {{ font-size: {CAPTION * size:.2f}pt; margin-bottom: {CAPTION_GAP}pt; }}\n"
        f"table.form input[type=text] {{ height: {INPUT * size:.2f}pt; }}\n"
        f"table.form input[type=text], table.form textarea {{ padding: {FIELD_PAD - 0.5}pt; }}\n"
        f"table.choices td {{ padding: 0 {PAD_H}pt {CHOICE_GAP}pt {indent:.2f}pt; "
        f"text-indent: -{indent:.2f}pt; }}\n"
        f".choices input[type=checkbox] {{ width: {BOX * size:.2f}pt; height: {BOX * size:.2f}pt; "
        f"margin: 0 {BOX_GAP * size:.2f}pt 0 0; }}\n"
    )


def _field(cell: Cell) -> str:
    row = cell.row
    if cell.multiline:
        return (f'<textarea name="{row.name}" title="{escape(row.label)}" '
                f'style="height: {cell.height:.2f}pt">{escape(row.value)}</textarea>')
    return (f'<input type="text" name="{row.name}" title="{escape(row.label)}" '
            f'value="{escape(row.value)}">')


def _box(choice: Choice | None) -> str:
    if choice is None:
        return "<td></td>"
    mark = " checked" if choice.checked else ""
    # The field's accessible name (its PDF tooltip) is the visible label, via title.
    return (f'<td><input type="checkbox" name="{choice.name}" title="{escape(choice.label)}"'
            f"{mark}>{escape(choice.label)}</td>")


def _choices(cell: Cell) -> str:
    # A fixed table without widths: its columns share the cell's width equally.
    lines = "".join("<tr>" + "".join(_box(c) for c in line) + "</tr>" for line in cell.grid)
    return f'<table class="choices">{lines}</table>'


def _cell(cell: Cell) -> str:
    match cell.row.kind:
        case "text" | "date" | "multiline":
            field = _field(cell)
        case "choices":
            field = _choices(cell)
        case _:
            assert_never(cell.row.kind)
    span = ' colspan="2"' if cell.full else ""
    return f'<td{span}><div class="caption">{escape(cell.caption)}</div>{field}</td>'


def write_form_html(form: TrackingForm, *, extra_css: str = "") -> str:
    """The form page; ``extra_css`` adds the PDF's embedded font."""
    layout = form_layout(form)
    lines = "".join("<tr>" + "".join(_cell(cell) for cell in line) + "</tr>\n"
                    for line in layout.lines)
    meta = head_meta(form.instructions, form.date, form.provenance)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(form.language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(form.jurisdiction)} \u2014 {escape(form.title)}</title>\n{meta}"
        f"<style>\n{stylesheet('policy.css')}{stylesheet('form.css')}{_sizes(layout.size)}"
        f"{footer_css(form.footer_label)}{extra_css}</style>\n"
        '</head>\n<body class="form">\n'
        '<header class="title-block">\n'
        f'<p class="jurisdiction">{escape(form.jurisdiction)}</p>\n'
        f'<h1 class="doc-title">{escape(form.title)}</h1>\n</header>\n'
        f'<main>\n<p class="form-intro">{escape(form.instructions)}</p>\n'
        '<form><table class="form"><colgroup><col><col></colgroup>\n'
        f"{lines}</table></form>\n"
        f'<p class="retention">{escape(form.retention_statement)}</p>\n'
        "</main>\n</body>\n</html>\n"
    )
