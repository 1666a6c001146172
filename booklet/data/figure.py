"""Geometry of the back figure and of strokes on it, in normalised back coordinates.

x runs 0..1 across the back (the spine at 0.5), y runs 0..1 from the waist to the shoulders.
This module is pure geometry: `diagrams.py` draws what it computes, and validation lints the very
same polylines, so what is checked is exactly what is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from booklet.data.model import Point, Stroke

SPINE_X = 0.5
SPINE_HALF_WIDTH = 0.045
SPINE_LEFT = SPINE_X - SPINE_HALF_WIDTH
SPINE_RIGHT = SPINE_X + SPINE_HALF_WIDTH
SPINE_TOP = 1.06  # the band runs on up into the neck

DEFAULT_SIZE = {"circles": 0.075, "knead": 0.045, "rake": 0.032, "press": 0.025}

# Left half of the torso, from under the head down to the hips; the right half mirrors it.
TORSO_LEFT: tuple[Point, ...] = (
    (0.39, 1.12),
    (0.385, 1.045),
    (0.25, 1.0),
    (0.11, 0.975),
    (0.035, 0.93),
    (0.005, 0.85),
    (0.03, 0.74),
    (0.07, 0.58),
    (0.10, 0.40),
    (0.13, 0.20),
    (0.125, 0.06),
    (0.10, -0.07),
)
SHOULDER_BLADE_LEFT: tuple[Point, ...] = (
    (0.17, 0.92),
    (0.31, 0.925),
    (0.385, 0.86),
    (0.35, 0.72),
    (0.27, 0.64),
    (0.21, 0.70),
    (0.165, 0.83),
)
# Caution zones (left halves). Ribs: where the muscle over the rib cage is thin.
CAUTION_LEFT: dict[str, tuple[Point, ...]] = {
    # inset from the body's edge and from each other: the outline is drawn as a smooth curve,
    # which bulges past its corner points
    "ribs": ((0.11, 0.61), (0.41, 0.61), (0.41, 0.34), (0.145, 0.32)),
    "lower-back": ((0.165, 0.245), (0.41, 0.245), (0.41, 0.02), (0.16, 0.02)),
}
RIB_CURVES_LEFT: tuple[tuple[Point, ...], ...] = tuple(
    ((0.43, y + 0.02), (0.27, y), (0.13 - (0.62 - y) * 0.06, y - 0.05))
    for y in (0.60, 0.53, 0.46, 0.39)
)
SPINE_BOTTOM = -0.07
HEAD_CENTRE: Point = (0.5, 1.235)
HEAD_RADII: Point = (0.145, 0.135)


def mirror(points: Sequence[Point]) -> list[Point]:
    return [(1.0 - x, y) for x, y in points]


def closed_outline(left: Sequence[Point]) -> list[Point]:
    """A symmetric closed outline from its left half (listed top to bottom)."""
    return list(left) + list(reversed(mirror(left)))


def smooth(points: Sequence[Point], per_segment: int = 10) -> list[Point]:
    """Catmull-Rom curve through the points, sampled as a polyline (a line stays a line)."""
    pts = list(points)
    if len(pts) < 3:
        return pts
    out: list[Point] = [pts[0]]
    for i in range(len(pts) - 1):
        p0 = pts[i - 1] if i > 0 else pts[i]
        p1, p2 = pts[i], pts[i + 1]
        p3 = pts[i + 2] if i + 2 < len(pts) else pts[i + 1]
        for step in range(1, per_segment + 1):
            t = step / per_segment
            t2, t3 = t * t, t * t * t
            out.append(
                tuple(  # type: ignore[arg-type]
                    0.5
                    * (
                        2 * b
                        + (-a + c) * t
                        + (2 * a - 5 * b + 4 * c - d) * t2
                        + (-a + 3 * b - 3 * c + d) * t3
                    )
                    for a, b, c, d in zip(p0, p1, p2, p3, strict=True)
                )
            )
    return out


def length(polyline: Sequence[Point]) -> float:
    return sum(math.dist(a, b) for a, b in zip(polyline, polyline[1:], strict=False))


def spaced(polyline: Sequence[Point], n: int) -> list[Point]:
    """n points evenly spaced along the polyline, both ends included."""
    if n <= 1 or len(polyline) < 2:
        return [polyline[0]]
    total = length(polyline)
    targets = [total * i / (n - 1) for i in range(n)]
    out: list[Point] = []
    walked = 0.0
    seg = 0
    for target in targets:
        while (
            seg < len(polyline) - 2
            and walked + math.dist(polyline[seg], polyline[seg + 1]) < target
        ):
            walked += math.dist(polyline[seg], polyline[seg + 1])
            seg += 1
        a, b = polyline[seg], polyline[seg + 1]
        d = math.dist(a, b) or 1.0
        t = min(1.0, max(0.0, (target - walked) / d))
        out.append((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
    return out


def offset(polyline: Sequence[Point], distance: float) -> list[Point]:
    """The polyline shifted sideways (to its left) by distance: one finger's track of a rake."""
    out: list[Point] = []
    n = len(polyline)
    for i, (x, y) in enumerate(polyline):
        ax, ay = polyline[max(0, i - 1)]
        bx, by = polyline[min(n - 1, i + 1)]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy) or 1.0
        out.append((x - dy / norm * distance, y + dx / norm * distance))
    return out


def ring(centre: Point, radius: float, n: int = 28) -> list[Point]:
    cx, cy = centre
    return [
        (cx + radius * math.cos(2 * math.pi * i / n), cy + radius * math.sin(2 * math.pi * i / n))
        for i in range(n + 1)
    ]


def stroke_size(stroke: Stroke) -> float:
    return stroke.size if stroke.size is not None else DEFAULT_SIZE.get(stroke.kind, 0.0)


def centres(stroke: Stroke) -> list[Point]:
    """Where circles, knead marks and press points sit: on the points, or spread along them."""
    if stroke.count:
        return spaced(smooth(stroke.points), stroke.count)
    return list(stroke.points)


def stroke_sides(stroke: Stroke) -> list[tuple[Stroke, bool]]:
    """The stroke itself and, when mirrored (alternate always is), its mirror image."""
    sides = [(stroke, False)]
    if stroke.mirror or stroke.kind == "alternate":
        sides.append((stroke, True))
    return sides


def side_points(stroke: Stroke, mirrored: bool) -> list[Point]:
    pts = list(stroke.points)
    if mirrored:
        pts = mirror(pts)
        if stroke.kind == "alternate":
            pts.reverse()  # the other hand travels the opposite way
    return pts


def footprint(stroke: Stroke) -> list[list[Point]]:
    """Every polyline the stroke covers on the figure, mirror included: what the lint checks.

    Paths are sampled finely from the same curves the diagrams draw.
    """
    size = stroke_size(stroke)
    shapes: list[list[Point]] = []
    for _, mirrored in stroke_sides(stroke):
        pts = side_points(stroke, mirrored)
        if stroke.kind in ("glide", "alternate"):
            shapes.append(smooth(pts, 16))
        elif stroke.kind == "rake":
            shapes.extend(smooth(t, 16) for t in finger_tracks(pts, stroke.fingers, size))
        else:
            cs = spaced(smooth(pts), stroke.count) if stroke.count else pts
            shapes.extend(ring(c, size) for c in cs)
    return shapes


def finger_tracks(points: Sequence[Point], fingers: int, spacing: float) -> list[list[Point]]:
    """The points of each finger's track: the stroke's points shifted sideways."""
    middle = (fingers - 1) / 2
    return [offset(points, (i - middle) * spacing) for i in range(fingers)]


def bezier(points: Sequence[Point]) -> list[tuple[Point, Point, Point]]:
    """The Catmull-Rom curve of `smooth` as cubic Bezier segments: (control 1, control 2, end).

    Drawing the curve as Beziers keeps PDFs small and fast; `smooth` samples the same curve.
    """
    pts = list(points)
    out = []
    for i in range(len(pts) - 1):
        p0 = pts[i - 1] if i > 0 else pts[i]
        p1, p2 = pts[i], pts[i + 1]
        p3 = pts[i + 2] if i + 2 < len(pts) else pts[i + 1]
        if len(pts) == 2:
            c1 = (p1[0] + (p2[0] - p1[0]) / 3, p1[1] + (p2[1] - p1[1]) / 3)
            c2 = (p1[0] + 2 * (p2[0] - p1[0]) / 3, p1[1] + 2 * (p2[1] - p1[1]) / 3)
        else:
            c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
            c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out.append((c1, c2, p2))
    return out


def spine_entry(polyline: Sequence[Point]) -> Point | None:
    """The first place the polyline touches the spine band, or None when it stays clear."""
    for i, (x, y) in enumerate(polyline):
        if SPINE_LEFT <= x <= SPINE_RIGHT:
            return (x, y)
        if i + 1 < len(polyline):
            nx, ny = polyline[i + 1]
            if (x < SPINE_LEFT and nx > SPINE_RIGHT) or (x > SPINE_RIGHT and nx < SPINE_LEFT):
                edge = SPINE_LEFT if x < SPINE_LEFT else SPINE_RIGHT
                t = (edge - x) / (nx - x)
                return (edge, y + (ny - y) * t)
    return None


# --- the giver's hand at a stroke's start ----------------------------------------------------

HAND_REACH = 0.13  # how far a hand mark reaches ahead of its stroke's start, in back widths
HAND_SPREAD = 0.05  # and to either side


def start_of(stroke: Stroke, mirrored: bool) -> Point:
    """Where the hand starts: the path's first point, or the first mark's place."""
    if stroke.kind in ("circles", "knead", "press"):
        first = centres(stroke)[0]
        return mirror([first])[0] if mirrored else first
    return side_points(stroke, mirrored)[0]


def heading(stroke: Stroke, mirrored: bool) -> Point:
    """The way the stroke first moves, as a unit vector (up the back if it stays put)."""
    if stroke.kind in ("circles", "knead", "press"):
        pts = centres(stroke)
        pts = mirror(pts) if mirrored else pts
    else:
        pts = smooth(side_points(stroke, mirrored), 16)
    a = pts[0]
    b = next((p for p in pts[1:] if math.dist(a, p) > 1e-6), None)
    if b is None:
        return (0.0, 1.0)
    d = math.dist(a, b)
    return ((b[0] - a[0]) / d, (b[1] - a[1]) / d)


def pointing(stroke: Stroke, mirrored: bool) -> Point:
    """Which way the fingers point at the start, as a unit vector on the back."""
    x, _ = start_of(stroke, mirrored)
    outwards = -1.0 if x < SPINE_X else 1.0
    return {
        "out": (outwards, 0.0),
        "in": (-outwards, 0.0),
        "up": (0.0, 1.0),
        "down": (0.0, -1.0),
    }.get(stroke.pointing) or heading(stroke, mirrored)


def hand_footprint(stroke: Stroke) -> list[list[Point]]:
    """Lines across the hand mark at each start, from the start the way the fingers point
    (the stroke's mirror too): what the lint checks, so no hand reaches onto the spine. (A
    wrist that would touch it is drawn slid along the stroke instead.)"""
    if not stroke.contact or stroke.kind == "circles":  # a circle's hand lies inside it
        return []
    shapes = []
    for _, mirrored in stroke_sides(stroke):
        sx, sy = start_of(stroke, mirrored)
        dx, dy = pointing(stroke, mirrored)
        for side in (-HAND_SPREAD, 0.0, HAND_SPREAD):
            ox, oy = -dy * side, dx * side
            shapes.append(
                [
                    (sx + ox, sy + oy),
                    (sx + dx * HAND_REACH + ox, sy + dy * HAND_REACH + oy),
                ]
            )
    return shapes


# --- the giver's position, seen from the side --------------------------------------------------

# x runs 0..1 along the floor (the partner's head at the right), y up from the floor; the giver
# kneels astride the partner's hips (the near knee shown), upright on their own knees, leaning
# in, hands flat on the middle of the back. Each limb is a line of points and a thickness.
GIVER_ASPECT = 0.72  # height over width
FLOOR_Y = 0.08
# To scale: the partner 0.9 long is about 1.75 m, so a metre is about 0.51.
PARTNER_LIMBS: tuple[tuple[tuple[Point, ...], float], ...] = (
    (((0.06, 0.118), (0.24, 0.122), (0.43, 0.13)), 0.072),  # legs
    (((0.42, 0.134), (0.60, 0.138), (0.79, 0.136)), 0.108),  # hips to shoulders
    (((0.78, 0.105), (0.86, 0.098), (0.94, 0.096)), 0.04),  # arm, resting by the head
)
PARTNER_HEAD: tuple[Point, float] = ((0.885, 0.145), 0.052)
GIVER_LIMBS: tuple[tuple[tuple[Point, ...], float], ...] = (
    (((0.17, 0.103), (0.39, 0.108)), 0.052),  # shin, flat on the floor: kneeling
    (((0.39, 0.112), (0.42, 0.22), (0.45, 0.33)), 0.07),  # thigh, upright: weight on the knee
    (((0.45, 0.33), (0.53, 0.45), (0.61, 0.53)), 0.1),  # back, leaning in
    (((0.61, 0.515), (0.625, 0.36), (0.635, 0.215)), 0.038),  # arm, straight
    (((0.61, 0.2), (0.69, 0.198)), 0.032),  # hand, flat on the middle of the back
)
GIVER_HEAD: tuple[Point, float] = ((0.648, 0.6), 0.05)
