"""The diagrams' symbols, one meaning each, and their words: what the key lists.

A diagram draws a symbol only for what its data says (a stroke, a light return, the path the
hands travel, order numbers when there are two or more steps, a hand mark per stroke that says
how it touches, a hand's letter where it matters which hand); `symbols_of` says which, from the
same data, so a key lists exactly what the pictures use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from booklet.data.figure import centres
from booklet.data.language import Words
from booklet.data.model import CAUTION_ZONES, CONTACTS, Diagram, Stroke

# Every symbol, in the order a key lists them.
KEY_KINDS = (
    "stroke",
    "return",
    "travel",
    "order",
    "circle",
    "knead",
    "press",
    "palm",
    "fingertips",
    "thumbs",
    "knuckles",
    "forearm",
    "elbow",
    "right",
    "left",
    "spine",
    "caution",
)
HAND_KINDS = CONTACTS  # a hand mark for each way a stroke touches (booklet.data.model)
LETTERED = ("right", "left")


class KeyWords(NamedTuple):
    """The key's words in one language: a label for each symbol, the note under them, the
    zones' names and how a legend says to go gently there, and each hand's letter. Hashable,
    so a key's art is cached per language."""

    labels: tuple[tuple[str, str], ...]
    note: str
    zones: tuple[tuple[str, str], ...] = (("ribs", "ribs"), ("lower-back", "kidneys"))
    legend_caution: str = "{zones}: go gently"
    rtl: bool = False  # a right-to-left language: each symbol right of its label
    list_and: str = "{a} and {b}"
    letters: tuple[tuple[str, str], ...] = (("right", "R"), ("left", "L"))
    list_comma: str = ", "  # "، " in Arabic
    # how each symbol is drawn, and the key in words: a tagged PDF's alternative text for it
    # (booklet.draw.describe.describe_key)
    looks: tuple[tuple[str, str], ...] = ()
    alt_key: str = "Key to the diagrams: {items}."
    alt_item: str = "{label} ({look})"
    alt_separator: str = "; "  # between the items, as the language sets a semicolon

    def label(self, kind: str, zones: Iterable[str] = ()) -> str:
        """A symbol's words; the caution zones' names them ("ribs and kidneys: go gently")."""
        named = [dict(self.zones).get(z, z) for z in zones]
        if kind == "caution" and named:
            return self.legend_caution.replace("{zones}", self.join(named))
        return dict(self.labels).get(kind, kind)

    def join(self, items: list[str]) -> str:
        if len(items) < 2:
            return "".join(items)
        head = self.list_comma.join(items[:-1])
        return self.list_and.replace("{a}", head).replace("{b}", items[-1])

    def letter(self, hand: str) -> str:
        return dict(self.letters).get(hand, "")

    def look(self, kind: str) -> str:
        """How a symbol is drawn, in words ("a solid arrow"); a hand's with its letter."""
        text = dict(self.looks or ENGLISH_LOOKS).get(kind, "")
        return text.replace("{letter}", self.letter(kind))


ENGLISH_LOOKS = (
    ("stroke", "a solid arrow"),
    ("return", "a pale dashed arrow"),
    ("travel", "a dotted line with an open arrowhead"),
    ("order", "a number in a circle"),
    ("circle", "a curved arrow"),
    ("knead", "two arcs facing each other around a dot"),
    ("press", "a dot in a ring"),
    ("palm", "a hand, all of it filled in"),
    ("fingertips", "a hand with its fingertips filled in"),
    ("thumbs", "a hand with its thumb and fingers filled in"),
    ("knuckles", "a hand with its knuckles filled in"),
    ("forearm", "a hand with its forearm filled in"),
    ("elbow", "an arm with its elbow filled in"),
    ("right", "a hand marked {letter}"),
    ("left", "a hand marked {letter}"),
    ("spine", "a hatched band"),
    ("caution", "a dotted area"),
)


ENGLISH_KEY = KeyWords(
    (
        ("stroke", "stroke, this way"),
        ("return", "light return"),
        ("travel", "move along this way"),
        ("order", "order of strokes"),
        ("circle", "circles this way"),
        ("knead", "squeeze, release"),
        ("press", "press, release"),
        ("palm", "palm flat"),
        ("fingertips", "fingertips"),
        ("thumbs", "thumbs and fingers"),
        ("knuckles", "knuckles"),
        ("forearm", "forearm"),
        ("elbow", "elbow, lightly"),
        ("right", "your right hand"),
        ("left", "your left hand"),
        ("spine", "spine: no pressure"),
        ("caution", "go gently here"),
    ),
    "Seen from above, head at the top: your partner's left is on the left.",
)


def key_words(words: Words) -> KeyWords:
    """The key's and the legends' words from a language's catalogue."""
    group = words.group("key")
    looks = words.group("key_looks")
    return KeyWords(
        tuple((kind, group.get(kind, dict(ENGLISH_KEY.labels)[kind])) for kind in KEY_KINDS),
        words.text("key_note"),
        tuple(words.group("zones").items()),
        words.text("legend_caution"),
        words.rtl,
        words.text("list_and"),
        tuple(words.group("hand_letters").items()),
        words.text("list_comma"),
        tuple((kind, looks.get(kind, dict(ENGLISH_LOOKS)[kind])) for kind in KEY_KINDS),
        words.text("alt_key"),
        words.text("alt_key_item"),
        words.text("list_semicolon"),
    )


def numbered(diagram: Diagram) -> bool:
    """Order numbers mean an order: a diagram shows them only when it has two steps or more."""
    return len({s.order for s in diagram.strokes if s.order is not None}) >= 2


def travels(stroke: Stroke) -> bool:
    """Marks made in place (circles, kneading, presses) as the hands work along a path."""
    return stroke.kind in ("circles", "knead", "press") and len(centres(stroke)) >= 2


def stroke_symbols(stroke: Stroke, hands: bool = True) -> list[str]:
    """What one stroke draws."""
    out: list[str] = []
    if stroke.kind in ("glide", "alternate", "rake"):
        out.append("return" if stroke.returning else "stroke")
    else:
        out.append({"circles": "circle", "knead": "knead", "press": "press"}[stroke.kind])
        if travels(stroke):
            out.append("travel")
    if hands and stroke.contact:
        out.append(stroke.contact)
        if stroke.hand in LETTERED:
            out.append(stroke.hand)
    return out


def symbols_of(diagram: Diagram | None, instructions: bool = True) -> tuple[str, ...]:
    """The symbols a diagram draws, in the key's order. Without `instructions` (a calm
    picture, as on a cover) there are no numbers and no hands."""
    found = {"spine"}
    if diagram is not None:
        for stroke in diagram.strokes:
            found.update(stroke_symbols(stroke, instructions))
        if instructions and numbered(diagram):
            found.add("order")
        if diagram.caution:
            found.add("caution")
    return tuple(k for k in KEY_KINDS if k in found)


def union(diagrams: Iterable[Diagram | None]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The symbols and the caution zones of several diagrams together: a card's key."""
    kinds: set[str] = set()
    zones: list[str] = []
    for diagram in diagrams:
        kinds.update(symbols_of(diagram))
        for zone in diagram.caution if diagram else ():
            if zone not in zones:
                zones.append(zone)
    ordered = tuple(z for z in CAUTION_ZONES if z in zones) + tuple(
        z for z in zones if z not in CAUTION_ZONES
    )
    return tuple(k for k in KEY_KINDS if k in kinds), ordered
