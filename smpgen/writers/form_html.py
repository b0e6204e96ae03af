"""The tracking form as HTML with form fields; WeasyPrint turns them into AcroForm fields."""

from __future__ import annotations

from html import escape

from ..form import OTHER, TrackingForm, field_value
from .html import footer_css, head_meta, stylesheet

TEXT_FIELDS = (
    ("posted", "Date of original post"),
    ("screen_name", "Screen name of poster"),
)
"""Field name and label of the one-line fields before the comment."""


def comment_height(form: TrackingForm) -> float:
    """Inches for the comment box: as tall as the page allows once the check boxes are in.

    A check box label wraps at about 34 characters in its half of the cell; each row of
    the two-column table is as tall as its taller label, at about 0.17 inch a line. The
    rest of the page is fixed."""
    def lines(labels: list[str]) -> int:
        heights = [-(-len(label) // 34) for label in labels]
        half = (len(heights) + 1) // 2
        right = [*heights[half:], 0]
        return sum(max(left, r) for left, r in zip(heights[:half], right, strict=False))

    used = 0.17 * (lines(form.accounts) + lines([*form.categories, "Other (describe)"]))
    # The coordinator's title lengthens a label (about 24 characters a line) and the
    # closing statement (about 110 a line).
    used += 0.16 * (-(-len(f"Date received by the {form.coordinator}") // 24) - 1)
    used += 0.15 * (-(-len(form.retention_statement) // 110) - 1)
    return max(1.0, min(2.6, 4.2 - used))


def write_form_html(form: TrackingForm, *, extra_css: str = "") -> str:
    """The form page; ``extra_css`` adds the PDF's embedded font."""
    record = form.record

    def text(name: str, label: str) -> str:
        value = escape(field_value(record, name))
        return (f"<tr><th>{escape(label)}</th><td><input type=\"text\" name=\"{name}\" "
                f'title="{escape(label)}" value="{value}"></td></tr>\n')

    def area(name: str, label: str, size: str, height: float | None = None) -> str:
        style = f' style="height: {height:.2f}in"' if height else ""
        return (f'<tr><th>{escape(label)}</th><td><textarea name="{name}" class="{size}" '
                f'title="{escape(label)}"{style}>{escape(field_value(record, name))}'
                "</textarea></td></tr>\n")

    def box(name: str, label: str, checked: bool) -> str:
        mark = " checked" if checked else ""
        # The field's accessible name (its PDF tooltip) is the visible label, via title.
        return (f'<td><input type="checkbox" name="{name}" title="{escape(label)}"{mark}>'
                f"{escape(label)}</td>")

    def choices(cells: list[str]) -> str:
        # Two columns, filled down the left column first, as a table: cheap to lay out.
        half = (len(cells) + 1) // 2
        rows = "".join(f"<tr>{left}{right}</tr>" for left, right in
                       zip(cells[:half], [*cells[half:], "<td></td>"], strict=False))
        return f'<table class="choices">{rows}</table>'

    if form.accounts:
        accounts = choices([box(f"account-{i:02d}", a, record is not None and record.account == a)
                            for i, a in enumerate(form.accounts, start=1)])
        account_row = f"<tr><th>City site or account</th><td>{accounts}</td></tr>\n"
    else:
        account_row = text("account", "City site or account")
    reasons = record.reasons if record else []
    boxes = choices([*(box(f"reason-{i:02d}", c, c in reasons)
                       for i, c in enumerate(form.categories, start=1)),
                     box("reason-other", "Other (describe)", OTHER in reasons)])
    other = escape(field_value(record, "other_reason"))
    reason_row = (
        f"<tr><th>Reason for removal</th><td>{boxes}"
        '<div class="other-line"><span>Other reason:</span>'
        f'<input type="text" name="other_reason" title="Other reason" value="{other}"></div>'
        "</td></tr>\n")
    rows = [account_row, *(text(n, label) for n, label in TEXT_FIELDS),
            area("comment", "Entire comment removed", "long", comment_height(form)), reason_row,
            text("removed", "Date removed"), text("removed_by", "Removed by (name and title)"),
            area("other_information", "Other pertinent information", "medium"),
            text("received", f"Date received by the {form.coordinator}")]
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
