"""Stacking: what a piece is, and the plain pieces a card side is stacked with (space, a rule,
a stack of pieces).

A piece is told the width it may use, says how tall it then is, and draws itself at a point. The
protocol is platypus's `wrap`/`drawOn`, so a piece can hold a ReportLab Paragraph and a booklet
page can hold a piece (booklet.products.booklet.flowables.PieceFlowable), but cards never need
to import platypus. The pieces that show something are drawn in booklet.draw (the routine's in
booklet.draw.pieces, the handout's in booklet.draw.handout).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Protocol

from booklet.base.internals import Canvas
from booklet.text.tagging import Attribute, element

if TYPE_CHECKING:  # imported for its name only: ReportLab is imported where it draws
    from reportlab.lib.colors import Color


class Placeable(Protocol):
    """Anything that wraps to a width and draws at a point: a piece, or a platypus Paragraph."""

    width: float
    height: float

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]: ...

    def drawOn(self, canvas: Canvas, x: float, y: float) -> object: ...  # noqa: N802


class Piece:
    width: float = 0.0
    height: float = 0.0
    canv: Canvas = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        raise NotImplementedError

    def draw(self) -> None:
        """Draw with the piece's lower-left corner at the origin, on `self.canv`."""
        raise NotImplementedError

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802 - platypus's name
        self.canv = canvas
        canvas.saveState()
        canvas.translate(x, y)
        self.draw()
        canvas.restoreState()


class Space(Piece):
    def __init__(self, height: float) -> None:
        self.height = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802
        pass


class Rule(Piece):
    """A full-width horizontal line."""

    def __init__(self, thickness: float, colour: Color) -> None:
        self.thickness = thickness
        self.colour = colour

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, self.thickness
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setStrokeColor(self.colour)
        c.setLineWidth(self.thickness)
        c.setLineCap(0)
        c.line(0, self.thickness / 2, self.width, self.thickness / 2)


class Stack(Piece):
    """Pieces (or paragraphs) one under another, with a little space between them; with a
    `tag`, one structure element in a tagged PDF (a list of steps, a boxed panel)."""

    def __init__(
        self,
        items: Sequence[Placeable],
        spacing: float = 0.0,
        tag: str = "",
        attributes: tuple[Attribute, ...] = (),
    ) -> None:
        self.items = items
        self.spacing = spacing
        self.tag = tag
        self.attributes = attributes  # the element's, e.g. a list's numbering
        self.sizes: list[tuple[float, float]] = []
        self._wrapped_width: float | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        # Heights depend on width alone; line breaking is the costly part, so do it once.
        if avail_width == self._wrapped_width:
            return self.width, self.height
        self._wrapped_width = avail_width
        self.sizes = [item.wrap(avail_width, avail_height) for item in self.items]
        self.width = avail_width
        self.height = sum(h for _, h in self.sizes) + self.spacing * max(0, len(self.items) - 1)
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802
        # No state of its own to save: each item draws itself in place.
        y += self.height
        with element(canvas, self.tag, attributes=self.attributes) if self.tag else nullcontext():
            for item, (_, h) in zip(self.items, self.sizes, strict=True):
                y -= h
                item.drawOn(canvas, x, y)
                y -= self.spacing
