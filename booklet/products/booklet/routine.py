"""The routine page (a timeline and a table of the steps) and the practice log to tick."""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from booklet.draw.handout import LogGrid, read_log_snippet
from booklet.draw.pieces import Styles
from booklet.products.booklet.flowables import BookText, PieceFlowable, Timeline
from booklet.products.booklet.kit import BookKit, flow_height, marked_paragraphs, title_paragraph
from booklet.text.markup import Span


def routine(kit: BookKit, s: Styles) -> list[Flowable]:
    """The snippet's words, the routine as a timeline, then step by step in a table."""
    lines = kit.lines("routine.j2")
    out: list[Flowable] = []
    if lines:
        out.append(title_paragraph(lines[0].spans, s))
        out += marked_paragraphs(lines[1:], s)
    out += [Spacer(1, s.size), Timeline(kit.plan, s, kit.words), Spacer(1, s.size)]
    out.append(steps_table(kit, s))
    return out


def steps_table(kit: BookKit, s: Styles) -> Table:
    """Number, technique, minutes and pressure of each step, and the total time."""
    w = kit.words
    cell = s.text(role="cell")

    def text(words: str, bold: bool = False) -> BookText:
        return BookText.of((Span(words, bold=bold),), cell)

    head = [w.text("technique_column"), w.text("minutes_column"), w.text("pressure_column")]
    rows: list[list[BookText | str]] = [["", *[text(h, bold=True) for h in head]]]
    for step in kit.plan.steps:
        rows.append(
            [
                text(str(step.number)),
                text(step.technique.name),
                text(w.number(step.minutes)),
                text(w.item("pressure_levels", step.pressure)),
            ]
        )
    rows.append(["", text(w.text("total"), bold=True), text(w.number(kit.plan.total_minutes)), ""])
    fw, _ = kit.frame_size
    colours = kit.layout.colours
    table = Table(rows, colWidths=[s.size * 2.2, fw - s.size * 13.2, s.size * 5, s.size * 6])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), kit.fonts.regular, s.size),
                ("FONT", (0, 0), (-1, 0), kit.fonts.bold, s.size),
                ("TEXTCOLOR", (0, 0), (-1, -1), HexColor(colours["text"])),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, HexColor(colours["accent"])),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, HexColor(colours["accent"])),
            ]
        )
    )
    return table


def practice_log(kit: BookKit, s: Styles, room: float) -> list[Flowable]:
    """A week-by-week grid to tick: as many weeks as `room` holds, up to 12; nothing if
    fewer than four fit (it then gets a page of its own)."""
    lines = kit.lines("log.j2")
    if not lines:
        return []
    log = read_log_snippet(lines)
    words = marked_paragraphs(log.words, s)
    fw, fh = kit.frame_size
    room -= flow_height(words, fw, fh) + s.size
    row = s.size * 2.2
    weeks = min(12, int(room // row) - 1)
    if weeks < 4:
        return []
    grid = LogGrid(
        log.corner,
        log.columns,
        weeks,
        s.size,
        kit.fonts.regular,
        kit.fonts.bold,
        kit.layout.colours,
    )
    return [*words, Spacer(1, s.size), PieceFlowable(grid)]
