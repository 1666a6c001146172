"""A layout's own font file is checked from its own tables before ReportLab expands it.

Each hostile font here is a small valid font (made with fontTools) with one table changed the
way an attacker would: a cmap that claims all of Unicode (ReportLab spent gigabytes and a minute
expanding it, twice), composite glyphs made of glyphs past the end or of themselves (the PDF's
subsetting crashed), a glyph index past the glyph data, a glyph count past the glyph index.
`booklet card` and `booklet validate` refuse each one with the same line, at once.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("fontTools")

from booklet.text.fontcheck import (  # noqa: E402
    MAX_COMPONENT_DEPTH,
    MAX_MAPPED,
    font_problem,
)
from booklet.text.fonts import PLAIN_LATIN  # noqa: E402
from tests.helpers import REPO, pdf_reader  # noqa: E402

CHARS = sorted(PLAIN_LATIN)


def glyph_name(char: str) -> str:
    return f"uni{ord(char):04X}"


def build_font(family: str = "Wall Test", composites: int = 0, width: int = 500) -> bytes:
    """A small valid TrueType font: a box for every character booklet prints straight from a
    face (so it becomes the layout's text face), and `composites` extra glyphs, each made of
    the previous one (the first of the letter H), mapped to U+E000 onwards."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    def box():
        pen = TTGlyphPen(None)
        pen.moveTo((60, 0))
        pen.lineTo((60, 700))
        pen.lineTo((440, 700))
        pen.lineTo((440, 0))
        pen.closePath()
        return pen.glyph()

    names = [".notdef", *(glyph_name(c) for c in CHARS)]
    glyphs = {name: box() for name in names}
    glyphs[glyph_name(" ")] = Glyph()  # an empty glyph: no outline
    cmap = {ord(c): glyph_name(c) for c in CHARS}
    previous = glyph_name("H")
    for n in range(composites):
        name = f"composite{n}"
        pen = TTGlyphPen(glyphs)
        pen.addComponent(previous, (1, 0, 0, 1, 10, 0))
        glyphs[name] = pen.glyph()
        names.append(name)
        cmap[0xE000 + n] = name
        previous = name
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (width, 60) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    ps = family.replace(" ", "")
    builder.setupNameTable({"familyName": family, "styleName": "Regular", "psName": ps})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


# The raw sfnt: its tables by tag, and a file made again from them (offsets recomputed).


def tables_of(data: bytes) -> dict[str, bytes]:
    count = struct.unpack_from(">H", data, 4)[0]
    found = {}
    for n in range(count):
        tag, _, offset, length = struct.unpack_from(">4sLLL", data, 12 + 16 * n)
        found[tag.decode("latin-1")] = data[offset : offset + length]
    return found


def sfnt(tables: dict[str, bytes], at: int = 0) -> bytes:
    """A font file of these tables; `at`: where in a larger file (a collection) it will start."""
    tags = sorted(tables)
    out = bytearray(struct.pack(">LHHHH", 0x00010000, len(tags), 0, 0, 0))
    offset = at + 12 + 16 * len(tags)
    body = bytearray()
    for tag in tags:
        table = tables[tag]
        out += struct.pack(">4sLLL", tag.encode("latin-1"), 0, offset + len(body), len(table))
        body += table + b"\0" * (-len(table) % 4)
    return bytes(out + body)


def patched(data: bytes, **changes: bytes) -> bytes:
    tables = tables_of(data)
    tables.update({tag.replace("_", "/"): table for tag, table in changes.items()})
    return sfnt(tables)


def collection(data: bytes) -> bytes:
    """A TrueType collection (.ttc) of one font: ReportLab reads a collection's first font."""
    return b"ttcf" + struct.pack(">LLL", 0x00010000, 1, 16) + sfnt(tables_of(data), at=16)


def glyph_count(data: bytes) -> int:
    return struct.unpack_from(">H", tables_of(data)["maxp"], 4)[0]


def glyph_starts(data: bytes) -> tuple[list[int], int]:
    """Where each glyph starts in glyf, and the loca format (0: 16-bit halves, 1: 32-bit)."""
    tables = tables_of(data)
    fmt = struct.unpack_from(">H", tables["head"], 50)[0]
    count = glyph_count(data) + 1
    raw = struct.unpack_from(f">{count}{'L' if fmt else 'H'}", tables["loca"])
    return [x if fmt else 2 * x for x in raw], fmt


def with_loca(data: bytes, starts: list[int], fmt: int) -> bytes:
    values = starts if fmt else [x // 2 for x in starts]
    return patched(data, loca=struct.pack(f">{len(values)}{'L' if fmt else 'H'}", *values))


def with_component(data: bytes, composite: int, part: int) -> bytes:
    """The composite glyph `composite` made of glyph `part` instead (its first component)."""
    starts, _ = glyph_starts(data)
    glyf = bytearray(tables_of(data)["glyf"])
    struct.pack_into(">H", glyf, starts[composite] + 12, part)  # after the header and flags
    return patched(data, glyf=bytes(glyf))


def cmap_with(subtable: bytes) -> bytes:
    """A cmap whose one Windows Unicode (full repertoire) subtable is `subtable`."""
    return struct.pack(">HHHHL", 0, 1, 3, 10, 12) + subtable


def all_unicode(fmt: int) -> bytes:
    """Format 12 or 13 groups for every code point from U+0000 to U+10FFFF, each mapped to a
    glyph the font has: 64 characters a group onto glyphs 1 to 64 (12), or one group onto
    glyph 1 (13). Valid but for its size: ReportLab expanded every code point."""
    if fmt == 12:
        spans = [(start, start + 63, 1) for start in range(0, 0x110000, 64)]
    else:
        spans = [(0, 0x10FFFF, 1)]
    groups = b"".join(struct.pack(">LLL", *span) for span in spans)
    return struct.pack(">HHLLL", fmt, 0, 16 + len(groups), 0, len(spans)) + groups


# The CLI, with the font file in a layout's folder


def write_layout(tmp_path: Path, data: bytes, extra: str = "") -> None:
    layout = tmp_path / "lib" / "layouts" / "mine"
    layout.mkdir(parents=True, exist_ok=True)
    (layout / "evil.ttf").write_bytes(data)
    (layout / "layout.yaml").write_text(f"extends: bedside\nfont: evil.ttf\n{extra}", "utf-8")


def assert_refused(run, tmp_path: Path, data: bytes, message: str) -> None:
    """`card` and `validate` both refuse the font with one line, the same, naming the layout
    file, the field and the font file, in well under the time ReportLab would take."""
    write_layout(tmp_path, data)
    began = time.monotonic()
    made = run("--library", "lib", "card", "--layout", "mine", "-o", "c.pdf")
    checked = run("validate", "lib")
    elapsed = time.monotonic() - began
    expected = f"lib/layouts/mine/layout.yaml:2: font: 'evil.ttf' {message}"
    assert made.exit_code == 2, made.output
    assert made.stderr.splitlines() == [f"Error: {expected}"], made.stderr
    assert "Traceback" not in made.output and not (tmp_path / "c.pdf").exists()
    assert checked.exit_code == 2, checked.output
    assert expected in checked.stderr.splitlines()[0], checked.stderr
    assert "Traceback" not in checked.output
    assert elapsed < 2, elapsed


MEMORY_CAP = 600 * 1024 * 1024


def assert_refused_within_memory(tmp_path: Path, data: bytes, message: str) -> None:
    """In a fresh process whose address space is capped (ReportLab expanding the cmap needed
    gigabytes), `booklet card` still ends with our message, not a MemoryError."""
    import resource

    write_layout(tmp_path, data)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    env = {k: v for k, v in os.environ.items() if k != "BOOKLET_LIBRARY"}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "booklet", "--library", "lib", "card", "--layout", "mine"],
        cwd=tmp_path,
        env=env,
        preexec_fn=cap,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert f"font: 'evil.ttf' {message}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


ALL_UNICODE = (
    f"maps 1,114,112 characters in its cmap; a font may map at most {MAX_MAPPED:,}. "
    "Use another font file."
)


def test_cmap_format12_all_unicode(run, tmp_path):
    data = patched(build_font(), cmap=cmap_with(all_unicode(12)))
    assert_refused(run, tmp_path, data, ALL_UNICODE)
    assert_refused_within_memory(tmp_path, data, ALL_UNICODE)


def test_cmap_format13_all_unicode(run, tmp_path):
    data = patched(build_font(), cmap=cmap_with(all_unicode(13)))
    assert_refused(run, tmp_path, data, ALL_UNICODE)
    assert_refused_within_memory(tmp_path, data, ALL_UNICODE)


def overlapping_format4(segments: int) -> bytes:
    """A cmap whose format 4 subtable has `segments` segments, each spanning all 65,536
    16-bit characters (format 4 allows 32,767 of them)."""
    header = struct.pack(">HHHHHHH", 4, 0, 0, 2 * segments, 0, 0, 0)
    body = (
        struct.pack(f">{segments}H", *[0xFFFF] * segments)  # ends
        + b"\0\0"
        + struct.pack(f">{segments}H", *[0] * segments)  # starts
        + struct.pack(f">{segments}h", *[1] * segments)  # deltas
        + struct.pack(f">{segments}H", *[0] * segments)  # range offsets
    )
    subtable = bytearray(header + body)
    struct.pack_into(">H", subtable, 2, len(subtable))
    return struct.pack(">HHHHL", 0, 1, 3, 1, 12) + bytes(subtable)


def test_cmap_format4_overlapping_segments(run, tmp_path):
    """Format 4 holds 16-bit characters, but its segments may overlap."""
    data = patched(build_font(), cmap=overlapping_format4(8))
    message = "maps 524,288 characters in its cmap; a font may map at most 200,000."
    assert_refused(run, tmp_path, data, f"{message} Use another font file.")


def test_cmap_glyph_past_the_end(run, tmp_path):
    glyphs = glyph_count(build_font())
    groups = struct.pack(">LLL", 0x41, 0x5A, glyphs)  # A to Z: glyphs from one past the end
    subtable = struct.pack(">HHLLL", 12, 0, 16 + len(groups), 0, 1) + groups
    data = patched(build_font(), cmap=cmap_with(subtable))
    message = f"maps characters to glyph {glyphs + 25:,} in its cmap, but it has only {glyphs}"
    assert_refused(run, tmp_path, data, f"{message} glyphs. Use another font file.")


def test_cmap_format4_overlapping_segments_within_memory(tmp_path):
    data = patched(build_font(), cmap=overlapping_format4(16))
    assert_refused_within_memory(tmp_path, data, "maps 1,048,576 characters in its cmap")


def test_a_collection_is_checked_by_its_first_font(run, tmp_path):
    """A .ttc renamed .ttf: ReportLab reads its first font, and so does the check."""
    data = collection(patched(build_font(), cmap=cmap_with(all_unicode(13))))
    assert_refused(run, tmp_path, data, ALL_UNICODE)
    write_layout(tmp_path, collection(build_font("Wall Collected")))
    made = run("--library", "lib", "card", "--layout", "mine", "-o", "c.pdf")
    assert made.exit_code == 0, made.output
    assert any(name.startswith("WallCollected-") for name in embedded_fonts(tmp_path / "c.pdf"))


def test_composite_past_the_end(run, tmp_path):
    good = build_font(composites=1)
    glyphs = glyph_count(good)
    data = with_component(good, glyphs - 1, 60000)
    message = (
        f"has a composite glyph ({glyphs - 1}) made of glyph 60,000, but it has only {glyphs} "
        "glyphs. Use another font file."
    )
    assert_refused(run, tmp_path, data, message)


def test_composite_cycle(run, tmp_path):
    good = build_font(composites=3)
    glyphs = glyph_count(good)
    data = with_component(good, glyphs - 3, glyphs - 1)  # the first made of the last
    message = f"has a composite glyph ({glyphs - 3}) that contains itself. Use another font file."
    assert_refused(run, tmp_path, data, message)


def test_composite_nested_too_deep(run, tmp_path):
    deep = MAX_COMPONENT_DEPTH + 1
    data = build_font(composites=deep)
    last = glyph_count(data) - 1
    message = (
        f"has composite glyphs nested {deep} deep (glyph {last}); a font may nest at most "
        f"{MAX_COMPONENT_DEPTH}. Use another font file."
    )
    assert_refused(run, tmp_path, data, message)
    assert font_problem(build_font(composites=MAX_COMPONENT_DEPTH)) == ""  # the limit is fine


def test_loca_past_glyf(run, tmp_path):
    good = build_font()
    starts, fmt = glyph_starts(good)
    starts[-1] += 4000  # the last glyph ends past the glyph data
    message = (
        "has a glyph index (the 'loca' table) that points past the end of its glyph data (the "
        "'glyf' table). Use another font file."
    )
    assert_refused(run, tmp_path, with_loca(good, starts, fmt), message)


def test_too_many_glyphs(run, tmp_path):
    good = build_font()
    held = glyph_count(good)
    maxp = bytearray(tables_of(good)["maxp"])
    struct.pack_into(">H", maxp, 4, 65535)  # the most the field holds; the loca holds fewer
    message = (
        f"says it has 65,535 glyphs, but its glyph index (the 'loca' table) holds only {held}. "
        "Use another font file."
    )
    assert_refused(run, tmp_path, patched(good, maxp=bytes(maxp)), message)


def test_a_table_past_the_end_of_the_file(run, tmp_path):
    data = build_font()
    message = "is damaged: its 'post' table runs past the end of the file. Use another font file."
    assert_refused(run, tmp_path, data[: len(data) - 20], message)  # post: sfnt() writes it last


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (
            b"OTTO",
            "has PostScript (CFF) outlines, which booklet cannot embed. Use a TrueType font "
            "(.ttf with TrueType outlines).",
        ),
        (b"wOFF", "is a WOFF web font, not a TrueType file. Use the font's .ttf file."),
    ],
)
def test_other_kinds_of_font_file(run, tmp_path, head, message):
    assert_refused(run, tmp_path, head + build_font()[4:], message)


def test_a_font_whose_licence_forbids_embedding(run, tmp_path):
    good = build_font()
    os2 = bytearray(tables_of(good)["OS/2"])
    struct.pack_into(">H", os2, 8, 0x0002)  # restricted licence embedding
    message = (
        "does not allow embedding a subset of it in a PDF (its licence flags, OS/2 fsType "
        "0x0002, say so). Use a font whose licence allows embedding."
    )
    assert_refused(run, tmp_path, patched(good, OS_2=bytes(os2)), message)


def test_what_reportlab_still_refuses_names_the_font_file(run, tmp_path):
    """Past the checks, a table ReportLab cannot read is still the layout's problem: one line
    naming the font file, never an internal error; validate finds it when it renders."""
    good = build_font()
    post = bytearray(tables_of(good)["post"])
    struct.pack_into(">H", post, 0, 7)  # a post table version that does not exist
    data = patched(good, post=bytes(post))
    assert font_problem(data) == ""
    write_layout(tmp_path, data)
    made = run("--library", "lib", "card", "--layout", "mine", "-o", "c.pdf")
    assert made.exit_code == 2, made.output
    assert len(made.stderr.splitlines()) == 1 and "Traceback" not in made.output
    assert "evil.ttf: font: ReportLab cannot use this font" in made.stderr
    checked = run("validate", "lib")
    assert checked.exit_code == 2 and "evil.ttf: font: ReportLab cannot" in checked.stderr


def test_a_good_font_file_prints(run, tmp_path):
    write_layout(tmp_path, build_font("Wall Good"))
    assert run("validate", "lib").exit_code == 0
    made = run("--library", "lib", "card", "--layout", "mine", "-o", "c.pdf")
    assert made.exit_code == 0, made.output
    assert any(name.startswith("WallGood-") for name in embedded_fonts(tmp_path / "c.pdf"))


def test_a_font_file_named_for_text_and_titles_is_parsed_once(run, tmp_path, monkeypatch):
    """font: and display_font: name the same file; its regular and bold share one face. ReportLab
    reads the file's bytes once, and the PDF embeds one font program for it."""
    from reportlab.pdfbase import ttfonts

    data = build_font("Wall Once")
    write_layout(tmp_path, data, "display_font: evil.ttf\n")
    parsed = []
    original = ttfonts.TTFontFace.__init__

    def counting(self, filename, *args, **kwargs):
        original(self, filename, *args, **kwargs)
        parsed.append(self._ttf_data == data)

    monkeypatch.setattr(ttfonts.TTFontFace, "__init__", counting)
    # drawn here, not in the jail's child, so that the counting above sees the parse
    from booklet.data.library import load_library
    from booklet.products.card import CardRequest, render_card

    library = load_library([tmp_path / "lib"])
    pdf = render_card(library, library.plan("classic"), CardRequest(layout="mine"))
    (tmp_path / "c.pdf").write_bytes(pdf)
    assert parsed.count(True) == 1, parsed
    programs = embedded_fonts(tmp_path / "c.pdf")
    assert len([name for name in programs if name.startswith("WallOnce-")]) == 1, programs


def test_font_files_with_one_postscript_name_each_print_in_their_own_face(run, tmp_path):
    """ReportLab shares a face among the fonts of one PostScript name, for the whole process:
    two layouts' files named alike (or a file named like a built-in face) must not take each
    other's place. Here one file's letters are 500 units wide, the other's 900."""
    widths = {}
    for width in (500, 900):
        folder = tmp_path / "lib" / "layouts" / f"mine{width}"
        folder.mkdir(parents=True)
        (folder / "same.ttf").write_bytes(build_font("Wall Same", width=width))
        # letter: 900-unit letters are twice as wide as the bedside card's own
        (folder / "layout.yaml").write_text(
            "extends: bedside\nfont: same.ttf\nsize: letter\n", "utf-8"
        )
        out = tmp_path / f"c{width}.pdf"
        made = run("--library", "lib", "card", "--layout", f"mine{width}", "-o", str(out))
        assert made.exit_code == 0, made.output
        for page in pdf_reader(out).pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                if str(font["/BaseFont"]).split("+")[-1].startswith("WallSame"):
                    widths[width] = {w for w in font["/Widths"] if w}
    assert widths == {500: {500}, 900: {900}}, widths


def embedded_fonts(pdf: Path) -> list[str]:
    """The PostScript name (without its subset tag) of each font program the pages embed."""
    programs = {}
    for page in pdf_reader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            program = descriptor.raw_get("/FontFile2").idnum
            programs[program] = str(descriptor["/FontName"]).lstrip("/").split("+")[-1]
    return sorted(programs.values())


GOOD = {
    "plain": build_font("Wall Fuzz", composites=3),
    "format 12": patched(
        build_font("Wall Fuzz", composites=3),
        cmap=cmap_with(
            struct.pack(">HHLLL", 12, 0, 40, 0, 2)
            + struct.pack(">LLL", 0x41, 0x5A, 1)
            + struct.pack(">LLL", 0x1F600, 0x1F602, 5)
        ),
    ),
}


@given(
    base=st.sampled_from(sorted(GOOD)),
    changes=st.lists(
        st.tuples(st.integers(0, 1_000_000), st.sampled_from([0, 1, 0x7F, 0x80, 0xFF])),
        min_size=1,
        max_size=6,
    ),
)
def test_whatever_the_check_lets_through_reportlab_reads_and_subsets(base, changes):
    """A good font with a few bytes changed anywhere: the check answers (never raises), and a
    file it lets through either fails ReportLab's parse (booklet turns that into the font's
    own error) or parses, prints its characters and subsets without an error."""
    from reportlab.pdfbase.ttfonts import TTFont

    data = bytearray(GOOD[base])
    for where, value in changes:
        data[where % len(data)] = value
    if font_problem(bytes(data)):
        return
    try:
        font = TTFont("Fuzz", io.BytesIO(bytes(data)), asciiReadable=False, shapable=False)
    except Exception:  # booklet reports it as the font file's problem
        return
    codes = sorted(font.face.charToGlyph)
    assert all(chr(code) for code in codes)
    font.face.makeSubset(codes[:250])
