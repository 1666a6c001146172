"""What each kind of card block is drawn as: one builder per kind declared in
booklet.layout.blocks, registered by the kind's name.

A builder reads what it needs from one `BlockContext` (the card's layout, words and data, the
snippets, and the styles at the body size being tried) and returns pieces to stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from booklet.data.language import Words
from booklet.data.model import Plan, PlannedStep, Setting
from booklet.draw.describe import (
    describe_code,
    describe_giver,
    describe_logo,
    describe_technique,
)
from booklet.draw.grid import DiagramGrid, DiagramKey
from booklet.draw.handout import ClientBand, LogGrid, QrCode, qr_size, read_log_snippet
from booklet.draw.pieces import Gauge, StepRow, Styles, WarningBox
from booklet.draw.symbols import KeyWords
from booklet.layout.blocks import KINDS, Block
from booklet.layout.context import technique_by_id
from booklet.layout.snippets import Snippets
from booklet.layout.spec import Layout
from booklet.text.fonts import FontFamily
from booklet.text.markup import Para
from booklet.text.paragraph import Span, TextBlock, TextStyle, colour_of
from booklet.text.stacking import Piece, Rule, Space, Stack
from booklet.text.tagging import NUMBERED
from booklet.text.typography import rules_for

MIN_DIAGRAM_WIDTH = 1.05 * 72
LARGE_PRINT = 14.0  # a layout whose text is never smaller than this is large print
DIAGRAM_PER_PT = 5.5  # and at least this many times the body size: large type, large pictures
MAX_DIAGRAM_WIDTH = 3.2 * 72
QR_SIZES = (1.0 * 72, 1.2 * 72)  # a card's QR code: this wide, or up to 1.2 in for a long link


class Handout(NamedTuple):
    """What the handout blocks draw besides words: the logo's bytes and the link, and whose
    logo it is (its words in a tagged PDF)."""

    logo: bytes | None = None
    link: str | None = None
    therapist: str | None = None


@dataclass(frozen=True)
class BlockContext:
    """What a block's builder may read: the card, and the styles at one body size."""

    layout: Layout
    styles: Styles
    snippets: Snippets  # rendered once per card, not once per fitting attempt
    plan: Plan
    setting: Setting
    fonts: FontFamily
    words: Words
    key: KeyWords  # the diagram key's words, in the card's language
    handout: Handout

    def at(self, size: float) -> BlockContext:
        """The same card at another body size."""
        return replace(self, styles=card_styles(self.layout, size, self.fonts, self.words))

    def lines(self, block: Block, key: str = "", extra: dict[str, Any] | None = None) -> list[Para]:
        """The paragraphs of the block's snippet (for one step or technique, by `key`)."""
        # every kind that reads a snippet has one (booklet.layout.blocks.parse_block)
        assert block.template is not None, block
        return self.snippets.lines(block.template, key, extra)


def card_styles(layout: Layout, size: float, fonts: FontFamily, words: Words) -> Styles:
    """A card's styles at one body size, in its language (direction, typography, hyphens;
    large print is never hyphenated, as its guidance asks)."""
    return Styles(
        size,
        fonts,
        layout.colours,
        layout.title_scale,
        rtl=words.rtl,
        lang=words.lang if layout.min_body_size < LARGE_PRINT else "",
        rules=rules_for(words),
    )


Builder = Callable[[Block, BlockContext], list[Piece]]
BUILDERS: dict[str, Builder] = {}


def builds(kind: str) -> Callable[[Builder], Builder]:
    """Register the builder of a kind declared in booklet.layout.blocks: exactly one each."""

    def register(builder: Builder) -> Builder:
        if kind not in KINDS:
            raise ValueError(f"no block kind '{kind}' is declared in booklet.layout.blocks")
        if kind in BUILDERS:
            raise ValueError(f"block kind '{kind}' has two builders")
        BUILDERS[kind] = builder
        return builder

    return register


def build_blocks(blocks: tuple[Block, ...], ctx: BlockContext) -> list[Piece]:
    """A side's blocks as pieces, top to bottom, at the context's body size."""
    items: list[Piece] = []
    for block in blocks:
        items.extend(BUILDERS[block.kind](block, ctx))
    return items


def text_blocks(paras: list[Para], style: TextStyle, styles: Styles) -> list[TextBlock]:
    """A snippet's paragraphs as the card's text blocks: body lines in the block's own style;
    `#`, `##` and `-` lines as title, heading and bullet, as in a booklet
    (booklet.products.booklet.kit.marked_paragraphs)."""
    return [
        TextBlock(para.spans, style) if para.kind == "body" else styles.paragraph(*para)
        for para in paras
    ]


def boxed(block: Block, items: list[TextBlock], styles: Styles, gap: float) -> list[Piece]:
    """A block's lines, in a panel like the spine warning's when the layout asks (`box`)."""
    if not items:
        return []
    if block.options.get("box"):
        return [WarningBox(items, styles, icon=False, gap=gap / styles.size)]
    return [Stack(items, gap)]


@builds("title")
def title(block: Block, ctx: BlockContext) -> list[Piece]:
    """The first line as the title, the rest muted under it."""
    lines = ctx.lines(block)
    if not lines:
        return []
    styles = ctx.styles
    out = text_blocks(lines[:1], styles.text("title"), styles)
    out += text_blocks(lines[1:], styles.text("muted"), styles)
    return [Stack(out, styles.size * 0.15)]


@builds("text")
def text(block: Block, ctx: BlockContext) -> list[Piece]:
    """The snippet's lines in the block's style, boxed if asked."""
    styles = ctx.styles
    lines = ctx.lines(block)
    style = styles.text(block.options.get("style", "body"))
    gap = styles.size * (0.1 if any(p.kind == "bullet" for p in lines) else 0.25)
    return boxed(block, text_blocks(lines, style, styles), styles, gap)


@builds("list")
def bullet_list(block: Block, ctx: BlockContext) -> list[Piece]:
    """Every line a bullet, boxed if asked."""
    styles = ctx.styles
    lines = ctx.lines(block)
    return boxed(block, text_blocks(lines, styles.bullet_text(), styles), styles, styles.size * 0.1)


@builds("steps")
def steps(block: Block, ctx: BlockContext) -> list[Piece]:
    """A row per step: its number, name, minutes, pressure gauge, words and spine note."""
    styles = ctx.styles
    rows: list[Piece] = [step_row(block, ctx, step) for step in ctx.plan.steps]
    return [Stack(rows, styles.size * 0.7, tag="L", attributes=(NUMBERED,))]


def step_row(block: Block, ctx: BlockContext, step: PlannedStep) -> StepRow:
    """One step's row; its words from the block's snippet, for this step."""
    styles, words = ctx.styles, ctx.words
    heading = styles.text("heading")
    small = styles.text("body")
    fields = ctx.snippets.context["plan"]["steps"][step.number - 1]
    lines = ctx.lines(block, str(step.number), {"step": fields, "technique": fields["technique"]})
    name = TextBlock((Span(step.technique.name),), heading)
    gauge = None
    if block.options.get("gauge", True):
        # "ask how it feels" once, in the pressure rule, not on every step
        level = words.item("pressure_levels", step.pressure)
        before, _, after = words.text("pressure_label", level="\x00").partition("\x00")
        label = (Span(before), Span(level, bold=True), Span(after))
        gauge = Gauge(
            step.pressure_rank,
            TextBlock(tuple(w for w in label if w.text), small),
            styles.size,
            ctx.layout.colours["accent"],
            ctx.layout.colours["text"],
            styles.rtl,
        )
    spine = None
    if step.technique.avoids_spine:
        spine = TextBlock((Span(ctx.setting.spine_short, bold=True),), small)
    return StepRow(
        step,
        name,
        words.text("minutes_short", n=step.minutes),
        gauge,
        text_blocks(lines, small, styles),
        spine,
        styles,
    )


@builds("warning")
def warning(block: Block, ctx: BlockContext) -> list[Piece]:
    """The snippet's lines in a warning box, with its symbol."""
    lines = ctx.lines(block)
    styles = ctx.styles
    return [WarningBox(text_blocks(lines, styles.text(), styles), styles)] if lines else []


@builds("diagrams")
def diagrams(block: Block, ctx: BlockContext) -> list[Piece]:
    """The techniques' diagrams in a grid that grows into the room the side leaves, each with
    its caption from the block's snippet."""
    techniques = [t for t in ctx.plan.techniques if t.diagram is not None]
    if not techniques:
        return []
    styles = ctx.styles
    style = styles.text("muted", centred=True, role="caption")  # centred under the figure
    captions = []
    for number, tech in enumerate(techniques, start=1):
        fields = technique_by_id(ctx.snippets.context, tech.id)
        lines = ctx.lines(block, tech.id, {"technique": fields, "number": number})
        captions.append(text_blocks(lines, style, styles))
    keyed = bool(block.options.get("key", False))
    # the giver's position, with the key in the grid's free cells where there is room for it
    giver = TextBlock((Span(ctx.words.text("giver_caption")),), style) if keyed else None
    return [
        DiagramGrid(
            techniques,
            captions,
            styles,
            legend=bool(block.options.get("legend", False)),
            font=ctx.layout.font,
            min_width=max(MIN_DIAGRAM_WIDTH, styles.size * DIAGRAM_PER_PT),
            max_width=MAX_DIAGRAM_WIDTH,
            columns=block.options.get("columns"),
            key=ctx.key if keyed else None,
            giver=giver,
            alts=[describe_technique(t, ctx.words) for t in techniques],
            giver_alt=describe_giver(ctx.words),
        )
    ]


@builds("key")
def key(block: Block, ctx: BlockContext) -> list[Piece]:
    """The key to reading the card's diagrams: the symbols they draw."""
    drawn = [t for t in ctx.plan.techniques if t.diagram is not None]
    return [DiagramKey(ctx.styles.size, ctx.layout.font, ctx.key, drawn)] if drawn else []


@builds("rule")
def rule(block: Block, ctx: BlockContext) -> list[Piece]:
    """A thin line in the accent colour."""
    return [Rule(max(0.5, ctx.styles.size * 0.08), colour_of(ctx.layout.colours["accent"]))]


@builds("space")
def space(block: Block, ctx: BlockContext) -> list[Piece]:
    """Room, in lines of body text."""
    return [Space(ctx.styles.size * float(block.options.get("height", 1)))]


@builds("client")
def client(block: Block, ctx: BlockContext) -> list[Piece]:
    """The practice's logo and the client's details, if there are any."""
    lines = ctx.lines(block)
    logo = ctx.handout.logo
    if not lines and logo is None:
        return []
    styles = ctx.styles
    words = text_blocks(lines, styles.text("body"), styles)
    alt = describe_logo(ctx.handout.therapist, ctx.words)
    return [ClientBand(logo, words, styles.size * 1.2, styles.size * 3.6, alt)]


@builds("link")
def link(block: Block, ctx: BlockContext) -> list[Piece]:
    """The link as a QR code a phone can scan, with the snippet's words beside it."""
    address = ctx.handout.link
    if not address:
        return []
    styles = ctx.styles
    size = qr_size(address, QR_SIZES[0], "the card", most=QR_SIZES[1])
    words = text_blocks(ctx.lines(block), styles.text("muted"), styles)
    return [QrCode(address, size, words, styles.gap, describe_code(address, ctx.words))]


@builds("log")
def log(block: Block, ctx: BlockContext) -> list[Piece]:
    """A grid to tick week by week; the snippet's last line names its columns."""
    lines = ctx.lines(block)
    if not lines:
        return []
    styles = ctx.styles
    log = read_log_snippet(lines)
    grid = LogGrid(
        log.corner,
        log.columns,
        int(block.options.get("weeks", 6)),
        styles.size,
        ctx.fonts.regular,
        ctx.fonts.bold,
        ctx.layout.colours,
        styles.rtl,
    )
    words = text_blocks(log.words, styles.text("body"), styles)
    return [Stack([*words, grid], styles.size * 0.3)]
