"""Saddle-stitch imposition: booklet pages two-up on landscape sheets, in folding order.

Pages are placed with pypdf (BSD licence) as form XObjects, so nothing is re-rendered. Sheet s
(0 = outermost) of an N-page booklet carries pages N-2s and 2s+1 on its front and 2s+2 and
N-2s-1 on its back. Creep compensation moves inner sheets' pages toward the fold, because
after folding the inner sheets stick out at the fore-edge and lose more there when trimmed.
"""

from __future__ import annotations

import io

from booklet.errors import BookletError
from booklet.impose import sheet_size

MARK_ROOM = 18.0


def saddle_order(pages: int) -> list[tuple[int, int]]:
    """(left, right) page numbers, 1-based, for each sheet side in print order."""
    if pages % 4:
        raise ValueError("saddle stitching needs a multiple of 4 pages")
    sides = []
    for s in range(pages // 4):
        sides.append((pages - 2 * s, 2 * s + 1))
        sides.append((2 * s + 2, pages - 2 * s - 1))
    return sides


def default_sheet(page: tuple[float, float]) -> str:
    """A-series pages go on A4, others on letter."""
    a5 = (419.5, 595.3)
    return "a4" if abs(page[0] - a5[0]) < 2 or page[0] < 300 and page[1] < 430 else "letter"


def impose_saddle(pdf: bytes, sheet: str | None, creep: float, crop_marks: bool) -> bytes:
    from pypdf import PdfReader, PdfWriter, Transformation

    reader = PdfReader(io.BytesIO(pdf))
    pages = list(reader.pages)
    pw, ph = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    count = len(pages)
    padded = count + (-count) % 4
    sw, sh = sorted(sheet_size(sheet or default_sheet((pw, ph))), reverse=True)  # landscape
    room = MARK_ROOM if crop_marks else 0.0
    scale = min(1.0, (sw - 2 * room) / (2 * pw), (sh - 2 * room) / ph)
    w, h = pw * scale, ph * scale
    sheets = padded // 4
    if creep < 0 or creep > w / 4:
        raise BookletError(f"--creep must be between 0 and {w / 4 / 72:.2f}in for this booklet.")
    marks = _marks_pdf((sw, sh), (w, h), crop_marks, reader.metadata)
    marks_page = PdfReader(io.BytesIO(marks)).pages[0]
    writer = PdfWriter()
    y = (sh - h) / 2
    for index, (left, right) in enumerate(saddle_order(padded)):
        sheet_index = index // 2
        shift = creep * sheet_index / (sheets - 1) if sheets > 1 else 0.0
        out = writer.add_blank_page(sw, sh)
        out.merge_page(marks_page)
        for number, x in ((left, sw / 2 - w + shift), (right, sw / 2 - shift)):
            if number <= count:
                src = pages[number - 1]
                out.merge_transformed_page(src, Transformation().scale(scale).translate(x, y))
    meta = reader.metadata or {}
    writer.add_metadata(
        {
            k: v
            for k, v in meta.items()
            if k in ("/Title", "/Author", "/Subject", "/Creator", "/Keywords")
        }
    )
    prefs = writer.create_viewer_preferences()
    prefs.duplex = "/DuplexFlipShortEdge"
    prefs.print_scaling = "/None"
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _marks_pdf(sheet, page, crop_marks: bool, metadata) -> bytes:
    """One sheet-sized page with the fold marks (and crop marks) that every side carries."""
    from booklet.render import new_canvas

    sw, sh = sheet
    w, h = page
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, sheet, "marks", "marks")
    canvas.setLineWidth(0.4)
    canvas.setDash(3, 2)
    x = sw / 2
    y0, y1 = (sh - h) / 2, (sh + h) / 2
    canvas.line(x, 0, x, min(y0 - 2, 14))  # fold marks at the centre, top and bottom
    canvas.line(x, sh, x, max(y1 + 2, sh - 14))
    canvas.setDash()
    if crop_marks:
        left, right = x - w, x + w
        for cx in (left, right):
            canvas.line(cx, y0 - 3, cx, y0 - 15)
            canvas.line(cx, y1 + 3, cx, y1 + 15)
        for cy in (y0, y1):
            canvas.line(left - 3, cy, left - 15, cy)
            canvas.line(right + 3, cy, right + 15, cy)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
