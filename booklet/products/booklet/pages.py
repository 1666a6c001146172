"""The booklet's pages: facing-page templates, what every page is painted with besides its
text (boxes and marks, folios, the covers' colour, page labels), and the planning that makes
the page count a multiple of four with each technique's spread opening on an even page (the
left-hand page of a booklet bound on the left, the right-hand page of one bound on the right).

Built with platypus in two passes: the first finds where each section starts, the second prints
those page numbers on the contents page and pads the booklet with notes pages so the back cover
lands on the last page of a foldable booklet.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from reportlab.lib.colors import HexColor
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from booklet.base.errors import FitError
from booklet.base.internals import Canvas, skip_saving
from booklet.base.units import describe_size
from booklet.base.version import __version__
from booklet.press.finish import finish_page
from booklet.press.pdf import print_at_actual_size
from booklet.products.booklet.balance import Balance, BalancedFrame
from booklet.products.booklet.flowables import BookInfo, Deferred, label, planning
from booklet.products.booklet.kit import BookKit
from booklet.text.tagging import Structure, begin_page, end_page, section, start, tags_of


@dataclass(frozen=True)
class PagePlan:
    """What planning settles before the booklet is printed."""

    contents: dict[str, int] = field(default_factory=dict)  # section key -> its first page
    notes: int = 0  # notes pages before the back cover: the count becomes a multiple of four
    align: bool = False  # a notes page before the techniques: each spread opens on a left page
    draft: bool = False  # the contents page stands in blank: it is planned on its own


SHORT_PAGE = 0.22  # at most a quarter of a text page empty at its foot, planned with room to spare

# Part of the booklet's flowables for one pass; section starts record in the info.
Part = Callable[[BookKit, BookInfo, PagePlan], list[Flowable]]


class Story(NamedTuple):
    """The booklet's flowables, cover to back cover, for one pass: the front matter, which
    ends with the contents page, then (after a page break) the rest. Nothing on the contents
    page moves a page after it, so planning lays the contents page out on its own, only for
    a body size whose other pages all pass."""

    front: Part  # the cover, the dedication and the contents page
    rest: Part  # from the page after the contents to the back cover

    def whole(self, kit: BookKit, info: BookInfo, plan: PagePlan) -> list[Flowable]:
        return [*self.front(kit, info, plan), PageBreak(), *self.rest(kit, info, plan)]


class Planned(NamedTuple):
    """A planned booklet at one body size, and the pages it would leave short at the foot."""

    size: float
    plan: PagePlan
    holes: list[int]
    balance: Balance  # the gaps recorded as it was planned, and what each grows by


def plan_and_print(
    kit: BookKit, story: Story, sizes: Sequence[float] = ()
) -> tuple[bytes, BookInfo]:
    """Plan the pages (passes that only count them), then print them. Of `sizes`, the first
    that leaves no text page more than a quarter empty at its foot is used (copyfitting, as a
    typesetter would); failing that, the one that leaves fewest.

    A size's planning stops at its first such page: the size is not the one (most of a
    booklet's planning time went on sizes already ruled out). Only when every size has one
    are they planned in full, to find the one with fewest."""
    tried = sizes or (kit.body,)
    best: Planned | None = None
    for size in tried:
        kit.set_body(size)
        found = plan_unless_short(kit, story)
        if found is not None:  # no page left short
            best = found
            break
    else:
        for size in tried:
            kit.set_body(size)
            planned = plan(kit, story)
            if planned is not None and (best is None or len(planned.holes) < len(best.holes)):
                best = planned
    if best is None:  # at every size, the contents ran on to a second page
        raise FitError(CONTENTS_OVERFLOW)
    if best.size != kit.body:
        kit.set_body(best.size)
        best = plan(kit, story)
        assert best is not None  # it was planned at this size before
    notes, contents = best.plan.notes, best.plan.contents
    balance = best.balance  # as planned, its contents page as it will print
    info = BookInfo(notes_pages=notes)
    pdf = print_pages(kit, story.whole, info, best.plan, balance=balance)
    if not balance.held:  # a widened gap moved a block (never expected): print as planned
        info = BookInfo(notes_pages=notes)
        pdf = print_pages(kit, story.whole, info, best.plan)
    if info.pages % 4 or info.sections != contents:  # the plan held, or it is our bug
        raise AssertionError(f"booklet planning failed: {info.sections} vs {contents}")
    return pdf, info


class StopPlanning(Exception):
    """A planning pass need not go on: a page was left short (`short`), or the techniques
    start on an odd page, so the pass that counts is the one that aligns them."""

    def __init__(self, short: bool) -> None:
        super().__init__()
        self.short = short


@dataclass
class Watch:
    """What a planning pass watches for as each page ends, to stop as soon as it knows the
    rest would not be used (StopPlanning)."""

    balance: Balance
    most: float  # more than this empty at a page's foot is a short page
    info: BookInfo
    first_technique: str  # its section's key: where the techniques start decides alignment
    aligned: bool  # this pass already aligns them: every page is as it will be

    def page_ended(self, page: int) -> None:
        start = self.info.sections.get(self.first_technique)
        if not self.aligned and start is not None and start % 2:
            raise StopPlanning(short=False)  # the aligned pass is the one that counts
        # before the techniques start (or when they start on an even page) a page is as the
        # pass that counts will have it
        if self.balance.short(page, self.most):
            raise StopPlanning(short=True)


def plan(kit: BookKit, story: Story) -> Planned | None:
    """Where each section lands at the kit's body size, whether the techniques need a notes
    page before them (each spread opens on a left-hand page), how many notes pages make the
    count a multiple of four, and which pages would be left short; None if the contents page
    does not fit on one page at this size."""
    return _plan(kit, story, stop_at_short_page=False)


def plan_unless_short(kit: BookKit, story: Story) -> Planned | None:
    """The plan at the kit's body size, or None as soon as a page is found short."""
    return _plan(kit, story, stop_at_short_page=True)


def _plan(kit: BookKit, story: Story, stop_at_short_page: bool) -> Planned | None:
    techniques = kit.plan.techniques
    key = f"t-{techniques[0].id}" if techniques else ""
    most = kit.frame_size[1] * SHORT_PAGE

    def watch(balance: Balance, info: BookInfo, aligned: bool) -> Watch | None:
        return Watch(balance, most, info, key, aligned) if stop_at_short_page else None

    balance = Balance(kit.styles.leading)
    first = BookInfo()
    align = False
    try:
        watching = watch(balance, first, False)
        print_pages(kit, story.whole, first, PagePlan(draft=True), save=False, balance=balance,
                    watch=watching)  # fmt: skip
    except StopPlanning as stop:
        if stop.short:
            return None
        align = True
    start = first.sections.get(key, 0) if techniques else 0
    align = align or bool(
        start % 2
    )  # a spread: the picture on its first (even) page, the words facing
    if align:
        balance = Balance(kit.styles.leading)
        first = BookInfo()
        try:
            watching = watch(balance, first, True)
            print_pages(kit, story.whole, first, PagePlan(align=True, draft=True), save=False,
                        balance=balance, watch=watching)  # fmt: skip
        except StopPlanning:
            return None
    notes = (-first.pages) % 4
    contents = dict(first.sections)
    if notes:
        contents["notes"] = first.pages  # notes take the back cover's place; it moves on
    planned = PagePlan(contents, notes, align)
    # every other page passed: now the contents page, laid out on its own as it will print
    try:
        front = plan_front(kit, story, planned)
    except ContentsOverflow:
        return None  # not at this size: a smaller one may hold it
    balance = balance.with_pages_from(front, through=contents["contents"])
    if stop_at_short_page and balance.short(contents["contents"], most):
        return None
    balance.widths()
    holes = balance.holes(most)
    return Planned(kit.body, planned, holes, balance)


def plan_front(kit: BookKit, story: Story, plan: PagePlan) -> Balance:
    """The front matter planned on its own, to the contents page: that page's gaps and room
    as `plan` has it (its page numbers, its notes entry)."""
    balance = Balance(kit.styles.leading)
    info = BookInfo(notes_pages=plan.notes)
    print_pages(kit, story.front, info, plan, save=False, balance=balance)
    if info.pages != info.sections["contents"]:
        raise ContentsOverflow(CONTENTS_OVERFLOW)
    return balance


def print_pages(
    kit: BookKit,
    story: Part,
    info: BookInfo,
    plan: PagePlan,
    save: bool = True,
    balance: Balance | None = None,
    watch: Watch | None = None,
) -> bytes:
    """One pass: the story laid out on the booklet's pages; the PDF's bytes when `save`.
    With `balance`, the gaps of inner pages are recorded (planning) or widened (printing);
    with `watch`, a planning pass stops as soon as its end would not be used."""
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
    doc.balance = balance
    doc.watch = watch
    doc.addPageTemplates(page_templates(kit, balance))
    flowables = story(kit, info, plan)
    skip_saving(doc, save)  # the planning pass only needs page numbers, not a file
    canvas_class = canvas_for(save, kit.right_bound, kit.words.lang)
    try:
        doc.build(flowables, canvasmaker=canvas_class)
    except (LayoutError, ValueError) as exc:  # platypus reports a page too small either way
        del exc  # its text names ReportLab's internals, not the user's content
        raise FitError(
            f"part of the booklet (a diagram or a long block of text) does not fit on its "
            f"page ({describe_size(w, h)}). Use a larger size, such as a6, or shorter text."
        ) from None
    info.pages = doc.page
    info.structure = canvas_class.structure
    check_single_pages(info)
    return buffer.getvalue()


def check_single_pages(info: BookInfo) -> None:
    """The contents must stay on one page, or the page numbers it prints would shift."""
    sections = info.sections
    if {"contents", "before"} <= set(sections) and sections["before"] != sections["contents"] + 1:
        raise FitError(CONTENTS_OVERFLOW)


CONTENTS_OVERFLOW = (
    "the contents page does not fit on one page, even at the smallest body size tried. Use a "
    "larger size or fewer techniques."
)


class ContentsOverflow(FitError):
    """The contents runs on to a second page: its page numbers would shift."""


def canvas_for(printing: bool, right_bound: bool = False, lang: str = "en") -> Any:
    """The canvas class a booklet pass builds on: every booklet PDF asks viewers to print at
    100% (booklet.press.pdf), and one bound on the right asks them to show its spreads right
    to left (/Direction /R2L); the planning pass's canvas says it is one. A printing pass is
    tagged in the booklet's language (booklet.text.tagging): each page's decoration opens it
    (PageDecoration.start) and the page's end closes it; its structure is on the class once
    the canvas is saved."""
    from reportlab.pdfgen.canvas import Canvas as ReportLabCanvas

    class BookletCanvas(ReportLabCanvas):
        planning = not printing
        structure: Structure | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            print_at_actual_size(self)
            if right_bound:
                self.setViewerPreference("Direction", "R2L")
            if printing:
                start(self, lang)

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            end_page(self)
            super().showPage()

        def save(self) -> None:
            super().save()
            tags = tags_of(self)
            if tags is not None:
                type(self).structure = tags.structure()

    return BookletCanvas


class FacingPages(BaseDocTemplate):
    """Inner pages take the odd or even page's template by their number, however the page
    before ended: a page break, a full frame or a new section. Odd pages are right-hand pages
    bound on the left, left-hand pages bound on the right."""

    balance: Balance | None = None
    watch: Watch | None = None

    def handle_pageEnd(self) -> None:  # noqa: N802 - platypus's name
        """The room an inner page leaves at its foot, for the balance to share out (and for
        a watching planning pass to judge)."""
        state: Any = self
        frame = state.frame
        balance = self.balance
        if balance is not None and not balance.applying and isinstance(frame, BalancedFrame):
            page = state.canv.getPageNumber()
            balance.room[page] = frame.room_left()
            if self.watch is not None:
                self.watch.page_ended(page)
        super().handle_pageEnd()

    def filterFlowables(self, flowables: list[Flowable]) -> None:  # noqa: N802
        """A deferred part is made as the pages reach it (platypus's hook for a document to
        look at what comes next): the next flowable, and any that platypus would keep
        together with it (a heading kept with what follows)."""
        index = 0
        while index < len(flowables):
            flowable = flowables[index]
            if isinstance(flowable, Deferred):
                flowables[index : index + 1] = flowable.make()
            elif flowable.getKeepWithNext():
                index += 1
            else:
                return

    def handle_pageBegin(self) -> None:  # noqa: N802 - platypus's name
        state: Any = self  # platypus sets these attributes as it goes
        current: str = getattr(state.pageTemplate, "id", "")
        if current in ("inner", "inner-left"):
            want = "inner" if (state.page + 1) % 2 else "inner-left"
            if want != current:
                state.pageTemplate = next(t for t in state.pageTemplates if t.id == want)
        super().handle_pageBegin()


def page_templates(kit: BookKit, balance: Balance | None = None) -> list[Any]:
    """The covers and the dedication fill the trim less its margins; inner pages keep room
    for a folio, their text block (a book's measure wide) nearer the outer edge, away from
    the fold."""
    w, h = kit.size
    m, footer = kit.margin, kit.footer
    g = odd_page_shift(kit)
    x = y = m + kit.finish.pad
    side = kit.side_margin + kit.finish.pad
    fw, fh = kit.frame_size
    full = Frame(x, y, w - 2 * m, h - 2 * m, 0, 0, 0, 0, id="full")
    odd_page = BalancedFrame(side + g, y + footer, fw, fh, 0, 0, 0, 0, id="odd")
    even_page = BalancedFrame(side - g, y + footer, fw, fh, 0, 0, 0, 0, id="even")
    odd_page.balance = even_page.balance = balance
    paint = PageDecoration(kit)
    return [
        PageTemplate("cover", [full], onPage=paint.cover),
        PageTemplate("inner", [odd_page], onPage=paint.inner),
        PageTemplate("inner-left", [even_page], onPage=paint.inner),
        PageTemplate("plain", [full], onPage=paint.plain),
        PageTemplate("back", [full], onPage=paint.back),
    ]


def odd_page_shift(kit: BookKit) -> float:
    """How far an odd page's text block sits right of centre: away from the fold, which is at
    an odd page's left edge when the booklet binds on the left, at its right edge when it binds
    on the right (even pages the other way)."""
    return -kit.gutter if kit.right_bound else kit.gutter


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
        begin_page(canv)
        canv.saveState()
        pad = finish_page(canv, self.kit.size, finish, marks=not planning(canv))
        canv.translate(pad, pad)
        return w, h, finish.bleed

    def cover(self, canv: Canvas, doc: Any) -> None:
        """The panel colour to the bleed, a thin accent band at the head (the back cover has
        one at the foot: the two meet round the spine)."""
        colours = self.kit.layout.colours
        w, h, b = self.start(canv)
        section(canv)
        canv.setFillColor(HexColor(colours["panel"]))
        canv.rect(-b, -b, w + 2 * b, h + 2 * b, 0, 1)
        canv.setFillColor(HexColor(colours["accent"]))
        canv.rect(-b, h - h * 0.035, w + 2 * b, h * 0.035 + b, 0, 1)
        canv.restoreState()
        canv.addPageLabel(0, prefix=self.kit.words.text("cover_page"))

    def inner(self, canv: Canvas, doc: Any) -> None:
        """The folio, centred under the text block."""
        kit = self.kit
        w, _, _ = self.start(canv)
        number = canv.getPageNumber()
        shift = odd_page_shift(kit)
        middle = w / 2 + (shift if number % 2 else -shift)  # under the text block
        style = kit.styles.text("muted", role="folio")
        folio = label(str(number), style._replace(size=kit.styles.size * 0.9))
        folio.drawOn(canv, middle - folio.width / 2, kit.margin - folio.height + folio.style.size)
        canv.restoreState()
        self.number_from_two(canv)

    def plain(self, canv: Canvas, doc: Any) -> None:
        """The dedication: no folio, nothing but the words (its number is still 2)."""
        self.start(canv)
        section(canv)
        canv.restoreState()
        self.number_from_two(canv)

    def back(self, canv: Canvas, doc: Any) -> None:
        """The panel colour to the bleed, a thin accent band at the foot."""
        colours = self.kit.layout.colours
        w, h, b = self.start(canv)
        section(canv)
        canv.setFillColor(HexColor(colours["panel"]))
        canv.rect(-b, -b, w + 2 * b, h + 2 * b, 0, 1)
        canv.setFillColor(HexColor(colours["accent"]))
        canv.rect(-b, -b, w + 2 * b, h * 0.035 + b, 0, 1)
        canv.restoreState()
        label = self.kit.words.text("back_cover_page")
        canv.addPageLabel(canv.getPageNumber() - 1, prefix=label)

    @staticmethod
    def number_from_two(canv: Canvas) -> None:
        """Page 2 starts the labels that are plain numbers, continuing the cover's count."""
        if canv.getPageNumber() == 2:
            canv.addPageLabel(1, style="D", start=2)
