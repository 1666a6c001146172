"""One place for what every PDF booklet writes carries: the canvas, its metadata, viewer
preferences. Cards, booklets, sheets, diagrams and the calibration page all start here."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable

from booklet.base.internals import Canvas
from booklet.base.version import __version__
from booklet.text.fonts import register

# Draws one side with its trim's lower-left corner at (x, y), its background into `bleed`.
Painter = Callable[[Canvas, float, float, float], None]

KEYWORDS = "back massage, routine card"


def new_canvas(
    buffer: io.BytesIO, pagesize: tuple[float, float], title: str, subject: str
) -> Canvas:
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


def apply_metadata(canvas: Canvas, title: str, subject: str, author: str = "booklet") -> None:
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setCreator(f"booklet {__version__}")
    canvas.setAuthor(author)
    canvas.setKeywords(KEYWORDS)
    print_at_actual_size(canvas)


def print_at_actual_size(canvas: Canvas) -> None:
    """Ask the print dialog not to shrink the page to fit: a card must come out at its size."""
    canvas.setViewerPreference("PrintScaling", "None")


def set_duplex(canvas: Canvas, flip: str) -> None:
    """Tell the printer dialog how a two-sided print turns: over the long or the short edge."""
    canvas.setViewerPreference(
        "Duplex", "DuplexFlipLongEdge" if flip == "long" else "DuplexFlipShortEdge"
    )


_SUBSET_NAME = re.compile(rb"(/(?:BaseFont|FontName)\s{0,4}/)([A-Z]{6})\+([A-Za-z0-9_-]{1,64})")


def unique_subset_names(pdf: bytes) -> bytes:
    """Give each embedded font subset a tag of its own, derived from the file's content.

    ReportLab tags every subset AAAAAA+, AAAAAB+ and so on, so two booklet files carry
    different subsets under the same names, and a shop merging them can get the wrong glyphs.
    A tag from a hash of the file keeps the output reproducible (same inputs, same bytes). The
    tag has the same length, so the file's cross-reference offsets stay right; font
    dictionaries are not compressed, so the names are found in the raw bytes."""
    digest = hashlib.sha256(pdf).digest()
    tags: dict[bytes, bytes] = {}

    def tag(match: re.Match[bytes]) -> bytes:
        old = match.group(2) + b"+" + match.group(3)
        if old not in tags:
            seed = hashlib.sha256(digest + old).digest()
            tags[old] = bytes(65 + b % 26 for b in seed[:6])
        return match.group(1) + tags[old] + b"+" + match.group(3)

    return _SUBSET_NAME.sub(tag, pdf)
