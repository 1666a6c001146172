"""Drawing lines of text: the one seam every line of every product passes through.

`draw_line` writes one broken line's PDF text operators, knowing the paragraph's role (title,
heading, body, list item, caption, label, table cell, folio), so that marked content and a
tagged structure can be added in this one place. A paragraph's lines share one text object
(`TextWriter`); lines that hold right-to-left or shaped text go to booklet.text.shaping.

Runs are encoded straight through ReportLab's documented route for TrueType text
(`splitString` and `getSubsetInternalName`, see reportlab.pdfbase.ttfonts), quicker than a
text object, which measures every run again to move a cursor nobody reads.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from booklet.base.internals import Canvas, canvas_document, subset_state
from booklet.text.breaking import HYPHEN, ISOLATES, Line, Run, unit_width
from booklet.text.fonts import is_script_face
from booklet.text.tagging import Node, Paragraph, tags_of

if TYPE_CHECKING:  # for their names only: both are imported where text is drawn
    from reportlab.lib.colors import Color

    from booklet.text.shaping import TextState


SOFT_HYPHEN = "FEFF00AD"  # what a hyphen added at a line's end stands for (UTF-16, PDF hex)


@lru_cache(maxsize=64)
def colour_of(hex_colour: str) -> Color:
    from reportlab.lib.colors import HexColor

    return HexColor(hex_colour)


class TextWriter:
    """One paragraph's operators: a text object (BT ... ET) with the font, size and colour
    already set, added to the canvas as one literal. On a tagged canvas the text is marked
    content of the paragraph's structure element (`paragraph`); a list item's label and body
    are two elements, so two text objects, each in its own marked-content sequence."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.doc = canvas_document(canvas)
        self.ops: list[str] = []
        self.in_text = False
        self.current: TextState = [None, None]  # (font name, size), then the fill colour
        self.tags = tags_of(canvas)
        self.place: Paragraph | None = None  # where its lines go, on a tagged canvas
        self.marking: Node | None = None  # the element whose content is being written

    def paragraph(self, role: str, identity: object, bullet: str | None = None) -> None:
        """Say what the paragraph is, before its first line (booklet.text.tagging)."""
        if self.tags is not None:
            self.place = self.tags.paragraph(role, identity, bullet)

    def mark(self, role: str) -> None:
        """The next line's role: on a tagged canvas, its element's marked content opens."""
        place = self.place
        if place is None or self.tags is None:
            return
        node = place.label if role == "label" and place.listed else place.body
        if node is self.marking:
            return
        if self.in_text:
            self.ops.append("ET")
            self.in_text = False
        if self.marking is not None:
            self.ops.append(self.tags.close_content())
        if node is not None:  # a bullet has none: it stays decoration
            self.ops.append(self.tags.open_content(node))
        self.marking = node

    def text(self) -> None:
        """Inside a text object: open one if none is."""
        if not self.in_text:
            self.ops.append("BT")
            self.in_text = True

    def at(self, x: float, baseline: float) -> None:
        from reportlab.lib.rl_accel import fp_str

        self.text()
        self.ops.append(f"1 0 0 1 {fp_str(x)} {fp_str(baseline)} Tm")

    def show(self, text: str, face: str, size: float, colour: str) -> None:
        """Text in one face, size and colour, from the pen's position."""
        from reportlab.lib.rl_accel import escapePDF, fp_str
        from reportlab.pdfbase.pdfmetrics import getFont

        if colour != self.current[1]:
            self.current[1] = colour
            self.ops.append(fill_operator(colour))
        font = getFont(face)
        for subset, chunk in encode(font, text, self.doc):
            name = font.getSubsetInternalName(subset, self.doc)
            if (name, size) != self.current[0]:
                self.current[0] = (name, size)
                self.ops.append(f"{name} {fp_str(size)} Tf")
            self.ops.append(f"({escapePDF(chunk)}) Tj")

    def keeps_space(self, role: str) -> bool:
        """Whether a line ends with a space, unseen: on a tagged canvas, where its text object
        ends there. After a line that broke at a space (the words either side stay two words
        to a screen reader) and after a bullet (decoration: the words after it stay apart from
        it for a copy, even on a turned card); not after a list item's number, its label."""
        return self.place is not None and (role != "label" or self.marking is None)

    def soft_hyphen(self, x: float, baseline: float, run: Run) -> None:
        """A hyphen the line breaking added, at `x` where the line's words end: on a tagged
        canvas, content of its own that stands for a soft hyphen (U+00AD, as ISO 32000-1
        14.8.2.2.3 asks), so a screen reader or a copy joins the word again ("bleeding", not
        "bleed-ing"). Its own sequence, not one nested in the words' (poppler drops whatever
        follows a nested one), so the words' text object ends here and the next line opens
        the paragraph's content again. It prints where it did."""
        if self.in_text:
            self.ops.append("ET")
            self.in_text = False
        if self.marking is None or self.tags is None:
            raise AssertionError("a soft hyphen outside tagged content")
        self.ops.append(self.tags.close_content())
        self.ops.append(self.tags.open_content(self.marking, SOFT_HYPHEN))
        self.at(x, baseline)
        self.show(*run)
        self.ops.append("ET")
        self.in_text = False
        self.ops.append(self.tags.close_content())
        self.marking = None

    def close(self) -> None:
        if self.in_text:
            self.ops.append("ET")
        if self.marking is not None and self.tags is not None:
            self.ops.append(self.tags.close_content())
        if self.ops:
            self.canvas.addLiteral(" ".join(self.ops))


def lays_out_only(canvas: Canvas) -> bool:
    """A canvas that only lays out (a booklet's page-counting pass, `planning`): where things
    land is all it is for, so nothing needs painting on it (a third of such a pass's time)."""
    return bool(getattr(canvas, "planning", False))


def draw_line(
    writer: TextWriter,
    line: Line | list[Run],
    x: float,
    baseline: float,
    role: str,
    rtl: bool,
    space_after: bool = False,
) -> None:
    """One line of a paragraph whose role is `role`, its start at x on `baseline`.

    Every line of text either product prints is drawn here (a bullet or a number before a list
    item is a line of its own, role "label"); on a tagged canvas each line is marked content
    of its paragraph's structure element (a folio's is an artifact). `space_after`: the line
    broke at a space, which a tagged paragraph keeps (unseen at the line's end), so the words
    either side of the break stay two words to a screen reader."""
    if lays_out_only(writer.canvas):
        return
    writer.mark(role)
    runs = line.runs if isinstance(line, Line) else line
    if rtl or any(is_script_face(r[1]) for r in runs) or _has_rtl_runs(runs) or _isolates(runs):
        from booklet.text.shaping import line_ops

        writer.text()
        tools = (encode, fill_operator, unit_width)
        writer.ops += line_ops(runs, rtl, x, baseline, writer.doc, writer.current, tools)
        return
    writer.at(x, baseline)
    if isinstance(line, Line) and line.hyphenated and writer.marking is not None:
        words, hyphen = without_hyphen(runs)
        for run in words:
            writer.show(*run)
        end = x + sum(unit_width(text, face) * size for text, face, size, _ in words)
        writer.soft_hyphen(end, baseline, hyphen)
        return
    for run in runs:
        writer.show(*run)
    if space_after and runs and writer.keeps_space(role):
        writer.show(" ", *runs[-1][1:])


def without_hyphen(runs: list[Run]) -> tuple[list[Run], Run]:
    """A hyphenated line's runs without the hyphen at their end, and the hyphen as a run."""
    text, face, size, colour = runs[-1]
    head = text[: -len(HYPHEN)]
    words = [*runs[:-1], (head, face, size, colour)] if head else runs[:-1]
    return words, (HYPHEN, face, size, colour)


def _isolates(runs: list[Run]) -> bool:
    """Whether a line holds bidi isolates: they are resolved, and left out, with the bidi."""
    return any(c in r[0] for r in runs for c in ISOLATES)


def _has_rtl_runs(runs: list[Run]) -> bool:
    from booklet.text.scripts import has_rtl

    return any(has_rtl(r[0]) for r in runs)


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
def fill_operator(hex_colour: str) -> str:
    from reportlab.lib.rl_accel import fp_str

    c = colour_of(hex_colour)
    return f"{fp_str(c.red, c.green, c.blue)} rg"
