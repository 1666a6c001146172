"""The one fitting search: the largest body size, stepping down from the layout's own to its
legible minimum, at which something fits. Cards fit each side, booklets each page.

Fitting is monotonic (smaller text never needs more room), so the search may start anywhere
and step up or down; where it starts changes how many tries it takes, never the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

SIZE_STEP = 0.25
T = TypeVar("T")


def body_sizes(start: float, minimum: float) -> list[float]:
    """From the layout's body size down to its legible minimum, in quarter points."""
    sizes = []
    size = start
    while size >= minimum - 1e-6:
        sizes.append(round(size, 2))
        size -= SIZE_STEP
    return sizes or [minimum]


class Attempt(Generic[T]):
    """What was built at one size, and whether it fits."""

    __slots__ = ("built", "fits")

    def __init__(self, built: T, fits: bool) -> None:
        self.built = built
        self.fits = fits


class Fitted(Generic[T]):
    """The size that fits, its place in the list of sizes, and what was built at it."""

    __slots__ = ("built", "position", "size")

    def __init__(self, position: int, size: float, built: T) -> None:
        self.position = position
        self.size = size
        self.built = built


def largest_fitting(
    sizes: Sequence[float],
    attempt: Callable[[float], Attempt[T]],
    start: int = 0,
    aim: Callable[[Attempt[T]], int] | None = None,
) -> Fitted[T] | None:
    """The first of `sizes` (largest first) whose attempt fits, or None if none does.

    `start` is where to try first (a size that fitted something of the same shape before);
    `aim`, given a first try that did not fit, names the index to try next (a guess from how
    much it overflowed). Either only saves tries."""
    k = min(max(start, 0), len(sizes) - 1)
    first = attempt(sizes[k])
    if first.fits and k == 0:
        return Fitted(0, sizes[0], first.built)
    best: Fitted[T] | None = None
    current = first
    if not first.fits and aim is not None and k + 1 < len(sizes):
        k = min(max(aim(first), k + 1), len(sizes) - 1)
        current = attempt(sizes[k])
    step = -1 if current.fits else 1  # fits: try larger; else smaller
    if current.fits:
        best = Fitted(k, sizes[k], current.built)
    while 0 <= k + step < len(sizes):
        k += step
        current = attempt(sizes[k])
        if current.fits:
            best = Fitted(k, sizes[k], current.built)
        if current.fits != (step < 0):
            break
    return best


class FitHints:
    """Where the last search for something of the same shape ended: a batch of similar cards
    starts each search there. Explicit, owned by whoever renders many (a batch worker)."""

    def __init__(self) -> None:
        self._start: dict[Hashable, int] = {}

    def start(self, key: Hashable) -> int:
        return self._start.get(key, 0)

    def remember(self, key: Hashable, index: int) -> None:
        self._start[key] = index
