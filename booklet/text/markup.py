"""One markup for every product: what a snippet line means, on a card and in a booklet alike.

A snippet prints lines; each non-empty line is one paragraph. A line may start with `# ` (a
title), `## ` (a heading) or `- ` (a bullet); the rest is inline markup: `<b>`, `<i>` (and
`<strong>`, `<em>`), `<font color="#hex" size="pt">`, `<br/>`, and entities such as `&amp;`.
Anything else is an error that says what to write instead, never a silent drop and never a
crash. Markup is parsed once into spans; the one text engine (booklet.text.paragraph) sets
them on cards and booklet pages alike.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

MIN_FONT_SIZE, MAX_FONT_SIZE = 4.0, 72.0
PARAGRAPH_KINDS = ("body", "title", "heading", "bullet")
_PREFIXES = (("## ", "heading"), ("# ", "title"), ("- ", "bullet"))


class MarkupError(ValueError):
    """Snippet markup that cannot be read; the message says what to write instead."""


class Span(NamedTuple):
    """A stretch of text in one face and colour. size is absolute pt from <font size>, or None
    for the paragraph's own size (which shrinks with the card)."""

    text: str
    bold: bool = False
    italic: bool = False
    colour: str | None = None
    size: float | None = None


BREAK = Span("\n")

_TAG = re.compile(
    r"<(/?)([A-Za-z]+)((?:\s+[A-Za-z_-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))*)\s*(/?)>"
)
_ATTRIBUTE = re.compile(r"([A-Za-z_-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))")
_SPACES = re.compile(r"[ \t\r\n]+")
_HEX = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")
_STYLE_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic"}
KNOWN_TAGS = '<b>, <i>, <font color="#hex" size="pt"> and <br/>'


@lru_cache(maxsize=4096)
def parse(markup: str) -> tuple[Span, ...]:
    """Markup to spans. Whitespace runs become one space, as in HTML and ReportLab."""
    spans: list[Span] = []
    stack: list[tuple[str, Span]] = []
    style = Span("")
    pos = 0
    for match in _TAG.finditer(markup):
        _add_text(spans, markup[pos : match.start()], style)
        pos = match.end()
        closing, name, attributes, self_closing = match.groups()
        name = name.lower()
        if name == "br":
            spans.append(BREAK)
            continue
        if closing:
            if not stack or stack[-1][0] != name:
                expected = f"</{stack[-1][0]}>" if stack else "no closing tag"
                raise MarkupError(f"</{name}> does not match: expected {expected}.")
            style = stack.pop()[1]
            continue
        if name in _STYLE_TAGS:
            if attributes.strip():
                raise MarkupError(f"<{name}> takes no attributes.")
            turned_on = _STYLE_TAGS[name]  # "bold" or "italic"
            bold, italic = style.bold or turned_on == "bold", style.italic or turned_on == "italic"
            changed = Span("", bold, italic, style.colour, style.size)
        elif name == "font":
            changed = _font(style, attributes)
        else:
            raise MarkupError(
                f"<{name}> is not a tag snippets understand. Use {KNOWN_TAGS}, "
                "or write &lt; for a literal '<'."
            )
        if self_closing:
            continue
        stack.append((name, style))
        style = changed
    _add_text(spans, markup[pos:], style)
    if stack:
        raise MarkupError(f"<{stack[-1][0]}> is never closed. Add </{stack[-1][0]}>.")
    return tuple(spans)


def _font(style: Span, attributes: str) -> Span:
    colour, size = style.colour, style.size
    for match in _ATTRIBUTE.finditer(attributes):
        key = match.group(1).lower()
        value = next(v for v in match.groups()[1:] if v is not None).strip()
        if key in ("color", "colour"):
            if not _HEX.fullmatch(value):
                raise MarkupError(
                    f'<font color="{value}"> is not a colour. Use a hex colour like "#1F1F1F".'
                )
            colour = value
        elif key == "size":
            try:
                points = float(value)
            except ValueError:
                points = -1.0
            if not MIN_FONT_SIZE <= points <= MAX_FONT_SIZE:
                raise MarkupError(
                    f'<font size="{value}"> is not a size. Use a number of points from '
                    f"{MIN_FONT_SIZE:g} to {MAX_FONT_SIZE:g}."
                )
            size = points
        else:
            raise MarkupError(f"<font> has no '{key}' attribute. Use color or size.")
    return Span("", style.bold, style.italic, colour, size)


def _add_text(spans: list[Span], raw: str, style: Span) -> None:
    if not raw:
        return
    if "<" in raw or ">" in raw:
        raise MarkupError(
            f"'{raw.strip()[:30]}' has a '<' or '>' that is not a tag. Write &lt; or &gt; "
            f"for the character itself; tags are {KNOWN_TAGS}."
        )
    text = _SPACES.sub(" ", raw)
    if "&" in text:
        from html import unescape

        text = unescape(text)
    if text:
        spans.append(Span(text, style.bold, style.italic, style.colour, style.size))


def plain(spans: tuple[Span, ...]) -> str:
    return "".join(s.text for s in spans)


class Para(NamedTuple):
    """One paragraph of a snippet: its kind and its styled spans."""

    kind: str
    spans: tuple[Span, ...]


def parse_line(line: str) -> Para:
    """`## Setting up` -> a heading; `- Warm the oil` -> a bullet; else a body paragraph."""
    for prefix, kind in _PREFIXES:
        if line.startswith(prefix):
            return Para(kind, parse(line[len(prefix) :]))
    return Para("body", parse(line))


def escape(text: str) -> str:
    """Plain text as markup: `<` and `&` stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
