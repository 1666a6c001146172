"""Cards: a layout's blocks filled with a routine, fitted to the page, drawn with ReportLab.

Fitting tries the layout's body size first and steps down to its legible minimum; if a side
still does not fit, the command fails and says what to change. Nothing is ever clipped.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from booklet.base.errors import BookletError, FitError
from booklet.base.units import describe_size, parse_size
from booklet.data.language import Words
from booklet.data.library import Library
from booklet.data.model import Plan, Setting
from booklet.draw.diagrams import key_words
from booklet.draw.handout import ClientBand, LogGrid, QrCode, check_qr, smallest_qr
from booklet.draw.pieces import (
    DiagramGrid,
    DiagramKey,
    Gauge,
    StepRow,
    Styles,
    WarningBox,
)
from booklet.layout.context import base_context, layout_fields, technique_by_id
from booklet.layout.markup import parse_snippet
from booklet.layout.spec import Block, Layout, load_layout, render_snippet, require_kind
from booklet.press.marks import MARK_ZONE, crop_marks
from booklet.press.pdf import Painter, new_canvas, set_duplex, unique_subset_names
from booklet.products.fitting import Attempt, FitHints, body_sizes, largest_fitting
from booklet.products.personal import adjust_plan, client_fields, load_logo, personal_texts
from booklet.products.requests import CardRequest, OptionError
from booklet.text.fonts import FontFamily, register
from booklet.text.glyphs import check_fields, check_glyphs
from booklet.text.markup import Para
from booklet.text.paragraph import Span, TextBlock, TextStyle, colour_of, plain
from booklet.text.pieces import Piece, Rule, Space, Stack

MIN_DIAGRAM_WIDTH = 1.05 * 72
MAX_DIAGRAM_WIDTH = 3.2 * 72


@dataclass
class SideArt:
    """A side fitted to its page: flowables already wrapped, ready to draw anywhere."""

    name: str
    items: list[Piece]
    gap: float
    body_size: float
    width: float
    height: float
    margin: float
    background: str
    used_height: float = 0.0


@dataclass
class Card:
    layout: Layout
    plan: Plan
    trim: tuple[float, float]
    sides: list[SideArt] = field(default_factory=list)
    words: Words | None = None  # set by build_card


def trim_size(layout: Layout, req: CardRequest) -> tuple[float, float]:
    w, h = parse_size(req.size or layout.size)
    if req.landscape or (layout.landscape and req.size is None):
        w, h = max(w, h), min(w, h)
    return w, h


def build_card(
    library: Library, plan: Plan, req: CardRequest, hints: FitHints | None = None
) -> Card:
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
    trim = trim_size(layout, req)
    words = library.words
    card = Card(layout, plan, trim, words=words)
    back = LOG_BACK if req.back == "log" else layout.back
    overleaf = sides == 2 and any(b.kind == "diagrams" for b in back)
    context = snippet_context(plan, setting, layout, trim, sides, overleaf, words)
    context["client"] = client_fields(req.personal, words)
    handout = Handout(logo, req.personal.link)
    check_places(layout, layout.front + (back if sides == 2 else ()), req.personal)
    side_list = [("front", layout.front)] + ([("back", back)] if sides == 2 else [])
    for name, blocks in side_list:
        card.sides.append(
            fit_side(
                name, blocks, layout, fonts, context, plan, setting, trim, hints, handout, words
            )
        )
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


class Handout(NamedTuple):
    """What the handout blocks draw besides words: the logo's bytes and the link."""

    logo: bytes | None = None
    link: str | None = None


# A practice-log card: the log where the diagrams were, the safety set kept.
LOG_BACK = (
    Block("log", "log.j2", {}),
    Block("warning", "spine.j2", {}),
    Block("text", "safety.j2", {"box": True}),
    Block("link", "link.j2", {}),
)


def snippet_context(
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


def fit_side(
    name: str,
    blocks: tuple[Block, ...],
    layout: Layout,
    fonts: FontFamily,
    context: dict[str, Any],
    plan: Plan,
    setting: Setting,
    trim: tuple[float, float],
    hints: FitHints | None = None,
    handout: Handout | None = None,
    words: Words | None = None,
) -> SideArt:
    if words is None:
        raise ValueError("fit_side needs the card's words (Library.words)")
    width = trim[0] - 2 * layout.margin
    height = trim[1] - 2 * layout.margin
    texts = SnippetCache(layout, context, handout or Handout(), words)
    heights = Heights()

    def attempt(size: float) -> Attempt[tuple[list[Piece], float, float]]:
        styles = Styles(size, fonts, layout.colours, layout.title_scale, rtl=words.rtl)
        items = build_blocks(blocks, layout, styles, texts, plan, setting, fonts)
        used = measure(items, width, height, styles.gap, heights)
        return Attempt((items, used, styles.gap), used <= height + 0.01)

    sizes = body_sizes(layout.body_size, layout.min_body_size)

    def aim(first: Attempt[tuple[list[Piece], float, float]]) -> int:
        # Wrapped text grows about with the square of its size (taller lines, and more of
        # them), so aim straight at the size that should fit.
        items, used, _ = first.built
        fixed = sum(i.minimum_height(width) for i in items if isinstance(i, DiagramGrid))
        ratio = max(0.0, height - fixed) / max(used - fixed, 1e-6)
        size = sizes[start] * ratio**0.5
        return min(range(1, len(sizes)), key=lambda j: abs(sizes[j] - size))

    shape = (
        layout.path,
        layout.body_size,
        trim,
        name,
        tuple(s.technique.id for s in plan.steps),
        tuple((b.kind, b.template) for b in blocks),
        bool(context.get("client", {}).get("any")),
    )
    start = hints.start(shape) if hints is not None else 0
    best = largest_fitting(sizes, attempt, start, aim)
    if best is None:
        _, used, _ = attempt(sizes[-1]).built
        bigger = larger_size(trim, layout.size)
        raise FitError(
            f"the {name} of the '{layout.name}' card does not fit on {describe_size(*trim)}: "
            f"it needs {used:.0f} pt of height but has {height:.0f} pt, even at the smallest "
            f"legible size ({sizes[-1]:g} pt). Use a larger size (e.g. {bigger}), fewer "
            "techniques, or another layout (compact fits more)."
        )
    if hints is not None:
        hints.remember(shape, best.position)
    items, _, gap = best.built
    used = settle(items, width, height, gap, heights)
    return SideArt(
        name,
        items,
        gap,
        best.size,
        trim[0],
        trim[1],
        layout.margin,
        layout.colours["background"],
        used,
    )


def larger_size(trim: tuple[float, float], own: str) -> str:
    """A size with clearly more room than this one, for the advice in a message: the layout's
    own size if that is larger, else the next named size up."""
    from booklet.base.units import NAMED_SIZES, parse_size

    area = trim[0] * trim[1]
    w, h = parse_size(own)
    if w * h > area * 1.05:
        return own
    for name in ("4x6", "5x7", "half-letter", "a5", "letter"):
        w, h = NAMED_SIZES[name]
        if w * h > area * 1.15:
            return name
    return "letter"


def measure(items: list[Piece], width: float, height: float, gap: float, heights: Heights) -> float:
    """Height the items need; a diagram grid counts at its smallest legible size."""
    total = 0.0
    for item in items:
        if isinstance(item, DiagramGrid):
            total += item.minimum_height(width)
        else:
            total += heights.of(item, width, height)
    return total + gap * max(0, len(items) - 1)


class Heights:
    """Heights of pieces already wrapped at a width: line breaking is the costly part of a
    card, and measuring then settling a side would otherwise do it twice."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Piece, float, float, float]] = {}

    def of(self, item: Piece, width: float, height: float) -> float:
        known = self._known.get(id(item))
        if known is not None and known[0] is item and known[1:3] == (width, height):
            return known[3]
        wrapped = item.wrap(width, height)[1]
        self._known[id(item)] = (item, width, height, wrapped)  # holding it keeps id() unique
        return wrapped


def settle(items: list[Piece], width: float, height: float, gap: float, heights: Heights) -> float:
    """Final wrap: diagram grids grow into the height the other blocks leave free."""
    fixed = 0.0
    grids = [i for i in items if isinstance(i, DiagramGrid)]
    for item in items:
        if not isinstance(item, DiagramGrid):
            fixed += heights.of(item, width, height)
    free = height - fixed - gap * max(0, len(items) - 1)
    for grid in grids:
        grid.target_height = free / len(grids)
        grid.wrap(width, grid.target_height)
    return sum(i.height for i in items) + gap * max(0, len(items) - 1)


class SnippetCache:
    """Snippets render and parse once per card, not once per fitting attempt."""

    def __init__(
        self, layout: Layout, context: dict[str, Any], handout: Handout, words: Words
    ) -> None:
        self.layout = layout
        self.context = context
        self.handout = handout
        self.words = words
        self.key = key_words(words)
        self.cache: dict[tuple[str, str], list[Para]] = {}

    def lines(
        self, template: str, key: str = "", extra: dict[str, Any] | None = None
    ) -> list[Para]:
        k = (template, key)
        if k not in self.cache:
            ctx = dict(self.context, **(extra or {}))
            self.cache[k] = parse_snippet(
                render_snippet(self.layout, template, ctx), self.layout, template
            )
        return self.cache[k]


def paragraphs(paras: list[Para], style: TextStyle, styles: Styles) -> list[TextBlock]:
    """Body lines in the block's own style; `#`, `##` and `-` lines as title, heading and
    bullet, as in a booklet."""
    out = []
    for para in paras:
        if para.kind == "body":
            chosen = style
        elif para.kind == "bullet":
            chosen = styles.bullet_text()
        else:
            chosen = styles.text(para.kind)
        out.append(TextBlock(para.spans, chosen))
    return out


def build_blocks(
    blocks: tuple[Block, ...],
    layout: Layout,
    styles: Styles,
    texts: SnippetCache,
    plan: Plan,
    setting: Setting,
    fonts: FontFamily,
) -> list[Piece]:
    items: list[Piece] = []
    for block in blocks:
        builder = BUILDERS[block.kind]
        items.extend(builder(block, layout, styles, texts, plan, setting, fonts))
    return items


def _title(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    lines = texts.lines(block.template)
    if not lines:
        return []
    out = paragraphs(lines[:1], styles.text("title"), styles)
    out += paragraphs(lines[1:], styles.text("muted"), styles)
    return [Stack(out, styles.size * 0.15)]


def _text(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    lines = texts.lines(block.template)
    style = styles.text(block.options.get("style", "body"))
    gap = styles.size * (0.1 if any(p.kind == "bullet" for p in lines) else 0.25)
    return boxed(block, paragraphs(lines, style, styles), styles, gap)


def boxed(block: Block, items: list[TextBlock], styles: Styles, gap: float) -> list[Piece]:
    """A block's lines, in a panel like the spine warning's when the layout asks (`box`)."""
    if not items:
        return []
    if block.options.get("box"):
        return [WarningBox(items, styles, icon=False, gap=gap / styles.size)]
    return [Stack(items, gap)]


def _list(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    lines = texts.lines(block.template)
    return boxed(block, paragraphs(lines, styles.bullet_text(), styles), styles, styles.size * 0.1)


def _steps(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    rows: list[Piece] = []
    heading = styles.text("heading")
    small = styles.text("body")
    show_gauge = block.options.get("gauge", True)
    for step in plan.steps:
        fields = texts.context["plan"]["steps"][step.number - 1]
        lines = texts.lines(
            block.template, str(step.number), {"step": fields, "technique": fields["technique"]}
        )
        name = TextBlock((Span(step.technique.name),), heading)
        gauge = None
        if show_gauge:
            # "ask how it feels" once, in the pressure rule, not on every step
            level = texts.words.item("pressure_levels", step.pressure)
            before, _, after = texts.words.text("pressure_label", level="\x00").partition("\x00")
            words = (Span(before), Span(level, bold=True), Span(after))
            gauge = Gauge(
                step.pressure_rank,
                TextBlock(tuple(w for w in words if w.text), small),
                styles.size,
                layout.colours["accent"],
                layout.colours["text"],
                styles.rtl,
            )
        spine = None
        if step.technique.avoids_spine:
            spine = TextBlock((Span(setting.spine_short, bold=True),), small)
        rows.append(
            StepRow(
                step,
                name,
                texts.words.text("minutes_short", n=step.minutes),
                gauge,
                paragraphs(lines, small, styles),
                spine,
                styles,
            )
        )
    return [Stack(rows, styles.size * 0.7)]


def _warning(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    lines = texts.lines(block.template)
    return [WarningBox(paragraphs(lines, styles.text(), styles), styles)] if lines else []


def _diagrams(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    techniques = [t for t in plan.techniques if t.diagram is not None]
    if not techniques:
        return []
    style = styles.text("muted", centred=True)  # centred under the figure
    captions = []
    for number, tech in enumerate(techniques, start=1):
        fields = technique_by_id(texts.context, tech.id)
        lines = texts.lines(block.template, tech.id, {"technique": fields, "number": number})
        captions.append(paragraphs(lines, style, styles))
    return [
        DiagramGrid(
            techniques,
            captions,
            styles,
            legend=bool(block.options.get("legend", False)),
            font=layout.font,
            min_width=MIN_DIAGRAM_WIDTH,
            max_width=MAX_DIAGRAM_WIDTH,
            columns=block.options.get("columns"),
            key=texts.key if block.options.get("key", False) else None,
        )
    ]


def _key(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    return [DiagramKey(styles.size, layout.font, texts.key)]


def _rule(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    return [Rule(max(0.5, styles.size * 0.08), colour_of(layout.colours["accent"]))]


def _space(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    return [Space(styles.size * float(block.options.get("height", 1)))]


def _client(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    lines = texts.lines(block.template)
    logo = texts.handout.logo
    if not lines and logo is None:
        return []
    words = paragraphs(lines, styles.text("body"), styles)
    return [ClientBand(logo, words, styles.size * 1.2, styles.size * 3.6)]


QR_SIZES = (1.0 * 72, 1.2 * 72)  # a card's QR code: this wide, or up to 1.2 in for a long link


def _link(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    link = texts.handout.link
    if not link:
        return []
    size = max(QR_SIZES[0], smallest_qr(link))
    check_qr(link, min(size, QR_SIZES[1]), "the card")
    words = paragraphs(texts.lines(block.template), styles.text("muted"), styles)
    return [QrCode(link, size, words, styles.gap)]


def _log(block, layout, styles, texts, plan, setting, fonts) -> list[Piece]:
    lines = texts.lines(block.template)
    if not lines:
        return []
    *above, header = lines
    corner, *columns = [c.strip() for c in plain(header.spans).split("|")]
    grid = LogGrid(
        corner,
        columns or ["1"],
        int(block.options.get("weeks", 6)),
        styles.size,
        fonts.regular,
        fonts.bold,
        layout.colours,
    )
    words = paragraphs(above, styles.text("body"), styles)
    return [Stack([*words, grid], styles.size * 0.3)]


BUILDERS: dict[str, Callable[..., list[Piece]]] = {
    "title": _title,
    "text": _text,
    "list": _list,
    "steps": _steps,
    "warning": _warning,
    "diagrams": _diagrams,
    "rule": _rule,
    "key": _key,
    "space": _space,
    "client": _client,
    "link": _link,
    "log": _log,
}


# --- glyphs --------------------------------------------------------------------------------


# --- drawing -------------------------------------------------------------------------------


def paint_side(canvas, art: SideArt, x: float, y: float, bleed: float) -> None:
    """Draw a fitted side with its trim's lower-left corner at (x, y)."""
    canvas.saveState()
    canvas.setFillColor(colour_of(art.background))
    canvas.rect(x - bleed, y - bleed, art.width + 2 * bleed, art.height + 2 * bleed, 0, 1)
    canvas.restoreState()
    top = y + art.height - art.margin
    for item in art.items:
        item.drawOn(canvas, x + art.margin, top - item.height)
        top -= item.height + art.gap


def card_pdf(card: Card, req: CardRequest) -> bytes:
    """The card as its own pages: one page a side, with bleed and crop marks on request."""
    w, h = card.trim
    pad = req.bleed + (MARK_ZONE if req.crop_marks else 0.0)
    buffer = io.BytesIO()
    canvas = new_canvas(
        buffer,
        (w + 2 * pad, h + 2 * pad),
        card.plan.title,
        card.words.text("card_subject") if card.words else "",
    )
    if len(card.sides) == 2:
        set_duplex(canvas, req.flip)
    for art in card.sides:
        canvas.setTrimBox([pad, pad, pad + w, pad + h])
        canvas.setBleedBox(
            [pad - req.bleed, pad - req.bleed, pad + w + req.bleed, pad + h + req.bleed]
        )
        paint_side(canvas, art, pad, pad, req.bleed)
        if req.crop_marks:
            crop_marks(canvas, pad, pad, w, h, req.bleed)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_card(
    library: Library, plan: Plan, req: CardRequest, hints: FitHints | None = None
) -> bytes:
    """The card's PDF. `hints` lets many similar cards (a batch) start their fitting where
    the last one ended: fewer tries, the same bytes."""
    card = build_card(library, plan, req, hints)
    pdf = card_pages(card, req)
    if req.colour == "cmyk":
        from booklet.press.colour import cmyk_pdf

        pdf = cmyk_pdf(pdf)
    return unique_subset_names(pdf)


def card_pages(card: Card, req: CardRequest) -> bytes:
    """The card on its own pages, or tiled on print sheets."""
    if req.sheet:
        from booklet.press.sheets import card_sheets

        return card_sheets(
            [side_painter(art) for art in card.sides],
            card.trim,
            bleed=req.bleed,
            sheet=req.sheet,
            flip=req.flip,
            offset=req.back_offset,
            title=card.plan.title,
        )
    return card_pdf(card, req)


def side_painter(art: SideArt) -> Painter:
    """A fitted side as something the press can draw anywhere."""

    def paint(canvas: Any, x: float, y: float, bleed: float) -> None:
        paint_side(canvas, art, x, y, bleed)

    return paint
