"""A card from a request: the layout's sides filled with the routine and fitted, then drawn on
pages of their own or tiled on print sheets."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from booklet.base.errors import BookletError
from booklet.base.units import describe_size, parse_size
from booklet.data.language import Words
from booklet.data.library import Library
from booklet.data.model import Plan, Setting
from booklet.draw.pieces import typeset_key
from booklet.layout.blocks import Block
from booklet.layout.context import base_context, frozen, layout_fields
from booklet.layout.snippets import Snippets
from booklet.layout.spec import Layout, load_layout, require_kind
from booklet.press.finish import Finish, finish_file, finish_page
from booklet.press.pdf import Painter, new_canvas, set_duplex
from booklet.products.card.blocks import BlockContext, Handout, card_styles
from booklet.products.card.fit import SideArt, fit_sides
from booklet.products.fitting import FitHints
from booklet.products.options import snippet_options
from booklet.products.personal import adjust_plan, client_fields, load_logo, personal_texts
from booklet.products.requests import CardRequest, OptionError, gift_fields
from booklet.text.fonts import register
from booklet.text.glyphs import check_fields, check_glyphs
from booklet.text.paragraph import colour_of
from booklet.text.tagging import Structure, begin_page, end_page, section, start

# A practice-log card: the log where the diagrams were, the safety set kept.
LOG_BACK = (
    Block("log", "log.j2", {}),
    Block("warning", "spine.j2", {}),
    Block("text", "safety.j2", {"box": True}),
    Block("link", "link.j2", {}),
)


@dataclass
class Card:
    """A card's sides, fitted, with what its pages are made from."""

    layout: Layout
    plan: Plan
    trim: tuple[float, float]
    sides: list[SideArt] = field(default_factory=list)
    words: Words | None = None  # set by build_card


def trim_size(layout: Layout, req: CardRequest) -> tuple[float, float]:
    """The card's finished size: the request's or the layout's, turned if asked."""
    w, h = parse_size(req.size or layout.size)
    if req.landscape or (layout.landscape and req.size is None):
        w, h = max(w, h), min(w, h)
    return w, h


def build_card(
    library: Library, plan: Plan, req: CardRequest, hints: FitHints | None = None
) -> Card:
    """The card's sides, each fitted to the trim; errors say what to change."""
    if req.title is not None:  # checked when the request was made (booklet.products.requests)
        plan = plan._replace(title=req.title)
    plan = adjust_plan(plan, req.personal)
    logo = load_logo(req.personal)
    layout = load_layout(req.layout, library)
    require_kind(layout, "card")
    setting = library.require_setting()
    sides = req.sides or layout.sides
    if sides == 2 and not layout.back:
        raise BookletError(
            f"layout '{layout.name}' has one side only. Ask for one side, or choose a two-sided "
            "layout such as bedside."
        )
    fonts = register(layout.font)
    check_glyphs(plan, setting, fonts)
    check_fields(personal_texts(req.personal), None, fonts)
    check_fields({**gift_fields(req), **snippet_options(req)}, None, fonts)
    trim = trim_size(layout, req)
    words = library.words
    card = Card(layout, plan, trim, words=words)
    back = LOG_BACK if req.back == "log" else layout.back
    overleaf = sides == 2 and any(b.kind == "diagrams" for b in back)
    context = card_context(plan, setting, layout, trim, sides, overleaf, words)
    context["client"] = client_fields(req.personal, words)
    context["gift"] = frozen(gift_fields(req))
    context["options"] = frozen(snippet_options(req))
    check_places(layout, layout.front + (back if sides == 2 else ()), req.personal)
    blocks = BlockContext(
        layout,
        card_styles(layout, layout.body_size, fonts, words),
        Snippets(layout, context),
        plan,
        setting,
        fonts,
        words,
        typeset_key(words),
        Handout(logo, req.personal.link, req.personal.therapist),
    )
    side_list = [("front", layout.front)] + ([("back", back)] if sides == 2 else [])
    for name, side in side_list:
        card.sides.extend(fit_sides(name, side, blocks, trim, hints))
    return card


def check_places(layout: Layout, blocks: tuple[Block, ...], personal: Any) -> None:
    """A handout's details must land somewhere: a layout without the block for them is an
    error, never a card that silently leaves them out."""
    kinds = {b.kind for b in blocks}
    given = [
        k
        for k in ("client", "therapist", "contact", "logo", "date", "note")
        if getattr(personal, k)
    ]
    if given and "client" not in kinds:
        raise OptionError(
            given[0],
            f"has no place on the '{layout.name}' layout (it has no client block). Use the "
            "bedside layout, or add `- block: client` to your layout.",
        )
    if personal.link and "link" not in kinds:
        raise OptionError(
            "link",
            f"has no place on the '{layout.name}' layout (it has no link block). Use the "
            "bedside layout, or add `- block: link` to your layout.",
        )


def card_context(
    plan: Plan,
    setting: Setting,
    layout: Layout,
    trim: tuple[float, float],
    sides: int,
    overleaf: bool,
    words: Words,
) -> dict[str, Any]:
    """Plain data only (booklet.layout.context): snippets come from strangers."""
    fields = layout_fields(layout.name, describe_size(*trim), layout.colours, sides, overleaf)
    return base_context(plan, setting, fields, words)


def paint_side(canvas: Any, art: SideArt, x: float, y: float, bleed: float) -> None:
    """Draw a fitted side with its trim's lower-left corner at (x, y): in a tagged PDF, a
    section of its own, its background an artifact."""
    section(canvas)
    canvas.saveState()
    canvas.setFillColor(colour_of(art.background))
    canvas.rect(x - bleed, y - bleed, art.width + 2 * bleed, art.height + 2 * bleed, 0, 1)
    canvas.restoreState()
    top = y + art.height - art.margin
    for item in art.items:
        item.drawOn(canvas, x + art.margin, top - item.height)
        top -= item.height + art.gap


def card_pdf(card: Card, req: CardRequest) -> tuple[bytes, Structure]:
    """The card as its own pages: one page a side, with bleed and crop marks on request;
    tagged (booklet.text.tagging), so its structure comes with it."""
    finish = Finish(req.bleed, req.crop_marks)
    buffer = io.BytesIO()
    canvas = new_canvas(
        buffer,
        finish.page_size(card.trim),
        card.plan.title,
        card.words.text("card_subject") if card.words else "",
    )
    if len(card.sides) >= 2:
        set_duplex(canvas, req.flip)
    tags = start(canvas, card_language(card))
    for art in card.sides:
        begin_page(canvas)
        paint_side(canvas, art, finish.pad, finish.pad, finish.bleed)
        finish_page(canvas, card.trim, finish)
        end_page(canvas)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), tags.structure()


def card_language(card: Card) -> str:
    return card.words.lang if card.words is not None else "en"


def render_card(
    library: Library,
    plan: Plan,
    req: CardRequest,
    hints: FitHints | None = None,
    notes: list[str] | None = None,
) -> bytes:
    """The card's PDF. `hints` lets many similar cards (a batch) start their fitting where
    the last one ended: fewer tries, the same bytes. What the user should know (a PDF/X file's
    links left out) goes to `notes`."""
    card = build_card(library, plan, req, hints)
    pdf, structure = card_pages(card, req)
    return finish_file(pdf, req.colour, structure, pdfx=req.pdfx, notes=notes)


def card_pages(card: Card, req: CardRequest) -> tuple[bytes, Structure | None]:
    """The card on its own pages, or tiled on print sheets (the first copy of each side
    tagged, booklet.press.sheets), with its structure."""
    if req.sheet:
        from booklet.press.sheets import card_sheets

        if len(card.sides) > 2:
            raise OptionError(
                "sheet",
                f"cannot tile a card of {len(card.sides)} sides (its safety set runs on to a "
                "third). Print it on its own pages: leave sheet out.",
            )

        return card_sheets(
            [side_painter(art) for art in card.sides],
            card.trim,
            bleed=req.bleed,
            sheet=req.sheet,
            flip=req.flip,
            offset=req.back_offset,
            title=card.plan.title,
            lang=card_language(card),
        )
    return card_pdf(card, req)


def side_painter(art: SideArt) -> Painter:
    """A fitted side as something the press can draw anywhere."""

    def paint(canvas: Any, x: float, y: float, bleed: float) -> None:
        paint_side(canvas, art, x, y, bleed)

    return paint
