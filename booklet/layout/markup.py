"""A layout's snippet output, read with the one markup (booklet.text.markup) and checked the
same way for every product: markup errors, sizes below the layout's legible minimum and
characters its font cannot draw all name the snippet file."""

from __future__ import annotations

from booklet.base.errors import BookletError
from booklet.layout.spec import Layout, snippet_path
from booklet.text.fonts import describe_chars, font_label, missing_chars, register
from booklet.text.markup import Para, parse_line
from booklet.text.paragraph import MarkupError, plain


def parse_snippet(lines: list[str], layout: Layout, template: str) -> list[Para]:
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
        missing = missing_chars(plain(spans), fonts.regular)
        if missing:
            raise BookletError(
                f"{describe_chars(missing)} cannot be printed with the font "
                f"'{font_label(fonts.regular)}'. "
                "Replace the character in the snippet or its data.",
                file=snippet_path(layout, template),
            )
        parsed.append(para)
    return parsed
