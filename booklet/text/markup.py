"""One markup for every product: what a snippet line means, on a card and in a booklet alike.

A snippet prints lines; each non-empty line is one paragraph. A line may start with `# ` (a
title), `## ` (a heading) or `- ` (a bullet); the rest is inline markup (booklet.text.paragraph:
`<b>`, `<i>`, `<font color size>`, `<br/>`, entities). Cards draw the spans with their own
text engine; booklets hand them to ReportLab's platypus as markup made here, from the same
spans, so both products understand exactly the same things.
"""

from __future__ import annotations

from typing import NamedTuple

from booklet.text.paragraph import BREAK, Span, parse

PARAGRAPH_KINDS = ("body", "title", "heading", "bullet")
_PREFIXES = (("## ", "heading"), ("# ", "title"), ("- ", "bullet"))


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
    """Plain text as ReportLab paragraph markup: `<` and `&` stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_reportlab(spans: tuple[Span, ...]) -> str:
    """The spans as ReportLab paragraph markup: text escaped, styles as tags."""
    out = []
    for span in spans:
        if span is BREAK or span.text == "\n":
            out.append("<br/>")
            continue
        text = escape(span.text)
        if span.italic:
            text = f"<i>{text}</i>"
        if span.bold:
            text = f"<b>{text}</b>"
        attributes = []
        if span.colour:
            attributes.append(f'color="{span.colour}"')
        if span.size:
            attributes.append(f'size="{span.size:g}"')
        if attributes:
            text = f"<font {' '.join(attributes)}>{text}</font>"
        out.append(text)
    return "".join(out)
