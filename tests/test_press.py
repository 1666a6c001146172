"""Print-shop grade: bleed and page boxes, imposition at full size, marks where a printer can
print them, creep from the paper's thickness, copies on sheets that hold two spreads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import NamedTuple

import pypdfium2 as pdfium
import pytest

from booklet.press.saddle import Imposition, impose_saddle
from tests.helpers import in_the_open, pdf_reader, rasterize
from tests.test_book import half_numbers, numbered_pdf

MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)
PANEL = (0xF4, 0xF0, 0xEA)


def close(a: float, b: float, tolerance: float = 0.01) -> bool:
    return abs(a - b) <= tolerance


def test_book_with_bleed_has_exact_trim_and_bleed_boxes(run, tmp_path):
    result = run("book", "--bleed", "3mm", "-o", "b.pdf")
    assert result.exit_code == 0, result.output
    reader = pdf_reader(tmp_path / "b.pdf")
    assert len(reader.pages) == 20
    for page in reader.pages:
        trim, bleed, media = page.trimbox, page.bleedbox, page.mediabox
        assert close(float(trim.width), A5[0]) and close(float(trim.height), A5[1])
        assert close(float(trim.left), 3 * MM) and close(float(trim.bottom), 3 * MM)
        assert [round(float(v), 2) for v in bleed] == [round(float(v), 2) for v in media]
        assert close(float(bleed.width), A5[0] + 6 * MM)
    cover = rasterize(tmp_path / "b.pdf", 0, dpi=72)
    corner = cover.getpixel((1, cover.height - 2))  # inside the bleed: the cover's colour
    assert all(abs(a - b) <= 12 for a, b in zip(corner, PANEL, strict=True)), corner


def test_a_sheet_too_small_at_full_size_is_refused_naming_one_that_fits(run, tmp_path):
    result = run("book", "--impose", "saddle", "--sheet", "a4", "--crop-marks", "-o", "s.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --sheet: a4 is too small for a5 pages with crop marks at "
        "full size: each spread needs 317 x 231 mm. Use a3, or let the pages shrink with the "
        "fit-sheet option (the finished booklet comes out smaller).\n"
    )
    assert not (tmp_path / "s.pdf").exists()


def band_width(image, row: int, colour, tolerance: int = 20) -> int:
    """How many pixels of `colour` a row holds: the width of a band across it."""
    pixels = (image.getpixel((x, row)) for x in range(image.width))
    return sum(all(abs(a - b) <= tolerance for a, b in zip(p, colour, strict=True)) for p in pixels)


def test_without_a_sheet_the_next_size_up_holds_the_spread_at_full_size(run, tmp_path):
    result = run("book", "--impose", "saddle", "--crop-marks", "-o", "s.pdf")
    assert result.exit_code == 0, result.output
    said = "Note: a5 pages with crop marks do not fit a4 at full size; imposed on a3 instead."
    assert said in result.stderr
    reader = pdf_reader(tmp_path / "s.pdf")
    a3 = (420 * MM, 297 * MM)
    assert all(close(float(p.mediabox.width), a3[0], 0.1) for p in reader.pages)
    sheet = rasterize(tmp_path / "s.pdf", 0, dpi=72)  # 1 px per point
    accent = (0x00, 0x72, 0xB2)
    row = round(sheet.height / 2 - A5[1] / 2 + 20)  # inside the cover's top band
    assert abs(band_width(sheet, row, accent) - A5[0]) <= 2  # the cover, full A5 width
    margin = round(5 * MM)  # no mark, nothing at all, where a printer cannot print
    grey = rasterize(tmp_path / "s.pdf", 0, dpi=72, grey=True)
    w, h = grey.size
    edges = [(0, 0, w, margin), (0, h - margin, w, h), (0, 0, margin, h), (w - margin, 0, w, h)]
    for box in edges:
        assert grey.crop(box).getextrema()[0] >= 250, box
    crop = grey.crop((margin, margin, grey.width - margin, grey.height - margin))
    assert crop.getextrema()[0] < 60  # the marks themselves are there, and dark


def exact_render(data: bytes | Path, page: int, dpi: float):
    """A page at exactly `dpi` (PDFium rounds sizes up: a hair under the scale keeps it)."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    doc = pdfium.PdfDocument(raw)
    width = doc[page].get_width()
    image = doc[page].render(scale=round(width * dpi / 72) / width - 1e-9).to_pil()
    doc.close()
    return image.convert("RGB")


def test_nothing_but_the_pages_is_drawn_at_the_fold_of_an_a5_on_a4_sheet(run, tmp_path):
    """A5 spreads fill A4: no blank paper for fold marks, so none, and the note says so. At the
    fold, the sheet shows exactly the two pages as they are alone (cover band, footer)."""
    from PIL import ImageChops

    from booklet.press.saddle import saddle_order

    result = run("book", "--impose", "saddle", "-o", "s.pdf")
    assert result.exit_code == 0, result.output
    assert "Note: no fold marks: the a4 sheet has no blank paper beside the pages" in result.stderr
    assert run("book", "-o", "b.pdf").exit_code == 0
    dpi = 254  # 10 pixels a millimetre: the spread starts 0.5 mm in, the fold at 148.5 mm
    fold, strip = 1485, 15  # 1.5 mm either side of the fold, top to bottom
    pages = len(pdf_reader(tmp_path / "b.pdf").pages)
    for side, (left, right) in enumerate(saddle_order(pages)[:2]):  # the cover sheet
        sheet = exact_render(tmp_path / "s.pdf", side, dpi)
        before = exact_render(tmp_path / "b.pdf", left - 1, dpi)
        after = exact_render(tmp_path / "b.pdf", right - 1, dpi)
        h = sheet.height
        pairs = [
            (sheet.crop((fold - strip, 0, fold, h)), before.crop((1480 - strip, 0, 1480, h))),
            (sheet.crop((fold, 0, fold + strip, h)), after.crop((0, 0, strip, h))),
        ]
        for on_sheet, alone in pairs:
            assert ImageChops.difference(on_sheet, alone).getbbox() is None, side


def test_fold_marks_go_on_blank_paper_beside_the_pages(run, tmp_path):
    """With crop marks the spread is imposed on A3: dashed fold marks above and below it, on
    the fold, outside the trim and the bleed; inside the trim only the pages."""
    result = run("book", "--impose", "saddle", "--crop-marks", "--bleed", "3mm", "-o", "s.pdf")
    assert result.exit_code == 0, result.output
    assert "no fold marks" not in result.stderr
    dpi = 100
    grey = rasterize(tmp_path / "s.pdf", 0, dpi=dpi, grey=True)
    fold = grey.width // 2
    trim_top = round((grey.height - A5[1] * dpi / 72) / 2)
    reach = round((3 + 3 + 13) * MM * dpi / 72)  # bleed, gap, mark
    above = grey.crop((fold - 1, trim_top - reach, fold + 2, trim_top - round(4 * MM * dpi / 72)))
    below = grey.crop(
        (fold - 1, grey.height - trim_top + round(4 * MM * dpi / 72), fold + 2,
         grey.height - trim_top + reach)
    )  # fmt: skip
    for mark in (above, below):
        darkest, lightest = mark.getextrema()
        assert darkest < 128 and lightest >= 250  # a dashed mark on white paper


def label_x(pdf: bytes, side: int, label: str) -> float:
    doc = pdfium.PdfDocument(pdf)
    text = doc[side].get_textpage()
    rects = [text.get_rect(i) for i in range(text.count_rects())]
    box = next(r for r in rects if text.get_text_bounded(*r).strip() == label)
    doc.close()
    return box[0]


def test_paper_thickness_moves_inner_sheets_and_leaves_the_outer_one():
    source = numbered_pdf(28, size=A5)  # 7 sheets
    plain = impose_saddle(source, Imposition("a4")).pdf
    imposed = impose_saddle(source, Imposition("a4", paper_thickness=0.1 * MM))
    assert imposed.shifts[0] == 0.0
    assert imposed.shifts[-1] == pytest.approx(6 * 0.1 * 1.3 * MM)  # 0.78 mm
    assert "innermost pages move 0.78 mm toward the fold" in imposed.notes[-1]
    outer = ("P28", "P1")  # sheet 0, front
    inner = ("P16", "P13")  # sheet 6, front (side 12)
    for label in outer:
        assert label_x(imposed.pdf, 0, label) == pytest.approx(label_x(plain, 0, label), abs=0.01)
    left, right = (label_x(imposed.pdf, 12, n) - label_x(plain, 12, n) for n in inner)
    assert left == pytest.approx(0.78 * MM, abs=0.05)  # toward the fold from the left
    assert right == pytest.approx(-0.78 * MM, abs=0.05)  # and from the right


def test_paper_thickness_through_the_command_line(run, tmp_path):
    result = run("book", "--impose", "saddle", "--paper-thickness", "0.1mm", "-o", "s.pdf")
    assert result.exit_code == 0, result.output
    # five sheets: the innermost is four inside the outer one, 4 x 1.3 x 0.1 mm
    assert "Note: creep: the innermost pages move 0.52 mm toward the fold" in result.stderr
    both = run("book", "--impose", "saddle", "--paper-thickness", "0.1mm", "--creep", "1mm")
    assert both.exit_code == 2 and "not both" in both.stderr


def test_a6_booklets_go_two_up_on_a4_and_one_up_on_a5():
    source = numbered_pdf(8, size=(105 * MM, 148 * MM))
    on_a4 = impose_saddle(source, Imposition())
    assert on_a4.sheet == "a4" and on_a4.copies == 2
    page = pdf_reader(on_a4.pdf).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    doc = pdfium.PdfDocument(on_a4.pdf)
    assert doc[0].get_textpage().get_text_range().split() == ["P8", "P1", "P8", "P1"]
    doc.close()
    prefs = pdf_reader(on_a4.pdf).trailer["/Root"]["/ViewerPreferences"]
    assert prefs["/Duplex"] == "/DuplexFlipLongEdge"  # a portrait sheet turns on its long edge
    on_a5 = impose_saddle(source, Imposition("a5"))
    assert on_a5.copies == 1
    assert half_numbers(on_a5.pdf)[:2] == [("P8", "P1"), ("P2", "P7")]


def test_fit_sheet_shrinks_only_when_asked_and_says_so(run, tmp_path):
    result = run(
        "book", "--impose", "saddle", "--sheet", "a4", "--crop-marks", "--fit-sheet", "-o", "s.pdf"
    )
    assert result.exit_code == 0, result.output
    assert "scaled to 90.8%, so the finished booklet is smaller than designed" in result.stderr
    alone = run("book", "--fit-sheet", "-o", "b.pdf")
    assert alone.exit_code == 2 and "--fit-sheet" in alone.stderr


def colour_operators(pdf_path) -> set[bytes]:
    """Every colour operator in every content stream: pages and the forms they place."""
    from pypdf.generic import ContentStream

    reader = pdf_reader(pdf_path)
    found: set[bytes] = set()
    seen: set[int] = set()

    def walk(stream, resources) -> None:
        for _, operator in ContentStream(stream, reader).operations:
            if operator in (b"rg", b"RG", b"g", b"G", b"k", b"K", b"sc", b"scn", b"SC", b"SCN"):
                found.add(operator)
        xobjects = resources.get("/XObject") if resources is not None else None
        for ref in xobjects.get_object().values() if xobjects is not None else ():
            form = ref.get_object()
            if id(form) not in seen and form.get("/Subtype") == "/Form":
                seen.add(id(form))
                own = form.get("/Resources")
                walk(form, own.get_object() if own is not None else None)

    for page in reader.pages:
        walk(page.get_contents(), page["/Resources"].get_object())
    return found


def separations(pdf_path, tmp_path, page: int = 1, dpi: int = 100) -> dict:
    """Ghostscript's plates for one page: {'Cyan': image, ...}; 255 is no ink."""
    import shutil
    import subprocess

    from PIL import Image

    if shutil.which("gs") is None:
        import os

        if os.environ.get("CI"):
            pytest.fail("Ghostscript is required in CI (.ci/run installs it)")
        pytest.skip("Ghostscript is not installed")
    out = tmp_path / "sep.tif"
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{dpi}",
         f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={out}", str(pdf_path)],
        check=True, timeout=60,
    )  # fmt: skip
    plates = {}
    for name in ("Cyan", "Magenta", "Yellow", "Black"):
        with Image.open(tmp_path / f"sep({name}).tif") as image:
            plates[name] = image.convert("L")
    return plates


def line_boxes(pdf_path, page: int, words: str) -> list[tuple[float, float, float, float]]:
    doc = pdfium.PdfDocument(pdf_path.read_bytes())
    textpage = doc[page].get_textpage()
    found = textpage.search(words).get_next()
    assert found, words
    boxes = [textpage.get_charbox(i) for i in range(found[0], found[0] + found[1])]
    doc.close()
    return boxes


class Painted(NamedTuple):
    """One painting operation and the state it paints with."""

    what: str  # text, fill, stroke or image
    fill: tuple[tuple[float, ...], bytes]  # the fill colour's operands and operator
    stroke: tuple[tuple[float, ...], bytes]
    overprint: tuple[bool, bool, int]  # /OP, /op, /OPM in force
    text_mode: int


def painted(data: bytes | Path) -> list[Painted]:
    """Every painting operation of every page and form, with the colours and the overprint
    state in force (a small interpreter of its own: q and Q, colours, gs, Tr, Do)."""
    from pypdf.generic import ContentStream

    reader = pdf_reader(data)
    found: list[Painted] = []
    fills = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}

    def walk(stream, resources, start: dict) -> None:
        resources = resources.get_object() if resources is not None else {}
        states = resources.get("/ExtGState", {})
        xobjects = resources.get("/XObject", {})
        stack = [dict(start)]
        for operands, op in ContentStream(stream, reader).operations:
            st = stack[-1]
            values = tuple(float(v) for v in operands if isinstance(v, int | float))
            if op == b"q":
                stack.append(dict(st))
            elif op == b"Q":
                stack.pop()
            elif op in (b"rg", b"g", b"k", b"sc", b"scn"):
                st["fill"] = (values, op)
            elif op in (b"RG", b"G", b"K", b"SC", b"SCN"):
                st["stroke"] = (values, op)
            elif op == b"gs":
                ext = states[str(operands[0])].get_object()
                st["OP"] = ext.get("/OP", st["OP"]) == True  # noqa: E712  (BooleanObject)
                st["op"] = ext.get("/op", ext.get("/OP", st["op"])) == True  # noqa: E712
                st["OPM"] = int(ext.get("/OPM", st["OPM"]))
            elif op == b"Tr":
                st["Tr"] = int(operands[0])
            elif op in (b"Tj", b"TJ", b"'", b'"'):
                found.append(event("text", st))
            elif op in fills:
                found.append(event("fill", st))
            elif op in (b"S", b"s"):
                found.append(event("stroke", st))
            elif op == b"Do":
                item = xobjects[str(operands[0])].get_object()
                if item["/Subtype"] == "/Form":
                    walk(item, item.get("/Resources"), st)
                else:
                    found.append(event("image", st))

    def event(what: str, st: dict) -> Painted:
        return Painted(what, st["fill"], st["stroke"], (st["OP"], st["op"], st["OPM"]), st["Tr"])

    initial = {"fill": ((0.0,), b"g"), "stroke": ((0.0,), b"G"), "OP": False, "op": False,
               "OPM": 0, "Tr": 0}  # fmt: skip
    for page in reader.pages:
        walk(page.get_contents(), page.get("/Resources"), initial)
    return found


SOLID_BLACK = ((0.0, 0.0, 0.0, 1.0), b"k")


@pytest.mark.parametrize("product", ["card", "book"])
def test_cmyk_black_text_is_solid_black_and_overprints(run, tmp_path, product):
    """Every dark text in CMYK is `0 0 0 1 k` with overprint on (nonzero mode), never the
    text colour's 88% tint; text in other colours never overprints."""
    assert run(product, "--colour", "cmyk", "-o", "c.pdf").exit_code == 0
    events = painted(tmp_path / "c.pdf")
    texts = [e for e in events if e.what == "text" and e.text_mode != 1]  # 1: traps, unfilled
    black = [e for e in texts if e.fill == SOLID_BLACK]
    assert len(black) > 30
    assert all(e.overprint[1:] == (True, 1) for e in black)
    for e in texts:
        assert e.fill[1] == b"k"  # no RGB, no grey
        c, m, y, k = e.fill[0]
        assert not (c == m == y == 0 and 0.85 <= k < 1), e  # no near-black tint
        if e.fill != SOLID_BLACK:
            assert not e.overprint[1], e  # colours and white knock out
    rgb = [e for e in painted(run(product, "-o", "rgb.pdf") and tmp_path / "rgb.pdf")]
    assert {e.fill[1] for e in rgb if e.what == "text"} == {b"rg"}  # the test can tell


BODY_TEXT = {  # (page, words on a line of body text)
    "card": (0, ("Agree on pressure as you go", "Knead small handfuls of muscle")),
    "book": (3, ("Done gently, a back massage", "Setting up")),
}


@pytest.mark.parametrize("product", ["card", "book"])
def test_cmyk_body_text_is_on_the_black_plate_at_100_percent(run, tmp_path, product):
    """Ghostscript's separations: body text inks K at 100% (0 in the plate) and nothing else,
    where the RGB file's text was a four-colour build."""
    assert run(product, "--colour", "cmyk", "-o", "c.pdf").exit_code == 0
    assert run(product, "-o", "rgb.pdf").exit_code == 0
    pdf = tmp_path / "c.pdf"
    dpi = 150
    page, lines = BODY_TEXT[product]
    plates = separations(pdf, tmp_path, page + 1, dpi)
    for words in lines:
        region = text_region(pdf, page, words, dpi)
        assert plates["Black"].crop(region).getextrema()[0] == 0, words  # solid: 100% K
        for name in ("Cyan", "Magenta", "Yellow"):
            assert plates[name].crop(region).getextrema()[0] == 255, (words, name)
    rgb_plates = separations(tmp_path / "rgb.pdf", tmp_path, page + 1, dpi)
    assert rgb_plates["Cyan"].crop(region).getextrema()[0] < 255  # rich black without it


def text_region(pdf: Path, page: int, words: str, dpi: float) -> tuple[int, int, int, int]:
    """The pixels (left, top, right, bottom) of a line of words, at `dpi`."""
    boxes = line_boxes(pdf, page, words)
    left, bottom = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, top = max(b[2] for b in boxes), max(b[3] for b in boxes)
    height = float(pdf_reader(pdf).pages[page].mediabox.height) * dpi / 72
    scale = dpi / 72
    return (round(left * scale), round(height - top * scale),
            round(right * scale), round(height - bottom * scale))  # fmt: skip


def test_black_text_overprints_the_tinted_box_behind_it(run, tmp_path):
    """The Do not massage box is tinted: its black heading prints over the tint instead of
    knocking a white outline of every letter out of it (the tint's yellow stays under it)."""
    assert run("card", "--colour", "cmyk", "-o", "c.pdf").exit_code == 0
    pdf = tmp_path / "c.pdf"
    plates = separations(pdf, tmp_path, 2, dpi=150)
    region = text_region(pdf, 1, "Do not massage", 150)
    lightest = plates["Yellow"].crop(region).getextrema()[1]
    assert lightest < 255  # no knockout: the tint's yellow is under every letter
    assert plates["Black"].crop(region).getextrema()[0] == 0


def test_cmyk_marks_print_on_every_plate(run, tmp_path):
    result = run("book", "--bleed", "3mm", "--crop-marks", "--colour", "cmyk", "-o", "b.pdf")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "b.pdf"
    assert colour_operators(pdf) == {b"k", b"K", b"sc", b"SCN"}  # sc, SCN: marks and traps
    page = pdf_reader(pdf).pages[2]
    spaces = page["/Resources"]["/ColorSpace"]
    space = spaces["/BookletRegistration"].get_object()
    assert [str(space[0]), str(space[1]), str(space[2])] == ["/Separation", "/All", "/DeviceCMYK"]
    plates = separations(pdf, tmp_path, 3, dpi=100)
    corner = (0, 0, round(30 * 100 / 72), round(30 * 100 / 72))  # the top-left marks
    for name, plate in plates.items():
        assert plate.crop(corner).getextrema()[0] < 128, name  # the mark is on every plate


def test_cmyk_imposed_booklet_converts_the_placed_pages_too(run, tmp_path):
    result = run("book", "--impose", "saddle", "--colour", "cmyk", "-o", "s.pdf")
    assert result.exit_code == 0, result.output
    assert colour_operators(tmp_path / "s.pdf") == {b"k", b"K", b"sc", b"SCN"}


def test_single_booklet_pages_with_crop_marks_keep_the_trim_exact(run, tmp_path):
    assert run("book", "--bleed", "3mm", "--crop-marks", "-o", "b.pdf").exit_code == 0
    for page in pdf_reader(tmp_path / "b.pdf").pages:
        trim = page.trimbox
        assert close(float(trim.left), 3 * MM + 18) and close(float(trim.width), A5[0])
        assert close(float(page.bleedbox.left), 18)
    grey = rasterize(tmp_path / "b.pdf", 4, dpi=72, grey=True)
    corner = grey.crop((0, 0, 27, 27))  # marks in the corner, outside the bleed
    assert corner.getextrema()[0] < 128


def test_each_file_names_its_font_subsets_after_its_own_content(run, tmp_path):
    def subset_names(name):
        reader = pdf_reader(tmp_path / name)
        fonts = reader.pages[0]["/Resources"]["/Font"]
        return sorted(str(f.get_object()["/BaseFont"]) for f in fonts.values())

    for name, routine in (("a.pdf", "classic"), ("b.pdf", "gentle"), ("c.pdf", "classic")):
        assert run("card", routine, "-o", name).exit_code == 0
    a, b = subset_names("a.pdf"), subset_names("b.pdf")
    assert all(not n.startswith("/AAAAA") for n in a + b)
    assert {n.split("+")[0] for n in a}.isdisjoint({n.split("+")[0] for n in b})
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "c.pdf").read_bytes()


def mixed_count(usable: tuple[float, float], card: tuple[float, float]) -> int:
    """The most cards a sheet's usable area holds with two orientations: a band of one
    orientation beside (or above) a band of the other, at every split."""
    import math

    w, h = card
    best = 0
    for a, b in (((w, h), (h, w)), ((h, w), (w, h))):
        for split_x in range(0, int(usable[0]) + 1, 2):  # a band of `a` to the left
            left = math.floor(split_x / a[0]) * math.floor(usable[1] / a[1])
            right = math.floor((usable[0] - split_x) / b[0]) * math.floor(usable[1] / b[1])
            best = max(best, left + right)
        for split_y in range(0, int(usable[1]) + 1, 2):  # a band of `a` below
            low = math.floor(usable[0] / a[0]) * math.floor(split_y / a[1])
            high = math.floor(usable[0] / b[0]) * math.floor((usable[1] - split_y) / b[1])
            best = max(best, low + high)
    return best


@pytest.mark.parametrize("sheet", ["letter", "a4", "a3", "tabloid"])
def test_card_sheets_mix_orientations_when_that_holds_more(sheet):
    """A7 on letter holds 5 cards with two orientations, not 4; 4x6 on tabloid 6, not 4."""
    from booklet.base.units import NAMED_SIZES
    from booklet.press.sheets import CUT_MARK, SHEET_MARGIN, SHEET_SIZES, plan_grid, plan_sheet

    paper = SHEET_SIZES[sheet]
    usable = (paper[0] - 2 * (SHEET_MARGIN + CUT_MARK), paper[1] - 2 * (SHEET_MARGIN + CUT_MARK))
    for name in ("3x5", "4x6", "5x7", "a7", "a6", "a5", "half-letter"):
        card = NAMED_SIZES[name]
        if min(card) > min(usable):
            continue
        grids = plan_sheet(paper, card)
        single = plan_grid(paper, card).count
        assert sum(g.count for g in grids) == max(single, mixed_count(usable, card)), name
        for grid in grids:  # every card inside the usable area, none overlapping another
            x, y = grid.origin
            w, h = grid.size
            assert x >= SHEET_MARGIN + CUT_MARK - 0.01 and y >= SHEET_MARGIN + CUT_MARK - 0.01
            assert x + w <= paper[0] - SHEET_MARGIN - CUT_MARK + 0.01
            assert y + h <= paper[1] - SHEET_MARGIN - CUT_MARK + 0.01
        if len(grids) == 2:
            (ax, ay), (aw, ah) = grids[0].origin, grids[0].size
            bx, by = grids[1].origin
            assert ax + aw <= bx + 0.01 or ay + ah <= by + 0.01  # side by side or stacked


@pytest.mark.parametrize("flip", ["long", "short"])
def test_backs_land_behind_fronts_on_a_mixed_sheet(flip):
    from booklet.base.units import NAMED_SIZES
    from booklet.press.sheets import SHEET_SIZES, apply, back_transform, plan_sheet

    sheet = SHEET_SIZES["letter"]
    card = NAMED_SIZES["a7"]
    grids = plan_sheet(sheet, card)
    assert len(grids) == 2 and sum(g.count for g in grids) == 5
    w, h = card
    for grid in grids:
        for col in range(grid.cols):
            for row in range(grid.rows):
                front = grid.front_transform(col, row)
                back = back_transform(grid, col, row, flip, (0.0, 0.0))
                for u, v in [(0, 0), (w, 0), (10, h - 5), (w / 2, h / 3)]:
                    fx, fy = apply(front, u, v)
                    bx, by = apply(back, w - u, v)  # a portrait card turns like a book page
                    expected = (sheet[0] - fx, fy) if flip == "long" else (fx, sheet[1] - fy)
                    assert (bx, by) == pytest.approx(expected)


def test_a_mixed_sheet_through_the_command_line(run, make_library, tmp_path):
    """A7 cards, five to a letter sheet. The compact card's back holds more than A7 does now
    (the safety set grew): a layout of the steps and the boxed safety list alone."""
    lib = make_library(
        {"layouts/tiny/layout.yaml": "extends: compact\nback:\n  - block: text\n"
         "    template: safety.j2\n    box: true\n"}
    )  # fmt: skip
    result = run("--library", lib, "card", "short", "--layout", "tiny", "--size", "a7",
                 "--sheet", "letter", "-o", "s.pdf")  # fmt: skip
    assert result.exit_code == 0, result.output
    from tests.helpers import page_texts

    front, back = page_texts(tmp_path / "s.pdf")
    assert front.count("Ten-minute back rub") == 5
    assert back.count("Do not massage") == 5


def test_a_card_and_a_booklet_page_are_finished_the_same_way():
    """The press pads, boxes and marks every page (booklet.press.finish): a card's page and a
    booklet's page with the same trim, bleed and marks are the same page."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from booklet.press.finish import Finish, finish_page
    from booklet.press.marks import MARK_ZONE

    trim = (100.0, 200.0)
    finish = Finish(3 * MM, crop_marks=True)
    assert close(finish.pad, 3 * MM + MARK_ZONE)
    assert finish.page_size(trim) == (100 + 2 * finish.pad, 200 + 2 * finish.pad)
    assert Finish(3 * MM).pad == 3 * MM
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=finish.page_size(trim))
    assert finish_page(canvas, trim, finish) == finish.pad
    canvas.showPage()
    canvas.save()
    page = pdf_reader(buffer.getvalue()).pages[0]
    pad, bleed = finish.pad, finish.bleed
    assert [float(v) for v in page.trimbox] == pytest.approx([pad, pad, pad + 100, pad + 200])
    assert [float(v) for v in page.bleedbox] == pytest.approx(
        [pad - bleed, pad - bleed, pad + 100 + bleed, pad + 200 + bleed]
    )


def drawn_pdf(draw) -> bytes:
    """A one-page PDF (200 x 200 mm) drawn by `draw(canvas)` with ReportLab, as booklet draws."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(200 * MM, 200 * MM), invariant=1)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_only_a_large_black_area_is_rich_black():
    """A black shape 12 mm each way or more is rich black (60/40/40/100) and knocks out; a
    thinner bar, a QR code's modules and text stay solid black that overprints."""
    from booklet.press.finish import finish_file

    def draw(canvas):
        canvas.setFillColorRGB(0.12, 0.12, 0.12)
        canvas.rect(10 * MM, 10 * MM, 30 * MM, 20 * MM, stroke=0, fill=1)  # large
        canvas.rect(10 * MM, 50 * MM, 100 * MM, 5 * MM, stroke=0, fill=1)  # a bar
        path = canvas.beginPath()
        for i in range(30):  # 30 modules of 1 mm: one path, 30 mm across
            path.rect(10 * MM + i * MM, 80 * MM, MM, MM)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.drawString(10 * MM, 120 * MM, "Solid black text")

    events = [e for e in painted(finish_file(drawn_pdf(draw), "cmyk")) if e.what != "stroke"]
    assert [(e.what, e.fill, e.overprint[1]) for e in events] == [
        ("fill", ((0.6, 0.4, 0.4, 1.0), b"k"), False),
        ("fill", SOLID_BLACK, True),
        ("fill", SOLID_BLACK, True),
        ("text", SOLID_BLACK, True),
    ]


def test_white_numbers_reversed_out_of_colour_are_trapped(run, tmp_path):
    """A step's white number on its blue disc: the disc's lighter inks (magenta, black) are
    knocked out wider than the number, so the strongest (cyan) alone draws its edges and a
    hair of misregistration shows no fringe inside it. Read from Ghostscript's plates."""
    assert run("card", "--colour", "cmyk", "-o", "c.pdf").exit_code == 0
    pdf = tmp_path / "c.pdf"
    events = painted(pdf)
    numbers = [i for i, e in enumerate(events) if e.what == "text" and e.fill[0] == (0, 0, 0, 0)]
    assert numbers and all(events[i].overprint[1] is False for i in numbers)  # white knocks out
    traps = [events[i + 1] for i in numbers]  # each followed by its trap: stroked, overprinting
    assert all(t.what == "text" and t.text_mode == 1 and t.stroke[1] == b"SCN" for t in traps)
    assert all(t.overprint[0] and t.fill[1] == b"sc" for t in traps)  # no white overprints
    from pypdf.generic import ContentStream

    reader = pdf_reader(pdf)
    ops = [
        (operands, op)
        for page in reader.pages
        for operands, op in ContentStream(page.get_contents(), reader).operations
    ]
    # each trap read by no one: inside the card's tagged content (the step's number, a list
    # label) an artifact may not be nested (PDF/UA-1 7.1), so a span whose actual text is empty
    unread = [
        i
        for i, (operands, op) in enumerate(ops)
        if op == b"BDC" and operands[0] == "/Span" and operands[1].get("/ActualText") == ""
    ]
    assert len(unread) == len(traps)
    assert all(ops[i + 1][1] == b"Tj" and ops[i + 2][1] == b"EMC" for i in unread)
    shown = [next(ops[j] for j in range(i - 1, 0, -1) if ops[j][1] == b"Tj") for i in unread]
    assert [s[0] for s in shown] == [ops[i + 1][0] for i in unread]  # the number shown again
    dpi = 600
    plates = separations(pdf, tmp_path, 1, dpi)
    name = text_region(pdf, 0, "Fan stroke", dpi)
    disc = (name[0] - round(16 * dpi / 72), name[1] - 10, name[0] - 2, name[3] + 10)

    def without_ink(plate: str) -> set[tuple[int, int]]:
        image = plates[plate].crop(disc)
        return {(x, y) for x in range(image.width) for y in range(image.height)
                if image.getpixel((x, y)) == 255}  # fmt: skip

    cyan, magenta, black = (without_ink(p) for p in ("Cyan", "Magenta", "Black"))
    assert cyan < magenta and cyan < black  # the number's cyan knockout lies inside the others
    spread = magenta - cyan  # a ring around the number, ~0.25 pt wide: 2 pixels at 600 dpi
    assert 150 < len(spread) < len(cyan) and magenta == black, len(spread)


def logo_png(path: Path, size=(240, 120)) -> Path:
    """A logo: a red half and a black half, a transparent band at its left."""
    from PIL import Image

    image = Image.new("RGBA", size, (204, 30, 30, 255))
    w, h = size
    for x in range(w // 2, w):
        for y in range(h):
            image.putpixel((x, y), (0, 0, 0, 255))
    for x in range(w // 6):
        for y in range(h):
            image.putpixel((x, y), (0, 0, 0, 0))
    image.save(path)
    return path


def logo_box(pdf: bytes, page: int) -> tuple[float, float, float, float]:
    """Where the page's one image is printed: (left, bottom, right, top) in points."""
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(pdf)
    (image,) = doc[page].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])
    box = image.get_bounds()
    doc.close()
    return box


@pytest.mark.parametrize("product", ["card", "book"])
def test_cmyk_logo_is_on_the_plates_with_no_rgb_and_no_soft_mask(run, tmp_path, product):
    """The logo is converted: a CMYK image, its black on K alone, its transparency a stencil
    mask; no RGB and no soft mask anywhere in the file."""
    logo_png(tmp_path / "logo.png")
    args = ("--therapist", "Ana Ruiz, LMT", "--logo", "logo.png", "--colour", "cmyk")
    result = run(product, "gentle", *args, "-o", "c.pdf")
    assert result.exit_code == 0, result.output
    raw = in_the_open(tmp_path / "c.pdf")  # a tagged file's dictionaries, uncompressed
    assert b"/SMask" not in raw and b"/DeviceRGB" not in raw
    reader = pdf_reader(raw)
    images = [
        x.get_object()
        for page in reader.pages
        for x in page["/Resources"].get("/XObject", {}).values()
        if x.get_object()["/Subtype"] == "/Image"
    ]
    assert images and all(i["/ColorSpace"] == "/DeviceCMYK" for i in images)
    assert all(i["/Mask"].get_object()["/ImageMask"] for i in images)
    events = painted(raw)
    assert not {e.fill[1] for e in events if e.what in ("fill", "text")} & {b"rg", b"g"}
    assert not {e.stroke[1] for e in events if e.what == "stroke"} & {b"RG"}
    from PIL import Image

    pixels = Image.frombytes("CMYK", (240, 120), images[0].get_data())
    assert pixels.getpixel((200, 60)) == (0, 0, 0, 255)  # black: K alone
    c, m, y, k = pixels.getpixel((60, 60))  # red: magenta and yellow
    assert m > 200 and y > 200 and c < 20
    if product == "card":  # on the plates, where it is printed
        dpi = 300
        left, bottom, right, top = logo_box(raw, 0)
        height = float(reader.pages[0].mediabox.height)
        plates = separations(tmp_path / "c.pdf", tmp_path, 1, dpi)

        def ink(plate: str, u: float) -> int:
            """Ink at a point across the logo (u from 0 to 1), halfway up: 255 - plate."""
            x = (left + u * (right - left)) * dpi / 72
            y = (height - (bottom + top) / 2) * dpi / 72
            return 255 - plates[plate].getpixel((round(x), round(y)))

        assert [ink(p, 0.85) for p in ("Cyan", "Magenta", "Yellow", "Black")] == [0, 0, 0, 255]
        assert ink("Magenta", 0.35) > 200 and ink("Yellow", 0.35) > 200
        assert [ink(p, 0.05) for p in ("Cyan", "Magenta", "Yellow", "Black")] == [0] * 4


def test_a_coarse_logo_is_refused_and_a_soft_one_noted(run, tmp_path):
    """The logo's resolution is measured where the PDF prints it: under 72 pixels an inch it
    is refused, under 150 the user is told; the message says how many pixels are enough."""
    logo_png(tmp_path / "tiny.png", (40, 20))
    logo_png(tmp_path / "small.png", (120, 60))
    logo_png(tmp_path / "fine.png", (240, 120))
    args = ("card", "gentle", "--therapist", "Ana Ruiz, LMT", "--logo")
    tiny = run(*args, "tiny.png", "-o", "t.pdf")
    assert tiny.exit_code == 2 and not (tmp_path / "t.pdf").exists()
    assert tiny.stderr == (
        "Error: --logo: the logo is 40 x 20 pixels, printed 23 mm wide: 44 pixels an inch, too "
        "few to print (at least 72; 150 looks sharp). Use a copy 136 pixels wide or more.\n"
    )
    small = run(*args, "small.png", "-o", "s.pdf")
    assert small.exit_code == 0
    assert small.stderr == (
        "Note: the logo is 120 x 60 pixels, printed 23 mm wide: 133 pixels an inch, so it may "
        "print soft. A copy 136 pixels wide or more prints sharp (150 pixels an inch).\n"
    )
    fine = run(*args, "fine.png", "-o", "f.pdf")
    assert fine.exit_code == 0 and fine.stderr == ""


@pytest.mark.parametrize("sheet", ["letter", "a4", "a3", "tabloid"])
def test_no_cut_mark_touches_a_card_on_any_sheet(sheet):
    """Every cut mark a sheet of cards draws stays clear of every card and its bleed, in one
    orientation or two (A7 on letter: the shorter band's marks on the shared line are gone)."""
    from booklet.base.units import NAMED_SIZES
    from booklet.press.marks import touches
    from booklet.press.sheets import SHEET_SIZES, card_boxes, cut_marks, plan_sheet

    class Recorder:
        def __init__(self):
            self.lines = []

        def line(self, *line):
            self.lines.append(line)

        def __getattr__(self, name):
            return lambda *args: None

    paper = SHEET_SIZES[sheet]
    for name in ("3x5", "4x6", "5x7", "a7", "a6", "a5", "half-letter"):
        for bleed in (0.0, 3 * MM):
            card = (NAMED_SIZES[name][0] + 2 * bleed, NAMED_SIZES[name][1] + 2 * bleed)
            try:
                grids = plan_sheet(paper, card)
            except Exception:
                continue  # too large for this sheet
            canvas = Recorder()
            cut_marks(canvas, grids, bleed)
            assert canvas.lines, (name, bleed)
            for line in canvas.lines:
                assert not any(touches(line, box, 0.99) for box in card_boxes(grids)), line
    grids = plan_sheet(SHEET_SIZES["letter"], NAMED_SIZES["a7"])
    assert len(grids) == 2  # the mixed sheet the issue found marks on a neighbour's trim in


def test_two_handouts_for_two_clients_have_different_ids(run, tmp_path):
    """The file identifier comes from the content: two clients' handouts differ in it, and
    the same handout made twice is the same file, byte for byte."""
    args = ("card", "gentle", "--therapist", "Ana Ruiz, LMT")
    for name, client in (
        ("a.pdf", "Maria Lopez"),
        ("b.pdf", "Sam Okafor"),
        ("c.pdf", "Maria Lopez"),
    ):
        assert run(*args, "--client", client, "-o", name).exit_code == 0
    ids = {n: pdf_reader(tmp_path / n).trailer["/ID"] for n in ("a.pdf", "b.pdf")}
    assert ids["a.pdf"][0] != ids["b.pdf"][0]
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "c.pdf").read_bytes()


@pytest.mark.parametrize(
    ("name", "args", "version"),
    [
        ("card", ("card",), "1.7"),  # two sides: the duplex hint is PDF 1.7
        ("card-one-side", ("card", "--sides", "1"), "1.6"),  # print at actual size: 1.6
        ("card-cmyk", ("card", "--colour", "cmyk"), "1.7"),
        ("card-sheet", ("card", "--sheet", "letter"), "1.7"),
        ("book", ("book",), "1.6"),
        ("book-imposed", ("book", "--impose", "saddle"), "1.7"),
        ("calibration", ("calibrate",), "1.7"),
        ("diagram", ("diagram", "raking"), "1.6"),
    ],
)
def test_every_file_has_an_id_from_its_content_and_a_true_header(
    run, tmp_path, name, args, version
):
    result = run(*args, "-o", f"{name}.pdf")
    assert result.exit_code == 0, result.output
    raw = (tmp_path / f"{name}.pdf").read_bytes()
    assert raw.startswith(f"%PDF-{version}".encode())
    # raw bytes: pypdf decodes an ID that happens to start with FE FF as UTF-16 text
    first, second = (getattr(i, "original_bytes", i) for i in pdf_reader(raw).trailer["/ID"])
    assert first == second and len(first) == 16
    from booklet.press.pdf import with_content_id

    assert with_content_id(raw) == raw  # the /ID is the content's
    import pikepdf  # read, not grepped: a tagged file's font dictionaries are compressed

    with pikepdf.open(io.BytesIO(raw)) as doc:
        fonts = [str(o.BaseFont) for o in doc.objects if isinstance(o, pikepdf.Dictionary)
                 and o.get("/Type") == "/Font" and "+" in str(o.get("/BaseFont", ""))]  # fmt: skip
    assert fonts and not any(f.startswith("/AAAAA") for f in fonts)  # each subset its own tag


def test_marked_content_and_the_structure_tree_survive_the_colour_rewrite():
    """The CMYK rewrite keeps marked content (BDC, BMC, EMC, their properties) in place and
    the catalogue's structure tree, for the tagged PDFs to come."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
    )

    from booklet.press.finish import finish_file

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    content = DecodedStreamObject()
    content.set_data(
        b"/P <</MCID 0>> BDC 0.12 0.12 0.12 rg BT /F1 12 Tf 20 100 Td (Tagged) Tj ET EMC\n"
        b"/Artifact BMC 0 0.447 0.698 rg 10 10 50 5 re f EMC"
    )
    page[NameObject("/Contents")] = writer._add_object(content)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})  # fmt: skip
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    page[NameObject("/StructParents")] = NumberObject(0)
    tree = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot"),
                             NameObject("/K"): ArrayObject()})  # fmt: skip
    writer.root_object[NameObject("/StructTreeRoot")] = writer._add_object(tree)
    writer.root_object[NameObject("/MarkInfo")] = DictionaryObject(
        {NameObject("/Marked"): BooleanObject(True)}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    out = pdf_reader(finish_file(buffer.getvalue(), "cmyk"))
    from pypdf.generic import ContentStream

    ops = ContentStream(out.pages[0].get_contents(), out).operations
    marked = [
        (op, [str(v) for v in operands]) for operands, op in ops if op in (b"BDC", b"BMC", b"EMC")
    ]
    assert marked == [
        (b"BDC", ["/P", "{'/MCID': 0}"]),
        (b"EMC", []),
        (b"BMC", ["/Artifact"]),
        (b"EMC", []),
    ]
    assert not {op for _, op in ops} & {b"rg", b"RG"}
    assert out.trailer["/Root"]["/StructTreeRoot"]["/Type"] == "/StructTreeRoot"
    assert out.trailer["/Root"]["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert out.pages[0]["/StructParents"] == 0
