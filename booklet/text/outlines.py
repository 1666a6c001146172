"""Text as outlines, for a drawing that has no text engine of its own (a diagram's SVG).

A one-line label is broken and ordered exactly as the PDF's is (booklet.text.paragraph's label,
the bidi of booklet.text.shaping), each run is shaped by HarfBuzz in its face, and every glyph
becomes a path: Arabic joined, Hebrew right to left, Devanagari's conjuncts formed, in the face
the PDF embeds, whatever fonts the SVG's viewer has.
"""

from __future__ import annotations

from typing import Any

PathOp = tuple[Any, ...]  # ("M", x, y), ("L", x, y), ("C", x1, y1, x2, y2, x, y), ("Z",)


class _Pen:
    """HarfBuzz's drawing callbacks, collected as path operations placed on the page."""

    def __init__(self, x: float, y: float, scale: float) -> None:
        self.x, self.y, self.scale = x, y, scale
        self.ops: list[PathOp] = []
        self.last = (0.0, 0.0)

    def _at(self, x: float, y: float) -> tuple[float, float]:
        return self.x + x * self.scale, self.y + y * self.scale

    def moveTo(self, p: tuple[float, float]) -> None:  # noqa: N802 - the pen protocol's names
        self.last = p
        self.ops.append(("M", *self._at(*p)))

    def lineTo(self, p: tuple[float, float]) -> None:  # noqa: N802
        self.last = p
        self.ops.append(("L", *self._at(*p)))

    def qCurveTo(self, c: tuple[float, float], p: tuple[float, float]) -> None:  # noqa: N802
        """A quadratic curve as the cubic it is (control points two thirds of the way)."""
        (x0, y0), (cx, cy), (x, y) = self.last, c, p
        c1 = (x0 + 2 / 3 * (cx - x0), y0 + 2 / 3 * (cy - y0))
        c2 = (x + 2 / 3 * (cx - x), y + 2 / 3 * (cy - y))
        self.curveTo(c1, c2, p)

    def curveTo(  # noqa: N802
        self, c1: tuple[float, float], c2: tuple[float, float], p: tuple[float, float]
    ) -> None:
        self.last = p
        self.ops.append(("C", *self._at(*c1), *self._at(*c2), *self._at(*p)))

    def closePath(self) -> None:  # noqa: N802
        self.ops.append(("Z",))


def label_outlines(
    text: str, font: str, size: float, x: float, y: float, anchor: str
) -> list[PathOp]:
    """A one-line label's glyphs as paths, its baseline at y; `anchor` is start, middle or end
    of the label at x (as booklet.text.paragraph.draw_label places it)."""
    from booklet.text.paragraph import _label_block
    from booklet.text.shaping import FSI, PDI, _hb_font, shape, visual_segments

    block = _label_block(text, font, size, "#000000")
    width = block.width
    left = {"middle": x - width / 2, "end": x - width}.get(anchor, x)
    ops: list[PathOp] = []
    baseline = y
    for number, line in enumerate(block.lines):
        baseline -= line.advance if number else 0.0
        pen_x = left + (width - line.width if block.mirrored else 0.0)
        for seg in visual_segments(line.runs, block.rtl):
            chars = "".join(c for c in seg.text if c not in (FSI, PDI))
            if not chars:
                continue
            hb_font, upem = _hb_font(seg.font)
            scale = seg.size / 1000  # shaped advances and offsets are in 1/1000 em
            for glyph in shape(chars, seg.font, seg.rtl):
                at = (pen_x + glyph.x_offset * scale, baseline + glyph.y_offset * scale)
                pen = _Pen(*at, seg.size / upem)  # outlines are in the font's own units
                hb_font.draw_glyph_with_pen(glyph.gid, pen)
                ops += pen.ops
                pen_x += glyph.advance * scale
    return ops
