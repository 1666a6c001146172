"""Make the gift booklet's two type families from freely licensed variable fonts.

Run when the fonts change (needs fontTools and the fontpkg wheels, development tools only):

    pip install fonttools
    pip download --no-deps fontpkg-source-sans-3 fontpkg-eb-garamond fontpkg-noto-sans-arabic \
        fontpkg-noto-sans-devanagari fontpkg-heebo -d /tmp/fontpkg
    python tools/book_fonts.py /tmp/fontpkg

Text: Source Sans 3 (Adobe), a sans designed for reading at small sizes on screen and paper.
Display: EB Garamond (Georg Duffner and Octavio Pardo), a Garamond revival for titles and the
cover. Both cover Latin with its extensions, Greek and Cyrillic, which the languages work needs.

ReportLab embeds static TrueType fonts, so each weight is instanced from the variable font, its
hinting dropped (it does nothing for print) and its glyphs kept to the scripts we set. The SIL
Open Font Licence allows modified copies; Source Sans 3 reserves the name "Source", so the
modified families are named Booklet Text and Booklet Serif. The licences ship beside the fonts.
"""

from __future__ import annotations

import sys
import zipfile
from io import BytesIO
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

TARGET = Path(__file__).resolve().parent.parent / "booklet" / "text" / "typefaces"
# Latin (Basic, Latin-1, Extended-A and -B, Extended Additional), Greek, Cyrillic, and the
# punctuation, currency and symbols text uses.
RANGES = [
    (0x0020, 0x024F),
    (0x0250, 0x02FF),
    (0x0300, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x052F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
    (0x2190, 0x21FF),
    (0x2212, 0x2212),
    (0xFB00, 0xFB06),
]
FAMILIES = {
    "Booklet Text": (
        "fontpkg_source_sans_3",
        "SourceSans3[wght].ttf",
        "SourceSans3-Italic[wght].ttf",
        {"Regular": 400, "Bold": 680},
        "LICENSE-Source-Sans-3.txt",
    ),
    "Booklet Serif": (
        "fontpkg_eb_garamond",
        "EBGaramond[wght].ttf",
        "EBGaramond-Italic[wght].ttf",
        {"Regular": 450, "Bold": 600},
        "LICENSE-EB-Garamond.txt",
    ),
}


def wheel_files(folder: Path, package: str) -> dict[str, bytes]:
    wheel = next(folder.glob(f"{package}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        return {
            Path(name).name: archive.read(name)
            for name in archive.namelist()
            if name.startswith(f"{package}/")
        }


# The scripts Booklet Text lacks, each in a face of its own, used run by run where the text
# needs it (booklet.text.scripts). Upright only: these scripts have no italic tradition. Every
# OpenType feature is kept, since HarfBuzz shapes with them (joining, conjuncts, marks).
COMMON = [(0x0020, 0x0040), (0x00A0, 0x00A0), (0x200C, 0x200F), (0x25CC, 0x25CC)]
SCRIPT_FAMILIES = {
    "Booklet Arabic": (
        "fontpkg_noto_sans_arabic",
        "NotoSansArabic[wdth,wght].ttf",
        "LICENSE-Noto-Sans-Arabic.txt",
        [(0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)],
    ),
    "Booklet Devanagari": (
        "fontpkg_noto_sans_devanagari",
        "NotoSansDevanagari[wdth,wght].ttf",
        "LICENSE-Noto-Sans-Devanagari.txt",
        [(0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x1CD0, 0x1CFF), (0x20B9, 0x20B9)],
    ),
    "Booklet Hebrew": (
        "fontpkg_heebo",
        "Heebo[wght].ttf",
        "LICENSE-Heebo.txt",
        [(0x0590, 0x05FF), (0xFB1D, 0xFB4F), (0x20AA, 0x20AA)],
    ),
}
SCRIPT_WEIGHTS = {"Regular": 400, "Bold": 700}


def make_face(
    data: bytes,
    weight: int,
    family: str,
    style: str,
    ranges: list[tuple[int, int]] | None = None,
    features: list[str] | None = None,
) -> TTFont:
    font = TTFont(BytesIO(data))
    axes = {axis.axisTag: axis for axis in font["fvar"].axes}
    location = {"wght": weight}
    for tag, axis in axes.items():
        location.setdefault(tag, axis.defaultValue)
    font = instancer.instantiateVariableFont(font, location, updateFontNames=False)
    options = subset.Options()
    options.hinting = False
    options.drop_tables += ["hdmx", "VDMX", "LTSH", "DSIG", "gasp", "PCLT", "STAT"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.layout_features = features or ["kern", "liga", "mark", "mkmk", "ccmp", "locl"]
    wanted = {u for low, high in ranges or RANGES for u in range(low, high + 1)}
    available = set(font.getBestCmap())
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted & available)
    subsetter.subset(font)
    rename(font, family, style)
    tighten(font)
    add_narrow_space(font)
    even_spaces(font)
    return font


def add_narrow_space(font: TTFont) -> None:
    """French sets a narrow no-break space (U+202F) before ; ! ? : and inside « ». A face
    without one draws it with its thin space's glyph (EB Garamond has U+2009, not U+202F), so
    the PDF keeps the character itself and a reader copies a no-break space."""
    cmap = font.getBestCmap()
    if 0x202F in cmap or 0x2009 not in cmap:
        return
    glyph = cmap[0x2009]
    for table in font["cmap"].tables:
        if table.isUnicode():
            table.cmap[0x202F] = glyph


NARROW = 0.6  # a narrow no-break space as a share of the word space (Source Sans 3's own)


def even_spaces(font: TTFont) -> bool:
    """A no-break space as wide as the word space, and a narrow one narrower: EB Garamond's
    bold thin space is 1.7 word spaces (French set "séance  :" with a visible hole) and
    Bitstream Vera's no-break space two. Only glyphs no other character uses are changed.
    Says whether anything changed."""
    cmap = font.getBestCmap()
    metrics = font["hmtx"].metrics
    if 0x20 not in cmap:
        return False
    space = metrics[cmap[0x20]][0]
    users: dict[str, int] = {}
    for glyph in cmap.values():
        users[glyph] = users.get(glyph, 0) + 1
    changed = False
    for char, width in ((0xA0, space), (0x202F, round(space * NARROW))):
        glyph = cmap.get(char)
        if glyph is None or glyph == cmap[0x20]:
            continue
        advance, side = metrics[glyph]
        wrong = advance != width if char == 0xA0 else advance > width
        if wrong and (users[glyph] == 1 or char == 0x202F):
            metrics[glyph] = (width, side)
            changed = True
    return changed


def tighten(font: TTFont, ascent: float = 0.95, descent: float = 0.28) -> None:
    """Line-spacing metrics of 1.23 em. The variable fonts declare up to 1.42 em, which makes
    ReportLab grow every line past the leading the layout asks for (and then fail to split a
    paragraph across pages). Print never clips to these metrics; only line spacing uses them."""
    upm = font["head"].unitsPerEm
    up, down = round(ascent * upm), round(descent * upm)
    font["hhea"].ascent, font["hhea"].descent, font["hhea"].lineGap = up, -down, 0
    os2 = font["OS/2"]
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = up, -down, 0
    os2.usWinAscent, os2.usWinDescent = up, down


def rename(font: TTFont, family: str, style: str) -> None:
    postscript = f"{family.replace(' ', '')}-{style.replace(' ', '')}"
    names = font["name"]
    for record in list(names.names):
        if record.nameID >= 256 or record.nameID in (21, 22, 25):
            names.removeNames(nameID=record.nameID)
    for record in list(names.names):
        ids = (record.platformID, record.platEncID, record.langID)
        if record.nameID in (1, 16):
            names.setName(family, record.nameID, *ids)
        elif record.nameID in (2, 17):
            names.setName(style, record.nameID, *ids)
        elif record.nameID in (3, 4):
            names.setName(f"{family} {style}", record.nameID, *ids)
        elif record.nameID == 6:
            names.setName(postscript, 6, *ids)
    bold = "Bold" in style
    italic = "Italic" in style
    font["OS/2"].usWeightClass = 700 if bold else 400
    font["OS/2"].fsSelection = (font["OS/2"].fsSelection & ~0b1100001) | (
        (0b1 if italic else 0) | (0b100000 if bold else 0) | (0 if bold or italic else 0b1000000)
    )
    font["head"].macStyle = (1 if bold else 0) | (2 if italic else 0)


def narrow_space_only() -> None:
    """Add the narrow no-break space to the committed faces and even their spaces, changing
    nothing else."""
    for path in sorted(TARGET.glob("Booklet*.ttf")):
        font = TTFont(path)
        before = set(font.getBestCmap())
        add_narrow_space(font)
        if even_spaces(font) or set(font.getBestCmap()) != before:
            font.save(path)
            print(path, "spaces evened")


def main(folder: str) -> None:
    for family, (package, upright, italic, weights, licence) in FAMILIES.items():
        files = wheel_files(Path(folder), package)
        (TARGET / licence).write_bytes(files["LICENSE"])
        for slant, source in (("", upright), ("Italic", italic)):
            for weight_name, weight in weights.items():
                style = " ".join(p for p in (weight_name, slant) if p) or "Regular"
                if style == "Regular Italic":
                    style = "Italic"
                font = make_face(files[source], weight, family, style)
                name = f"{family.replace(' ', '')}-{style.replace(' ', '')}.ttf"
                font.save(TARGET / name)
                print(TARGET / name, (TARGET / name).stat().st_size)
    for family, (package, source, licence, ranges) in SCRIPT_FAMILIES.items():
        files = wheel_files(Path(folder), package)
        (TARGET / licence).write_bytes(files["LICENSE"])
        for style, weight in SCRIPT_WEIGHTS.items():
            font = make_face(files[source], weight, family, style, ranges + COMMON, ["*"])
            name = f"{family.replace(' ', '')}-{style}.ttf"
            font.save(TARGET / name)
            print(TARGET / name, (TARGET / name).stat().st_size)


if __name__ == "__main__":
    if sys.argv[1:] == ["--narrow-space"]:
        narrow_space_only()
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/fontpkg")
