"""The booklet from cover to back cover: the sections in their order, planned and printed, then
imposed, converted to CMYK and finished as the request asks."""

from __future__ import annotations

from reportlab.platypus import Flowable, NextPageTemplate, PageBreak, Spacer

from booklet.data.library import Library
from booklet.data.model import Plan
from booklet.press.finish import finish_file
from booklet.products.booklet import back, front, guidance, routine, techniques
from booklet.products.booklet.flowables import BookInfo, Marker, NotesPage
from booklet.products.booklet.kit import BookKit, flow_height
from booklet.products.booklet.pages import PagePlan, plan_and_print
from booklet.products.requests import BookRequest


def story(kit: BookKit, info: BookInfo, plan: PagePlan) -> list[Flowable]:
    """Every section in order, each starting on a page of its own with a marker (its link
    target, outline entry and page number); the practice log shares the routine's page when
    four weeks or more fit under it."""
    s, w = kit.styles, kit.words
    out: list[Flowable] = []
    out += front.cover(kit)
    out += [NextPageTemplate("plain"), PageBreak()]
    out += front.dedication(kit)
    out += [NextPageTemplate("inner"), PageBreak(), Marker("contents", w.text("contents"), 0, info)]
    out += front.contents(kit, plan.contents, plan.notes)
    out += [PageBreak(), Marker("before", w.text("before_you_begin"), 0, info)]
    out += kit.fit_page("before", lambda st: guidance.before_you_begin(kit, st))
    out += [PageBreak(), Marker("safety", w.text("when_not_to_massage"), 0, info)]
    out += kit.fit_page("safety", lambda st: guidance.safety(kit, st))
    out += [PageBreak(), Marker("pressure", w.text("pressure_scale"), 0, info)]
    out += kit.fit_page("pressure", lambda st: guidance.pressure(kit, st))
    out += [PageBreak(), Marker("routine", w.text("your_routine"), 0, info)]
    routine_page = kit.fit_page("routine", lambda st: routine.routine(kit, st))
    out += routine_page
    fw, fh = kit.frame_size
    room = fh - flow_height(routine_page, fw, fh) - s.size * 2
    log = routine.practice_log(kit, s, room)  # below the routine when four weeks or more fit
    if log:
        out += [Spacer(1, s.size * 2), Marker("log", w.text("practice_log"), 1, info), *log]
    else:
        out += [PageBreak(), Marker("log", w.text("practice_log"), 0, info)]
        out += routine.practice_log(kit, s, fh)
    if plan.align:  # the first technique's picture must fall on a left-hand page
        out += [PageBreak(), NotesPage(s, w.text("notes"))]
    for number, tech in enumerate(kit.plan.techniques, start=1):
        out += [PageBreak(), Marker(f"t-{tech.id}", tech.name, 0, info)]
        out += techniques.technique_spread(kit, number, tech)
    out += back.notes_pages(kit, info, plan.notes)
    out += [NextPageTemplate("back"), PageBreak(), *back.back_cover(kit)]
    return out


def build_book(library: Library, plan: Plan, req: BookRequest) -> tuple[bytes, BookInfo]:
    """The booklet's pages, one PDF page a page, and where each section landed."""
    return plan_and_print(BookKit(library, plan, req), story)


def render_book(
    library: Library, plan: Plan, req: BookRequest, notes: list[str] | None = None
) -> bytes:
    """The booklet's PDF; what the user should know (its imposition, a PDF/X file's links left
    out) goes to `notes`."""
    pages = book_pages(library, plan, req, notes)
    return finish_file(pages, req.colour, pdfx=req.pdfx, notes=notes)


def book_pages(library: Library, plan: Plan, req: BookRequest, notes: list[str] | None) -> bytes:
    """The booklet's pages as they are, or imposed two-up on sheets for saddle stitching."""
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
