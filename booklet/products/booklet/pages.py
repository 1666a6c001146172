"""The booklet's pages: facing-page templates, what every page is painted with besides its
text (boxes and marks, folios, the covers' colour, page labels), and the planning that makes
the page count a multiple of four with each technique's spread opening on a left-hand page.

Built with platypus in two passes: the first finds where each section starts, the second prints
those page numbers on the contents page and pads the booklet with notes pages so the back cover
lands on the last page of a foldable booklet.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from booklet.base.errors import FitError
from booklet.base.internals import Canvas, skip_saving
from booklet.base.units import describe_size
from booklet.base.version import __version__
from booklet.press.finish import finish_page
from booklet.press.pdf import print_at_actual_size
from booklet.products.booklet.flowables import BookInfo, planning
from booklet.products.booklet.kit import BookKit


@dataclass(frozen=True)
class PagePlan:
    """What planning settles before the booklet is printed."""

    contents: dict[str, int] = field(default_factory=dict)  # section key -> its first page
    notes: int = 0  # notes pages before the back cover: the count becomes a multiple of four
    align: bool = False  # a notes page before the techniques: each spread opens on a left page


# The booklet's flowables, cover to back cover, for one pass; section starts record in the info.
Story = Callable[[BookKit, BookInfo, PagePlan], list[Flowable]]


def plan_and_print(kit: BookKit, story: Story) -> tuple[bytes, BookInfo]:
    """Plan the pages (a pass or two that only count them), then print them."""
    first = BookInfo()
    print_pages(kit, story, first, PagePlan(), save=False)
    techniques = kit.plan.techniques
    start = first.sections.get(f"t-{techniques[0].id}", 0) if techniques else 0
    align = bool(start % 2)  # each technique is a spread: picture on the left, words on the right
    if align:
        first = BookInfo()
        print_pages(kit, story, first, PagePlan(align=True), save=False)
    notes = (-first.pages) % 4
    contents = dict(first.sections)
    if notes:
        contents["notes"] = first.pages  # notes take the back cover's place; it moves on
    info = BookInfo(notes_pages=notes)
    pdf = print_pages(kit, story, info, PagePlan(contents, notes, align))
    if info.pages % 4 or info.sections != contents:  # the plan held, or it is our bug
        raise AssertionError(f"booklet planning failed: {info.sections} vs {contents}")
    return pdf, info


def print_pages(
    kit: BookKit, story: Story, info: BookInfo, plan: PagePlan, save: bool = True
) -> bytes:
    """One pass: the story laid out on the booklet's pages; the PDF's bytes when `save`."""
    buffer = io.BytesIO()
    w, h = kit.size
    m, pad = kit.margin, kit.finish.pad
    doc = FacingPages(
        buffer,
        pagesize=kit.finish.page_size(kit.size),
        leftMargin=m + pad,
        rightMargin=m + pad,
        topMargin=m + pad,
        bottomMargin=m + pad,
        title=kit.context["book"]["title"],
        author=kit.req.from_name or "booklet",
        subject=kit.words.text("book_subject"),
        creator=f"booklet {__version__}",
        keywords=["back massage", "booklet"],
        invariant=1,
        pageCompression=1,
        initialFontName=kit.fonts.regular,
    )
    doc.addPageTemplates(page_templates(kit))
    flowables = story(kit, info, plan)
    skip_saving(doc, save)  # the planning pass only needs page numbers, not a file
    try:
        doc.build(flowables, canvasmaker=canvas_for(save))
    except (LayoutError, ValueError) as exc:  # platypus reports a page too small either way
        del exc  # its text names ReportLab's internals, not the user's content
        raise FitError(
            f"part of the booklet (a diagram or a long block of text) does not fit on a "
            f"{describe_size(w, h)} page. Use a larger size, such as a6, or shorter text."
        ) from None
    info.pages = doc.page
    check_single_pages(info)
    return buffer.getvalue()


def check_single_pages(info: BookInfo) -> None:
    """The contents must stay on one page, or the page numbers it prints would shift."""
    sections = info.sections
    if {"contents", "before"} <= set(sections) and sections["before"] != sections["contents"] + 1:
        raise FitError(
            "the contents page does not fit on one page. Use a larger size or fewer techniques."
        )


def canvas_for(save: bool) -> Any:
    """The canvas class a booklet pass builds on: every booklet PDF asks viewers to print at
    100% (booklet.press.pdf); the planning pass's canvas says it is one."""
    from reportlab.pdfgen.canvas import Canvas as ReportLabCanvas

    class BookletCanvas(ReportLabCanvas):
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


def page_templates(kit: BookKit) -> list[Any]:
    """The covers and the dedication fill the trim less its margins; inner pages keep room
    for a folio, their text block nearer the outer edge, away from the fold."""
    w, h = kit.size
    m, footer, g = kit.margin, kit.footer, kit.gutter
    x = y = m + kit.finish.pad
    full = Frame(x, y, w - 2 * m, h - 2 * m, 0, 0, 0, 0, id="full")
    right_page = Frame(x + g, y + footer, w - 2 * m, h - 2 * m - footer, 0, 0, 0, 0, id="right")
    left_page = Frame(x - g, y + footer, w - 2 * m, h - 2 * m - footer, 0, 0, 0, 0, id="left")
    paint = PageDecoration(kit)
    return [
        PageTemplate("cover", [full], onPage=paint.cover),
        PageTemplate("inner", [right_page], onPage=paint.inner),
        PageTemplate("inner-left", [left_page], onPage=paint.inner),
        PageTemplate("plain", [full], onPage=paint.plain),
        PageTemplate("back", [full], onPage=paint.back),
    ]


class PageDecoration:
    """What each page template paints before its text, and the page labels a viewer shows
    (Cover, 2, 3, ..., Back cover)."""

    def __init__(self, kit: BookKit) -> None:
        self.kit = kit

    def start(self, canv: Canvas) -> tuple[float, float, float]:
        """Every page: finished by the press (its boxes, crop marks when asked), and the
        canvas moved to the trim's corner until the decoration restores it. Returns w, h,
        bleed."""
        w, h = self.kit.size
        finish = self.kit.finish
        canv.saveState()
        pad = finish_page(canv, self.kit.size, finish, marks=not planning(canv))
        canv.translate(pad, pad)
        return w, h, finish.bleed

    def cover(self, canv: Canvas, doc: Any) -> None:
        """The panel colour to the bleed, the accent band at the top as tall as the title."""
        colours = self.kit.layout.colours
        w, h, b = self.start(canv)
        canv.setFillColor(HexColor(colours["panel"]))
        canv.rect(-b, -b, w + 2 * b, h + 2 * b, 0, 1)
        canv.setFillColor(HexColor(colours["accent"]))
        band = max(h * 0.28, self.kit.cover_band)
        canv.rect(-b, h - band, w + 2 * b, band + b, 0, 1)
        canv.restoreState()
        canv.addPageLabel(0, prefix=self.kit.words.text("cover_page"))

    def inner(self, canv: Canvas, doc: Any) -> None:
        """The folio, centred under the text block."""
        kit = self.kit
        w, _, _ = self.start(canv)
        canv.setFont(kit.fonts.regular, kit.styles.size * 0.9)
        canv.setFillColor(HexColor(kit.layout.colours["muted"]))
        number = canv.getPageNumber()
        middle = w / 2 + (kit.gutter if number % 2 else -kit.gutter)  # under the text block
        canv.drawCentredString(middle, kit.margin, str(number))
        canv.restoreState()
        self.number_from_two(canv)

    def plain(self, canv: Canvas, doc: Any) -> None:
        """The dedication: no folio, nothing but the words (its number is still 2)."""
        self.start(canv)
        canv.restoreState()
        self.number_from_two(canv)

    def back(self, canv: Canvas, doc: Any) -> None:
        """The panel colour to the bleed, a thin accent band at the foot."""
        colours = self.kit.layout.colours
        w, h, b = self.start(canv)
        canv.setFillColor(HexColor(colours["panel"]))
        canv.rect(-b, -b, w + 2 * b, h + 2 * b, 0, 1)
        canv.setFillColor(HexColor(colours["accent"]))
        canv.rect(-b, -b, w + 2 * b, h * 0.06 + b, 0, 1)
        canv.restoreState()
        label = self.kit.words.text("back_cover_page")
        canv.addPageLabel(canv.getPageNumber() - 1, prefix=label)

    @staticmethod
    def number_from_two(canv: Canvas) -> None:
        """Page 2 starts the labels that are plain numbers, continuing the cover's count."""
        if canv.getPageNumber() == 2:
            canv.addPageLabel(1, style="D", start=2)
