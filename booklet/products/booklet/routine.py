"""The routine page (a timeline and a table of the steps) and the practice log to tick."""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from booklet.draw.handout import LogGrid, read_log_snippet
from booklet.draw.pieces import Styles
from booklet.products.booklet.flowables import BookText, Marker, TaggedTable, Timeline, planning
from booklet.products.booklet.kit import (
    BookKit,
    flow_height,
    in_reading_order,
    marked_paragraphs,
    title_paragraph,
)
from booklet.text.markup import Span
from booklet.text.tagging import Cell


def routine(kit: BookKit, s: Styles) -> list[Flowable]:
    """The snippet's words, the routine as a timeline, then step by step in a table (kept
    together: a table that starts on one page and ends on the next is hard to follow)."""
    lines = kit.lines("routine.j2")
    out: list[Flowable] = []
    if lines:
        out.append(title_paragraph(lines[0].spans, s))
        out += marked_paragraphs(lines[1:], s)
    timeline = [Spacer(1, s.size), Timeline(kit.plan, s, kit.words), Spacer(1, s.size)]
    return [*out, KeepTogether([*timeline, steps_table(kit, s)])]


def steps_table(kit: BookKit, s: Styles) -> Table:
    """Number, technique, minutes and pressure of each step, and the total time."""
    w = kit.words
    cell = s.text(role="cell")

    def text(words: str, row: int, col: int, bold: bool = False) -> BookText:
        place = Cell(row, col, header=row == 0, row_header=col == 1 and row > 0)
        return BookText.of((Span(words, bold=bold),), cell, place=place)

    head = [w.text("technique_column"), w.text("minutes_column"), w.text("pressure_column")]
    corner = text("", 0, 0)  # empty, yet a cell: every row of the table has four
    rows = [[corner, *[text(h, 0, c, True) for c, h in enumerate(head, 1)]]]
    for row, step in enumerate(kit.plan.steps, start=1):
        rows.append(
            [
                text(str(step.number), row, 0),
                text(step.technique.name, row, 1),
                text(w.number(step.minutes), row, 2),
                text(w.item("pressure_levels", step.pressure), row, 3),
            ]
        )
    last = len(rows)
    total = text(w.number(kit.plan.total_minutes), last, 2)
    rows.append([text("", last, 0), text(w.text("total"), last, 1, True), total, text("", last, 3)])
    fw, _ = kit.frame_size
    colours = kit.layout.colours
    widths = [s.size * 2.2, fw - s.size * 13.2, s.size * 5, s.size * 6]
    rows, widths = in_reading_order(rows, widths, s.rtl)  # the number first: at the right
    table = TaggedTable(rows, colWidths=widths)
    start = "RIGHTPADDING" if s.rtl else "LEFTPADDING"  # no room before a cell's words
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), kit.fonts.regular, s.size),
                ("FONT", (0, 0), (-1, 0), kit.fonts.bold, s.size),
                ("TEXTCOLOR", (0, 0), (-1, -1), HexColor(colours["text"])),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                (start, (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, HexColor(colours["accent"])),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, HexColor(colours["accent"])),
            ]
        )
    )
    return table


class PracticeLog(Flowable):
    """The practice log's words and a week-by-week grid to tick, as many weeks as the page has
    room for under them (4 to 12): it fills the foot of the page the routine ends on, or takes
    a page of its own when fewer than four weeks fit there."""

    LEAST, MOST = 4, 12

    def __init__(self, kit: BookKit, s: Styles, marker: Marker | None) -> None:
        super().__init__()
        lines = kit.lines("log.j2")
        self.log = read_log_snippet(lines)
        self.words = marked_paragraphs(self.log.words, s)
        self.kit, self.s, self.marker = kit, s, marker
        self.spaceBefore = s.size * 2.2
        self.grid: LogGrid | None = None

    @property
    def row(self) -> float:
        return self.s.size * 2.2

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        s = self.s
        words = flow_height(self.words, availWidth, availHeight) + s.size * 0.6
        weeks = min(self.MOST, int((availHeight - words) // self.row) - 1)
        weeks = max(weeks, self.LEAST)  # too few: taller than the room, so it moves on
        colours = self.kit.layout.colours
        fonts = self.kit.fonts
        self.grid = LogGrid(
            self.log.corner, self.log.columns, weeks, s.size, fonts.regular, fonts.bold, colours,
            s.rtl,
        )  # fmt: skip
        self.width = availWidth
        self.height = words + self.grid.wrap(availWidth, availHeight)[1]
        return self.width, self.height

    def draw(self) -> None:
        if self.marker is not None:
            self.marker.record(self.canv)
        if planning(self.canv):
            return
        y = self.height
        for item in self.words:
            y -= item.getSpaceBefore() if y < self.height else 0.0
            _, h = item.wrap(self.width, self.height)
            y -= h
            item.drawOn(self.canv, 0, y)
            y -= item.getSpaceAfter()
        if self.grid is not None:
            self.grid.drawOn(self.canv, 0, 0)


def has_log(kit: BookKit) -> bool:
    return bool(kit.lines("log.j2"))
