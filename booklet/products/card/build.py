"""A card from a request: the layout's sides filled with the routine and fitted, then drawn on
pages of their own or tiled on print sheets."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from booklet.base.errors import BookletError, FitError
from booklet.base.units import describe_size, describe_trim, parse_size
from booklet.data.language import Words
from booklet.data.library import Library, builtin_root
from booklet.data.model import Plan, Setting
from booklet.draw.pieces import typeset_key
from booklet.layout.blocks import KINDS, Block
from booklet.layout.context import base_context, frozen, layout_fields
from booklet.layout.snippets import Snippets
from booklet.layout.spec import Layout, load_layout, require_kind
from booklet.press.finish import Finish, finish_file, finish_page
from booklet.press.pdf import Painter, new_canvas, set_duplex
from booklet.products.card.blocks import BlockContext, Handout, card_styles
from booklet.products.card.fit import SideArt, fit_sides, larger_size
from booklet.products.fitting import FitHints
from booklet.products.options import snippet_options
from booklet.products.personal import (
    adjust_plan,
    check_option_text,
    client_fields,
    load_logo,
    personal_texts,
)
from booklet.products.requests import CardRequest, OptionError, gift_fields
from booklet.text.fonts import register
from booklet.text.glyphs import check_glyphs
from booklet.text.paragraph import colour_of
from booklet.text.tagging import Structure, begin_page, end_page, section, start

# A practice-log card: the log where the diagrams were, the safety set kept.
LOG_BACK = (
    Block("log", "log.j2", {}),
    Block("warning", "spine.j2", {}),
    Block("text", "safety.j2", {"box": True}),
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
    library: Library,
    plan: Plan,
    req: CardRequest,
    hints: FitHints | None = None,
    notes: list[str] | None = None,
    facts: dict[str, str] | None = None,
) -> Card:
    """The card's sides, each fitted to the trim; errors say what to change. A layout's
    `optional` diagrams give way to the safety set when a side cannot hold both (said in
    `notes`). Made larger than the layout's own size, not asked for, it says the size it was
    made at in `facts` ("size", and "larger_than_its_own")."""
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
    typed = {"title": req.title or "", **gift_fields(req), **snippet_options(req)}
    check_option_text({**typed, **personal_texts(req.personal)}, fonts)  # first: said at its option
    check_glyphs(plan, setting, fonts)
    back = LOG_BACK if req.back == "log" else layout.back
    front = layout.front if sides == 2 else with_safety_of(layout.front, layout.back)
    faces = front + (back if sides == 2 else ())
    check_places(layout, faces, req.personal)
    handout = Handout(logo, req.personal.link, req.personal.therapist)
    maker = CardMaker(library, plan, req, layout, setting, handout)
    shown = (front, back if sides == 2 else ())
    lighter = tuple(tuple(b for b in side if not optional(b)) for side in shown)
    choices = [shown, lighter] if lighter != shown else [shown]

    def fits(trim: tuple[float, float]) -> bool:
        return any(maker.fits(trim, choice) for choice in choices)

    def made_at(trim: tuple[float, float]) -> Card:
        if len(choices) == 1:
            return maker.make(trim, shown, hints, fits)
        try:  # a refusal here is not the last word: no size to name yet
            return maker.make(trim, shown, hints)
        except FitError:
            pass
        card = maker.make(trim, lighter, hints, fits)
        if notes is not None:
            bigger = larger_size(trim, layout.size, lambda t: maker.fits(t, shown))
            where = f"; at --size {bigger} they fit" if bigger else ""
            notes.append(
                f"the diagrams do not fit on the '{layout.name}' card at {describe_trim(*trim)} "
                f"beside the whole safety set, so they are left out{where}."
            )
        return card

    trim = trim_size(layout, req)
    try:
        return made_at(trim)
    except FitError as too_small:
        if req.size is not None:  # a size asked for is kept, or refused with advice
            raise
        bigger = larger_size(trim, layout.size, fits)
        if not bigger:
            raise
        problem = str(too_small)
    # The layout's own size, not asked for, is too small for this language's words (French,
    # German, Spanish and Portuguese need more room than 3x5 gives the compact card's safety
    # set): the next size that fits, said, rather than no card.
    w, h = parse_size(bigger)
    card = made_at((max(w, h), min(w, h)) if trim[0] > trim[1] else (min(w, h), max(w, h)))
    if notes is not None:
        notes.append(
            f"the '{layout.name}' card's own size, {describe_trim(*trim)}, is too small for "
            f"its words, so it is made at {bigger}. Give --size to choose."
        )
    if facts is not None:  # "larger_than_its_own" holds why: the refusal at its own size
        facts.update(size=bigger, larger_than_its_own=problem)
    return card


SAFETY_SNIPPETS = ("spine.j2", "feedback.j2", "scale.j2", "safety.j2", "disclaimer.j2")


def snippet_of(block: Block) -> str | None:
    """The snippet a block reads: its own, or its kind's."""
    return block.template or KINDS[block.kind].template


def with_safety_of(front: tuple[Block, ...], back: tuple[Block, ...]) -> tuple[Block, ...]:
    """The front of a card printed on one side: the back's safety blocks (the spine and
    pressure rules, the pressure scale, what not to massage, the disclaimer) come with it,
    those the front lacks, so a one-sided card still carries the whole safety set."""
    on_front = {snippet_of(b) for b in front}
    moved = tuple(
        b for b in back if snippet_of(b) in SAFETY_SNIPPETS and snippet_of(b) not in on_front
    )
    disclaimer = [i for i, b in enumerate(front) if snippet_of(b) == "disclaimer.j2"]
    at = disclaimer[0] if disclaimer else len(front)  # the disclaimer stays last
    return front[:at] + moved + front[at:]


def optional(block: Block) -> bool:
    """A block that gives way to the rest when a side cannot hold everything."""
    return bool(block.options.get("optional"))


class CardMaker:
    """One card request's sides fitted to a trim: the card itself, or only whether it fits
    (for a refusal that names a size that really fits)."""

    def __init__(
        self,
        library: Library,
        plan: Plan,
        req: CardRequest,
        layout: Layout,
        setting: Setting,
        handout: Handout,
    ) -> None:
        self.library, self.plan, self.req = library, plan, req
        self.layout, self.setting, self.handout = layout, setting, handout

    def blocks(
        self, trim: tuple[float, float], sides: tuple[tuple[Block, ...], ...]
    ) -> BlockContext:
        """What the blocks read: the snippets see whether the card draws any diagram, and
        whether its back holds them, so no word points at a picture that is not there."""
        layout, plan, words = self.layout, self.plan, self.library.words
        front, back = sides
        pictured = any(t.diagram is not None for t in plan.techniques)
        overleaf = pictured and any(b.kind == "diagrams" for b in back)
        diagrams = pictured and any(b.kind == "diagrams" for b in front + back)
        count = 2 if back else 1
        context = card_context(plan, self.setting, layout, trim, count, (overleaf, diagrams), words)
        context["client"] = client_fields(self.req.personal, words)
        context["gift"] = frozen(gift_fields(self.req))
        context["options"] = frozen(snippet_options(self.req))
        fonts = register(layout.font)
        return BlockContext(
            layout,
            card_styles(layout, layout.body_size, fonts, words),
            Snippets(layout, context),
            plan,
            self.setting,
            fonts,
            words,
            typeset_key(words),
            self.handout,
        )

    def make(
        self,
        trim: tuple[float, float],
        sides: tuple[tuple[Block, ...], ...],
        hints: FitHints | None = None,
        fits: Callable[[tuple[float, float]], bool] | None = None,
    ) -> Card:
        card = Card(self.layout, self.plan, trim, words=self.library.words)
        blocks = self.blocks(trim, sides)
        named = [("front", sides[0]), ("back", sides[1])]
        for name, side in named[: 2 if sides[1] else 1]:
            card.sides.extend(fit_sides(name, side, blocks, trim, hints, fits, self.compact_helps))
        return card

    def compact_helps(self) -> bool:
        """Whether a refusal may say "compact fits more": this layout is not compact nor built
        on it, and the compact layout `--layout compact` would give is booklet's own or built
        on it (a library's own compact may be anything)."""
        if any(folder.name == "compact" for folder in self.layout.folders):
            return False
        try:
            compact = load_layout("compact", self.library)
        except BookletError:
            return False
        own = (builtin_root() / "layouts" / "compact").resolve()
        return any(folder.resolve() == own for folder in compact.folders)

    def fits(self, trim: tuple[float, float], sides: tuple[tuple[Block, ...], ...]) -> bool:
        try:
            self.make(trim, sides)
        except FitError:
            return False
        return True


def check_places(layout: Layout, blocks: tuple[Block, ...], personal: Any) -> None:
    """A handout's details must land somewhere: a layout without the block for them is an
    error, never a card that silently leaves them out."""
    kinds = {b.kind for b in blocks}
    given = [k for k in ("client", "therapist", "contact", "logo", "date") if getattr(personal, k)]
    if personal.note and not any(b.template == "note.j2" for b in blocks):
        raise OptionError(
            "note",
            f"has no place on the '{layout.name}' layout (it has no note.j2 block). Use the "
            "bedside layout, or add a `- block: text` with `template: note.j2` to your layout.",
        )
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
    pictures: tuple[bool, bool],
    words: Words,
) -> dict[str, Any]:
    """Plain data only (booklet.layout.context): snippets come from strangers. `pictures`:
    whether the back holds diagrams, and whether the card draws any."""
    overleaf, diagrams = pictures
    fields = layout_fields(
        layout.name, describe_size(*trim), layout.colours, sides, overleaf, diagrams
    )
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
    facts: dict[str, str] | None = None,
) -> bytes:
    """The card's PDF. `hints` lets many similar cards (a batch) start their fitting where
    the last one ended: fewer tries, the same bytes. What the user should know (the diagrams
    an optional block gave up, a PDF/X file's links left out) goes to `notes`; the size it
    was made at, when not the one asked for, to `facts` (build_card)."""
    card = build_card(library, plan, req, hints, notes, facts)
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
