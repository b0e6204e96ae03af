"""The tracking form's one-page layout: both form writers print what it decides (the
text size, each box's height and each list's columns). It measures every label with the
embedded font's own advance widths and picks the largest text size at which the whole
form fits one US Letter page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources

from .form import Choice, FormRow, TrackingForm, form_rows

# Liberation Serif is metric-compatible with the DOCX's Times New Roman, so a long
# category or coordinator title is counted exactly in both writers.

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0
"""Points: US Letter."""
MARGIN_TOP, MARGIN_SIDE, MARGIN_BOTTOM = 43.2, 54.0, 54.0
"""Points: the form's page margins (the footer sits in the bottom one)."""
WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
SIZES = (10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0)
"""Points: the text sizes tried, largest first."""
LEADING = 1.2
"""Line height, as a multiple of the text size."""
CAPTION = 0.85
"""A row caption's size, as a multiple of the text size."""
BORDER, PAD_V, PAD_H, CAPTION_GAP, CHOICE_GAP = 0.75, 2.5, 4.5, 1.5, 1.5
"""Points: a cell's border and padding, below its caption and below each check box line."""
BOX, BOX_GAP = 0.8, 0.35
"""A check box's side and the space after it, as multiples of the text size."""
INPUT = 1.45
"""A one-line field's height, as a multiple of the text size."""
FIELD_PAD = 2.0
"""Points: a field's padding and border, on each side."""
TITLE_SIZES = (1.1, 1.6)
"""The jurisdiction's and the title's size, as multiples of the text size."""
TITLE_GAP, TITLE_PAD, TITLE_RULE, TITLE_SPACE = 2.0, 5.0, 1.5, 7.0
"""Points: above the title, below it, the rule under the title block and the space below."""
INTRO_GAP, RETENTION_GAP = 5.0, 5.0
"""Points: space below the instructions and above the retention statement."""
BOX_LINES = {"long": (6, 18), "medium": (2, 4)}
"""Lines of text a blank multi-line box holds at the least and at the most."""
SLACK = 8.0
"""Points kept free, for the difference between this measure and the real layout."""
SNUG = 2.0
"""Points taken off every width text is wrapped in: a line within this much of the edge
may break in the real layout (collapsed borders, shaping)."""


Grid = tuple[tuple[Choice | None, ...], ...]
"""Check boxes by line, then column (None: an empty place)."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One row of the form as laid out: its caption and its field's room."""

    row: FormRow
    caption: str
    """The row's label (with "(continued)" on a list continued from another cell)."""
    full: bool
    """Takes the whole width of the form (else half)."""
    height: float = 0.0
    """Points: the field's height (not for check boxes)."""
    multiline: bool = False
    """The field takes several lines (a filled value too long for one line does too)."""
    grid: Grid = ()
    """A ``choices`` row's check boxes as laid out."""


@dataclass(frozen=True, slots=True)
class FormLayout:
    """The whole form as laid out."""

    size: float
    """Points: the size of the text in the form's table and of its instructions."""
    lines: tuple[tuple[Cell, ...], ...]
    """The form's lines, top to bottom: one full cell or two half cells each."""
    fits: bool
    """The form fits one page. When it does not, no line is taller than a page, so a page
    break never falls inside one."""
    widen: float = 1.0
    """How much wider than Liberation Serif the text was allowed to set."""

    def height(self, line: tuple[Cell, ...]) -> float:
        """Points: one of :attr:`lines` from its top border to the next line's."""
        return _Measure(self.size, self.widen).line_height(line)


def form_layout(form: TrackingForm, *, widen: float = 1.0) -> FormLayout:
    """The form laid out at the largest text size that fits it on one page; ``widen``
    leaves room for a font that many times wider than the embedded one (a DOCX opened
    where Times New Roman is missing).

    A list of accounts too long for the page gives way to a line to write the account in,
    as on a city's form that lists none; if even then the form cannot fit, it takes more
    pages, at the smallest size, with its check boxes."""
    rows = form_rows(form)
    variants = [rows, form_rows(replace(form, accounts=[]))] if form.accounts else [rows]
    for variant in variants:
        for size in SIZES:
            laid = _Measure(size, widen).lay_out(form, variant)
            if laid.fits:
                return laid
    return _Measure(SIZES[-1], widen).lay_out(form, rows)


def _pairs(rows: tuple[FormRow, ...]) -> list[tuple[FormRow, ...]]:
    """The rows as the form's lines: two half rows in a row share one."""
    out: list[tuple[FormRow, ...]] = []
    waiting: FormRow | None = None
    for row in rows:
        if row.width == "half" and waiting is None:
            waiting = row
            continue
        if row.width == "half" and waiting is not None:
            out.append((waiting, row))
        else:
            out += [(waiting,)] if waiting else []
            out.append((row,))
        waiting = None
    return out + ([(waiting,)] if waiting else [])


def _inner(full: bool) -> float:
    """Points: the width inside a cell."""
    return (WIDTH if full else WIDTH / 2) - 2 * PAD_H - BORDER


def _columns(choices: tuple[Choice, ...], columns: int) -> Grid:
    lines = -(-len(choices) // columns)
    return tuple(tuple(choices[i] if i < len(choices) else None
                       for i in range(line, lines * columns, lines)) for line in range(lines))


@dataclass(frozen=True, slots=True)
class _Measure:
    """The form's parts measured at one text size."""

    size: float
    widen: float

    def lines(self, text: str, face: str, width: float, size: float | None = None,
              spacing: float = 0.0) -> int:
        return text_lines(text, face, size or self.size, (width - SNUG) / self.widen, spacing)

    def lay_out(self, form: TrackingForm, rows: tuple[FormRow, ...]) -> FormLayout:
        lines = [[self.cell(row, len(pair) == 1) for row in pair] for pair in _pairs(rows)]
        used = self.chrome(form) + BORDER + sum(self.line_height(line) for line in lines)
        spare = HEIGHT - SLACK - used
        if spare < 0:
            return FormLayout(self.size, tuple(map(tuple, self.paged(lines))), False, self.widen)
        for grow in ("long", "medium"):  # the boxes take what the page has left, the comment first
            growing = [(i, j) for i, line in enumerate(lines) for j, cell in enumerate(line)
                       if cell.row.kind == "multiline" and cell.row.size == grow]
            share = spare / len(growing) if growing else 0.0
            for i, j in growing:
                cell, before = lines[i][j], self.line_height(lines[i])
                most = max(cell.height, self.box(BOX_LINES[grow][1]))
                lines[i][j] = replace(cell, height=min(most, cell.height + share))
                spare -= self.line_height(lines[i]) - before
        return FormLayout(self.size, tuple(map(tuple, lines)), True, self.widen)

    def box(self, lines: int) -> float:
        """Points: a multi-line field holding ``lines`` lines."""
        return lines * self.size * LEADING + 2 * FIELD_PAD

    def cell(self, row: FormRow, full: bool) -> Cell:
        if row.kind == "choices":
            return Cell(row, row.label, full, grid=self.grid(row.choices, _inner(full)))
        width = _inner(full) - 2 * FIELD_PAD
        needed = self.lines(row.value, "Regular", width) if row.value else 1
        if row.kind == "multiline":
            least = BOX_LINES[row.size][0]
            return Cell(row, row.label, full, self.box(max(least, needed)), True)
        if needed > 1:  # a filled value that one line cannot hold is printed whole
            return Cell(row, row.label, full, self.box(needed), True)
        return Cell(row, row.label, full, INPUT * self.size)

    def grid(self, choices: tuple[Choice, ...], width: float) -> Grid:
        """The check boxes in the fewest lines of text, up to four columns filled down each
        column; of equal ones, the one whose labels wrap least, then the one with more
        columns."""
        def cost(grid: Grid) -> tuple[int, int]:
            lines = self.label_lines(grid, width)
            return sum(max(line) for line in lines), sum(map(sum, lines))

        grids = [_columns(choices, n) for n in range(min(4, len(choices)), 0, -1)]
        return min(grids, key=cost) if grids else ()

    def label_lines(self, grid: Grid, width: float) -> list[list[int]]:
        """The lines each check box's label takes, by line and column."""
        text = width / len(grid[0]) - (BOX + BOX_GAP) * self.size - PAD_H
        return [[self.lines(c.label, "Regular", text) if c else 1 for c in line]
                for line in grid]

    def grid_height(self, grid: Grid, width: float) -> float:
        return sum(max(line) * self.size * LEADING + CHOICE_GAP
                   for line in self.label_lines(grid, width)) if grid else 0.0

    def field_height(self, cell: Cell) -> float:
        """Points: a cell's caption and field."""
        caption = self.lines(cell.caption, "Bold", _inner(cell.full), CAPTION * self.size)
        room = self.grid_height(cell.grid, _inner(cell.full)) if cell.grid else cell.height
        return caption * CAPTION * self.size * LEADING + CAPTION_GAP + room

    def line_height(self, line: list[Cell] | tuple[Cell, ...]) -> float:
        return max(self.field_height(cell) for cell in line) + 2 * PAD_V + BORDER

    def chrome(self, form: TrackingForm) -> float:
        """Points: the title block, the instructions and the retention statement."""
        size = self.size
        jurisdiction, title = (size * scale for scale in TITLE_SIZES)
        return (self.lines(form.jurisdiction.upper(), "Bold", WIDTH, jurisdiction, 0.04)
                * jurisdiction * LEADING
                + self.lines(form.title, "Bold", WIDTH, title) * title * LEADING
                + TITLE_GAP + TITLE_PAD + TITLE_RULE + TITLE_SPACE
                + self.lines(form.instructions, "Regular", WIDTH) * size * LEADING + INTRO_GAP
                + self.lines(form.retention_statement, "Italic", WIDTH) * size * LEADING
                + RETENTION_GAP)

    def paged(self, lines: list[list[Cell]]) -> list[list[Cell]]:
        """Lines that a page can hold whole: a box no taller than a page, and a list of
        check boxes too long for one continued in further cells."""
        page = HEIGHT - SLACK - BORDER
        room = page - 2 * PAD_V - BORDER  # for a cell's caption and field
        out: list[list[Cell]] = []
        for line in lines:
            if self.line_height(line) <= page:
                out.append(line)
                continue
            (cell,) = line  # only a full cell (a long list or a long value) outgrows a page
            if not cell.grid:
                above = self.field_height(replace(cell, height=0.0))
                out.append([replace(cell, height=room - above)])
                continue
            rest, caption = cell.row.choices, cell.caption
            while rest:
                take = len(rest)
                while take > 1 and self.field_height(replace(
                        cell, caption=caption, grid=self.grid(rest[:take], _inner(True)))) > room:
                    take = take * 9 // 10 if take > 20 else take - 1
                out.append([replace(cell, caption=caption,
                                    grid=self.grid(rest[:take], _inner(True)))])
                rest, caption = rest[take:], f"{cell.row.label} (continued)"
        return out


@cache
def _advances(face: str) -> dict[int, float]:
    """Each character's advance width in ems, in Liberation Serif ``face`` (Regular, Bold,
    Italic), or in the fallback font for what it lacks."""
    from fontTools.ttLib import TTFont

    def widths(name: str) -> dict[int, float]:
        with resources.as_file(resources.files("smpgen") / "assets" / "fonts" / name) as path, \
                TTFont(path, lazy=True) as font:
            em = font["head"].unitsPerEm
            metrics = font["hmtx"].metrics
            return {code: metrics[glyph][0] / em for code, glyph in font.getBestCmap().items()}

    return widths("DejaVuSans.ttf") | widths(f"LiberationSerif-{face}.ttf")


def text_width(text: str, face: str, size: float, spacing: float = 0.0) -> float:
    """Points: ``text`` set in ``face`` at ``size``, with ``spacing`` ems between letters."""
    advances = _advances(face)
    return sum(advances.get(ord(ch), 1.0) + spacing for ch in text) * size


@lru_cache(maxsize=4096)
def text_lines(text: str, face: str, size: float, width: float, spacing: float = 0.0) -> int:
    """The lines ``text`` takes in ``width`` points: wrapped at spaces, a word longer than
    a line broken anywhere (as the form's CSS lets it), and a line break kept."""
    lines = 0
    space = text_width(" ", face, size, spacing)
    for paragraph in text.split("\n"):
        lines, used = lines + 1, 0.0
        for word in paragraph.split(" "):
            wide = text_width(word, face, size, spacing)
            if used and used + space + wide <= width:
                used += space + wide
                continue
            if used:
                lines, used = lines + 1, 0.0
            for ch in word if wide > width else ():
                step = text_width(ch, face, size, spacing)
                if used + step > width and used:
                    lines, used = lines + 1, 0.0
                used += step
            used = used if wide > width else wide
    return max(lines, 1)
