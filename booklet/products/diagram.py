"""`booklet diagram`: one technique's diagram as a PDF, PNG or SVG file."""

from __future__ import annotations

import io
import math
from pathlib import Path

from booklet.base.errors import BookletError
from booklet.base.files import write_atomic
from booklet.data.model import Technique
from booklet.draw.art import DiagramArt
from booklet.draw.diagrams import diagram_art, smallest_legend_width
from booklet.draw.painting import paint, to_drawing
from booklet.draw.symbols import ENGLISH_KEY, KeyWords
from booklet.text.fonts import register

FORMATS = (".pdf", ".png", ".svg")
FACE = "text"  # the face the cards and booklets print in


def diagram_bytes(
    technique: Technique,
    suffix: str,
    width: float,
    grayscale: bool,
    words: KeyWords = ENGLISH_KEY,
) -> bytes:
    """The diagram with its title over it and, under it, the key to exactly the symbols it
    draws, in `words`' language and the cards' own face."""
    if technique.diagram is None:
        raise BookletError(
            "has no diagram. Add a `diagram:` with strokes (see the README).",
            file=technique.path or technique.id,
        )
    smallest = smallest_legend_width(technique.diagram, register(FACE).regular, words)
    if width < smallest:
        raise BookletError(
            f"at {width / 72 * 25.4:.0f} mm wide the diagram's legend would be too small to "
            f"read. Use a size of {math.ceil(smallest / 72 * 25.4)}mm or more."
        )
    art = diagram_art(
        technique.diagram, width, grayscale, True, FACE, words=words, title=technique.name
    )
    if suffix == ".svg":
        from reportlab.graphics import renderSVG

        svg: str = renderSVG.drawToString(to_drawing(art, FACE))  # ReportLab's, untyped
        return svg.encode("utf-8")
    pdf = art_pdf(art, f"{technique.name}: diagram")
    if suffix == ".pdf":
        return pdf
    from booklet.press.preview import pdf_to_pngs

    return pdf_to_pngs(pdf, dpi=300, grayscale=grayscale)[0]


def art_pdf(art: DiagramArt, title: str) -> bytes:
    from booklet.press.pdf import new_canvas, seal

    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (art.width, art.height), title, "Back massage diagram")
    paint(canvas, art, 0, 0)
    canvas.showPage()
    canvas.save()
    return seal(buffer.getvalue())


def write_diagram(
    technique: Technique,
    out: Path,
    width: float,
    grayscale: bool,
    words: KeyWords = ENGLISH_KEY,
) -> Path:
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise BookletError(
            f"cannot tell the format from '{out.name}'. End the name in .pdf, .png or .svg.",
            file=out,
        )
    write_atomic(out, diagram_bytes(technique, suffix, width, grayscale, words))
    return out
