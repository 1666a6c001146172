"""The key: what the diagrams' marks mean, drawn with the very marks the diagrams use, listing
exactly the symbols the pictures it goes with draw (booklet.draw.symbols.union), so a
first-timer reads a diagram without help. Text is set at the layout's body size."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from booklet.draw.art import DiagramArt, Ink, Shape, tagged
from booklet.draw.diagrams import KEY_ROW, key_note_lines, symbol_art, symbol_width
from booklet.draw.symbols import ENGLISH_KEY, KEY_KINDS, KeyWords
from booklet.text.fonts import register
from booklet.text.paragraph import label_width
from booklet.text.scripts import first_strong

ALL = KEY_KINDS  # a key to every symbol, for a page that explains them all


def _entries(
    words: KeyWords, symbols: Sequence[str], zones: Sequence[str]
) -> list[tuple[str, str]]:
    return [(kind, words.label(kind, zones)) for kind in symbols]


def _item_width(kind: str, label: str, size: float, font: str) -> float:
    return size * (symbol_width(kind) + 0.6) + label_width(label, font, size)


def key_height(
    width: float,
    size: float,
    font: str,
    words: KeyWords = ENGLISH_KEY,
    symbols: Sequence[str] = ALL,
    zones: Sequence[str] = (),
    note: bool = True,
) -> float:
    rows = key_grid(width, size, font, words, tuple(symbols), tuple(zones))[0]
    notes = key_note_lines(width, size, font, words) if note else []
    return rows * size * KEY_ROW + len(notes) * size * 1.25 + size * 0.9


def key_width(
    size: float,
    font: str,
    words: KeyWords = ENGLISH_KEY,
    symbols: Sequence[str] = ALL,
    zones: Sequence[str] = (),
) -> float:
    """The narrowest a key can be: one column, its longest label beside its symbol."""
    return max(_item_width(k, label, size, font) for k, label in _entries(words, symbols, zones))


@lru_cache(maxsize=64)
def key_grid(
    width: float,
    size: float,
    font: str,
    words: KeyWords = ENGLISH_KEY,
    symbols: tuple[str, ...] = ALL,
    zones: tuple[str, ...] = (),
) -> tuple[int, tuple[float, ...]]:
    """Rows, and where each column starts: items fill the columns top to bottom, each column
    as wide as its own longest label, and as many columns as fit (a short key on a card)."""
    items = [_item_width(k, label, size, font) for k, label in _entries(words, symbols, zones)]
    for columns in range(4, 0, -1):
        rows = -(-len(items) // columns)
        widths = [max(items[c * rows : (c + 1) * rows], default=0.0) for c in range(columns)]
        spare = width - sum(widths)
        if columns == 1 or spare >= size * (columns - 1):
            gap = spare / (columns - 1) if columns > 1 else 0.0
            starts = [sum(widths[:c]) + gap * c for c in range(columns)]
            return rows, tuple(starts)
    raise AssertionError("unreachable: one column always fits")


@lru_cache(maxsize=64)
def key_art(
    width: float,
    size: float,
    font: str = "sans",
    grayscale: bool = False,
    words: KeyWords = ENGLISH_KEY,
    symbols: tuple[str, ...] = ALL,
    zones: tuple[str, ...] = (),
    note: bool = True,
) -> DiagramArt:
    """The key to `symbols` (the caution zones named by `zones`), `width` wide, its text
    `size` pt; the note on which side is which under it, unless `note` is off (a key split
    over two pages has it once). Right to left, the columns run from the right and each
    symbol hugs its column's right edge; the symbols themselves are not mirrored (a circle's
    arrow says which way)."""
    fonts = register(font)
    ink = Ink(grayscale)
    rows, starts = key_grid(width, size, fonts.regular, words, symbols, zones)
    height = key_height(width, size, fonts.regular, words, symbols, zones, note)
    shapes: list[Shape] = []
    for index, (kind, label) in enumerate(_entries(words, symbols, zones)):
        col, row = divmod(index, rows)
        right = width - starts[col]
        sym = size * symbol_width(kind)
        x = right - sym if words.rtl else starts[col]
        y = height - size * KEY_ROW * (row + 1)  # the row's baseline
        drawn = symbol_art(kind, x, y, size, ink, fonts.bold, words)
        label_x = right - sym - size * 0.6 if words.rtl else x + sym + size * 0.6
        drawn.append(
            Shape(
                "text",
                fill=ink("text"),
                text=(label_x, y, label),
                font=fonts.regular,
                size=size,
                anchor="end" if words.rtl else "start",
            )
        )
        shapes += tagged(drawn, "legend", kind, 0, "key")
    notes = key_note_lines(width, size, fonts.regular, words) if note else []
    for number, line in enumerate(notes):
        baseline = size * 0.3 + (len(notes) - 1 - number) * size * 1.25
        rtl = first_strong(line) == "rtl"  # a right-to-left note sits at the right
        shapes.append(
            Shape(
                "text",
                fill=ink("text"),
                text=(width if rtl else 0.0, baseline, line),
                font=fonts.regular,
                size=size,
                anchor="end" if rtl else "start",
                layer="legend",
            )
        )
    return DiagramArt(width, height, tuple(shapes))
