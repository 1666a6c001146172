"""A layout's snippets as paragraphs: rendered in the sandbox (booklet.layout.spec), read with
the one markup (booklet.text.markup) and checked the same way for every product: markup
errors, sizes below the layout's legible minimum and characters its font cannot draw all name
the snippet file. A card and a booklet read their snippets through the same `Snippets`."""

from __future__ import annotations

from typing import Any

from booklet.base.errors import BookletError
from booklet.layout.spec import Layout, render_snippet, snippet_path
from booklet.text.breaking import unprinted
from booklet.text.fonts import describe_chars, font_label, missing_chars, register
from booklet.text.markup import Para, parse_line
from booklet.text.paragraph import MarkupError, plain


class Snippets:
    """A layout's snippets for one card or booklet, each rendered and parsed once (per key:
    a step's or a technique's), however often fitting asks for it."""

    def __init__(self, layout: Layout, context: dict[str, Any]) -> None:
        self.layout = layout
        self.context = context  # plain data only (booklet.layout.context)
        self.cache: dict[tuple[str, str], list[Para]] = {}

    def lines(
        self, template: str, key: str = "", extra: dict[str, Any] | None = None
    ) -> list[Para]:
        """The snippet's paragraphs, its context with `extra` fields added; cached by
        template and `key`, so `key` must name what `extra` holds."""
        k = (template, key)
        if k not in self.cache:
            context = dict(self.context, **(extra or {}))
            rendered = render_snippet(self.layout, template, context)
            self.cache[k] = parse_snippet(rendered, self.layout, template)
        return self.cache[k]


def parse_snippet(lines: list[str], layout: Layout, template: str) -> list[Para]:
    """Rendered lines as paragraphs, each checked against the layout's font and minimum."""
    fonts = register(layout.font)
    parsed = []
    for line in lines:
        try:
            para = parse_line(line)
        except MarkupError as exc:
            raise BookletError(str(exc), file=snippet_path(layout, template)) from None
        spans = para.spans
        too_small = [s.size for s in spans if s.size is not None and s.size < layout.min_body_size]
        if too_small:
            raise BookletError(
                f'<font size="{min(too_small):g}"> is below this layout\'s legible minimum of '
                f"{layout.min_body_size:g} pt. Use {layout.min_body_size:g} or more.",
                file=snippet_path(layout, template),
            )
        missing = missing_chars(unprinted(plain(spans)), fonts.regular)  # `say` isolates values
        if missing:
            raise BookletError(
                f"{describe_chars(missing)} cannot be printed with the font "
                f"'{font_label(fonts.regular)}'. "
                "Replace the character in the snippet or its data.",
                file=snippet_path(layout, template),
            )
        parsed.append(para)
    return parsed
