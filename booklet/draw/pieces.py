"""The routine's pieces, on a card and on a booklet page alike: pressure gauges, step rows,
warning boxes, the diagram grid and the key to it; and `Styles`, every text style at one body
size.

Each piece knows its geometry; snippets only supply the words. All sizes derive from one body
size, so fitting a side is a matter of trying smaller body sizes until everything fits. What a
piece is, and the plain ones, are in booklet.text.stacking; the card's block builders that use
these are in booklet.products.card.blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from booklet.base.internals import Canvas
from booklet.data.language import Words
from booklet.data.model import PlannedStep, Technique
from booklet.draw.diagrams import (
    ENGLISH_KEY,
    PALETTE,
    DiagramArt,
    Ink,
    KeyWords,
    aspect,
    diagram_art,
    hatched_box,
    key_art,
    key_height,
    key_width,
    key_words,
    paint,
)
from booklet.text.fonts import FontFamily
from booklet.text.paragraph import LEADING, Span, TextBlock, TextStyle, colour_of
from booklet.text.stacking import Piece, Placeable, Stack
from booklet.text.tagging import element, figure, marked
from booklet.text.typography import ENGLISH, Typography, rules_for, typeset

__all__ = ["Stack", "Styles", "Gauge", "StepRow", "WarningBox", "DiagramGrid"]

WHITE = "#FFFFFF"


class Styles(NamedTuple):
    """Text styles for one body size, on a card and on a booklet page alike."""

    size: float
    fonts: FontFamily
    colours: dict[str, str]
    title_scale: float
    display: str = ""  # the face for titles (a booklet's display face); bold text when empty
    rtl: bool = False  # a right-to-left language: badges, gauges and symbols on the right
    leading: float = LEADING  # line height as a share of the size (a booklet's lines breathe)
    lang: str = ""  # the language, for hyphenation
    rules: Typography = ENGLISH  # its quotes, apostrophes and no-break spaces

    def _kind(self, kind: str) -> tuple[float, bool, str]:
        size, bold, colour = self.size, False, self.colours["text"]
        if kind == "title":
            size, bold = size * self.title_scale, True
        elif kind == "heading":
            size, bold = size * 1.15, True
        elif kind == "muted":
            colour = self.colours["muted"]
        return size, bold, colour

    def text(self, kind: str = "body", *, centred: bool = False, role: str = "") -> TextStyle:
        """A kind's style: title, heading, body or muted. `role` says what the paragraph is
        where its kind does not (a caption, a label, a table cell)."""
        size, bold, colour = self._kind(kind)
        right = self.rtl and not centred  # a right-to-left layout sets even Latin text right
        return TextStyle(
            self.fonts,
            size,
            colour,
            bold=bold,
            centred=centred,
            right=right,
            leading_ratio=self.leading,
            role=role or KIND_ROLES.get(kind, "body"),
            lang="" if kind in KIND_ROLES else self.lang,  # titles are never hyphenated
            rules=self.rules,
            title_face=self.display if kind == "title" else "",
        )

    def bullet_text(self, bullet: str = "•", numbered: bool = False) -> TextStyle:
        """A list item with a hanging indent: every line starts where the first one does,
        right of the bullet (a wider one for numbers: "10." must fit)."""
        return self.text(role="item")._replace(
            indent=self.size * (1.6 if numbered else 0.95), bullet=bullet, right=False
        )

    def paragraph(self, kind: str, spans: tuple[Span, ...]) -> TextBlock:
        """A snippet's paragraph of a kind (booklet.text.markup): title, heading, bullet or
        body, set as it is on a card and a booklet page alike."""
        if kind == "bullet":
            return TextBlock(spans, self.bullet_text())
        return TextBlock(spans, self.text(kind))

    @property
    def gap(self) -> float:
        return self.size * 0.55


KIND_ROLES = {"title": "title", "heading": "heading"}


class KeyNote:
    """The key's note ("Seen from above, head at the top…") set by the text engine under the
    key's marks, rather than by the key's own drawing: its lines then break as the language's
    do (never before a French colon) and are drawn through the one seam every line takes."""

    def __init__(self, words: KeyWords, size: float, font: str) -> None:
        from booklet.text.fonts import register

        self.marks = words._replace(note="")  # the key's art, without its note
        self.block: TextBlock | None = None
        if words.note:
            style = TextStyle(register(font), size, PALETTE["text"], role="caption")
            self.block = TextBlock((Span(words.note),), style._replace(right=words.rtl))

    @property
    def gap(self) -> float:
        return self.block.style.size * 0.2 if self.block is not None else 0.0

    def height(self, width: float) -> float:
        return self.block.wrap(width, 1e6)[1] + self.gap if self.block is not None else 0.0

    def draw(self, canvas: Canvas, x: float, y: float, width: float) -> None:
        """The note with its foot at y."""
        if self.block is not None:
            self.block.wrap(width, 1e6)
            self.block.drawOn(canvas, x, y)


def key_labels(words: KeyWords) -> str:
    """What the key's marks mean, in a line: its words when none are given for it."""
    return "; ".join(label for _, label in words.labels)


def typeset_key(words: Words) -> KeyWords:
    """The diagrams' key and legends in the language's words, typeset as the text engine sets
    every other line (its quotes, apostrophes and no-break spaces): the diagrams draw them."""
    key = key_words(words)
    rules = rules_for(words)
    return key._replace(
        labels=tuple((kind, typeset(label, rules)) for kind, label in key.labels),
        note=typeset(key.note, rules),
        zones=tuple((zone, typeset(name, rules)) for zone, name in key.zones),
        legend_caution=typeset(key.legend_caution, rules),
    )


class Gauge(Piece):
    """Five boxes filled up to the pressure level, then the word: readable without colour."""

    def __init__(
        self, rank: int, label: Placeable, size: float, colour: str, edge: str, rtl: bool = False
    ) -> None:
        self.rank = rank
        self.label = label
        self.size = size
        self.colour = colour
        self.edge = edge
        self.rtl = rtl  # boxes at the right, filling leftwards, the word to their left

    @property
    def boxes_width(self) -> float:
        return self.size * 0.75 * 5 + self.size * 0.5

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        _, h = self.label.wrap(avail_width - self.boxes_width, avail_height)
        self.width, self.height = avail_width, max(h, self.size * 1.1)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        box = self.size * 0.62
        step = self.size * 0.75
        y = self.height - self.size * 0.95
        c.setLineWidth(max(0.4, self.size * 0.06))
        c.setStrokeColor(colour_of(self.edge))
        for i in range(5):
            filled = i < self.rank
            c.setFillColor(colour_of(self.colour if filled else WHITE))
            x = self.width - box - i * step if self.rtl else i * step
            c.rect(x, y, box, box, stroke=1, fill=1)
        label_x = self.width - self.boxes_width - self.label.width if self.rtl else self.boxes_width
        self.label.drawOn(c, label_x, self.height - self.label.height)


def spine_swatch(canv: Canvas, x: float, y: float, w: float, h: float) -> None:
    """The diagrams' spine symbol (diagrams.hatched_box), small and inline: one drawing of it
    for diagrams, step rows and warning boxes alike."""
    paint(canv, _swatch_art(round(w, 2), round(h, 2)), x, y)


@lru_cache(maxsize=64)
def _swatch_art(w: float, h: float) -> DiagramArt:
    """One display list per swatch size: its operators are then formatted once, not per card."""
    gap, hatch, edge = max(1.0, h * 0.24), max(0.4, h * 0.07), max(0.5, h * 0.09)
    return DiagramArt(w, h, tuple(hatched_box(0, 0, w, h, gap, Ink(), hatch, edge)))


class StepRow(Piece):
    """One routine step: number badge, name and minutes, pressure gauge, text, spine line."""

    def __init__(
        self,
        step: PlannedStep,
        name: TextBlock,
        minutes: str,
        gauge: Gauge | None,
        body: Sequence[Placeable],
        spine: Placeable | None,
        styles: Styles,
    ) -> None:
        self.step = step
        self.name = name
        self.minutes = minutes
        self.minutes_block = TextBlock((Span(minutes, bold=True),), styles.text())
        self._natural: float | None = None
        self.gauge = gauge
        self.body = body
        self.spine = spine
        self.styles = styles
        self.parts: list[tuple[Placeable, float, float]] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        s = self.styles.size
        indent = s * 2.0
        inner = avail_width - indent
        minutes_w = self._minutes_width() + s * 0.6
        self.minutes_block.wrap(self._minutes_width() + 0.01, avail_height)
        parts: list[tuple[Placeable, float, float]] = []
        _, h = self.name.wrap(inner - minutes_w, avail_height)
        y = h
        parts.append((self.name, indent, y))
        for item in [*([self.gauge] if self.gauge else []), *self.body]:
            _, h = item.wrap(inner, avail_height)
            y += h + s * 0.12
            parts.append((item, indent, y))
        if self.spine is not None:
            swatch = s * 1.3
            _, h = self.spine.wrap(inner - swatch - s * 0.4, avail_height)
            y += h + s * 0.12
            parts.append((self.spine, indent + swatch + s * 0.4, y))
        self.parts = parts
        self.width, self.height = avail_width, y
        return self.width, self.height

    def _minutes_width(self) -> float:
        """The minutes' natural width, measured the way they are set (any script's face)."""
        if self._natural is None:
            self.minutes_block.wrap(1e6, 1e6)
            self._natural = max((line.width for line in self.minutes_block.lines), default=0.0)
        return self._natural

    def draw(self) -> None:
        """Badge at the start of the reading direction, minutes at its end: mirrored right to
        left, so a reader of Hebrew or Arabic meets the number first. In a tagged PDF, a list
        item: the number its label, the rest its body."""
        c = self.canv
        s = self.styles.size
        colours = self.styles.colours
        rtl = self.styles.rtl
        top = self.height
        # number badge
        r = s * 0.8
        badge_x = self.width - r if rtl else r
        c.setFillColor(colour_of(colours["accent"]))
        c.circle(badge_x, top - r * 1.05, r, stroke=0, fill=1)
        c.setFillColor(colour_of(WHITE))
        c.setFont(self.styles.fonts.bold, s)  # body size: large print stays large
        with element(c, "LI"):
            with element(c, "Lbl"), marked(c):
                c.drawCentredString(badge_x, top - r * 1.05 - s * 0.35, str(self.step.number))
            with element(c, "LBody"):
                self.draw_parts(top)

    def draw_parts(self, top: float) -> None:
        """The name and minutes, gauge, words and spine line, each where `wrap` put it."""
        c = self.canv
        s = self.styles.size
        rtl = self.styles.rtl
        for item, x, bottom in self.parts:
            at = self.width - x - item.width if rtl else x
            item.drawOn(c, at, top - bottom)
            if item is self.spine:
                h = s * 0.85
                swatch_x = at + item.width + s * 0.4 if rtl else x - s * 1.7
                swatch_y = top - bottom + item.height - h - s * 0.2
                spine_swatch(c, swatch_x, swatch_y, s * 1.3, h)
            if item is self.name:  # then its minutes, at the line's far end: read after it
                minutes = self.minutes_block
                first_line = self.name.style.leading
                minutes_top = top - (first_line - minutes.style.leading) / 2
                minutes_x = 0.0 if rtl else self.width - minutes.width
                minutes.drawOn(c, minutes_x, minutes_top - minutes.height)


class WarningBox(Piece):
    """A bordered panel, with the spine symbol when `icon`: the things nobody may miss."""

    def __init__(
        self, body: Sequence[Placeable], styles: Styles, *, icon: bool = True, gap: float = 0.2
    ) -> None:
        self.body = Stack(body, styles.size * gap)
        self.styles = styles
        self.icon = icon

    def _pad(self) -> float:
        return self.styles.size * 0.5

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        s, pad = self.styles.size, self._pad()
        self.icon_w = s * 1.6 + pad if self.icon else 0.0
        inner = avail_width - 2 * pad - self.icon_w
        _, h = self.body.wrap(inner, avail_height)
        low = s * 2.0 if self.icon else 0.0
        self.width, self.height = avail_width, max(h, low) + 2 * pad
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        s, pad = self.styles.size, self._pad()
        colours = self.styles.colours
        line = max(0.8, s * 0.14)
        c.setFillColor(colour_of(colours["panel"]))
        c.setStrokeColor(colour_of(colours["warning"]))
        c.setLineWidth(line)
        c.roundRect(line / 2, line / 2, self.width - line, self.height - line, s * 0.4, 1, 1)
        rtl = self.styles.rtl
        if self.icon:  # the spine's symbol at its own size, at the top beside the first line
            tall = min(self.height - 2 * pad, s * 2.4)
            icon_x = self.width - self.icon_w if rtl else pad
            spine_swatch(c, icon_x, self.height - pad - tall, self.icon_w - pad, tall)
        body_x = pad if rtl else pad + self.icon_w
        self.body.drawOn(c, body_x, self.height - pad - self.body.height)


class GridPlan(NamedTuple):
    """How a diagram grid is laid out: columns, diagram width, total height, and where the key
    goes (in the last row's free cells, below the grid, or nowhere)."""

    cols: int
    width: float
    height: float
    key_at: str = ""


class DiagramGrid(Piece):
    """Technique diagrams in a grid; it takes whatever height the side has left. With `key`,
    the key to the marks fills the last row's free cells when it fits there, or goes below."""

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
        alts: Sequence[str] = (),
        key_alt: str = "",
    ) -> None:
        self.techniques = techniques
        self.alts = list(alts) or [t.name for t in techniques]  # each figure's words
        self.key_alt = key_alt
        self.captions = [Stack(c) for c in captions]
        self.styles = styles
        self.legend = legend
        self.font = font
        self.min_width = min_width
        self.max_width = max_width
        self.columns = columns
        self.key = key
        self.target_height: float | None = None
        self.plan = GridPlan(1, 0.0, 0.0)

    @property
    def gap(self) -> float:
        return self.styles.size * 0.8

    @property
    def key_note(self) -> KeyNote:
        return KeyNote(self.key or ENGLISH_KEY, self.styles.size, self.font)

    def _key_height(self, width: float) -> float:
        note = self.key_note
        marks = key_height(width, self.styles.size, self.fonts_regular, note.marks)
        return marks + note.height(width)

    @property
    def fonts_regular(self) -> str:
        from booklet.text.fonts import register

        return register(self.font).regular

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
                width = min(
                    self.max_width, col_w - self.styles.size * 0.6, fit / aspect(self.legend)
                )
            else:
                width = w
            if key_at == "cells":
                if spare == 0:
                    continue
                key_w = spare * col_w + (spare - 1) * gap
                narrow = key_w < key_width(
                    self.styles.size, self.fonts_regular, self.key or ENGLISH_KEY
                )
                cell_h = width * aspect(self.legend) + caps[-1]
                if narrow or self._key_height(key_w) > cell_h:
                    continue
            height = rows * width * aspect(self.legend) + words + below
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
        cols = self.columns or max(1, min(n, int((avail_width + gap) // (self.min_width + gap))))
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
        picture = w * aspect(self.legend)
        row_hs = [picture + c + gap * 1.4 for c in caps]
        tops = [self.height - sum(row_hs[:r]) for r in range(len(caps))]
        in_cells = self.plan.key_at == "cells"
        for i, (tech, caption) in enumerate(zip(self.techniques, self.captions, strict=True)):
            r, col = divmod(i, cols)
            in_row = cols if in_cells else min(cols, n - r * cols)
            row_w = in_row * col_w + (in_row - 1) * gap
            x = (self.width - row_w) / 2 + col * (col_w + gap)
            if self.styles.rtl:  # right to left, the first diagram is at the right
                x = self.width - x - col_w
            art = diagram_art(
                tech.diagram, w, False, self.legend, self.font, self.styles.size, True, self.key
            )
            with figure(self.canv, self.alts[i]):
                paint(self.canv, art, x + (col_w - w) / 2, tops[r] - art.height)
            caption.wrap(col_w, 1e6)
            caption.drawOn(self.canv, x, tops[r] - art.height - gap * 0.4 - caption.height)
        size = self.styles.size
        note = self.key_note
        if in_cells:
            first = n - (len(caps) - 1) * cols  # cells the last row's diagrams take
            x = first * (col_w + gap)
            key_w = round(self.width - x, 2)
            art = key_art(key_w, size, self.font, False, note.marks)
            row_h = picture + caps[-1] + gap * 0.4
            at = 0.0 if self.styles.rtl else x
            tall = art.height + note.height(key_w)
            foot = tops[-1] - (row_h + tall) / 2
            with figure(self.canv, self.key_alt or key_labels(note.marks)):
                paint(self.canv, art, at, foot + tall - art.height)
            note.draw(self.canv, at, foot, key_w)
        elif self.plan.key_at == "below":
            below = note.height(self.width)
            art = key_art(round(self.width, 2), size, self.font, False, note.marks)
            with figure(self.canv, self.key_alt or key_labels(note.marks)):
                paint(self.canv, art, 0.0, below)
            note.draw(self.canv, 0.0, 0.0, self.width)


def step_context(step: PlannedStep) -> dict[str, Any]:
    return {"step": step, "technique": step.technique}


class DiagramKey(Piece):
    """The key to the diagrams' marks (diagrams.key_art), at the text's own size."""

    def __init__(
        self, size: float, font: str, words: KeyWords = ENGLISH_KEY, alt: str = ""
    ) -> None:
        self.size, self.font, self.words = size, font, words
        self.note = KeyNote(words, size, font)
        self.alt = alt or key_labels(words)  # the figure's words

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        from booklet.text.fonts import register

        self.width = avail_width
        marks = key_height(avail_width, self.size, register(self.font).regular, self.note.marks)
        self.height = marks + self.note.height(avail_width)
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802
        art = key_art(round(self.width, 2), self.size, self.font, False, self.note.marks)
        with figure(canvas, self.alt):
            paint(canvas, art, x, y + self.note.height(self.width))
        self.note.draw(canvas, x, y, self.width)
