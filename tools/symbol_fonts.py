"""Make the last two faces of the fallback chain: symbols and emoji, in one colour.

Run when the fonts change (needs fontTools, a development tool only, and npm to fetch the two
packages from the npm registry):

    pip install fonttools
    cd /tmp && npm pack @fontsource/noto-sans-symbols-2 @fontsource/noto-emoji
    python tools/symbol_fonts.py /tmp

Booklet Symbols: Noto Sans Symbols 2 (The Noto Project Authors), kept to the blocks people type
in a message: arrows, technical and geometric shapes, the miscellaneous symbols and dingbats
(★ ✓ ✿ ☀ ♥). Booklet Emoji: Noto Emoji (Google), the monochrome outline emoji, kept to
pictographs typed as one character (😀 👍 ❤ ☺ 🌸); flags and sequences joined by a zero-width
joiner need shaping these faces do not get, and their parts print one by one.

Both are under the SIL Open Font Licence, which allows modified copies; the copies here are
renamed as the other built-in faces are. The variation selectors, the zero-width joiner and
the skin-tone modifiers draw nothing (a monochrome print has no skin tones): 👍🏽 prints as 👍.
The licences ship beside the fonts.
"""

from __future__ import annotations

import sys
import tarfile
from io import BytesIO
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_fonts import TARGET, rename  # noqa: E402

SYMBOLS = [
    (0x2190, 0x21FF),  # arrows
    (0x2300, 0x23FF),  # technical
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2600, 0x26FF),  # miscellaneous symbols: ☀ ☺ ♥ ★
    (0x2700, 0x27BF),  # dingbats: ✓ ✔ ✿ ❤
    (0x2B00, 0x2BFF),  # more arrows and shapes: ⭐
]
EMOJI = [
    (0x2190, 0x2BFF),  # what the symbols face lacks of these blocks
    (0x1F300, 0x1F5FF),  # pictographs: 🌸 🌿 💆
    (0x1F600, 0x1F64F),  # faces: 😀 🙂
    (0x1F680, 0x1F6FF),  # transport and map
    (0x1F900, 0x1F9FF),  # more pictographs: 🦄 🤗
    (0x1FA70, 0x1FAFF),  # and more: 🫶
    (0x00A9, 0x00AE),  # © ®
    (0x203C, 0x2049),  # ‼ ⁉
    (0x2122, 0x2139),  # ™ ℹ
]
INVISIBLE = [0xFE0E, 0xFE0F, 0x200D, *range(0x1F3FB, 0x1F400)]  # drawn as nothing
PACKAGES = {
    "Booklet Symbols": (
        "fontsource-noto-sans-symbols-2",
        "noto-sans-symbols-2-symbols-400-normal.woff",
        "LICENSE-Noto-Sans-Symbols-2.txt",
        SYMBOLS,
    ),
    "Booklet Emoji": (
        "fontsource-noto-emoji",
        "noto-emoji-emoji-400-normal.woff",
        "LICENSE-Noto-Emoji.txt",
        EMOJI,
    ),
}


def package_files(folder: Path, package: str) -> dict[str, bytes]:
    archive = next(folder.glob(f"{package}-*.tgz"))
    with tarfile.open(archive) as tar:
        return {
            Path(m.name).name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile() and (m.name.endswith(".woff") or m.name.endswith("/LICENSE"))
        }


def make_face(data: bytes, family: str, ranges: list[tuple[int, int]], before: set[int]) -> TTFont:
    """`before` are the characters a face earlier in the chain draws: left out here."""
    font = TTFont(BytesIO(data))
    font.flavor = None  # a plain TrueType file: ReportLab reads no WOFF
    options = subset.Options()
    options.hinting = False
    options.drop_tables += ["hdmx", "VDMX", "LTSH", "DSIG", "gasp", "PCLT", "STAT", "vhea"]
    options.drop_tables += ["vmtx", "GSUB", "GPOS", "GDEF"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.layout_features = []
    wanted = {u for low, high in ranges for u in range(low, high + 1)}
    cmap = font.getBestCmap()
    keep = ((wanted - before) | {0xFE0E, 0xFE0F, 0x200D}) & set(cmap)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    invisible(font)
    rename(font, family, "Regular")
    return font


def invisible(font: TTFont) -> None:
    """Variation selectors, the joiner and skin tones: an empty glyph of no width."""
    order = font.getGlyphOrder()
    empty = next((g for g in order if g != ".notdef" and font["glyf"][g].numberOfContours == 0
                  and font["hmtx"][g][0] == 0), None)  # fmt: skip
    if empty is None:
        return
    for table in font["cmap"].tables:
        if table.isUnicode():
            for code in INVISIBLE:
                if code <= 0xFFFF or table.format == 12:  # format 4 holds the BMP only
                    table.cmap[code] = empty


def main(folder: str) -> None:
    before: set[int] = set()
    for family, (package, source, licence, ranges) in PACKAGES.items():
        files = package_files(Path(folder), package)
        (TARGET / licence).write_bytes(files["LICENSE"])
        font = make_face(files[source], family, ranges, before)
        before |= set(font.getBestCmap()) - set(INVISIBLE)
        name = f"{family.replace(' ', '')}-Regular.ttf"
        font.save(TARGET / name)
        print(TARGET / name, (TARGET / name).stat().st_size, len(font.getBestCmap()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp")
