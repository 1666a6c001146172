"""What a therapist's handout adds to a card or a booklet: the practice's band with its logo, a
QR code a phone can scan, and a practice log to tick.

The QR code is encoded by ReportLab's own QR encoder (reportlab.graphics.barcode.qrencoder) and
drawn here as plain squares in the text colour, so it prints as crisply as the text, on the black
plate alone in CMYK. A code is never printed too small to scan: each module must be at least
MIN_MODULE wide, or the command fails and says how long the link may be.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from booklet.base.errors import FitError
from booklet.base.internals import Canvas
from booklet.text.markup import Para
from booklet.text.paragraph import colour_of, draw_label, label_width, plain
from booklet.text.stacking import Piece, Placeable, Stack
from booklet.text.tagging import Cell, element, figure, within

MIN_MODULE = 0.33 * 72 / 25.4  # a phone camera reads modules of 1/3 mm at arm's length
QUIET = 4  # the blank modules a QR code needs around it


@lru_cache(maxsize=64)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The code's dark and light modules, error correction M (15% may be lost to a crease)."""
    from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel

    code = QRCode(None, QRErrorCorrectLevel.M)  # the smallest version that holds the text
    code.addData(text)
    code.make()
    return tuple(tuple(bool(m) for m in row) for row in code.modules)


def smallest_qr(text: str) -> float:
    """The narrowest the code may be printed and still scan, quiet zone included."""
    return (len(qr_matrix(text)) + 2 * QUIET) * MIN_MODULE


def qr_size(text: str, least: float, where: str, most: float | None = None) -> float:
    """How wide to print a code: `least`, or wider where the link needs it to scan. A link
    that would need more than `most` is refused, naming `where` (the card, a video)."""
    size = max(least, smallest_qr(text))
    check_qr(text, size if most is None else min(size, most), where)
    return size


def check_qr(text: str, size: float, where: str) -> None:
    need = smallest_qr(text)
    if size + 1e-6 < need:
        modules = len(qr_matrix(text))
        raise FitError(
            f"the link for {where} is too long to scan at {size / 72 * 25.4:.0f} mm: its QR "
            f"code has {modules} modules a side and needs {need / 72 * 25.4:.0f} mm. Use a "
            f"shorter link (a short address or a link shortener), or a larger size."
        )


class QrCode(Piece):
    """A QR code with words beside it (what it opens, and the address itself)."""

    def __init__(
        self, text: str, size: float, words: Sequence[Placeable], gap: float, alt: str = ""
    ) -> None:
        self.text, self.size, self.gap = text, size, gap
        self.words = Stack(words, gap * 0.3)
        self.alt = alt or text  # what the code is, in words (a tagged PDF's figure)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        _, h = self.words.wrap(max(1.0, avail_width - self.size - self.gap), avail_height)
        self.width, self.height = avail_width, max(self.size, h)
        return self.width, self.height

    def draw(self) -> None:
        with figure(self.canv, self.alt):
            paint_qr(self.canv, self.text, 0, self.height - self.size, self.size)
        self.words.drawOn(self.canv, self.size + self.gap, self.height - self.words.height)


def paint_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The code's dark modules as one filled path, quiet zone inside `size`."""
    matrix = qr_matrix(text)
    count = len(matrix)
    module = size / (count + 2 * QUIET)
    canvas.saveState()
    canvas.setFillColor(colour_of("#000000"))
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                top = y + size - (QUIET + r) * module
                path.rect(x + (QUIET + start) * module, top - module, (c - start) * module, module)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


class ClientBand(Piece):
    """The practice's logo at the left, the handout's people and note beside it."""

    def __init__(
        self,
        logo: bytes | None,
        words: Sequence[Placeable],
        gap: float,
        logo_height: float,
        alt: str = "Logo",
    ) -> None:
        self.logo, self.gap, self.logo_height = logo, gap, logo_height
        self.alt = alt  # the logo in words (a tagged PDF's figure)
        self.words = Stack(words, gap * 0.2)
        self.logo_size = (0.0, 0.0)
        if logo is not None:
            from PIL import Image

            with Image.open(io.BytesIO(logo)) as image:
                w, h = image.size
            height = logo_height
            width = min(height * w / h, logo_height * 2.5)
            self.logo_size = (width, width * h / w)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        lw, lh = self.logo_size
        room = avail_width - (lw + self.gap if lw else 0.0)
        _, h = self.words.wrap(max(1.0, room), avail_height)
        self.width, self.height = avail_width, max(lh, h)
        return self.width, self.height

    def draw(self) -> None:
        lw, lh = self.logo_size
        if self.logo is not None:
            from reportlab.lib.utils import ImageReader

            image = ImageReader(io.BytesIO(self.logo))
            with figure(self.canv, self.alt):
                self.canv.drawImage(image, 0, self.height - lh, lw, lh, mask="auto")
        x = lw + self.gap if lw else 0.0
        self.words.drawOn(self.canv, x, self.height - self.words.height)


class LogSnippet(NamedTuple):
    """A practice log's snippet: its words, then its last line naming the grid's corner and
    columns (`Week | Mon | Tue | ...`), the same on a card and in a booklet."""

    words: list[Para]
    corner: str
    columns: list[str]


def read_log_snippet(paras: list[Para]) -> LogSnippet:
    """The words above the header line, and the header split at `|` (one column if none)."""
    *above, header = paras
    corner, *columns = [c.strip() for c in plain(header.spans).split("|")]
    return LogSnippet(above, corner, columns or ["1"])


class LogGrid(Piece):
    """A week-by-week grid: a row per week, a box per column (days) to tick. Its words are
    drawn by the text engine (any script, shaped); in a right-to-left language the weeks'
    labels are at the right and the days run from right to left."""

    def __init__(
        self,
        corner: str,
        columns: Sequence[str],
        weeks: int,
        size: float,
        font: str,
        bold: str,
        colours: dict[str, str],
        rtl: bool = False,
    ) -> None:
        self.corner, self.columns, self.weeks = corner, list(columns), weeks
        self.size, self.font, self.bold, self.colours = size, font, bold, colours
        self.rtl = rtl

    @property
    def row_height(self) -> float:
        return self.size * 2.2

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = self.row_height * (self.weeks + 1)
        return self.width, self.height

    def week_label(self, week: int) -> str:
        return f"{self.corner} {week}"

    def label_width(self) -> float:
        widest = max(
            label_width(self.week_label(self.weeks), self.font, self.size),
            label_width(self.corner, self.bold, self.size),
        )
        return widest + self.size

    def draw(self) -> None:
        """In a tagged PDF, a table: the column names head the columns, each week its row,
        each box to tick an empty cell."""
        c, s = self.canv, self.size
        label_w = self.label_width()
        cols = max(1, len(self.columns))
        cell = (self.width - label_w) / cols
        text, edge = self.colours["text"], colour_of(self.colours["muted"])
        top = self.height

        def at(x: float, width: float = 0.0) -> float:  # from the start side of the grid
            return self.width - x - width if self.rtl else x

        anchor = "end" if self.rtl else "start"
        head = top - self.row_height + s * 0.7
        with element(c, "Table"):  # each label is its cell's words (draw_label's own seam)
            with within(c, Cell(0, 0, header=True)):
                draw_label(c, self.corner, self.bold, s, text, at(0), head, anchor)
            for i, name in enumerate(self.columns):
                with within(c, Cell(0, i + 1, header=True)):
                    x = at(label_w + (i + 0.5) * cell)
                    draw_label(c, name, self.bold, s, text, x, head, "middle")
            c.setStrokeColor(edge)
            c.setLineWidth(max(0.5, s * 0.07))
            box = min(cell * 0.62, self.row_height * 0.72)
            for week in range(1, self.weeks + 1):
                base = top - (week + 1) * self.row_height
                line = base + (self.row_height - s) / 2 + s * 0.15
                with within(c, Cell(week, 0, row_header=True)):
                    draw_label(c, self.week_label(week), self.font, s, text, at(0), line, anchor)
                for i in range(cols):
                    with within(c, Cell(week, i + 1)):  # an empty cell: a box to tick
                        x = at(label_w + (i + 0.5) * cell - box / 2, box)
                        c.rect(x, base + (self.row_height - box) / 2, box, box, stroke=1, fill=0)
