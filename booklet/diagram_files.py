"""`booklet diagram`: one technique's diagram as a PDF, PNG or SVG file."""

from __future__ import annotations

import io
from pathlib import Path

from booklet.diagrams import back_drawing
from booklet.errors import BookletError
from booklet.model import Technique
from booklet.output import write_atomic

FORMATS = (".pdf", ".png", ".svg")


def diagram_bytes(technique: Technique, suffix: str, width: float, grayscale: bool) -> bytes:
    if technique.diagram is None:
        raise BookletError(
            "has no diagram. Add a `diagram:` with strokes (see the README).",
            file=technique.path or technique.id,
        )
    drawing = back_drawing(technique.diagram, width, grayscale=grayscale)
    if suffix == ".svg":
        from reportlab.graphics import renderSVG

        return renderSVG.drawToString(drawing).encode("utf-8")
    pdf = drawing_pdf(drawing, f"{technique.name}: diagram")
    if suffix == ".pdf":
        return pdf
    from booklet.preview import pdf_to_pngs

    return pdf_to_pngs(pdf, dpi=300, grayscale=grayscale)[0]


def drawing_pdf(drawing, title: str) -> bytes:
    from reportlab.graphics import renderPDF
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(drawing.width, drawing.height), invariant=1)
    canvas.setTitle(title)
    canvas.setCreator("booklet")
    renderPDF.draw(drawing, canvas, 0, 0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def write_diagram(technique: Technique, out: Path, width: float, grayscale: bool) -> Path:
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise BookletError(
            f"cannot tell the format from '{out.name}'. End the name in .pdf, .png or .svg.",
            file=out,
        )
    write_atomic(out, diagram_bytes(technique, suffix, width, grayscale))
    return out
