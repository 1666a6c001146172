"""The pages before the techniques: before you begin, when not to massage, the pressure scale.

Each is a function of a kit and a body size, so the kit can fit it to one page.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from booklet.data.model import PRESSURE_LEVELS, pressure_rank
from booklet.draw.describe import describe_giver
from booklet.draw.giver import GiverFigure
from booklet.draw.grid import DiagramKey
from booklet.draw.pieces import Gauge, Styles
from booklet.products.booklet.flowables import PieceFlowable, SplitBox
from booklet.products.booklet.kit import BookKit, heading, marked_paragraphs, title_paragraph
from booklet.text.markup import Para, Span
from booklet.text.paragraph import TextBlock


def before_you_begin(kit: BookKit, s: Styles) -> list[Flowable]:
    """The layout's own words on setting up: the room, the oil, the person; and the giver's
    position as a picture, after the words on their own posture (or at the end)."""
    paras = kit.lines("before.j2")
    posture = kit.words.text("your_posture")
    heads = [i for i, p in enumerate(paras) if p.kind == "heading"]
    at = next((i for i in heads if plain_text(paras[i].spans) == posture), None)
    cut = next((i for i in heads if at is not None and i > at), len(paras))
    caption = TextBlock((Span(kit.words.text("giver_caption")),), s.text("muted", centred=True))
    figure = GiverFigure(s.size * 14, caption, s.size * 0.4, describe_giver(kit.words))
    return [
        *marked_paragraphs(paras[:cut], s),
        Spacer(1, s.size * 0.8),
        PieceFlowable(figure),
        *marked_paragraphs(paras[cut:], s),
    ]


def plain_text(spans: tuple[Span, ...]) -> str:
    """What a line says, without its styling."""
    return "".join(span.text for span in spans)


def split_at_heading(paras: list[Para]) -> tuple[list[Para], list[Para]]:
    """The paragraphs up to the first `##` heading, and the rest."""
    cut = next((i for i, p in enumerate(paras) if p.kind == "heading"), len(paras))
    return paras[:cut], paras[cut:]


def safety(kit: BookKit, s: Styles) -> list[Flowable]:
    """Its title; the lines up to the first ## heading in a box; the rest below."""
    lines = kit.lines("safety.j2")
    if not lines:
        return []
    boxed, rest = split_at_heading(lines[1:])
    title = title_paragraph(lines[0].spans, s)
    out: list[Flowable] = [title]
    if boxed:  # the box breaks between items where the page ends: the title stays with its
        title.keepWithNext = False  # first part (the section opens with room for 14 lines)
        out += [SplitBox([s.paragraph(*p) for p in boxed], s), Spacer(1, s.size * 1.2)]
    return out + marked_paragraphs(rest, s)


def pressure(kit: BookKit, s: Styles) -> list[Flowable]:
    """The snippet's introduction, a gauge for each level with the setting's words for it,
    the rest of the snippet, and the key to reading the diagrams."""
    out: list[Flowable] = []
    lines = kit.lines("pressure.j2")
    after: list[Para] = []
    if lines:
        out.append(title_paragraph(lines[0].spans, s))
        intro, after = split_at_heading(lines[1:])
        out += marked_paragraphs(intro, s)
    out.append(Spacer(1, s.size))
    for level in PRESSURE_LEVELS:
        out += [PieceFlowable(pressure_gauge(kit, level, s)), Spacer(1, s.size * 0.6)]
    out += marked_paragraphs(after, s)
    pictured = [t for t in kit.plan.techniques if t.diagram is not None]
    if not pictured:  # no pictures: nothing to read
        return out
    key = DiagramKey(s.size, kit.layout.font, kit.key_words, pictured)
    fw, fh = kit.frame_size
    out += [
        Spacer(1, s.size * 0.4),
        heading(kit.words.text("reading_diagrams"), s),
        *(PieceFlowable(part) for part in key.parts(fw, fh * 0.8)),  # a part never breaks
    ]
    return out


def pressure_gauge(kit: BookKit, level: str, s: Styles) -> Gauge:
    """One level of the scale: its boxes, its name and what it feels like."""
    text = kit.setting.pressure_scale.get(level, "")
    word = kit.words.item("pressure_levels", level)
    spans = (Span(word, bold=True), Span(f": {text}")) if text else (Span(word, bold=True),)
    label = TextBlock(spans, s.text())  # the language's typography spaces the colon
    colours = kit.layout.colours
    return Gauge(
        pressure_rank(level), label, s.size * 1.1, colours["accent"], colours["text"], s.rtl
    )
