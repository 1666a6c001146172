"""A stranger's TrueType file, checked from its own tables before any parser expands it.

ReportLab's parser turns every character a cmap names into dictionary entries and trusts every
glyph number it meets: a font whose cmap claims all of Unicode costs gigabytes and a minute, and
a composite glyph made of a glyph past the end crashes the PDF's subsetting. This module reads
the table directory and the few tables those depend on straight from the bytes, with `struct`,
in time and memory bounded by the file's size, and says what is wrong in words a layout's
author can act on. It expands nothing: a cmap group is two numbers here, not a range walked.

What ReportLab reads is checked as ReportLab reads it: the one cmap subtable it chooses, its
formats, its loca and its composite glyphs. The limits (below) are far above any real font's.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Iterator

MAX_TABLES = 100  # real fonts have 10 to 40; the OpenType spec registers about 60 tags
MAX_COLLECTION_FONTS = 64  # ReportLab reads every offset of a collection, then the first font
MAX_CMAP_SUBTABLES = 64  # real fonts have 1 to 10
MAX_MAPPED = 200_000  # characters one cmap subtable may map: Unicode 16 assigns about 155,000
MAX_COMPONENTS = 300_000  # parts of composite glyphs in all: Droid Sans Fallback has 55,000
MAX_COMPONENT_DEPTH = 8  # composite glyphs of composite glyphs; real fonts nest 1 to 3 deep

# What ReportLab's extractInfo and makeSubset read; it raises (or worse) without any of them.
REQUIRED_TABLES = ("head", "name", "post", "hhea", "maxp", "cmap", "hmtx", "loca", "glyf")
TRUETYPE = (0x00010000, 0x74727565)  # 1.0 and Apple's 'true'
OTTO, TTCF, WOFF, WOFF2 = 0x4F54544F, 0x74746366, 0x774F4646, 0x774F4632
READ_FORMATS = (0, 4, 6, 12, 13)  # cmap formats whose characters ReportLab maps to Unicode

ANOTHER = "Use another font file."
_USHORT = struct.Struct(">H")
_ULONG = struct.Struct(">L")

# Composite glyph component flags (the OpenType glyf table)
ARGS_ARE_WORDS, HAS_SCALE, MORE_COMPONENTS, HAS_XY_SCALE, HAS_TWO_BY_TWO = 1, 8, 32, 64, 128


class FontProblem(Exception):
    """What is wrong with the file, worded to follow its quoted name."""


def font_problem(data: bytes) -> str:
    """Why ReportLab must not be given this file, or "" when it may."""
    try:
        _check(memoryview(data))
    except FontProblem as problem:
        return str(problem)
    return ""


def _ushort(data: memoryview, pos: int) -> int:
    value: int = _USHORT.unpack_from(data, pos)[0]
    return value


def _ulong(data: memoryview, pos: int) -> int:
    value: int = _ULONG.unpack_from(data, pos)[0]
    return value


def _damaged(what: str) -> FontProblem:
    return FontProblem(f"is damaged: {what}. {ANOTHER}")


def _check(data: memoryview) -> None:
    if len(data) < 12:
        raise FontProblem(f"is not a TrueType font file: it is too short to be one. {ANOTHER}")
    start = 0
    version = _ulong(data, 0)
    if version == TTCF:  # a collection: ReportLab uses its first font
        count = _ulong(data, 8)
        if not 1 <= count <= MAX_COLLECTION_FONTS:
            raise FontProblem(
                f"is a font collection of {count:,} fonts; booklet reads collections of 1 to "
                f"{MAX_COLLECTION_FONTS}. {ANOTHER}"
            )
        if 12 + 4 * count > len(data):
            raise _damaged("its list of fonts runs past the end of the file")
        start = _ulong(data, 12)
        if start + 12 > len(data):
            raise _damaged("its first font starts past the end of the file")
        version = _ulong(data, start)
    _check_version(version)
    tables = _table_directory(data, start)
    head = tables["head"]
    if len(head) < 54 or _ulong(head, 12) != 0x5F0F3CF5:
        raise _damaged("its 'head' table is not a TrueType font header")
    units = _ushort(head, 18)
    if not 16 <= units <= 16384:
        raise _damaged(f"its 'head' table gives {units:,} units per em, not 16 to 16,384")
    loca_format = _ushort(head, 50)
    if loca_format not in (0, 1):
        raise _damaged(f"its 'head' table names glyph index format {loca_format}, not 0 or 1")
    maxp = tables["maxp"]
    if len(maxp) < 6:
        raise _damaged("its 'maxp' table is too short")
    glyphs = _ushort(maxp, 4)  # at most 65,535: the field has 16 bits
    if glyphs == 0:
        raise _damaged("it says it has no glyphs, not even the one for a missing character")
    _check_embedding(tables.get("OS/2"))
    _check_widths(tables["hhea"], tables["hmtx"], glyphs, units)
    starts = _glyph_offsets(tables["loca"], tables["glyf"], glyphs, loca_format)
    _check_cmap(tables["cmap"], glyphs)
    _check_composites(tables["glyf"], starts, glyphs)


def _check_version(version: int) -> None:
    if version in TRUETYPE:
        return
    if version == OTTO:
        raise FontProblem(
            "has PostScript (CFF) outlines, which booklet cannot embed. Use a TrueType font "
            "(.ttf with TrueType outlines)."
        )
    if version in (WOFF, WOFF2):
        raise FontProblem("is a WOFF web font, not a TrueType file. Use the font's .ttf file.")
    raise FontProblem(
        "is not a TrueType font file: it does not begin as one. Use a TrueType font (.ttf with "
        "TrueType outlines)."
    )


def _table_directory(data: memoryview, start: int) -> dict[str, memoryview]:
    """The tables ReportLab reads, each a view of exactly its bytes: all inside the file."""
    count = _ushort(data, start + 4)
    if count > MAX_TABLES:
        raise FontProblem(
            f"lists {count:,} tables; a font may have at most {MAX_TABLES}. {ANOTHER}"
        )
    if start + 12 + 16 * count > len(data):
        raise _damaged("its table directory runs past the end of the file")
    found: dict[str, tuple[int, int]] = {}
    for n in range(count):
        record = start + 12 + 16 * n
        tag = bytes(data[record : record + 4]).decode("latin-1")
        offset, length = _ulong(data, record + 8), _ulong(data, record + 12)
        if offset + length > len(data):
            raise _damaged(f"its '{tag.strip()}' table runs past the end of the file")
        found[tag] = (offset, length)  # a tag listed twice: ReportLab reads the last
    if "glyf" not in found and "CFF " in found:
        _check_version(OTTO)
    for tag in REQUIRED_TABLES:
        if tag not in found:
            raise FontProblem(f"has no '{tag}' table, which every TrueType font has. {ANOTHER}")
    return {
        tag: data[o : o + n] for tag, (o, n) in found.items() if tag in (*REQUIRED_TABLES, "OS/2")
    }


def _check_embedding(os2: memoryview | None) -> None:
    """The font's licence flags (OS/2 fsType): booklet embeds subsets, which a font marked
    restricted, no-subsetting or bitmap-only forbids. (ReportLab would embed such a font whole
    when it has at most 255 glyphs, and breaks on one that maps more characters than that.)"""
    if os2 is None or len(os2) < 10:
        return
    flags = _ushort(os2, 8)
    if flags == 0x0002 or flags & 0x0300:
        raise FontProblem(
            f"does not allow embedding a subset of it in a PDF (its licence flags, OS/2 fsType "
            f"0x{flags:04X}, say so). Use a font whose licence allows embedding."
        )


def _check_widths(hhea: memoryview, hmtx: memoryview, glyphs: int, units: int) -> None:
    """The glyph widths ReportLab copies into the subset it embeds: the glyphs past the last
    full metric repeat its width, which ReportLab stores scaled to 1/1000 em in 16 bits."""
    if len(hhea) < 36:
        raise _damaged("its 'hhea' table is too short")
    metrics = _ushort(hhea, 34)
    if metrics == 0:
        raise _damaged("its 'hhea' table lists no glyph widths")
    if metrics < glyphs and 4 * metrics <= len(hmtx):
        width = _ushort(hmtx, 4 * (metrics - 1))
        if width * 1000 // units > 0xFFFF:
            raise _damaged(f"its glyphs' width ({width:,} of {units:,} units per em) is too wide")


def _glyph_offsets(loca: memoryview, glyf: memoryview, glyphs: int, fmt: int) -> list[int]:
    """Where each glyph starts in glyf (one more entry: where the last ends), checked: enough
    entries for every glyph, never going backwards, never past glyf's end."""
    size = 4 if fmt else 2
    held = len(loca) // size - 1
    if held < glyphs:
        raise FontProblem(
            f"says it has {glyphs:,} glyphs, but its glyph index (the 'loca' table) holds only "
            f"{max(held, 0):,}. {ANOTHER}"
        )
    raw = struct.unpack_from(f">{glyphs + 1}{'L' if fmt else 'H'}", loca)
    starts = list(raw) if fmt else [2 * s for s in raw]
    if not all(map(operator.le, starts, starts[1:])):
        raise _damaged("its glyph index (the 'loca' table) goes backwards")
    if starts[-1] > len(glyf):
        raise FontProblem(
            "has a glyph index (the 'loca' table) that points past the end of its glyph data "
            f"(the 'glyf' table). {ANOTHER}"
        )
    return starts


def _check_cmap(cmap: memoryview, glyphs: int) -> None:
    """The cmap subtable ReportLab will read, chosen as it chooses: bounded before it walks."""
    if len(cmap) < 4:
        raise _damaged("its 'cmap' table is too short")
    version, count = _ushort(cmap, 0), _ushort(cmap, 2)
    if count == 0 and version != 0:  # ReportLab accepts the two fields swapped
        count = version
    if count > MAX_CMAP_SUBTABLES:
        raise FontProblem(
            f"lists {count:,} character maps (cmap subtables); a font may have at most "
            f"{MAX_CMAP_SUBTABLES}. {ANOTHER}"
        )
    if 4 + 8 * count > len(cmap):
        raise _damaged("its 'cmap' table lists more subtables than it holds")
    chosen, kind = None, 0
    for n in range(count):
        platform, encoding = _ushort(cmap, 4 + 8 * n), _ushort(cmap, 6 + 8 * n)
        offset = _ulong(cmap, 8 + 8 * n)
        if offset + 8 > len(cmap):
            raise _damaged("a character map (cmap subtable) starts past the end of its table")
        if platform == 3 or (platform == 1 and encoding == 1) or (platform == 0 and encoding != 5):
            chosen, kind = offset, 1
        elif platform == 1 and encoding == 0 and kind != 1:
            chosen, kind = offset, 2
    if chosen is None:
        raise FontProblem(
            f"has no Unicode character map (cmap subtable), so booklet cannot find its "
            f"characters. {ANOTHER}"
        )
    fmt = _ushort(cmap, chosen)
    if fmt not in READ_FORMATS:
        raise FontProblem(
            f"maps its characters in cmap format {fmt}, which booklet does not read (it reads "
            f"formats {', '.join(map(str, READ_FORMATS))}). {ANOTHER}"
        )
    length = _ulong(cmap, chosen + 4) if fmt >= 12 else _ushort(cmap, chosen + 2)
    if chosen + length > len(cmap):
        raise _damaged(f"its cmap format {fmt} subtable runs past the end of its table")
    table = cmap[chosen : chosen + length]
    mapped, top = _FORMATS[fmt](table, glyphs)
    if mapped > MAX_MAPPED:
        raise FontProblem(
            f"maps {mapped:,} characters in its cmap; a font may map at most {MAX_MAPPED:,}. "
            f"{ANOTHER}"
        )
    if top >= glyphs:
        raise FontProblem(
            f"maps characters to glyph {top:,} in its cmap, but it has only {glyphs:,} glyphs. "
            f"{ANOTHER}"
        )


def _format0(table: memoryview, glyphs: int) -> tuple[int, int]:
    if len(table) < 6:
        raise _damaged("its cmap format 0 subtable is too short")
    used = table[6 : 6 + min(256, glyphs, len(table) - 6)]  # ReportLab's range
    return len(used), max(used, default=0)


def _format4(table: memoryview, glyphs: int) -> tuple[int, int]:
    """Segments of 16-bit characters: the characters they span, counted before any glyph is
    looked up, and the highest glyph ReportLab would find (as it finds them)."""
    if len(table) < 14:
        raise _damaged("its cmap format 4 subtable is too short")
    segments = _ushort(table, 6) // 2
    if 16 + 8 * segments > len(table):
        raise _damaged("its cmap format 4 segments run past the end of the subtable")
    ends = struct.unpack_from(f">{segments}H", table, 14)
    starts = struct.unpack_from(f">{segments}H", table, 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", table, 16 + 4 * segments)
    ranges = struct.unpack_from(f">{segments}H", table, 16 + 6 * segments)
    if len(table) % 2 or any(offset % 2 for offset in ranges):  # ReportLab would read across
        raise _damaged("its cmap format 4 subtable has a length or glyph offset that is odd")
    mapped = sum(max(0, end - start + 1) for start, end in zip(starts, ends, strict=True))
    if mapped > MAX_MAPPED:
        return mapped, 0
    top = 0
    for n in range(segments):
        start, end, delta = starts[n], ends[n], deltas[n]
        if end < start:
            continue
        if ranges[n] == 0:  # glyph = character + delta, modulo 65,536
            low = (start + delta) & 0xFFFF
            top = max(top, 0xFFFF if low + end - start > 0xFFFF else low + end - start)
            continue
        first = 16 + 6 * segments + 2 * n + ranges[n]  # in glyphIdArray, as ReportLab finds it
        inside = max(0, min(end - start + 1, (len(table) - first) // 2))  # past it: glyph 0
        found = struct.unpack_from(f">{inside}H", table, first) if inside else ()
        top = max(top, max(((g + delta) & 0xFFFF for g in found if g), default=0))
    return mapped, top


def _format6(table: memoryview, glyphs: int) -> tuple[int, int]:
    if len(table) < 10:
        raise _damaged("its cmap format 6 subtable is too short")
    first, count = _ushort(table, 6), _ushort(table, 8)
    if 10 + 2 * count > len(table):
        raise _damaged("its cmap format 6 subtable runs past its end")
    return count, first + count - 1 if count else 0  # ReportLab's reading: glyphs first...


def _groups(table: memoryview, fmt: int) -> Iterator[tuple[int, int, int]]:
    """A format 12 or 13 subtable's groups (first character, last, glyph), read one by one."""
    if len(table) < 16:
        raise _damaged(f"its cmap format {fmt} subtable is too short")
    count = _ulong(table, 12)
    if count > MAX_MAPPED:  # each group maps one character at least
        raise FontProblem(
            f"lists {count:,} groups of characters in its cmap; a font may map at most "
            f"{MAX_MAPPED:,} characters. {ANOTHER}"
        )
    if 16 + 12 * count > len(table):
        raise _damaged(f"its cmap format {fmt} groups run past the end of the subtable")
    return struct.iter_unpack(">3L", table[16 : 16 + 12 * count])


def _format12(table: memoryview, glyphs: int, fmt: int = 12) -> tuple[int, int]:
    """Groups of characters, each mapped to a run of glyphs (12) or to one glyph (13): each
    group is a few numbers here, however many characters it spans."""
    mapped = top = 0
    for start, end, glyph in _groups(table, fmt):
        if start > end or end > 0x10FFFF:
            raise FontProblem(
                f"has a character map (cmap format {fmt}) group from U+{start:04X} to "
                f"U+{end:04X}, which is not a range of Unicode characters. {ANOTHER}"
            )
        mapped += end - start + 1  # at most MAX_MAPPED groups are summed
        top = max(top, glyph + (end - start if fmt == 12 else 0))
    return mapped, top


def _format13(table: memoryview, glyphs: int) -> tuple[int, int]:
    return _format12(table, glyphs, 13)


_FORMATS: dict[int, Callable[[memoryview, int], tuple[int, int]]] = {
    0: _format0,
    4: _format4,
    6: _format6,
    12: _format12,
    13: _format13,
}


def _check_composites(glyf: memoryview, starts: list[int], glyphs: int) -> None:
    """Every glyph with an outline has its 10-byte header; every composite glyph's parts are
    glyphs of the font, read within the glyph, nested at most MAX_COMPONENT_DEPTH deep, never
    containing themselves. Only composite glyphs (a negative contour count) are walked."""
    sizes = list(map(operator.sub, starts[1:], starts))
    short = next((g for g, size in enumerate(sizes) if 0 < size < 10), None)
    if short is not None:
        raise _damaged(f"glyph {short:,} is shorter than a glyph's header")
    composite = [
        (glyph, start, start + size)
        for glyph, start, size in zip(range(glyphs), starts, sizes, strict=False)
        if size and glyf[start] & 0x80  # numberOfContours < 0
    ]
    _check_nesting(_components(glyf, composite, glyphs))


def _components(
    glyf: memoryview, composite: list[tuple[int, int, int]], glyphs: int
) -> dict[int, list[int]]:
    """Each composite glyph's parts, read record by record within the glyph (one loop for all
    of them: a CJK font has tens of thousands)."""
    unpack, record_size, kinds = _TWO_USHORTS.unpack_from, _RECORD_SIZES, _RECORD_KINDS
    parts: dict[int, list[int]] = {}
    count = 0
    for glyph, start, end in composite:
        own = []
        pos, flags = start + 10, MORE_COMPONENTS
        while flags & MORE_COMPONENTS:
            if pos + 4 > end:
                raise _damaged(f"composite glyph {glyph:,} runs past its end")
            flags, part = unpack(glyf, pos)
            if part >= glyphs:
                raise FontProblem(
                    f"has a composite glyph ({glyph:,}) made of glyph {part:,}, but it has only "
                    f"{glyphs:,} glyphs. {ANOTHER}"
                )
            own.append(part)
            pos += record_size[flags & kinds]
        if pos > end:
            raise _damaged(f"composite glyph {glyph:,} runs past its end")
        parts[glyph] = own
        count += len(own)
        if count > MAX_COMPONENTS:
            raise FontProblem(
                f"has more than {MAX_COMPONENTS:,} parts in its composite glyphs; a font may "
                f"have at most {MAX_COMPONENTS:,}. {ANOTHER}"
            )
    return parts


def _record_size(flags: int) -> int:
    """A component's bytes: flags, glyph, offsets (words or bytes), then one kind of scale."""
    size = 4 + (4 if flags & ARGS_ARE_WORDS else 2)
    if flags & HAS_SCALE:
        return size + 2
    if flags & HAS_XY_SCALE:
        return size + 4
    return size + 8 if flags & HAS_TWO_BY_TWO else size


_TWO_USHORTS = struct.Struct(">HH")
_RECORD_KINDS = ARGS_ARE_WORDS | HAS_SCALE | HAS_XY_SCALE | HAS_TWO_BY_TWO
_RECORD_SIZES = [_record_size(flags) for flags in range(256)]


def _check_nesting(parts: dict[int, list[int]]) -> None:
    """How deep composite glyphs nest, level by level: first those made of simple glyphs only,
    then those made of those, and so on, at most MAX_COMPONENT_DEPTH + 1 rounds. A round that
    places none while some are left means they contain themselves; one past the limit that
    places some means they nest too deep. Most fonts are done in one or two rounds."""
    composite = parts.keys()
    left = {glyph: own for glyph, own in parts.items() if not composite.isdisjoint(own)}
    for level in range(2, MAX_COMPONENT_DEPTH + 2):
        if not left:
            return
        waiting = left.keys()  # composite glyphs not placed yet: a part among them must wait
        placed = [glyph for glyph, own in left.items() if waiting.isdisjoint(own)]
        if not placed:
            raise FontProblem(
                f"has a composite glyph ({min(left):,}) that contains itself. {ANOTHER}"
            )
        if level > MAX_COMPONENT_DEPTH:
            raise FontProblem(
                f"has composite glyphs nested {level} deep (glyph {min(placed):,}); a font may "
                f"nest at most {MAX_COMPONENT_DEPTH}. {ANOTHER}"
            )
        for glyph in placed:
            del left[glyph]
