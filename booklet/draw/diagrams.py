"""Back diagrams: the figure and a technique's strokes, at any size.

A diagram is computed once as a display list (paths, circles, text; cached per technique and
size) and then painted: straight onto a PDF canvas for cards and booklets, which is fast, or
into a ReportLab `Drawing` for SVG and PNG export. Curves are cubic Beziers through the same
points the safety lint checks.

Everything scales from the width, so one diagram reads on a 1.2 in card cell and on a booklet
page. Colours come from the Okabe-Ito colour-blind-safe palette, and nothing is told by colour
alone: the spine is hatched and outlined, returns are dashed, directions are arrows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, Protocol

from reportlab.lib.colors import Color, HexColor, white

from booklet.base.internals import Canvas
from booklet.data import figure as fig
from booklet.data.language import Words
from booklet.data.model import Diagram, Point, Stroke
from booklet.text.fonts import register
from booklet.text.paragraph import draw_label, label_width, plain_label
from booklet.text.scripts import first_strong

if TYPE_CHECKING:  # for its name only: ReportLab graphics is imported when a drawing is made
    from reportlab.graphics.shapes import Drawing

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
}

# The figure spans these normalised coordinates; y is stretched so the back has plausible height.
X0, X1 = -0.03, 1.03
Y0, Y1 = -0.09, 1.385
Y_STRETCH = 1.12
LEGEND_SHARE = 0.16
CONTACT_WORDS = {
    "palm": "palms",
    "thumbs": "thumbs",
    "fingertips": "fingertips",
    "knuckles": "knuckles",
    "forearm": "forearms",
    "elbow": "elbows, lightly",
}

XY = tuple[float, float]
# A path operation: ("M", x, y), ("L", x, y), ("C", x1, y1, x2, y2, x, y) or ("Z",).
Op = tuple[str, *tuple[float, ...]]


def aspect(legend: bool) -> float:
    """Height over width of a diagram."""
    body = (Y1 - Y0) * Y_STRETCH / (X1 - X0)
    return body + (LEGEND_SHARE if legend else 0.0)


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


class Mapper:
    """Normalised back coordinates -> drawing points."""

    def __init__(self, width: float, bottom: float) -> None:
        self.scale = width / (X1 - X0)
        self.bottom = bottom

    def __call__(self, p: Point) -> XY:
        return ((p[0] - X0) * self.scale, self.bottom + (p[1] - Y0) * self.scale * Y_STRETCH)


# --- the display list --------------------------------------------------------------------------


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


class DiagramArt(NamedTuple):
    width: float
    height: float
    shapes: tuple[Shape, ...]


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
) -> DiagramArt:
    """Everything a diagram paints, computed once per technique, size and style. No text in
    it (the order badges) is smaller than `min_text`, the legible minimum where it is used.
    Without `badges` it is a calm picture (a cover's), not an instruction."""
    fonts = register(font)
    ink = Ink(grayscale)
    legend_h = width * LEGEND_SHARE if legend else 0.0
    m = Mapper(width, legend_h)
    line = max(0.5, width * 0.006)
    shapes: list[Shape] = []
    shapes += _figure(m, ink, line, diagram)
    if diagram is not None:
        for stroke in diagram.strokes:
            shapes += _stroke(stroke, m, ink, width)
        if badges:
            shapes += _badges(diagram, m, ink, width, fonts.bold, min_text)
    if legend:
        shapes += _legend(diagram, width, legend_h, ink, fonts.regular, words or ENGLISH_KEY)
    return DiagramArt(width, width * aspect(legend), tuple(shapes))


# --- painting ----------------------------------------------------------------------------------


def paint(canvas: Canvas, art: DiagramArt, x: float, y: float) -> None:
    """Paint a diagram onto a PDF canvas with its lower-left corner at (x, y).

    The shapes' PDF operators are formatted once per diagram and reused; only the text goes
    through the canvas, which keeps track of the fonts a page uses.
    """
    canvas.saveState()
    canvas.translate(x, y)
    for part in _operators(art):
        if isinstance(part, str):
            canvas.addLiteral(part)
        else:
            _draw_text(canvas, part)
    canvas.restoreState()


def _draw_text(canvas: Canvas, s: Shape) -> None:
    assert s.text is not None  # a text shape carries its text
    tx, ty, text = s.text
    if not plain_label(text, s.font):  # another script, or right to left: the text engine
        assert s.fill is not None
        colour = "#" + s.fill.hexval()[2:]
        draw_label(canvas, text, s.font, s.size, colour, tx, ty, s.anchor)
        return
    canvas.setFillColor(s.fill)
    canvas.setFont(s.font, s.size)
    if s.anchor == "middle":
        canvas.drawCentredString(tx, ty, text)
    elif s.anchor == "end":
        canvas.drawRightString(tx, ty, text)
    else:
        canvas.drawString(tx, ty, text)


_PATH_FORMATS = {"M": "%.1f %.1f m", "L": "%.1f %.1f l", "C": "%.1f %.1f %.1f %.1f %.1f %.1f c"}


def _num(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _colour(c: Color, op: str) -> str:
    return f"{_num4(c.red)} {_num4(c.green)} {_num4(c.blue)} {op}"


def _num4(v: float) -> str:
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return text or "0"


# A diagram's paint: runs of PDF operators, with the text shapes (drawn through the canvas)
# between them.
Operators = tuple[str | Shape, ...]
_OPERATORS: dict[int, tuple[DiagramArt, Operators]] = {}


def _operators(art: DiagramArt) -> Operators:
    """The diagram as runs of PDF operators (str) with its text shapes between them."""
    entry = _OPERATORS.get(id(art))
    if entry is not None and entry[0] is art:
        return entry[1]
    if len(_OPERATORS) > 512:
        _OPERATORS.clear()
    parts = _format_operators(art)
    _OPERATORS[id(art)] = (art, parts)
    return parts


def _format_operators(art: DiagramArt) -> Operators:
    parts: list[str | Shape] = []
    run: list[str] = []
    state: dict[str, str] = {}  # graphics state already set in this run: set it only on change

    def setting(key: str, operator: str) -> None:
        if state.get(key) != operator:
            state[key] = operator
            run.append(operator)

    for s in art.shapes:
        if s.kind == "text":
            if run:
                parts.append("\n".join(run))
                run = []
            state.clear()  # text goes through the canvas, which sets its own fill colour
            parts.append(s)
            continue
        if s.fill is not None:
            setting("fill", _colour(s.fill, "rg"))
        if s.stroke is not None:
            setting("stroke", _colour(s.stroke, "RG"))
            setting("line", f"{_num(s.width)} w {s.cap} J {s.join} j")
            dash = " ".join(_num(d) for d in s.dash) if s.dash else ""
            setting("dash", f"[{dash}] 0 d")
        ops = s.ops if s.kind == "path" or s.circle is None else _circle_ops(*s.circle)
        for op in ops:
            kind = op[0]
            if kind == "Z":
                run.append("h")
            else:
                # to 1/10 pt: far finer than any printer, and a smaller PDF; "12.0 " -> "12 "
                run.append((_PATH_FORMATS[kind] % tuple(op[1:])).replace(".0 ", " "))
        paint_op = {(True, True): "B", (True, False): "f", (False, True): "S"}
        run.append(paint_op[(s.fill is not None, s.stroke is not None)])
    if run:
        parts.append("\n".join(run))
    return tuple(parts)


def _circle_ops(cx: float, cy: float, r: float) -> list[Op]:
    return [*arc_ops(cx, cy, r, 0, 2 * math.pi), ("Z",)]


def _paint_with_api(canvas: Canvas, art: DiagramArt, x: float, y: float) -> None:
    """The same picture through ReportLab's path API: kept to check the operators against."""
    canvas.saveState()
    canvas.translate(x, y)
    dash: tuple[float, ...] | None = None
    for s in art.shapes:
        if s.kind == "text":
            _draw_text(canvas, s)
            continue
        if s.fill is not None:
            canvas.setFillColor(s.fill)
        if s.stroke is not None:
            canvas.setStrokeColor(s.stroke)
            canvas.setLineWidth(s.width)
            canvas.setLineCap(s.cap)
            canvas.setLineJoin(s.join)
            if s.dash != dash:
                canvas.setDash(list(s.dash) if s.dash else [])
                dash = s.dash
        if s.kind == "circle" and s.circle is not None:
            cx, cy, r = s.circle
            canvas.circle(cx, cy, r, stroke=int(s.stroke is not None), fill=int(s.fill is not None))
            continue
        p = canvas.beginPath()
        _replay(s.ops, p, p.close)
        canvas.drawPath(
            p, stroke=int(s.stroke is not None), fill=int(s.fill is not None), fillMode=0
        )
    canvas.restoreState()


def to_drawing(art: DiagramArt, font: str = "sans") -> Drawing:
    """The same display list as a ReportLab Drawing, for SVG and PNG export."""
    from reportlab.graphics.shapes import Circle, Drawing, String
    from reportlab.graphics.shapes import Path as GPath

    d = Drawing(art.width, art.height)
    d.initialFontName = register(font).regular  # else ReportLab lists unembedded Helvetica
    for s in art.shapes:
        if s.kind == "text" and s.text is not None:
            tx, ty, text = s.text
            d.add(
                String(
                    tx,
                    ty,
                    text,
                    fontName=s.font,
                    fontSize=s.size,
                    fillColor=s.fill,
                    textAnchor=s.anchor,
                )
            )
        elif s.kind == "circle" and s.circle is not None:
            d.add(Circle(*s.circle, fillColor=s.fill, strokeColor=s.stroke, strokeWidth=s.width))
        else:
            g = GPath(
                fillColor=s.fill,
                strokeColor=s.stroke,
                strokeWidth=s.width,
                strokeDashArray=list(s.dash) if s.dash else None,
                strokeLineCap=s.cap,
                strokeLineJoin=s.join,
            )
            _replay(s.ops, g, g.closePath)
            d.add(g)
    return d


class PathSink(Protocol):
    """What a path is built on: pdfgen's path object, or a graphics Path."""

    def moveTo(self, x: float, y: float) -> object: ...  # noqa: N802 - ReportLab's names

    def lineTo(self, x: float, y: float) -> object: ...  # noqa: N802

    def curveTo(  # noqa: N802
        self, x1: float, y1: float, x2: float, y2: float, x3: float, y3: float
    ) -> object: ...


def _replay(ops: list[Op], target: PathSink, close: Callable[[], object]) -> None:
    """Feed path operations to a ReportLab path object (pdfgen's or graphics')."""
    for op in ops:
        match op:
            case ("M", x, y):
                target.moveTo(x, y)
            case ("L", x, y):
                target.lineTo(x, y)
            case ("C", x1, y1, x2, y2, x, y):
                target.curveTo(x1, y1, x2, y2, x, y)
            case _:
                close()


def back_drawing(
    diagram: Diagram | None,
    width: float,
    *,
    grayscale: bool = False,
    legend: bool = True,
    font: str = "sans",
) -> Drawing:
    return to_drawing(diagram_art(diagram, width, grayscale, legend, font), font)


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
            out.append(
                path(
                    closed_curve_ops(outline),
                    fill=ink("caution_fill"),
                    stroke=ink("caution_edge"),
                    width=line * 0.8,
                    dash=(line * 1.2, line * 1.8),
                )
            )
            out += _stipple(outline, m.scale * 0.04, line * 0.7, ink("caution_edge"))
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
    out.append(
        path(
            _ellipse_ops(hx, hy, rx, ry), fill=ink("skin"), stroke=ink("outline"), width=line * 1.3
        )
    )
    out += _spine(m, ink, line)
    return out


def closed_curve_ops(points: Sequence[XY]) -> list[Op]:
    """A smooth closed curve through the points (the curve wraps round to the start)."""
    n = len(points)
    ring = [points[-1], *points, points[0], points[1]]
    ops: list[Op] = [("M", *points[0])]
    for c1, c2, end in fig.bezier(ring)[1 : n + 1]:
        ops.append(("C", *c1, *c2, *end))
    return [*ops, ("Z",)]


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


def _ellipse_ops(cx: float, cy: float, rx: float, ry: float) -> list[Op]:
    return [*ellipse_arc_ops(cx, cy, rx, ry, 0, 2 * math.pi), ("Z",)]


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


def _rect_ops(x0: float, y0: float, x1: float, y1: float) -> list[Op]:
    return [("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1), ("Z",)]


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
        path(_rect_ops(x0, y0, x1, y1), fill=ink("spine_fill")),
        path(hatch, stroke=ink("spine_hatch"), width=hatch_width, cap=0),
        path(_rect_ops(x0, y0, x1, y1), stroke=ink("spine_edge"), width=edge_width, join=0),
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


def _split(p0: XY, c1: XY, c2: XY, p3: XY, t: float) -> tuple[XY, XY, XY]:
    """de Casteljau: the part of a cubic Bezier from 0 to t, as (c1, c2, end)."""

    def lerp(a: XY, b: XY) -> XY:
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)

    a, b, c = lerp(p0, c1), lerp(c1, c2), lerp(c2, p3)
    d, e = lerp(a, b), lerp(b, c)
    return a, d, lerp(d, e)


def _arrow_curve(
    points: Sequence[XY], colour: Color, width: float, dash: Sequence[float] | None = None
) -> list[Shape]:
    """A smooth curve ending in an arrowhead; the line stops under the head, so the tip stays
    sharp."""
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
    return [path(ops, stroke=colour, width=width, dash=dash), _arrowhead(tip, cut, head, colour)]


def _stroke(stroke: Stroke, m: Mapper, ink: Ink, width: float) -> list[Shape]:
    out: list[Shape] = []
    colour = ink("return") if stroke.returning else ink("stroke")
    lw = max(0.7, width * 0.016)
    size = fig.stroke_size(stroke)
    for _, mirrored in fig.stroke_sides(stroke):
        pts = fig.side_points(stroke, mirrored)
        if stroke.kind in ("glide", "alternate"):
            dash = (lw * 2.2, lw * 1.6) if stroke.returning else None
            out += _arrow_curve(_mapped(pts, m), colour, lw, dash)
        elif stroke.kind == "rake":
            for track in fig.finger_tracks(pts, stroke.fingers, size):
                out += _arrow_curve(_mapped(track, m), colour, lw * 0.6)
        else:
            cs = fig.centres(stroke)
            if mirrored:
                cs = fig.mirror(cs)
            mapped = _mapped(cs, m)
            if stroke.kind == "circles":
                direction = stroke.direction
                if mirrored:
                    direction = "cw" if direction == "ccw" else "ccw"
                if len(mapped) > 1:
                    out += _arrow_curve(mapped, colour, lw * 0.5, (lw * 0.8, lw * 1.4))
                out += [
                    s
                    for c in mapped
                    for s in _circle_arrow(c, size * m.scale, direction, colour, lw)
                ]
            elif stroke.kind == "knead":
                if len(mapped) > 1:
                    out += _arrow_curve(mapped, colour, lw * 0.45, (lw * 0.7, lw * 1.3))
                out += [s for c in mapped for s in _knead_mark(c, size * m.scale, colour, lw)]
            else:  # press points
                r = size * m.scale
                for x, y in mapped:
                    out.append(Shape("circle", fill=colour, circle=(x, y, r)))
                    out.append(
                        Shape("circle", stroke=colour, width=lw * 0.5, circle=(x, y, r * 1.7))
                    )
    return out


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


def _badges(
    diagram: Diagram, m: Mapper, ink: Ink, width: float, bold: str, min_text: float = 0.0
) -> list[Shape]:
    """Order numbers at the start of each numbered stroke (and of its mirror image)."""
    out: list[Shape] = []
    r = max(3.6, width * 0.032, min_text / 1.25)
    for stroke in diagram.strokes:
        if stroke.order is None:
            continue
        for _, mirrored in fig.stroke_sides(stroke):
            pts = fig.side_points(stroke, mirrored)
            start = fig.centres(stroke)[0] if stroke.kind in ("circles", "knead") else pts[0]
            if mirrored and stroke.kind in ("circles", "knead"):
                start = fig.mirror([start])[0]
            x, y = m(start)
            outward = -1 if start[0] < 0.5 else 1  # beside the start, away from the spine
            if stroke.kind in ("circles", "knead"):
                x += outward * (fig.stroke_size(stroke) * m.scale + r * 1.3)
            else:
                x += r * 1.25 * outward
                y += r * 0.9
            out.append(
                Shape(
                    "circle",
                    fill=white,
                    stroke=ink("stroke"),
                    width=max(0.5, r * 0.18),
                    circle=(x, y, r),
                )
            )
            fs = r * 1.25
            out.append(
                Shape(
                    "text",
                    fill=ink("badge_text"),
                    text=(x, y - fs * 0.36, str(stroke.order)),
                    font=bold,
                    size=fs,
                    anchor="middle",
                )
            )
    return out


def _legend(
    diagram: Diagram | None, width: float, height: float, ink: Ink, font: str, words: KeyWords
) -> list[Shape]:
    """Below the figure: the hatched swatch says 'no pressure'; a caution swatch if zones."""
    out: list[Shape] = []
    items = legend_items(diagram, words)
    fs = legend_font_size(diagram, width, font, words)
    sw = fs * 1.5
    y = height - fs * 2.0
    total = legend_width(items, fs, font)
    x = max(0.0, (width - total) / 2)
    for kind, text in items:
        if kind == "spine":
            out += hatched_box(x, y, x + sw, y + fs, max(1.2, fs * 0.32), ink, 0.5, 0.7)
        else:
            out.append(
                path(
                    _rect_ops(x, y, x + sw, y + fs),
                    fill=ink("caution_fill"),
                    stroke=ink("caution_edge"),
                    width=0.6,
                    dash=(1, 1.4),
                    join=0,
                )
            )
        x += sw + fs * 0.5
        out.append(
            Shape("text", fill=ink("text"), text=(x, y + fs * 0.15, text), font=font, size=fs)
        )
        x += label_width(text, font, fs) + fs * 1.6
    return out


MIN_LEGEND_TEXT = 5.0  # a diagram file's legend is never smaller; it shrinks to fit, not clip


def legend_items(diagram: Diagram | None, words: KeyWords) -> list[tuple[str, str]]:
    items = [("spine", dict(words.labels)["spine"])]
    if diagram and diagram.caution:
        names = dict(words.zones)
        zones = " & ".join(names.get(z, z) for z in diagram.caution)
        items.append(("caution", words.legend_caution.replace("{zones}", zones)))
    return items


def legend_width(items: list[tuple[str, str]], fs: float, font: str) -> float:
    total = sum(fs * 1.5 + fs * 0.5 + label_width(t, font, fs) for _, t in items)
    return total + fs * 1.6 * (len(items) - 1)


def legend_font_size(diagram: Diagram | None, width: float, font: str, words: KeyWords) -> float:
    """The legend's size: in proportion to the diagram, smaller if its line would be wider
    than the diagram (it never runs off the side)."""
    fs = max(MIN_LEGEND_TEXT, min(9.0, width * 0.052))
    wide = legend_width(legend_items(diagram, words), fs, font)
    return fs * min(1.0, width / wide) if wide > width else fs


def smallest_legend_width(
    diagram: Diagram | None, font: str, words: KeyWords | None = None
) -> float:
    """The narrowest diagram whose legend is still MIN_LEGEND_TEXT or larger."""
    return legend_width(legend_items(diagram, words or ENGLISH_KEY), MIN_LEGEND_TEXT, font)


def contact_summary(diagram: Diagram) -> list[str]:
    """`1 palms`, `2 palms, light return`: what each numbered stroke is done with."""
    out = []
    for s in sorted(diagram.strokes, key=lambda s: s.order or 99):
        if s.order is None:
            continue
        words = CONTACT_WORDS.get(s.contact or "", s.kind)
        if s.returning:
            words += ", light return"
        out.append(f"{s.order} {words}")
    return out


# --- the key -----------------------------------------------------------------------------------

KEY_KINDS = ("stroke", "return", "order", "circle", "knead", "spine", "caution")
KEY_ROW = 1.75  # a row of the key, in text sizes: room for the symbols


class KeyWords(NamedTuple):
    """The key's words in one language: a label for each mark, and the note under them.
    Hashable, so the key's art is cached per language."""

    labels: tuple[tuple[str, str], ...]
    note: str
    zones: tuple[tuple[str, str], ...] = (("ribs", "ribs"), ("lower-back", "kidneys"))
    legend_caution: str = "{zones}: go gently"
    rtl: bool = False  # a right-to-left language: each symbol right of its label


ENGLISH_KEY = KeyWords(
    (
        ("stroke", "stroke, this way"),
        ("return", "light return"),
        ("order", "order of strokes"),
        ("circle", "circles this way"),
        ("knead", "squeeze, release"),
        ("spine", "spine: no pressure"),
        ("caution", "go gently here"),
    ),
    "Seen from above, head at the top: your partner's left is on the left.",
)


def key_words(words: Words) -> KeyWords:
    """The key's and the legends' words from a language's catalogue."""
    group = words.group("key")
    return KeyWords(
        tuple((kind, group.get(kind, kind)) for kind in KEY_KINDS),
        words.text("key_note"),
        tuple(words.group("zones").items()),
        words.text("legend_caution"),
        words.rtl,
    )


def key_note_lines(
    width: float, size: float, font: str, words: KeyWords = ENGLISH_KEY
) -> list[str]:
    """The key's note, broken into lines that fit the width."""
    lines: list[str] = []
    for word in words.note.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and label_width(trial, font, size) <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def key_height(width: float, size: float, font: str, words: KeyWords = ENGLISH_KEY) -> float:
    rows = key_grid(width, size, font, words)[0]
    notes = key_note_lines(width, size, font, words)
    return rows * size * KEY_ROW + len(notes) * size * 1.25 + size * 0.9


def key_width(size: float, font: str, words: KeyWords = ENGLISH_KEY) -> float:
    """The narrowest a key can be: one column, its longest label beside its symbol."""
    return size * 3.2 + max(label_width(label, font, size) for _, label in words.labels)


@lru_cache(maxsize=64)
def key_grid(
    width: float, size: float, font: str, words: KeyWords = ENGLISH_KEY
) -> tuple[int, tuple[float, ...]]:
    """Rows, and where each column starts: items fill the columns top to bottom, each column
    as wide as its own longest label, and as many columns as fit (a short key on a card)."""
    items = [size * 3.2 + label_width(label, font, size) for _, label in words.labels]
    for columns in range(4, 0, -1):
        rows = -(-len(items) // columns)
        widths = [max(items[c * rows : (c + 1) * rows], default=0.0) for c in range(columns)]
        spare = width - sum(widths)
        if columns == 1 or spare >= size * (columns - 1):
            gap = spare / (columns - 1) if columns > 1 else 0.0
            starts = [sum(widths[:c]) + gap * c for c in range(columns)]
            return rows, tuple(starts)
    raise AssertionError("unreachable: one column always fits")


@lru_cache(maxsize=64)
def key_art(
    width: float,
    size: float,
    font: str = "sans",
    grayscale: bool = False,
    words: KeyWords = ENGLISH_KEY,
) -> DiagramArt:
    """What the diagrams' marks mean, drawn with the very marks the diagrams use: a first-timer
    reads a diagram without help. Text is `size` pt, the layout's body size."""
    fonts = register(font)
    ink = Ink(grayscale)
    rows, starts = key_grid(width, size, fonts.regular, words)
    height = key_height(width, size, fonts.regular, words)
    lw = max(0.6, size * 0.12)
    sym = size * 2.4  # room for a symbol
    shapes: list[Shape] = []
    # Right to left, the columns run from the right and each symbol hugs its column's right
    # edge; the symbols themselves are not mirrored (a circle's arrow says which way).
    own = {"order": size * 1.24, "circle": size * 1.45, "knead": size * 1.6}
    for index, (kind, label) in enumerate(words.labels):
        col, row = divmod(index, rows)
        x = starts[col]
        right = width - starts[col]
        if words.rtl:
            x = right - own.get(kind, sym)
        y = height - size * KEY_ROW * (row + 1)  # the row's baseline
        mid = y + size * 0.35
        colour = ink("stroke")
        if kind == "stroke":
            shapes += _arrow_curve([(x, mid), (x + sym * 0.5, mid), (x + sym, mid)], colour, lw)
        elif kind == "return":
            shapes += _arrow_curve(
                [(x, mid), (x + sym * 0.5, mid), (x + sym, mid)],
                ink("return"),
                lw * 0.8,
                (lw * 1.2, lw * 1.6),
            )
        elif kind == "order":
            r = size * 0.62
            shapes.append(
                Shape("circle", fill=white, stroke=colour, width=lw * 0.7, circle=(x + r, mid, r))
            )
            shapes.append(
                Shape(
                    "text",
                    fill=ink("badge_text"),
                    text=(x + r, mid - size * 0.36, "1"),
                    font=fonts.bold,
                    size=size,
                    anchor="middle",
                )
            )
        elif kind == "circle":
            shapes += _circle_arrow((x + size * 0.8, mid), size * 0.65, "ccw", colour, lw)
        elif kind == "knead":
            shapes += _knead_mark((x + size * 0.9, mid), size * 0.7, colour, lw)
        elif kind == "spine":
            shapes += hatched_box(
                x, y - size * 0.2, x + sym, y + size * 0.9, size * 0.3, ink, 0.5, 0.7
            )
        else:
            box = [
                (x, y - size * 0.2),
                (x + sym, y - size * 0.2),
                (x + sym, y + size * 0.9),
                (x, y + size * 0.9),
            ]
            shapes.append(
                path(
                    _rect_ops(x, y - size * 0.2, x + sym, y + size * 0.9),
                    fill=ink("caution_fill"),
                    stroke=ink("caution_edge"),
                    width=0.6,
                    dash=(1, 1.4),
                    join=0,
                )
            )
            shapes += _stipple(box, size * 0.45, size * 0.07, ink("caution_edge"))
        label_x = right - sym - size * 0.6 if words.rtl else x + sym + size * 0.6
        shapes.append(
            Shape(
                "text",
                fill=ink("text"),
                text=(label_x, y, label),
                font=fonts.regular,
                size=size,
                anchor="end" if words.rtl else "start",
            )
        )
    notes = key_note_lines(width, size, fonts.regular, words)
    for number, line in enumerate(notes):
        baseline = size * 0.3 + (len(notes) - 1 - number) * size * 1.25
        rtl = first_strong(line) == "rtl"  # a right-to-left note sits at the right
        shapes.append(
            Shape(
                "text",
                fill=ink("text"),
                text=(width if rtl else 0.0, baseline, line),
                font=fonts.regular,
                size=size,
                anchor="end" if rtl else "start",
            )
        )
    return DiagramArt(width, height, tuple(shapes))
