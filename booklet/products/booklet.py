"""The gift booklet: cover to back cover, planned to a multiple of four pages.

Built with platypus in two passes: the first finds where each section starts, the second prints
those page numbers on the contents page and pads the booklet with notes pages so the back cover
lands on the last page of a foldable booklet. Section starts become outline entries and link
targets as they are drawn.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from reportlab.lib.colors import HexColor, white
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from booklet.base.errors import BookletError, FitError
from booklet.base.internals import paragraph_lines_kept, skip_saving
from booklet.base.units import describe_size, parse_size
from booklet.base.version import __version__
from booklet.data.language import Words
from booklet.data.library import Library
from booklet.data.model import (
    PRESSURE_LEVELS,
    Plan,
    Setting,
    Technique,
    pressure_rank,
)
from booklet.draw.diagrams import KeyWords, aspect, diagram_art, key_words, paint
from booklet.draw.handout import ClientBand, LogGrid, QrCode, check_qr, smallest_qr
from booklet.draw.pieces import DiagramKey, Gauge, Styles, WarningBox
from booklet.layout.context import base_context, frozen, layout_fields, technique_by_id
from booklet.layout.markup import parse_snippet
from booklet.layout.spec import MIN_SAFE_MARGIN, Layout, load_layout, render_snippet, require_kind
from booklet.press.marks import MARK_ZONE, crop_marks
from booklet.press.pdf import print_at_actual_size, unique_subset_names
from booklet.products.fitting import Attempt, body_sizes, largest_fitting
from booklet.products.personal import adjust_plan, client_fields, load_logo, personal_texts
from booklet.products.requests import BookRequest
from booklet.text.fonts import FontFamily, charmap, register_all
from booklet.text.glyphs import check_fields, check_glyphs
from booklet.text.markup import Para, escape, to_reportlab
from booklet.text.paragraph import Span, TextBlock, TextStyle, parse, plain
from booklet.text.scripts import has_rtl

MIN_BOOK_SIDE = 2.5 * 72
BOOK_QR = 0.9 * 72  # a QR code in the booklet: this wide, or wider for a longer link


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


def planning(canvas: Any) -> bool:
    """Is this the page-numbering pass's canvas? Pages are laid out there, nothing painted."""
    return bool(getattr(canvas, "planning", False))


def canvas_for(save: bool) -> Any:
    """The canvas class a booklet pass builds on: every booklet PDF asks viewers to print at
    100% (booklet.press.pdf); the planning pass's canvas says it is one."""
    from reportlab.pdfgen.canvas import Canvas

    class BookletCanvas(Canvas):
        planning = not save

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            print_at_actual_size(self)

    return BookletCanvas


class FacingPages(BaseDocTemplate):
    """Inner pages take the right-hand or left-hand template by their number (odd pages are
    right-hand), however the page before ended: a page break, a full frame or a new section."""

    def handle_pageBegin(self) -> None:  # noqa: N802 - platypus's name
        state: Any = self  # platypus sets these attributes as it goes
        current: str = getattr(state.pageTemplate, "id", "")
        if current in ("inner", "inner-left"):
            want = "inner" if (state.page + 1) % 2 else "inner-left"
            if want != current:
                state.pageTemplate = next(t for t in state.pageTemplates if t.id == want)
        super().handle_pageBegin()


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
        return [] if self.script_block is not None else super().split(availWidth, availHeight)

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
    """A technique's diagram at a chosen width (with its spine legend)."""

    def __init__(
        self,
        technique: Technique,
        width: float,
        font: str,
        align: str = "LEFT",
        min_text: float = 0.0,
        plain: bool = False,
        words: KeyWords | None = None,
    ) -> None:
        super().__init__()
        self.technique, self.font, self.min_text = technique, font, min_text
        self.words = words
        self.plain = plain  # no badges, no legend: a picture for the cover or the contents
        self.width = width
        self.height = width * aspect(not plain)
        self.hAlign = align

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        if planning(self.canv):
            return
        art = diagram_art(
            self.technique.diagram,
            self.width,
            False,
            not self.plain,
            self.font,
            self.min_text,
            not self.plain,
            self.words,
        )
        paint(self.canv, art, 0, 0)


class PieceFlowable(Flowable):
    """A card piece (a gauge, a warning box) on a booklet page."""

    def __init__(self, piece) -> None:
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


def label_width(text: str, fonts: FontFamily, size: float) -> float:
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
            font, size = self.styles.fonts.bold, s * 0.9
            name = step.technique.name
            for label in (name, name.split()[0], str(step.number)):  # "Circling hands", "Circling"
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
            c.setFillColor(HexColor(self.styles.colours["text"]))
            c.setFont(self.styles.fonts.regular, s * 0.85)
            c.drawString(x + 1, y - s * 1.2, self.words.number(elapsed))
            elapsed += step.minutes
            x += w
        c.drawRightString(self.width, y - s * 1.2, self.words.text("minutes_short", n=total))


def book_context(
    plan: Plan, setting: Setting, layout: Layout, req: BookRequest, words: Words
) -> dict[str, Any]:
    """Plain data only (booklet.layout.context): snippets come from strangers."""
    size = describe_size(*parse_size(req.size or layout.size))
    context: dict[str, Any] = base_context(
        plan, setting, layout_fields(layout.name, size, layout.colours), words
    )
    context["client"] = client_fields(req.personal, words)
    context["book"] = frozen(
        {
            "title": req.title or plan.title,
            "for": req.for_name or "",
            "from": req.from_name or "",
            "message": req.message or "",
        }
    )
    return context


def marked_paragraphs(paras: list[Para], styles: Styles) -> list[Flowable]:
    """A snippet's paragraphs as flowables, by kind (booklet.text.markup): the same markup,
    read by the same parser, as on a card."""
    out: list[Flowable] = []
    for para in paras:
        markup = to_reportlab(para.spans)
        if para.kind == "title":
            style = styles.style("title")
            style.spaceAfter = styles.size * 0.8
            out.append(BookParagraph(markup, style))
        elif para.kind == "heading":
            out.append(CondPageBreak(styles.size * 6))
            out.append(BookParagraph(markup, heading_style(styles)))
        elif para.kind == "bullet":
            out.append(BookParagraph(markup, styles.bullet(), bulletText="•"))
        else:
            para_style = styles.style()
            para_style.spaceAfter = styles.size * 0.4
            out.append(BookParagraph(markup, para_style))
    return out


def heading_style(styles: Styles):
    style = styles.style("heading")
    style.spaceBefore = styles.size * 0.8
    style.spaceAfter = styles.size * 0.3
    style.keepWithNext = 1
    return style


def check_request_text(req: BookRequest, fonts: FontFamily) -> None:
    """The words the user gave must print: lengths were checked with the request."""
    fields = {
        "title": req.title,
        "for": req.for_name,
        "from": req.from_name,
        "message": req.message,
    }
    check_fields({k: v for k, v in fields.items() if v}, None, fonts)


class BookBuilder:
    def __init__(self, library: Library, plan: Plan, req: BookRequest) -> None:
        self.layout = load_layout(req.layout, library)
        require_kind(self.layout, "book")
        plan = adjust_plan(plan, req.personal)
        self.logo = load_logo(req.personal)
        self.plan, self.req = plan, req
        self.setting = library.require_setting()
        self.fonts = register_all(self.layout.font)
        check_glyphs(plan, self.setting, self.fonts)
        check_request_text(req, self.fonts)
        check_fields(personal_texts(req.personal), None, self.fonts)
        self.size = parse_size(req.size or self.layout.size)
        if min(self.size) < MIN_BOOK_SIDE or max(self.size) < MIN_BOOK_SIDE * 1.3:
            raise BookletError(
                f"a booklet page of {describe_size(*self.size)} is too small to read; use at "
                f"least {MIN_BOOK_SIDE / 72:.1f} x {MIN_BOOK_SIDE * 1.3 / 72:.1f} in "
                "(A7 or larger)."
            )
        self.display = (
            register_all(self.layout.display_font).bold if self.layout.display_font else ""
        )
        if self.display:  # titles and names print in the display face too
            check_glyphs(plan, self.setting, register_all(self.layout.display_font), "display_font")
        self.styles = Styles(
            self.layout.body_size,
            self.fonts,
            self.layout.colours,
            self.layout.title_scale,
            self.display,
            library.words.rtl,
        )
        self.words = library.words
        self.key_words = key_words(self.words)
        self.context = book_context(plan, self.setting, self.layout, req, self.words)
        self.cache: dict[tuple[str, str], list[Para]] = {}
        # Sizes found while fitting in the first pass, reused in the second.
        self.chosen: dict[str, tuple[float, float | None]] = {}
        self.cover_band = 0.0
        self.align = False  # a notes page before the techniques, to start them on a left page

    def lines(
        self, template: str, key: str = "", extra: dict[str, Any] | None = None
    ) -> list[Para]:
        k = (template, key)
        if k not in self.cache:
            lines = render_snippet(self.layout, template, dict(self.context, **(extra or {})))
            self.cache[k] = parse_snippet(lines, self.layout, template)
        return self.cache[k]

    @property
    def margin(self) -> float:
        """The layout's margin, narrowed on small pages (never inside the 3 mm safe zone)."""
        return max(MIN_SAFE_MARGIN, min(self.layout.margin, self.size[0] * 0.085))

    @property
    def gutter(self) -> float:
        """How much further the text block sits from the fold than from the outer edge, half
        of it: saddle-stitched pages lose some of the inner margin to the fold and the staples,
        and creep moves inner pages toward it."""
        return min(self.margin * 0.18, max(0.0, self.margin - MIN_SAFE_MARGIN))

    @property
    def frame_size(self) -> tuple[float, float]:
        m = self.margin
        return self.size[0] - 2 * m, self.size[1] - 2 * m - self.styles.size * 1.8

    def build(self) -> tuple[bytes, BookInfo]:
        first = BookInfo()
        self._render(first, contents={}, notes=0, save=False)
        start = (
            first.sections.get(f"t-{self.plan.techniques[0].id}", 0) if self.plan.techniques else 0
        )
        if start % 2:  # each technique is a spread: picture on the left, words on the right
            self.align = True
            first = BookInfo()
            self._render(first, contents={}, notes=0, save=False)
        notes = (-first.pages) % 4
        contents = dict(first.sections)
        if notes:
            contents["notes"] = first.pages  # notes take the back cover's place; it moves on
        info = BookInfo(notes_pages=notes)
        pdf = self._render(info, contents=contents, notes=notes)
        if info.pages % 4 or info.sections != contents:  # the plan held, or it is our bug
            raise AssertionError(f"booklet planning failed: {info.sections} vs {contents}")
        return pdf, info

    @property
    def pad(self) -> float:
        """From the page's edge to its trim: the bleed, and room for crop marks."""
        return self.req.bleed + (MARK_ZONE if self.req.crop_marks and not self.req.impose else 0)

    def _render(
        self, info: BookInfo, contents: dict[str, int], notes: int, save: bool = True
    ) -> bytes:
        buffer = io.BytesIO()
        w, h = self.size
        m, pad = self.margin, self.pad
        title = self.context["book"]["title"]
        doc = FacingPages(
            buffer,
            pagesize=(w + 2 * pad, h + 2 * pad),
            leftMargin=m + pad,
            rightMargin=m + pad,
            topMargin=m + pad,
            bottomMargin=m + pad,
            title=title,
            author=self.req.from_name or "booklet",
            subject=self.words.text("book_subject"),
            creator=f"booklet {__version__}",
            keywords=["back massage", "booklet"],
            invariant=1,
            pageCompression=1,
            initialFontName=self.fonts.regular,
        )
        footer = self.styles.size * 1.8
        x = y = m + pad
        full = Frame(x, y, w - 2 * m, h - 2 * m, 0, 0, 0, 0, id="full")
        g = self.gutter
        right_page = Frame(x + g, y + footer, w - 2 * m, h - 2 * m - footer, 0, 0, 0, 0, id="right")
        left_page = Frame(x - g, y + footer, w - 2 * m, h - 2 * m - footer, 0, 0, 0, 0, id="left")
        doc.addPageTemplates(
            [
                PageTemplate("cover", [full], onPage=self._cover_page),
                # Facing pages: the text block sits nearer the outer edge, away from the fold
                PageTemplate("inner", [right_page], onPage=self._inner_page),
                PageTemplate("inner-left", [left_page], onPage=self._inner_page),
                PageTemplate("plain", [full], onPage=self._plain_page),
                PageTemplate("back", [full], onPage=self._back_page),
            ]
        )
        story = self._story(info, contents, notes)
        skip_saving(doc, save)  # the planning pass only needs page numbers, not a file
        try:
            doc.build(story, canvasmaker=canvas_for(save))
        except (LayoutError, ValueError) as exc:  # platypus reports a page too small either way
            del exc  # its text names ReportLab's internals, not the user's content
            raise FitError(
                f"part of the booklet (a diagram or a long block of text) does not fit on a "
                f"{describe_size(w, h)} page. Use a larger size, such as a6, or shorter text."
            ) from None
        info.pages = doc.page
        self._check_single_pages(info)
        return buffer.getvalue()

    def _check_single_pages(self, info: BookInfo) -> None:
        """The contents must stay on one page, or the page numbers it prints would shift."""
        sections = info.sections
        if {"contents", "before"} <= set(sections) and sections["before"] != sections[
            "contents"
        ] + 1:
            raise FitError(
                "the contents page does not fit on one page. Use a larger size or fewer techniques."
            )

    # --- page decorations ---------------------------------------------------------------

    def _page_start(self, canv: Any) -> tuple[float, float, float]:
        """Every page: its boxes (TrimBox exactly the page size, BleedBox around it), crop
        marks when asked, and the canvas moved to the trim's corner. Returns w, h, bleed."""
        w, h = self.size
        pad, bleed = self.pad, self.req.bleed
        canv.setTrimBox([pad, pad, pad + w, pad + h])
        canv.setBleedBox([pad - bleed, pad - bleed, pad + w + bleed, pad + h + bleed])
        canv.saveState()
        if pad > bleed and not planning(canv):
            crop_marks(canv, pad, pad, w, h, bleed)
        canv.translate(pad, pad)
        return w, h, bleed

    def _cover_page(self, canv, doc) -> None:
        w, h, b = self._page_start(canv)
        canv.setFillColor(HexColor(self.layout.colours["panel"]))
        canv.rect(-b, -b, w + 2 * b, h + 2 * b, 0, 1)
        canv.setFillColor(HexColor(self.layout.colours["accent"]))
        band = max(h * 0.28, self.cover_band)
        canv.rect(-b, h - band, w + 2 * b, band + b, 0, 1)
        canv.restoreState()
        canv.addPageLabel(0, prefix=self.words.text("cover_page"))

    def _inner_page(self, canv, doc) -> None:
        w, _, _ = self._page_start(canv)
        canv.setFont(self.fonts.regular, self.styles.size * 0.9)
        canv.setFillColor(HexColor(self.layout.colours["muted"]))
        number = canv.getPageNumber()
        middle = w / 2 + (self.gutter if number % 2 else -self.gutter)  # under the text block
        canv.drawCentredString(middle, self.margin, str(number))
        canv.restoreState()
        if canv.getPageNumber() == 2:
            canv.addPageLabel(1, style="D", start=2)

    def _plain_page(self, canv, doc) -> None:
        """The dedication: no folio, nothing but the words (its number is still 2)."""
        self._page_start(canv)
        canv.restoreState()
        if canv.getPageNumber() == 2:
            canv.addPageLabel(1, style="D", start=2)

    def _back_page(self, canv, doc) -> None:
        w, h, b = self._page_start(canv)
        canv.setFillColor(HexColor(self.layout.colours["panel"]))
        canv.rect(-b, -b, w + 2 * b, h + 2 * b, 0, 1)
        canv.setFillColor(HexColor(self.layout.colours["accent"]))
        canv.rect(-b, -b, w + 2 * b, h * 0.06 + b, 0, 1)
        canv.restoreState()
        canv.addPageLabel(canv.getPageNumber() - 1, prefix=self.words.text("back_cover_page"))

    def _story(self, info: BookInfo, contents: dict[str, int], notes: int) -> list[Flowable]:
        s, w = self.styles, self.words
        story: list[Flowable] = []
        story += self._cover()
        story += [NextPageTemplate("plain"), PageBreak()]
        story += self._dedication()
        story += [
            NextPageTemplate("inner"),
            PageBreak(),
            Marker("contents", w.text("contents"), 0, info),
        ]
        story += self._contents(contents, notes)
        story += [PageBreak(), Marker("before", w.text("before_you_begin"), 0, info)]
        story += self._fit_page("before", lambda st: marked_paragraphs(self.lines("before.j2"), st))
        story += [PageBreak(), Marker("safety", w.text("when_not_to_massage"), 0, info)]
        story += self._fit_page("safety", self._safety)
        story += [PageBreak(), Marker("pressure", w.text("pressure_scale"), 0, info)]
        story += self._fit_page("pressure", self._pressure)
        story += [PageBreak(), Marker("routine", w.text("your_routine"), 0, info)]
        routine = self._fit_page("routine", self._routine)
        story += routine
        fw, fh = self.frame_size
        room = fh - flow_height(routine, fw, fh) - s.size * 2
        log = self._log(s, room)  # below the routine when four weeks or more fit there
        if log:
            story += [Spacer(1, s.size * 2), Marker("log", w.text("practice_log"), 1, info), *log]
        else:
            story += [PageBreak(), Marker("log", w.text("practice_log"), 0, info)]
            story += self._log(s, fh)
        if self.align:  # the first technique's picture must fall on a left-hand page
            story += [PageBreak(), NotesPage(s, w.text("notes"))]
        for number, tech in enumerate(self.plan.techniques, start=1):
            story += [PageBreak(), Marker(f"t-{tech.id}", tech.name, 0, info)]
            story += self._technique(number, tech)
        for i in range(notes):
            story.append(PageBreak())
            if i == 0:
                story.append(Marker("notes", w.text("notes"), 0, info))
            story.append(NotesPage(s, w.text("notes") if i == 0 else None))
        handout = self._handout(s)
        drop = 0.3 if handout else 0.55  # the back cover's words sit low, under the practice's
        story += [NextPageTemplate("back"), PageBreak(), Spacer(1, self.frame_size[1] * drop)]
        story += handout
        back = s.style()
        back.alignment = 1  # centred, as a back cover's few lines are
        story += [BookParagraph(to_reportlab(p.spans), back) for p in self.lines("back.j2")]
        return story

    def _handout(self, s: Styles) -> list[Flowable]:
        """The practice's logo and details and the link's QR code, for the back cover."""
        out: list[Flowable] = []
        lines = self.lines("client.j2")
        if lines or self.logo is not None:
            words = marked_paragraphs(lines, s)
            out += [PieceFlowable(ClientBand(self.logo, words, s.gap, s.size * 4.5))]
            out.append(Spacer(1, s.size * 1.5))
        link = self.req.personal.link
        if link:
            size = max(BOOK_QR, smallest_qr(link))
            check_qr(link, size, "the booklet")
            words = marked_paragraphs(self.lines("link.j2", "", {"video": ""}), s)
            out += [PieceFlowable(QrCode(link, size, words, s.gap)), Spacer(1, s.size * 1.5)]
        return out

    def _log(self, s: Styles, room: float) -> list[Flowable]:
        """A week-by-week grid to tick: as many weeks as `room` holds, up to 12; nothing if
        fewer than four fit (it then gets a page of its own)."""
        lines = self.lines("log.j2")
        if not lines:
            return []
        *above, header = lines
        corner, *columns = [c.strip() for c in plain(header.spans).split("|")]
        words = marked_paragraphs(above, s)
        fw, fh = self.frame_size
        room -= flow_height(words, fw, fh) + s.size
        row = s.size * 2.2
        weeks = min(12, int(room // row) - 1)
        if weeks < 4:
            return []
        grid = LogGrid(
            corner,
            columns or ["1"],
            weeks,
            s.size,
            self.fonts.regular,
            self.fonts.bold,
            self.layout.colours,
        )
        return [*words, Spacer(1, s.size), PieceFlowable(grid)]

    def _figure(self, tech: Technique, width: float, align: str = "LEFT") -> FillDiagram:
        """A technique's diagram here: its badges no smaller than the layout's legible minimum."""
        return FillDiagram(
            tech, width, self.layout.font, align, self.layout.min_body_size, words=self.key_words
        )

    @property
    def body_sizes(self) -> list[float]:
        return body_sizes(self.layout.body_size, self.layout.min_body_size)

    def _styles(self, size: float) -> Styles:
        return Styles(
            size,
            self.fonts,
            self.layout.colours,
            self.layout.title_scale,
            self.display,
            self.words.rtl,
        )

    def _fit_page(self, key: str, build) -> list[Flowable]:
        """The section at the largest body size that keeps it on one page; else it flows on."""
        if key in self.chosen:
            return build(self._styles(self.chosen[key][0]))
        fw, fh = self.frame_size

        def attempt(size: float) -> Attempt[list[Flowable]]:
            flowables = build(self._styles(size))
            return Attempt(flowables, flow_height(flowables, fw, fh) <= fh)

        found = largest_fitting(
            body_sizes(self.layout.body_size, self.layout.min_body_size), attempt
        )
        if found is not None:
            self.chosen[key] = (found.size, None)
            return found.built
        self.chosen[key] = (self.layout.body_size, None)
        return build(self.styles)

    def _title(self, text: str, styles: Styles | None = None) -> Paragraph:
        s = styles or self.styles
        style = s.style("title")
        style.spaceAfter = s.size * 0.8
        return BookParagraph(text, style)

    def _cover(self) -> list[Flowable]:
        """Title in the coloured band (which grows to hold it), the first diagram below."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        s = self.styles
        lines = self.lines("cover.j2")
        w, h = self.size
        fw, _ = self.frame_size
        title_style = s.style("title")
        size = s.size * s.title_scale * 1.6
        if lines:  # no word may be wider than the page: shrink the title instead of breaking it
            widest = max(
                (
                    stringWidth(word, self.fonts.bold, size)
                    for word in plain(lines[0].spans).split()
                ),
                default=0.0,
            )
            size = max(s.size * 1.2, size * min(1.0, fw / max(widest, 1.0)))
        title_style.fontSize = size
        title_style.leading = size * 1.15
        title_style.textColor = white
        sub = s.style("heading")
        sub.fontSize = min(s.size * 1.6, size * 0.6)
        sub.leading = sub.fontSize * 1.3
        sub.textColor = white
        top = Spacer(1, h * 0.06)
        texts: list[Flowable] = []
        if lines:
            texts.append(BookParagraph(to_reportlab(lines[0].spans), title_style))
            texts += [BookParagraph(to_reportlab(line.spans), sub) for line in lines[1:]]
        used = self.margin + h * 0.06 + sum(t.wrap(fw, h)[1] for t in texts)
        self.cover_band = used + s.size * 1.5
        out: list[Flowable] = [top, *texts]
        figure = next((t for t in self.plan.techniques if t.diagram), None)
        if figure is not None:
            gap = s.size * 3
            room = h - self.cover_band - gap - self.margin - s.size
            width = min(w * 0.42, room / aspect(False))
            if width >= 72:  # below an inch the figure says nothing; leave the cover plain
                space = self.cover_band - used + gap
                out += [
                    Spacer(1, space),
                    FillDiagram(
                        figure,
                        width,
                        self.layout.font,
                        "CENTER",
                        self.layout.min_body_size,
                        plain=True,
                    ),
                ]
        return out

    def _dedication(self) -> list[Flowable]:
        s = self.styles
        lines = self.lines("dedication.j2")
        out: list[Flowable] = [Spacer(1, self.frame_size[1] * 0.25)]
        style = s.style()
        style.fontSize = s.size * 1.25
        style.leading = style.fontSize * 1.4
        style.alignment = 1
        book = self.context["book"]
        if lines:
            paras = [BookParagraph(to_reportlab(line.spans), style) for line in lines]
            if book["for"]:  # the name, large, in the display face
                name = s.style("title")
                name.alignment = 1
                name.fontSize = s.size * 2.2
                name.leading = name.fontSize * 1.3
                name.spaceAfter = s.size * 1.2
                paras[0] = BookParagraph(to_reportlab(lines[0].spans), name)
            if not book["message"]:  # room for a line of one's own, by hand
                at = 1 if book["for"] else 0
                paras[at:at] = [
                    Spacer(1, s.size * 2),
                    FillLine(s),
                    Spacer(1, s.size * 2),
                    FillLine(s),
                    Spacer(1, s.size * 1.5),
                ]
            out += paras
        else:  # nothing given: lines to write on by hand
            out += [
                BookParagraph(escape(self.words.text("for_label")), style),
                Spacer(1, s.size * 2.5),
                FillLine(s),
                Spacer(1, s.size * 2),
                BookParagraph(escape(self.words.text("from_label")), style),
                Spacer(1, s.size * 2.5),
                FillLine(s),
            ]
        return out

    def _contents(self, contents: dict[str, int], notes: int) -> list[Flowable]:
        """A visual contents: each technique with its small figure and what it is, where the
        page has room for them; a plain list where it has not (A6 and smaller)."""
        fw, fh = self.frame_size
        for pictures, s in ((True, self.styles), (False, self.styles)):
            page = self._contents_with(contents, notes, pictures, s)
            if flow_height(page, fw, fh) <= fh:
                return page
        return self._contents_with(contents, notes, False, self._styles(self.layout.min_body_size))

    def _contents_with(
        self, contents: dict[str, int], notes: int, pictures: bool, s: Styles
    ) -> list[Flowable]:
        entries: list[tuple[str, str, Technique | None]] = [
            ("before", self.words.text("before_you_begin"), None),
            ("safety", self.words.text("when_not_to_massage"), None),
            ("pressure", self.words.text("pressure_scale"), None),
            ("routine", self.words.text("your_routine"), None),
        ]
        entries += [(f"t-{t.id}", t.name, t) for t in self.plan.techniques]
        if notes:
            entries.append(("notes", self.words.text("notes"), None))
        rows = []
        link = s.style()
        summary = s.style("muted")
        summary.fontSize = s.size * 0.9
        summary.leading = summary.fontSize * 1.3
        number = s.style()
        number.alignment = 2
        thumb = s.size * 3.2 if pictures else 0.0  # each technique's figure, beside its name
        for key, title, tech in entries:
            page = str(contents.get(key, "")) or "00"
            words: list[Flowable] = [
                BookParagraph(f'<a href="#{key}"><b>{escape(title)}</b></a>', link)
                if tech
                else BookParagraph(f'<a href="#{key}">{escape(title)}</a>', link)
            ]
            picture: Flowable | str = ""
            if tech is not None and pictures:
                words.append(BookParagraph(escape(tech.summary), summary))
                if tech.diagram is not None:
                    picture = FillDiagram(tech, thumb, self.layout.font, "LEFT", plain=True)
            rows.append([picture, words, BookParagraph(f'<a href="#{key}">{page}</a>', number)])
        fw, _ = self.frame_size
        table = Table(rows, colWidths=[thumb + s.size, fw - thumb - s.size * 5, s.size * 4])
        table.setStyle(
            TableStyle(
                [
                    # the cells are paragraphs, but the table sets its font first: make it ours
                    ("FONT", (0, 0), (-1, -1), self.fonts.regular, s.size),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), s.size * 0.35),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), s.size * 0.45),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, HexColor(self.layout.colours["muted"])),
                ]
            )
        )
        return [self._title(escape(self.words.text("contents")), s), table]

    def _safety(self, s: Styles) -> list[Flowable]:
        """Its title; the lines up to the first ## heading in a box; the rest below."""
        lines = self.lines("safety.j2")
        if not lines:
            return []
        title, rest = lines[0], lines[1:]
        cut = next((i for i, p in enumerate(rest) if p.kind == "heading"), len(rest))
        out: list[Flowable] = [self._title(to_reportlab(title.spans), s)]
        if cut:
            boxed = marked_paragraphs(rest[:cut], s)
            box = PieceFlowable(WarningBox(boxed, s, icon=False))
            fw, fh = self.frame_size
            if box.wrap(fw, fh)[1] <= fh * 0.8:  # a box cannot break across pages
                out += [box, Spacer(1, s.size * 1.2)]
            else:  # a very small page: the list flows on, unboxed
                out += boxed
        return out + marked_paragraphs(rest[cut:], s)

    def _pressure(self, s: Styles) -> list[Flowable]:
        out: list[Flowable] = []
        lines = self.lines("pressure.j2")
        after: list[Para] = []
        if lines:
            out.append(self._title(to_reportlab(lines[0].spans), s))
            rest = lines[1:]
            cut = next((i for i, p in enumerate(rest) if p.kind == "heading"), len(rest))
            out += marked_paragraphs(rest[:cut], s)
            after = rest[cut:]
        out.append(Spacer(1, s.size))
        for level in PRESSURE_LEVELS:
            text = self.setting.pressure_scale.get(level, "")
            word = escape(self.words.item("pressure_levels", level))
            label = BookParagraph(
                f"<b>{word}</b>" + (f": {escape(text)}" if text else ""), s.style()
            )
            out += [
                PieceFlowable(
                    Gauge(
                        pressure_rank(level),
                        label,
                        s.size * 1.1,
                        self.layout.colours["accent"],
                        self.layout.colours["text"],
                        s.rtl,
                    )
                ),
                Spacer(1, s.size * 0.6),
            ]
        out += marked_paragraphs(after, s)
        out += [
            Spacer(1, s.size * 0.4),
            BookParagraph(escape(self.words.text("reading_diagrams")), heading_style(s)),
            PieceFlowable(DiagramKey(s.size, self.layout.font, self.key_words)),
        ]
        return out

    def _technique(self, number: int, tech: Technique) -> list[Flowable]:
        """A spread: the title and the picture, as large as the page allows, on the left-hand
        page; what it is, the key facts, the steps, cautions and the spine box facing it.

        The words' page tries the layout's body size first, then smaller ones, to stay on one
        page; if nothing fits it flows on. A technique without a picture is one page.
        """
        fw, fh = self.frame_size
        key = f"t-{tech.id}"

        def words(styles: Styles, panel: bool = True) -> list[Flowable]:
            title, right, bottom = self._technique_parts(number, tech, styles)
            if not panel:  # the key facts go with the picture (a small page)
                right = [f for f in right if not isinstance(f, FactsPanel)]
            if tech.diagram is None:
                return [title, *right, Spacer(1, styles.size), *bottom]
            head = BookParagraph(f"{number}. {escape(tech.name)}", heading_style(styles))
            return [head, *right, Spacer(1, styles.size), *bottom]

        sizes = body_sizes(self.layout.body_size, self.layout.min_body_size)
        if key in self.chosen:
            size, panel_flag = self.chosen[key]
            with_panel = panel_flag is None
            text = words(self._styles(size), with_panel)
        else:
            text, size, with_panel = [], sizes[-1], True
            for with_panel in (True, False) if tech.diagram is not None else (True,):

                def attempt(size: float, panel: bool = with_panel) -> Attempt[list[Flowable]]:
                    built = words(self._styles(size), panel)
                    return Attempt(built, flow_height(built, fw, fh) <= fh)

                found = largest_fitting(sizes, attempt)
                if found is not None:
                    text, size = found.built, found.size
                    break
            else:  # too much for one page even so: the words flow on
                with_panel = True
                text = words(self._styles(size))
            self.chosen[key] = (size, None if with_panel else 0.0)
        if tech.diagram is None:
            return text
        title, right, _ = self._technique_parts(number, tech, self._styles(size))
        under = [] if with_panel else [Spacer(1, self.styles.size)]
        under += [] if with_panel else [f for f in right if isinstance(f, FactsPanel)]
        used = flow_height([title, *under], fw, fh) + self.styles.size
        width = max(72.0, min(fw * 0.9, (fh - used) / aspect(True)))
        picture = FillDiagram(
            tech, width, self.layout.font, "CENTER", self.layout.min_body_size, words=self.key_words
        )
        return [title, picture, *under, PageBreak(), *text]

    def _technique_parts(
        self, number: int, tech: Technique, s: Styles
    ) -> tuple[Paragraph, list[Flowable], list[Flowable]]:
        context = {"technique": technique_by_id(self.context, tech.id), "number": number}
        # "ask how it feels" is said once, on the pressure page, not on every technique
        level = self.words.item("pressure_levels", tech.pressure)
        label = escape(self.words.text("pressure_label", level="\x00"))
        gauge_label = BookParagraph(label.replace("\x00", f"<b>{escape(level)}</b>"), s.style())
        video: list[Flowable] = []
        if tech.video:
            size = max(BOOK_QR * 0.8, smallest_qr(tech.video))
            check_qr(tech.video, size, f"the {tech.name} video")
            words = marked_paragraphs(
                self.lines("link.j2", f"video-{tech.id}", {"video": tech.video}), s
            )
            video = [Spacer(1, s.size * 0.6), PieceFlowable(QrCode(tech.video, size, words, s.gap))]
        gauge = Gauge(
            pressure_rank(tech.pressure),
            gauge_label,
            s.size,
            self.layout.colours["accent"],
            self.layout.colours["text"],
            s.rtl,
        )
        facts = marked_paragraphs(self.lines("facts.j2", tech.id, context), s)
        panel = FactsPanel([PieceFlowable(gauge), *facts], s)
        right: list[Flowable] = [
            *marked_paragraphs(self.lines("technique.j2", tech.id, context), s),
            Spacer(1, s.size * 0.8),
            panel,
            *video,
        ]
        bottom: list[Flowable] = [BookParagraph(escape(self.words.text("steps")), heading_style(s))]
        for i, step in enumerate(tech.steps, start=1):
            bottom.append(BookParagraph(escape(step), s.bullet(numbered=True), bulletText=f"{i}."))
        if tech.cautions:
            bottom.append(BookParagraph(escape(self.words.text("take_care")), heading_style(s)))
            bottom += [BookParagraph(escape(c), s.bullet(), bulletText="•") for c in tech.cautions]
        if tech.avoids_spine:
            warning = BookParagraph(
                f"<b>{escape(self.words.text('spine_label'))}</b> "
                f"{escape(self.setting.spine_warning)}",
                s.style(),
            )
            bottom += [Spacer(1, s.size * 0.8), PieceFlowable(WarningBox([warning], s))]
        style = s.style("title")
        style.spaceAfter = s.size * 0.8
        return BookParagraph(f"{number}. {escape(tech.name)}", style), right, bottom

    def _routine(self, s: Styles) -> list[Flowable]:
        lines = self.lines("routine.j2")
        out: list[Flowable] = []
        if lines:
            out.append(self._title(to_reportlab(lines[0].spans), s))
            out += marked_paragraphs(lines[1:], s)
        out += [Spacer(1, s.size), Timeline(self.plan, s, self.words), Spacer(1, s.size)]
        w = self.words
        head = [w.text("technique_column"), w.text("minutes_column"), w.text("pressure_column")]
        rows = [["", *[BookParagraph(f"<b>{escape(h)}</b>", s.style()) for h in head]]]
        for step in self.plan.steps:
            rows.append(
                [
                    str(step.number),
                    BookParagraph(escape(step.technique.name), s.style()),
                    w.number(step.minutes),
                    BookParagraph(escape(w.item("pressure_levels", step.pressure)), s.style()),
                ]
            )
        rows.append(
            [
                "",
                BookParagraph(f"<b>{escape(w.text('total'))}</b>", s.style()),
                w.number(self.plan.total_minutes),
                "",
            ]
        )
        fw, _ = self.frame_size
        table = Table(rows, colWidths=[s.size * 2.2, fw - s.size * 13.2, s.size * 5, s.size * 6])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), self.fonts.regular, s.size),
                    ("FONT", (0, 0), (-1, 0), self.fonts.bold, s.size),
                    ("TEXTCOLOR", (0, 0), (-1, -1), HexColor(self.layout.colours["text"])),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, HexColor(self.layout.colours["accent"])),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.6, HexColor(self.layout.colours["accent"])),
                ]
            )
        )
        out.append(table)
        return out


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


def flow_height(flowables: list[Flowable], width: float, height: float) -> float:
    """Height a list takes in a frame, counting the space platypus adds around paragraphs."""
    total = 0.0
    for f in flowables:
        total += f.wrap(width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total


def build_book(library: Library, plan: Plan, req: BookRequest) -> tuple[bytes, BookInfo]:
    return BookBuilder(library, plan, req).build()


def render_book(
    library: Library, plan: Plan, req: BookRequest, notes: list[str] | None = None
) -> bytes:
    """The booklet's PDF; what the user should know about its imposition goes to `notes`."""
    pdf = book_pages(library, plan, req, notes)
    if req.colour == "cmyk":
        from booklet.press.colour import cmyk_pdf

        pdf = cmyk_pdf(pdf)
    return unique_subset_names(pdf)


def book_pages(library: Library, plan: Plan, req: BookRequest, notes: list[str] | None) -> bytes:
    pdf, _ = build_book(library, plan, req)
    if req.impose == "saddle":
        from booklet.press.saddle import Imposition, SheetTooSmall, impose_saddle
        from booklet.products.requests import OptionError

        how = Imposition(
            req.sheet, req.bleed, req.crop_marks, req.creep, req.paper_thickness, req.fit_sheet
        )
        try:
            imposed = impose_saddle(pdf, how)
        except SheetTooSmall as exc:
            raise OptionError("sheet", exc.problem.message) from None
        if notes is not None:
            notes.extend(imposed.notes)
        return imposed.pdf
    return pdf
