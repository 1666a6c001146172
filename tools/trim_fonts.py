"""Make the embedded fonts small: Bitstream Vera without hinting, renamed "Booklet Sans".

Run once when the fonts change (needs fontTools, a development tool only):

    pip install fonttools && python tools/trim_fonts.py

Hinting instructions are about two thirds of each font file and do nothing for print, so every
PDF booklet writes is about 30 KB smaller. The Bitstream Vera licence allows modified copies
only under a name without "Bitstream" or "Vera", hence the new family name; the licence itself
ships beside the fonts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import reportlab
from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path(reportlab.__file__).parent / "fonts"
TARGET = Path(__file__).resolve().parent.parent / "booklet" / "text" / "typefaces"
FACES = {
    "Vera.ttf": ("Regular", "BookletSans-Regular.ttf"),
    "VeraBd.ttf": ("Bold", "BookletSans-Bold.ttf"),
    "VeraIt.ttf": ("Oblique", "BookletSans-Oblique.ttf"),
    "VeraBI.ttf": ("Bold Oblique", "BookletSans-BoldOblique.ttf"),
}
FAMILY = "Booklet Sans"


def trim(source: Path, style: str, target: Path) -> None:
    font = TTFont(source)
    options = subset.Options()
    options.hinting = False
    options.drop_tables += ["hdmx", "VDMX", "LTSH", "kern", "DSIG", "gasp", "PCLT"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    postscript = f"BookletSans-{style.replace(' ', '')}"
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 4):
            names.setName(
                f"{FAMILY} {style}",
                record.nameID,
                record.platformID,
                record.platEncID,
                record.langID,
            )
        elif record.nameID == 6:
            names.setName(postscript, 6, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (2, 17):
            names.setName(style, record.nameID, record.platformID, record.platEncID, record.langID)
    from book_fonts import even_spaces  # tools/ is this script's folder

    even_spaces(font)
    font.save(target)


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for source, (style, target) in FACES.items():
        trim(SOURCE / source, style, TARGET / target)
        print(f"{target}: {(TARGET / target).stat().st_size // 1024} KB")
    shutil.copy(SOURCE / "bitstream-vera-license.txt", TARGET / "LICENSE-Bitstream-Vera.txt")
    (TARGET / "README.md").write_text(
        "# Booklet Sans\n\nBitstream Vera Sans with its hinting removed and renamed, as its "
        "licence requires for modified copies (see LICENSE-Bitstream-Vera.txt). Made by "
        "`tools/trim_fonts.py`; do not edit by hand.\n"
    )


if __name__ == "__main__":
    main()
