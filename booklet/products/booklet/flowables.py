"""The booklet's own platypus flowables: what a page is stacked from besides plain paragraphs.

Each one paints nothing in the page-numbering pass (`planning`), where only where things land
matters, so planning a booklet costs little more than laying it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, PageBreak, Table

from booklet.base.internals import Canvas
from booklet.data.language import Words
from booklet.data.model import Plan, Technique
from booklet.draw.describe import describe_timeline
from booklet.draw.diagrams import diagram_art, diagram_height
from booklet.draw.painting import paint
from booklet.draw.pieces import Styles, WarningBox
from booklet.draw.symbols import KeyWords
from booklet.text.paragraph import Span, TextBlock, TextStyle
from booklet.text.stacking import Placeable
from booklet.text.tagging import (
    Place,
    Structure,
    annotated,
    element,
    figure,
    link,
    section,
    untagged,
    within,
)


class TaggedTable(Table):
    """A platypus table that is one structure element in a tagged PDF: a Table of rows and
    cells, or the contents (TOC) of entries; its cells' paragraphs say where they belong
    (BookText's `place`)."""

    def __init__(self, *args: Any, tag: str = "Table", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tag = tag

    def draw(self) -> None:
        if planning(self.canv):  # where it lands is all a planning pass needs
            return
        with element(self.canv, self.tag):
            super().draw()


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
    structure: Structure | None = None  # what the printed pages are, for a tagged PDF


class Marker(Flowable):
    """Zero-size: marks a section start as a link target, an outline entry and a page number."""

    def __init__(self, key: str, title: str, level: int, info: BookInfo) -> None:
        super().__init__()
        self.key, self.title, self.level, self.info = key, title, level, info
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.record(self.canv)

    def record(self, canv: Canvas) -> None:
        """The section starts here: a bookmark (its links' target), an outline entry, its
        page for the contents, and in a tagged PDF a section element (the log's inside the
        routine's). A section's title records its marker as it is drawn, so the two never
        land on different pages."""
        section(canv, self.level)
        canv.bookmarkPage(self.key)
        canv.addOutlineEntry(self.title, self.key, level=self.level, closed=False)
        self.info.sections[self.key] = canv.getPageNumber()
        self.info.titles[self.key] = self.title


class Deferred(Flowable):
    """Flowables made only when the layout reaches them (`FacingPages.filterFlowables`): a
    planning pass that stops at a short page never makes the technique spreads after it."""

    def __init__(self, make: Callable[[], list[Flowable]]) -> None:
        super().__init__()
        self.make = make
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        raise AssertionError("a deferred part is made before it is laid out")


class PageStandIn(Flowable):
    """A page planned on its own (the contents page, whose figures take the longest to
    choose): a planning pass that needs only where the pages after it start fills the page
    with this instead. It is never printed."""

    gap_weight = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, avail_height - 1
        return self.width, self.height

    def draw(self) -> None:
        assert planning(self.canv), "a page stand-in is never printed"


class BookText(Flowable):
    """A paragraph set by the one text engine (booklet.text.paragraph) on a booklet page:
    platypus places it, and splits it between pages at a line (never leaving one line alone
    on either page); `link` makes it a link to a section."""

    def __init__(
        self,
        block: TextBlock,
        *,
        space_before: float = 0.0,
        space_after: float = 0.0,
        keep_with_next: bool = False,
        link: str = "",
        marker: Marker | None = None,
        link_text: str = "",
        place: Place | None = None,
        running: bool = False,
    ) -> None:
        super().__init__()
        self.block = block
        self.running = running  # the facing page's title again: page furniture to a reader
        self.link_text = link_text  # what the link leads to, said by a screen reader
        self.place = place  # a table cell's or a contents entry's, in a tagged PDF
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self.keepWithNext = keep_with_next
        self.link = link
        self.marker = marker  # a section's title: where the section starts
        self.continues = False  # the first part of a paragraph split between pages
        # how far the gap above it may grow, to balance a page (booklet.products.booklet.balance)
        role = block.style.role
        self.gap_weight = (
            2.0 if marker else {"title": 2.0, "heading": 1.0, "body": 0.3}.get(role, 0)
        )

    @classmethod
    def of(cls, spans: tuple[Span, ...], style: TextStyle, **kwargs: Any) -> BookText:
        return cls(TextBlock(spans, style), **kwargs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width, self.height = self.block.wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803
        self.wrap(availWidth, availHeight)
        lines = self.block.lines
        fit, used = 0, 0.0
        for line in lines:
            used += line.advance
            if used > availHeight + 1e-6:
                break
            fit += 1
        fit = min(fit, len(lines) - 2)  # no widow: two lines at least go on
        if fit < 2:  # no orphan: two lines at least stay, or the whole paragraph moves
            return []
        first = BookText(
            self.block.part(0, fit),
            space_before=self.spaceBefore,
            link=self.link,
            marker=self.marker,
            link_text=self.link_text,
            place=self.place,
        )
        first.continues = True  # the page it ends is full: booklet.products.booklet.balance
        rest = BookText(
            self.block.part(fit),
            space_after=self.spaceAfter,
            keep_with_next=bool(self.keepWithNext),
            link=self.link,
            link_text=self.link_text,
            place=self.place,
        )
        rest.gap_weight = 0.0  # it starts the next page
        return [first, rest]

    def draw(self) -> None:
        if self.marker is not None:
            self.marker.record(self.canv)
        if planning(self.canv):
            return
        if self.running:  # heard once, where it first stands: an artifact here
            with untagged(self.canv):
                self.block.drawOn(self.canv, 0, 0)
            return
        with within(self.canv, self.place):
            if not self.link:
                self.block.drawOn(self.canv, 0, 0)
                return
            with link(self.canv):  # the words and the annotation are one Link element
                self.block.drawOn(self.canv, 0, 0)
                rect = (0, 0, self.width, self.height)
                self.canv.linkRect(self.link_text, self.link, rect, relative=1, thickness=0)
                annotated(self.canv)


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
        alt: str = "",
    ) -> None:
        super().__init__()
        self.technique, self.font, self.min_text = technique, font, min_text
        self.alt = alt  # the diagram in words; a plain picture (a thumbnail) is decoration
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
        if self.plain:
            paint(self.canv, art, 0, 0)
            return
        with figure(self.canv, self.alt or self.technique.name):
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
        if not planning(self.canv):
            self.piece.drawOn(self.canv, 0, 0)


class SplitBox(Flowable):
    """A boxed list that may break between its items, each part boxed: a long list starts
    under its title instead of leaving the page before it half empty. A part holds at least
    `least` items, and no item is left alone on the next page."""

    def __init__(self, items: list[Placeable], styles: Styles, least: int = 3) -> None:
        super().__init__()
        self.items, self.styles, self.least = items, styles, least
        self.box = WarningBox(items, styles, icon=False)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = self.box.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        for cut in range(len(self.items) - 2, self.least - 1, -1):
            first = WarningBox(self.items[:cut], self.styles, icon=False)
            if first.wrap(avail_width, avail_height)[1] <= avail_height:
                return [PieceFlowable(first), SplitBox(self.items[cut:], self.styles, 2)]
        return []

    def draw(self) -> None:
        if not planning(self.canv):
            self.box.drawOn(self.canv, 0, 0)


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
        if planning(self.canv):
            return
        c, pad = self.canv, self.pad
        c.setFillColor(HexColor(self.styles.colours["panel"]))
        c.roundRect(0, 0, self.width, self.height, self.styles.size * 0.4, stroke=0, fill=1)
        y = self.height - pad
        gap = self.styles.size * 0.45
        for item, (_, h) in zip(self.items, self.sizes, strict=True):
            y -= h
            item.drawOn(c, pad, y)
            y -= gap


class LeftPage(Flowable):
    """Where a technique's spread opens: on an even page, the one a reader meets first (the
    left-hand page, or the right-hand one when the booklet binds on the right). When the
    technique before ran on to a third page, a notes page takes the odd page first (a picture
    there would face the wrong words)."""

    _ZEROSIZE = 1

    def __init__(self, styles: Styles, title: str) -> None:
        super().__init__()
        self.styles, self.title = styles, title

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if int(self._doctemplateAttr("page")) % 2:  # an odd page: the spread's second
            frame = self._doctemplateAttr("frame")
            notes = NotesPage(self.styles, self.title, own_section=True)
            frame.add_generated_content(notes, PageBreak())
        return 0.0, 0.0

    def draw(self) -> None:
        """Nothing of its own to draw."""


class NotesPage(Flowable):
    """Ruled lines filling the page: notes on pressure, favourite strokes, what worked. A
    page that has no marker before it (one that puts the techniques on a left-hand page) is
    a section of its own in a tagged PDF (`own_section`), not a part of the one before."""

    def __init__(self, styles: Styles, title: str | None, own_section: bool = False) -> None:
        super().__init__()
        self.styles, self.title = styles, title
        self.own_section = own_section
        self.heading = TextBlock((Span(title),), styles.text("title")) if title else None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, avail_height - 1
        if self.heading is not None:
            self.heading.wrap(avail_width, avail_height)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        s = self.styles.size
        top = self.height
        if self.own_section:
            section(c)
        if self.heading is not None:
            self.heading.drawOn(c, 0, top - self.heading.height)
            top -= self.heading.height + s * 1.2
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
        if planning(self.canv):
            return
        self.canv.setStrokeColor(HexColor(self.styles.colours["muted"]))
        self.canv.setLineWidth(0.5)
        self.canv.line(self.width * 0.2, 0, self.width * 0.8, 0)


def label(text: str, style: TextStyle) -> TextBlock:
    """A one-line label set by the text engine, as wide as its line (a folio stays a folio:
    page furniture in a tagged PDF)."""
    role = "folio" if style.role == "folio" else "label"
    block = TextBlock((Span(text),), style._replace(role=role))
    block.wrap(1e6, 1e6)
    block.width = block.natural_width
    return block


class Timeline(Flowable):
    """The routine as a bar: one segment per step, its width the step's share of the time.
    Each segment shows its technique's whole name, or its short name, where one fits; else its
    number, with the name in a line under the bar. A name is never cut."""

    def __init__(self, plan: Plan, styles: Styles, words: Words) -> None:
        super().__init__()
        self.words = words
        self.plan, self.styles = plan, styles
        self.alt = describe_timeline(plan, words)  # a figure, in a tagged PDF

    @property
    def bar_height(self) -> float:
        return self.styles.size * 2.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        s = self.styles.size
        self.width = avail_width
        self.inside, outside = self.labels(avail_width)
        self.legend: TextBlock | None = None
        if outside:
            self.legend = TextBlock((Span("   ".join(outside)),), self.styles.text("muted"))
            self.legend.wrap(avail_width, avail_height)
        legend = self.legend.height + s * 0.4 if self.legend is not None else 0.0
        self.height = self.bar_height + s * 1.6 + legend
        return self.width, self.height

    def labels(self, width: float) -> tuple[list[TextBlock], list[str]]:
        """Each segment's label, and the names that go under the bar ("2. Circling hands")."""
        s = self.styles
        total = self.plan.total_minutes or 1
        style = s.text(role="label")._replace(bold=True, colour="#FFFFFF", size=s.size * 0.9)
        inside, outside = [], []
        for step in self.plan.steps:
            room = width * step.minutes / total - s.size * 0.8
            tech = step.technique
            for name in (tech.name, tech.label):
                block = label(name, style)
                if block.width <= room:
                    break
            else:
                block = label(str(step.number), style)
                outside.append(f"{step.number}. {tech.name}")
            inside.append(block)
        return inside, outside

    def draw(self) -> None:
        if planning(self.canv):
            return
        with figure(self.canv, self.alt):
            self.draw_bar()

    def draw_bar(self) -> None:
        """Segments of one colour (no pattern a reader could take for pressure), the minutes
        at each step's start under the bar, the names that did not fit under those. Time runs
        the way the language reads: from the right in a right-to-left language."""
        c = self.canv
        s = self.styles.size
        total = self.plan.total_minutes or 1
        bar_h = self.bar_height
        y = self.height - bar_h
        accent = HexColor(self.styles.colours["accent"])
        gap = max(1.0, s * 0.15)
        x, elapsed, free_from = 0.0, 0.0, 0.0  # x: how far along the bar, from its start

        def at(along: float, width: float) -> float:  # the left edge of something that long
            return self.width - along - width if self.styles.rtl else along

        ticks = self.styles.text(role="label")._replace(size=s * 0.85)
        end = label(self.words.text("minutes_short", n=total), ticks)
        for step, name in zip(self.plan.steps, self.inside, strict=True):
            w = self.width * step.minutes / total
            c.setFillColor(accent)
            bar_w = max(0.5, w - gap)
            c.rect(at(x + gap / 2, bar_w), y, bar_w, bar_h, stroke=0, fill=1)
            name.drawOn(c, at(x + (w - name.width) / 2, name.width), y + (bar_h - name.height) / 2)
            tick = label(self.words.number(elapsed), ticks)
            clear = x + tick.width + s * 0.5 <= self.width - end.width
            if x >= free_from and clear:  # a tick never runs into another
                tick.drawOn(c, at(x + 1, tick.width), y - s * 1.35)
                free_from = x + tick.width + s * 0.5
            elapsed += step.minutes
            x += w
        end.drawOn(c, at(self.width - end.width, end.width), y - s * 1.35)
        if self.legend is not None:
            self.legend.drawOn(c, 0, 0)
