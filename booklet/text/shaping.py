"""Complex scripts on cards: shaping with HarfBuzz, right-to-left order, and extractable text.

Card text is drawn by booklet.text.paragraph without platypus, so what ReportLab does for its
paragraphs (shaping through uharfbuzz, bidi through python-bidi) is done here for one line:

- the Unicode bidirectional algorithm (python-bidi's reference implementation) gives each
  character its level; runs are put in visual order (rule L2);
- each run set in a script face is shaped by HarfBuzz: Arabic letters joined, Devanagari
  conjuncts formed and vowel signs placed, every glyph where the font's tables put it;
- each such run is wrapped in an /ActualText span holding its characters, so copying from the
  PDF, search and screen readers get the words, not the glyphs' private codes. Like the
  glyphs, the span's text is in visual order: extractors (poppler's pdftotext) turn any
  right-to-left text back into reading order themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from booklet.text.fonts import is_script_face

# What a paragraph's text operators have set so far, shared with the lines shaped here: the
# font (its PDF name and size), then the fill colour; each None until it is set.
TextState = list[tuple[str, float] | str | None]

# booklet.text.paragraph's `encode`, `_fill_operator` and `unit_width`, passed in (this module
# cannot import that one): a font's (ReportLab's) subsets and their bytes for some text in a
# document, a colour's fill operator, and a text's width at 1 pt.
TextTools = tuple[
    Callable[[Any, str, Any], list[tuple[int, bytes]]],
    Callable[[str], str],
    Callable[[str, str], float],
]


class Glyph(NamedTuple):
    gid: int
    advance: float  # in 1/1000 em
    x_offset: float
    y_offset: float


@lru_cache(maxsize=64)
def _hb_font(font_name: str) -> Any:
    from reportlab.pdfbase.pdfmetrics import getFont

    from booklet.base.internals import with_harfbuzz

    with_harfbuzz()
    ttf = getFont(font_name)
    font = ttf.hbFont(1000)  # also sets up ReportLab's private codes for unmapped glyphs
    return font, ttf.hbFace.upem


@lru_cache(maxsize=8192)
def shape(text: str, font_name: str, rtl: bool = False) -> tuple[Glyph, ...]:
    """Glyphs in visual (left-to-right) order, with advances and offsets in 1/1000 em."""
    import uharfbuzz as hb

    font, upem = _hb_font(font_name)
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if rtl else "ltr"
    hb.shape(font, buffer, {"kern": True, "liga": True})
    scale = 1000 / upem
    return tuple(
        Glyph(info.codepoint, pos.x_advance * scale, pos.x_offset * scale, pos.y_offset * scale)
        for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
    )


def shaped_width(text: str, font_name: str) -> float:
    """Width at 1 pt: what the shaped glyphs advance, not the characters' own widths."""
    return sum(g.advance for g in shape(text, font_name, _is_rtl_run(text))) / 1000


def _is_rtl_run(text: str) -> bool:
    from booklet.text.scripts import first_strong

    return first_strong(text) == "rtl"


def needs_shaping(font_name: str) -> bool:
    return is_script_face(font_name)


# --- bidi --------------------------------------------------------------------------------------


FSI, PDI = "\u2068", "\u2069"
ISOLATE_STAND_IN = "\ufffc"  # an isolate, seen from outside: one neutral (UAX #9, BD13, X6a)


def levels(text: str, base_rtl: bool) -> list[int]:
    """Each character's embedding level (even: left to right, odd: right to left), by the
    Unicode bidirectional algorithm. python-bidi's reference implementation predates isolates,
    so they are resolved here: an isolate (FSI ... PDI) counts as one neutral character in the
    text around it, and its inside is resolved on its own, in the direction of its first strong
    letter, at the next level up of that parity; the marks themselves take the outer level."""
    spans = isolate_spans(text)
    if not spans:
        return flat_levels(_closing_stray(text), base_rtl)
    outside = (
        "".join(
            text[last:start] + ISOLATE_STAND_IN
            for last, start in zip([0, *(e for _, e in spans)], (s for s, _ in spans), strict=False)
        )
        + text[spans[-1][1] :]
    )
    outer = iter(flat_levels(_closing_stray(outside), base_rtl))
    result: list[int] = []
    last = 0
    for start, end in spans:
        result += [next(outer) for _ in range(start - last)]
        level = next(outer)
        closed = text[end - 1] == PDI
        inside = text[start + 1 : end - 1 if closed else end]
        result += [level, *isolate_levels(inside, level), *([level] if closed else [])]
        last = end
    return result + list(outer)


def _closing_stray(text: str) -> str:
    """A PDI with no isolate open (a line that starts inside an isolate from the line before)
    as the neutral it is: python-bidi refuses one."""
    return text.replace(PDI, ISOLATE_STAND_IN) if PDI in text else text


def isolate_levels(inside: str, level: int) -> list[int]:
    """An isolate's inside, resolved on its own from the level its marks take outside. With
    no strong letter it is left to right (UAX #9, X5c: such an FSI is an LRI), and read as
    typed, every character at that level: what booklet isolates without letters is a
    telephone number, a range or an address's piece, and "٠٥٠-١٢٣٤٥٦٧" in Arabic-Indic
    digits would otherwise still turn its groups round inside the isolate."""
    inside_rtl = _is_rtl_run(inside) if first_strong_of(inside) else False
    raise_to = level + 1 if (level % 2 == 1) != inside_rtl else level + 2
    if not inside_rtl and not first_strong_of(inside) and FSI not in inside:
        return [raise_to] * len(inside)
    base = 1 if inside_rtl else 0
    return [raise_to - base + x for x in levels(inside, inside_rtl)]


def first_strong_of(text: str) -> bool:
    from booklet.text.scripts import first_strong

    return first_strong(text) is not None


def isolate_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost FSI ... PDI, the marks included; an isolate left open
    ends with the text (UAX #9, BD9)."""
    spans, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == FSI:
            depth += 1
            if depth == 1:
                start = i
        elif char == PDI and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    if depth:
        spans.append((start, len(text)))
    return spans


def flat_levels(text: str, base_rtl: bool) -> list[int]:
    """Levels by python-bidi's reference implementation, for text without isolates."""
    from bidi.algorithm import (
        explicit_embed_and_overrides,
        get_embedding_levels,
        get_empty_storage,
        resolve_implicit_levels,
        resolve_neutral_types,
        resolve_weak_types,
    )

    storage = get_empty_storage()
    storage["base_level"] = 1 if base_rtl else 0
    storage["base_dir"] = "R" if base_rtl else "L"
    get_embedding_levels(text, storage)
    explicit_embed_and_overrides(storage)
    resolve_weak_types(storage)
    resolve_neutral_types(storage, False)
    resolve_implicit_levels(storage, False)
    return [c["level"] for c in storage["chars"]]


def visual_order(line_levels: list[int]) -> list[int]:
    """Logical indexes in visual order: from the highest level down to the lowest odd one,
    every run at that level or above is reversed (UAX #9, rule L2)."""
    order = list(range(len(line_levels)))
    if not line_levels:
        return order
    highest = max(line_levels)
    lowest_odd = min(level for level in line_levels) | 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if line_levels[order[i]] >= level:
                j = i
                while j < len(order) and line_levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


class Segment(NamedTuple):
    """A stretch of a line in one face, size and colour, and one direction, in logical order."""

    text: str
    font: str
    size: float
    colour: str
    rtl: bool


def visual_segments(runs: list[tuple[str, str, float, str]], base_rtl: bool) -> list[Segment]:
    """A line's runs, split where the face or direction changes, left to right on the page."""
    chars: list[tuple[str, int]] = []
    for index, run in enumerate(runs):
        chars += [(c, index) for c in run[0]]
    text = "".join(c for c, _ in chars)
    line_levels = levels(text, base_rtl)
    order = visual_order(line_levels)
    segments: list[Segment] = []
    pieces: list[list[int]] = []
    for position in order:
        owner = chars[position][1]
        level = line_levels[position]
        if pieces and chars[pieces[-1][-1]][1] == owner and line_levels[pieces[-1][-1]] == level:
            pieces[-1].append(position)
        else:
            pieces.append([position])
    for piece in pieces:
        logical = sorted(piece)
        run = runs[chars[logical[0]][1]]
        rtl = line_levels[logical[0]] % 2 == 1
        segment_text = "".join(chars[i][0] for i in logical)
        segments.append(Segment(segment_text, run[1], run[2], run[3], rtl))
    return segments


def mirrored(text: str) -> str:
    """Brackets and the like, turned for a right-to-left run drawn without shaping."""
    from bidi.mirror import MIRRORED

    return "".join(MIRRORED.get(c, c) for c in text)


def actual_text(text: str) -> str:
    """The PDF operator opening a span whose text is `text` (UTF-16BE, with its BOM)."""
    return f"/Span <</ActualText <FEFF{text.encode('utf-16-be').hex().upper()}>>> BDC"


def glyph_chars(font_name: str, glyphs: tuple[Glyph, ...]) -> str:
    """A character code for each glyph, for ReportLab's subsets: the character the font maps
    to it, or one of ReportLab's private codes for a glyph no character maps to (a ligature,
    a conjunct, a joining form), the same whatever the process made before."""
    from reportlab.pdfbase.pdfmetrics import getFont

    from booklet.base.internals import private_glyph_code

    _hb_font(font_name)
    ttf = getFont(font_name)
    out = []
    for glyph in glyphs:
        codes = [c for c in ttf.face.glyphToChar.get(glyph.gid, ()) if not 0xE000 <= c <= 0xF8FF]
        if codes:
            out.append(chr(codes[0]))
        else:
            out.append(chr(private_glyph_code(ttf, glyph.gid, glyph.advance)))
    return "".join(out)


def line_ops(
    runs: list[tuple[str, str, float, str]],
    base_rtl: bool,
    x: float,
    baseline: float,
    doc: Any,
    current: TextState,
    text_tools: TextTools,
) -> list[str]:
    """PDF text operators for one line with right-to-left or shaped text in it: its segments
    left to right, each glyph where HarfBuzz puts it, inside an /ActualText span."""
    from reportlab.lib.rl_accel import escapePDF, fp_str
    from reportlab.pdfbase.pdfmetrics import getFont

    encode, _fill_operator, unit_width = text_tools  # booklet.text.paragraph's, passed in

    ops: list[str] = []

    def show(font: Any, text: str, size: float) -> None:
        for subset, chunk in encode(font, text, doc):
            name = font.getSubsetInternalName(subset, doc)
            if (name, size) != current[0]:
                current[0] = (name, size)
                ops.append(f"{name} {fp_str(size)} Tf")
            ops.append(f"({escapePDF(chunk)}) Tj")

    pen = x
    for seg in visual_segments(runs, base_rtl):
        seg = seg._replace(text="".join(c for c in seg.text if c not in (FSI, PDI)))
        if not seg.text:
            continue
        if seg.colour != current[1]:
            current[1] = seg.colour
            ops.append(_fill_operator(seg.colour))
        font = getFont(seg.font)
        spoken = is_script_face(seg.font) or seg.rtl
        if spoken:  # extractors read glyphs in visual order, as they do for any RTL text
            ops.append(actual_text(seg.text[::-1] if seg.rtl else seg.text))
        if is_script_face(seg.font):
            glyphs = shape(seg.text, seg.font, seg.rtl)
            scale = seg.size / 1000
            for glyph, char in zip(glyphs, glyph_chars(seg.font, glyphs), strict=True):
                gx, gy = pen + glyph.x_offset * scale, baseline + glyph.y_offset * scale
                ops.append(f"1 0 0 1 {fp_str(gx)} {fp_str(gy)} Tm")
                show(font, char, seg.size)
                pen += glyph.advance * scale
        else:
            text = mirrored(seg.text[::-1]) if seg.rtl else seg.text
            ops.append(f"1 0 0 1 {fp_str(pen)} {fp_str(baseline)} Tm")
            show(font, text, seg.size)
            pen += unit_width(text, seg.font) * seg.size
        if spoken:
            ops.append("EMC")
    return ops
