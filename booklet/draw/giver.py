"""The giver's position as a small picture: the partner face down, the giver kneeling astride
their hips, weight on their own knees, leaning in with straight arms and flat hands. Drawn from
the data in booklet.data.figure, like the back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from reportlab.lib.colors import Color

from booklet.data import figure as fig
from booklet.data.model import Point
from booklet.draw.art import XY, DiagramArt, Ink, Shape, curve_ops, ellipse_ops, path, tagged
from booklet.draw.painting import paint
from booklet.text.stacking import Piece, Placeable
from booklet.text.tagging import figure

MIN_GIVER_WIDTH = 0.9 * 72  # smaller, and the kneeling figure says nothing


def giver_height(width: float) -> float:
    return width * fig.GIVER_ASPECT


@lru_cache(maxsize=32)
def giver_art(width: float, grayscale: bool = False) -> DiagramArt:
    """The picture, `width` wide: the floor, the partner in skin tones, the giver in a darker
    tone over them (so the two read apart in grey as well)."""
    ink = Ink(grayscale)
    height = giver_height(width)

    def at(p: Point) -> XY:
        return (p[0] * width, p[1] * width)

    edge = max(0.5, width * 0.008)
    shapes: list[Shape] = [
        path(
            [("M", *at((0.02, fig.FLOOR_Y))), ("L", *at((0.98, fig.FLOOR_Y)))],
            stroke=ink("surface"),
            width=max(0.8, width * 0.012),
        )
    ]
    shapes += _figure(
        fig.PARTNER_LIMBS, fig.PARTNER_HEAD, at, width, ink("outline"), ink("skin"), edge
    )
    shapes += _figure(
        fig.GIVER_LIMBS, fig.GIVER_HEAD, at, width, ink("outline"), ink("giver"), edge
    )
    return DiagramArt(width, height, tuple(tagged(shapes, "figure", "giver", 0)))


def _figure(
    limbs: Sequence[tuple[tuple[Point, ...], float]],
    head: tuple[Point, float],
    at: Callable[[Point], XY],
    width: float,
    edge_colour: Color,
    colour: Color,
    edge: float,
) -> list[Shape]:
    """Limbs as rounded bars, outlined, and a head: two passes, the outline a little wider."""
    out: list[Shape] = []
    for grow, ink in ((edge * 2, edge_colour), (0.0, colour)):
        for points, thick in limbs:
            line = curve_ops([at(p) for p in points])
            out.append(path(line, stroke=ink, width=thick * width + grow, cap=1))
    (cx, cy), r = head
    x, y = at((cx, cy))
    out.append(
        path(ellipse_ops(x, y, r * width, r * width), fill=colour, stroke=edge_colour, width=edge)
    )
    return out


class GiverFigure(Piece):
    """The giver's position with its caption under it, centred: for a booklet page."""

    def __init__(self, width: float, caption: Placeable, gap: float, alt: str) -> None:
        self.figure_width = width
        self.caption = caption
        self.gap = gap
        self.alt = alt  # the position in words, a tagged PDF's figure (booklet.draw.describe)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.figure_width = min(self.figure_width, avail_width)
        _, caption_h = self.caption.wrap(avail_width, avail_height)
        self.width = avail_width
        self.height = giver_height(self.figure_width) + self.gap + caption_h
        return self.width, self.height

    def draw(self) -> None:
        art = giver_art(round(self.figure_width, 2))
        with figure(self.canv, self.alt):
            paint(self.canv, art, (self.width - art.width) / 2, self.height - art.height)
        self.caption.drawOn(self.canv, 0, 0)
