"""Card text: a small paragraph markup, parsed once and broken into lines at any size.

A card side is fitted by trying body sizes from the layout's own down to its legible minimum, so
the work is split by what changes: markup is parsed once per snippet line, each word is
measured once per font, and breaking lines at a size is then a walk over cached widths.
ReportLab's platypus Paragraph redid all three at every size; it was most of a card's render
time, and importing it a third of start-up.

Markup is the part of ReportLab's that snippets need: `<b>`, `<i>` (and `<strong>`, `<em>`),
`<font color="#hex" size="pt">`, `<br/>`, and entities such as `&amp;`. Anything else is an
error that says what to write instead, never a silent drop and never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, Protocol

from booklet.base.internals import Canvas, canvas_document, subset_state
from booklet.text.fonts import (
    FontFamily,
    charmap,
    describe_chars,
    face,
    font_label,
    is_script_face,
    missing_chars,
    missing_hint,
)
from booklet.text.scripts import face_runs, first_strong, has_rtl
from booklet.text.stacking import Piece

if TYPE_CHECKING:  # for their names only: both are imported where text is drawn
    from reportlab.lib.colors import Color

    from booklet.text.shaping import TextState

LEADING = 1.22  # line height as a share of the font size
MIN_FONT_SIZE, MAX_FONT_SIZE = 4.0, 72.0


class MarkupError(ValueError):
    """Snippet markup that cannot be read; the message says what to write instead."""


class Span(NamedTuple):
    """A stretch of text in one face and colour. size is absolute pt from <font size>, or None
    for the paragraph's own size (which shrinks with the card)."""

    text: str
    bold: bool = False
    italic: bool = False
    colour: str | None = None
    size: float | None = None


BREAK = Span("\n")

_TAG = re.compile(
    r"<(/?)([A-Za-z]+)((?:\s+[A-Za-z_-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))*)\s*(/?)>"
)
_ATTRIBUTE = re.compile(r"([A-Za-z_-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))")
_SPACES = re.compile(r"[ \t\r\n]+")
_HEX = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")
_STYLE_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic"}
KNOWN_TAGS = '<b>, <i>, <font color="#hex" size="pt"> and <br/>'


@lru_cache(maxsize=4096)
def parse(markup: str) -> tuple[Span, ...]:
    """Markup to spans. Whitespace runs become one space, as in HTML and ReportLab."""
    spans: list[Span] = []
    stack: list[tuple[str, Span]] = []
    style = Span("")
    pos = 0
    for match in _TAG.finditer(markup):
        _add_text(spans, markup[pos : match.start()], style)
        pos = match.end()
        closing, name, attributes, self_closing = match.groups()
        name = name.lower()
        if name == "br":
            spans.append(BREAK)
            continue
        if closing:
            if not stack or stack[-1][0] != name:
                expected = f"</{stack[-1][0]}>" if stack else "no closing tag"
                raise MarkupError(f"</{name}> does not match: expected {expected}.")
            style = stack.pop()[1]
            continue
        if name in _STYLE_TAGS:
            if attributes.strip():
                raise MarkupError(f"<{name}> takes no attributes.")
            turned_on = _STYLE_TAGS[name]  # "bold" or "italic"
            bold, italic = style.bold or turned_on == "bold", style.italic or turned_on == "italic"
            changed = Span("", bold, italic, style.colour, style.size)
        elif name == "font":
            changed = _font(style, attributes)
        else:
            raise MarkupError(
                f"<{name}> is not a tag snippets understand. Use {KNOWN_TAGS}, "
                "or write &lt; for a literal '<'."
            )
        if self_closing:
            continue
        stack.append((name, style))
        style = changed
    _add_text(spans, markup[pos:], style)
    if stack:
        raise MarkupError(f"<{stack[-1][0]}> is never closed. Add </{stack[-1][0]}>.")
    return tuple(spans)


def _font(style: Span, attributes: str) -> Span:
    colour, size = style.colour, style.size
    for match in _ATTRIBUTE.finditer(attributes):
        key = match.group(1).lower()
        value = next(v for v in match.groups()[1:] if v is not None).strip()
        if key in ("color", "colour"):
            if not _HEX.fullmatch(value):
                raise MarkupError(
                    f'<font color="{value}"> is not a colour. Use a hex colour like "#1F1F1F".'
                )
            colour = value
        elif key == "size":
            try:
                points = float(value)
            except ValueError:
                points = -1.0
            if not MIN_FONT_SIZE <= points <= MAX_FONT_SIZE:
                raise MarkupError(
                    f'<font size="{value}"> is not a size. Use a number of points from '
                    f"{MIN_FONT_SIZE:g} to {MAX_FONT_SIZE:g}."
                )
            size = points
        else:
            raise MarkupError(f"<font> has no '{key}' attribute. Use color or size.")
    return Span("", style.bold, style.italic, colour, size)


def _add_text(spans: list[Span], raw: str, style: Span) -> None:
    if not raw:
        return
    if "<" in raw or ">" in raw:
        raise MarkupError(
            f"'{raw.strip()[:30]}' has a '<' or '>' that is not a tag. Write &lt; or &gt; "
            f"for the character itself; tags are {KNOWN_TAGS}."
        )
    text = _SPACES.sub(" ", raw)
    if "&" in text:
        from html import unescape

        text = unescape(text)
    if text:
        spans.append(Span(text, style.bold, style.italic, style.colour, style.size))


def plain(spans: tuple[Span, ...]) -> str:
    return "".join(s.text for s in spans)


# --- measuring ---------------------------------------------------------------------------------

_WIDTHS: dict[tuple[str, str], float] = {}


def unit_width(text: str, font: str) -> float:
    """Width of text at 1 pt, cached: the same words recur on every card and at every size."""
    key = (text, font)
    width = _WIDTHS.get(key)
    if width is None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        if len(_WIDTHS) > 200_000:
            _WIDTHS.clear()
        if is_script_face(font):  # shaped: joined letters and conjuncts have widths of their own
            from booklet.text.shaping import shaped_width

            width = _WIDTHS[key] = shaped_width(text, font)
        else:
            width = _WIDTHS[key] = stringWidth(text, font, 1000) / 1000
    return width


class TextStyle(NamedTuple):
    fonts: FontFamily
    size: float
    colour: str
    bold: bool = False
    centred: bool = False
    indent: float = 0.0  # left indent of every line (room for a bullet)
    bullet: str | None = None
    right: bool = False  # aligned right whatever its direction: a right-to-left layout's text

    @property
    def leading(self) -> float:
        return self.size * LEADING

    def face(self, span: Span) -> str:
        bold = span.bold or self.bold
        if span.italic:
            return face(self.fonts.bold_italic if bold else self.fonts.italic)
        return self.fonts.bold if bold else self.fonts.regular


Run = tuple[str, str, float, str]  # text, font, size, colour
Space = tuple[float, str, float, str]  # a space: width, font, size, colour


@dataclass
class Line:
    runs: list[Run]
    width: float
    size: float  # the largest font size on the line

    @property
    def advance(self) -> float:
        return self.size * LEADING


Word = tuple[tuple[Run, ...], float, Space | None]  # (parts, width, the space after it)


def break_lines(spans: tuple[Span, ...], style: TextStyle, width: float) -> list[Line]:
    """Greedy line breaking at spaces; a word wider than the line is split between letters."""
    return break_words(words_of(spans, style), style.size, width)


def break_words(words: list[Word | None], base_size: float, width: float) -> list[Line]:
    lines: list[Line] = []
    runs: list[Run] = []  # merged while the style holds
    line_w = 0.0
    line_size = base_size
    space: Space | None = None  # the space after the last word on the line
    limit = width + 1e-6
    for word in words:
        if word is None:  # forced break
            lines.append(Line(runs, line_w, line_size))
            runs, line_w, line_size, space = [], 0.0, base_size, None
            continue
        parts, word_w, after = word
        if runs:
            gap = space[0] if space else 0.0
            if line_w + gap + word_w > limit:
                lines.append(Line(runs, line_w, line_size))
                runs, line_w, line_size = [], 0.0, base_size
            elif space:
                last = runs[-1]
                if last[1] == space[1] and last[2] == space[2] and last[3] == space[3]:
                    runs[-1] = (last[0] + " ", last[1], last[2], last[3])
                else:
                    runs.append((" ", space[1], space[2], space[3]))
                line_w += gap
        if not runs and word_w > limit:
            line_w, line_size = _split_long_word(parts, width, runs, lines, base_size)
        else:
            for text, font, size, colour in parts:
                tail = runs[-1] if runs else None
                if tail and tail[1] == font and tail[2] == size and tail[3] == colour:
                    runs[-1] = (tail[0] + text, font, size, colour)
                else:
                    runs.append((text, font, size, colour))
                if size > line_size:
                    line_size = size
            line_w += word_w
        space = after
    if runs:
        lines.append(Line(runs, line_w, line_size))
    return lines


@lru_cache(maxsize=4096)
def _check_drawable(text: str, font: str) -> None:
    """The last line of defence of the glyph check: whatever a card draws, from wherever it
    came, is never a silent empty box. (The data and snippet checks name the field first.)"""
    missing = missing_chars(text, font)
    if missing:
        from booklet.base.errors import BookletError

        raise BookletError(
            f"{describe_chars(missing)} in '{text[:40]}' cannot be printed with the font "
            f"'{font_label(font)}'. {missing_hint(missing)}"
        )


def words_of(spans: tuple[Span, ...], style: TextStyle) -> list[Word | None]:
    """Words with their widths and the space after each; None for a forced line break. They
    depend on the style, not the width, so a paragraph measures them once."""
    words: list[Word | None] = []
    parts: list[tuple[str, str, float, str]] = []
    width = 0.0
    for span in spans:
        if span is BREAK:
            if parts:
                words.append((tuple(parts), width, None))
                parts, width = [], 0.0
            words.append(None)
            continue
        font = style.face(span)
        _check_drawable(span.text, font)
        size = span.size or style.size
        colour = span.colour or style.colour
        pieces = span.text.split(" ")
        for i, piece in enumerate(pieces):
            if i > 0 and parts:  # a space came before this piece: the word so far is done
                space = (unit_width(" ", font) * size, font, size, colour)
                words.append((tuple(parts), width, space))
                parts, width = [], 0.0
            if piece:
                for text, run_font in face_runs(piece, font):
                    parts.append((text, run_font, size, colour))
                    width += unit_width(text, run_font) * size
    if parts:
        words.append((tuple(parts), width, None))
    return words


def _split_long_word(
    parts: tuple[Run, ...], width: float, runs: list[Run], lines: list[Line], base_size: float
) -> tuple[float, float]:
    """Letters of an over-long word, as many to a line as fit. Returns the last line's width
    and size so far; the last line stays open for what follows."""
    line_w, line_size = 0.0, base_size
    for text, font, size, colour in parts:
        for char in text:
            w = unit_width(char, font) * size
            if line_w > 0 and line_w + w > width + 1e-6:
                lines.append(Line(runs.copy(), line_w, line_size))
                runs.clear()
                line_w, line_size = 0.0, base_size
            last = runs[-1] if runs else None
            if last and last[1] == font and last[2] == size and last[3] == colour:
                runs[-1] = (last[0] + char, font, size, colour)
            else:
                runs.append((char, font, size, colour))
            line_w += w
            line_size = max(line_size, size)
    return line_w, line_size


# --- drawing -----------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def colour_of(hex_colour: str) -> Color:
    from reportlab.lib.colors import HexColor

    return HexColor(hex_colour)


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
        self._words: list[Word | None] | None = None
        self._wrapped_width: float | None = None

    @property
    def leading(self) -> float:
        return self.style.leading

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if avail_width != self._wrapped_width:
            self._wrapped_width = avail_width
            inner = max(1.0, avail_width - self.style.indent)
            if self._words is None:
                self._words = words_of(self.spans, self.style)
            self.lines = break_words(self._words, self.style.size, inner)
            self.height = sum(line.advance for line in self.lines)
        self.width = avail_width
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802
        """Write the paragraph's PDF text operators in one piece.

        The lines are already broken and every run knows its face, size and colour, so this
        goes straight to ReportLab's documented route for TrueType text (`splitString` and
        `getSubsetInternalName`, see reportlab.pdfbase.ttfonts) rather than through a text
        object, which measured every run again to move a cursor nobody reads."""
        from reportlab.lib.rl_accel import escapePDF, fp_str
        from reportlab.pdfbase.pdfmetrics import getFont

        doc = canvas_document(canvas)
        style = self.style
        ops = ["BT"]
        current: TextState = [None, None]  # the font and size, and the colour, already set

        def put(text: str, face: str, size: float, colour: str) -> None:
            if colour != current[1]:
                current[1] = colour
                ops.append(_fill_operator(colour))
            font = getFont(face)
            for subset, chunk in encode(font, text, doc):
                name = font.getSubsetInternalName(subset, doc)
                if (name, size) != current[0]:
                    current[0] = (name, size)
                    ops.append(f"{name} {fp_str(size)} Tf")
                ops.append(f"({escapePDF(chunk)}) Tj")

        baseline = y + self.height
        for number, line in enumerate(self.lines):
            baseline -= line.advance if number else line.size
            offset = style.indent
            if style.centred:
                offset += (self.width - style.indent - line.width) / 2
            elif self.rtl or style.right:  # right-aligned; a bullet's room on the right
                offset = self.width - style.indent - line.width
            if number == 0 and style.bullet:
                at = x + self.width - style.indent * 0.75 if self.rtl else x
                ops.append(f"1 0 0 1 {fp_str(at)} {fp_str(baseline)} Tm")
                put(style.bullet, style.fonts.regular, style.size, style.colour)
            if self.complex or any(is_script_face(r[1]) for r in line.runs):
                from booklet.text.shaping import line_ops

                tools = (encode, _fill_operator, unit_width)
                ops += line_ops(line.runs, self.rtl, x + offset, baseline, doc, current, tools)
                continue
            ops.append(f"1 0 0 1 {fp_str(x + offset)} {fp_str(baseline)} Tm")
            for run in line.runs:
                put(*run)
        ops.append("ET")
        canvas.addLiteral(" ".join(ops))


class _Codes:
    """A font's character codes in one document, as a str.translate table."""

    __slots__ = ("size", "table", "chars")

    def __init__(self) -> None:
        self.size = -1
        self.table: dict[int, int] = {}
        self.chars: frozenset[str] = frozenset()


_CODES: dict[int, tuple[object, _Codes]] = {}


class SubsetFont(Protocol):
    """What card text uses of a ReportLab TrueType font (reportlab.pdfbase.ttfonts.TTFont)."""

    def splitString(self, text: str, doc: object) -> list[tuple[int, bytes]]: ...  # noqa: N802

    def getSubsetInternalName(self, subset: int, doc: object) -> str: ...  # noqa: N802


def encode(font: SubsetFont, text: str, doc: object) -> list[tuple[int, bytes]]:
    """`font.splitString`, quicker for the usual case. splitString assigns each character a
    code in the font's subset the first time a document uses it, in a Python loop over every
    character; most of a card's characters were seen before. Once every character of `text`
    has its code and all codes fit the first subset, one str.translate gives the same bytes.
    Anything else (a new character, a second subset) goes to splitString itself."""
    state = subset_state(font, doc)
    assignments = getattr(state, "assignments", None)
    if assignments is None or getattr(state, "nextCode", 256) >= 256:
        return font.splitString(text, doc)
    entry = _CODES.get(id(state))
    if entry is None or entry[0] is not state:
        if len(_CODES) > 64:
            _CODES.clear()
        entry = _CODES[id(state)] = (state, _Codes())
    codes = entry[1]
    if codes.size != len(assignments):
        codes.table = dict(assignments)
        if 32 in assignments:
            codes.table[0xA0] = assignments[32]  # splitString prints a no-break space as one
        codes.chars = frozenset(map(chr, codes.table))
        codes.size = len(assignments)
    if not codes.chars.issuperset(text):
        return font.splitString(text, doc)
    return [(0, text.translate(codes.table).encode("latin-1"))] if text else []


@lru_cache(maxsize=64)
def _fill_operator(hex_colour: str) -> str:
    from reportlab.lib.rl_accel import fp_str

    c = colour_of(hex_colour)
    return f"{fp_str(c.red, c.green, c.blue)} rg"


# --- one-line labels (diagrams, keys) ----------------------------------------------------------


def plain_label(text: str, font: str) -> bool:
    """Whether the face alone draws the label left to right: then it is a plain string."""
    return not has_rtl(text) and charmap(font).issuperset(text)


@lru_cache(maxsize=1024)
def _label_block(text: str, font: str, size: float, colour: str) -> TextBlock:
    block = TextBlock((Span(text),), TextStyle(FontFamily(font, font, font, font), size, colour))
    block.wrap(1e6, 1e6)
    block.width = max((line.width for line in block.lines), default=0.0)  # its natural width
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
    """A label that needs the text engine (another script, right to left), its baseline at y;
    `anchor` is start, middle or end of the label at x."""
    block = _label_block(text, font, size, colour)
    width = block.width
    left = {"middle": x - width / 2, "end": x - width}.get(anchor, x)
    first = block.lines[0].size if block.lines else size
    block.drawOn(canvas, left, y - block.height + first)
