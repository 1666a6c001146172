"""What every section of a booklet shares: the request with its layout, words and fonts, the
page's frame, styles at a body size, the snippets, and fitting a section to one page.

The sections (booklet.products.booklet.front, .guidance, .techniques, .routine, .back) are
functions of a kit; the kit is made once per booklet and lives through both passes, so a size
chosen while planning is the size printed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from reportlab.platypus import CondPageBreak, Flowable

from booklet.base.errors import BookletError
from booklet.base.units import describe_size, parse_size
from booklet.data.language import Words
from booklet.data.library import Library
from booklet.data.model import Plan, Setting
from booklet.draw.pieces import Styles
from booklet.draw.symbols import key_words
from booklet.layout.context import base_context, frozen, layout_fields
from booklet.layout.snippets import Snippets
from booklet.layout.spec import MIN_SAFE_MARGIN, Layout, load_layout, require_kind
from booklet.press.finish import Finish
from booklet.products.booklet.flowables import BookParagraph
from booklet.products.fitting import Attempt, body_sizes, largest_fitting
from booklet.products.options import snippet_options
from booklet.products.personal import adjust_plan, client_fields, load_logo, personal_texts
from booklet.products.requests import BookRequest, gift_fields
from booklet.text.fonts import FontFamily, register_all
from booklet.text.glyphs import check_fields, check_glyphs
from booklet.text.markup import Para, to_reportlab

MIN_BOOK_SIDE = 2.5 * 72
BOOK_QR = 0.9 * 72  # a QR code in the booklet: this wide, or wider for a longer link

# A section's flowables at the body size its styles are for.
Section = Callable[[Styles], list[Flowable]]


class Chosen(NamedTuple):
    """The body size a section was fitted at in the planning pass (and, for a technique,
    whether its key facts stayed with its words or moved under its picture)."""

    size: float
    panel: bool = True


class BookKit:
    """One booklet's request, checked, and what its sections read from it."""

    def __init__(self, library: Library, plan: Plan, req: BookRequest) -> None:
        self.layout: Layout = load_layout(req.layout, library)
        require_kind(self.layout, "book")
        plan = adjust_plan(plan, req.personal)
        self.logo = load_logo(req.personal)
        self.plan, self.req = plan, req
        self.setting: Setting = library.require_setting()
        self.fonts: FontFamily = register_all(self.layout.font)
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
        self.display: str = (
            register_all(self.layout.display_font).bold if self.layout.display_font else ""
        )
        if self.display:  # titles and names print in the display face too
            check_glyphs(plan, self.setting, register_all(self.layout.display_font), "display_font")
        self.words: Words = library.words
        self.styles = self.styles_at(self.layout.body_size)
        self.key_words = key_words(self.words)
        self.context = book_context(plan, self.setting, self.layout, req, self.words)
        self.snippets = Snippets(self.layout, self.context)
        # Sizes found while fitting in the first pass, reused in the second.
        self.chosen: dict[str, Chosen] = {}
        # The cover's coloured band, grown to hold its title: set when the cover is laid out,
        # read when its page is painted.
        self.cover_band = 0.0

    def lines(
        self, template: str, key: str = "", extra: dict[str, Any] | None = None
    ) -> list[Para]:
        """A snippet's paragraphs, rendered and parsed once per booklet (per key)."""
        return self.snippets.lines(template, key, extra)

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
    def footer(self) -> float:
        """Room under an inner page's text block for its folio."""
        return self.styles.size * 1.8

    @property
    def frame_size(self) -> tuple[float, float]:
        """The text block of an inner page: what a section must fit in."""
        m = self.margin
        return self.size[0] - 2 * m, self.size[1] - 2 * m - self.footer

    @property
    def finish(self) -> Finish:
        """Bleed around every page, and crop marks unless the pages are imposed (then the
        sheets carry them)."""
        return Finish(self.req.bleed, self.req.crop_marks and not self.req.impose)

    @property
    def body_sizes(self) -> list[float]:
        """The body sizes to try, the layout's own first, down to its legible minimum."""
        return body_sizes(self.layout.body_size, self.layout.min_body_size)

    def styles_at(self, size: float) -> Styles:
        """The layout's styles at one body size."""
        return Styles(
            size,
            self.fonts,
            self.layout.colours,
            self.layout.title_scale,
            self.display,
            self.words.rtl,
        )

    def fit_page(self, key: str, build: Section) -> list[Flowable]:
        """The section at the largest body size that keeps it on one page; else it flows on."""
        if key in self.chosen:
            return build(self.styles_at(self.chosen[key].size))
        fw, fh = self.frame_size

        def attempt(size: float) -> Attempt[list[Flowable]]:
            flowables = build(self.styles_at(size))
            return Attempt(flowables, flow_height(flowables, fw, fh) <= fh)

        found = largest_fitting(self.body_sizes, attempt)
        if found is not None:
            self.chosen[key] = Chosen(found.size)
            return found.built
        self.chosen[key] = Chosen(self.layout.body_size)
        return build(self.styles)


def book_context(
    plan: Plan, setting: Setting, layout: Layout, req: BookRequest, words: Words
) -> dict[str, Any]:
    """Plain data only (booklet.layout.context): snippets come from strangers."""
    size = describe_size(*parse_size(req.size or layout.size))
    pictured = any(t.diagram is not None for t in plan.techniques)
    fields = layout_fields(layout.name, size, layout.colours, diagrams=pictured)
    context: dict[str, Any] = base_context(plan, setting, fields, words)
    context["client"] = client_fields(req.personal, words)
    context["gift"] = frozen(gift_fields(req))
    context["book"] = frozen({"title": req.title or plan.title, **gift_fields(req)})
    context["options"] = frozen(snippet_options(req))
    return context


def check_request_text(req: BookRequest, fonts: FontFamily) -> None:
    """The words the user gave must print: lengths were checked with the request."""
    fields = {"title": req.title or "", **gift_fields(req), **snippet_options(req)}
    check_fields({k: v for k, v in fields.items() if v}, None, fonts)


def flow_height(flowables: list[Flowable], width: float, height: float) -> float:
    """Height a list takes in a frame, counting the space platypus adds around paragraphs."""
    total = 0.0
    for f in flowables:
        total += f.wrap(width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total


def marked_paragraphs(paras: list[Para], styles: Styles) -> list[Flowable]:
    """A snippet's paragraphs as platypus flowables, by kind (booklet.text.markup): the same
    markup, read by the same parser, as on a card (booklet.products.card.blocks.text_blocks)."""
    out: list[Flowable] = []
    for para in paras:
        markup = to_reportlab(para.spans)
        if para.kind == "title":
            out.append(title_paragraph(markup, styles))
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


def heading_style(styles: Styles) -> Any:
    """A heading inside a section: kept with what follows it."""
    style = styles.style("heading")
    style.spaceBefore = styles.size * 0.8
    style.spaceAfter = styles.size * 0.3
    style.keepWithNext = 1
    return style


def title_paragraph(markup: str, styles: Styles) -> BookParagraph:
    """A section's title: the layout's title style, with room below it."""
    style = styles.style("title")
    style.spaceAfter = styles.size * 0.8
    return BookParagraph(markup, style)
