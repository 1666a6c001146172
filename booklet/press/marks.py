"""Marks for cutting: one place for how they look and where they go."""

from __future__ import annotations

from typing import Any

MARK_ZONE = 18.0  # room outside the bleed for crop marks (0.25 in)
MARK_GAP = 3.0  # marks start this far beyond the bleed so no mark shows on a trimmed card
MARK_WIDTH = 0.3


def mark_lines(canvas: Any, lines: list[tuple[float, float, float, float]]) -> None:
    """Thin black lines, in their own graphics state."""
    canvas.saveState()
    canvas.setLineWidth(MARK_WIDTH)
    canvas.setStrokeColorRGB(0, 0, 0)
    for x1, y1, x2, y2 in lines:
        canvas.line(x1, y1, x2, y2)
    canvas.restoreState()


def crop_marks(canvas: Any, x: float, y: float, w: float, h: float, bleed: float) -> None:
    """Thin marks on the trim lines, starting beyond the bleed so none shows after cutting."""
    start = bleed + MARK_GAP
    end = bleed + MARK_ZONE - 2
    lines = []
    for cx in (x, x + w):
        lines += [(cx, y - start, cx, y - end), (cx, y + h + start, cx, y + h + end)]
    for cy in (y, y + h):
        lines += [(x - start, cy, x - end, cy), (x + w + start, cy, x + w + end, cy)]
    mark_lines(canvas, lines)
