"""Cards: a layout's blocks filled with a routine, fitted to the page, drawn with ReportLab.

`blocks` draws each kind of block (the kinds are declared in booklet.layout.blocks), `fit`
fits a side to its page, and `build` makes the card and its pages.
"""

from booklet.products.card.build import Card, build_card, render_card
from booklet.products.requests import CardRequest

__all__ = ["Card", "CardRequest", "build_card", "render_card"]
