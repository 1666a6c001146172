"""Where a badge or a hand may go: free of every mark, arrowhead and line already drawn, off
the spine band and inside the picture. Candidates are tried nearest first, in the direction
that reads best, so the same drawing always makes the same choice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from booklet.draw.art import XY, Box, Shape, box_meets_line, inside, overlap, sample, shape_box

CLEARANCE = 0.6  # points between a placed mark and anything else


class Line(NamedTuple):
    owner: str
    runs: list[list[XY]]
    half_width: float


class Obstacles:
    """What is drawn so far, as boxes (marks, arrowheads) and lines (paths), with the region a
    mark must stay inside and the boxes it must keep out of (the spine band)."""

    def __init__(self, bounds: Box, keep_out: Sequence[Box] = (), body: Sequence[XY] = ()) -> None:
        self.bounds = bounds
        self.keep_out = list(keep_out)
        self.body = list(body)  # the figure's outline: hands lie on the back, not beside it
        self.boxes: list[tuple[str, Box]] = []
        self.lines: list[Line] = []

    def on_body(self, box: Box) -> bool:
        """Are the box's corners all on the figure?"""
        corners = [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]
        return not self.body or all(within(c, self.body) for c in corners)

    def add(self, shapes: Iterable[Shape]) -> None:
        for s in shapes:
            if s.layer == "line":
                self.lines.append(Line(s.owner, sample(s.ops), s.width / 2))
            elif s.layer in ("mark", "head") and s.kind != "text":
                self.boxes.append((s.owner, shape_box(s)))

    def free(self, box: Box, own: str = "", own_lines: bool = False) -> bool:
        """Is the box clear of every mark and arrowhead, and of every line (but its owner's own
        when `own_lines`: a hand lies on its stroke's start)?"""
        if not inside(box, self.bounds, 0.0):
            return False
        if any(overlap(box, k, CLEARANCE) for k in self.keep_out):
            return False
        if any(overlap(box, b, CLEARANCE) for _, b in self.boxes):
            return False
        return not any(
            box_meets_line(box, line.runs, line.half_width + CLEARANCE)
            for line in self.lines
            if not (own_lines and line.owner == own)
        )

    def clashes(self, box: Box, own: str = "", own_lines: bool = False) -> int:
        """How many things the box meets: to choose the least bad place when none is free."""
        count = 0 if inside(box, self.bounds, 0.0) else 10
        count += sum(overlap(box, k) for k in self.keep_out) * 10
        count += sum(overlap(box, b) for _, b in self.boxes)
        count += sum(
            box_meets_line(box, line.runs, line.half_width)
            for line in self.lines
            if not (own_lines and line.owner == own)
        )
        return count


def within(point: XY, polygon: Sequence[XY]) -> bool:
    """Is the point inside the polygon (even-odd rule)?"""
    x, y = point
    inside_ = False
    for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside_ = not inside_
    return inside_


def ring_candidates(
    centre: XY, preferred: XY, near: float, step: float, rings: int = 10, angles: int = 24
) -> list[XY]:
    """Points around `centre`, nearest first, each ring from the preferred direction round."""
    px, py = preferred
    base = math.atan2(py, px) if (px or py) else 0.0
    out: list[XY] = []
    for ring in range(rings):
        radius = near + step * ring
        turns = sorted(
            (k for k in range(angles)),
            key=lambda k: (min(k, angles - k), k > angles // 2),
        )
        for k in turns:
            a = base + 2 * math.pi * k / angles
            out.append((centre[0] + radius * math.cos(a), centre[1] + radius * math.sin(a)))
    return out


def place(
    candidates: Sequence[XY],
    box_at: Callable[[XY], Box],
    obstacles: Obstacles,
    own: str = "",
    own_lines: bool = False,
    on_body: bool = False,
) -> XY:
    """The first candidate whose box is free (and on the figure, when `on_body`); if none is,
    the one that meets least."""
    for c in candidates:
        box = box_at(c)
        if obstacles.free(box, own, own_lines) and (not on_body or obstacles.on_body(box)):
            return c

    def badness(c: XY) -> int:
        box = box_at(c)
        return obstacles.clashes(box, own, own_lines) + (0 if obstacles.on_body(box) else 1)

    return min(candidates, key=badness)
