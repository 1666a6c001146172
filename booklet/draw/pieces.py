"""The routine's pieces, on a card and on a booklet page alike: pressure gauges, step rows,
warning boxes (the diagram grid and the key are in booklet.draw.grid); `Styles`, every text
style at one body size; and the key's words and note as the text engine sets them.

Each piece knows its geometry; snippets only supply the words. All sizes derive from one body
size, so fitting a side is a matter of trying smaller body sizes until everything fits. What a
piece is, and the plain ones, are in booklet.text.stacking; the card's block builders that use
these are in booklet.products.card.blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from booklet.base.internals import Canvas
from booklet.data.language import Words
from booklet.data.model import PlannedStep
from booklet.draw.art import PALETTE, DiagramArt, Ink
from booklet.draw.diagrams import hatched_box
from booklet.draw.painting import paint
from booklet.draw.symbols import KeyWords, key_words
from booklet.text.fonts import FontFamily
from booklet.text.paragraph import LEADING, Span, TextBlock, TextStyle, colour_of
from booklet.text.stacking import Piece, Placeable, Stack
from booklet.text.tagging import element, marked
from booklet.text.typography import ENGLISH, Typography, rules_for, typeset

__all__ = ["Stack", "Styles", "Gauge", "StepRow", "WarningBox", "KeyNote", "typeset_key"]

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
        # a left-to-right layout's titles and headings start at the left whatever their words'
        # direction, beside the badge or gauge at their left; body text aligns as it reads
        left = not self.rtl and not centred and kind in KIND_ROLES
        return TextStyle(
            self.fonts,
            size,
            colour,
            bold=bold,
            centred=centred,
            right=right,
            left=left,
            leading_ratio=self.leading,
            role=role or KIND_ROLES.get(kind, "body"),
            lang="" if kind in KIND_ROLES else self.lang,  # titles are never hyphenated
            rules=self.rules,
            title_face=self.display if kind == "title" else "",
        )

    def bullet_text(self, bullet: str = "•", numbered: bool = False) -> TextStyle:
        """A list item with a hanging indent: every line starts where the first one does,
        beside the bullet (a wider one for numbers: "10." must fit). The bullet is on the
        layout's side, as its heading is: at the right in a right-to-left layout, at the left
        in a left-to-right one, whichever way the item's own words read."""
        return self.text(role="item")._replace(
            indent=self.size * (1.6 if numbered else 0.95),
            bullet=bullet,
            right=self.rtl,
            left=not self.rtl,
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
        looks=tuple((kind, typeset(look, rules)) for kind, look in key.looks),
        alt_key=typeset(key.alt_key, rules),
        alt_separator=typeset(f"a{key.alt_separator}b", rules)[1:-1],  # French: a thin space first
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
        if isinstance(self.label, TextBlock) and len(self.label.lines) == 1:
            self.label.width = self.label.natural_width  # beside the boxes, whichever way it reads
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


def step_context(step: PlannedStep) -> dict[str, Any]:
    return {"step": step, "technique": step.technique}
