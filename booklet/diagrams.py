"""Back diagrams: the figure and a technique's strokes as a ReportLab `Drawing`, at any size.

Everything scales from the drawing's width, so one diagram reads on a 1.2 in card cell and on a
full booklet page. Colours come from the Okabe-Ito colour-blind-safe palette, and nothing is told
by colour alone: the spine is hatched and outlined, returns are dashed, directions are arrows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Ellipse, Group, Line, Path, Polygon, String
from reportlab.lib.colors import Color, HexColor, white

from booklet import figure as fig
from booklet.fonts import register
from booklet.model import Diagram, Point, Stroke

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
CONTACT_WORDS = {
    "palm": "palms",
    "thumbs": "thumbs",
    "fingertips": "fingertips",
    "knuckles": "knuckles",
    "forearm": "forearms",
    "elbow": "elbows, lightly",
}


def aspect(legend: bool) -> float:
    """Height over width of a diagram."""
    body = (Y1 - Y0) * Y_STRETCH / (X1 - X0)
    return body + (LEGEND_SHARE if legend else 0.0)


LEGEND_SHARE = 0.16


@dataclass(frozen=True)
class Ink:
    """Colours for one render: as chosen, or as greys of the same lightness."""

    grayscale: bool = False

    def __call__(self, name: str) -> Color:
        c = HexColor(PALETTE[name])
        if not self.grayscale:
            return c
        grey = 0.299 * c.red + 0.587 * c.green + 0.114 * c.blue
        return Color(grey, grey, grey)


class Mapper:
    """Normalised back coordinates -> drawing points."""

    def __init__(self, width: float, bottom: float) -> None:
        self.scale = width / (X1 - X0)
        self.bottom = bottom

    def __call__(self, p: Point) -> tuple[float, float]:
        return ((p[0] - X0) * self.scale, self.bottom + (p[1] - Y0) * self.scale * Y_STRETCH)

    def flat(self, points: Sequence[Point]) -> list[float]:
        out: list[float] = []
        for p in points:
            out.extend(self(p))
        return out


def back_drawing(
    diagram: Diagram | None,
    width: float,
    *,
    grayscale: bool = False,
    legend: bool = True,
    font: str = "vera",
) -> Drawing:
    """The back figure with the diagram's strokes, `width` points wide."""
    fonts = register(font)
    ink = Ink(grayscale)
    legend_h = width * LEGEND_SHARE if legend else 0.0
    height = width * aspect(legend)
    d = Drawing(width, height)
    d.initialFontName = fonts.regular  # else ReportLab lists unembedded Helvetica on the page
    m = Mapper(width, legend_h)
    line = max(0.5, width * 0.006)
    d.add(_figure(m, ink, line, diagram))
    if diagram is not None:
        for stroke in diagram.strokes:
            d.add(_stroke(stroke, m, ink, width))
        d.add(_badges(diagram, m, ink, width, fonts.bold))
    if legend:
        d.add(_legend(diagram, width, legend_h, ink, fonts.regular))
    return d


# --- the figure ------------------------------------------------------------------------------


def _smooth_path(points: Sequence[Point], m: Mapper, closed: bool = False, **style) -> Path:
    pts = fig.smooth(points, 8)
    p = Path(**style)
    x, y = m(pts[0])
    p.moveTo(x, y)
    for pt in pts[1:]:
        p.lineTo(*m(pt))
    if closed:
        p.closePath()
    return p


def _figure(m: Mapper, ink: Ink, line: float, diagram: Diagram | None) -> Group:
    g = Group()
    torso = fig.closed_outline(fig.TORSO_LEFT)
    left = fig.smooth(fig.TORSO_LEFT, 8)
    outline_pts = left + list(reversed(fig.mirror(left)))
    body = Polygon(m.flat(outline_pts), fillColor=ink("skin"), strokeColor=None)
    g.add(body)
    del torso
    caution = diagram.caution if diagram else ()
    for zone in caution:
        for half in (fig.CAUTION_LEFT[zone], fig.mirror(fig.CAUTION_LEFT[zone])):
            g.add(
                Polygon(
                    m.flat(_rounded(half)),
                    fillColor=ink("caution_fill"),
                    strokeColor=ink("caution_edge"),
                    strokeWidth=line * 0.8,
                    strokeDashArray=[line * 1.2, line * 1.8],
                    strokeLineCap=1,
                )
            )
    thin = dict(strokeColor=ink("anatomy"), strokeWidth=line * 0.8, fillColor=None, strokeLineCap=1)
    for rib in fig.RIB_CURVES_LEFT:
        g.add(_smooth_path(rib, m, **thin))
        g.add(_smooth_path(fig.mirror(rib), m, **thin))
    for blade in (fig.SHOULDER_BLADE_LEFT, fig.mirror(fig.SHOULDER_BLADE_LEFT)):
        g.add(_smooth_path(list(blade) + [blade[0], blade[1]], m, **thin))
    edge = dict(strokeColor=ink("outline"), strokeWidth=line * 1.3, fillColor=None, strokeLineCap=1)
    g.add(_smooth_path(fig.TORSO_LEFT, m, **edge))
    g.add(_smooth_path(fig.mirror(fig.TORSO_LEFT), m, **edge))
    hx, hy = m(fig.HEAD_CENTRE)
    g.add(
        Ellipse(
            hx,
            hy,
            fig.HEAD_RADII[0] * m.scale,
            fig.HEAD_RADII[1] * m.scale * Y_STRETCH,
            fillColor=ink("skin"),
            strokeColor=ink("outline"),
            strokeWidth=line * 1.3,
        )
    )
    g.add(_spine(m, ink, line))
    return g


def _rounded(points: Sequence[Point]) -> list[Point]:
    return fig.smooth(list(points) + [points[0], points[1]], 6)[:-6]


def hatch_lines(
    x0: float, y0: float, x1: float, y1: float, gap: float
) -> list[tuple[float, float, float, float]]:
    """45-degree lines filling a rectangle: the pattern fill ReportLab graphics lacks."""
    lines = []
    step = gap * math.sqrt(2)
    c = (y0 - x1) + step / 2
    while c < y1 - x0:
        # the line y = x + c, clipped to the rectangle
        xa = max(x0, y0 - c)
        xb = min(x1, y1 - c)
        if xb > xa:
            lines.append((xa, xa + c, xb, xb + c))
        c += step
    return lines


def spine_rect(m: Mapper) -> tuple[float, float, float, float]:
    x0, y0 = m((fig.SPINE_LEFT, fig.SPINE_BOTTOM))
    x1, y1 = m((fig.SPINE_RIGHT, fig.SPINE_TOP))
    return x0, y0, x1, y1


def _spine(m: Mapper, ink: Ink, line: float) -> Group:
    g = Group()
    x0, y0, x1, y1 = spine_rect(m)
    g.add(_rect(x0, y0, x1, y1, fill=ink("spine_fill")))
    gap = max(1.6, (x1 - x0) / 3.2)
    for xa, ya, xb, yb in hatch_lines(x0, y0, x1, y1, gap):
        g.add(
            Line(xa, ya, xb, yb, strokeColor=ink("spine_hatch"), strokeWidth=max(0.45, line * 0.9))
        )
    g.add(_rect(x0, y0, x1, y1, stroke=ink("spine_edge"), width=max(0.6, line * 1.1)))
    return g


def _rect(x0, y0, x1, y1, fill=None, stroke=None, width=0.0) -> Polygon:
    return Polygon(
        [x0, y0, x1, y0, x1, y1, x0, y1],
        fillColor=fill,
        strokeColor=stroke,
        strokeWidth=width,
        strokeLineJoin=0,
    )


# --- strokes ---------------------------------------------------------------------------------


def _arrowhead(tip: tuple[float, float], frm: tuple[float, float], size: float, color) -> Polygon:
    dx, dy = tip[0] - frm[0], tip[1] - frm[1]
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    bx, by = tip[0] - ux * size, tip[1] - uy * size
    px, py = -uy * size * 0.5, ux * size * 0.5
    return Polygon(
        [tip[0], tip[1], bx + px, by + py, bx - px, by - py],
        fillColor=color,
        strokeColor=color,
        strokeWidth=0.1,
        strokeLineJoin=1,
    )


def _polyline(
    points: list[tuple[float, float]], color, width, dash=None, arrow=True, heading=None
) -> Group:
    g = Group()
    if len(points) < 2:
        return g
    head = width * 3.6
    body = list(points)
    if arrow:
        # stop the line under the arrowhead so the tip stays sharp
        tip, prev = body[-1], body[-2]
        d = math.dist(tip, prev) or 1.0
        cut = min(head * 0.7, d * 0.9)
        body[-1] = (tip[0] - (tip[0] - prev[0]) * cut / d, tip[1] - (tip[1] - prev[1]) * cut / d)
    p = Path(
        strokeColor=color,
        strokeWidth=width,
        fillColor=None,
        strokeLineCap=1,
        strokeLineJoin=1,
        strokeDashArray=dash,
    )
    p.moveTo(*body[0])
    for pt in body[1:]:
        p.lineTo(*pt)
    g.add(p)
    if arrow:
        frm = _back_along(points, head) if heading is None else heading
        g.add(_arrowhead(points[-1], frm, head, color))
    return g


def _back_along(points: list[tuple[float, float]], distance: float) -> tuple[float, float]:
    """A point about `distance` before the end, for a steady arrowhead direction on a curve."""
    walked = 0.0
    for a, b in zip(reversed(points[1:]), reversed(points[:-1]), strict=True):
        walked += math.dist(a, b)
        if walked >= distance:
            return b
    return points[0]


def _stroke(stroke: Stroke, m: Mapper, ink: Ink, width: float) -> Group:
    g = Group()
    color = ink("return") if stroke.returning else ink("stroke")
    lw = max(0.7, width * 0.016)
    size = fig.stroke_size(stroke)
    for _, mirrored in fig.stroke_sides(stroke):
        pts = fig.side_points(stroke, mirrored)
        path = fig.smooth(pts)
        if stroke.kind in ("glide", "alternate"):
            dash = [lw * 2.2, lw * 1.6] if stroke.returning else None
            g.add(_polyline([m(p) for p in path], color, lw, dash))
        elif stroke.kind == "rake":
            for track in fig.finger_tracks(path, stroke.fingers, size):
                g.add(_polyline([m(p) for p in track], color, lw * 0.6))
        elif stroke.kind == "circles":
            direction = stroke.direction
            if mirrored:
                direction = "cw" if direction == "ccw" else "ccw"
            cs = fig.centres(stroke) if not mirrored else fig.mirror(fig.centres(stroke))
            if len(cs) > 1:
                g.add(_polyline([m(c) for c in cs], color, lw * 0.5, [lw * 0.8, lw * 1.4]))
            for c in cs:
                g.add(_circle_arrow(m(c), size * m.scale, direction, color, lw))
        elif stroke.kind == "knead":
            cs = fig.centres(stroke) if not mirrored else fig.mirror(fig.centres(stroke))
            if len(cs) > 1:
                g.add(_polyline([m(c) for c in cs], color, lw * 0.45, [lw * 0.7, lw * 1.3]))
            for c in cs:
                g.add(_knead_mark(m(c), size * m.scale, color, lw))
        elif stroke.kind == "press":
            cs = fig.centres(stroke) if not mirrored else fig.mirror(fig.centres(stroke))
            for c in cs:
                x, y = m(c)
                r = size * m.scale
                g.add(Circle(x, y, r, fillColor=color, strokeColor=None))
                g.add(
                    Circle(x, y, r * 1.7, fillColor=None, strokeColor=color, strokeWidth=lw * 0.5)
                )
    return g


def _circle_arrow(centre, radius, direction, color, lw) -> Group:
    """A circle drawn as an arc with an arrowhead that shows which way the hand turns."""
    g = Group()
    cx, cy = centre
    sign = 1 if direction == "ccw" else -1
    start = math.radians(110)
    sweep = math.radians(300) * sign
    n = 36
    pts = [
        (
            cx + radius * math.cos(start + sweep * i / n),
            cy + radius * math.sin(start + sweep * i / n),
        )
        for i in range(n + 1)
    ]
    end = start + sweep
    tip = pts[-1]
    # aim the head along the true tangent: on a small circle a chord would point it astray
    heading = (tip[0] + math.sin(end) * sign * radius, tip[1] - math.cos(end) * sign * radius)
    g.add(_polyline(pts, color, lw * 0.85, heading=heading))
    return g


def _knead_mark(centre, size, color, lw) -> Group:
    """Two short arcs closing on each other: the squeeze of a kneading hand."""
    g = Group()
    cx, cy = centre
    for side in (-1, 1):
        arc = Path(strokeColor=color, strokeWidth=lw * 0.9, fillColor=None, strokeLineCap=1)
        for i in range(9):
            a = math.radians(-55 + 110 * i / 8)
            x = cx + side * (size * 0.95 - size * 0.55 * math.cos(a))
            y = cy + size * 0.8 * math.sin(a)
            if i == 0:
                arc.moveTo(x, y)
            else:
                arc.lineTo(x, y)
        g.add(arc)
    g.add(Circle(cx, cy, size * 0.16, fillColor=color, strokeColor=None))
    return g


def _badges(diagram: Diagram, m: Mapper, ink: Ink, width: float, bold: str) -> Group:
    """Order numbers at the start of each numbered stroke (and of its mirror image)."""
    g = Group()
    r = max(3.6, width * 0.032)
    for stroke in diagram.strokes:
        if stroke.order is None:
            continue
        for _, mirrored in fig.stroke_sides(stroke):
            pts = fig.side_points(stroke, mirrored)
            start = fig.centres(stroke)[0] if stroke.kind in ("circles", "knead") else pts[0]
            if mirrored and stroke.kind in ("circles", "knead"):
                start = fig.mirror([start])[0]
            x, y = m(start)
            # sit the badge just outside the start, away from the spine
            outward = -1 if start[0] < 0.5 else 1
            if stroke.kind in ("circles", "knead"):
                x += outward * (fig.stroke_size(stroke) * m.scale + r * 1.3)
            else:
                x += r * 1.25 * outward
                y += r * 0.9
            g.add(
                Circle(
                    x,
                    y,
                    r,
                    fillColor=white,
                    strokeColor=ink("stroke"),
                    strokeWidth=max(0.5, r * 0.18),
                )
            )
            fs = r * 1.25
            g.add(
                String(
                    x,
                    y - fs * 0.36,
                    str(stroke.order),
                    fontName=bold,
                    fontSize=fs,
                    fillColor=ink("badge_text"),
                    textAnchor="middle",
                )
            )
    return g


def _legend(diagram: Diagram | None, width: float, height: float, ink: Ink, font: str) -> Group:
    """Below the figure: the hatched swatch says 'no pressure'; a caution swatch if zones."""
    g = Group()
    fs = max(5.0, min(9.0, width * 0.052))
    sw = fs * 1.5
    y = height - fs * 2.0
    items = [("spine", "spine: no pressure")]
    if diagram and diagram.caution:
        items.append(("caution", f"{' & '.join(diagram.caution)}: go gently"))
    font_metrics = _string_width(font, fs)
    total = sum(sw + fs * 0.5 + font_metrics(text) for _, text in items) + fs * 1.6 * (
        len(items) - 1
    )
    x = max(0.0, (width - total) / 2)
    for kind, text in items:
        if kind == "spine":
            g.add(_rect(x, y, x + sw, y + fs, fill=ink("spine_fill")))
            for xa, ya, xb, yb in hatch_lines(x, y, x + sw, y + fs, max(1.2, fs * 0.32)):
                g.add(Line(xa, ya, xb, yb, strokeColor=ink("spine_hatch"), strokeWidth=0.5))
            g.add(_rect(x, y, x + sw, y + fs, stroke=ink("spine_edge"), width=0.7))
        else:
            g.add(
                Polygon(
                    [x, y, x + sw, y, x + sw, y + fs, x, y + fs],
                    fillColor=ink("caution_fill"),
                    strokeColor=ink("caution_edge"),
                    strokeWidth=0.6,
                    strokeDashArray=[1, 1.4],
                )
            )
        x += sw + fs * 0.5
        g.add(String(x, y + fs * 0.15, text, fontName=font, fontSize=fs, fillColor=ink("text")))
        x += font_metrics(text) + fs * 1.6
    return g


def _string_width(font: str, size: float):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return lambda text: stringWidth(text, font, size)


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
