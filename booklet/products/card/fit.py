"""Fitting a card's side to its page: the layout's body size first, stepping down to its
legible minimum; if a side still does not fit, the command fails and says what to change.
Nothing is ever clipped."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from booklet.base.errors import FitError
from booklet.base.units import NAMED_SIZES, describe_trim, parse_size
from booklet.draw.grid import DiagramGrid
from booklet.layout.blocks import Block
from booklet.products.card.blocks import BlockContext, build_blocks
from booklet.products.fitting import Attempt, FitHints, body_sizes, largest_fitting
from booklet.text.stacking import Piece

# One fitting attempt's result: the pieces, the height they need, and the gap between them.
Fitted = tuple[list[Piece], float, float]


@dataclass
class SideArt:
    """A side fitted to its page: flowables already wrapped, ready to draw anywhere."""

    name: str
    items: list[Piece]
    gap: float
    body_size: float
    width: float
    height: float
    margin: float
    background: str
    used_height: float = 0.0


def fit_side(
    name: str,
    blocks: tuple[Block, ...],
    card: BlockContext,
    trim: tuple[float, float],
    hints: FitHints | None = None,
    fits: Callable[[tuple[float, float]], bool] | None = None,
    compact_helps: Callable[[], bool] | None = None,
) -> SideArt:
    """The side's blocks at the largest body size that fits the trim less its margins.
    `hints` (a batch's) say where a side of the same shape fitted last time; `fits` tells
    whether the whole card fits another size, so a refusal names one that really does, and
    `compact_helps` whether the compact layout is worth naming."""
    layout = card.layout
    width = trim[0] - 2 * layout.margin
    height = trim[1] - 2 * layout.margin
    heights = Heights()

    def attempt(size: float) -> Attempt[Fitted]:
        ctx = card.at(size)
        items = build_blocks(blocks, ctx)
        used = measure(items, width, height, ctx.styles.gap, heights)
        return Attempt((items, used, ctx.styles.gap), used <= height + 0.01)

    sizes = body_sizes(layout.body_size, layout.min_body_size)

    def aim(tries: list[tuple[int, Attempt[Fitted]]]) -> int:
        # Wrapped text grows about with the square of its size (taller lines, and more of
        # them) over what does not grow (the diagrams at their smallest, the gaps): from the
        # nearest tries on either side of the answer, aim straight at the size that should fit.
        too_large = max((t for t in tries if not t[1].fits), key=lambda t: t[0], default=None)
        fitting = min((t for t in tries if t[1].fits), key=lambda t: t[0], default=None)
        if too_large is not None and fitting is not None:
            (s1, u1), (s2, u2) = ((sizes[i], a.built[1]) for i, a in (too_large, fitting))
            grows = (u1 - u2) / (s1 * s1 - s2 * s2)
            if grows <= 0:
                return (too_large[0] + fitting[0]) // 2
            size = max(0.0, (height - (u1 - grows * s1 * s1)) / grows) ** 0.5
        else:
            index, last = tries[-1]
            items, used, _ = last.built
            fixed = sum(i.minimum_height(width) for i in items if isinstance(i, DiagramGrid))
            ratio = max(0.0, height - fixed) / max(used - fixed, 1e-6)
            size = sizes[index] * ratio**0.5
        return min(range(len(sizes)), key=lambda j: abs(sizes[j] - size))

    shape = (
        layout.path,
        layout.body_size,
        trim,
        name,
        tuple(s.technique.id for s in card.plan.steps),
        tuple((b.kind, b.template) for b in blocks),
        bool(card.snippets.context.get("client", {}).get("any")),
    )
    start = hints.start(shape) if hints is not None else 0
    best = largest_fitting(sizes, attempt, start, aim)
    if best is None:
        _, used, _ = attempt(sizes[-1]).built
        bigger = larger_size(trim, layout.size, fits)
        example = f" (e.g. {bigger})" if bigger else ""
        if compact_helps is None:  # it is, or extends, compact
            helps = not any(f.name == "compact" for f in layout.folders)
        else:
            helps = compact_helps()
        other = ", or another layout (compact fits more)" if helps else ""
        # fewer techniques helps only a side that shows them (its steps, diagrams or log)
        per_technique = any(b.kind in ("steps", "diagrams", "key", "log") for b in blocks)
        fewer = ", fewer techniques" if per_technique else ""
        raise FitError(
            f"the {name} of the '{layout.name}' card does not fit on {describe_trim(*trim)}: "
            f"it needs {math.ceil(used)} pt of height but has {math.floor(height)} pt, even at "
            f"the smallest legible size ({sizes[-1]:g} pt). Use a larger size{example}{fewer}"
            f"{other}."
        )
    if hints is not None:
        hints.remember(shape, best.position)
    items, _, gap = best.built
    used = settle(items, width, height, gap, heights)
    gap, used = share_room(items, gap, used, height)
    return SideArt(
        name,
        items,
        gap,
        best.size,
        trim[0],
        trim[1],
        layout.margin,
        layout.colours["background"],
        used,
    )


def fit_sides(
    name: str,
    blocks: tuple[Block, ...],
    card: BlockContext,
    trim: tuple[float, float],
    hints: FitHints | None = None,
    fits: Callable[[tuple[float, float]], bool] | None = None,
    compact_helps: Callable[[], bool] | None = None,
) -> list[SideArt]:
    """A side, and for a layout that allows it (`overflow: true`, large print) the sides its
    blocks run on to when they do not all fit at the legible minimum: as many blocks as fit
    on each, in order, none cut. Every other layout says what to change instead (`fits`, as
    fit_side's, names a size that really fits)."""
    try:
        return [fit_side(name, blocks, card, trim, hints, fits, compact_helps)]
    except FitError as whole:
        if not card.layout.overflow or len(blocks) < 2:
            raise
        for keep in range(len(blocks) - 1, 0, -1):
            try:
                first = fit_side(name, blocks[:keep], card, trim, hints)
                rest = fit_sides(f"{name} (continued)", blocks[keep:], card, trim, hints)
            except FitError:
                continue
            return [first, *rest]
        raise whole from None  # not even a block a side fits: it says what to change


CARD_PRESETS = ("3x5", "a6", "4x6", "5x7", "half-letter", "a5", "letter")


def larger_size(
    trim: tuple[float, float],
    own: str,
    fits: Callable[[tuple[float, float]], bool] | None = None,
) -> str:
    """A size with more room than this one, for the advice in a message: the layout's own
    size if that is larger, else the named sizes up from this one. With `fits`, the first of
    them the card really fits (turned as this one is); without, the first with clearly more
    room."""
    area = trim[0] * trim[1]
    sizes = sorted(CARD_PRESETS, key=lambda n: NAMED_SIZES[n][0] * NAMED_SIZES[n][1])
    named = [own] if own not in sizes else []
    candidates = [n for n in [*named, *sizes] if _area(parse_size(n)) > area * 1.02]
    candidates.sort(key=lambda n: (n != own, _area(parse_size(n))))
    landscape = trim[0] > trim[1]
    for name in candidates:
        w, h = parse_size(name)
        turned = (max(w, h), min(w, h)) if landscape else (min(w, h), max(w, h))
        if fits is None or fits(turned):
            return name
    return "letter" if fits is None else ""


def _area(size: tuple[float, float]) -> float:
    return size[0] * size[1]


def measure(items: list[Piece], width: float, height: float, gap: float, heights: Heights) -> float:
    """Height the items need; a diagram grid counts at its smallest legible size."""
    total = 0.0
    for item in items:
        if isinstance(item, DiagramGrid):
            total += item.minimum_height(width)
        else:
            total += heights.of(item, width, height)
    return total + gap * max(0, len(items) - 1)


class Heights:
    """Heights of pieces already wrapped at a width: line breaking is the costly part of a
    card, and measuring then settling a side would otherwise do it twice."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Piece, float, float, float]] = {}

    def of(self, item: Piece, width: float, height: float) -> float:
        known = self._known.get(id(item))
        if known is not None and known[0] is item and known[1:3] == (width, height):
            return known[3]
        wrapped = item.wrap(width, height)[1]
        self._known[id(item)] = (item, width, height, wrapped)  # holding it keeps id() unique
        return wrapped


def share_room(items: list[Piece], gap: float, used: float, height: float) -> tuple[float, float]:
    """The room a side leaves at its foot, shared among the gaps between its blocks (each
    growing to at most three times its size), so the side reads to its foot. A side with a
    diagram grid has none left: the grid grew into it."""
    free = height - used
    if free <= 0 or len(items) < 2 or any(isinstance(i, DiagramGrid) for i in items):
        return gap, used
    grow = min(free / (len(items) - 1), gap * 2)
    return gap + grow, used + grow * (len(items) - 1)


def settle(items: list[Piece], width: float, height: float, gap: float, heights: Heights) -> float:
    """Final wrap: diagram grids grow into the height the other blocks leave free."""
    fixed = 0.0
    grids = [i for i in items if isinstance(i, DiagramGrid)]
    for item in items:
        if not isinstance(item, DiagramGrid):
            fixed += heights.of(item, width, height)
    free = height - fixed - gap * max(0, len(items) - 1)
    for grid in grids:
        grid.target_height = free / len(grids)
        grid.wrap(width, grid.target_height)
    return sum(i.height for i in items) + gap * max(0, len(items) - 1)
