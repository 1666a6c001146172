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
    aim: Callable[[list[tuple[int, Attempt[T]]]], int] | None = None,
) -> Fitted[T] | None:
    """The first of `sizes` (largest first) whose attempt fits, or None if none does.

    `start` is where to try first (a size that fitted something of the same shape before);
    `aim`, given the tries so far (each size's place in `sizes` and its attempt), names the
    place to try next (a guess from how much they overflowed). The search keeps the largest
    size known too large and the smallest known to fit, and only ever tries between them, so
    a guess, good or bad, only changes how many tries it takes. Without `aim`, or after a
    first try that fitted (a start that fitted before, most likely right again), it steps to
    the next size."""
    count = len(sizes)
    too_large, fitting = -1, count  # sizes[too_large] and larger fail; sizes[fitting] fits
    best: Attempt[T] | None = None
    tries: list[tuple[int, Attempt[T]]] = []
    k = min(max(start, 0), count - 1)
    while True:
        current = attempt(sizes[k])
        tries.append((k, current))
        if current.fits:
            fitting, best = k, current
        else:
            too_large = k
        if too_large == count - 1:
            return None
        if fitting == too_large + 1:
            break
        if aim is None or (current.fits and len(tries) == 1):
            guess = k - 1 if current.fits else k + 1
        else:
            guess = aim(tries)
        k = min(max(guess, too_large + 1), fitting - 1)
    assert best is not None
    return Fitted(fitting, sizes[fitting], best.built)


class FitHints:
    """Where the last search for something of the same shape ended: a batch of similar cards
    starts each search there. Explicit, owned by whoever renders many (a batch worker)."""

    def __init__(self) -> None:
        self._start: dict[Hashable, int] = {}

    def start(self, key: Hashable) -> int:
        return self._start.get(key, 0)

    def remember(self, key: Hashable, index: int) -> None:
        self._start[key] = index
