"""One place for what every PDF booklet writes carries: the canvas, its metadata, viewer
preferences. Cards, booklets, sheets, diagrams and the calibration page all start here."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from booklet import __version__
from booklet.text.fonts import register

# Draws one side with its trim's lower-left corner at (x, y), its background into `bleed`.
Painter = Callable[[Any, float, float, float], None]

KEYWORDS = "back massage, routine card"


def new_canvas(buffer: io.BytesIO, pagesize: tuple[float, float], title: str, subject: str) -> Any:
    """A ReportLab canvas with booklet's metadata, same bytes for the same input, and print at
    100% asked of every viewer."""
    from reportlab.pdfgen.canvas import Canvas

    # Our own font as the initial one, so no unembedded Helvetica is listed on any page.
    canvas = Canvas(
        buffer,
        pagesize=pagesize,
        invariant=1,
        pageCompression=1,
        initialFontName=register("sans").regular,
    )
    apply_metadata(canvas, title, subject)
    return canvas


def apply_metadata(canvas: Any, title: str, subject: str, author: str = "booklet") -> None:
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setCreator(f"booklet {__version__}")
    canvas.setAuthor(author)
    canvas.setKeywords(KEYWORDS)
    print_at_actual_size(canvas)


def print_at_actual_size(canvas: Any) -> None:
    """Ask the print dialog not to shrink the page to fit: a card must come out at its size."""
    canvas.setViewerPreference("PrintScaling", "None")


def set_duplex(canvas: Any, flip: str) -> None:
    """Tell the printer dialog how a two-sided print turns: over the long or the short edge."""
    canvas.setViewerPreference(
        "Duplex", "DuplexFlipLongEdge" if flip == "long" else "DuplexFlipShortEdge"
    )
