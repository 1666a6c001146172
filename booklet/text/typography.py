"""Each language's typography: its quotes and apostrophe, the no-break spaces its punctuation
takes, and where a line may not break. Applied by the text engine to every word it sets, the
built-in text and the user's alike; web addresses and e-mail addresses are left as typed.

The rules are data in each language's catalogue (`techniques/<lang>/_words.yaml`):

    quotes: ["«", "»", "“", "”"]     the outer pair, then the inner pair
    space_before: ":;!?»"           punctuation that takes a no-break space before it (French)
    space_after: "«"                punctuation that takes one after it

so a library's own language brings its own. The space is the narrow no-break space (U+202F)
where the face has it, else the ordinary no-break space (U+00A0).

Whatever the language, a line never begins with closing punctuation (; : ! ? » ) ” ’ and the
language's own closing quotes), and never ends with an opening one: the space next to it is
made a no-break space.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from booklet.data.language import Words

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
SPACES = " " + NBSP + NARROW_NBSP
APOSTROPHE = "\u2019"
DOUBLE_QUOTES = '"“”„«»'  # every double quote an author may type, in any language
SINGLE_QUOTES = "'‘’‚‹›"
# What a typographic character becomes in a face that lacks it: still readable, never a box.
PLAIN_FORMS = {
    NARROW_NBSP: NBSP,
    "’": "'",
    "‘": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "‹": "'",
    "›": "'",
    "\u2011": "-",
}
CLOSING = ";:!?)]}»›”’…,."  # never at the start of a line, in any language
OPENING = "([{«‹“‘„‚"  # never at the end of one
# Left as typed: a web or e-mail address (its quotes and colons are not prose).
_ADDRESS = re.compile(  # starting only where a word may: one long word costs linear time
    r"(?<![\w.+\-/@:%])(?:[a-z][a-z0-9+.-]*://|www\.)\S+|(?<![\w.+\-/@:%])[^\s@]+@\S+\.\w+",
    re.IGNORECASE,
)
# A run of digit groups joined by single spaces, hyphens (a no-break one too), dots or brackets,
# perhaps after a plus or an opening bracket: what a telephone number looks like ("050-1234567",
# "+971 4 123 4567", "(03) 123-4567"); `telephone_numbers` decides which ones are.
_DIGIT_GROUPS = re.compile(
    r"(?<![\w+(])\(?\+?\d+(?:(?:\)[ \u00a0]?|[ \u00a0]|[-.\u2011])\(?\d+)*(?!\w)"
)  # each separator takes a character no digit is, so a long run of digits costs linear time
_GROUP = re.compile(r"\d+")
_WORD = re.compile(r"\S+")


def is_telephone_number(text: str) -> bool:
    """Seven digits or more in two groups or more that start with a plus, a bracket or a zero
    that is not a group of its own, with a group of three or more or eight digits in all:
    "050-1234567", "+971 4 123 4567", "(03) 123-4567", "01 23 45 67 89"; or, with none of
    those, 555 123 4567, or three groups or more joined by hyphens or dots that end in four
    digits. Not a range ("5-10", "1500-2000", "2020-2026") nor a list of numbers ("10 20 30
    40", "250 500 750 1000", "0 5 10 15 20 25")."""
    groups = _GROUP.findall(text)
    digits = sum(map(len, groups))
    if digits < 7 or len(groups) < 2 or text.count("(") != text.count(")"):
        return False
    first = text[0]
    if first in "+(":
        return digits >= 8 or max(map(len, groups)) >= 3
    if first.isdigit() and int(first) == 0:  # a trunk prefix: 050, 03, 01 (not a list's 0)
        return len(groups[0]) >= 2 and (digits >= 8 or max(map(len, groups)) >= 3)
    # no prefix: the North American 555 123 4567, or groups joined by hyphens or dots
    if [len(g) for g in groups] == [3, 3, 4]:
        return True
    return len(groups) >= 3 and len(groups[-1]) >= 4 and not any(c in " \u00a0" for c in text)


_COUNT_AFTER = re.compile(r"(?<=\d{4})[ \u00a0]\d{1,2}$")  # "050 123 4567 10" (minutes)


def _number_at(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The telephone number found from `start` to `end`, if it is one: inside its brackets
    ("(050 123 4567)"), and without a count after it ("050 123 4567 10 דקות"; a short group
    after a short one, as in "01 23 45 67 89", is the number's own)."""
    if text[start] == "(" and text.count("(", start, end) > text.count(")", start, end):
        start += 1
    found = text[start:end]
    count = _COUNT_AFTER.search(found)
    if count is not None and len(_GROUP.findall(found)) > 2:
        end = start + count.start()
    return (start, end) if is_telephone_number(text[start:end]) else None


def telephone_numbers(text: str) -> list[tuple[int, int]]:
    """Where the telephone numbers in `text` are (start, end), leaving out those inside a web
    or mail address (a word with a slash or an @). Linear in the text's length."""
    if not any(c.isdigit() for c in text):
        return []
    addresses = [m.span() for m in _WORD.finditer(text) if "/" in m.group() or "@" in m.group()]
    found: list[tuple[int, int]] = []
    at = 0
    for match in _DIGIT_GROUPS.finditer(text):
        span = _number_at(text, *match.span())
        if span is None:
            continue
        while at < len(addresses) and addresses[at][1] <= span[0]:
            at += 1
        if at < len(addresses) and addresses[at][0] < span[1]:
            continue  # part of an address
        found.append(span)
    return found


def telephones_held(text: str) -> str:
    """The spaces inside each telephone number made no-break: a line never parts its
    groups (in Hebrew or Arabic text, a number split over two lines is easily misdialled)."""
    if not any(c.isdigit() for c in text):
        return text
    out, last = [], 0
    for start, end in telephone_numbers(text):
        out += [text[last:start], text[start:end].replace(" ", NBSP)]
        last = end
    return "".join(out) + text[last:] if out else text


class Typography(NamedTuple):
    """One language's rules, from its catalogue."""

    quotes: tuple[str, str, str, str] = ("“", "”", "‘", "’")
    space_before: str = ""
    space_after: str = ""
    apostrophe: str = APOSTROPHE

    @property
    def closing(self) -> str:
        return CLOSING + self.quotes[1] + self.quotes[3]

    @property
    def opening(self) -> str:
        own = OPENING + self.quotes[0] + self.quotes[2]
        return "".join(c for c in own if c not in self.closing)


ENGLISH = Typography()


def typography_of(quotes: tuple[str, ...] | list[str], before: str, after: str) -> Typography:
    """A language's rules from its catalogue's `quotes`, `space_before` and `space_after`;
    English's quotes when the catalogue's are not four single characters."""
    pair = tuple(str(q) for q in quotes)
    if len(pair) != 4 or any(len(q) != 1 for q in pair):
        pair = ENGLISH.quotes
    return Typography((pair[0], pair[1], pair[2], pair[3]), before, after)


def is_opening_position(before: str) -> bool:
    """A quote after nothing, a space or an opening bracket or dash opens; else it closes."""
    return not before or before in SPACES or before in "([{-–—/" or before in OPENING


@lru_cache(maxsize=16384)
def typeset(text: str, rules: Typography, before: str = "") -> str:
    """The text with the language's quotes, apostrophes and no-break spaces. `before` is the
    character that precedes it in its paragraph (another span's last), so a quote at the start
    of a bold word is read in context. Idempotent: typeset text is left as it is."""
    out: list[str] = []
    pos = 0
    for match in _ADDRESS.finditer(text):
        out.append(_prose(text[pos : match.start()], rules, before if pos == 0 else text[pos - 1]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_prose(text[pos:], rules, before if pos == 0 else text[pos - 1]))
    return "".join(out)


def _prose(text: str, rules: Typography, before: str) -> str:
    if not text:
        return text
    chars = _quotes(text, rules, before)
    return telephones_held(_spaces(chars, rules, before))


def _quotes(text: str, rules: Typography, before: str) -> str:
    """Quotes and apostrophes by where they stand: a quote attached to the word after it opens,
    one attached to the word before it closes, one standing alone closes what is open. A
    single quote between letters, or after one with no single quote open, is an apostrophe.
    The language's own marks are left as the author set them (so typesetting twice changes
    nothing); straight quotes and other languages' marks become its own."""
    if _NO_QUOTES.match(text):  # most text has none: nothing to decide
        return text
    open_d, close_d, open_s, close_s = rules.quotes
    out: list[str] = []
    open_double = open_single = False
    for i, char in enumerate(text):
        prev = out[-1] if out else before
        following = text[i + 1] if i + 1 < len(text) else ""
        if char in rules.quotes or char == rules.apostrophe:  # already the language's own
            open_double = char == open_d or (open_double and char != close_d)
            open_single = char == open_s or (open_single and char != close_s)
            out.append(char)
        elif char in DOUBLE_QUOTES:
            opens = _opens(_back(out, before), _forward(text, i), open_double)
            out.append(open_d if opens else close_d)
            open_double = opens
        elif char in SINGLE_QUOTES and char not in "‹›":
            if prev.isalnum() and (following.isalpha() or not open_single):
                out.append(rules.apostrophe)  # l'huile, partner's, partners'
                continue
            opens = _opens(_back(out, before), _forward(text, i), open_single)
            out.append(open_s if opens else close_s)
            open_single = opens
        else:
            out.append(char)
    return "".join(out)


# Text with no quote or apostrophe of any kind (every language's marks are among these)
_NO_QUOTES = re.compile("[^" + re.escape(DOUBLE_QUOTES + SINGLE_QUOTES + APOSTROPHE) + "]*\\Z")


def _back(out: list[str], before: str) -> str:
    """The character before a quote, looking past no-break spaces (« mot »)."""
    for char in reversed(out):
        if char not in (NBSP, NARROW_NBSP):
            return char
    return before


def _forward(text: str, i: int) -> str:
    """The character after a quote, looking past no-break spaces."""
    for char in text[i + 1 :]:
        if char not in (NBSP, NARROW_NBSP):
            return char
    return ""


def _opens(back: str, forward: str, already_open: bool) -> bool:
    """Whether a quote opens: it clings to the word after it and not to the one before; one
    that clings to both or neither closes what is open, else opens."""
    clings_back = bool(back) and back != " " and not is_opening_position(back)
    clings_forward = bool(forward) and forward != " " and forward not in CLOSING
    if clings_forward != clings_back:
        return clings_forward
    return not already_open


def _spaces(text: str, rules: Typography, before: str = "") -> str:
    """No-break spaces where the language puts them, and wherever a line must not break:
    before closing punctuation, after opening punctuation. `before` is the character the text
    follows in its paragraph ("légère" in bold, then ": à peine")."""
    out: list[str] = []
    n = len(text)
    closing, opening = rules.closing, rules.opening  # the same for every character
    for i, char in enumerate(text):
        prev = out[-1] if out else before
        following = text[i + 1] if i + 1 < n else ""
        if char in rules.space_before and _takes_space_before(char, prev, following):
            if prev in (" ", NBSP) and out:
                out[-1] = NARROW_NBSP
            elif prev and prev not in SPACES:
                out.append(NARROW_NBSP)
        elif char == " " and prev and prev in rules.space_after:
            char = NARROW_NBSP
        elif char == " " and following and following in closing:
            char = NBSP  # "word ;" typed with a space: the ";" stays on its word's line
        elif char == " " and prev and prev in opening:
            char = NBSP
        elif char == " " and prev.isdigit() and following.isalpha() and _unit_after(text, i):
            char = NBSP  # "20 minutes", "5 דקות": a number stays with what it counts
        out.append(char)
        if char in rules.space_after and following and following not in SPACES:
            out.append(NARROW_NBSP)
    return "".join(out)


def _unit_after(text: str, space: int) -> bool:
    """Whether the word after a number's space is what it counts: a word of up to twelve
    letters ("minutes", "Minuten", "דקות", "دقائق"), not a sentence's next long word. The
    number must stand alone too (not the end of "covid-19" or of a time's "10:30")."""
    start = space - 1
    if start < 0:
        return False  # the number is another piece's (an address's end)
    while start > 0 and text[start - 1].isdigit():
        start -= 1
    if start > 0:
        before = text[start - 1]
        if not (before in SPACES or before in "(«„“\"'"):
            return False
        if before in SPACES and start > 1 and text[start - 2].isdigit():
            return False  # a group of a longer number ("050 123 4567 today")
    end = space + 1
    while end < len(text) and (text[end].isalpha() or text[end] in "׳'’."):
        end += 1
    return end - space - 1 <= 12


def _takes_space_before(char: str, prev: str, following: str) -> bool:
    """French spaces a colon in prose, not in 10:30; and only the first of "?!" or "!!"."""
    if not prev:
        return False
    if char == ":" and prev.isdigit() and following.isdigit():
        return False
    return not (prev in "!?" and char in "!?")


def plain_forms(text: str, drawable: frozenset[str]) -> str:
    """Typographic characters a face cannot draw, as their plain forms."""
    if drawable.issuperset(text):
        return text
    return "".join(c if c in drawable else PLAIN_FORMS.get(c, c) for c in text)


def rules_for(words: Words) -> Typography:
    """A language's typography from its catalogue (English's where it gives none)."""
    return typography_of(
        words.items("quotes"), _plain(words, "space_before"), _plain(words, "space_after")
    )


def _plain(words: Words, key: str) -> str:
    value = words.values.get(key, "")
    return value if isinstance(value, str) else ""
