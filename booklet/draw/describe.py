"""Pictures in words: the alternative text a screen reader speaks for each figure.

A diagram's text is written from its data, as the picture is drawn from it, one meaning per
symbol (booklet.draw.symbols): each stroke's kind says what the hands do (a solid arrow: a
stroke; a pale dashed arrow: a light return; circles, kneading or presses told by the path the
dotted line shows them travelling); the hand mark at its start says with what (contact,
mirror, which hand) and which way the fingers point, when not the way it goes; its points say
where it goes ("up beside the spine, then out over the shoulder blades"), read off the same
normalised back the picture uses (x across with the spine at 0.5, y from the waist to the
shoulders). Strokes are told in their order; caution zones close the text. The key says what
each symbol means and how it looks; the giver's picture, how to kneel. Every phrase comes
from the language's catalogue (the `alt_` and `key_looks` words of techniques/_words.yaml),
so the text is in the output's language.

Pure: data and words in, a sentence out.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from booklet.data.language import Words, fill
from booklet.data.model import Diagram, Plan, Point, Stroke, Technique
from booklet.draw.symbols import KeyWords
from booklet.text.typography import rules_for, typeset

SPINE_BAND = 0.17  # a path this close to the spine runs beside it
SIDE_BAND = 0.30  # further out than this, along the sides
STILL = 0.05  # a stroke that moves less than this stays where it is
SHORT = 0.12  # a part of a path shorter than this share of it is not told on its own
LONG = 0.4  # a path up or down the back this long says from where to where
OVERALL = ("circles", "knead", "press")  # told by where they travel, not by each turn


class Part(NamedTuple):
    """A stretch of a path in one direction: up, down, out (from the spine) or in."""

    direction: str
    points: tuple[Point, ...]

    @property
    def length(self) -> float:
        return sum(_distance(a, b) for a, b in zip(self.points, self.points[1:], strict=False))


def _distance(a: Point, b: Point) -> float:
    return float(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5)


def direction(a: Point, b: Point) -> str:
    """Up or down the back, or out from or in to the spine, whichever the move does most."""
    dy = b[1] - a[1]
    outward = abs(b[0] - 0.5) - abs(a[0] - 0.5)
    if abs(dy) >= abs(outward):
        return "up" if dy > 0 else "down"
    return "out" if outward > 0 else "in"


def parts(points: Sequence[Point]) -> list[Part]:
    """The path as stretches in one direction each; a short stretch joins its neighbour."""
    found: list[Part] = []
    for a, b in zip(points, points[1:], strict=False):
        if _distance(a, b) < 1e-6:
            continue
        way = direction(a, b)
        if found and found[-1].direction == way:
            found[-1] = found[-1]._replace(points=(*found[-1].points, b))
        else:
            found.append(Part(way, (a, b)))
    total = sum(p.length for p in found) or 1.0
    merged: list[Part] = []
    for part in found:
        if merged and part.length < total * SHORT:
            merged[-1] = merged[-1]._replace(points=(*merged[-1].points, *part.points[1:]))
        elif merged and merged[-1].length < total * SHORT:
            merged[-1] = part._replace(points=(*merged[-1].points, *part.points[1:]))
        else:
            merged.append(part)
    return merged[:3]


def overall(points: Sequence[Point]) -> list[Part]:
    """Circles, kneading and presses: where the marks travel, first to last; none if they
    stay in one place."""
    first, last = points[0], points[-1]
    if _distance(first, last) < STILL:
        return []
    return [Part(direction(first, last), tuple(points))]


def band(y: float) -> str:
    """Where on the back's length: the waist, the lower back, the middle, the shoulders."""
    if y < 0.18:
        return "waist"
    if y < 0.42:
        return "lower"
    if y < 0.72:
        return "middle"
    return "shoulders"


def across(y: float) -> str:
    """Where a stroke out from or in to the spine crosses the back."""
    if y > 0.93:
        return "shoulders"
    if y > 0.62:
        return "blades"
    if y > 0.3:
        return "middle"
    return "lower"


def alongside(points: Sequence[Point], both: bool) -> str:
    """Where a stroke up or down the back runs: beside the spine, on each side (or one), or
    along the sides."""
    xs = [p[0] for p in points]
    mean = sum(xs) / len(xs)
    off = abs(mean - 0.5)
    if off < SPINE_BAND:
        return "spine"
    side = "left" if mean < 0.5 else "right"
    if off < SIDE_BAND:
        return "each_side" if both else f"{side}_side"
    return "sides" if both else f"{side}_edge"


def part_words(part: Part, both: bool, words: Words) -> str:
    if part.direction in ("up", "down"):
        place = words.item("alt_places", alongside(part.points, both))
    else:
        place = words.item("alt_places", across(sum(p[1] for p in part.points) / len(part.points)))
    way = words.item("alt_directions", part.direction)
    return words.text("alt_segment", direction=way, place=place)


def path_words(stroke: Stroke, both: bool, words: Words) -> str:
    """Where the stroke goes, in words: each stretch in turn; for one long stretch up or down
    the back, from where to where; for marks that stay put, where they are."""
    points = stroke.points
    if stroke.kind == "alternate":
        way = Part("updown", tuple(points))
        place = words.item("alt_places", alongside(points, True))
        return words.text("alt_segment", direction=words.item("alt_directions", way.direction),
                          place=place)  # fmt: skip
    found = overall(points) if stroke.kind in OVERALL else parts(points)
    if not found:
        mean_y = sum(p[1] for p in points) / len(points)
        return words.item("alt_still", across(mean_y))
    text = part_words(found[0], both, words)
    for part in found[1:]:
        text = words.text("alt_then", a=text, b=part_words(part, both, words))
    if len(found) == 1 and found[0].direction in ("up", "down"):
        start, end = band(points[0][1]), band(points[-1][1])
        if start != end and abs(points[-1][1] - points[0][1]) >= LONG:
            extent = words.text(
                "alt_extent",
                start=words.item("alt_from", start),
                end=words.item("alt_to", end),
            )
            text = f"{text}{words.text('list_comma')}{extent}"
    return text


def with_words(stroke: Stroke, words: Words) -> str:
    """With what, as the hand mark at the stroke's start shows it: both palms, the right
    thumb, the fingertips of one hand; and which way the fingers point, unless it is the way
    the stroke goes ("with both palms, fingers pointing out to the sides")."""
    contact = stroke.contact or "hand"
    if stroke.mirror or stroke.hand == "both" or stroke.kind == "alternate":
        group = "alt_with_both"
    elif stroke.hand in ("right", "left"):
        group = f"alt_with_{stroke.hand}"
    else:
        group = "alt_with_one"
    hand = words.item(group, contact)
    if stroke.pointing not in POINTING_SAID:
        return hand
    pointing = words.item("alt_pointing", stroke.pointing)
    return words.text("alt_with_pointing", hand=hand, pointing=pointing)


POINTING_SAID = ("out", "in", "up", "down")  # "along", the way it moves, goes without saying


def stroke_kind(stroke: Stroke) -> str:
    """The stroke's phrase in the catalogue: a return, circles by their turn, or its kind."""
    if stroke.returning:
        return "return"
    if stroke.kind == "circles":
        return "circles_mirror" if stroke.mirror else f"circles_{stroke.direction}"
    return stroke.kind if stroke.kind in KINDS else "other"


KINDS = ("glide", "knead", "rake", "press", "alternate")


def stroke_words(stroke: Stroke, words: Words) -> str:
    both = stroke.mirror or stroke.hand == "both" or stroke.kind == "alternate"
    phrase = words.item("alt_strokes", stroke_kind(stroke))
    return fill(
        phrase, {"with": with_words(stroke, words), "path": path_words(stroke, both, words)}
    )


def ordered(diagram: Diagram) -> list[Stroke]:
    """Strokes in their order (numbered first, as numbered), the rest as listed."""
    return sorted(diagram.strokes, key=lambda s: s.order if s.order is not None else 10**6)


def caution_words(diagram: Diagram, words: Words) -> str:
    """ "Ribs and kidneys: go gently." for a diagram's caution zones."""
    if not diagram.caution:
        return ""
    names = [words.item("zones", zone) for zone in diagram.caution]
    text = words.text("legend_caution", zones=words.join(names))
    return text[:1].upper() + text[1:] + "."


def typeset_for(text: str, words: Words) -> str:
    """The language's typography (quotes, apostrophes, no-break spaces), as printed text has."""
    return typeset(text, rules_for(words))


@lru_cache(maxsize=512)
def describe_technique(technique: Technique, words: Words) -> str:
    """A technique's diagram in words, e.g. "Fan stroke: glide with both palms up beside the
    spine, then out over the shoulder blades; return lightly down the sides, then in across
    the middle of the back." Its name alone if it has no diagram. Remembered (both are
    values): a card asks for it at every size it tries, and a batch for every card."""
    diagram = technique.diagram
    if diagram is None or not diagram.strokes:
        return technique.name
    strokes = words.text("list_semicolon").join(stroke_words(s, words) for s in ordered(diagram))
    text = words.text("alt_figure", name=technique.name, strokes=strokes)
    caution = caution_words(diagram, words)
    return typeset_for(f"{text} {caution}" if caution else text, words)


def describe_key(symbols: Sequence[str], zones: Sequence[str], key: KeyWords) -> str:
    """The key to the diagrams' symbols (booklet.draw.symbols): each symbol's meaning, then
    how it is drawn, e.g. "Key to the diagrams: stroke, this way (a solid arrow); light
    return (a pale dashed arrow); ...". The key's words are typeset already."""
    items = [
        fill(key.alt_item, {"label": key.label(kind, zones), "look": key.look(kind)})
        for kind in symbols
    ]
    return fill(key.alt_key, {"items": key.alt_separator.join(items)})


def describe_giver(words: Words) -> str:
    """The giver's position, as its small picture shows it (booklet.draw.giver)."""
    return typeset_for(words.text("alt_giver"), words)


def describe_timeline(plan: Plan, words: Words) -> str:
    """The routine's timeline: each step and its minutes, in order."""
    comma = words.text("list_comma")  # "، " in Arabic
    steps = words.text("list_semicolon").join(  # minutes in full: "5 min" is read as a word
        f"{step.number}. {step.technique.name}{comma}{words.count('minutes', step.minutes)}"
        for step in plan.steps
    )
    return typeset_for(words.text("alt_timeline", steps=steps), words)


def describe_code(address: str, words: Words) -> str:
    """A QR code: where it leads."""
    return words.text("alt_qr", address=address)


def describe_logo(practice: str | None, words: Words) -> str:
    """A practice's logo: whose it is, when the handout names the therapist."""
    return words.text("alt_logo_of", name=practice) if practice else words.text("alt_logo")
