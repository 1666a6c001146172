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
from booklet.text.breaking import ISOLATES, Line, Run, unit_width
from booklet.text.fonts import is_script_face

if TYPE_CHECKING:  # for their names only: both are imported where text is drawn
    from reportlab.lib.colors import Color

    from booklet.text.shaping import TextState


@lru_cache(maxsize=64)
def colour_of(hex_colour: str) -> Color:
    from reportlab.lib.colors import HexColor

    return HexColor(hex_colour)


class TextWriter:
    """One text object's operators (BT ... ET), with the font, size and colour already set,
    added to the canvas as one literal."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.doc = canvas_document(canvas)
        self.ops: list[str] = ["BT"]
        self.current: TextState = [None, None]  # (font name, size), then the fill colour

    def at(self, x: float, baseline: float) -> None:
        from reportlab.lib.rl_accel import fp_str

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

    def close(self) -> None:
        self.ops.append("ET")
        self.canvas.addLiteral(" ".join(self.ops))


def draw_line(
    writer: TextWriter, line: Line | list[Run], x: float, baseline: float, role: str, rtl: bool
) -> None:
    """One line of a paragraph whose role is `role`, its start at x on `baseline`.

    Every line of text either product prints is drawn here (a bullet or a number before a list
    item is a line of its own, role "label"); the next step, a tagged PDF, marks each line as
    its role's structure element here."""
    runs = line.runs if isinstance(line, Line) else line
    if rtl or any(is_script_face(r[1]) for r in runs) or _has_rtl_runs(runs) or _isolates(runs):
        from booklet.text.shaping import line_ops

        tools = (encode, fill_operator, unit_width)
        writer.ops += line_ops(runs, rtl, x, baseline, writer.doc, writer.current, tools)
        return
    writer.at(x, baseline)
    for run in runs:
        writer.show(*run)


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
