"""Breaking a paragraph into lines, as its language expects.

The work is split by what changes: each word is typeset (booklet.text.typography) and measured
once per style, and breaking lines at a width is then a walk over cached widths, so fitting a
card at many sizes stays cheap.

- Lines break at ordinary spaces only: a no-break space holds, and the typography has already
  made one of the space before closing punctuation and after opening punctuation, so no line
  begins with ; : ! ? » ) or a closing quote.
- A word may break after a hyphen it already has ("sunflower-based").
- Where a line would be left short (a narrow column, a long word), the word is hyphenated at
  the points the language's dictionary gives (Pyphen, from LibreOffice's patterns): three
  letters at least either side, never a number, an address or a word in capitals.
- A word wider than the whole line is hyphenated, or split between letters as a last resort.
- No runts: a paragraph whose last line would hold one word alone is broken again, a little
  narrower, when that keeps its number of lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, NamedTuple

from booklet.text.fonts import (
    charmap,
    describe_chars,
    font_label,
    is_script_face,
    missing_chars,
    missing_hint,
)
from booklet.text.markup import BREAK, Span
from booklet.text.scripts import face_runs, is_neutral
from booklet.text.style import LEADING, TextStyle
from booklet.text.typography import NBSP, plain_forms, typeset

Run = tuple[str, str, float, str]  # text, font, size, colour
Space = tuple[float, str, float, str]  # a space: width, font, size, colour
HYPHEN = "-"
LOOSE = 0.15  # a line left this much short of its width is worth hyphenating the next word
MIN_PART = 3  # letters a hyphenated word keeps on either side of the break
RUNT_NARROWING = (0.97, 0.94, 0.91, 0.88, 0.85)  # widths tried to pull a word onto a runt


@dataclass
class Line:
    runs: list[Run]
    width: float
    size: float  # the largest font size on the line
    leading_ratio: float = LEADING
    words: int = 0  # how many words (or parts of one) it holds
    hyphenated: bool = False  # it ends in a hyphen the breaking added (not the word's own)

    @property
    def advance(self) -> float:
        return self.size * self.leading_ratio


class Word(NamedTuple):
    parts: tuple[Run, ...]
    width: float
    space: Space | None  # the space after it, if any


# --- measuring ---------------------------------------------------------------------------------

_WIDTHS: dict[tuple[str, str], float] = {}


ISOLATES = "\u2066\u2067\u2068\u2069"  # bidi isolates: they order text, they never print
FSI, PDI = "\u2068", "\u2069"  # first strong isolate, pop directional isolate (UAX #9)
_NO_ISOLATES = str.maketrans("", "", ISOLATES)


def unprinted(text: str) -> str:
    """Text as it prints: without the bidi isolates (booklet.text.paragraph.isolated)."""
    return text.translate(_NO_ISOLATES) if any(c in text for c in ISOLATES) else text


def unit_width(text: str, font: str) -> float:
    """Width of text at 1 pt, cached: the same words recur on every card and at every size."""
    key = (text, font)
    width = _WIDTHS.get(key)
    if width is None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        if len(_WIDTHS) > 200_000:
            _WIDTHS.clear()
        text = unprinted(text)
        if is_script_face(font):  # shaped: joined letters and conjuncts have widths of their own
            from booklet.text.shaping import shaped_width

            width = _WIDTHS[key] = shaped_width(text, font)
        else:
            width = _WIDTHS[key] = stringWidth(text, font, 1000) / 1000
    return width


@lru_cache(maxsize=4096)
def _check_drawable(text: str, font: str) -> None:
    """The last line of defence of the glyph check: whatever is drawn, from wherever it came,
    is never a silent empty box. (The data and snippet checks name the field first.)"""
    missing = missing_chars(unprinted(text), font)
    if missing:
        from booklet.base.errors import BookletError

        raise BookletError(
            f"{describe_chars(missing)} in '{text[:40]}' cannot be printed with the font "
            f"'{font_label(font)}'. {missing_hint(missing)}"
        )


# --- words -------------------------------------------------------------------------------------


class Words(tuple[Word | None, ...]):
    """A paragraph's measured words, hashed once: the line cache looks them up at every
    width a fitting search tries."""

    _hash: int

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash = tuple.__hash__(self)
            return self._hash


def words_of(spans: tuple[Span, ...], style: TextStyle) -> Words:
    """Words with their widths and the space after each; None for a forced line break. They
    depend on the style, not the width, so a paragraph measures them once."""
    return _words_of(spans, style)


@lru_cache(maxsize=2048)
def _words_of(spans: tuple[Span, ...], style: TextStyle) -> Words:
    """Kept for this process, keyed by the text and its style: a batch's cards and the page's
    previews set the same steps and warnings at the same sizes again and again. Bounded, in
    memory only, and immutable (words are tuples), so no card can change another's."""
    words: list[Word | None] = []
    parts: list[Run] = []
    width = 0.0
    before = ""
    for span in spans:
        if span is BREAK:
            if parts:
                words.append(Word(tuple(parts), width, None))
                parts, width = [], 0.0
            words.append(None)
            before = ""
            continue
        font = style.face(span)
        text = plain_forms(typeset(span.text, style.rules, before), charmap(font))
        before = text[-1:] or before
        _check_drawable(text, font)
        size = span.size or style.size
        colour = span.colour or style.colour
        for i, piece in enumerate(text.split(" ")):
            if i > 0 and parts:  # a space came before this piece: the word so far is done
                space = (unit_width(" ", font) * size, font, size, colour)
                words.append(Word(tuple(parts), width, space))
                parts, width = [], 0.0
            if piece:
                for run_text, run_font in face_runs(piece, font):
                    parts.append((run_text, run_font, size, colour))
                    width += unit_width(run_text, run_font) * size
    if parts:
        words.append(Word(tuple(parts), width, None))
    if style.title_face:
        _numbers_in_the_titles_script(words, style.title_face)
    return Words(words)


def _numbers_in_the_titles_script(words: list[Word | None], title_face: str) -> None:
    """A title set in a display face with words of another script ("10 דקות של רוגע"): its
    numbers and signs take that script's face, not the display face's Latin figures, so the
    title reads as one face. (Body text keeps the text face's figures, which match it.)"""
    scripts = [
        next((run[1] for run in w.parts if run[1] != title_face), None) if w else None
        for w in words
    ]
    if not any(scripts):
        return
    for index, word in enumerate(words):
        if (
            word is None
            or scripts[index]
            or not all(
                run[1] == title_face and all(is_neutral(c) for c in run[0]) for run in word.parts
            )
        ):
            continue
        near = [*scripts[index + 1 :], *reversed(scripts[:index])]
        script = next((name for name in near if name), None)
        text = "".join(run[0] for run in word.parts)
        if script is None or not set(text.translate(_NO_ISOLATES)) <= charmap(script):
            continue  # (isolates around a number in a right-to-left title never print)
        size, colour = word.parts[0][2], word.parts[0][3]
        words[index] = Word(((text, script, size, colour),), unit_width(text, script) * size,
                            word.space)  # fmt: skip


# --- where a word may break --------------------------------------------------------------------


@lru_cache(maxsize=8192)
def break_points(text: str, lang: str) -> tuple[tuple[int, bool], ...]:
    """Where a word may break, longest first: (offset, whether a hyphen is added there). After
    a hyphen it has or a slash in an address, before the @ of a mail address; and, with a
    language, at its dictionary's hyphenation points."""
    points: set[tuple[int, bool]] = set()
    for i, char in enumerate(text):
        if _breaks_after(text, i, char):
            points.add((i + 1, False))
        elif char == "@" and _letters(text[:i]) >= MIN_PART and _letters(text[i:]) >= MIN_PART:
            points.add((i, False))  # a mail address breaks before its @
    if lang:
        points |= _dictionary_points(text, lang)
    return tuple(sorted(points, reverse=True))


def _breaks_after(text: str, i: int, char: str) -> bool:
    """After a hyphen the word has; after a slash in an address ("//" kept whole)."""
    if char in "-\u2010":
        return _letters(text[:i]) >= MIN_PART and _letters(text[i + 1 :]) >= 2
    if char == "/":
        return (
            text[i + 1 : i + 2] not in ("/", "")
            and _letters(text[:i]) >= MIN_PART
            and _letters(text[i + 1 :]) >= MIN_PART
        )
    return False


def is_address(word: Word) -> bool:
    """A web or mail address (or a path): it breaks only after its slashes and hyphens."""
    text = "".join(part[0] for part in word.parts)
    return "/" in text or "@" in text


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _dictionary_points(text: str, lang: str) -> set[tuple[int, bool]]:
    """The dictionary's points inside each run of letters long enough to break; none in a word
    with digits, in capitals, or in an address."""
    if any(c.isdigit() or c in "@/:._" for c in text.strip(".,;:!?»”’)")):  # see is_address
        return set()
    dictionary = _dictionary(lang)
    if dictionary is None:
        return set()
    points: set[tuple[int, bool]] = set()
    start = None
    for i, char in enumerate([*text, " "]):
        if char.isalpha() or (char in "’'" and start is not None and i + 1 < len(text)):
            start = i if start is None else start
            continue
        if start is not None:
            core = text[start:i]
            if len(core) >= 2 * MIN_PART and not core.isupper():
                points |= {(start + p, True) for p in dictionary.positions(core)}
            start = None
    return points


@lru_cache(maxsize=32)
def _dictionary(lang: str) -> Any:
    """Pyphen's dictionary for a language (es, fr, de, pt, en and some sixty more), or None."""
    import pyphen

    from booklet.base.internals import quick_hyphenator

    name = pyphen.language_fallback(lang.replace("-", "_"))
    if name is None:
        return None
    return quick_hyphenator(name, MIN_PART, MIN_PART)


def split_word(word: Word, room: float, lang: str) -> tuple[Run, Word, bool] | None:
    """The longest head of a one-face word that fits in `room` (with its hyphen), the rest
    as a word of its own, and whether the hyphen was added; None where it has no such break."""
    if len(word.parts) != 1:
        return None
    text, font, size, colour = word.parts[0]
    if is_script_face(font):
        return None
    for offset, hyphen in break_points(text, lang):
        head = text[:offset] + (HYPHEN if hyphen else "")
        width = unit_width(head, font) * size
        if width <= room + 1e-6:
            tail = text[offset:]
            if text[:offset].count(FSI) > text[:offset].count(PDI):
                tail = FSI + tail  # an isolate goes on in the next line: it reads as before
            rest = Word(((tail, font, size, colour),), unit_width(tail, font) * size, word.space)
            return (head, font, size, colour), rest, hyphen
    return None


_HELD_BEFORE = frozenset("0123456789)")  # a telephone number's groups: where it may part
_HELD_AFTER = frozenset("0123456789(")


def held_lines(word: Word, limit: float) -> list[tuple[Run, ...]] | None:
    """A word wider than a whole line, cut into lines at the no-break spaces between the
    groups of a telephone number it holds, the spaces dropped: a held number
    ("+44 20 7946 0958", "ל-050 123 4567") that no line can take breaks between its groups,
    never inside one. Only those spaces: the ones that keep punctuation with its word stay.
    The last piece is what goes on with the rest of the paragraph. None where some line would
    have no such space: then letters are the last resort. One pass: linear in the word."""
    chars = [(c, i) for i, part in enumerate(word.parts) for c in part[0]]
    widths = [unit_width(c, word.parts[i][1]) * word.parts[i][2] for c, i in chars]
    cuts: list[tuple[int, int]] = []
    start, width, cut_at, before_cut = 0, 0.0, -1, 0.0
    for at, (char, _) in enumerate(chars):
        if (
            char == NBSP
            and start < at < len(chars) - 1
            and chars[at - 1][0] in _HELD_BEFORE
            and chars[at + 1][0] in _HELD_AFTER
        ):
            cut_at, before_cut = at, width
        width += widths[at]
        if width > limit + 1e-6:
            if cut_at < start:
                return None
            cuts.append((start, cut_at))
            width -= before_cut + widths[cut_at]
            start = cut_at + 1
            if width > limit + 1e-6:
                return None
    if not cuts:
        return None
    cuts.append((start, len(chars)))
    lines: list[tuple[Run, ...]] = []
    still_open = 0
    for first, last in cuts:
        runs = _runs(chars[first:last], word.parts)
        if still_open and runs:  # an isolate goes on in the next line: it reads as before
            runs[0] = (FSI * still_open + runs[0][0], *runs[0][1:])
        still_open = 0
        for char in "".join(run[0] for run in runs):
            still_open += (char == FSI) - (char == PDI and still_open > 0)
        measured = sum(unit_width(run[0], run[1]) * run[2] for run in runs)
        if (first, last) != cuts[-1] and measured > limit + 1e-6:
            return None  # shaping made it wider than the sum of its letters
        lines.append(tuple(runs))
    return lines


def _runs(chars: list[tuple[str, int]], parts: tuple[Run, ...]) -> list[Run]:
    """Characters back into runs, one per part they came from."""
    groups: list[tuple[int, list[str]]] = []
    for char, index in chars:
        if not groups or groups[-1][0] != index:
            groups.append((index, []))
        groups[-1][1].append(char)
    return [("".join(text), *parts[index][1:]) for index, text in groups]


# --- lines -------------------------------------------------------------------------------------


class _Lines:
    """Lines being filled: runs merge while their face, size and colour hold."""

    def __init__(self, base_size: float, leading: float) -> None:
        self.base_size, self.leading = base_size, leading
        self.lines: list[Line] = []
        self.start()

    def start(self) -> None:
        self.runs: list[Run] = []
        self.width = 0.0
        self.size = self.base_size
        self.words = 0

    def finish(self, hyphenated: bool = False) -> None:
        line = Line(self.runs, self.width, self.size, self.leading, self.words, hyphenated)
        self.lines.append(line)
        self.start()

    def add(self, run: Run, width: float) -> None:
        text, font, size, colour = run
        tail = self.runs[-1] if self.runs else None
        if tail and tail[1] == font and tail[2] == size and tail[3] == colour:
            self.runs[-1] = (tail[0] + text, font, size, colour)
        else:
            self.runs.append(run)
        self.width += width
        self.size = max(self.size, size)

    def add_word(self, word: Word, space: Space | None) -> None:
        if self.runs and space:
            self.add((" ", space[1], space[2], space[3]), space[0])
        if len(word.parts) == 1 and word.width:  # measured already, to the same bit
            self.add(word.parts[0], word.width)
        else:
            for part in word.parts:
                self.add(part, unit_width(part[0], part[1]) * part[2])
        self.words += 1


def break_lines(spans: tuple[Span, ...], style: TextStyle, width: float) -> list[Line]:
    return break_words(
        words_of(spans, style), style.size, width, style.leading_ratio, style.lang, evens(style)
    )


def evens(style: TextStyle) -> bool:
    """Whether a loose line is filled by hyphenating its next word: not in centred text (a
    title, a contents entry), whose lines have no edge to even; there only a word wider than
    the line is hyphenated."""
    return not style.centred


def break_words(
    words: Sequence[Word | None],
    base_size: float,
    width: float,
    leading: float = LEADING,
    lang: str = "",
    even: bool = True,
) -> list[Line]:
    """Lines no wider than `width`, without a runt where breaking again can avoid one; with
    `even`, a line left loose is filled by hyphenating the next word."""
    measured = words if isinstance(words, Words) else Words(words)
    return list(_broken(measured, base_size, width, leading, lang, even))


@lru_cache(maxsize=2048)
def _broken(
    words: Words, base_size: float, width: float, leading: float, lang: str, even: bool
) -> tuple[Line, ...]:
    """Kept for this process, keyed by the words and the measure: the same paragraph at the
    same width recurs on every card of a batch and every preview. Bounded and in memory; the
    lines are read, never changed, by whoever draws them."""
    return tuple(_isolates_reopened(_unrunted(words, base_size, width, leading, lang, even)))


def _isolates_reopened(lines: list[Line]) -> list[Line]:
    """Each line that starts inside an isolate opened on a line before, opening it again: a
    line's order is resolved on its own, and an isolated value broken between two words read
    its second line in the paragraph's direction ("… feels (always), then rest" with its full
    stop at the wrong end; found by attack). A word split inside an isolate reopens it
    already."""
    out: list[Line] = []
    still_open = 0
    for line in lines:
        text = "".join(run[0] for run in line.runs)
        if still_open and line.runs:
            missing = still_open - (len(text) - len(text.lstrip(FSI)))
            if missing > 0:
                first = line.runs[0]
                line = replace(line, runs=[(FSI * missing + first[0], *first[1:]), *line.runs[1:]])
                text = FSI * missing + text
        depth = 0
        for char in text:
            if char == FSI:
                depth += 1
            elif char == PDI and depth:
                depth -= 1
        still_open = depth
        out.append(line)
    return out


def _unrunted(
    words: tuple[Word | None, ...],
    base_size: float,
    width: float,
    leading: float,
    lang: str,
    even: bool,
) -> list[Line]:
    lines = _greedy(words, base_size, width, leading, lang, even)
    if len(lines) < 2 or lines[-1].words != 1 or words[-1] is None:
        return lines
    for share in RUNT_NARROWING:
        tried = _greedy(words, base_size, width * share, leading, lang, even)
        if len(tried) == len(lines) and tried[-1].words > 1:
            return tried
    return lines


def _greedy(
    words: Sequence[Word | None],
    base_size: float,
    width: float,
    leading: float,
    lang: str,
    even: bool = True,
) -> list[Line]:
    """Each line as full as it goes; a word that does not fit starts the next, unless part of
    it fits first (after its own hyphen, or hyphenated where the line is left loose)."""
    out = _Lines(base_size, leading)
    limit = width + 1e-6
    space: Space | None = None  # the space after the last word on the line
    for item in words:
        if item is None:  # forced break
            out.finish()
            space = None
            continue
        word: Word | None = item
        # an address is never hyphenated, not even the part that runs on to the next line
        word_lang = "" if is_address(item) else lang
        gap = space[0] if out.runs and space else 0.0
        if word is not None and out.runs and out.width + gap + word.width > limit:
            room = limit - out.width - gap
            loose = even and room > width * LOOSE
            split = split_word(word, room, word_lang if loose else "")
            added = False
            if split is not None:
                head, word, added = split
                out.add_word(Word((head,), 0.0, None), space)
            out.finish(added)
        while word is not None and word.width > limit:  # wider than a whole line
            split = split_word(word, limit, word_lang)
            held = held_lines(word, limit) if split is None else None
            if held is not None:
                for runs in held[:-1]:
                    out.add_word(Word(runs, 0.0, None), None)
                    out.finish()
                width = sum(unit_width(run[0], run[1]) * run[2] for run in held[-1])
                word = Word(held[-1], width, word.space)
                continue
            if split is None:
                _split_letters(word, limit, out)
                space = word.space  # what follows it on its last line keeps its space
                word = None
                break
            head, word, added = split
            out.add_word(Word((head,), 0.0, None), None)
            out.finish(added)
        if word is not None:
            out.add_word(word, space)
            space = word.space
    if out.runs:
        out.finish()
    return out.lines


def _split_letters(word: Word, limit: float, out: _Lines) -> None:
    """Letters of an over-long word that has no break, as many to a line as fit; the last
    line stays open for what follows."""
    out.words += 1
    open_isolates = 0
    for text, font, size, colour in word.parts:
        for char in text:
            w = unit_width(char, font) * size
            if out.width > 0 and out.width + w > limit:
                out.finish()
                out.words = 1
                if open_isolates:  # an isolate goes on in the next line: it reads as before
                    out.add((FSI * open_isolates, font, size, colour), 0.0)
            open_isolates += (char == FSI) - (char == PDI and open_isolates > 0)
            out.add((char, font, size, colour), w)
