"""Pages in balance: the room a page leaves at its foot is shared among its blocks.

A page of running text ends where its next block no longer fits: a box, a table, a section's
title kept with its first lines. What is left at the foot is given back to the gaps between the
page's blocks (above each title, heading, box, table or picture), each gap growing by at most
MOST_LINES lines, so the page reads to its foot without any gap looking like a hole. It is
vertical justification, done the way a book designer would by hand.

The planning pass records each page's room and its gaps (`Balance` in recording mode); the
printing pass widens them (`apply`). Widening never changes what lands on a page: a page whose
last block runs on to the next page (a paragraph or table split between them) is left as it is,
and so is a page with less than a line to spare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from reportlab.platypus import Frame

from booklet.base.internals import Canvas

T = TypeVar("T")

MOST_LINES = 3.0  # the most a gap grows, in lines of body text


@dataclass
class Balance:
    """Each page's room at the foot and its gaps (recorded), then what each gap grows by."""

    line: float  # a line of body text: the unit of the limits
    gaps: dict[int, list[float]] = field(default_factory=dict)  # page -> gap weights
    room: dict[int, float] = field(default_factory=dict)  # page -> room left at the foot
    runs_on: set[int] = field(default_factory=set)  # pages whose last block continues overleaf
    extra: dict[tuple[int, int], float] = field(default_factory=dict)
    applying: bool = False
    seen: dict[int, int] = field(default_factory=dict)  # page -> gaps met so far (printing)
    counts: dict[int, int] = field(default_factory=dict)  # page -> blocks placed (planning)
    printed: dict[int, int] = field(default_factory=dict)  # page -> blocks placed (printing)

    @property
    def held(self) -> bool:
        """Whether printing placed every block on the page planning put it on. (The notes
        pages added after planning hold no blocks that could move.)"""
        return all(self.printed.get(page) == count for page, count in self.counts.items())

    def with_pages_from(self, other: Balance, through: int) -> Balance:
        """What was recorded, with the pages up to `through` as `other` recorded them (pages
        planned again on their own); ready to share out its room anew (`widths`)."""

        def merged(mine: dict[int, T], theirs: dict[int, T]) -> dict[int, T]:
            out = {page: value for page, value in mine.items() if page > through}
            out.update((page, value) for page, value in theirs.items() if page <= through)
            return out

        return Balance(
            self.line,
            gaps={page: list(weights) for page, weights in merged(self.gaps, other.gaps).items()},
            room=merged(self.room, other.room),
            runs_on={p for p in self.runs_on if p > through}
            | {p for p in other.runs_on if p <= through},
            counts=merged(self.counts, other.counts),
        )

    def widths(self) -> None:
        """What each gap grows by: the room shared by weight, each at most MOST_LINES lines."""
        self.extra.clear()
        for page in self.gaps:
            for index, amount in enumerate(self.grown(page)):
                self.extra[(page, index)] = amount
        self.applying = True
        self.seen.clear()

    def grown(self, page: int) -> list[float]:
        """What each of a page's gaps grows by (none on a page whose last block runs on, or
        with less than a line to spare)."""
        weights = self.gaps.get(page, [])
        room = self.room.get(page, 0.0)
        if page in self.runs_on or room < self.line or not weights:
            return []
        room -= 0.5  # never the last half point: rounding must not push a block over
        total = sum(weights)
        most = MOST_LINES * self.line
        return [min(most * w, room * w / total) for w in weights]

    def short(self, page: int, most: float) -> bool:
        """Whether a finished page would still leave more than `most` empty at its foot."""
        room = self.room.get(page)
        if room is None or page in self.runs_on:
            return False
        return room - sum(self.grown(page)) > most

    def holes(self, most: float) -> list[int]:
        """The pages that would still leave more than `most` empty at their foot."""
        return [page for page in sorted(self.room) if self.short(page, most)]

    def placed(self, page: int, flowable: Any) -> None:
        counts = self.printed if self.applying else self.counts
        counts[page] = counts.get(page, 0) + 1
        if not self.applying and getattr(flowable, "continues", False):
            self.runs_on.add(page)

    def undo(self, page: int) -> None:
        """A gap met above a block that then went on to the next page: never met here."""
        if self.applying:
            self.seen[page] -= 1
        else:
            self.gaps[page].pop()

    def gap(self, page: int, weight: float) -> float:
        """A gap met on a page: recorded, or (printing) what it grows by."""
        if not self.applying:
            self.gaps.setdefault(page, []).append(weight)
            return 0.0
        index = self.seen.get(page, 0)
        self.seen[page] = index + 1
        return self.extra.get((page, index), 0.0)


def weight(flowable: Any) -> float:
    """How much the gap above a block may grow: most above a section's title, less above a
    heading, a box, a table or a picture, a little between paragraphs, not at all between
    the items of a list or the parts of a split paragraph. (A block says so itself with
    `gap_weight`: platypus clears keepWithNext as it groups a heading with what follows.)"""
    from reportlab.platypus import Table

    given = getattr(flowable, "gap_weight", None)
    if given is not None:
        return float(given)
    if isinstance(flowable, Table) or type(flowable).__name__ in (
        "PieceFlowable",
        "FactsPanel",
        "FillDiagram",
        "PracticeLog",
        "Timeline",
    ):
        return 1.0
    return 0.0


class BalancedFrame(Frame):
    """A frame that records its gaps while planning and widens them when printing."""

    balance: Balance | None = None

    def add(self, flowable: Any, canv: Canvas, trySplit: int = 0) -> int:  # noqa: N803
        balance = self.balance
        if balance is None:
            return int(super().add(flowable, canv, trySplit))
        page = canv.getPageNumber()
        share = 0.0 if self._atTop else weight(flowable)
        grow = balance.gap(page, share) if share else 0.0
        self._y -= grow
        added = int(super().add(flowable, canv, trySplit))
        if added:
            balance.placed(page, flowable)
        elif share:  # it goes on to the next page: as if this gap was never met
            self._y += grow
            balance.undo(page)
        return added

    def room_left(self) -> float:
        return float(self._y - self._y1p)

    def __deepcopy__(self, memo: dict[int, Any]) -> BalancedFrame:
        """ReportLab copies the frame to measure a group kept together; the copy shares the
        balance (it is never added to) instead of copying every block placed so far, which
        was a sixth of a booklet's time."""
        from copy import deepcopy

        if self.balance is not None:
            memo[id(self.balance)] = self.balance
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        clone.__dict__.update(deepcopy(self.__dict__, memo))
        return clone
