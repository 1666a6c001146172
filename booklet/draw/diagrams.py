"""Back diagrams: the figure and a technique's strokes, at any size.

A diagram is computed once as a display list (booklet.draw.art; cached per technique and
size) and then painted (booklet.draw.painting). Curves are cubic Beziers through the same
points the safety lint checks.

Each symbol means one thing in every picture: a solid arrow is a stroke, a dashed pale one a
light return, a dotted line with an open arrowhead the way the hands travel while they circle,
knead or press; numbers are order, shown only where there are two steps or more; a hand mark at
each stroke's start shows how the hand touches and which way its fingers point, with its letter
where it matters which hand. Badges and hands are placed where they meet nothing else, and a
test measures it from these very shapes.

Everything scales from the width, so one diagram reads on a 1.2 in card cell and on a booklet
page; no text and no mark is smaller than the `min_text` of the layout it is drawn for. Colours
come from the Okabe-Ito colour-blind-safe palette, and nothing is told by colour alone: the
spine is hatched and outlined, returns are dashed, directions are arrows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from reportlab.lib.colors import Color, white

from booklet.data import figure as fig
from booklet.data.model import Diagram, Point, Stroke
from booklet.draw.art import (
    XY,
    Box,
    DiagramArt,
    Ink,
    Items,
    Op,
    Shape,
    arc_ops,
    closed_curve_ops,
    curve_ops,
    ellipse_arc_ops,
    ellipse_ops,
    path,
    rect_ops,
    shape_box,
    tagged,
    union,
)
from booklet.draw.hands import Pose, hand_shapes, thumb_side
from booklet.draw.placing import Obstacles, place, ring_candidates
from booklet.draw.symbols import (
    ENGLISH_KEY,
    HAND_KINDS,
    LETTERED,
    KeyWords,
    numbered,
    symbols_of,
    travels,
)
from booklet.text.fonts import FontFamily, register
from booklet.text.paragraph import label_width

# The figure spans these normalised coordinates; y is stretched so the back has plausible height.
X0, X1 = -0.03, 1.03
Y0, Y1 = -0.09, 1.385
Y_STRETCH = 1.12
KEY_ROW = 1.75  # a row of a key or legend, in text sizes: room for the symbols
MIN_LEGEND_TEXT = 6.0  # a diagram file's legend is never smaller; it wraps, never clips


def aspect() -> float:
    """Height over width of the figure alone (a legend and a title add their own height)."""
    return (Y1 - Y0) * Y_STRETCH / (X1 - X0)


class Mapper:
    """Normalised back coordinates -> drawing points."""

    def __init__(self, width: float, bottom: float, left: float = 0.0) -> None:
        self.width = width
        self.scale = width / (X1 - X0)
        self.bottom = bottom
        self.left = left

    def __call__(self, p: Point) -> XY:
        return (
            self.left + (p[0] - X0) * self.scale,
            self.bottom + (p[1] - Y0) * self.scale * Y_STRETCH,
        )

    def mirrored(self, x: float) -> float:
        """The page x of a point's mirror image across the spine."""
        return 2 * self.left + self.width - x

    def angle(self, direction: Point) -> float:
        """A direction on the back as an angle on the page (y is stretched)."""
        return math.atan2(direction[1] * Y_STRETCH, direction[0])


class Sizes(NamedTuple):
    """Every size a diagram uses, from its width and the smallest text its page allows."""

    line: float  # a stroke's line width
    badge: float  # an order number's size (its circle is a little larger)
    hand: float  # a hand mark's length
    lettered: float  # a hand mark's length when it carries its letter
    legend: float  # the legend's text
    least: float  # the smallest text the page allows: no mark is smaller across

    @property
    def badge_radius(self) -> float:
        return self.badge * 0.68


def sizes(width: float, min_text: float) -> Sizes:
    badge = max(4.5, width * 0.04, min_text)
    hand = max(6.0, min(width * 0.12, 40.0), min_text * 1.45)  # 0.7 of it across
    legend = max(min_text, MIN_LEGEND_TEXT, min(9.0, width * 0.045))
    line = max(0.7, width * 0.016)
    return Sizes(line, badge, hand, max(hand, badge * 2.1), legend, min_text)


# --- the display list --------------------------------------------------------------------------


@lru_cache(maxsize=256)
def diagram_art(
    diagram: Diagram | None,
    width: float,
    grayscale: bool = False,
    legend: bool = True,
    font: str = "sans",
    min_text: float = 0.0,
    badges: bool = True,
    words: KeyWords | None = None,
    title: str = "",
    wide: float = 0.0,
) -> DiagramArt:
    """Everything a diagram paints, computed once per technique, size and style. Nothing in
    it (badges, hands, the legend) is smaller than `min_text`, the legible minimum where it is
    used. Without `badges` it is a calm picture (a cover's): no numbers, no hands. With a
    `legend`, the key to exactly the symbols it draws is set under it (across `wide` when the
    page is wider than the figure); with a `title`, the technique's name over it (a diagram
    file). The figure is `width` wide, centred in the art."""
    fonts = register(font)
    ink = Ink(grayscale)
    words = words or ENGLISH_KEY
    frame = art_frame(diagram, width, legend, font, min_text, badges, words, title, wide)
    size, rows, notes, legend_h = frame.size, frame.rows, frame.notes, frame.legend_h
    body, title_h, full = frame.body, frame.title_h, frame.full
    left = (full - width) / 2
    m = Mapper(width, legend_h, left)
    items = Items()
    shapes = _figure(m, ink, max(0.5, width * 0.006), diagram)
    if diagram is not None:
        shapes += strokes_art(diagram, m, ink, size, items)
        if badges:
            band = spine_rect(m)
            outline = _mapped(fig.closed_outline(fig.TORSO_LEFT), m)
            bounds = (left, legend_h, left + width, legend_h + body)
            obstacles = Obstacles(bounds, [band], outline)
            obstacles.add(shapes)
            hands, anchors = _hands(diagram, m, ink, size, fonts.bold, words, items, obstacles)
            shapes += hands
            if numbered(diagram):
                shapes += _badges(diagram, m, ink, size, fonts.bold, items, obstacles, anchors)
    if legend:
        shapes += legend_art(rows, notes, full, legend_h, size.legend, ink, fonts, words)
    if title:  # as large as the legend's words and a little more, if the width allows
        ts = size.legend * 1.4
        ts = max(
            size.legend, min(ts, ts * (full - size.legend) / label_width(title, fonts.bold, ts))
        )
        top = legend_h + body + title_h - ts * 1.1
        shapes.insert(
            0,
            Shape(
                "text",
                fill=ink("text"),
                text=(full / 2, top, title),
                font=fonts.bold,
                size=ts,
                anchor="middle",
                layer="title",
            ),
        )
    figure = (left, legend_h, left + width, legend_h + body)
    return DiagramArt(full, legend_h + body + title_h, tuple(shapes), figure)


def diagram_height(
    diagram: Diagram | None,
    width: float,
    legend: bool = True,
    font: str = "sans",
    min_text: float = 0.0,
    words: KeyWords | None = None,
    wide: float = 0.0,
) -> float:
    """How tall the diagram is at this width, its legend included: measured without drawing
    it (a booklet tries many widths, and drew a figure for each: a third of its memory)."""
    words = words or ENGLISH_KEY
    return art_frame(diagram, width, legend, font, min_text, True, words, "", wide).height


class ArtFrame(NamedTuple):
    """A diagram's dimensions before anything is drawn: its sizes, the legend's rows (and the
    key's note, with a title) and the heights they take."""

    size: Sizes
    rows: list[list[LegendItem]]
    notes: list[str]
    legend_h: float
    body: float
    title_h: float
    full: float

    @property
    def height(self) -> float:
        return self.legend_h + self.body + self.title_h


@lru_cache(maxsize=1024)
def art_frame(
    diagram: Diagram | None,
    width: float,
    legend: bool,
    font: str,
    min_text: float,
    badges: bool,
    words: KeyWords,
    title: str,
    wide: float,
) -> ArtFrame:
    """The one measure of a diagram's frame, for drawing it (diagram_art) and for knowing its
    height (diagram_height)."""
    regular = register(font).regular
    size = sizes(width, min_text)
    zones = diagram.caution if diagram else ()
    symbols = symbols_of(diagram, badges)
    full = max(width, wide)
    rows = legend_rows(symbols, zones, full, size.legend, regular, words) if legend else []
    notes = key_note_lines(full - size.legend, size.legend, regular, words) if title else []
    legend_h = legend_height(rows, notes, size.legend) if legend else 0.0
    title_h = size.legend * 2.6 if title else 0.0
    return ArtFrame(size, rows, notes, legend_h, width * aspect(), title_h, full)


def width_for_height(
    diagram: Diagram | None,
    height: float,
    wide: float,
    font: str = "sans",
    min_text: float = 0.0,
    words: KeyWords | None = None,
) -> float:
    """The widest figure, with its legend set across `wide`, no taller than `height` nor
    wider than `wide`."""
    width = min(wide, height / aspect())
    for _ in range(12):
        tall = diagram_height(diagram, round(width, 2), True, font, min_text, words, wide)
        if tall <= height + 0.01:
            return round(width, 2)
        width *= max(0.8, min(0.995, height / tall))
    return round(width, 2)


# --- the figure --------------------------------------------------------------------------------


def _mapped(points: Sequence[Point], m: Mapper) -> list[XY]:
    return [m(p) for p in points]


def _inside(point: XY, polygon: Sequence[XY]) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _stipple(polygon: Sequence[XY], spacing: float, radius: float, colour: Color) -> list[Shape]:
    """Dots over a caution zone: a pattern, so the zone survives printing in grey (its pale
    fill alone nearly vanishes)."""
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    ops: list[Op] = []
    nib = max(0.1, radius * 0.3)  # long enough to survive rounding to 0.1 pt
    row = 0
    y = min(ys) + spacing / 2
    while y < max(ys):
        x = min(xs) + spacing * (0.5 if row % 2 else 0.0) + spacing / 2
        while x < max(xs):
            if _inside((x, y), polygon):
                ops += [("M", x, y), ("L", x + nib, y)]  # a round-capped dot: few bytes
            x += spacing
        y += spacing * 0.87
        row += 1
    return [path(ops, stroke=colour, width=radius * 2, cap=1)] if ops else []


def _figure(m: Mapper, ink: Ink, line: float, diagram: Diagram | None) -> list[Shape]:
    out: list[Shape] = []
    left = _mapped(fig.TORSO_LEFT, m)
    right = _mapped(fig.mirror(fig.TORSO_LEFT), m)
    body = curve_ops(left)
    body.append(("L", *right[-1]))
    body += curve_ops(list(reversed(right)))[1:]
    body.append(("Z",))
    out.append(path(body, fill=ink("skin")))
    for zone in diagram.caution if diagram else ():
        for half in (fig.CAUTION_LEFT[zone], fig.mirror(fig.CAUTION_LEFT[zone])):
            outline = _mapped(half, m)
            zone_shapes = [
                path(
                    closed_curve_ops(outline),
                    fill=ink("caution_fill"),
                    stroke=ink("caution_edge"),
                    width=line * 0.8,
                    dash=(line * 1.2, line * 1.8),
                ),
                *_stipple(outline, m.scale * 0.04, line * 0.7, ink("caution_edge")),
            ]
            out += tagged(zone_shapes, "figure", "caution", 0)
    anatomy, thin = ink("anatomy"), line * 0.8
    for rib in fig.RIB_CURVES_LEFT:
        out.append(path(curve_ops(_mapped(rib, m)), stroke=anatomy, width=thin))
        out.append(path(curve_ops(_mapped(fig.mirror(rib), m)), stroke=anatomy, width=thin))
    for blade in (fig.SHOULDER_BLADE_LEFT, fig.mirror(fig.SHOULDER_BLADE_LEFT)):
        out.append(path(closed_curve_ops(_mapped(blade, m)), stroke=anatomy, width=thin))
    outline, edge = ink("outline"), line * 1.3
    out.append(path(curve_ops(left), stroke=outline, width=edge))
    out.append(path(curve_ops(right), stroke=outline, width=edge))
    hx, hy = m(fig.HEAD_CENTRE)
    rx, ry = fig.HEAD_RADII[0] * m.scale, fig.HEAD_RADII[1] * m.scale * Y_STRETCH
    out.append(path(ellipse_ops(hx, hy, rx, ry), fill=ink("skin"), stroke=outline, width=edge))
    out += tagged(_spine(m, ink, line), "figure", "spine", 0)
    return out


def hatch_lines(
    x0: float, y0: float, x1: float, y1: float, gap: float
) -> list[tuple[float, float, float, float]]:
    """45-degree lines filling a rectangle: the pattern fill ReportLab graphics lacks."""
    lines = []
    step = gap * math.sqrt(2)
    c = (y0 - x1) + step / 2
    while c < y1 - x0:
        xa = max(x0, y0 - c)  # the line y = x + c, clipped to the rectangle
        xb = min(x1, y1 - c)
        if xb > xa:
            lines.append((xa, xa + c, xb, xb + c))
        c += step
    return lines


def spine_rect(m: Mapper) -> tuple[float, float, float, float]:
    x0, y0 = m((fig.SPINE_LEFT, fig.SPINE_BOTTOM))
    x1, y1 = m((fig.SPINE_RIGHT, fig.SPINE_TOP))
    return x0, y0, x1, y1


def hatched_box(
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    gap: float,
    ink: Ink,
    hatch_width: float,
    edge_width: float,
) -> list[Shape]:
    """The spine's symbol: white box, orange 45-degree hatching, dark outline."""
    hatch: list[Op] = []
    for xa, ya, xb, yb in hatch_lines(x0, y0, x1, y1, gap):
        hatch += [("M", xa, ya), ("L", xb, yb)]
    return [
        path(rect_ops(x0, y0, x1, y1), fill=ink("spine_fill")),
        path(hatch, stroke=ink("spine_hatch"), width=hatch_width, cap=0),
        path(rect_ops(x0, y0, x1, y1), stroke=ink("spine_edge"), width=edge_width, join=0),
    ]


def _spine(m: Mapper, ink: Ink, line: float) -> list[Shape]:
    x0, y0, x1, y1 = spine_rect(m)
    gap = max(1.6, (x1 - x0) / 3.2)
    return hatched_box(x0, y0, x1, y1, gap, ink, max(0.45, line * 0.9), max(0.6, line * 1.1))


# --- strokes -----------------------------------------------------------------------------------


def _arrowhead(tip: XY, frm: XY, size: float, colour: Color) -> Shape:
    dx, dy = tip[0] - frm[0], tip[1] - frm[1]
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    bx, by = tip[0] - ux * size, tip[1] - uy * size
    px, py = -uy * size * 0.5, ux * size * 0.5
    ops: list[Op] = [("M", *tip), ("L", bx + px, by + py), ("L", bx - px, by - py), ("Z",)]
    return path(ops, fill=colour)  # filled only: a 0.1 pt outline is a hairline a preflight flags


def _open_arrowhead(tip: XY, frm: XY, size: float, colour: Color, width: float) -> Shape:
    """A chevron, not a filled head: the way the hands travel, not a stroke."""
    dx, dy = tip[0] - frm[0], tip[1] - frm[1]
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    bx, by = tip[0] - ux * size, tip[1] - uy * size
    px, py = -uy * size * 0.55, ux * size * 0.55
    ops: list[Op] = [("M", bx + px, by + py), ("L", *tip), ("L", bx - px, by - py)]
    return path(ops, stroke=colour, width=width, join=1)


def _split(p0: XY, c1: XY, c2: XY, p3: XY, t: float) -> tuple[XY, XY, XY]:
    """de Casteljau: the part of a cubic Bezier from 0 to t, as (c1, c2, end)."""

    def lerp(a: XY, b: XY) -> XY:
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)

    a, b, c = lerp(p0, c1), lerp(c1, c2), lerp(c2, p3)
    d, e = lerp(a, b), lerp(b, c)
    return a, d, lerp(d, e)


def _arrow_curve(
    points: Sequence[XY], colour: Color, width: float, dash: Sequence[float] | None = None
) -> tuple[Shape, Shape]:
    """A smooth curve and the arrowhead it ends in; the line stops under the head, so the tip
    stays sharp."""
    head = width * 3.6
    segments = fig.bezier(points)
    ops: list[Op] = [("M", *points[0])]
    for c1, c2, end in segments[:-1]:
        ops.append(("C", *c1, *c2, *end))
    start = points[-2] if len(points) > 1 else points[0]
    c1, c2, tip = segments[-1]
    chord = math.dist(start, tip) or 1.0
    t = max(0.3, 1 - head * 0.7 / chord)
    a, b, cut = _split(start, c1, c2, tip, t)
    ops.append(("C", *a, *b, *cut))
    return path(ops, stroke=colour, width=width, dash=dash), _arrowhead(tip, cut, head, colour)


# How far across each mark is, in its size: what must not be smaller than the page's text.
MARK_ACROSS = {"circles": 2.0, "knead": 1.3, "press": 3.4}


def mark_size(stroke: Stroke, m: Mapper, least: float = 0.0) -> float:
    """A circle's radius, a knead or press mark's size, on the page: as the data says, and no
    smaller across than the page's smallest text."""
    return max(fig.stroke_size(stroke) * m.scale, least / MARK_ACROSS.get(stroke.kind, 2.0))


def mark_radius(stroke: Stroke, m: Mapper, least: float = 0.0) -> float:
    """How far a circle, knead or press mark reaches from its centre, on the page."""
    size = mark_size(stroke, m, least)
    return {"circles": size, "knead": size * 1.5, "press": size * 1.7}.get(stroke.kind, size)


def strokes_art(diagram: Diagram, m: Mapper, ink: Ink, size: Sizes, items: Items) -> list[Shape]:
    """Every stroke's lines, arrowheads and marks, each an item owned by its stroke and side."""
    out: list[Shape] = []
    for index, stroke in enumerate(diagram.strokes):
        for _, mirrored in fig.stroke_sides(stroke):
            out += _stroke_side(stroke, mirrored, owner(index, mirrored), m, ink, size, items)
    return out


def owner(index: int, mirrored: bool) -> str:
    return f"{index}{'m' if mirrored else ''}"


def _stroke_side(
    stroke: Stroke, mirrored: bool, own: str, m: Mapper, ink: Ink, size: Sizes, items: Items
) -> list[Shape]:
    role = "return" if stroke.returning else "stroke"
    colour = ink("return") if stroke.returning else ink("stroke")
    lw = size.line
    pts = fig.side_points(stroke, mirrored)
    if stroke.kind in ("glide", "alternate"):
        dash = (lw * 2.2, lw * 1.6) if stroke.returning else None
        line, head = _arrow_curve(_mapped(pts, m), colour, lw, dash)
        return [
            *tagged([line], "line", role, items.next(), own),
            *tagged([head], "head", role, items.next(), own),
        ]
    if stroke.kind == "rake":
        tracks = [
            _arrow_curve(_mapped(t, m), colour, lw * 0.6)
            for t in fig.finger_tracks(pts, stroke.fingers, fig.stroke_size(stroke))
        ]
        return [
            *tagged([t[0] for t in tracks], "line", role, items.next(), own),
            *tagged([t[1] for t in tracks], "head", role, items.next(), own),
        ]
    cs = fig.centres(stroke)
    mapped = _mapped(fig.mirror(cs) if mirrored else cs, m)
    out: list[Shape] = []
    reach = mark_radius(stroke, m, size.least)
    across = mark_size(stroke, m, size.least)
    if travels(stroke):
        outward = -1.0 if cs[0][0] < fig.SPINE_X else 1.0
        out += _travel(mapped, reach, -outward if mirrored else outward, colour, lw, own, items)
    kind = {"circles": "circle", "knead": "knead", "press": "press"}[stroke.kind]
    for centre in mapped:
        if stroke.kind == "circles":
            direction = stroke.direction
            if mirrored:
                direction = "cw" if direction == "ccw" else "ccw"
            shapes = _circle_arrow(centre, reach, direction, colour, lw)
        elif stroke.kind == "knead":
            shapes = _knead_mark(centre, across, colour, lw)
        else:
            shapes = _press_mark(centre, across, colour, lw)
        out += tagged(shapes, "mark", kind, items.next(), own)
    return out


def _travel(
    centres: Sequence[XY],
    clear: float,
    outward: float,
    colour: Color,
    width: float,
    own: str,
    items: Items,
) -> list[Shape]:
    """The way the hands work along while they circle, knead or press: a dotted line beside
    the marks, on their outer side, from the first to the last, ending in an open arrowhead."""
    (ax, ay), (bx, by) = centres[0], centres[-1]
    length = math.hypot(bx - ax, by - ay) or 1.0
    ux, uy = (bx - ax) / length, (by - ay) / length
    nx, ny = -uy, ux  # a normal; turned to point away from the spine
    if nx * outward < 0 or (nx == 0 and ny * outward < 0):
        nx, ny = -nx, -ny
    reach = max((cx - ax) * nx + (cy - ay) * ny for cx, cy in centres)
    shift = reach + clear + width * 2
    start = (ax + nx * shift, ay + ny * shift)
    tip = (bx + nx * shift, by + ny * shift)
    head = width * 4.2
    end = (tip[0] - ux * head * 0.6, tip[1] - uy * head * 0.6)
    dots = (0.1, width * 2.6)
    line = path([("M", *start), ("L", *end)], stroke=colour, width=width, dash=dots)
    return [
        *tagged([line], "line", "travel", items.next(), own),
        *tagged(
            [_open_arrowhead(tip, start, head, colour, width)], "head", "travel", items.next(), own
        ),
    ]


def _circle_arrow(
    centre: XY, radius: float, direction: str, colour: Color, lw: float
) -> list[Shape]:
    """A circle drawn as an arc with an arrowhead that shows which way the hand turns."""
    cx, cy = centre
    sign = 1 if direction == "ccw" else -1
    # The arc ends at the top of the circle, where its arrowhead points plainly sideways:
    # left for anticlockwise, right for clockwise, at any size (at two o'clock, a small head
    # read the wrong way round).
    sweep = math.radians(300) * sign
    start = math.radians(90) - sweep
    head = max(lw * 0.85 * 3.6, radius * 0.5)
    trim = min(head * 0.7 / radius, 0.5) * sign  # stop under the arrowhead
    ops = arc_ops(cx, cy, radius, start, sweep - trim)
    end = start + sweep
    tip = (cx + radius * math.cos(end), cy + radius * math.sin(end))
    # aim the head along the true tangent: on a small circle a chord would point it astray
    heading = (tip[0] + math.sin(end) * sign * radius, tip[1] - math.cos(end) * sign * radius)
    return [path(ops, stroke=colour, width=lw * 0.85), _arrowhead(tip, heading, head, colour)]


def _knead_mark(centre: XY, size: float, colour: Color, lw: float) -> list[Shape]:
    """Two short arcs closing on each other: the squeeze of a kneading hand."""
    cx, cy = centre
    shapes: list[Shape] = []
    span = math.radians(110)
    for side in (-1, 1):  # ")(" : each arc bulges toward the centre
        start = (math.pi if side > 0 else 0.0) - span / 2
        ops = ellipse_arc_ops(cx + side * size * 0.95, cy, size * 0.55, size * 0.8, start, span)
        shapes.append(path(ops, stroke=colour, width=lw * 0.9))
    shapes.append(Shape("circle", fill=colour, circle=(cx, cy, size * 0.16)))
    return shapes


def _press_mark(centre: XY, size: float, colour: Color, lw: float) -> list[Shape]:
    """A filled point with a ring: press here, and release."""
    x, y = centre
    return [
        Shape("circle", fill=colour, circle=(x, y, size)),
        Shape("circle", stroke=colour, width=lw * 0.5, circle=(x, y, size * 1.7)),
    ]


# --- hands and order numbers, placed where they meet nothing -----------------------------------


def giver_hand(stroke: Stroke, start: Point) -> str:
    """The hand at a start: as the data names it, else the giver's hand on that side (kneeling
    astride, facing the head, the giver's left hand is on the partner's left)."""
    if stroke.hand in LETTERED:
        return stroke.hand
    return "left" if start[0] < fig.SPINE_X else "right"


class HandMark(NamedTuple):
    """One stroke's hand, ready to be drawn anywhere: how it touches, its colour, its letter."""

    angle: float
    length: float
    thumb: int
    contact: str
    colour: Color
    letter: str
    font: str
    letter_size: float

    def shapes(self, centre: XY) -> list[Shape]:
        pose = Pose(centre, self.angle, self.length, self.thumb)
        edge = max(0.45, self.length * 0.045)
        return hand_shapes(
            pose, self.contact, self.colour, edge, self.letter, self.font, self.letter_size
        )

    def box(self, centre: XY) -> Box:
        x0, y0, x1, y1 = _hand_box(self)
        cx, cy = centre
        return (x0 + cx, y0 + cy, x1 + cx, y1 + cy)


@lru_cache(maxsize=512)
def _hand_box(hand: HandMark) -> Box:
    """A hand's box around (0, 0): its shape is the same wherever it is placed, so placing
    one (tens of trial spots, each measured from sampled curves) measures it once."""
    return union(shape_box(s) for s in hand.shapes((0.0, 0.0)) if s.kind != "text")


def _hands(
    diagram: Diagram,
    m: Mapper,
    ink: Ink,
    size: Sizes,
    bold: str,
    words: KeyWords,
    items: Items,
    obstacles: Obstacles,
) -> tuple[list[Shape], dict[str, XY]]:
    """A hand mark at each stroke's start (its mirror's too): at the start itself, slid back
    along the stroke if something is in the way; beside the first mark for circles, kneading
    and presses; always on the figure. Returns the shapes, and where each hand lies (by its
    stroke and side)."""
    out: list[Shape] = []
    anchors: dict[str, XY] = {}
    for index, stroke in enumerate(diagram.strokes):
        if not stroke.contact:
            continue
        for _, mirrored in fig.stroke_sides(stroke):
            own = owner(index, mirrored)
            start = fig.start_of(stroke, mirrored)
            letter = words.letter(stroke.hand) if stroke.hand in LETTERED else ""
            hand = HandMark(
                m.angle(fig.pointing(stroke, mirrored)),
                size.lettered if letter else size.hand,
                thumb_side(giver_hand(stroke, start)),
                stroke.contact,
                ink("return") if stroke.returning else ink("stroke"),
                letter,
                bold,
                size.badge,
            )
            candidates = _hand_places(stroke, mirrored, start, hand.length, m, size.least)
            if mirrored and stroke.mirror and owner(index, False) in anchors:  # as its twin
                x, y = anchors[owner(index, False)]
                candidates = [(m.mirrored(x), y), *candidates]
            centre = place(candidates, hand.box, obstacles, own, own_lines=True, on_body=True)
            shapes = hand.shapes(centre)
            item = items.next()
            for s in shapes:
                role = (stroke.hand or "") if s.kind == "text" else stroke.contact
                tagged([s], "mark", role, item, own)
            out += shapes
            obstacles.boxes.append((own, hand.box(centre)))
            anchors[own] = centre
    return out, anchors


def _hand_places(
    stroke: Stroke, mirrored: bool, start: Point, length: float, m: Mapper, least: float
) -> list[XY]:
    """Where a hand may lie, best first."""
    at = m(start)
    ux, uy = fig.heading(stroke, mirrored)
    dx, dy = ux, uy * Y_STRETCH
    norm = math.hypot(dx, dy) or 1.0
    dx, dy = dx / norm, dy / norm
    if stroke.kind in ("glide", "alternate", "rake"):  # on the start, a little behind or ahead
        steps = [0, *(k * s for k in range(1, 8) for s in (-1, 1))]
        return [(at[0] - dx * length * k * 0.12, at[1] - dy * length * k * 0.12) for k in steps]
    near = mark_radius(stroke, m, least) + length * 0.45
    return ring_candidates(at, (-dx, -dy), near, length * 0.15, rings=8)


def _badges(
    diagram: Diagram,
    m: Mapper,
    ink: Ink,
    size: Sizes,
    bold: str,
    items: Items,
    obstacles: Obstacles,
    anchors: dict[str, XY],
) -> list[Shape]:
    """Order numbers beside each numbered stroke's start (and its mirror's), away from the
    spine, where they cover nothing."""
    out: list[Shape] = []
    placed: dict[str, XY] = {}
    r = size.badge_radius
    ring_width = max(0.5, r * 0.16)
    for index, stroke in enumerate(diagram.strokes):
        if stroke.order is None:
            continue
        for _, mirrored in fig.stroke_sides(stroke):
            own = owner(index, mirrored)
            start = fig.start_of(stroke, mirrored)
            centre = anchors.get(own, m(start))
            outward = -1.0 if start[0] < fig.SPINE_X else 1.0
            hx, hy = fig.heading(stroke, mirrored)
            preferred = (outward - hx * 0.6, -hy * 0.6)
            near = r + (size.lettered if stroke.hand in LETTERED else size.hand) * 0.35
            candidates = ring_candidates(centre, preferred, near, r * 0.4, rings=14)
            if mirrored and stroke.mirror and f"badge{owner(index, False)}" in placed:
                x, y = placed[f"badge{owner(index, False)}"]
                candidates = [(m.mirrored(x), y), *candidates]
            grow = r + ring_width / 2

            def box_at(c: XY, grow: float = grow) -> Box:
                return (c[0] - grow, c[1] - grow, c[0] + grow, c[1] + grow)

            x, y = place(candidates, box_at, obstacles)
            shapes = [
                Shape(
                    "circle", fill=white, stroke=ink("stroke"), width=ring_width, circle=(x, y, r)
                ),
                Shape(
                    "text",
                    fill=ink("badge_text"),
                    text=(x, y - size.badge * 0.36, str(stroke.order)),
                    font=bold,
                    size=size.badge,
                    anchor="middle",
                ),
            ]
            out += tagged(shapes, "mark", "order", items.next(), f"badge{own}")
            obstacles.boxes.append((f"badge{own}", box_at((x, y))))
            placed[f"badge{own}"] = (x, y)
    return out


# --- the symbols, in a legend and in the key ---------------------------------------------------

# How wide each symbol is drawn, in text sizes.
SYMBOL_WIDTH = {
    "stroke": 2.4,
    "return": 2.4,
    "travel": 2.4,
    "order": 1.3,
    "circle": 1.5,
    "knead": 1.7,
    "press": 1.4,
    "spine": 2.4,
    "caution": 2.4,
}
HAND_SYMBOL = 2.1  # a hand mark's length in the key, in text sizes


def symbol_width(kind: str) -> float:
    return SYMBOL_WIDTH.get(kind, HAND_SYMBOL)


def symbol_art(
    kind: str, x: float, y: float, size: float, ink: Ink, bold: str, words: KeyWords
) -> list[Shape]:
    """One symbol drawn as the diagrams draw it, its left edge at x, on a text line whose
    baseline is y, for text `size` pt."""
    lw = max(0.6, size * 0.12)
    mid = y + size * 0.35
    sym = size * symbol_width(kind)
    colour = ink("stroke")
    line = [(x, mid), (x + sym * 0.5, mid), (x + sym, mid)]
    if kind == "stroke":
        return list(_arrow_curve(line, colour, lw))
    if kind == "return":
        return list(_arrow_curve(line, ink("return"), lw * 0.8, (lw * 1.2 * 1.1, lw * 1.6)))
    if kind == "travel":
        w = lw * 0.75
        return [
            path(
                [("M", x, mid), ("L", x + sym - w, mid)],
                stroke=colour,
                width=w,
                dash=(0.1, w * 2.6),
            ),
            _open_arrowhead((x + sym, mid), (x, mid), w * 4.2, colour, w),
        ]
    if kind == "order":
        r = size * 0.62
        return [
            Shape("circle", fill=white, stroke=colour, width=lw * 0.7, circle=(x + r, mid, r)),
            Shape(
                "text",
                fill=ink("badge_text"),
                text=(x + r, mid - size * 0.36, "1"),
                font=bold,
                size=size,
                anchor="middle",
            ),
        ]
    if kind == "circle":
        return _circle_arrow((x + size * 0.8, mid), size * 0.65, "ccw", colour, lw)
    if kind == "knead":
        return _knead_mark((x + size * 0.9, mid), size * 0.7, colour, lw)
    if kind == "press":
        return _press_mark((x + size * 0.7, mid), size * 0.3, colour, lw)
    if kind == "spine":
        return hatched_box(x, y - size * 0.2, x + sym, y + size * 0.9, size * 0.3, ink, 0.5, 0.7)
    if kind == "caution":
        box = [
            (x, y - size * 0.2),
            (x + sym, y - size * 0.2),
            (x + sym, y + size * 0.9),
            (x, y + size * 0.9),
        ]
        zone = path(
            rect_ops(x, y - size * 0.2, x + sym, y + size * 0.9),
            fill=ink("caution_fill"),
            stroke=ink("caution_edge"),
            width=0.6,
            dash=(1, 1.4),
            join=0,
        )
        return [zone, *_stipple(box, size * 0.45, size * 0.07, ink("caution_edge"))]
    length = size * HAND_SYMBOL
    centre = (x + length * 0.3, mid)
    pose = Pose(centre, 0.0, length, thumb_side(kind if kind in LETTERED else "right"))
    contact = "palm" if kind in LETTERED else kind
    letter = words.letter(kind) if kind in LETTERED else ""
    return hand_shapes(pose, contact, colour, max(0.45, length * 0.045), letter, bold, size)


class LegendItem(NamedTuple):
    kind: str
    lines: tuple[str, ...]  # its words, broken to fit the legend when they must
    width: float


LEGEND_GAP = 1.4  # between items of a row, in text sizes
LEGEND_LINE = 1.2  # between the lines of one item's words, in text sizes


def legend_rows(
    symbols: Sequence[str],
    zones: Sequence[str],
    width: float,
    fs: float,
    font: str,
    words: KeyWords,
) -> list[list[LegendItem]]:
    """The legend's items in rows that fit the width; an item's words wrap when even a row of
    its own is too narrow for them (they never shrink, and never run off the side)."""
    rows: list[list[LegendItem]] = [[]]
    room = width - fs  # half a text size of margin each side
    used = 0.0
    for kind in symbols:
        symbol = fs * (symbol_width(kind) + 0.5)
        lines = wrapped(words.label(kind, zones), room - symbol, font, fs)
        item = LegendItem(kind, lines, symbol + max(label_width(t, font, fs) for t in lines))
        gap = fs * LEGEND_GAP if rows[-1] else 0.0
        if rows[-1] and used + gap + item.width > room:
            rows.append([])
            used, gap = 0.0, 0.0
        rows[-1].append(item)
        used += gap + item.width
    return [r for r in rows if r]


def breakable_words(text: str) -> list[str]:
    """The words a line may break between: at plain spaces only (str.split would break at
    the no-break spaces a language's typography put there, French's before a colon)."""
    return [word for word in re.split(r"[ \t\n]+", text) if word]


def wrapped(text: str, width: float, font: str, size: float) -> tuple[str, ...]:
    """Words broken into lines no wider than `width` (a word longer than that stands alone)."""
    lines: list[str] = []
    for word in breakable_words(text):
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and label_width(trial, font, size) <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return tuple(lines) or ("",)


def row_height(row: list[LegendItem], fs: float) -> float:
    return fs * KEY_ROW + (max(len(i.lines) for i in row) - 1) * fs * LEGEND_LINE


def legend_height(rows: list[list[LegendItem]], notes: list[str], fs: float) -> float:
    body = sum(row_height(r, fs) for r in rows)
    return fs * 0.8 + body + len(notes) * fs * 1.25 + fs * 0.5


def legend_art(
    rows: list[list[LegendItem]],
    notes: list[str],
    width: float,
    height: float,
    fs: float,
    ink: Ink,
    fonts: FontFamily,
    words: KeyWords,
) -> list[Shape]:
    """Under the figure: each symbol the diagram draws, with its words, rows centred; then the
    note on which side is which (a diagram file)."""
    regular, bold = fonts.regular, fonts.bold
    out: list[Shape] = []
    top = height - fs * 0.8
    for row in rows:
        y = top - fs * KEY_ROW * 0.5 - fs * 0.35  # the first line's baseline
        total = sum(i.width for i in row) + fs * LEGEND_GAP * (len(row) - 1)
        x = (width - total) / 2
        for item in row:
            shapes = symbol_art(item.kind, x, y, fs, ink, bold, words)
            for number, line in enumerate(item.lines):
                at = (x + fs * (symbol_width(item.kind) + 0.5), y - number * fs * LEGEND_LINE)
                shapes.append(
                    Shape("text", fill=ink("text"), text=(*at, line), font=regular, size=fs)
                )
            out += tagged(shapes, "legend", item.kind, 0, "legend")
            x += item.width + fs * LEGEND_GAP
        top -= row_height(row, fs)
    y = top - fs * 0.55
    for line in notes:
        out.append(
            Shape(
                "text",
                fill=ink("text"),
                text=(width / 2, y, line),
                font=regular,
                size=fs,
                anchor="middle",
                layer="legend",
            )
        )
        y -= fs * 1.25
    return out


def key_note_lines(
    width: float, size: float, font: str, words: KeyWords = ENGLISH_KEY
) -> list[str]:
    """The key's note, broken into lines that fit the width, at its spaces only (a no-break
    space, as before a French colon, holds its words together)."""
    lines: list[str] = []
    for word in words.note.split(" "):
        if not word:
            continue
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and label_width(trial, font, size) <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def smallest_legend_width(
    diagram: Diagram | None, font: str, words: KeyWords | None = None
) -> float:
    """The narrowest diagram whose legend's longest item still fits a row at
    MIN_LEGEND_TEXT."""
    words = words or ENGLISH_KEY
    fs = MIN_LEGEND_TEXT
    zones = diagram.caution if diagram else ()
    items = legend_rows(symbols_of(diagram), zones, 1e6, fs, font, words)[0]
    longest = max(label_width(w, font, fs) for i in items for w in breakable_words(i.lines[0]))
    widest = max(fs * (symbol_width(i.kind) + 0.5) for i in items) + longest
    return max(widest + fs, fs * 20)


def drawn_symbols(art: DiagramArt, layer: str = "") -> set[str]:
    """The symbols an art draws (in its figure, or in one layer such as its legend): what a
    test compares with what its key lists."""
    known = set(SYMBOL_WIDTH) | set(HAND_KINDS) | set(LETTERED)
    if layer:
        return {s.role for s in art.shapes if s.layer == layer and s.role in known}
    return {s.role for s in art.shapes if s.layer not in ("legend", "title") and s.role in known}


def item_boxes(art: DiagramArt) -> dict[int, tuple[str, str, str, Box]]:
    """Every item's layer, role, owner and box: what the geometry test checks for overlaps."""
    found: dict[int, list[Shape]] = {}
    for s in art.shapes:
        if s.item and s.layer in ("mark", "head"):
            found.setdefault(s.item, []).append(s)
    out = {}
    for item, shapes in found.items():
        boxes = [shape_box(s) for s in shapes if s.kind != "text"]
        first = shapes[0]
        out[item] = (first.layer, first.role, first.owner, union(boxes))
    return out
