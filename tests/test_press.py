"""Print-shop grade: bleed and page boxes, imposition at full size, marks where a printer can
print them, creep from the paper's thickness, copies on sheets that hold two spreads."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from booklet.press.saddle import Imposition, impose_saddle
from tests.helpers import pdf_reader, rasterize
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
    assert len(reader.pages) == 16
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


def test_fold_marks_show_on_an_a5_on_a4_sheet(run, tmp_path):
    assert run("book", "--impose", "saddle", "-o", "s.pdf").exit_code == 0
    dpi = 150
    for side in range(6):
        grey = rasterize(tmp_path / "s.pdf", side, dpi=dpi, grey=True)
        fold = grey.width // 2
        inset = round(5 * MM * dpi / 72)
        length = round(13 * dpi / 72)
        for top in (inset, grey.height - inset - length):  # at the top and at the bottom
            darkest, lightest = grey.crop((fold - 1, top, fold + 2, top + length)).getextrema()
            assert darkest < 120 and lightest >= 250, (side, top)  # a dark dash, a white halo


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
    assert "Note: creep: the innermost pages move 0.39 mm toward the fold" in result.stderr
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


def test_cmyk_card_paints_no_rgb_and_sets_black_text_on_k_alone(run, tmp_path):
    assert run("card", "--colour", "cmyk", "-o", "c.pdf").exit_code == 0
    assert run("card", "-o", "rgb.pdf").exit_code == 0
    pdf = tmp_path / "c.pdf"
    assert colour_operators(pdf) == {b"k", b"K"}  # no rg, RG or grey left
    assert b"rg" in colour_operators(tmp_path / "rgb.pdf")  # the test can tell
    dpi = 150
    for words in ("Agree on pressure as you go", "Knead small handfuls of muscle"):
        boxes = line_boxes(pdf, 0, words)
        left, bottom = min(b[0] for b in boxes), min(b[1] for b in boxes)
        right, top = max(b[2] for b in boxes), max(b[3] for b in boxes)
        page_height = float(pdf_reader(pdf).pages[0].mediabox.height)
        scale, height = dpi / 72, page_height * dpi / 72
        region = (round(left * scale), round(height - top * scale),
                  round(right * scale), round(height - bottom * scale))  # fmt: skip
        for plates in (separations(pdf, tmp_path, 1, dpi),):
            assert plates["Black"].crop(region).getextrema()[0] < 128, words  # inked on K
            for name in ("Cyan", "Magenta", "Yellow"):
                assert plates[name].crop(region).getextrema()[0] == 255, (words, name)
    rgb_plates = separations(tmp_path / "rgb.pdf", tmp_path, 1, dpi)
    assert rgb_plates["Cyan"].crop(region).getextrema()[0] < 255  # rich black without it


def test_cmyk_marks_print_on_every_plate(run, tmp_path):
    result = run("book", "--bleed", "3mm", "--crop-marks", "--colour", "cmyk", "-o", "b.pdf")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "b.pdf"
    assert colour_operators(pdf) == {b"k", b"K", b"SCN"}
    page = pdf_reader(pdf).pages[2]
    spaces = page["/Resources"]["/ColorSpace"]
    space = next(iter(spaces.values())).get_object()
    assert [str(space[0]), str(space[1]), str(space[2])] == ["/Separation", "/All", "/DeviceCMYK"]
    plates = separations(pdf, tmp_path, 3, dpi=100)
    corner = (0, 0, round(30 * 100 / 72), round(30 * 100 / 72))  # the top-left marks
    for name, plate in plates.items():
        assert plate.crop(corner).getextrema()[0] < 128, name  # the mark is on every plate


def test_cmyk_imposed_booklet_converts_the_placed_pages_too(run, tmp_path):
    result = run("book", "--impose", "saddle", "--colour", "cmyk", "-o", "s.pdf")
    assert result.exit_code == 0, result.output
    assert colour_operators(tmp_path / "s.pdf") == {b"k", b"K", b"SCN"}


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
