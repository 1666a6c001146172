"""Finishing for print, the same for a card and a booklet: a page is its trim with the bleed
around it and room for crop marks outside that, its PDF boxes saying which is which; a file
leaves in CMYK when a press asks for it (or as PDF/X-4), sealed (booklet.press.pdf.seal).

The products draw their pages; how a page is padded, boxed and marked is decided here.
"""

from __future__ import annotations

import hashlib
import io
from typing import NamedTuple

from booklet.base.internals import Canvas
from booklet.press.marks import MARK_ZONE, crop_marks
from booklet.press.pdf import seal
from booklet.text.tagging import Structure


class Finish(NamedTuple):
    """How a page is finished: the bleed past its trim, and crop marks outside the bleed."""

    bleed: float = 0.0
    crop_marks: bool = False

    @property
    def pad(self) -> float:
        """From the page's edge to its trim: the bleed, and room for crop marks."""
        return self.bleed + (MARK_ZONE if self.crop_marks else 0.0)

    def page_size(self, trim: tuple[float, float]) -> tuple[float, float]:
        """The page a trim is printed on: padded on every side."""
        return trim[0] + 2 * self.pad, trim[1] + 2 * self.pad


def finish_page(
    canvas: Canvas, trim: tuple[float, float], finish: Finish, marks: bool = True
) -> float:
    """Mark the page being drawn as finished: its TrimBox exactly the trim, its BleedBox the
    bleed around it, and crop marks outside the bleed when the finish has them (and `marks`:
    a pass that only counts pages draws none). Returns the pad, where the trim's corner is.

    The boxes apply when the page ends, so this may be called before or after the page's art;
    crop marks are drawn where it is called."""
    w, h = trim
    pad, bleed = finish.pad, finish.bleed
    canvas.setTrimBox([pad, pad, pad + w, pad + h])
    canvas.setBleedBox([pad - bleed, pad - bleed, pad + w + bleed, pad + h + bleed])
    if finish.crop_marks and marks:
        crop_marks(canvas, pad, pad, w, h, bleed)
    return pad


def finish_file(
    pdf: bytes,
    colour: str,
    structure: Structure | None = None,
    *,
    pdfx: bool = False,
    notes: list[str] | None = None,
) -> bytes:
    """The file as it leaves booklet: converted to CMYK if asked (`colour` "cmyk"), made
    PDF/X-4 if asked (`pdfx`, CMYK too), tagged with the structure recorded while it was drawn
    (booklet.press.structure: last, so the tree is built from what the file finally holds, and
    a link PDF/X left out is no longer referred to), and sealed: font subsets named apart, the
    header true to the features used, an /ID from the content (a tagged file as it is written,
    its dictionaries compressed). What the user should know goes to `notes`."""
    if colour == "cmyk" or pdfx:
        pdf = for_press(pdf, pdfx, notes if notes is not None else [])
    if structure is not None:
        from booklet.press.structure import tag_pdf

        return tag_pdf(pdf, structure)  # sealed as it is written
    return seal(pdf)


def for_press(pdf: bytes, pdfx: bool, notes: list[str]) -> bytes:
    """The file in CMYK, images too (booklet.press.colour), and PDF/X-4 if asked."""
    from pypdf import PdfReader, PdfWriter

    from booklet.press.colour import cmyk_document

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    cmyk_document(writer)
    if pdfx:
        from booklet.press.pdfx import make_pdfx

        notes.extend(make_pdfx(writer, hashlib.sha256(pdf).digest()))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
