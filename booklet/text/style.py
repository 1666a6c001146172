"""How a paragraph is set: its faces, size, leading, colour, alignment, language and role.

The role says what the paragraph is (a title, a heading, body text, a list item, a caption, a
label, a table cell, a folio): every line is drawn knowing it (booklet.text.drawing.draw_line),
so a tagged PDF can mark each line as what it is.
"""

from __future__ import annotations

from typing import NamedTuple

from booklet.text.fonts import FontFamily, face
from booklet.text.markup import Span
from booklet.text.typography import ENGLISH, Typography

LEADING = 1.22  # a card's line height as a share of the font size
ROLES = ("title", "heading", "body", "item", "caption", "label", "cell", "folio")


class TextStyle(NamedTuple):
    fonts: FontFamily
    size: float
    colour: str
    bold: bool = False
    centred: bool = False
    indent: float = 0.0  # indent of every line at its start side (room for a bullet)
    bullet: str | None = None
    right: bool = False  # aligned right whatever its direction: a right-to-left layout's text
    left: bool = False  # aligned left whatever its direction: a left-to-right layout's titles,
    # headings and lists, so a badge or bullet stays beside words that read the other way
    leading_ratio: float = LEADING  # line height as a share of the size
    role: str = "body"  # one of ROLES
    lang: str = ""  # the language's hyphenation dictionary; "" never hyphenates
    rules: Typography = ENGLISH  # its quotes, apostrophes and no-break spaces
    title_face: str = ""  # a face for the whole paragraph (a booklet's display face)

    @property
    def leading(self) -> float:
        return self.size * self.leading_ratio

    def face(self, span: Span) -> str:
        if self.title_face:
            return self.title_face
        bold = span.bold or self.bold
        if span.italic:
            return face(self.fonts.bold_italic if bold else self.fonts.italic)
        return self.fonts.bold if bold else self.fonts.regular
