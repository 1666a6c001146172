"""The one text engine: a paragraph set line by line, on a card and on a booklet page alike.

Markup is parsed once (booklet.text.markup), words are typeset for their language and measured
once per style, lines are broken at any width (booklet.text.breaking), and every line is drawn
through one function that knows the paragraph's role (booklet.text.drawing.draw_line).
ReportLab's platypus Paragraph redid parsing, measuring and breaking at every size; it was
most of a card's render time, and the booklet now sets its text here too (platypus keeps only
the booklet's page flow).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from booklet.base.internals import Canvas
from booklet.text.breaking import (
    Line,
    Run,
    Word,
    break_lines,
    break_words,
    evens,
    unit_width,
    words_of,
)
from booklet.text.drawing import TextWriter, colour_of, draw_line, encode, fill_operator
from booklet.text.fonts import FontFamily, charmap
from booklet.text.markup import (
    BREAK,
    MAX_FONT_SIZE,
    MIN_FONT_SIZE,
    MarkupError,
    Span,
    parse,
    plain,
)
from booklet.text.scripts import first_strong, has_rtl
from booklet.text.stacking import Piece
from booklet.text.style import LEADING, TextStyle
from booklet.text.typography import telephone_numbers

__all__ = [
    "BREAK",
    "LEADING",
    "MAX_FONT_SIZE",
    "MIN_FONT_SIZE",
    "Line",
    "MarkupError",
    "Run",
    "Span",
    "TextBlock",
    "TextStyle",
    "Word",
    "break_lines",
    "break_words",
    "colour_of",
    "draw_label",
    "encode",
    "fill_operator",
    "label_width",
    "parse",
    "plain",
    "plain_label",
    "unit_width",
    "words_of",
]


class TextBlock(Piece):
    """One paragraph: wraps to a width, draws its lines with a single text object."""

    def __init__(self, spans: tuple[Span, ...], style: TextStyle) -> None:
        self.spans = spans
        self.style = style
        text = plain(spans)
        # Unicode's rule: a paragraph reads the way its first letter with a direction does
        self.rtl = first_strong(text) == "rtl"
        self.complex = self.rtl or has_rtl(text)
        self.lines: list[Line] = []
        self._words: Sequence[Word | None] | None = None
        self._wrapped_width: float | None = None
        self.first_part = True  # a paragraph split across pages: its bullet on the first part
        self.identity = object()  # one paragraph, however many parts: one structure element

    @property
    def leading(self) -> float:
        return self.style.leading

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if avail_width != self._wrapped_width:
            self._wrapped_width = avail_width
            inner = max(1.0, avail_width - self.style.indent)
            if self._words is None:
                spans = isolated(self.spans, self.rtl) if self.complex else self.spans
                if self.rtl:
                    spans = upright(spans)
                self._words = words_of(spans, self.style)
            style = self.style
            self.lines = break_words(
                self._words, style.size, inner, style.leading_ratio, style.lang, evens(style)
            )
            self.height = self.lines_height(self.lines)
        self.width = avail_width
        return self.width, self.height

    @staticmethod
    def lines_height(lines: list[Line]) -> float:
        return sum(line.advance for line in lines)

    @property
    def natural_width(self) -> float:
        """The widest line as broken: what a one-line label takes."""
        return max((line.width for line in self.lines), default=0.0)

    def part(self, start: int, end: int | None = None) -> TextBlock:
        """The same paragraph holding only lines [start:end], broken as they are: the pieces
        of a paragraph split across two pages."""
        piece = TextBlock(self.spans, self.style)
        piece._words, piece._wrapped_width = self._words, self._wrapped_width
        piece.lines = self.lines[start:end]
        piece.width, piece.height = self.width, self.lines_height(piece.lines)
        piece.first_part = self.first_part and start == 0
        piece.identity = self.identity
        return piece

    @property
    def mirrored(self) -> bool:
        """Set from the right: aligned right, its bullet and indent on the right. The layout's
        direction decides where the style says so (`right`, `left`), else the paragraph's own."""
        return self.style.right or (self.rtl and not self.style.left)

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802
        """Write the paragraph's lines in one text object, each through `draw_line`."""
        style = self.style
        mirrored = self.mirrored
        writer = TextWriter(canvas)
        writer.paragraph(style.role, self.identity, style.bullet)
        baseline = y + self.height
        for number, line in enumerate(self.lines):
            baseline -= line.advance if number else line.size
            offset = style.indent
            if style.centred:
                offset += (self.width - style.indent - line.width) / 2
            elif mirrored:  # right-aligned; a bullet's room on the right
                offset = self.width - style.indent - line.width
            if number == 0 and style.bullet and self.first_part:
                self.draw_bullet(writer, x, baseline, mirrored)
            last = number == len(self.lines) - 1
            spaced = not last and bool(line.runs) and not line.runs[-1][0].endswith(HYPHENS)
            draw_line(writer, line, x + offset, baseline, style.role, self.rtl, spaced)
        writer.close()

    def draw_bullet(self, writer: TextWriter, x: float, baseline: float, mirrored: bool) -> None:
        """The bullet or number in the indent at the line's start: at the left, or at the
        right of a mirrored paragraph, where a number reads right to left ("1." as ".1")."""
        style = self.style
        bullet: list[Run] = [(style.bullet or "", style.fonts.regular, style.size, style.colour)]
        if not mirrored:  # an unseen space after it, when it is a text object of its own
            draw_line(writer, bullet, x, baseline, "label", False, space_after=True)
            return
        width = unit_width(style.bullet or "", style.fonts.regular) * style.size
        at = x + self.width - max(width, style.indent * 0.75)
        draw_line(writer, bullet, at, baseline, "label", True)


# --- bidi isolation ----------------------------------------------------------------------------

FSI, PDI = "\u2068", "\u2069"  # first strong isolate, pop directional isolate (UAX #9)


def upright(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """A right-to-left paragraph's spans, none of them italic: Hebrew and Arabic have no
    italic (their faces print upright), so an italic message printed its digits and Latin
    words slanted among upright letters, which reads as a printing error (a native reviewer's
    finding). Bold stays."""
    if not any(span.italic for span in spans):
        return spans
    return tuple(span._replace(italic=False) if span.italic else span for span in spans)


def isolated(spans: tuple[Span, ...], rtl: bool) -> tuple[Span, ...]:
    """Each span that reads the other way from its paragraph, isolated (FSI ... PDI): in
    "Position: يستلقي الشريك." the Arabic value keeps its full stop at its own end, and a
    number or a bracket stays with the words it belongs to. A label and its value are
    different spans (the label is bold), so the value is what gets isolated."""
    own = "rtl" if rtl else "ltr"
    out = []
    for span in spans:
        core = span.text.strip(" ")
        if span is BREAK or FSI in span.text:
            out.append(span)
            continue
        if first_strong(core) in (None, own):  # in a left-to-right paragraph, a number after
            text = addresses_isolated(span.text) if rtl else numbers_isolated(span.text)  # Hebrew
            out.append(span._replace(text=text))
            continue
        start = span.text.index(core)
        inner = numbers_isolated(core) if rtl else addresses_isolated(core)  # numbers as typed
        text = f"{span.text[:start]}{FSI}{inner}{PDI}{span.text[start + len(core) :]}"
        out.append(span._replace(text=text))
    return tuple(out)


_TOKEN = re.compile(r"\S+")
_CLOSING = ".,;:!?)]}»”’\"'،؛؟"  # what may follow an address, left outside its isolate


def phones_isolated(text: str) -> str:
    """Each telephone number in right-to-left text, isolated, so that its groups keep their
    order: the bidi algorithm draws "050-1234567" in Arabic text as "1234567-050", and
    "050 123 4567" in Hebrew or Arabic as "4567 123 050". What is a telephone number is
    booklet.text.typography's to say; a range ("5-10 دقائق") reads right to left, as Arabic
    has it (reviewed by a native speaker)."""
    out, last = [], 0
    for start, end in telephone_numbers(text):
        out += [text[last:start], FSI, text[start:end], PDI]
        last = end
    return "".join(out) + text[last:] if out else text


_HEBREW = re.compile(r"[\u0590-\u05ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_NUMBER = r"\d+(?:[.,:]\d+)*"  # 5, 9:00:00, 1.5.25, 1,000,000: separators no digit is
_DASHED_RANGE = re.compile(  # after a Hebrew prefix too ("ל5–10"); a minus before, % or ° after
    rf"(?<![0-9A-Za-z_.,:\u0600-\u06ff])\u2212?{_NUMBER}"
    rf"(?:[ \u00a0]?[\u2012\u2013\u2014][ \u00a0]?{_NUMBER})+[%°‰]?(?!\w|[.,:]\d)"
)


def ranges_isolated(text: str) -> str:
    """In Hebrew text, a range typed with a dash ("5–10", "9:00–17:00", "1.5.25–3.5.25"; a
    chain too, "5–10–15", and a number so typed, "03–123–4567"), isolated: the bidi
    algorithm keeps "5-10" with a hyphen left to right in Hebrew but turns it round with a
    dash, so one card would show ranges two ways (found by a native reviewer). Arabic text is
    left alone: there a range reads right to left with either mark."""
    if not _HEBREW.search(text) or _ARABIC.search(text) or not any(c.isdigit() for c in text):
        return text
    return _DASHED_RANGE.sub(lambda m: f"{FSI}{m.group()}{PDI}", text)


def numbers_isolated(text: str) -> str:
    """Telephone numbers and Hebrew dash ranges isolated (`phones_isolated`, `ranges_isolated`),
    for text whose own direction is left to right but that holds Hebrew or Arabic words."""
    if not any(c.isdigit() for c in text):
        return text
    return ranges_isolated(phones_isolated(text))


def addresses_isolated(text: str) -> str:
    """Each web or mail address in right-to-left text, isolated: broken across lines after a
    slash, its pieces still read left to right, the slash at their end, not their start. The
    isolate holds the address alone: from its first Latin letter or digit (not a bracket, a
    quote or a Hebrew prefix before it) to its last character before closing punctuation.
    Telephone numbers are isolated too (`phones_isolated`)."""
    if any(c.isdigit() for c in text):
        text = ranges_isolated(phones_isolated(text))
    if "/" not in text and "@" not in text:
        return text

    def isolate(found: re.Match[str]) -> str:
        token = found.group()
        if "/" not in token and "@" not in token:
            return token
        start = next((i for i, c in enumerate(token) if c.isascii() and c.isalnum()), None)
        end = len(token.rstrip(_CLOSING))
        if start is None or start >= end:
            return token
        address = token[start:end]
        if ("/" not in address and "@" not in address) or first_strong(address) != "ltr":
            return token
        return f"{token[:start]}{FSI}{address}{PDI}{token[end:]}"

    return _TOKEN.sub(isolate, text)


HYPHENS = ("-", "\u2010", "\u00ad")  # a line that ends in one breaks inside a word


# --- one-line labels (diagrams, keys, timelines) -----------------------------------------------


def plain_label(text: str, font: str) -> bool:
    """Whether the face alone draws the label left to right: then it is a plain string."""
    return not has_rtl(text) and charmap(font).issuperset(text)


@lru_cache(maxsize=1024)
def _label_block(text: str, font: str, size: float, colour: str) -> TextBlock:
    style = TextStyle(FontFamily(font, font, font, font), size, colour, role="label")
    block = TextBlock((Span(text),), style)
    block.wrap(1e6, 1e6)
    block.width = block.natural_width
    return block


def label_width(text: str, font: str, size: float) -> float:
    """A one-line label's width as it prints: in fallback faces for letters its face lacks,
    shaped, so a key or legend in Hebrew or Hindi is measured as it is drawn."""
    if plain_label(text, font):
        return unit_width(text, font) * size
    return float(_label_block(text, font, size, "#000000").width)


def draw_label(
    canvas: Canvas, text: str, font: str, size: float, colour: str, x: float, y: float, anchor: str
) -> None:
    """A one-line label, its baseline at y; `anchor` is start, middle or end of the label at x."""
    block = _label_block(text, font, size, colour)
    width = block.width
    left = {"middle": x - width / 2, "end": x - width}.get(anchor, x)
    first = block.lines[0].size if block.lines else size
    block.drawOn(canvas, left, y - block.height + first)
