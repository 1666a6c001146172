"""PDF pages to PNG images, with PDFium (shipped inside the pypdfium2 wheel: no system packages)."""

from __future__ import annotations

import io
from pathlib import Path

from booklet.base.files import write_atomic


def pdf_to_pngs(pdf: bytes, dpi: float = 150, grayscale: bool = False) -> list[bytes]:
    """One PNG per page, in order."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        images = []
        for page in doc:
            # PDFium rounds pixel sizes up: a hair under the exact scale gives 600x900, not 901
            width = page.get_width()
            scale = round(width * dpi / 72) / width - 1e-9
            bitmap = page.render(scale=scale, grayscale=grayscale)
            buffer = io.BytesIO()
            bitmap.to_pil().save(buffer, format="PNG", optimize=False)
            images.append(buffer.getvalue())
            page.close()
        return images
    finally:
        doc.close()


def write_previews(
    pdf: bytes, pdf_path: Path, dpi: float = 150, pngs: tuple[bytes, ...] | None = None
) -> list[Path]:
    """`card.pdf` -> `card-1.png`, `card-2.png`, … beside it; pages an earlier, longer PDF
    of the same name left there (`card-3.png`) are removed, so none is stale. `pngs` are the
    pages already rasterized (in the jail), if they were."""
    paths = []
    for i, png in enumerate(pngs if pngs is not None else pdf_to_pngs(pdf, dpi), start=1):
        target = preview_path(pdf_path, i)
        write_atomic(target, png)
        paths.append(target)
    page = len(paths) + 1
    while (stale := preview_path(pdf_path, page)).is_file() and not stale.is_symlink():
        stale.unlink()
        page += 1
    return paths


def preview_path(pdf_path: Path, page: int) -> Path:
    return pdf_path.with_name(f"{pdf_path.stem}-{page}.png")
