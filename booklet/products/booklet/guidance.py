"""The pages before the techniques: before you begin, when not to massage, the pressure scale.

Each is a function of a kit and a body size, so the kit can fit it to one page.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from booklet.data.model import PRESSURE_LEVELS, pressure_rank
from booklet.draw.describe import describe_key
from booklet.draw.pieces import DiagramKey, Gauge, Styles, WarningBox
from booklet.products.booklet.flowables import PieceFlowable
from booklet.products.booklet.kit import BookKit, heading, marked_paragraphs, title_paragraph
from booklet.text.markup import Para, Span
from booklet.text.paragraph import TextBlock


def before_you_begin(kit: BookKit, s: Styles) -> list[Flowable]:
    """The layout's own words on setting up: the room, the oil, the person."""
    return marked_paragraphs(kit.lines("before.j2"), s)


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
    out: list[Flowable] = [title_paragraph(lines[0].spans, s)]
    if boxed:
        box = PieceFlowable(WarningBox([s.paragraph(*p) for p in boxed], s, icon=False))
        fw, fh = kit.frame_size
        if box.wrap(fw, fh)[1] <= fh * 0.8:  # a box cannot break across pages
            out += [box, Spacer(1, s.size * 1.2)]
        else:  # a very small page: the list flows on, unboxed
            out += marked_paragraphs(boxed, s)
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
    out += [
        Spacer(1, s.size * 0.4),
        heading(kit.words.text("reading_diagrams"), s),
        PieceFlowable(DiagramKey(s.size, kit.layout.font, kit.key_words, key_alt(kit))),
    ]
    return out


def key_alt(kit: BookKit) -> str:
    """The key's figure in words (a tagged PDF's alternative text)."""
    return describe_key([label for _, label in kit.key_words.labels], kit.words)


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
