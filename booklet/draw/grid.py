"""The diagrams on a card's side: a grid of the techniques' pictures with their captions, the
key to exactly the symbols they use, and the giver's position where the grid has room for it.

The grid takes whatever height the side has left. Its diagrams never shrink below a width that
grows with the text size (large print's 12 pt badges and hands need a larger figure than a
bedside card's 7 pt ones), so nothing in a picture crowds at any size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from booklet.base.internals import Canvas
from booklet.data.model import Technique
from booklet.draw.art import DiagramArt
from booklet.draw.describe import describe_key
from booklet.draw.diagrams import aspect, diagram_art, diagram_height
from booklet.draw.giver import MIN_GIVER_WIDTH, giver_art, giver_height
from booklet.draw.key import key_art, key_height, key_width
from booklet.draw.painting import paint
from booklet.draw.pieces import KeyNote, Styles
from booklet.draw.symbols import ENGLISH_KEY, KeyWords, union
from booklet.text.fonts import register
from booklet.text.stacking import Piece, Placeable, Stack
from booklet.text.tagging import figure

# A diagram is at least this many times the body size wide: its badges, hands and letters are
# set at the body size, and need a figure in proportion.
WIDTH_PER_TEXT_POINT = 10.0


class GridPlan(NamedTuple):
    """How a diagram grid is laid out: columns, diagram width, total height, and where the key
    goes (in the last row's free cells, below the grid, or nowhere)."""

    cols: int
    width: float
    height: float
    key_at: str = ""


class DiagramGrid(Piece):
    """Technique diagrams in a grid; it takes whatever height the side has left. With `key`,
    the key to the marks fills the last row's free cells when it fits there, or goes below;
    with `giver` and room in those cells, the giver's position is drawn above the key."""

    def __init__(
        self,
        techniques: list[Technique],
        captions: Sequence[Sequence[Placeable]],
        styles: Styles,
        *,
        legend: bool,
        font: str,
        min_width: float,
        max_width: float,
        columns: int | None = None,
        key: KeyWords | None = None,
        giver: Placeable | None = None,
        alts: Sequence[str] = (),
        giver_alt: str = "",
    ) -> None:
        self.techniques = techniques
        self.alts = list(alts) or [t.name for t in techniques]  # each picture in words
        self.giver_alt = giver_alt  # the giver's position in words (booklet.draw.describe)
        self.captions = [Stack(c) for c in captions]
        self.styles = styles
        self.legend = legend
        self.font = font
        self.min_width = max(min_width, styles.size * WIDTH_PER_TEXT_POINT)
        self.max_width = max(max_width, self.min_width)
        self.columns = columns
        self.key = key
        self.giver = giver  # the giver figure's caption: drawn only with the key, in its cells
        self.symbols, self.zones = union(t.diagram for t in techniques)
        self.target_height: float | None = None
        self.plan = GridPlan(1, 0.0, 0.0)

    @property
    def gap(self) -> float:
        return self.styles.size * 0.8

    @property
    def words(self) -> KeyWords:
        return self.key or ENGLISH_KEY

    @property
    def key_note(self) -> KeyNote:
        """The key's note, set by the text engine under the key's marks."""
        return KeyNote(self.words, self.styles.size, self.font)

    @property
    def fonts_regular(self) -> str:
        return register(self.font).regular

    def _key_height(self, width: float) -> float:
        note = self.key_note
        marks = key_height(
            width, self.styles.size, self.fonts_regular, note.marks, self.symbols, self.zones
        )
        return marks + note.height(width)

    def picture_height(self, width: float) -> float:
        """How tall the tallest picture is at this width (a legend's rows vary by technique)."""
        if not self.legend:
            return width * aspect()
        size = self.styles.size
        return max(
            diagram_height(t.diagram, round(width, 2), True, self.font, size, self.key)
            for t in self.techniques
        )

    def _plan(
        self, cols: int, w: float | None, avail_width: float, avail_height: float
    ) -> GridPlan:
        """The plan for `cols` columns: at width `w`, or as wide as `avail_height` allows."""
        n, gap = len(self.techniques), self.gap
        rows = math.ceil(n / cols)
        col_w = (avail_width - gap * (cols - 1)) / cols
        caps = self.caption_heights(cols, col_w)
        words = sum(caps) + rows * gap * 0.4 + gap * (rows - 1)  # all but the pictures
        spare = rows * cols - n
        plans = []
        for key_at in ("cells", "below") if self.key else ("",):
            below = self._key_height(avail_width) + gap if key_at == "below" else 0.0
            if w is None:
                fit = (avail_height - below - words) / rows
                # a badge may stand out of the figure a little: keep it off the column's edge
                width = min(self.max_width, col_w - self.styles.size * 0.6, fit / aspect())
                while self.legend and width > 1 and self.picture_height(width) > fit:
                    width *= 0.97
            else:
                width = w
            if key_at == "cells":
                if spare == 0:
                    continue
                key_w = spare * col_w + (spare - 1) * gap
                size, font = self.styles.size, self.fonts_regular
                narrow = key_w < key_width(size, font, self.words, self.symbols, self.zones)
                cell_h = self.picture_height(width) + caps[-1]
                if narrow or self._key_height(key_w) > cell_h:
                    continue
            height = rows * self.picture_height(width) + words + below
            plans.append(GridPlan(cols, width, height, key_at))
        return max(plans, key=lambda p: p.width) if plans else GridPlan(cols, 0.0, 0.0, "")

    def layout_for(self, avail_width: float, avail_height: float) -> GridPlan:
        """The columns that give the largest diagrams."""
        best = GridPlan(1, 0.0, 0.0, "below" if self.key else "")
        choices = [self.columns] if self.columns else range(1, len(self.techniques) + 1)
        for cols in choices:
            plan = self._plan(cols, None, avail_width, avail_height)
            if plan.width > best.width + 0.5:
                best = plan
        return best

    def caption_heights(self, cols: int, width: float) -> list[float]:
        """Each row's tallest caption: one long caption makes only its own row taller."""
        heights = [c.wrap(width, 1e6)[1] for c in self.captions]
        return [max(heights[r : r + cols]) for r in range(0, len(heights), cols)]

    def minimum_height(self, avail_width: float) -> float:
        """Height needed to show the diagrams at their smallest legible width."""
        n, gap = len(self.techniques), self.gap
        fitting = int((avail_width + gap) // (self.min_width + self.styles.size * 0.6 + gap))
        cols = self.columns or max(1, min(n, fitting))
        return self._plan(cols, self.min_width, avail_width, 0.0).height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        height = self.target_height if self.target_height is not None else avail_height
        self.plan = self.layout_for(avail_width, height)
        self.width, self.height = avail_width, self.plan.height
        return self.width, self.height

    def draw(self) -> None:
        n, gap = len(self.techniques), self.gap
        cols, w = self.plan.cols, self.plan.width
        col_w = (self.width - gap * (cols - 1)) / cols
        caps = self.caption_heights(cols, col_w)
        picture = self.picture_height(w)
        row_hs = [picture + c + gap * 1.4 for c in caps]
        tops = [self.height - sum(row_hs[:r]) for r in range(len(caps))]
        in_cells = self.plan.key_at == "cells"
        size = self.styles.size
        for i, (tech, caption) in enumerate(zip(self.techniques, self.captions, strict=True)):
            r, col = divmod(i, cols)
            in_row = cols if in_cells else min(cols, n - r * cols)
            row_w = in_row * col_w + (in_row - 1) * gap
            x = (self.width - row_w) / 2 + col * (col_w + gap)
            if self.styles.rtl:  # right to left, the first diagram is at the right
                x = self.width - x - col_w
            art = diagram_art(tech.diagram, w, False, self.legend, self.font, size, True, self.key)
            top = tops[r] - (picture - art.height)  # pictures of a row share their top
            with figure(self.canv, self.alts[i]):  # a tagged PDF's figure, in words
                paint(self.canv, art, x + (col_w - w) / 2, top - art.height)
            caption.wrap(col_w, 1e6)
            caption.drawOn(self.canv, x, tops[r] - picture - gap * 0.4 - caption.height)
        if in_cells:
            first = n - (len(caps) - 1) * cols  # cells the last row's diagrams take
            x = first * (col_w + gap)
            row_h = picture + caps[-1] + gap * 0.4
            self._draw_cells(0.0 if self.styles.rtl else x, self.width - x, tops[-1], row_h)
        elif self.plan.key_at == "below":
            self._paint_key(0.0, 0.0, self.width)

    def _key(self, width: float) -> DiagramArt:
        """The key's marks and labels; its note is set apart (KeyNote)."""
        return key_art(
            round(width, 2),
            self.styles.size,
            self.font,
            False,
            self.key_note.marks,
            self.symbols,
            self.zones,
        )

    def _paint_key(self, x: float, foot: float, width: float) -> None:
        """The key's marks with its note under them, the note's foot at `foot`."""
        note = self.key_note
        with figure(self.canv, describe_key(self.symbols, self.zones, self.words)):
            paint(self.canv, self._key(width), x, foot + note.height(width))
        note.draw(self.canv, x, foot, width)

    def _draw_cells(self, x: float, width: float, top: float, height: float) -> None:
        """The key in the last row's free cells, centred in their height; the giver's
        position above it, with its caption, when there is room for both."""
        key_h = self._key_height(width)
        giver = self._giver_size(width, height - key_h)
        if giver is None:
            self._paint_key(x, top - (height + key_h) / 2, width)
            return
        figure_w, caption_h = giver
        used = giver_height(figure_w) + caption_h + self.gap + key_h
        y = top - (height - used) / 2
        with figure(self.canv, self.giver_alt):
            art = giver_art(figure_w)
            paint(self.canv, art, x + (width - figure_w) / 2, y - giver_height(figure_w))
        y -= giver_height(figure_w)
        assert self.giver is not None
        self.giver.wrap(width, 1e6)
        self.giver.drawOn(self.canv, x, y - caption_h)
        self._paint_key(x, y - caption_h - self.gap - key_h, width)

    def _giver_size(self, width: float, room: float) -> tuple[float, float] | None:
        """The giver figure's width and its caption's height, if they fit above the key."""
        if self.giver is None:
            return None
        _, caption_h = self.giver.wrap(width, 1e6)
        tall = room - caption_h - self.gap
        figure_w = min(width * 0.6, tall / giver_height(1.0), self.plan.width)
        if figure_w < max(MIN_GIVER_WIDTH, self.styles.size * 9):
            return None
        return figure_w, caption_h


class DiagramKey(Piece):
    """The key to the diagrams' marks (booklet.draw.key), at the text's own size: to the
    symbols the given techniques' diagrams draw, or to every symbol; `part` of them only when
    a key is split to fit its pages (the note then goes with the last part)."""

    def __init__(
        self,
        size: float,
        font: str,
        words: KeyWords = ENGLISH_KEY,
        diagrams: Sequence[Technique] | None = None,
        part: tuple[str, ...] | None = None,
        note: bool = True,
    ) -> None:
        self.size, self.font, self.words, self.note = size, font, words, note
        # the note, set by the text engine (with the last part of a split key only)
        self.key_note = KeyNote(words if note else words._replace(note=""), size, font)
        if diagrams is None:
            from booklet.draw.key import ALL

            self.symbols: tuple[str, ...] = ALL
            self.zones: tuple[str, ...] = ("ribs", "lower-back")
        else:
            self.symbols, self.zones = union(t.diagram for t in diagrams)
        if part is not None:
            self.symbols = part

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        regular = register(self.font).regular
        marks = key_height(
            avail_width, self.size, regular, self.key_note.marks, self.symbols, self.zones
        )
        self.height = marks + self.key_note.height(avail_width)
        return self.width, self.height

    def parts(self, width: float, height: float) -> list[DiagramKey]:
        """The key in as few parts as keep each within `height`, in the key's order."""
        if self.wrap(width, height)[1] <= height or len(self.symbols) < 2:
            return [self]
        half = (len(self.symbols) + 1) // 2
        out: list[DiagramKey] = []
        for number, chunk in enumerate((self.symbols[:half], self.symbols[half:])):
            piece = DiagramKey(self.size, self.font, self.words, None, chunk, note=number == 1)
            piece.zones = self.zones
            out += piece.parts(width, height)
        return out

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802
        art = key_art(
            round(self.width, 2),
            self.size,
            self.font,
            False,
            self.key_note.marks,
            self.symbols,
            self.zones,
        )
        with figure(canvas, describe_key(self.symbols, self.zones, self.words)):
            paint(canvas, art, x, y + self.key_note.height(self.width))
        self.key_note.draw(canvas, x, y, self.width)
