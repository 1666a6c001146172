"""Affine transforms as PDF writes them (a b c d e f), for placing and measuring."""

from __future__ import annotations

Affine = tuple[float, float, float, float, float, float]  # PDF order: a b c d e f
IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def compose(outer: Affine, inner: Affine) -> Affine:
    """The transform that applies `inner` first, then `outer`."""
    a1, b1, c1, d1, e1, f1 = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a1 * a2 + c1 * b2,
        b1 * a2 + d1 * b2,
        a1 * c2 + c1 * d2,
        b1 * c2 + d1 * d2,
        a1 * e2 + c1 * f2 + e1,
        b1 * e2 + d1 * f2 + f1,
    )


def apply(t: Affine, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = t
    return a * x + c * y + e, b * x + d * y + f


def matrix(operands: list[object]) -> Affine:
    """A `cm` operator's six numbers (or a form's /Matrix) as a transform."""
    a, b, c, d, e, f = (float(v) for v in operands)  # type: ignore[arg-type]
    return (a, b, c, d, e, f)
