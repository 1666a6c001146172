"""What every section of a booklet shares: the request with its layout, words and fonts, the
page's frame, styles at a body size, the snippets, and fitting a section to one page.

The sections (booklet.products.booklet.front, .guidance, .techniques, .routine, .back) are
functions of a kit; the kit is made once per booklet and lives through both passes, so a size
chosen while planning is the size printed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from reportlab.platypus import CondPageBreak, Flowable

from booklet.base.errors import BookletError
from booklet.base.units import describe_size, parse_size
from booklet.data.language import Words
from booklet.data.library import Library
from booklet.data.model import Plan, Setting
from booklet.draw.pieces import Styles, typeset_key
from booklet.layout.context import base_context, frozen, layout_fields
from booklet.layout.snippets import Snippets
from booklet.layout.spec import MIN_SAFE_MARGIN, Layout, load_layout, require_kind
from booklet.press.finish import Finish
from booklet.products.booklet.flowables import BookText, Marker
from booklet.products.fitting import body_sizes
from booklet.products.options import snippet_options
from booklet.products.personal import (
    adjust_plan,
    check_option_text,
    client_fields,
    load_logo,
    personal_texts,
)
from booklet.products.requests import BookRequest, gift_fields
from booklet.text.fonts import FontFamily, display_family, register
from booklet.text.glyphs import check_glyphs
from booklet.text.markup import Para, Span
from booklet.text.typography import rules_for

T = TypeVar("T")

MIN_BOOK_SIDE = 2.5 * 72


def inches(points: float) -> str:
    """A least size in inches as a person writes it, rounded up: 3.25, not 3.2."""
    return f"{math.ceil(points / 72 * 100 - 1e-9) / 100:g}"


BOOK_LEADING = 1.36  # a book's lines breathe: a card's are 1.22
MEASURE = 66  # characters to a line of body text, at most: a book's measure is 60 to 70
AVERAGE_CHAR = 0.41  # Booklet Text's average character, in em, over the built-in languages
BOOK_QR = 0.9 * 72  # a QR code in the booklet: this wide, or wider for a longer link


class BookKit:
    """One booklet's request, checked, and what its sections read from it."""

    def __init__(self, library: Library, plan: Plan, req: BookRequest) -> None:
        self.layout: Layout = load_layout(req.layout, library)
        require_kind(self.layout, "book")
        plan = adjust_plan(plan, req.personal)
        self.logo = load_logo(req.personal)
        self.plan, self.req = plan, req
        self.setting: Setting = library.require_setting()
        # regular and bold now; an italic when a line first needs it (booklet.text.style):
        # each face ReportLab reads is about a megabyte a process keeps
        self.fonts: FontFamily = register(self.layout.font)
        check_request_text(req, self.fonts)  # first: what the person typed, at its option
        check_option_text(personal_texts(req.personal), self.fonts)
        check_glyphs(plan, self.setting, self.fonts)
        self.size = parse_size(req.size or self.layout.size)
        if min(self.size) < MIN_BOOK_SIDE or max(self.size) < MIN_BOOK_SIDE * 1.3:
            raise BookletError(
                f"a booklet page of {describe_size(*self.size)} is too small to read; use at "
                f"least {inches(MIN_BOOK_SIDE)} x {inches(MIN_BOOK_SIDE * 1.3)} in "
                "(A7 or larger)."
            )
        self.display: str = ""  # titles and names print in the display face too
        if self.layout.display_font:
            display = display_family(self.layout.display_font)
            self.display = display.bold
            check_glyphs(plan, self.setting, display._replace(regular=display.bold), "display_font")
        self.words: Words = library.words
        self.right_bound = right_bound(req, library)  # Hebrew, Arabic: the spine on the right
        self.rules = rules_for(self.words)
        self.body = self.layout.body_size
        self.styles = self.styles_at(self.body)
        self.key_words = typeset_key(self.words)
        self.context = book_context(plan, self.setting, self.layout, req, self.words)
        self.snippets = Snippets(self.layout, self.context)
        # what was measured, by the body size it was measured at: each planning pass asks
        # again whether a technique's words fit their page, and which figures the contents holds
        self.measured: dict[tuple[Any, ...], Any] = {}

    def remembered(self, key: tuple[Any, ...], measure: Callable[[], T]) -> T:
        """`measure()`, once per body size and `key` (the booklet is the same at one size)."""
        full = (self.body, *key)
        if full not in self.measured:
            self.measured[full] = measure()
        found: T = self.measured[full]
        return found

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
    def side_margin(self) -> float:
        """The margin either side of the text block: the layout's, or more, so that a line of
        body text holds no more than MEASURE characters (the same on every page)."""
        measure = MEASURE * AVERAGE_CHAR * self.body
        return max(self.margin, (self.size[0] - measure) / 2)

    @property
    def frame_size(self) -> tuple[float, float]:
        """The text block of an inner page: what a section must fit in."""
        m = self.margin
        return self.size[0] - 2 * self.side_margin, self.size[1] - 2 * m - self.footer

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
        """The layout's styles at one body size, with a book's leading, in its language."""
        return Styles(
            size,
            self.fonts,
            self.layout.colours,
            self.layout.title_scale,
            self.display,
            self.words.rtl,
            BOOK_LEADING,
            self.words.lang,
            self.rules,
        )

    def set_body(self, size: float) -> None:
        """The booklet's one body size: every page's text is set at it, a book's measure wide
        (booklet.products.booklet.techniques.settle_body_size chooses it)."""
        self.body = size
        self.styles = self.styles_at(size)


def right_bound(req: BookRequest, library: Library) -> bool:
    """Whether the booklet binds on the right: as asked (`binding`), else as its language
    reads. A right-to-left reader opens a booklet at what an English reader calls the back."""
    if req.binding is not None:
        return req.binding == "right"
    return library.words.rtl


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
    check_option_text(fields, fonts)


def flow_height(flowables: list[Flowable], width: float, height: float) -> float:
    """Height a list takes in a frame, counting the space platypus adds around paragraphs."""
    total = 0.0
    for f in flowables:
        total += f.wrap(width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total


def marked_paragraphs(paras: list[Para], styles: Styles) -> list[Flowable]:
    """A snippet's paragraphs as flowables, by kind (booklet.text.markup), set by the same
    engine as on a card (booklet.products.card.blocks.text_blocks)."""
    out: list[Flowable] = []
    for para in paras:
        if para.kind == "title":
            out.append(title_paragraph(para.spans, styles))
        elif para.kind == "heading":
            out.append(CondPageBreak(styles.size * 6))
            out.append(heading(para.spans, styles))
        elif para.kind == "bullet":
            out.append(BookText(styles.paragraph("bullet", para.spans)))
        else:
            out.append(
                BookText(styles.paragraph("body", para.spans), space_after=styles.size * 0.4)
            )
    return out


def heading(spans: tuple[Span, ...] | str, styles: Styles) -> BookText:
    """A heading inside a section: kept with what follows it."""
    return BookText.of(
        as_spans(spans),
        styles.text("heading"),
        space_before=styles.size * 0.8,
        space_after=styles.size * 0.3,
        keep_with_next=True,
    )


def title_paragraph(
    spans: tuple[Span, ...] | str, styles: Styles, marker: Marker | None = None
) -> BookText:
    """A section's title: the layout's title style, with room above it (where a section
    starts down a page) and below it; it records the section's `marker` where it lands."""
    return BookText.of(
        as_spans(spans),
        styles.text("title"),
        space_before=styles.size * 2.2,
        space_after=styles.size * 0.8,
        keep_with_next=True,
        marker=marker,
    )


def body(spans: tuple[Span, ...] | str, styles: Styles, **kwargs: Any) -> BookText:
    """Body text; plain text is taken as it is (not read as markup)."""
    return BookText.of(as_spans(spans), styles.text(), **kwargs)


def in_reading_order(
    rows: list[list[Any]], widths: list[float], rtl: bool
) -> tuple[list[list[Any]], list[float]]:
    """A table's rows and column widths as a reader meets them: the first column at the right
    in a right-to-left language (its cells already set from the right)."""
    if not rtl:
        return rows, widths
    return [list(reversed(row)) for row in rows], list(reversed(widths))


def as_spans(text: tuple[Span, ...] | str) -> tuple[Span, ...]:
    """Plain text as one span: the words of data files and options, never read as markup."""
    return (Span(text),) if isinstance(text, str) else text
