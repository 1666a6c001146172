"""PDF pages to PNG images, with PDFium (shipped inside the pypdfium2 wheel: no system packages)."""

from __future__ import annotations

import contextlib
import io
import struct
from pathlib import Path

from booklet.base.files import read_start, write_atomic

# A preview carries this in a PNG text chunk, so that booklet removes only what it wrote.
MARK_KEY = "Software"
MARK_VALUE = "booklet"
MAX_STALE = 1000  # stale previews looked at beyond the last page
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MARK_CHUNK = MARK_KEY.encode("latin-1") + b"\0" + MARK_VALUE.encode("latin-1")


def pdf_to_pngs(
    pdf: bytes,
    dpi: float = 150,
    grayscale: bool = False,
    marked: bool = False,
    only: int | None = None,
    compress_level: int | None = None,
) -> list[bytes]:
    """One PNG per page, in order; `marked`: each carries booklet's mark (a preview file);
    `only`: that page alone (from 1; the last if there are fewer), as the page's zoom asks;
    `compress_level` zlib's, 1 to 9 (default 6; the page's previews take 1: half the time,
    and as small)."""
    import pypdfium2 as pdfium
    from PIL.PngImagePlugin import PngInfo

    info = None
    if marked:
        info = PngInfo()
        info.add_text(MARK_KEY, MARK_VALUE)
    doc = pdfium.PdfDocument(pdf)
    try:
        images = []
        pages = list(range(len(doc)))
        if only is not None:
            pages = pages[min(only, len(pages)) - 1 :][:1]
        for number in pages:
            page = doc[number]
            # PDFium rounds pixel sizes up: a hair under the exact scale gives 600x900, not 901
            width = page.get_width()
            scale = round(width * dpi / 72) / width - 1e-9
            bitmap = page.render(scale=scale, grayscale=grayscale)
            buffer = io.BytesIO()
            level = {} if compress_level is None else {"compress_level": compress_level}
            bitmap.to_pil().save(buffer, format="PNG", optimize=False, pnginfo=info, **level)
            images.append(buffer.getvalue())
            page.close()
        return images
    finally:
        doc.close()


def write_previews(
    pdf: bytes, pdf_path: Path, dpi: float = 150, pngs: tuple[bytes, ...] | None = None
) -> list[Path]:
    """`card.pdf` -> `card-1.png`, `card-2.png`, … beside it. Pages an earlier, longer PDF of
    the same name left there (`card-3.png`) are removed, so none is stale, but only if booklet
    wrote them: a regular file of that exact name whose PNG carries booklet's mark. Any other
    file of such a name (a holiday photo called `card-3.png`) is left as it is. `pngs` are the
    pages already rasterized (in the jail, marked), if they were."""
    paths = []
    pages = pngs if pngs is not None else pdf_to_pngs(pdf, dpi, marked=True)
    for i, png in enumerate(pages, start=1):
        target = preview_path(pdf_path, i)
        write_atomic(target, png)
        paths.append(target)
    for page in range(len(paths) + 1, len(paths) + 1 + MAX_STALE):
        stale = preview_path(pdf_path, page)
        if not (stale.is_file() or stale.is_symlink()):
            break
        if is_booklet_preview(stale):
            with contextlib.suppress(OSError):
                stale.unlink()
    return paths


def is_booklet_preview(path: Path) -> bool:
    """A regular file (not a link) holding a PNG whose text chunks, before its image data,
    include booklet's mark. Only the file's start is read."""
    head = read_start(path, 64 * 1024)
    if head is None or not head.startswith(_PNG_SIGNATURE):
        return False
    at = len(_PNG_SIGNATURE)
    while at + 8 <= len(head):
        length, kind = struct.unpack(">I4s", head[at : at + 8])
        if kind in (b"IDAT", b"IEND"):
            return False
        data = head[at + 8 : at + 8 + length]
        if kind == b"tEXt" and data == _MARK_CHUNK:
            return True
        at += 12 + length
    return False


def preview_path(pdf_path: Path, page: int) -> Path:
    return pdf_path.with_name(f"{pdf_path.stem}-{page}.png")
