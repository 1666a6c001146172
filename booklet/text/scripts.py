"""Writing systems beyond the text face: which face draws each run of text, and which way a
paragraph reads.

Booklet Text covers Latin, Greek and Cyrillic. Arabic, Hebrew and Devanagari each have a face
of their own (tools/book_fonts.py); a run of text the layout's face cannot draw goes to the
first of them that can: a fallback chain by script, since ReportLab has none of its own. The
choice is per run of characters, so a Latin word inside Arabic keeps the text face; digits and
punctuation go with the script run they follow or open, where that face can draw them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from booklet.data.language import first_strong as first_strong  # asked for here by the text engine
from booklet.text.fonts import charmap, face, script_faces

_NEUTRAL_CATEGORIES = ("Z", "P", "S", "N", "C", "M")


def is_neutral(char: str) -> bool:
    """Spaces, punctuation, symbols, digits and marks: they take the face of the run around
    them when it has them, so a word is not cut at every comma."""
    return unicodedata.category(char)[0] in _NEUTRAL_CATEGORIES


@lru_cache(maxsize=16384)
def face_runs(text: str, primary: str) -> tuple[tuple[str, str], ...]:
    """(text, face) runs: the primary face wherever it can draw the character, else the first
    script face that can. Neutrals (digits, punctuation, spaces) go with the script run they
    follow, or open: "10 דקות" is one face, not a Latin 10. A character nobody can draw stays
    with the primary face, for the glyph check to name."""
    own = charmap(primary)
    if own.issuperset(text):
        return ((text, primary),)
    fallbacks = [(name, charmap(name)) for name in script_faces(primary)]
    runs: list[list[str]] = []
    for char in text:
        current = runs[-1][1] if runs else None
        if current not in (None, primary) and is_neutral(char) and char in charmap(current):
            runs[-1][0] += char
            continue
        if char in own:
            chosen = primary
        else:
            chosen = next((name for name, chars in fallbacks if char in chars), primary)
        if current == chosen:
            runs[-1][0] += char
        else:
            runs.append([char, chosen])
    _neutrals_to_the_script_after(runs, primary)
    for name in {r[1] for r in runs}:
        face(name)
    return tuple((t, f) for t, f in runs)


def _neutrals_to_the_script_after(runs: list[list[str]], primary: str) -> None:
    """Digits, spaces and punctuation in the primary face just before a run of another
    script's face (at a line's start, or after a sign that face lacks) join that run where it
    can draw them: "10 דקות" is one face, not a Latin 10."""
    index = 0
    while index + 1 < len(runs):
        text, name = runs[index]
        after = runs[index + 1][1]
        if name == primary and after != primary and all(is_neutral(c) for c in text):
            drawable = charmap(after)
            cut = len(text)
            while cut > 0 and text[cut - 1] in drawable:
                cut -= 1
            if cut < len(text):
                runs[index + 1][0] = text[cut:] + runs[index + 1][0]
                if cut:
                    runs[index][0] = text[:cut]
                else:
                    del runs[index]
                    continue
        index += 1


@lru_cache(maxsize=4096)
def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in text)


_TAG = re.compile(r"(<[^>]*>)")


def with_fallback_faces(markup: str, primary: str) -> str:
    """ReportLab paragraph markup with each run the primary face cannot draw set in its
    script's face (`<font face=...>`), for platypus, which has no fallback of its own."""
    if charmap(primary).issuperset(markup):
        return markup
    out = []
    for chunk in _TAG.split(markup):
        if not chunk or chunk.startswith("<"):
            out.append(chunk)
            continue
        for text, name in face_runs(chunk, primary):
            family = name.removesuffix("-Bold")
            out.append(text if name == primary else f'<font face="{family}">{text}</font>')
    return "".join(out)
