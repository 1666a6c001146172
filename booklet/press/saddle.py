"""Saddle-stitch imposition: booklet pages two-up on landscape sheets, in folding order.

Pages are placed with pypdf (BSD licence) as form XObjects, so nothing is re-rendered. Sheet s
(0 = outermost) of an N-page booklet carries pages N-2s and 2s+1 on its front and 2s+2 and
N-2s-1 on its back. Creep compensation moves inner sheets' pages toward the fold, because
after folding the inner sheets stick out at the fore-edge and lose more there when trimmed.
"""

from __future__ import annotations

import io
from typing import Any

from booklet.base.errors import BookletError
from booklet.base.internals import add_object
from booklet.press.marks import crop_mark_lines, mark_operators
from booklet.press.sheets import sheet_size

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
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
    )

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
        raise BookletError(f"creep must be between 0 and {w / 4 / 72:.2f}in for this booklet.")
    writer = PdfWriter()
    # Each booklet page becomes one form XObject, placed by reference: nothing is re-parsed.
    forms = []
    for page in pages:
        contents = page.get_contents()
        form = DecodedStreamObject()
        form.set_data(contents.get_data() if contents is not None else b"")
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in page.mediabox)
        if "/Resources" in page:
            form[NameObject("/Resources")] = page["/Resources"].clone(writer)
        forms.append(add_object(writer, form.flate_encode()))
    y = (sh - h) / 2
    marks = _marks(sw, sh, w, h, crop_marks)
    for index, (left, right) in enumerate(saddle_order(padded)):
        shift = creep * (index // 2) / (sheets - 1) if sheets > 1 else 0.0
        out = writer.add_blank_page(sw, sh)
        xobjects = DictionaryObject()
        ops = [marks]
        for number, x in ((left, sw / 2 - w + shift), (right, sw / 2 - shift)):
            if number <= count:
                name = f"/P{number}"
                xobjects[NameObject(name)] = forms[number - 1]
                ops.append(f"q {scale:.6f} 0 0 {scale:.6f} {x:.4f} {y:.4f} cm {name} Do Q")
        out[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("ascii"))
        out[NameObject("/Contents")] = add_object(writer, stream)
    meta: dict[str, Any] = dict(reader.metadata or {})
    keep = ("/Title", "/Author", "/Subject", "/Creator", "/Keywords")
    writer.add_metadata({k: v for k, v in meta.items() if k in keep})
    prefs = writer.create_viewer_preferences()
    prefs.duplex = "/DuplexFlipShortEdge"  # type: ignore[assignment]  # pypdf's typed getter
    prefs.print_scaling = "/None"  # type: ignore[assignment]
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _marks(sw: float, sh: float, w: float, h: float, crop_marks: bool) -> str:
    """PDF operators for the dashed fold marks (and crop marks) every sheet side carries."""
    x = sw / 2
    y0, y1 = (sh - h) / 2, (sh + h) / 2
    folds = [(x, 0.0, x, min(y0 - 2, 14)), (x, sh, x, max(y1 + 2, sh - 14))]
    ops = mark_operators(folds, dash=(3, 2))
    if crop_marks:
        ops += "\n" + mark_operators(crop_mark_lines(x - w, y0, 2 * w, h, 0.0))
    return ops
