"""The booklet from cover to back cover: the sections in their order, planned and printed, then
imposed, converted to CMYK and finished as the request asks."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, NextPageTemplate, PageBreak

from booklet.data.library import Library
from booklet.data.model import Plan, Technique
from booklet.draw.pieces import Styles
from booklet.press.finish import finish_file
from booklet.products.booklet import back, front, guidance, routine, techniques
from booklet.products.booklet.flowables import (
    BookInfo,
    BookText,
    Deferred,
    LeftPage,
    Marker,
    NotesPage,
    PageStandIn,
)
from booklet.products.booklet.kit import BookKit, right_bound
from booklet.products.booklet.pages import PagePlan, Story, plan_and_print
from booklet.products.requests import BookRequest
from booklet.text.tagging import Structure

BALANCING_SIZES = (
    7  # body sizes tried, a quarter point apart (1.5 pt at most), for pages in balance
)


def front_matter(kit: BookKit, info: BookInfo, plan: PagePlan) -> list[Flowable]:
    """The cover, the dedication and the contents, a page each. The contents page is planned
    on its own (`PagePlan.draft`): a page break follows it, so nothing on it moves the rest."""
    w = kit.words
    out: list[Flowable] = []
    out += front.cover(kit)
    out += [NextPageTemplate("plain"), PageBreak()]
    out += front.dedication(kit)
    out += [NextPageTemplate("inner"), PageBreak(), Marker("contents", w.text("contents"), 0, info)]
    if plan.draft:
        out.append(PageStandIn())
    else:
        out += front.contents(kit, plan.contents, plan.notes)
    return out


def after_contents(kit: BookKit, info: BookInfo, plan: PagePlan) -> list[Flowable]:
    """The guidance, the routine and its practice log flow on from page to page, each
    section's title carrying its marker (its link target, outline entry and page number), the
    log filling the foot of the last page; then each technique's spread, opening on a
    left-hand page; notes pages; the back cover."""
    w = kit.words
    s = kit.styles
    out: list[Flowable] = []
    sections = (
        ("before", "before_you_begin", guidance.before_you_begin),
        ("safety", "when_not_to_massage", guidance.safety),
        ("pressure", "pressure_scale", guidance.pressure),
        ("routine", "your_routine", routine.routine),
    )
    for key, title, section in sections:
        out += opening(section(kit, s), Marker(key, w.text(title), 0, info), s)
    if routine.has_log(kit):
        out.append(routine.PracticeLog(kit, s, Marker("log", w.text("practice_log"), 1, info)))
    if plan.align:  # the first technique's picture must fall on a left-hand page
        out += [PageBreak(), NotesPage(s, w.text("notes"), own_section=True)]
    for number, tech in enumerate(kit.plan.techniques, start=1):

        def spread(number: int = number, tech: Technique = tech) -> list[Flowable]:
            return [
                PageBreak(),
                LeftPage(s, w.text("notes")),
                Marker(f"t-{tech.id}", tech.name, 0, info),
                *techniques.technique_spread(kit, number, tech),
            ]

        out.append(Deferred(spread))  # made when the pages reach it
    out += back.notes_pages(kit, info, plan.notes)
    out += [NextPageTemplate("back"), PageBreak(), *back.back_cover(kit)]
    return out


story = Story(front_matter, after_contents)  # every section in order, cover to back cover


def opening(flowables: list[Flowable], marker: Marker, s: Styles) -> list[Flowable]:
    """A section that flows on from the one before: it starts on a new page unless room for
    its title and a few lines is left, and its title records where it starts."""
    first = flowables[0] if flowables else None
    if isinstance(first, BookText) and first.keepWithNext:
        first.marker = marker
        return [CondPageBreak(s.size * 14), *flowables]
    return [CondPageBreak(s.size * 14), marker, *flowables]


def build_book(library: Library, plan: Plan, req: BookRequest) -> tuple[bytes, BookInfo]:
    """The booklet's pages, one PDF page a page, and where each section landed."""
    kit = BookKit(library, plan, req)
    techniques.settle_body_size(kit)
    largest = kit.body_sizes.index(kit.body)
    return plan_and_print(kit, story, kit.body_sizes[largest : largest + BALANCING_SIZES])


def render_book(
    library: Library, plan: Plan, req: BookRequest, notes: list[str] | None = None
) -> bytes:
    """The booklet's PDF; what the user should know (its imposition, a PDF/X file's links left
    out) goes to `notes`."""
    pdf, structure = book_pages(library, plan, req, notes)
    return finish_file(pdf, req.colour, structure, pdfx=req.pdfx, notes=notes)


def book_pages(
    library: Library, plan: Plan, req: BookRequest, notes: list[str] | None
) -> tuple[bytes, Structure | None]:
    """The booklet's pages as they are, or imposed two-up on sheets for saddle stitching; and
    their structure (a tagged PDF's), told where the pages went."""
    pdf, info = build_book(library, plan, req)
    structure = info.structure
    if req.impose == "saddle":
        from booklet.press.saddle import Imposition, SheetTooSmall, impose_saddle
        from booklet.products.requests import OptionError

        how = Imposition(
            req.sheet, req.bleed, req.crop_marks, req.creep, req.paper_thickness, req.fit_sheet,
            right_bound(req, library),
        )  # fmt: skip
        try:
            imposed = impose_saddle(pdf, how)
        except SheetTooSmall as exc:
            raise OptionError("sheet", exc.problem.message) from None
        if notes is not None:
            notes.extend(imposed.notes)
        if structure is not None:
            structure = structure.placed(list(imposed.homes))
        return imposed.pdf, structure
    return pdf, structure
