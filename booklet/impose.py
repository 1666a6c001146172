"""Print sheets: cards tiled N-up with cut marks, duplex backs placed for the flip edge.

Each card side is drawn once into a PDF form (XObject) and placed many times, so a sheet of
eight cards costs barely more than one card, in time and in bytes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from booklet.errors import BookletError
from booklet.render import Card, CardRequest, new_canvas, paint_side
from booklet.units import NAMED_SIZES

SHEETS = ("letter", "a4")
SHEET_MARGIN = 0.3 * 72  # most printers cannot print closer to the edge
CUT_MARK = 12.0


@dataclass(frozen=True)
class Grid:
    sheet: tuple[float, float]
    cell: tuple[float, float]
    cols: int
    rows: int

    @property
    def origin(self) -> tuple[float, float]:
        """Lower-left corner of the whole grid, centred on the sheet."""
        return (
            (self.sheet[0] - self.cols * self.cell[0]) / 2,
            (self.sheet[1] - self.rows * self.cell[1]) / 2,
        )

    def cell_origin(self, col: int, row: int) -> tuple[float, float]:
        ox, oy = self.origin
        return ox + col * self.cell[0], oy + (self.rows - 1 - row) * self.cell[1]


def sheet_size(name: str) -> tuple[float, float]:
    key = name.lower()
    if key not in SHEETS:
        raise BookletError(f"sheet '{name}' is not known. Use one of: {', '.join(SHEETS)}.")
    return NAMED_SIZES[key]


def plan_grid(sheet: tuple[float, float], cell: tuple[float, float]) -> Grid:
    usable_w = sheet[0] - 2 * (SHEET_MARGIN + CUT_MARK)
    usable_h = sheet[1] - 2 * (SHEET_MARGIN + CUT_MARK)
    cols = math.floor(usable_w / cell[0] + 1e-6)
    rows = math.floor(usable_h / cell[1] + 1e-6)
    if cols < 1 or rows < 1:
        raise BookletError(
            f"a {cell[0] / 72:.2f} x {cell[1] / 72:.2f} in card does not fit on this sheet with "
            "room for cut marks. Use a larger --sheet or a smaller --size."
        )
    return Grid(sheet, cell, cols, rows)


def back_position(grid: Grid, col: int, row: int, flip: str) -> tuple[int, int]:
    """Where a card's back goes so it lands behind its front after a duplex flip."""
    if flip == "long":  # portrait sheet turned over like a book page: columns swap
        return grid.cols - 1 - col, row
    return col, grid.rows - 1 - row  # turned over top to bottom: rows swap


def cut_marks(canvas, grid: Grid, bleed: float) -> None:
    """Marks in the sheet margins on every trim line: cut along them with a guillotine."""
    ox, oy = grid.origin
    cw, ch = grid.cell
    xs = sorted({ox + c * cw + d for c in range(grid.cols) for d in (bleed, cw - bleed)})
    ys = sorted({oy + r * ch + d for r in range(grid.rows) for d in (bleed, ch - bleed)})
    left, right = ox, ox + grid.cols * cw
    bottom, top = oy, oy + grid.rows * ch
    canvas.saveState()
    canvas.setLineWidth(0.3)
    canvas.setStrokeColorRGB(0, 0, 0)
    for x in xs:
        canvas.line(x, bottom - 3, x, bottom - 3 - CUT_MARK)
        canvas.line(x, top + 3, x, top + 3 + CUT_MARK)
    for y in ys:
        canvas.line(left - 3, y, left - 3 - CUT_MARK, y)
        canvas.line(right + 3, y, right + 3 + CUT_MARK, y)
    canvas.restoreState()


def card_sheets(card: Card, req: CardRequest) -> bytes:
    sheet = sheet_size(req.sheet or "letter")
    w, h = card.trim
    bleed = req.bleed
    grid = plan_grid(sheet, (w + 2 * bleed, h + 2 * bleed))
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, sheet, card.plan.title, "Back massage routine cards, print sheet")
    two_sided = len(card.sides) == 2
    if two_sided:
        canvas.setViewerPreference(
            "Duplex", "DuplexFlipLongEdge" if req.flip == "long" else "DuplexFlipShortEdge"
        )
    for index, art in enumerate(card.sides):
        form = f"side{index}"
        canvas.beginForm(form, 0, 0, w + 2 * bleed, h + 2 * bleed)
        paint_side(canvas, art, bleed, bleed, bleed)
        canvas.endForm()
    for index, _ in enumerate(card.sides):
        is_back = index == 1
        dx, dy = req.back_offset if is_back else (0.0, 0.0)
        for row in range(grid.rows):
            for col in range(grid.cols):
                c, r = back_position(grid, col, row, req.flip) if is_back else (col, row)
                x, y = grid.cell_origin(c, r)
                canvas.saveState()
                canvas.translate(x + dx, y + dy)
                canvas.doForm(f"side{index}")
                canvas.restoreState()
        if not is_back:
            cut_marks(canvas, grid, bleed)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def calibration_pdf(sheet_name: str, flip: str) -> bytes:
    """A duplex test: crosses on the front, rulers behind them on the back."""
    from booklet.fonts import register

    fonts = register("vera")
    sheet = sheet_size(sheet_name)
    sw, sh = sheet
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, sheet, "Duplex alignment test", "booklet calibration page")
    canvas.setViewerPreference(
        "Duplex", "DuplexFlipLongEdge" if flip == "long" else "DuplexFlipShortEdge"
    )
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
    canvas.setFont(fonts.bold, 14)
    canvas.drawCentredString(sw / 2, sh - 0.8 * 72, "Duplex alignment test: front")
    canvas.setFont(fonts.regular, 9)
    lines = [
        f"Print both pages on one sheet, two-sided, flipping on the {flip} edge, at actual size.",
        "Hold the sheet up to a light and look at the back. Each cross from this side shows",
        "through near the centre of a ruler. Read where it falls: right and up are positive.",
        "Pass the readings as --back-offset X,Y (for example --back-offset 1mm,-0.5mm).",
    ]
    for i, text in enumerate(lines):
        canvas.drawCentredString(sw / 2, sh - 1.05 * 72 - i * 12, text)
    canvas.setLineWidth(0.4)
    for x, y in targets:
        canvas.line(x - 10 * mm, y, x + 10 * mm, y)
        canvas.line(x, y - 10 * mm, x, y + 10 * mm)
        canvas.circle(x, y, 2 * mm)
    canvas.showPage()
    # back: rulers centred where the crosses should land after the flip
    canvas.setFont(fonts.bold, 14)
    canvas.drawCentredString(sw / 2, sh - 0.8 * 72, "Duplex alignment test: back")
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
    canvas.setFont(fonts.regular, 8)
    canvas.drawCentredString(sw / 2, 0.6 * 72, "Ruler ticks are 1 mm apart; long ticks every 5 mm.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
