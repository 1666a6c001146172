"""A picture as a display list: the shapes a diagram, a key or a figure paints, with what each
one is, and their geometry, so a test (and the placement of badges and hands) can measure what
is drawn instead of guessing.

Every shape says its `layer` (the figure behind everything, a stroke's `line`, an arrow's
`head`, a `mark` such as a badge, a circle or a hand, a `legend` or a `title`), the `role` it
plays in the key (`stroke`, `return`, `palm`, `spine`…; empty for what the key does not
explain), and the `item` it belongs to: the shapes of one badge, one hand or one circle share
an item, and two items may not overlap unless they are one stroke's own parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from reportlab.lib.colors import Color, HexColor

from booklet.data import figure as fig

# Okabe-Ito palette plus quiet neutrals for the figure.
PALETTE = {
    "skin": "#F7EFE7",
    "outline": "#4A4038",
    "anatomy": "#A89B8F",
    "spine_fill": "#FFFFFF",
    "spine_hatch": "#D55E00",
    "spine_edge": "#7A3300",
    "caution_fill": "#FBF1BE",
    "caution_edge": "#8A7A00",
    "stroke": "#0072B2",
    "return": "#56B4E9",
    "badge_text": "#0072B2",
    "text": "#222222",
    "giver": "#3D6E8F",
    "surface": "#C9BFB4",
}

XY = tuple[float, float]
Box = tuple[float, float, float, float]  # left, bottom, right, top
# A path operation: ("M", x, y), ("L", x, y), ("C", x1, y1, x2, y2, x, y) or ("Z",).
Op = tuple[str, *tuple[float, ...]]

LAYERS = ("figure", "line", "head", "mark", "legend", "title")


class Ink(NamedTuple):
    """Colours for one render: as chosen, or as greys of the same lightness."""

    grayscale: bool = False

    def __call__(self, name: str) -> Color:
        return _ink(PALETTE[name], self.grayscale)


@lru_cache(maxsize=64)
def _ink(hex_colour: str, grayscale: bool) -> Color:
    c = HexColor(hex_colour)
    if not grayscale:
        return c
    grey = 0.299 * c.red + 0.587 * c.green + 0.114 * c.blue
    return Color(grey, grey, grey)


@dataclass
class Shape:
    """One thing to paint. A path is a list of ('M', x, y), ('L', x, y), ('C', x1, y1, x2, y2,
    x, y) and ('Z',) operations; a circle is cx, cy, r; text is x, y, string."""

    kind: str
    ops: list[Op] = field(default_factory=list)
    fill: Color | None = None
    stroke: Color | None = None
    width: float = 0.0
    dash: tuple[float, ...] | None = None
    cap: int = 1
    join: int = 1
    circle: tuple[float, float, float] | None = None
    text: tuple[float, float, str] | None = None
    font: str = ""
    size: float = 0.0
    anchor: str = "start"
    layer: str = "figure"
    role: str = ""
    item: int = 0
    owner: str = ""  # the stroke (and side) a mark or line belongs to: "2" or "2m"


class DiagramArt(NamedTuple):
    width: float
    height: float
    shapes: tuple[Shape, ...]
    figure: Box = (0.0, 0.0, 0.0, 0.0)  # where the back figure lies: above a legend, below a title


def path(
    ops: Iterable[Op],
    *,
    fill: Color | None = None,
    stroke: Color | None = None,
    width: float = 0.0,
    dash: Sequence[float] | None = None,
    cap: int = 1,
    join: int = 1,
) -> Shape:
    return Shape("path", list(ops), fill, stroke, width, tuple(dash) if dash else None, cap, join)


def tagged(
    shapes: Iterable[Shape], layer: str, role: str, item: int, owner: str = ""
) -> list[Shape]:
    """The shapes as one item of the picture: what they are, and what the key calls them."""
    out = list(shapes)
    for s in out:
        s.layer, s.role, s.item, s.owner = layer, role, item, owner
    return out


class Items:
    """Numbers the items of one picture as they are drawn."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> int:
        self.count += 1
        return self.count


# --- path operations ---------------------------------------------------------------------------


def curve_ops(points: Sequence[XY], closed: bool = False) -> list[Op]:
    """A smooth curve through points (already in drawing coordinates)."""
    ops: list[Op] = [("M", *points[0])]
    for c1, c2, end in fig.bezier(points):
        ops.append(("C", *c1, *c2, *end))
    if closed:
        ops.append(("Z",))
    return ops


def arc_ops(
    cx: float, cy: float, r: float, start: float, sweep: float, move: bool = True
) -> list[Op]:
    """A circular arc as Beziers of at most 90 degrees each."""
    n = max(1, math.ceil(abs(sweep) / (math.pi / 2)))
    step = sweep / n
    k = 4 / 3 * math.tan(step / 4)
    ops: list[Op] = []
    a = start
    if move:
        ops.append(("M", cx + r * math.cos(a), cy + r * math.sin(a)))
    for _ in range(n):
        b = a + step
        ops.append(
            (
                "C",
                cx + r * (math.cos(a) - k * math.sin(a)),
                cy + r * (math.sin(a) + k * math.cos(a)),
                cx + r * (math.cos(b) + k * math.sin(b)),
                cy + r * (math.sin(b) - k * math.cos(b)),
                cx + r * math.cos(b),
                cy + r * math.sin(b),
            )
        )
        a = b
    return ops


def ellipse_arc_ops(
    cx: float, cy: float, rx: float, ry: float, start: float, sweep: float
) -> list[Op]:
    """An elliptical arc: a unit-circle arc, stretched."""
    out: list[Op] = []
    for op in arc_ops(0, 0, 1, start, sweep):
        vals = op[1:]
        xy = [(cx + vals[i] * rx, cy + vals[i + 1] * ry) for i in range(0, len(vals), 2)]
        out.append((op[0], *[v for p in xy for v in p]))
    return out


def ellipse_ops(cx: float, cy: float, rx: float, ry: float) -> list[Op]:
    return [*ellipse_arc_ops(cx, cy, rx, ry, 0, 2 * math.pi), ("Z",)]


def rect_ops(x0: float, y0: float, x1: float, y1: float) -> list[Op]:
    return [("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1), ("Z",)]


def circle_ops(cx: float, cy: float, r: float) -> list[Op]:
    return [*arc_ops(cx, cy, r, 0, 2 * math.pi), ("Z",)]


def closed_curve_ops(points: Sequence[XY]) -> list[Op]:
    """A smooth closed curve through the points (the curve wraps round to the start)."""
    n = len(points)
    ring = [points[-1], *points, points[0], points[1]]
    ops: list[Op] = [("M", *points[0])]
    for c1, c2, end in fig.bezier(ring)[1 : n + 1]:
        ops.append(("C", *c1, *c2, *end))
    return [*ops, ("Z",)]


# --- geometry of what is drawn -----------------------------------------------------------------


@lru_cache(maxsize=8)
def _bernstein(steps: int) -> tuple[tuple[float, float, float, float], ...]:
    """A cubic's weights at each sample, worked out once (as the same products, so every point
    is the same to the last bit)."""
    weights = []
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        weights.append((u**3, 3 * u * u * t, 3 * u * t * t, t**3))
    return tuple(weights)


def sample(ops: Sequence[Op], steps: int = 8) -> list[list[XY]]:
    """The path as polylines (one per subpath), its curves sampled finely enough to measure."""
    runs: list[list[XY]] = []
    here: XY = (0.0, 0.0)
    start: XY = here
    for op in ops:
        match op:
            case ("M", x, y):
                here = start = (x, y)
                runs.append([here])
            case ("L", x, y):
                here = (x, y)
                runs[-1].append(here)
            case ("C", x1, y1, x2, y2, x3, y3):
                x0, y0 = here
                runs[-1].extend(
                    (a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3)
                    for a, b, c, d in _bernstein(steps)
                )
                here = (x3, y3)
            case _:
                if runs:
                    runs[-1].append(start)
    return runs


def shape_box(s: Shape, text_width: float = 0.0) -> Box:
    """The box a shape's ink covers, line width included. A text's box needs its width
    (measured by the caller's face) and spans its cap height above the baseline."""
    pad = s.width / 2 if s.stroke is not None else 0.0
    if s.kind == "circle" and s.circle is not None:
        cx, cy, r = s.circle
        return (cx - r - pad, cy - r - pad, cx + r + pad, cy + r + pad)
    if s.kind == "text" and s.text is not None:
        x, y, _ = s.text
        left = {"start": x, "middle": x - text_width / 2, "end": x - text_width}[s.anchor]
        return (left, y - s.size * 0.2, left + text_width, y + s.size * 0.75)
    points = [p for run in sample(s.ops) for p in run]
    if not points:
        return (0.0, 0.0, 0.0, 0.0)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


def union(boxes: Iterable[Box]) -> Box:
    bs = list(boxes)
    return (
        min(b[0] for b in bs),
        min(b[1] for b in bs),
        max(b[2] for b in bs),
        max(b[3] for b in bs),
    )


def overlap(a: Box, b: Box, clearance: float = 0.0) -> bool:
    """Do the boxes overlap (or come closer than `clearance`)?"""
    return (
        a[0] < b[2] + clearance
        and b[0] < a[2] + clearance
        and a[1] < b[3] + clearance
        and b[1] < a[3] + clearance
    )


def inside(inner: Box, outer: Box, slack: float = 0.01) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def distance_to_segment(p: XY, a: XY, b: XY) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = dx * dx + dy * dy
    t = (
        0.0
        if length == 0
        else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length))
    )
    return math.dist(p, (a[0] + dx * t, a[1] + dy * t))


def box_meets_line(box: Box, runs: Sequence[Sequence[XY]], half_width: float) -> bool:
    """Does a line (polylines of the given half width) pass through the box?"""
    left, bottom, right, top = (
        box[0] - half_width,
        box[1] - half_width,
        box[2] + half_width,
        box[3] + half_width,
    )
    for run in runs:
        for a, b in zip(run, run[1:], strict=False):
            if max(a[0], b[0]) < left or min(a[0], b[0]) > right:
                continue
            if max(a[1], b[1]) < bottom or min(a[1], b[1]) > top:
                continue
            if _segment_meets_box(a, b, (left, bottom, right, top)):
                return True
    return False


def _segment_meets_box(a: XY, b: XY, box: Box) -> bool:
    """Liang-Barsky: does the segment a-b cross the box?"""
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in (
        (-dx, a[0] - box[0]),
        (dx, box[2] - a[0]),
        (-dy, a[1] - box[1]),
        (dy, box[3] - a[1]),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True
