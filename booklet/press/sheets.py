"""Print sheets: cards tiled N-up with cut marks, duplex backs placed for the flip edge.

Each card side is drawn once into a PDF form (XObject) and placed many times, so a sheet of
eight cards costs barely more than one card, in time and in bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from booklet.base.errors import BookletError
from booklet.base.internals import Canvas
from booklet.press.affine import Affine, apply, compose
from booklet.press.marks import Line, mark_lines, touches
from booklet.press.papers import FLIPS, MM, SHEET_SIZES, SHEETS
from booklet.press.pdf import Painter, new_canvas, seal, set_duplex
from booklet.text.tagging import Structure, begin_page, end_page, start

if TYPE_CHECKING:
    from booklet.text.fonts import FontFamily

__all__ = ["FLIPS", "MM", "SHEETS", "SHEET_SIZES", "apply"]
SHEET_MARGIN = 0.3 * 72  # most printers cannot print closer to the edge
CUT_MARK = 12.0
MARK_CLEARANCE = 1.0  # a cut mark stays this far from every card, bleed included


@dataclass(frozen=True)
class Grid:
    """Cards in rows and columns on a sheet; `rotated` turns each card a quarter turn."""

    sheet: tuple[float, float]
    card: tuple[float, float]  # the card with its bleed, as drawn in its form
    cols: int
    rows: int
    rotated: bool = False
    at: tuple[float, float] | None = None  # lower-left corner; centred on the sheet if None
    marks: str = "lrtb"  # the sides of the grid whose margins carry cut marks

    @property
    def cell(self) -> tuple[float, float]:
        w, h = self.card
        return (h, w) if self.rotated else (w, h)

    @property
    def count(self) -> int:
        return self.cols * self.rows

    @property
    def size(self) -> tuple[float, float]:
        cw, ch = self.cell
        return self.cols * cw, self.rows * ch

    @property
    def origin(self) -> tuple[float, float]:
        """Lower-left corner of the whole grid: where it was put, or centred on the sheet."""
        if self.at is not None:
            return self.at
        w, h = self.size
        return (self.sheet[0] - w) / 2, (self.sheet[1] - h) / 2

    def front_transform(self, col: int, row: int) -> Affine:
        """Card coordinates -> sheet coordinates for the card in this cell (row 0 at the top)."""
        cw, ch = self.cell
        ox, oy = self.origin
        x, y = ox + col * cw, oy + (self.rows - 1 - row) * ch
        if self.rotated:  # a quarter turn anticlockwise: the card's top faces left
            return (0.0, 1.0, -1.0, 0.0, x + cw, y)
        return (1.0, 0.0, 0.0, 1.0, x, y)


def sheet_size(name: str) -> tuple[float, float]:
    key = name.lower()
    if key not in SHEETS:
        raise BookletError(f"sheet '{name}' is not known. Use one of: {', '.join(SHEETS)}.")
    return SHEET_SIZES[key]


def plan_sheet(sheet: tuple[float, float], card: tuple[float, float]) -> tuple[Grid, ...]:
    """The cards' places: one grid, or two side by side (or one above the other) in the two
    orientations when that holds more (A7 on letter: 5 instead of 4)."""
    single = plan_grid(sheet, card)
    best: tuple[Grid, ...] = (single,)
    usable = (sheet[0] - 2 * (SHEET_MARGIN + CUT_MARK), sheet[1] - 2 * (SHEET_MARGIN + CUT_MARK))
    for first_rotated in (False, True):
        for across in (True, False):
            bands = _two_bands(sheet, card, usable, first_rotated, across)
            if bands and sum(g.count for g in bands) > sum(g.count for g in best):
                best = bands
    return best


def _two_bands(
    sheet: tuple[float, float],
    card: tuple[float, float],
    usable: tuple[float, float],
    first_rotated: bool,
    across: bool,
) -> tuple[Grid, ...] | None:
    """The best split of the usable area into a band of each orientation: side by side
    (`across`) or one above the other."""
    a = (card[1], card[0]) if first_rotated else card
    b = (card[0], card[1]) if first_rotated else (card[1], card[0])
    along = 0 if across else 1  # the axis the bands share out
    best: tuple[int, int, int, int, int] | None = None
    for n_first in range(1, math.floor(usable[along] / a[along] + 1e-6) + 1):
        rest = usable[along] - n_first * a[along]
        n_second = math.floor(rest / b[along] + 1e-6)
        if n_second < 1:
            continue
        deep_a = math.floor(usable[1 - along] / a[1 - along] + 1e-6)
        deep_b = math.floor(usable[1 - along] / b[1 - along] + 1e-6)
        total = n_first * deep_a + n_second * deep_b
        if deep_a and deep_b and (best is None or total > best[0]):
            best = (total, n_first, deep_a, n_second, deep_b)
    if best is None:
        return None
    _, n_first, deep_a, n_second, deep_b = best
    if across:
        first = Grid(sheet, card, n_first, deep_a, first_rotated)
        second = Grid(sheet, card, n_second, deep_b, not first_rotated)
        x = (sheet[0] - first.size[0] - second.size[0]) / 2
        return (
            replace(first, at=(x, (sheet[1] - first.size[1]) / 2), marks="ltb"),
            replace(
                second,
                at=(x + first.size[0], (sheet[1] - second.size[1]) / 2),
                marks="rtb",
            ),
        )
    first = Grid(sheet, card, deep_a, n_first, first_rotated)
    second = Grid(sheet, card, deep_b, n_second, not first_rotated)
    y = (sheet[1] - first.size[1] - second.size[1]) / 2
    return (
        replace(first, at=((sheet[0] - first.size[0]) / 2, y), marks="lrb"),
        replace(second, at=((sheet[0] - second.size[0]) / 2, y + first.size[1]), marks="lrt"),
    )


def plan_grid(sheet: tuple[float, float], card: tuple[float, float]) -> Grid:
    """As many cards as fit inside the printable area, turned if that fits more."""
    usable_w = sheet[0] - 2 * (SHEET_MARGIN + CUT_MARK)
    usable_h = sheet[1] - 2 * (SHEET_MARGIN + CUT_MARK)
    options = []
    for rotated in (False, True):
        w, h = (card[1], card[0]) if rotated else card
        cols = math.floor(usable_w / w + 1e-6)
        rows = math.floor(usable_h / h + 1e-6)
        if cols >= 1 and rows >= 1:
            options.append(Grid(sheet, card, cols, rows, rotated))
    if not options:
        raise BookletError(
            f"a {card[0] / 72:.2f} x {card[1] / 72:.2f} in card does not fit on this sheet with "
            "room for cut marks. Use a larger sheet or a smaller size."
        )
    return max(options, key=lambda g: (g.count, not g.rotated))


def back_transform(
    grid: Grid, col: int, row: int, flip: str, offset: tuple[float, float]
) -> Affine:
    """Where a card's back goes so that it lands behind its front after a duplex flip.

    A card is turned over about its own long edge, as its standalone PDF declares: a portrait
    card like a book page (its vertical axis), a landscape card like a calendar (its horizontal
    axis). The sheet is turned over about its long or short edge. Composing the two reflections
    gives the back's placement: back = sheet flip . front placement . card flip, then the
    measured printer offset.
    """
    w, h = grid.card
    sw, sh = grid.sheet
    card_flip: Affine = (-1.0, 0.0, 0.0, 1.0, w, 0.0) if h >= w else (1.0, 0.0, 0.0, -1.0, 0.0, h)
    if flip == "long":
        sheet_flip: Affine = (-1.0, 0.0, 0.0, 1.0, sw, 0.0)
    else:
        sheet_flip = (1.0, 0.0, 0.0, -1.0, 0.0, sh)
    placed = compose(sheet_flip, compose(grid.front_transform(col, row), card_flip))
    a, b, c, d, e, f = placed
    return (a, b, c, d, e + offset[0], f + offset[1])


def card_boxes(grids: tuple[Grid, ...]) -> list[tuple[float, float, float, float]]:
    """Every card's place on the sheet, its bleed included: (x0, y0, x1, y1)."""
    boxes = []
    for grid in grids:
        ox, oy = grid.origin
        cw, ch = grid.cell
        for col in range(grid.cols):
            for row in range(grid.rows):
                x, y = ox + col * cw, oy + row * ch
                boxes.append((x, y, x + cw, y + ch))
    return boxes


def cut_mark_lines(grid: Grid, bleed: float) -> list[Line]:
    """Marks in the grid's margins on every trim line: cut along them with a guillotine."""
    ox, oy = grid.origin
    cw, ch = grid.cell
    xs = sorted({ox + c * cw + d for c in range(grid.cols) for d in (bleed, cw - bleed)})
    ys = sorted({oy + r * ch + d for r in range(grid.rows) for d in (bleed, ch - bleed)})
    left, right = ox, ox + grid.cols * cw
    bottom, top = oy, oy + grid.rows * ch
    lines = []
    for x in xs:
        if "b" in grid.marks:
            lines.append((x, bottom - 3, x, bottom - 3 - CUT_MARK))
        if "t" in grid.marks:
            lines.append((x, top + 3, x, top + 3 + CUT_MARK))
    for y in ys:  # a side shared with the other band has none: they would land on its cards
        if "l" in grid.marks:
            lines.append((left - 3, y, left - 3 - CUT_MARK, y))
        if "r" in grid.marks:
            lines.append((right + 3, y, right + 3 + CUT_MARK, y))
    return lines


def cut_marks(canvas: Canvas, grids: tuple[Grid, ...], bleed: float) -> None:
    """Every grid's cut marks but those that would touch a card: beside a taller band of
    the other orientation, a mark on a shared trim line would lie on a neighbour's edge (that
    line is marked by the taller band's own marks)."""
    boxes = card_boxes(grids)
    lines = [
        line
        for grid in grids
        for line in cut_mark_lines(grid, bleed)
        if not any(touches(line, box, MARK_CLEARANCE) for box in boxes)
    ]
    mark_lines(canvas, lines)


def card_sheets(
    sides: list[Painter],
    trim: tuple[float, float],
    *,
    bleed: float,
    sheet: str,
    flip: str,
    offset: tuple[float, float],
    title: str,
    lang: str = "",
) -> tuple[bytes, Structure | None]:
    """Cards tiled on sheets, one sheet a side; anything that can paint a side will do.

    With a language (`lang`) the sheets are tagged as the card is: a sheet is a print file,
    yet one a shop or a screen reader may open, so the first copy of each side is drawn on
    the sheet itself, tagged (the card's structure, once), and the other copies are one form
    placed many times, decoration for a reader."""
    paper = sheet_size(sheet or "letter")
    w, h = trim
    grids = plan_sheet(paper, (w + 2 * bleed, h + 2 * bleed))
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, paper, title, "Back massage routine cards, print sheet")
    if len(sides) == 2:
        set_duplex(canvas, flip)
    for index, paint in enumerate(sides):
        canvas.beginForm(f"side{index}", 0, 0, w + 2 * bleed, h + 2 * bleed)
        paint(canvas, bleed, bleed, bleed)
        canvas.endForm()
    tags = start(canvas, lang) if lang else None
    for index, paint in enumerate(sides):
        begin_page(canvas)
        first = tags is not None
        for grid in grids:
            for row in range(grid.rows):
                for col in range(grid.cols):
                    if index == 0:
                        t = grid.front_transform(col, row)
                    else:
                        t = back_transform(grid, col, row, flip, offset)
                    canvas.saveState()
                    canvas.transform(*t)
                    if first:  # drawn as the form would draw it: clipped to its box
                        clip = canvas.beginPath()
                        clip.rect(0, 0, w + 2 * bleed, h + 2 * bleed)
                        canvas.clipPath(clip, stroke=0, fill=0)
                        paint(canvas, bleed, bleed, bleed)
                        first = False
                    else:
                        canvas.doForm(f"side{index}")
                    canvas.restoreState()
        if index == 0:
            cut_marks(canvas, grids, bleed)
        end_page(canvas)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), tags.structure() if tags is not None else None


def wrapped(text: str, width_of: Callable[[str], float], width: float) -> list[str]:
    """Lines of at most `width`, broken at ordinary spaces only: a no-break space holds (a
    French colon never starts a line)."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and width_of(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


class CalibrationWords(NamedTuple):
    """The calibration page's words, in the output's language."""

    front: str = "Duplex alignment test: front"
    back: str = "Duplex alignment test: back"
    how: str = (
        "Print both pages on one sheet, two-sided, flipping on the {edge} edge, at actual size."
    )
    ticks: str = "Ruler ticks are 1 mm apart; long ticks every 5 mm."


def say_centred(
    canvas: Canvas,
    text: str,
    fonts: FontFamily,
    size: float,
    centre: float,
    baseline: float,
    width: float,
    bold: bool = False,
) -> None:
    """The page's words through the text engine (any script, shaped and in its direction,
    broken into lines), centred on `centre`, the first line's baseline at `baseline`: drawn
    straight with one face, Hebrew and Arabic printed as empty boxes."""
    from booklet.text.paragraph import Span, TextBlock, TextStyle

    block = TextBlock((Span(text),), TextStyle(fonts, size, "#000000", bold=bold, centred=True))
    _, height = block.wrap(width, 10_000.0)
    first = block.lines[0].size if block.lines else size
    block.drawOn(canvas, centre - width / 2, baseline + first - height)


def calibration_pdf(sheet_name: str, flip: str, words: CalibrationWords | None = None) -> bytes:
    """A duplex test: crosses on the front, rulers behind them on the back."""
    from booklet.text.fonts import register

    words = words or CalibrationWords()
    fonts = register("text")
    sheet = sheet_size(sheet_name)
    sw, sh = sheet
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, sheet, words.front.split(":")[0], "booklet calibration page")
    set_duplex(canvas, flip)
    inset = 1.25 * 72
    targets = [
        (sw / 2, sh / 2),
        (inset, inset),
        (sw - inset, inset),
        (inset, sh - inset),
        (sw - inset, sh - inset),
    ]
    mm = 72 / 25.4
    # front
    say_centred(canvas, words.front, fonts, 14, sw / 2, sh - 0.8 * 72, sw - 1.2 * 72, bold=True)
    say_centred(canvas, words.how, fonts, 9, sw / 2, sh - 1.9 * 72, sw - 2.4 * 72)  # below
    canvas.setLineWidth(0.4)
    for x, y in targets:
        canvas.line(x - 10 * mm, y, x + 10 * mm, y)
        canvas.line(x, y - 10 * mm, x, y + 10 * mm)
        canvas.circle(x, y, 2 * mm)
    canvas.showPage()
    # back: rulers centred where the crosses should land after the flip
    say_centred(canvas, words.back, fonts, 14, sw / 2, sh - 0.8 * 72, sw - 1.2 * 72, bold=True)
    canvas.setLineWidth(0.3)
    for x, y in targets:
        bx, by = (sw - x, y) if flip == "long" else (x, sh - y)
        for t in range(-8, 9):
            tick = 3 * mm if t % 5 == 0 else 1.5 * mm
            canvas.line(bx + t * mm, by - tick, bx + t * mm, by)
            canvas.line(bx - tick, by + t * mm, bx, by + t * mm)
        canvas.setFont(fonts.regular, 5)
        for t in (-5, 5):
            canvas.drawCentredString(bx + t * mm, by - 3 * mm - 6, f"{t:+d}")
            canvas.drawRightString(bx - 3 * mm - 1, by + t * mm - 2, f"{t:+d}")
        canvas.line(bx - 8 * mm, by, bx + 8 * mm, by)
        canvas.line(bx, by - 8 * mm, bx, by + 8 * mm)
    say_centred(canvas, words.ticks, fonts, 8, sw / 2, 0.6 * 72, sw - 1.2 * 72)
    canvas.showPage()
    canvas.save()
    return seal(buffer.getvalue())  # its own font tags, true header, /ID
