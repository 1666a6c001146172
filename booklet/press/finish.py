"""Finishing for print, the same for a card and a booklet: a page is its trim with the bleed
around it and room for crop marks outside that, its PDF boxes saying which is which; a file
leaves in CMYK when a press asks for it, its font subsets named apart.

The products draw their pages; how a page is padded, boxed and marked is decided here.
"""

from __future__ import annotations

from typing import NamedTuple

from booklet.base.internals import Canvas
from booklet.press.marks import MARK_ZONE, crop_marks
from booklet.press.pdf import unique_subset_names
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


def finish_file(pdf: bytes, colour: str, structure: Structure | None = None) -> bytes:
    """The file as it leaves booklet: converted to CMYK if asked (`colour` "cmyk"), tagged
    with the structure recorded while it was drawn (booklet.press.structure: after the
    conversion, so the tree is built from what the file finally holds), and each embedded font
    subset with a tag of its own (booklet.press.pdf)."""
    if colour == "cmyk":
        from booklet.press.colour import cmyk_pdf

        pdf = cmyk_pdf(pdf)
    if structure is not None:
        from booklet.press.structure import tag_pdf

        pdf = tag_pdf(pdf, structure)
    return unique_subset_names(pdf)
