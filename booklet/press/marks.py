"""Marks for cutting: one place for how they look and where they go."""

from __future__ import annotations

from booklet.base.internals import Canvas

MARK_ZONE = 18.0  # room outside the bleed for crop marks (0.25 in)
MARK_GAP = 3.0  # marks start this far beyond the bleed so no mark shows on a trimmed card
MARK_WIDTH = 0.3


def mark_lines(canvas: Canvas, lines: list[tuple[float, float, float, float]]) -> None:
    """Thin black lines, in their own graphics state."""
    canvas.saveState()
    canvas.setLineWidth(MARK_WIDTH)
    canvas.setStrokeGray(0)  # marks alone use DeviceGray: in CMYK they print on every plate
    for x1, y1, x2, y2 in lines:
        canvas.line(x1, y1, x2, y2)
    canvas.restoreState()


Line = tuple[float, float, float, float]


def crop_mark_lines(x: float, y: float, w: float, h: float, bleed: float) -> list[Line]:
    """Marks on the trim lines of a w x h box at (x, y), starting beyond the bleed so none
    shows after cutting: the same marks on a card, a sheet of cards and a booklet spread."""
    start = bleed + MARK_GAP
    end = bleed + MARK_ZONE - 2
    lines = []
    for cx in (x, x + w):
        lines += [(cx, y - start, cx, y - end), (cx, y + h + start, cx, y + h + end)]
    for cy in (y, y + h):
        lines += [(x - start, cy, x - end, cy), (x + w + start, cy, x + w + end, cy)]
    return lines


def crop_marks(canvas: Canvas, x: float, y: float, w: float, h: float, bleed: float) -> None:
    mark_lines(canvas, crop_mark_lines(x, y, w, h, bleed))


def mark_operators(
    lines: list[Line], dash: tuple[float, ...] = (), width: float = MARK_WIDTH
) -> str:
    """The same marks as raw PDF operators, for pages built without a canvas (imposition).
    Marks go on blank paper only, never on a page, so they need no white halo."""
    if not lines:
        return ""
    pattern = " ".join(f"{d:g}" for d in dash)
    path = [f"{x1:.3f} {y1:.3f} m {x2:.3f} {y2:.3f} l" for x1, y1, x2, y2 in lines]
    return "\n".join([f"q {width:g} w 0 G [{pattern}] 0 d", *path, "S Q"])


def touches(line: Line, box: tuple[float, float, float, float], clearance: float) -> bool:
    """Whether a straight mark comes within `clearance` of a box (x0, y0, x1, y1)."""
    x1, y1, x2, y2 = line
    bx0, by0, bx1, by1 = box
    return (
        min(x1, x2) <= bx1 + clearance
        and max(x1, x2) >= bx0 - clearance
        and min(y1, y2) <= by1 + clearance
        and max(y1, y2) >= by0 - clearance
    )
