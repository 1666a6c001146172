"""The covers: a front made for giving, and a back cover with a closing word.

The front's picture is drawn from the data, not the instructions: the back figure, whole from
the head to the hips, with every stroke of the routine traced on it as a soft line (circles as
rings, a rake as its fingers' tracks). No arrows, no numbers, no hatched spine: a picture of
the routine, not a diagram to follow. The title sits above it, the recipient's name below it
in the display face, larger than anything but the title.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.lib.colors import Color, HexColor
from reportlab.platypus import Flowable

from booklet.base.errors import FitError
from booklet.data.figure import (
    HEAD_CENTRE,
    HEAD_RADII,
    SHOULDER_BLADE_LEFT,
    TORSO_LEFT,
    bezier,
    centres,
    closed_outline,
    finger_tracks,
    mirror,
    side_points,
    smooth,
    spaced,
    stroke_sides,
    stroke_size,
)
from booklet.data.model import Plan, Point, Stroke
from booklet.products.booklet.flowables import planning
from booklet.text.stacking import Placeable, Space

# The figure's extent in back coordinates: the hips (the torso's lowest point) to the head's top.
BOTTOM = TORSO_LEFT[-1][1]
TOP = HEAD_CENTRE[1] + HEAD_RADII[1]
FIGURE_ASPECT = (TOP - BOTTOM) / 1.0  # height over width


def tint(hex_colour: str, share: float) -> Color:
    """The colour mixed with white: `share` of the colour. A tint, not transparency, so the
    cover prints the same on every press (no blending)."""
    c = HexColor(hex_colour)
    return Color(*(1 - share + share * v for v in (c.red, c.green, c.blue)))


class CoverArt(Flowable):
    """The routine's strokes traced on the whole back figure, `width` wide."""

    def __init__(self, plan: Plan, width: float, colours: dict[str, str]) -> None:
        super().__init__()
        self.plan, self.colours = plan, colours
        self.width, self.height = width, width * FIGURE_ASPECT

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def at(self, point: Point) -> Point:
        x, y = point
        return x * self.width, (y - BOTTOM) * self.width

    def curve(self, points: Sequence[Point], closed: bool = False) -> object:
        """A smooth path through the points (the figure module's own curve)."""
        pts = list(points) + ([points[0]] if closed else [])
        path = self.canv.beginPath()
        path.moveTo(*self.at(pts[0]))
        for c1, c2, end in bezier(pts):
            path.curveTo(*self.at(c1), *self.at(c2), *self.at(end))
        if closed:
            path.close()
        return path

    def draw(self) -> None:
        if planning(self.canv):
            return
        c = self.canv
        c.saveState()
        line = max(0.8, self.width * 0.0055)
        c.setLineJoin(1)
        c.setLineCap(1)
        c.setStrokeColor(tint(self.colours["muted"], 0.55))
        c.setFillColor(HexColor("#FFFFFF"))
        c.setLineWidth(line)
        c.drawPath(self.curve(closed_outline(TORSO_LEFT), closed=True), stroke=1, fill=1)
        hx, hy = self.at(HEAD_CENTRE)
        rx, ry = HEAD_RADII[0] * self.width, HEAD_RADII[1] * self.width
        c.ellipse(hx - rx, hy - ry, hx + rx, hy + ry, stroke=1, fill=1)
        c.setStrokeColor(tint(self.colours["muted"], 0.25))
        for blade in (SHOULDER_BLADE_LEFT, mirror(SHOULDER_BLADE_LEFT)):
            c.drawPath(self.curve(blade, closed=True), stroke=1, fill=0)
        self.strokes(line)
        c.restoreState()

    def strokes(self, line: float) -> None:
        """Every stroke of every technique in a light tint of the accent, each technique a
        shade of its own."""
        c = self.canv
        techniques = [t for t in self.plan.techniques if t.diagram is not None]
        for number, tech in enumerate(techniques):
            share = 0.3 + 0.35 * number / max(1, len(techniques) - 1)
            c.setStrokeColor(tint(self.colours["accent"], share))
            c.setFillColor(tint(self.colours["accent"], share))
            assert tech.diagram is not None
            for stroke in tech.diagram.strokes:
                for _, mirrored in stroke_sides(stroke):
                    self.trace(stroke, side_points(stroke, mirrored), line)

    def trace(self, stroke: Stroke, points: list[Point], line: float) -> None:
        """One side of a stroke as a soft line: its path, its fingers' tracks, a looping line
        where it circles, a row of dots where it kneads or presses."""
        c = self.canv
        size = stroke_size(stroke)
        if stroke.kind == "rake":
            c.setLineWidth(line * 0.7)
            for track in finger_tracks(points, stroke.fingers, size):
                c.drawPath(self.curve(track), stroke=1, fill=0)
        elif stroke.kind == "circles":
            c.setLineWidth(line * 0.9)
            c.drawPath(self.polyline(loops(points, stroke.count or 4, size * 0.8)), 1, 0)
        elif stroke.kind in ("knead", "press"):
            for point in centres(stroke._replace(points=tuple(points))):
                x, y = self.at(point)
                c.circle(x, y, max(1.2, size * self.width * 0.3), stroke=0, fill=1)
        else:
            c.setLineWidth(line * 1.2)
            c.drawPath(self.curve(points), stroke=1, fill=0)

    def polyline(self, points: Sequence[Point]) -> object:
        path = self.canv.beginPath()
        path.moveTo(*self.at(points[0]))
        for point in points[1:]:
            path.lineTo(*self.at(point))
        return path


def loops(points: Sequence[Point], count: int, radius: float) -> list[Point]:
    """A line that loops `count` times as it travels along the points: circles drawn the way
    a hand moves them."""
    import math

    steps = count * 36
    path = spaced(smooth(points), steps + 1)
    out: list[Point] = []
    for i, (x, y) in enumerate(path):
        angle = 2 * math.pi * count * i / steps
        out.append((x + radius * math.sin(angle), y + radius * (1 - math.cos(angle)) - radius))
    return out


class CoverPage(Flowable):
    """A cover in one piece: `top` stacked from the head of the page, `bottom` at its foot,
    and `middle` between them, a little above centre. A picture in the middle grows to the
    room the words leave (at most 62% of the width); under an inch it is left out."""

    def __init__(
        self,
        top: Sequence[Placeable],
        middle: Sequence[Placeable],
        bottom: Sequence[Placeable],
        gap: float,
        source: str,
    ) -> None:
        super().__init__()
        self.top, self.middle, self.bottom, self.gap = list(top), list(middle), list(bottom), gap
        self.source = source  # where its words come from, for an error: "the cover.j2 of ..."

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, avail_height - 1
        words = [b for b in [*self.top, *self.middle, *self.bottom] if not isinstance(b, CoverArt)]
        used = sum(b.wrap(avail_width, avail_height)[1] for b in words)
        needed = used + self.gap * (
            len(self.top) * 0.3
            + max(len(words) - len(self.top) - len(self.bottom) - 1, 0) * 0.6
            + max(len(self.bottom) - 1, 0) * 0.3
            + 0.6
        )  # as `draw` stacks them, with a little air at least above the foot
        for space in [b for b in self.top if isinstance(b, Space)]:  # a back cover's air at
            cut = min(space.height, max(needed - self.height, 0.0))  # the head goes first
            space.height -= cut
            needed -= cut
            used -= cut
        if needed > self.height + 0.01:  # never drawn off the page or over each other
            raise FitError(
                f"the words of {self.source} do not fit on the page: they need "
                f"{math.ceil(needed)} pt of height and the page has {math.floor(self.height)} "
                "pt. Shorten them or use a "
                "larger size."
            )
        used += self.gap * (len(self.top) * 0.3 + len(self.middle) * 0.6 + 2)
        for art in [b for b in self.middle if isinstance(b, CoverArt)]:
            width = min(avail_width * 0.62, (self.height - used) / FIGURE_ASPECT)
            art.width, art.height = width, width * FIGURE_ASPECT
            if width < 72:  # under an inch the figure says nothing: a plain cover
                self.middle.remove(art)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        y = self.height
        for item in self.top:
            y -= item.height
            item.drawOn(c, (self.width - item.width) / 2, y)
            y -= self.gap * 0.3
        bottom = sum(b.height for b in self.bottom) + self.gap * 0.3 * (len(self.bottom) - 1)
        middle = sum(m.height for m in self.middle) + self.gap * 0.6 * (len(self.middle) - 1)
        free = y - bottom - middle
        y -= free * 0.45  # the optical centre, a little above the middle
        for item in self.middle:
            y -= item.height
            item.drawOn(c, (self.width - item.width) / 2, y)
            y -= self.gap * 0.6
        y = bottom
        for item in self.bottom:
            y -= item.height
            item.drawOn(c, (self.width - item.width) / 2, y)
            y -= self.gap * 0.3
