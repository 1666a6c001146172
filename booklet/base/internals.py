"""The one place booklet reaches into ReportLab's, pypdf's and Pyphen's private parts.

Each use saves real time or bytes (see where they are called) and has no public equivalent.
pyproject.toml caps the libraries at the major version these were checked against, and
tests/test_internals.py fails loudly, naming the attribute, if an upgrade moves any of them.
"""

from __future__ import annotations

import contextlib
import types
from functools import lru_cache
from pathlib import Path
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


def information_dictionary(writer: Any) -> Any:
    """A pypdf writer's document information dictionary itself: `metadata` gives a copy and
    `add_metadata` turns every value into a string, where PDF/X wants /Trapped as a name."""
    return writer._info


def add_object(writer: Any, obj: Any) -> Any:
    """An indirect object in a pypdf writer: each booklet page is placed as one form XObject
    by reference, instead of merging pages (30 times faster)."""
    return writer._add_object(obj)


class _Zlib:
    """zlib at a chosen level: ReportLab compresses every stream at zlib's default (6).

    What it compressed lately it remembers, in memory, keyed by the whole input: in a batch
    most cards repeat a font subset, its character map and a side without the client's name
    (three streams in four, measured over 240 cards of the benchmark's batch), and a repeat
    costs a hash instead of zlib (0.7 ms for a card side's 60 KB). Only bytes are kept, at
    most `MEMORY` of them, the least recently used leaving first."""

    MEMORY = 2 * 1024 * 1024  # of inputs; a batch's 12 kinds of card fit, a worker stays small

    def __init__(self, level: int) -> None:
        import zlib
        from collections import OrderedDict

        self.level, self._zlib = level, zlib
        self.recent: OrderedDict[bytes, bytes] = OrderedDict()
        self.held = 0

    def compress(self, data: bytes, *_: Any) -> bytes:
        if not isinstance(data, bytes) or len(data) > self.MEMORY // 8:
            return self._zlib.compress(data, self.level)
        recent = self.recent
        found = recent.get(data)
        if found is not None:
            with contextlib.suppress(KeyError):  # another thread's render let it go meanwhile
                recent.move_to_end(data)
            return found
        packed = recent[data] = self._zlib.compress(data, self.level)
        self.held += len(data)
        while self.held > self.MEMORY:
            oldest = recent.popitem(last=False)[0]
            self.held -= len(oldest)
        return packed

    def decompress(self, data: bytes, *args: Any) -> bytes:
        return self._zlib.decompress(data, *args)


# zlib's level for every stream ReportLab writes. A card side's drawing is about 60 KB of
# operators: level 4 compresses it in half the time of level 5 (0.7 against 1.3 ms a card)
# for 4% more bytes; levels below 4 save no more time and grow the bytes faster.
STREAM_LEVEL = 4


def stream_compression(level: int = STREAM_LEVEL) -> None:
    """Compress PDF streams at `level` (a fifth of a card's time went to zlib at ReportLab's
    6); the bytes stay the same run to run. ReportLab has no setting for it, so its pdfdoc
    module gets a zlib of ours."""
    import reportlab.pdfbase.pdfdoc as pdfdoc

    if not isinstance(pdfdoc.zlib, _Zlib) or pdfdoc.zlib.level != level:
        pdfdoc.zlib = _Zlib(level)


SUBSET_MEMORY = 1024 * 1024  # bytes of subsets kept in a process, the oldest leaving first
SUBSET_LARGEST = 128 * 1024  # a larger subset is made afresh each time (a stranger's font may
# carry megabytes of hinting tables, copied whole into every subset)


def _remembered_subset(make: Any) -> Any:
    """TTFontFile.makeSubset remembering the last subsets it made, in one bounded store for
    the process: a font subset is a pure function of the face's glyphs and its characters in
    code order, and a batch's cards of one kind use the same characters (75% of subsets repeat
    in the benchmark's batch). The glyph each character stands for is part of the key: a
    private code unmapped when one subset was made may be given a glyph later
    (booklet.base.internals.private_glyph_code). Entries hold their face, so an id is never
    taken for another face's."""
    from collections import OrderedDict

    made: OrderedDict[tuple[int, tuple[int, ...]], tuple[Any, bytes]] = OrderedDict()
    held = [0]

    def make_subset(face: Any, subset: Any) -> bytes:
        glyphs = face.charToGlyph
        key = (id(face), (*subset, *(glyphs.get(code, 0) for code in subset)))
        found = made.get(key)
        if found is not None and found[0] is face:
            with contextlib.suppress(KeyError):  # another thread's render let it go meanwhile
                made.move_to_end(key)
            return found[1]
        data: bytes = make(face, subset)
        if len(data) <= SUBSET_LARGEST:
            if found is not None:  # a face gone, its id now another's
                with contextlib.suppress(KeyError):
                    held[0] -= len(made.pop(key)[1])
            made[key] = (face, data)
            held[0] += len(data)
            while held[0] > SUBSET_MEMORY:
                held[0] -= len(made.popitem(last=False)[1][1])
        return data

    make_subset.remembering = True  # type: ignore[attr-defined]
    make_subset.__wrapped__ = make  # type: ignore[attr-defined]
    make_subset.held = held  # type: ignore[attr-defined]
    return make_subset


def remembered_subsets() -> None:
    """Have ReportLab reuse a font subset it made before in this process (bytes only)."""
    import reportlab.pdfbase.ttfonts as ttfonts

    if not getattr(ttfonts.TTFontFile.makeSubset, "remembering", False):
        ttfonts.TTFontFile.makeSubset = _remembered_subset(ttfonts.TTFontFile.makeSubset)


def _to_unicode_cmap(fontname: str, subset: Any) -> str:
    """ReportLab's ToUnicode CMap, with characters past U+FFFF written as UTF-16 (a surrogate
    pair), as the PDF reference asks: ReportLab writes `<1F600>`, which readers take as U+1F60,
    so an emoji copied or searched in the PDF came out as another character. Remembered: the
    next card of a batch asks for the same one."""
    return _cmap_text(fontname, tuple(subset))


@lru_cache(maxsize=64)
def _cmap_text(fontname: str, subset: tuple[int, ...]) -> str:
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


# --- Pyphen ------------------------------------------------------------------------------------


class _PatternsByNeed:
    """A hyphenation dictionary's patterns, each parsed the first time a word needs it.

    Pyphen parses every pattern of a dictionary when it loads it: German's 100,000 took
    0.6 s, once in every process that set a German word. Here each line is only filed under
    its letters (its digits taken out) and parsed as Pyphen parses it when looked up; a word
    looks up a few dozen. The same patterns, the same points (tests/test_typesetting.py)."""

    def __init__(self, lines: dict[str, str]) -> None:
        self.lines = lines
        self.parsed: dict[str, tuple[int, tuple[int, ...]]] = {}

    def get(self, key: str, default: Any = None) -> Any:
        found = self.parsed.get(key)
        if found is not None:
            return found
        line = self.lines.get(key)
        if line is None:
            return default
        import pyphen

        values = tuple(int(digit or "0") for digit, _ in pyphen.parse(line))
        start, end = 0, len(values)
        while not values[start]:
            start += 1
        while not values[end - 1]:
            end -= 1
        self.parsed[key] = found = (start, values[start:end])
        return found


_DIGITS = str.maketrans("", "", "0123456789")
MAX_DICTIONARY = 8 * 1024 * 1024  # Pyphen's largest pattern file is 1.1 MB


def quick_hyphenator(name: str, left: int, right: int) -> Any:
    """Pyphen's hyphenator for a dictionary name (as pyphen.language_fallback gives it), its
    patterns parsed as words need them (`_PatternsByNeed`). A dictionary with nonstandard
    hyphenation (`ff=f` alternatives) is loaded by Pyphen itself."""
    import re

    import pyphen

    path = pyphen.LANGUAGES[name]
    if path not in pyphen.hdcache:
        from booklet.base.files import read_bounded

        data = read_bounded(Path(str(path)), MAX_DICTIONARY, kind="hyphenation dictionaries")
        first, _, rest = data.partition(b"\n")
        encoding = first.decode("ascii", "replace").strip()
        if encoding.lower() == "microsoft-cp1251":
            encoding = "cp1251"
        body = rest.decode(encoding).split("\n")
        kept = [line.strip() for line in body]
        kept = [line for line in kept if line and not line.startswith(pyphen.ignored)]
        if any("^^" in line for line in kept):
            hexed = pyphen.parse_hex
            kept = [hexed(lambda m: chr(int(m.group(1), 16)), line) for line in kept]
        alternatives = any("/" in line and "=" in line for line in kept)
        nonzero = re.compile(r"[1-9]").search  # a pattern of zeros only is left out, as Pyphen does
        kept = [line for line in kept if nonzero(line)]
        if kept and not alternatives:  # a dictionary with `ff=f` alternatives: Pyphen's own
            lines = {line.translate(_DIGITS): line for line in kept}  # the last of a key wins
            hyph = pyphen.HyphDict.__new__(pyphen.HyphDict)
            hyph.patterns = _PatternsByNeed(lines)
            hyph.cache = {}
            hyph.maxlen = max(len(key) for key in lines)
            pyphen.hdcache[path] = hyph
    return pyphen.Pyphen(lang=name, left=left, right=right)


# --- HarfBuzz, only where a script needs it ------------------------------------------------------


def reportlab_without_harfbuzz() -> None:
    """Load ReportLab's TrueType module (and its canvas) lean, in a process of booklet's own (a
    render in the jail):
    - without HarfBuzz: ReportLab imports uharfbuzz whenever it can, 7 MB and 15 ms in every
      process, and only the script faces use it (`with_harfbuzz` brings it in for them);
    - with Pillow and `tempfile` deferred (`Deferred`): ReportLab imports both at its top and
      uses them only to draw a picture or make a temporary file, which a card without a logo
      never does; 12 ms of every card's start-up.
    A process that has ReportLab or HarfBuzz already is left as it is."""
    import sys

    if "reportlab.pdfbase.ttfonts" in sys.modules or "uharfbuzz" in sys.modules:
        return
    sys.modules["uharfbuzz"] = None  # type: ignore[assignment]  # `import uharfbuzz` fails
    deferred = [n for n in DEFERRED_FOR_REPORTLAB if n not in sys.modules]
    for name in deferred:
        sys.modules[name] = Deferred(name)
    try:
        import reportlab.pdfbase.ttfonts  # noqa: F401
        import reportlab.pdfgen.canvas  # noqa: F401
    finally:
        if sys.modules.get("uharfbuzz", 0) is None:
            del sys.modules["uharfbuzz"]
        for name in deferred:  # whoever imports them next gets the real module
            if isinstance(sys.modules.get(name), Deferred):
                del sys.modules[name]


DEFERRED_FOR_REPORTLAB = ("PIL.Image", "tempfile")


class Deferred(types.ModuleType):
    """A module's stand-in, held by whoever imported it while it was in `sys.modules`: the
    real module is imported on the first use of any of its names, and every use after that
    is the real module's (nothing is copied, so its state is never read stale).

    importlib.util.LazyLoader does not serve here: in Python 3.11 the import statement itself
    reads the module's `__spec__`, which loads it at once."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__spec__ = None  # not being imported: `import` hands this out as it is

    def __getattr__(self, attribute: str) -> Any:
        import importlib
        import sys

        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


def with_harfbuzz() -> None:
    """HarfBuzz for ReportLab's TrueType faces, before a script face is made shapable or
    shaped (it may have been loaded without it: `reportlab_without_harfbuzz`)."""
    import reportlab.pdfbase.ttfonts as ttfonts

    if ttfonts.uharfbuzz is None:
        import uharfbuzz

        ttfonts.uharfbuzz = uharfbuzz


def private_glyph_code(font: Any, gid: int, advance: float) -> int:
    """A character code for a glyph no character maps to (a ligature, a conjunct, a joining
    form), for ReportLab's subsets: U+E000 plus its glyph id, the same in every process.
    ReportLab's own (`hbAddPrivate`) hands the codes out in the order glyphs are first met in
    the process, so an Arabic booklet's bytes depended on what its worker had made before."""
    face = font.face
    code = 0xE000 + gid
    found = face.charToGlyph.get(code)
    if code > 0xF8FF or (found is not None and found != gid):  # a face that maps its own
        name = font.hbFont(1000).glyph_to_string(gid)
        return int(font.hbAddPrivate(name, gid, advance))
    if found is None:
        face.charToGlyph[code] = gid
        face.glyphToChar.setdefault(gid, []).append(code)
        face.charWidths[code] = advance
    return code
