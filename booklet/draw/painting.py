"""Painting a display list: straight onto a PDF canvas for cards and booklets, which is fast, or
into a ReportLab `Drawing` for SVG and PNG export. The same shapes either way."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from reportlab.lib.colors import Color

from booklet.base.internals import Canvas
from booklet.draw.art import DiagramArt, Op, Shape, arc_ops
from booklet.text.drawing import lays_out_only
from booklet.text.fonts import register
from booklet.text.paragraph import draw_label, plain_label

if TYPE_CHECKING:  # for its name only: ReportLab graphics is imported when a drawing is made
    from reportlab.graphics.shapes import Drawing


def paint(canvas: Canvas, art: DiagramArt, x: float, y: float) -> None:
    """Paint a diagram onto a PDF canvas with its lower-left corner at (x, y).

    The shapes' PDF operators are formatted once per diagram and reused; only the text goes
    through the canvas, which keeps track of the fonts a page uses.
    """
    if lays_out_only(canvas):
        return
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
        if s.kind == "text" and s.text is not None and not plain_label(s.text[2], s.font):
            d.add(_outlined(s))  # shaped, and in its direction, as the PDF prints it
        elif s.kind == "text" and s.text is not None:
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


def _outlined(s: Shape) -> Any:
    """A label another script writes, or one read right to left, as its shaped glyphs' paths."""
    from reportlab.graphics.shapes import Path as GPath

    from booklet.text.outlines import label_outlines

    assert s.text is not None
    tx, ty, text = s.text
    from reportlab.graphics.shapes import FILL_NON_ZERO

    g = GPath(fillColor=s.fill, strokeColor=None, strokeWidth=0, fillMode=FILL_NON_ZERO)
    _replay(label_outlines(text, s.font, s.size, tx, ty, s.anchor), g, g.closePath)
    return g


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
