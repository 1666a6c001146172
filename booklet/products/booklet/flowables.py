"""The booklet's own platypus flowables: what a page is stacked from besides plain paragraphs.

Each one paints nothing in the page-numbering pass (`planning`), where only where things land
matters, so planning a booklet costs little more than laying it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from reportlab.lib.colors import HexColor, white
from reportlab.platypus import Flowable, Paragraph

from booklet.base.internals import Canvas, paragraph_lines_kept
from booklet.data.language import Words
from booklet.data.model import Plan, Technique
from booklet.draw.diagrams import diagram_art, diagram_height
from booklet.draw.painting import paint
from booklet.draw.pieces import Styles
from booklet.draw.symbols import KeyWords
from booklet.text.fonts import FontFamily, charmap
from booklet.text.paragraph import Span, TextBlock, TextStyle, parse
from booklet.text.scripts import has_rtl
from booklet.text.stacking import Placeable


def planning(canvas: Canvas) -> bool:
    """Is this the page-numbering pass's canvas? Pages are laid out there, nothing painted."""
    return bool(getattr(canvas, "planning", False))


@dataclass
class BookInfo:
    """Where things landed: for the contents page, and for tests."""

    pages: int = 0
    sections: dict[str, int] = field(default_factory=dict)  # key -> page number
    titles: dict[str, str] = field(default_factory=dict)
    notes_pages: int = 0


class Marker(Flowable):
    """Zero-size: marks a section start as a link target, an outline entry and a page number."""

    def __init__(self, key: str, title: str, level: int, info: BookInfo) -> None:
        super().__init__()
        self.key, self.title, self.level, self.info = key, title, level, info
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canv = self.canv
        canv.bookmarkPage(self.key)
        canv.addOutlineEntry(self.title, self.key, level=self.level, closed=False)
        self.info.sections[self.key] = canv.getPageNumber()
        self.info.titles[self.key] = self.title


class BookParagraph(Paragraph):
    """A platypus paragraph that breaks its lines once per width (platypus and our page
    fitting ask again and again, and a paragraph's lines depend on nothing else), and skips
    painting in the page-numbering pass."""

    _wrapped_for: float | None = None
    _wrapped_size: tuple[float, float] = (0.0, 0.0)

    def __init__(self, text: str, style: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(text, style, *args, **kwargs)
        # Text platypus cannot set (another script, or right to left) goes to the cards' own
        # engine (booklet.text.shaping): one way to shape, order and fall back, not two.
        self.script_block = script_block(text, style, kwargs.get("bulletText"))

    def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803
        if self.script_block is not None:
            return []
        parts: list[Any] = super().split(availWidth, availHeight)
        return parts

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self.script_block is not None:
            self.width, self.height = self.script_block.wrap(availWidth, availHeight)
            return self.width, self.height
        # platypus's split may drop the broken lines (blPara); then break them again
        if availWidth != self._wrapped_for or not paragraph_lines_kept(self):
            self._wrapped_size = super().wrap(availWidth, availHeight)
            self._wrapped_for = availWidth
        return self._wrapped_size

    def draw(self) -> None:
        if planning(self.canv):
            return
        if self.script_block is not None:
            self.script_block.drawOn(self.canv, 0, 0)
        else:
            super().draw()


def script_block(markup: str, style: Any, bullet: str | None) -> TextBlock | None:
    """The paragraph as a card text block, when it holds text the primary face cannot draw
    or that reads right to left; None for everything platypus sets well."""
    if not isinstance(markup, str):
        return None
    text = re.sub(r"<[^>]*>", "", markup)
    if not has_rtl(text) and charmap(style.fontName).issuperset(text):
        return None
    prefix, _, weight = style.fontName.partition("-")
    fonts = FontFamily(prefix, f"{prefix}-Bold", f"{prefix}-Italic", f"{prefix}-BoldItalic")
    colour = style.textColor.hexval() if hasattr(style.textColor, "hexval") else "#000000"
    try:
        spans = parse(re.sub(r"</?a\b[^>]*>", "", markup))  # links: contents entries
    except ValueError:
        return None
    text_style = TextStyle(
        fonts,
        style.fontSize,
        "#" + colour[2:] if colour.startswith("0x") else colour,
        bold=weight.startswith("Bold"),
        centred=style.alignment == 1,
        indent=style.leftIndent if bullet else 0.0,
        bullet=unescape(bullet) if bullet else None,
    )
    return TextBlock(spans, text_style)


class FillDiagram(Flowable):
    """A technique's diagram at a chosen width, with the legend to its symbols under it (set
    across `wide`, the page's width) unless `legend` is off."""

    def __init__(
        self,
        technique: Technique,
        width: float,
        font: str,
        align: str = "LEFT",
        min_text: float = 0.0,
        plain: bool = False,
        words: KeyWords | None = None,
        wide: float = 0.0,
        legend: bool = True,
    ) -> None:
        super().__init__()
        self.technique, self.font, self.min_text = technique, font, min_text
        self.words = words
        self.plain = plain  # no badges, no legend: a picture for the cover or the contents
        self.legend = legend and not plain
        self.figure_width = width
        self.wide = wide  # the legend's width, when it spans the page under a narrower figure
        self.width = max(width, wide)
        self.height = diagram_height(
            technique.diagram, width, self.legend, font, min_text, words, wide
        )
        self.hAlign = align

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        if planning(self.canv):
            return
        art = diagram_art(
            self.technique.diagram,
            self.figure_width,
            False,
            self.legend,
            self.font,
            self.min_text,
            not self.plain,
            self.words,
            wide=self.wide,
        )
        paint(self.canv, art, 0, 0)


class PieceFlowable(Flowable):
    """A card piece (a gauge, a warning box) on a booklet page."""

    def __init__(self, piece: Placeable) -> None:
        super().__init__()
        self.piece = piece

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = self.piece.wrap(avail_width, avail_height)
        return self.width, self.height

    def draw(self) -> None:
        self.piece.drawOn(self.canv, 0, 0)


class FactsPanel(Flowable):
    """The key facts in a tinted panel: the pressure, the time, oil, position, muscles."""

    def __init__(self, items: list[Flowable], styles: Styles) -> None:
        super().__init__()
        self.items, self.styles = items, styles

    @property
    def pad(self) -> float:
        return self.styles.size * 0.7

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        inner = avail_width - 2 * self.pad
        gap = self.styles.size * 0.45
        self.sizes = [item.wrap(inner, avail_height) for item in self.items]
        body = sum(h for _, h in self.sizes) + gap * max(0, len(self.items) - 1)
        self.width, self.height = avail_width, body + 2 * self.pad
        return self.width, self.height

    def draw(self) -> None:
        c, pad = self.canv, self.pad
        c.setFillColor(HexColor(self.styles.colours["panel"]))
        c.roundRect(0, 0, self.width, self.height, self.styles.size * 0.4, stroke=0, fill=1)
        y = self.height - pad
        gap = self.styles.size * 0.45
        for item, (_, h) in zip(self.items, self.sizes, strict=True):
            y -= h
            item.drawOn(c, pad, y)
            y -= gap


class NotesPage(Flowable):
    """Ruled lines filling the page: notes on pressure, favourite strokes, what worked."""

    def __init__(self, styles: Styles, title: str | None) -> None:
        super().__init__()
        self.styles, self.title = styles, title

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, avail_height - 1
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        s = self.styles.size
        top = self.height
        if self.title:
            c.setFont(self.styles.fonts.bold, s * self.styles.title_scale)
            c.setFillColor(HexColor(self.styles.colours["text"]))
            c.drawString(0, top - s * self.styles.title_scale, self.title)
            top -= s * self.styles.title_scale * 2.2
        c.setStrokeColor(HexColor(self.styles.colours["muted"]))
        c.setLineWidth(0.4)
        y = top - s * 2
        while y > 0:
            c.line(0, y, self.width, y)
            y -= s * 2.2


class FillLine(Flowable):
    """A line to write a name on."""

    def __init__(self, styles: Styles) -> None:
        super().__init__()
        self.styles = styles

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, 2
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setStrokeColor(HexColor(self.styles.colours["muted"]))
        self.canv.setLineWidth(0.5)
        self.canv.line(self.width * 0.2, 0, self.width * 0.8, 0)


def label_width(text: str, fonts: FontFamily, size: float) -> float:
    """How wide a bold label sets, shaped as the text engine shapes it."""
    block = TextBlock((Span(text, bold=True),), TextStyle(fonts, size, "#000000"))
    block.wrap(1e6, 1e6)
    return block.lines[0].width if block.lines else 0.0


class Timeline(Flowable):
    """The routine as a bar: one segment per step, its width the step's share of the time."""

    def __init__(self, plan: Plan, styles: Styles, words: Words) -> None:
        super().__init__()
        self.words = words
        self.plan, self.styles = plan, styles

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, self.styles.size * 4.2
        return self.width, self.height

    def draw(self) -> None:
        """Segments of one colour (no pattern a reader could take for pressure), each named
        by its stroke where the name fits, else by its number."""

        c = self.canv
        s = self.styles.size
        total = self.plan.total_minutes or 1
        bar_h = s * 2.0
        y = self.height - bar_h
        x = 0.0
        accent = HexColor(self.styles.colours["accent"])
        elapsed = 0.0
        gap = max(1.0, s * 0.15)
        for step in self.plan.steps:
            w = self.width * step.minutes / total
            c.setFillColor(accent)
            c.rect(x + gap / 2, y, max(0.5, w - gap), bar_h, stroke=0, fill=1)
            c.setFillColor(white)
            self._name_segment(step.technique.name, str(step.number), x, y, w, bar_h)
            c.setFillColor(HexColor(self.styles.colours["text"]))
            c.setFont(self.styles.fonts.regular, s * 0.85)
            c.drawString(x + 1, y - s * 1.2, self.words.number(elapsed))
            elapsed += step.minutes
            x += w
        c.drawRightString(self.width, y - s * 1.2, self.words.text("minutes_short", n=total))

    def _name_segment(
        self, name: str, number: str, x: float, y: float, w: float, bar_h: float
    ) -> None:
        """The step's name centred in its segment: in full, its first word ("Circling hands",
        "Circling"), or its number, whichever fits first."""
        c = self.canv
        s = self.styles.size
        font, size = self.styles.fonts.bold, s * 0.9
        for label in (name, name.split()[0], number):
            name = label
            if label_width(label, self.styles.fonts, size) <= w - s * 0.8:
                break
        c.setFont(font, size)
        if charmap(font).issuperset(name) and not has_rtl(name):
            c.drawCentredString(x + w / 2, y + bar_h / 2 - size * 0.35, name)
        else:  # another script: shaped and in its own face, as everywhere
            block = TextBlock(
                (Span(name, bold=True),), TextStyle(self.styles.fonts, size, "#FFFFFF")
            )
            lw = label_width(name, self.styles.fonts, size)
            block.wrap(lw + 0.01, bar_h)  # as wide as its line: right-aligned or not
            block.drawOn(c, x + (w - lw) / 2, y + (bar_h - block.height) / 2)
