"""The bedside card: real PDFs parsed for sizes, boxes, text, fonts; pixels where layout matters."""

from __future__ import annotations

import itertools

import pytest

from booklet.base.units import parse_size
from booklet.data.library import load_library
from booklet.press.sheets import Grid, apply, back_transform, plan_grid
from booklet.products.card import CardRequest, render_card
from tests.helpers import page_texts, pdf_reader, qpdf_check, rasterize, technique_yaml, text_rects

SAFE = 3 * 72 / 25.4
NAMES = ["Fan stroke", "Circling hands", "Pétrissage", "Raking"]
SPINE_LINE = "Beside the spine, never on it"


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def default_card(tmp_path_factory):
    from click.testing import CliRunner

    from booklet.cli.main import cli

    out = tmp_path_factory.mktemp("card") / "c.pdf"
    result = CliRunner().invoke(cli, ["card", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def boxes(reader, page=0):
    p = reader.pages[page]
    return {name: [round(float(v), 2) for v in p[name]] for name in ("/MediaBox", "/TrimBox")}


def test_default_card_pages_and_text(default_card):
    reader = pdf_reader(default_card)
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages] == [
        (360.0, 504.0),
        (360.0, 504.0),
    ]
    front, back = page_texts(default_card)
    for name in NAMES:
        assert name in front
    for word in ("moderate", "gentle", "light"):
        assert f"{word} pressure" in front
    assert front.count(SPINE_LINE) == 4  # one spine warning per technique
    assert "Never press on the spine" in back
    assert "no substitute for a trained massage therapist" in front.replace("\n", " ")
    assert "Set up:" in front
    back = " ".join(back.split())
    for words in ("Do not massage", "• with a fever", "spine: no pressure", "1 right, 2 left hand"):
        assert words in back, words


def test_default_card_is_valid_with_embedded_subset_fonts(default_card):
    qpdf_check(default_card)
    reader = pdf_reader(default_card)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, name  # TrueType embedded
        assert "+" in name, name  # subset


def test_default_card_embeds_only_the_glyphs_and_faces_it_uses(default_card):
    """Subsets without unused ASCII, no italic face, no ASCII85: the card stays under 30 KB (it
    was 23 KB before the diagrams drew hands, travel arrows and a fuller key; 28 KB then,
    untagged), its tags included (a structure tree, compressed in object streams with the
    file's other dictionaries: booklet.press.structure)."""
    reader = pdf_reader(default_card)
    used = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            used.add(font["/BaseFont"].split("+")[1])
            widths = font["/Widths"]
            assert len(widths) < 60, font["/BaseFont"]  # codes for used characters only
        assert "/ASCII85Decode" not in str(page["/Contents"].get_object().get("/Filter"))
    assert used == {"BookletText-Regular", "BookletText-Bold"}
    assert default_card.stat().st_size <= 30 * 1024


def test_metadata_and_viewer_preferences(default_card):
    reader = pdf_reader(default_card)
    assert reader.metadata.title == "Classic back massage"
    assert reader.metadata.subject == "Back massage routine card"
    assert reader.metadata.creator.startswith("booklet ")
    prefs = reader.trailer["/Root"]["/ViewerPreferences"]
    assert prefs["/PrintScaling"] == "/None"
    assert prefs["/Duplex"] == "/DuplexFlipLongEdge"


def test_no_arguments_renders_classic_and_prints_path(run, tmp_path):
    result = run("card")
    assert result.exit_code == 0
    assert result.output == "classic-bedside-5x7.pdf\n"
    assert len(pdf_reader(tmp_path / "classic-bedside-5x7.pdf").pages) == 2


def test_bleed_sets_boxes_and_extends_background(run, make_library, tmp_path):
    lib = make_library(
        {
            "layouts/tinted/layout.yaml": """
                extends: compact
                colours: {background: "#FFE0C0"}
            """
        }
    )
    result = run(
        "--library",
        lib,
        "card",
        "--layout",
        "tinted",
        "--size",
        "4x6",
        "--bleed",
        "0.125in",
        "-o",
        "b.pdf",
    )
    assert result.exit_code == 0, result.output
    reader = pdf_reader(tmp_path / "b.pdf")
    assert boxes(reader) == {"/MediaBox": [0, 0, 306, 450], "/TrimBox": [9, 9, 297, 441]}
    assert [round(float(v)) for v in reader.pages[0]["/BleedBox"]] == [0, 0, 306, 450]
    image = rasterize(tmp_path / "b.pdf", dpi=72)
    assert image.getpixel((1, 1)) == image.getpixel((20, 20)) != (255, 255, 255)


def test_crop_marks_sit_outside_the_bleed(run, tmp_path):
    result = run(
        "card", "--layout", "compact", "--size", "4x6", "--bleed", "3mm", "--crop-marks",
        "-o", "m.pdf",
    )  # fmt: skip
    assert result.exit_code == 0
    reader = pdf_reader(tmp_path / "m.pdf")
    bleed = 3 * 72 / 25.4
    pad = bleed + 18
    media = boxes(reader)["/MediaBox"]
    assert media[2:] == [round(288 + 2 * pad, 2), round(432 + 2 * pad, 2)]
    trim = boxes(reader)["/TrimBox"]
    assert trim == [round(pad, 2), round(pad, 2), round(pad + 288, 2), round(pad + 432, 2)]
    image = rasterize(tmp_path / "m.pdf", dpi=144, grey=True)
    k = 2
    x_trim = round(pad * k)
    # a mark runs along the trim line in the margin beyond the bleed...
    column = [image.getpixel((x_trim, y)) for y in range(0, round((pad - bleed - 3) * k))]
    assert min(column) < 128
    # ...and nothing is drawn in the bleed at the corner
    corner = [
        image.getpixel((x, y))
        for x in range(round((pad - bleed + 1) * k), x_trim - 1)
        for y in range(round((pad - bleed + 1) * k), x_trim - 1)
    ]
    assert min(corner) > 250


def test_sheet_letter_tiles_cards_with_cut_marks(run, tmp_path):
    result = run("card", "--layout", "compact", "--size", "4x6", "--sheet", "letter", "-o", "s.pdf")
    assert result.exit_code == 0, result.output
    reader = pdf_reader(tmp_path / "s.pdf")
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages] == [
        (612.0, 792.0),
        (612.0, 792.0),
    ]
    front, back = page_texts(tmp_path / "s.pdf")
    assert front.count("Classic back massage") == 2  # two 4x6 cards, turned, on letter
    assert back.count("Do not massage") == 2
    qpdf_check(tmp_path / "s.pdf")
    grid = plan_grid((612, 792), (288, 432))
    assert grid.rotated and grid.count == 2
    # a cut mark continues each trim line into the margin above the grid
    image = rasterize(tmp_path / "s.pdf", dpi=144, grey=True)
    ox, oy = grid.origin
    grid_top = 792 - (oy + grid.rows * grid.cell[1])
    x = round(ox * 2)
    above = [
        min(image.getpixel((xx, y)) for xx in (x - 1, x, x + 1))
        for y in range(round((grid_top - 14) * 2), round((grid_top - 4) * 2))
    ]
    assert max(above) < 160
    clear = [
        image.getpixel((xx, y))
        for xx in range(x + 10, x + 60)
        for y in range(round((grid_top - 14) * 2), round((grid_top - 4) * 2))
    ]
    assert min(clear) > 250


@pytest.mark.parametrize("flip", ["long", "short"])
@pytest.mark.parametrize("card", [(288.0, 432.0), (216.0, 360.0), (432.0, 288.0), (504, 360)])
def test_backs_land_behind_their_fronts(flip, card):
    sheet = parse_size("letter")
    grid = plan_grid(sheet, card)
    w, h = card
    for col, row in itertools.product(range(grid.cols), range(grid.rows)):
        front = grid.front_transform(col, row)
        back = back_transform(grid, col, row, flip, (0.0, 0.0))
        for u, v in [(0, 0), (w, 0), (10, h - 5), (w / 2, h / 3)]:
            fx, fy = apply(front, u, v)
            # the card turned over about its long edge, as its own PDF declares: a portrait
            # card like a book page, a landscape one like a calendar
            bx, by = apply(back, w - u, v) if h >= w else apply(back, u, h - v)
            if flip == "long":
                assert (bx, by) == pytest.approx((sheet[0] - fx, fy))
            else:
                assert (bx, by) == pytest.approx((fx, sheet[1] - fy))
        a, b, c, d, _, _ = back
        assert a * d - b * c == pytest.approx(1.0)  # turned, never mirror-imaged


def test_back_offset_shifts_the_back_sheet():
    grid = Grid((612, 792), (216, 360), 2, 2)
    plain = back_transform(grid, 0, 0, "long", (0.0, 0.0))
    moved = back_transform(grid, 0, 0, "long", (2.0, -1.0))
    assert moved[4] - plain[4] == 2.0 and moved[5] - plain[5] == -1.0


def test_too_much_for_a_small_card_fails_clearly(run, tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"old")
    result = run("card", "--layout", "large-print", "--size", "3x5", "-o", "x.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: the front of the 'large-print' card does not fit on 3x5: it needs 1356 pt of "
        "height but has 335 pt, even at the smallest legible size (16 pt). Use a larger size "
        "(e.g. letter), fewer techniques, or another layout (compact fits more).\n"
    )
    assert (tmp_path / "x.pdf").read_bytes() == b"old"  # the good file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pdf"]


def test_a_landscape_card_too_small_is_named_as_asked(run, tmp_path):
    """Found in review: a refused `--landscape --size 4x6` card was said to be 4x6, the
    portrait card the user did not ask for; a size made larger than the landscape layout's
    own says that it is turned, too."""
    result = run("card", "--landscape", "--size", "4x6", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: the front of the 'bedside' card does not fit on 4x6 landscape: "
    )
    made = run("--lang", "de", "card", "--landscape", "-o", str(tmp_path / "de.pdf"))
    assert made.exit_code == 0, made.stderr
    assert "the 'bedside' card's own size, 5x7 landscape, is too small" in made.stderr


def test_a_layout_built_on_compact_is_not_told_compact_fits_more(run, tmp_path):
    """Found in review: a layout that extends compact was advised to try compact, which is
    itself; the other advice stays."""
    folder = tmp_path / "lib" / "layouts" / "tight"
    folder.mkdir(parents=True)
    (folder / "layout.yaml").write_text("extends: compact\n")
    result = run(
        "--library", str(tmp_path / "lib"), "card", "--layout", "tight", "--landscape",
        "--size", "3x5", "-o", str(tmp_path / "x.pdf"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "the front of the 'tight' card does not fit on 3x5 landscape" in result.stderr
    assert result.stderr.rstrip().endswith("Use a larger size (e.g. 4x6), fewer techniques.")
    assert "compact fits more" not in result.stderr


def test_a_library_whose_compact_is_its_own_is_not_told_compact_fits_more(run, tmp_path):
    """Noticed last session: a library's own `compact`, built on large print, was still the
    advice for a card too large; `--layout compact` there fits no more. A library whose
    compact builds on booklet's is still told."""
    folder = tmp_path / "lib" / "layouts" / "compact"
    folder.mkdir(parents=True)
    (folder / "layout.yaml").write_text("extends: large-print\n")
    args = ["card", "--layout", "large-print", "--size", "3x5", "-o", str(tmp_path / "x.pdf")]
    own = run("--library", str(tmp_path / "lib"), *args)
    assert own.exit_code == 2
    assert "the front of the 'large-print' card does not fit on 3x5" in own.stderr
    assert own.stderr.rstrip().endswith("Use a larger size (e.g. letter), fewer techniques.")
    (folder / "layout.yaml").write_text("extends: compact\n")
    built_on_ours = run("--library", str(tmp_path / "lib"), *args)
    assert built_on_ours.stderr.rstrip().endswith("or another layout (compact fits more).")


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_a_layouts_own_size_too_small_for_a_language_is_made_larger_and_said(run, tmp_path, lang):
    """Found by attack: the compact card at its own 3x5 refused French, German, Spanish and
    Portuguese (their safety set is longer), and advised fewer techniques, which does not
    shorten a back without them. Not asked for a size, it is made at the next that fits, and
    says so; asked for 3x5, it is refused with a larger size only."""
    out = tmp_path / "c.pdf"
    result = run("--lang", lang, "card", "--layout", "compact", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "own size, 3x5, is too small" in result.stderr and "made at 4x6" in result.stderr
    import pikepdf

    with pikepdf.open(out) as pdf:
        assert [round(float(v)) for v in pdf.pages[0].MediaBox[2:]] == [288, 432]  # 4x6 in
    refused = run("--lang", lang, "card", "--layout", "compact", "--size", "3x5", "-o", "x.pdf")
    assert refused.exit_code == 2
    assert "Use a larger size (e.g. 4x6)." in refused.stderr
    assert "fewer techniques" not in refused.stderr


COMBOS = [
    ("compact", "4x6", "classic", False),
    ("bedside", "5x7", "classic", False),
    ("compact", "a6", "gentle", False),
    ("bedside", "a5", "short", True),
    ("bedside", "half-letter", "gentle", False),
    ("compact", "4x6", "short", True),
    ("compact", "3x5", "classic", False),
    ("compact", "3x5", "short", False),
    ("large-print", "half-letter", "classic", False),
    ("large-print", "a5", "classic", False),
]


@pytest.mark.parametrize(("layout", "size", "routine", "landscape"), COMBOS)
def test_text_stays_in_the_safe_area_without_overlap(library, layout, size, routine, landscape):
    req = CardRequest(layout=layout, size=size, landscape=landscape)
    pdf = render_card(library, library.plan(routine), req)
    reader = pdf_reader(pdf)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    for page in range(len(reader.pages)):
        rects = text_rects(pdf, page)
        assert rects, "no text found"
        for left, bottom, right, top in rects:
            assert left >= SAFE and bottom >= SAFE, (left, bottom)
            assert right <= width - SAFE and top <= height - SAFE, (right, top)
        for a, b in itertools.combinations(rects, 2):
            overlap_w = min(a[2], b[2]) - max(a[0], b[0])
            overlap_h = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_w <= 0.5 or overlap_h <= 0.5, (a, b)
    qpdf_check_bytes(pdf)


def qpdf_check_bytes(pdf: bytes, tmp=None) -> None:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.pdf"
        path.write_bytes(pdf)
        qpdf_check(path)


def test_large_print_body_is_at_least_16pt(library):
    import re

    pdf = render_card(library, library.plan("classic"), CardRequest(layout="large-print"))
    reader = pdf_reader(pdf)
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip() and not text.strip().isdigit():  # diagram order badges are digits
            sizes.append(size * cm[3])

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 16, sorted(set(sizes))[:5]
    assert re.search("Fan stroke", page_texts(pdf)[0])


def test_same_inputs_same_bytes(library):
    req = CardRequest(bleed=9.0, crop_marks=True)
    first = render_card(library, library.plan("classic"), req)
    second = render_card(library, library.plan("classic"), req)
    assert first == second


def test_png_previews_beside_the_pdf(run, tmp_path):
    result = run("card", "--layout", "compact", "--size", "4x6", "--png", "-o", "p.pdf")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["p.pdf", "p-1.png", "p-2.png"]
    from PIL import Image

    assert Image.open(tmp_path / "p-1.png").size == (600, 900)  # 4x6 in at 150 dpi


def test_techniques_option_picks_in_order(run, tmp_path):
    result = run("card", "-t", "raking", "-t", "fan-stroke", "--layout", "compact", "-o", "t.pdf")
    assert result.exit_code == 0, result.output
    front, _back = page_texts(tmp_path / "t.pdf")
    assert front.index("Raking") < front.index("Fan stroke")
    assert "Circling hands" not in front


def test_accented_text_works_and_missing_glyph_is_an_error(run, make_library, tmp_path):
    lib = make_library({"techniques/neck.yaml": technique_yaml("Neck glide 按摩")})
    result = run("--library", lib, "card", "-t", "neck", "-o", "n.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: lib/techniques/neck.yaml: name: '按' (U+6309), '摩' (U+6469) cannot be printed "
        "with the font 'Booklet Text'. Chinese, Japanese and Korean need a font that has them: "
        "put a TrueType file such as NotoSansSC-Regular.ttf in your layout's folder and name it "
        "in layout.yaml (font: NotoSansSC-Regular.ttf).\n"
    )
    assert not (tmp_path / "n.pdf").exists()
    # Latin with its extensions, Greek and Cyrillic: the cards' face covers them
    name = "Dłonie wzdłuż kręgosłupa · Μασάζ πλάτης · Массаж спины → ok"
    ok = make_library({"techniques/neck.yaml": technique_yaml(f"'{name}'")})
    result = run("--library", ok, "card", "-t", "neck", "-o", "n.pdf")
    assert result.exit_code == 0, result.output
    assert name in " ".join(page_texts(tmp_path / "n.pdf")[0].split())


def test_markup_in_user_text_is_printed_literally(run, make_library, tmp_path):
    name = "A & B <b>bold</b> <font size=40>big</font>"
    lib = make_library({"techniques/odd.yaml": technique_yaml(f"'{name}'")})
    result = run("--library", lib, "card", "-t", "odd", "-o", "o.pdf")
    assert result.exit_code == 0, result.output
    assert name in " ".join(page_texts(tmp_path / "o.pdf")[0].split())


def test_output_errors(run, tmp_path):
    (tmp_path / "folder.pdf").mkdir()
    result = run("card", "-o", "folder.pdf")
    assert result.exit_code == 2
    assert "'folder.pdf' is a directory." in result.stderr
    result = run("card", "-o", "missing/c.pdf")
    assert result.exit_code == 2
    assert "folder 'missing' does not exist" in result.stderr


def test_bad_options_are_clear(run):
    result = run("card", "--size", "4x")
    assert result.exit_code == 2
    assert "--size: '4x' is not known. Use 3x5, 4x6, 5x7" in result.stderr
    result = run("card", "--layout", "bedsid")
    assert "no layout 'bedsid'. Did you mean 'bedside'?" in result.stderr
    result = run("card", "--layout", "gift", "--sides", "2")
    assert "layout 'gift' is a booklet layout" in result.stderr
    result = run("card", "classic", "-t", "raking")
    assert "give either a routine or -t techniques, not both." in result.stderr
    result = run("card", "--back-offset", "1mm")
    assert "--back-offset: '1mm' needs two lengths" in result.stderr


def test_calibration_page(run, tmp_path):
    result = run("calibrate", "--sheet", "a4", "-o", "cal.pdf")
    assert result.exit_code == 0
    reader = pdf_reader(tmp_path / "cal.pdf")
    assert len(reader.pages) == 2
    assert round(float(reader.pages[0].mediabox.width)) == 595
    assert "--back-offset X,Y" in page_texts(tmp_path / "cal.pdf")[0]
    qpdf_check(tmp_path / "cal.pdf")


def test_layouts_listing(run):
    import json

    result = run("layouts", "--json")
    data = {item["name"]: item for item in json.loads(result.output)}
    assert data["bedside"]["sides"] == 2 and data["bedside"]["size"] == "5x7"
    assert data["compact"]["sides"] == 2  # the safety set is on the back
    assert data["large-print"]["size"] == "letter"  # 16 pt and more: the guidance for large print


@pytest.mark.parametrize(
    ("layout", "size"), [("compact", "a6"), ("compact", "4x6"), ("bedside", "5x7")]
)
def test_where_fitting_starts_never_changes_the_output(library, layout, size):
    """A batch starts each card's size search where the last similar card's ended. Started
    anywhere at all (above, at or below the answer), the search must give a cold search's
    bytes."""
    from booklet.layout.spec import load_layout
    from booklet.products.fitting import FitHints, body_sizes

    class StartAt(FitHints):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

        def start(self, key):
            return self.index

    req = CardRequest(layout=layout, size=size)
    cold = render_card(library, library.plan("classic"), req)
    spec = load_layout(layout, library)
    for index in range(len(body_sizes(spec.body_size, spec.min_body_size))):
        warm = render_card(library, library.plan("classic"), req, StartAt(index))
        assert warm == cold, f"started at size #{index}"


def test_title_option_and_in_a_batch(run, tmp_path):
    result = run("card", "gentle", "--title", "Sam's evening routine", "-o", "t.pdf")
    assert result.exit_code == 0
    # the user's apostrophe is set as English sets one
    assert page_texts(tmp_path / "t.pdf")[0].startswith("Sam’s evening routine")
    (tmp_path / "b.yaml").write_text(
        "output: '{name}.pdf'\nvariants:\n  - {name: [ana, ben], routine: short, "
        "title: 'A card for you'}\n"
    )
    result = run("batch", "b.yaml", "-o", "out", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert page_texts(tmp_path / "out" / "ana.pdf")[0].startswith("A card for you")


def test_a_card_made_for_someone_says_so_on_its_front(run, tmp_path):
    """Names and a message given for a card print on its front, in the card's language
    (they were dropped before: only booklets took them)."""
    made = run("card", "--for", "Sam", "--from", "Alex", "--message", "For Sunday evenings.")
    assert made.exit_code == 0, made.output
    name = made.stdout.strip()
    assert name == "classic-bedside-5x7-for-Sam.pdf"
    front = page_texts(tmp_path / name)[0]
    assert "For Sam, from Alex" in front and "For Sunday evenings." in front
    spanish = run("card", "--for", "Sam", "--lang", "es", "-o", "es.pdf")
    assert spanish.exit_code == 0
    assert "Para Sam" in page_texts(tmp_path / "es.pdf")[0]
