"""The gift booklet: cover to back cover, planned to a multiple of four pages.

Built with platypus in two passes: the first finds where each section starts, the second prints
those page numbers on the contents page and pads the booklet with notes pages so the back cover
lands on the last page of a foldable booklet. Section starts become outline entries and link
targets as they are drawn.

`kit` holds what the sections share, `flowables` what pages are stacked from, `pages` the page
templates and the planning; the sections are in `front`, `guidance`, `techniques`, `routine`
and `back`, and `build` puts them in order.
"""

from booklet.products.booklet.build import build_book, render_book
from booklet.products.booklet.flowables import BookInfo
from booklet.products.requests import BookRequest

__all__ = ["BookInfo", "BookRequest", "build_book", "render_book"]
