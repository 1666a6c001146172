"""Embedded TrueType fonts, registered once per process, and a glyph-coverage check.

A glyph the font lacks would print as an empty box without any warning, so every string is
checked before rendering and a missing character becomes a clear error instead.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from booklet.base.errors import BookletError
from booklet.base.files import read_bounded
from booklet.base.internals import astral_to_unicode, remembered_subsets, stream_compression


class FontFamily(NamedTuple):
    regular: str
    bold: str
    italic: str
    bold_italic: str


def _reportlab_fonts() -> Path:
    import reportlab

    return Path(reportlab.__file__).parent / "fonts"


_DEJAVU_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))

FAMILY_FILES: dict[str, tuple[str, str, str, str]] = {
    # Bitstream Vera without its hinting, renamed as the licence asks (tools/trim_fonts.py):
    # the same letters, 30 KB less in every PDF. Ships with booklet.
    "sans": (
        "BookletSans-Regular.ttf",
        "BookletSans-Bold.ttf",
        "BookletSans-Oblique.ttf",
        "BookletSans-BoldOblique.ttf",
    ),
    # The booklet's text face: Source Sans 3, instanced and trimmed to Latin, Greek and
    # Cyrillic, renamed as its licence asks (tools/book_fonts.py). Ships with booklet.
    "text": (
        "BookletText-Regular.ttf",
        "BookletText-Bold.ttf",
        "BookletText-Italic.ttf",
        "BookletText-BoldItalic.ttf",
    ),
    # The booklet's display face, for titles and the cover: EB Garamond, made the same way.
    "serif": (
        "BookletSerif-Regular.ttf",
        "BookletSerif-Bold.ttf",
        "BookletSerif-Italic.ttf",
        "BookletSerif-BoldItalic.ttf",
    ),
    # Bitstream Vera as ReportLab ships it, hinting and all.
    "vera": ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf"),
    # DejaVu covers far more scripts; used when the system has it.
    "dejavu": (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
    ),
}
FAMILY_NAMES = tuple(FAMILY_FILES)
FAMILY_LABELS = {
    "arabic": "Booklet Arabic",
    "hebrew": "Booklet Hebrew",
    "devanagari": "Booklet Devanagari",
    "symbols": "Booklet Symbols",
    "emoji": "Booklet Emoji",
    "sans": "Booklet Sans",
    "text": "Booklet Text",
    "serif": "Booklet Serif",
    "vera": "Bitstream Vera",
    "dejavu": "DejaVu Sans",
}
PACKAGED_FONTS = Path(__file__).parent / "typefaces"


def _font_dir(family: str) -> Path:
    if family in ("sans", "text", "serif"):
        return PACKAGED_FONTS
    if family == "vera":
        return _reportlab_fonts()
    for folder in _DEJAVU_DIRS:
        if (folder / FAMILY_FILES[family][0]).is_file():
            return folder
    raise BookletError(
        f"font '{family}' is not installed on this machine. Use font: vera, or install it "
        "(on Debian/Ubuntu: apt-get install fonts-dejavu-core)."
    )


_FACE_FILES: dict[str, Path] = {}  # every face of every family asked for, by font name
_REGISTERED: set[str] = set()


FILE_FONT = "file:"  # a layout's own TrueType file: "file:" and its absolute path
MAX_FONT_BYTES = 40 * 1024 * 1024  # a full CJK face is 10-20 MB; read no more than this


def font_file_problem(path: Path) -> str:
    """Why a layout's font file cannot be used, or "": first its name, kind and size, then its
    own tables, read bounded and checked before any parser expands them (booklet.text.fontcheck).
    A message follows the file's quoted name."""
    problem = _file_problem(path)
    if problem:
        return problem
    stat = path.stat()
    return _table_problem(str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _file_problem(path: Path) -> str:
    if path.suffix.lower() not in (".ttf", ".otf"):
        return "must be a TrueType font file (.ttf)."
    if path.is_symlink() or not path.is_file():
        return "is not a regular file in the layout's folder."
    if path.stat().st_size > MAX_FONT_BYTES:
        return f"is larger than {MAX_FONT_BYTES // (1024 * 1024)} MB."
    return ""


@lru_cache(maxsize=64)
def _table_problem(path: str, device: int, inode: int, size: int, mtime: int) -> str:
    """Once per file and version of it: a layout names its font for its text and its titles,
    and is read again when it renders. Registering checks the bytes it parses all the same."""
    try:
        data = read_bounded(Path(path), MAX_FONT_BYTES, kind="font files")
    except BookletError as exc:
        return exc.problem.message
    from booklet.text.fontcheck import font_problem

    return font_problem(data)


def _register_file(family: str) -> FontFamily:
    """A layout's own font file, read bounded, checked from its own tables, then parsed by
    ReportLab once. A face that draws plain Latin is the layout's text face (one face for every
    style: a file has no bold of its own). A face without it, such as a CJK fallback face, joins
    the fallback chain behind Booklet Text instead: badges, bullets and page numbers never print
    as boxes."""
    import copy
    import hashlib
    import io
    import re

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from booklet.text.fontcheck import font_problem

    path = Path(family[len(FILE_FONT) :])
    problem = _file_problem(path)
    if problem:
        raise BookletError(f"font: {problem}", file=path)
    try:  # bounded on the open file: it may have been replaced since it was checked
        data = read_bounded(path, MAX_FONT_BYTES, kind="font files")
    except BookletError as exc:
        raise BookletError(f"font: {exc.problem.message}", file=path) from None
    problem = font_problem(data)  # the very bytes ReportLab is given, whatever was checked before
    if problem:
        raise BookletError(f"font: {problem}", file=path)
    digest = hashlib.sha256(data).hexdigest()[:16]  # 64 bits: no file is made to share it
    stem = re.sub(r"[^A-Za-z0-9]", "", path.stem)[:24] or "Font"
    name = f"{stem}{digest}"
    text = register("text")
    if name not in _REGISTERED:
        try:
            font = TTFont(name, io.BytesIO(data), asciiReadable=False, shapable=False)
        except Exception as exc:  # a stranger's file: any parse failure is a bad input
            raise BookletError(
                f"font: ReportLab cannot use this font ({str(exc)[:120]}). Use a TrueType "
                "font (.ttf with TrueType outlines) whose licence allows embedding.",
                file=path,
            ) from None
        # ReportLab shares a face among all fonts of its PostScript name, for the process: a
        # file named like a built-in face, or like another layout's file, would take its place
        # (the built-in italic printing a stranger's glyphs). Its face is named for its bytes.
        font.face.name = font.face.name[:63] + b"-" + digest.encode()
        # The bold is the same face under the name that keeps the bold's fallback chain: parsed
        # once, and one font program in the PDF (ReportLab shares a face by its name).
        bold = copy.copy(font)
        bold.fontName = f"{name}-Bold"
        for weight in (font, bold):
            pdfmetrics.registerFont(weight)
            _REGISTERED.add(weight.fontName)
    scripts = tuple(FALLBACK_FACES)
    if charmap(name).issuperset(PLAIN_LATIN):
        names = (name, f"{name}-Bold", name, f"{name}-Bold")
        for weight, suffix in ((name, ""), (f"{name}-Bold", "-Bold")):
            _CHAINS[weight] = (f"BookletText{suffix}", *(p + suffix for p in scripts))
    else:  # Booklet Text under a name of this layout's, whose chain ends in the file's face
        names = (f"Text{name}", f"Text{name}-Bold", f"Text{name}-Italic", f"Text{name}-BoldItalic")
        for alias, own in zip(names, text, strict=True):
            _FACE_FILES[alias] = _FACE_FILES[own]
            suffix = "-Bold" if is_bold(alias) else ""
            _CHAINS[alias] = (*(p + suffix for p in scripts), f"{name}{suffix}")
        face(names[0])
        face(names[1])
    _map_family(names[0], names)
    return FontFamily(*names)


# Printed straight from a family's face, without the fallback chain: badges, bullets, numbers.
PLAIN_LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;-•")
_CHAINS: dict[str, tuple[str, ...]] = {}  # a layout file family's faces: their fallbacks


@cache
def register(family: str = "sans") -> FontFamily:
    """Make a family known to ReportLab, once. Regular and bold are registered now; the italic
    faces when first used (`face`), since most cards never use them.

    Subsets hold only the glyphs a PDF uses (ReportLab otherwise adds all of ASCII to each), and
    streams are written as plain binary, not ASCII85: together a card PDF is a third smaller.
    """
    _set_up_reportlab()
    if family.startswith(FILE_FONT):
        return _register_file(family)
    names = family_faces(family)
    face(names.regular)
    face(names.bold)
    # After registering: ReportLab maps a newly registered font's own name to itself in every
    # style, and the regular face's name is the family's.
    _map_family(names.regular, names)
    return names


def _set_up_reportlab() -> None:
    """How booklet has ReportLab write every face: emoji's characters kept, streams plain
    binary and compressed at booklet's level (STREAM_LEVEL)."""
    from reportlab import rl_config

    astral_to_unicode()
    remembered_subsets()
    rl_config.useA85 = 0
    stream_compression()


def family_faces(family: str) -> FontFamily:
    """A built-in family's four faces by name, known to `face` but none of them read yet."""
    if family not in FAMILY_FILES:
        raise BookletError(f"font '{family}' is not known. Use one of: {', '.join(FAMILY_NAMES)}.")
    folder = _font_dir(family)
    prefix = FAMILY_LABELS[family].replace(" ", "")
    names = FontFamily(prefix, f"{prefix}-Bold", f"{prefix}-Italic", f"{prefix}-BoldItalic")
    for name, filename in zip(names, FAMILY_FILES[family], strict=True):
        _FACE_FILES[name] = folder / filename
    return names


def display_family(family: str) -> FontFamily:
    """A display family (a booklet's titles and names): its bold read now, as titles print in
    it, and the italic when a name is set; its regular, never printed, is never read (each
    face ReportLab reads is about a megabyte a process keeps). A layout's own font file is one
    face for every style."""
    if family.startswith(FILE_FONT):
        return register(family)
    _set_up_reportlab()
    names = family_faces(family)
    face(names.bold)
    return names


def _map_family(prefix: str, names: tuple[str, str, str, str]) -> None:
    """So platypus's <b> and <i> find the faces."""
    from reportlab.lib.fonts import addMapping

    for (bold, italic), name in zip(((0, 0), (1, 0), (0, 1), (1, 1)), names, strict=True):
        addMapping(prefix, bold, italic, name)


def face(name: str) -> str:
    """A face's font name, registered with ReportLab first if this is its first use."""
    if name not in _REGISTERED:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        # Only the script faces are shaped (by HarfBuzz, through ReportLab in the booklet and
        # booklet.text.shaping on cards): Latin text needs no shaping and stays as fast.
        shaped = name.startswith(SCRIPT_PREFIXES)
        if shaped:
            from booklet.base.internals import with_harfbuzz

            with_harfbuzz()
        font = TTFont(name, str(_FACE_FILES[name]), asciiReadable=False, shapable=shaped)
        pdfmetrics.registerFont(font)
        _REGISTERED.add(name)
    return name


# The fallback chain: faces for the scripts the text faces lack, tried in this order.
SCRIPT_FACES = {
    "BookletArabic": ("BookletArabic-Regular.ttf", "BookletArabic-Bold.ttf"),
    "BookletHebrew": ("BookletHebrew-Regular.ttf", "BookletHebrew-Bold.ttf"),
    "BookletDevanagari": ("BookletDevanagari-Regular.ttf", "BookletDevanagari-Bold.ttf"),
}
SCRIPT_PREFIXES = tuple(SCRIPT_FACES)
# Last in the chain, for what a message may hold: symbols (★ ✓ ✿ ♥) and emoji (😀 👍 🌸), one
# colour, one weight (tools/symbol_fonts.py). Never shaped: each character is its own glyph.
SYMBOL_FACES = {
    "BookletSymbols": ("BookletSymbols-Regular.ttf", "BookletSymbols-Regular.ttf"),
    "BookletEmoji": ("BookletEmoji-Regular.ttf", "BookletEmoji-Regular.ttf"),
}
FALLBACK_FACES = {**SCRIPT_FACES, **SYMBOL_FACES}
for _prefix, (_regular, _bold) in FALLBACK_FACES.items():
    _FACE_FILES[_prefix] = PACKAGED_FONTS / _regular
    _FACE_FILES[f"{_prefix}-Bold"] = PACKAGED_FONTS / _bold


def register_scripts() -> None:
    """The fallback faces for platypus: `<font face="BookletArabic"><b>` finds the bold."""
    from reportlab.lib.fonts import addMapping

    for prefix in FALLBACK_FACES:
        face(prefix)
        face(f"{prefix}-Bold")
        for bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
            addMapping(prefix, bold, italic, f"{prefix}-Bold" if bold else prefix)


def is_bold(font_name: str) -> bool:
    return font_name.endswith(("-Bold", "-BoldItalic", "-BoldOblique", "Bd", "BI"))


def script_faces(primary: str) -> tuple[str, ...]:
    """The fallback faces for text set in `primary`, in its weight (there are no italics)."""
    suffix = "-Bold" if is_bold(primary) else ""
    if primary in _CHAINS:  # a family from a layout's own font file
        return _CHAINS[primary]
    return tuple(f"{prefix}{suffix}" for prefix in FALLBACK_FACES)


def is_script_face(font_name: str) -> bool:
    return font_name.startswith(SCRIPT_PREFIXES)


@cache
def charmap(font_name: str) -> frozenset[str]:
    """The characters a font can draw, plus the line breaks and tabs text may hold."""
    from reportlab.pdfbase import pdfmetrics

    face(font_name) if font_name in _FACE_FILES else None
    own = pdfmetrics.getFont(font_name).face.charToGlyph
    return frozenset(chr(c) for c in own if not 0xE000 <= c <= 0xF8FF) | set("\n\r\t")


@cache
def coverage(font_name: str) -> frozenset[str]:
    """What text set in this face can print: its own characters and its fallbacks'."""
    chars = charmap(font_name)
    for name in script_faces(font_name):
        chars |= charmap(name)
    return chars


def missing_chars(text: str, font_name: str) -> list[str]:
    """Characters in text that neither the font nor its fallbacks can draw."""
    return list(_missing(text, font_name))


@lru_cache(maxsize=8192)
def _missing(text: str, font_name: str) -> tuple[str, ...]:
    """The same strings are checked on every card of a batch: remember the answers. The
    fallback faces are opened only for text the face itself cannot draw, so a card in a Latin
    script never parses the Arabic, Hebrew and Devanagari faces."""
    beyond = set(text) - charmap(font_name)
    if not beyond:
        return ()
    return tuple(sorted(beyond - coverage(font_name)))


def missing_hint(chars: list[str], key: str = "font") -> str:
    """What to do about characters no face can print: Chinese, Japanese and Korean need a
    font file of their own (none ships: a CJK face is 10-20 MB); anything else, a wider font."""
    import unicodedata

    cjk = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "FULLWIDTH", "BOPOMOFO")
    if any(unicodedata.name(c, "").startswith(cjk) for c in chars):
        return (
            "Chinese, Japanese and Korean need a font that has them: put a TrueType file such "
            "as NotoSansSC-Regular.ttf in your layout's folder and name it in layout.yaml "
            f"({key}: NotoSansSC-Regular.ttf)."
        )
    return (
        f"Replace the character, or use a layout whose font has it ({key}: dejavu, or {key}: "
        "FILE.ttf naming a TrueType file in the layout's folder)."
    )


def font_label(font_name: str) -> str:
    """'BookletSans' -> 'Booklet Sans', for messages."""
    for label in FAMILY_LABELS.values():
        if font_name.startswith(label.replace(" ", "")):
            return label
    return font_name


def describe_chars(chars: list[str]) -> str:
    return ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:5])
