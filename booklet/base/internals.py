"""The one place booklet reaches into ReportLab's and pypdf's private parts.

Each use saves real time or bytes (see where they are called) and has no public equivalent.
pyproject.toml caps both libraries at the major version these were checked against, and
tests/test_internals.py fails loudly, naming the attribute, if an upgrade moves any of them.
"""

from __future__ import annotations

from typing import Any

# A ReportLab canvas (reportlab.pdfgen.canvas.Canvas, or a subclass such as the booklet's page
# canvas). ReportLab ships no type hints, so to mypy it is Any; this name says what is meant
# wherever one is passed, and is the one place to change if typed stubs are ever adopted.
Canvas = Any


def canvas_document(canvas: Canvas) -> Any:
    """A ReportLab canvas's PDF document: fonts keep their subset state per document, and the
    card text engine encodes through it (reportlab.pdfbase.ttfonts)."""
    return canvas._doc


def subset_state(font: Any, document: Any) -> Any:
    """A TrueType font's subset assignments for one document, or None before its first use:
    reading them lets card text skip splitString's per-character loop."""
    return getattr(font, "state", {}).get(document)


def skip_saving(doc_template: Any, save: bool) -> None:
    """A platypus build that lays pages out without writing a file: the booklet's
    page-numbering pass needs page numbers only."""
    doc_template._doSave = int(save)


def paragraph_lines_kept(paragraph: Any) -> bool:
    """Whether a platypus paragraph still holds its broken lines (`split` may drop them), so a
    wrap at the same width can be skipped."""
    return "blPara" in paragraph.__dict__


def add_object(writer: Any, obj: Any) -> Any:
    """An indirect object in a pypdf writer: each booklet page is placed as one form XObject
    by reference, instead of merging pages (30 times faster)."""
    return writer._add_object(obj)


class _Zlib:
    """zlib at a chosen level: ReportLab compresses every stream at zlib's default (6)."""

    def __init__(self, level: int) -> None:
        import zlib

        self.level, self._zlib = level, zlib

    def compress(self, data: bytes, *_: Any) -> bytes:
        return self._zlib.compress(data, self.level)

    def decompress(self, data: bytes, *args: Any) -> bytes:
        return self._zlib.decompress(data, *args)


def stream_compression(level: int) -> None:
    """Compress PDF streams at `level`. Level 5 writes a card 11% faster than ReportLab's 6
    for 0.6% more bytes (a fifth of a card's time went to zlib); the bytes stay the same run
    to run. ReportLab has no setting for it, so its pdfdoc module gets a zlib of ours."""
    import reportlab.pdfbase.pdfdoc as pdfdoc

    if not isinstance(pdfdoc.zlib, _Zlib) or pdfdoc.zlib.level != level:
        pdfdoc.zlib = _Zlib(level)


def _to_unicode_cmap(fontname: str, subset: Any) -> str:
    """ReportLab's ToUnicode CMap, with characters past U+FFFF written as UTF-16 (a surrogate
    pair), as the PDF reference asks: ReportLab writes `<1F600>`, which readers take as U+1F60,
    so an emoji copied or searched in the PDF came out as another character."""

    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *[f"<{i:02X}> <{utf16(v)}>" for i, v in enumerate(subset)],
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def astral_to_unicode() -> None:
    """Make ReportLab's TrueType subsets map emoji (past U+FFFF) to their own characters in
    the PDF's text; the same bytes for everything below U+FFFF."""
    import reportlab.pdfbase.ttfonts as ttfonts

    if ttfonts.makeToUnicodeCMap is not _to_unicode_cmap:
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap
