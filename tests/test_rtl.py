"""Right to left, done fully: booklets bound on the right (page order, imposed sheets, spreads),
mirrored tables, lists and labels, bidi isolation, SVG labels shaped, Hebrew and Arabic built in."""

from __future__ import annotations

import json
import re

import pypdfium2 as pdfium
import pytest

from booklet.press.saddle import Imposition, impose_saddle, saddle_order
from tests.helpers import page_texts, pdf_reader, rasterize, text_rects
from tests.test_book import half_numbers, numbered_pdf
from tests.test_languages import ENGLISH, extracted

SPINE = {"he": "עמוד השדרה", "ar": "العمود الفقري"}
COLUMN = {"he": "תנועה", "ar": "الحركة"}  # the routine table's technique column


@pytest.fixture(name="right_bound_sheets")
def fixture_right_bound_sheets():
    return impose_saddle(numbered_pdf(12), Imposition("letter", right_bound=True)).pdf


def test_saddle_order_is_mirrored_for_a_right_binding():
    assert saddle_order(8, right_bound=True) == [(1, 8), (7, 2), (3, 6), (5, 4)]
    assert saddle_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]


def test_a_saddle_check_mirrored_for_right_binding_passes(right_bound_sheets):
    """Read back from the sheets: the cover (P1) on the left half of sheet 1's front, the back
    cover on its right half, and every side the mirror of a left-bound booklet's."""
    expected = [(f"P{a}", f"P{b}") for a, b in saddle_order(12, right_bound=True)]
    assert half_numbers(right_bound_sheets) == expected
    assert expected[0] == ("P1", "P12") and expected[1] == ("P11", "P2")


def accent_rows(image, x0: int, x1: int) -> list[int]:
    """Rows where most of the half is the covers' accent band."""
    px = image.load()
    rows = []
    for y in range(image.height):
        blue = sum(1 for x in range(x0, x1, 4) if px[x, y][2] > 120 and px[x, y][0] < 90)
        if blue > (x1 - x0) / 4 * 0.8:
            rows.append(y)
    return rows


@pytest.mark.slow
@pytest.mark.parametrize(
    ("binding", "cover_half"), [((), "left"), (("--binding", "left"), "right")]
)
def test_a_hebrew_booklet_imposed_has_its_cover_on_the_left_half(
    run, tmp_path, binding, cover_half
):
    """The cover's accent band is at its head, the back cover's at its foot: on sheet 1's
    front, a Hebrew booklet has the cover on the left half (unless bound on the left)."""
    args = ("--lang", "he", "book", "--impose", "saddle", "--sheet", "a4", *binding)
    result = run(*args, "-o", "s.pdf")
    assert result.exit_code == 0, result.output
    image = rasterize(tmp_path / "s.pdf", 0, dpi=30)
    w, h = image.size
    left, right = accent_rows(image, 0, w // 2), accent_rows(image, w // 2, w)
    cover, back = (left, right) if cover_half == "left" else (right, left)
    assert cover and max(cover) < h * 0.2, cover  # the cover's band at the head
    assert back and min(back) > h * 0.8, back  # the back cover's at the foot


def test_binding_is_an_option_of_booklets_only(run):
    result = run("card", "--binding", "right", "-o", "c.pdf")
    assert result.exit_code == 2 and "binding" in result.stderr
    bad = run("book", "--binding", "top", "-o", "b.pdf")
    assert bad.exit_code == 2 and "is not one of: left, right" in bad.stderr


def test_languages_lists_hebrew_and_arabic_as_complete(run):
    result = run("languages", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.output)}
    for code in ("he", "ar"):
        row = rows[code]
        assert row["direction"] == "rtl"
        for field in ("techniques", "routines", "words"):
            done, total = row[field].split("/")
            assert done == total, (code, field, row[field])
        assert row["setting"] == "yes"
        assert run("languages", code).output.strip() == f"{code}: everything is translated."


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["he", "ar"])
@pytest.mark.parametrize("product", ["card", "book"])
def test_hebrew_and_arabic_print_no_english(run, tmp_path, lang, product):
    out = tmp_path / f"{product}-{lang}.pdf"
    result = run("--lang", lang, product, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "print in English" not in result.stderr
    text = extracted(out)
    assert SPINE[lang] in text
    assert not re.search("[A-Za-z]", text), re.findall("[A-Za-z]+", text)[:10]
    for word in ENGLISH:
        assert word not in text


def words_at(pdf, page_number: int) -> list[tuple[str, float, float]]:
    """Each text line's words as pdfium reads them, with its left and right."""
    doc = pdfium.PdfDocument(pdf)
    textpage = doc[page_number].get_textpage()
    out = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        out.append((textpage.get_text_bounded(left, bottom, right, top).strip(), left, right))
    doc.close()
    return out


def word_boxes(pdf, page_number: int) -> list[tuple[str, float, float, float, float]]:
    """Each text box's words with its left, bottom, right and top."""
    doc = pdfium.PdfDocument(pdf)
    textpage = doc[page_number].get_textpage()
    out = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        words = textpage.get_text_bounded(left, bottom, right, top).strip()
        out.append((words, left, bottom, right, top))
    doc.close()
    return out


def routine_page(pdf, column: str) -> int:
    """The page with the table: its column's header and the step numbers 1 to 4 as cells."""
    for n in range(len(pdf_reader(pdf).pages)):
        texts = [t for t, _, _ in words_at(pdf, n)]
        has_header = any(column in t or column[::-1] in t for t in texts)
        if has_header and {"1", "2", "3", "4"} <= set(texts):
            return n
    raise AssertionError("no routine table")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["he", "ar"])
def test_the_routine_tables_first_column_is_at_the_right(run, tmp_path, lang):
    """The step numbers (the first column) sit right of the technique names, and the names'
    header right of the pressure header: the table reads from the right."""
    result = run("--lang", lang, "book", "-o", "b.pdf")
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "b.pdf").read_bytes()
    page = routine_page(pdf, COLUMN[lang])
    boxes = word_boxes(pdf, page)
    header = next(b for b in boxes if COLUMN[lang] in b[0] or COLUMN[lang][::-1] in b[0])
    width = float(pdf_reader(pdf).pages[page].mediabox.width)
    # the table's four rows under its header
    rows = [b for b in boxes if header[2] - 110 < (b[2] + b[4]) / 2 < header[2] - 5]
    numbers = [b for b in rows if b[0] in ("1", "2", "3", "4") and b[1] > width * 0.7]
    assert sorted(b[0] for b in numbers) == ["1", "2", "3", "4"], rows
    rightmost = max(b[3] for b in rows)
    assert all(b[3] >= rightmost - 6 for b in numbers)  # nothing right of the first column


def figure_share(image) -> tuple[float, float]:
    """How much of the left and the right half is the back figure's skin colour."""
    px = image.load()
    w, h = image.size
    halves = [0, 0]
    for y in range(0, h, 2):
        for x in range(0, w, 2):
            r, g, b = px[x, y]
            if r > 235 and 220 < g < 240 and 205 < b < 232 and r - b > 12:
                halves[x * 2 // w] += 1
    total = (w // 2) * (h // 2) / 2
    return halves[0] / total, halves[1] / total


def spread(pdf, left: int, right: int):
    """Two pages side by side, as a reader sees them open."""
    from PIL import Image

    a, b = rasterize(pdf, left, dpi=30), rasterize(pdf, right, dpi=30)
    both = Image.new("RGB", (a.width + b.width, a.height), "white")
    both.paste(a, (0, 0))
    both.paste(b, (a.width, 0))
    return both


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "picture"), [("he", "right"), ("ar", "right"), ("en", "left")])
def test_technique_spreads_are_mirrored(run, tmp_path, lang, picture):
    """Each technique's picture is on the spread's first page in reading order: the left-hand
    page in English, the right-hand page in a booklet bound on the right. A viewer is asked to
    show a right-bound booklet's spreads right to left."""
    result = run("--lang", lang, "book", "-o", "b.pdf")
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "b.pdf").read_bytes()
    prefs = pdf_reader(pdf).trailer["/Root"]["/ViewerPreferences"]
    assert (prefs.get("/Direction") == "/R2L") == (lang != "en")
    pages = len(pdf_reader(pdf).pages)
    pictured = []
    for even in range(4, pages - 1, 2):  # after the contents: even, then odd facing it
        odd = even + 1
        left, right = (even, odd) if lang == "en" else (odd, even)
        shares = figure_share(spread(pdf, left - 1, right - 1))
        if max(shares) > 0.03:  # a technique's picture fills much of its page
            pictured.append(shares)
    assert len(pictured) == 4, pictured  # the four techniques
    for left, right in pictured:
        assert (right > left * 4) if picture == "right" else (left > right * 4), (left, right)


def is_heading(text: str, heading: str) -> bool:
    """The heading's line as pdfium reads it: Hebrew letters (the only ones on the card), or
    the English words."""
    return heading in text or bool(re.search("[\u05d0-\u05ea]", text) and is_hebrew(heading))


def is_hebrew(text: str) -> bool:
    return bool(re.search("[\u05d0-\u05ea]", text))


def bullet_and_heading_x(pdf: bytes, page: int, heading: str) -> tuple[list[float], float]:
    doc = pdfium.PdfDocument(pdf)
    textpage = doc[page].get_textpage()
    text = textpage.get_text_range()
    bullets = [textpage.get_charbox(i)[0] for i, c in enumerate(text) if c == "•"]
    doc.close()
    lines = words_at(pdf, page)
    found = max((x for x in lines if is_heading(x[0], heading)), key=lambda x: x[2])
    return bullets, found[2]


@pytest.mark.parametrize(
    ("lang", "heading", "side"),
    [("yi", "ניט מאַסאַזשירן", "right"), (None, "Do not massage", "left")],
)
def test_a_mirrored_cards_bullets_are_on_the_same_side_as_their_heading(
    run, make_library, tmp_path, lang, heading, side
):
    """A right-to-left language that translates only the heading (Yiddish, here) leaves the
    safety list in English: its bullets still sit at the right, beside the right-aligned
    heading, not at the left."""
    out = tmp_path / "card.pdf"
    lib = make_library({"techniques/yi/_words.yaml": f"do_not_massage: {heading}\n"})
    args = ["--library", str(lib), *(["--lang", lang] if lang else [])]
    result = run(*args, "card", "-o", str(out))
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    page = next(
        n for n in range(len(pdf_reader(pdf).pages))
        if any(is_heading(t, heading) for t, _, _ in words_at(pdf, n))
    )  # fmt: skip
    bullets, heading_right = bullet_and_heading_x(pdf, page, heading)
    width = float(pdf_reader(pdf).pages[page].mediabox.width)
    assert len(bullets) >= 5
    if side == "right":
        assert heading_right > width * 0.8
        assert all(x > width * 0.8 for x in bullets), bullets
    else:
        assert all(x < width * 0.2 for x in bullets), bullets


def test_a_value_that_reads_the_other_way_keeps_its_full_stop():
    """'Position: يستلقي الشريك على بطنه.': isolated, the Arabic value's full stop lands at its
    own end (its left), not at the far right of the line."""
    from booklet.text.markup import Span
    from booklet.text.paragraph import isolated
    from booklet.text.shaping import levels, visual_order

    spans = isolated((Span("Position:", bold=True), Span(" يستلقي الشريك على بطنه.")), False)
    text = "".join(s.text for s in spans)
    shown = "".join(text[i] for i in visual_order(levels(text, False)))
    shown = re.sub("[\u2066-\u2069]", "", shown)
    assert shown.startswith("Position: .")  # the stop, then the Arabic from its end
    plain = "Position: يستلقي الشريك على بطنه."
    assert "".join(plain[i] for i in visual_order(levels(plain, False))).endswith(".")


def test_a_right_to_left_name_sits_beside_its_badge_in_a_left_to_right_layout(tmp_path):
    """A heading in Arabic on an English card starts at the left, by the badge."""
    from reportlab.pdfgen.canvas import Canvas

    from booklet.draw.pieces import Styles
    from booklet.text.fonts import register
    from booklet.text.paragraph import Span, TextBlock

    styles = Styles(10, register("text"), {"text": "#000000", "muted": "#555555"}, 1.4)
    out = tmp_path / "h.pdf"
    canvas = Canvas(str(out), pagesize=(400, 100))
    for kind, y in (("heading", 60), ("body", 20)):
        block = TextBlock((Span("تدليك لطيف"),), styles.text(kind))
        block.wrap(300, 100)
        block.drawOn(canvas, 50, y)
    canvas.save()
    rects = text_rects(out)
    heading = [r for r in rects if r[1] > 50]
    body = [r for r in rects if r[1] < 50]
    assert min(r[0] for r in heading) == pytest.approx(50, abs=2)  # at the start, by a badge
    assert min(r[0] for r in body) > 250  # body text aligns as it reads: at the right


def test_svg_labels_are_shaped_outlines_as_wide_as_the_pdfs(run, tmp_path):
    from booklet.text.outlines import label_outlines
    from booklet.text.paragraph import label_width

    result = run("--lang", "he", "diagram", "raking", "-o", "d.svg")
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "d.svg").read_text("utf-8")
    assert not re.search("[\u0590-\u05ff]", svg)  # no unshaped Hebrew <text> left to a viewer
    text = "עמוד השדרה: בלי לחץ"
    ops = label_outlines(text, "BookletText", 10, 100, 50, "start")
    xs = [v for op in ops for v in op[1::2]]
    assert min(xs) >= 99 and max(xs) == pytest.approx(
        100 + label_width(text, "BookletText", 10), abs=1.5
    )


@pytest.mark.parametrize(("lang", "joined"), [("en", "a, b and c"), ("ar", "a، b وc")])
def test_lists_are_joined_with_the_languages_own_comma(lang, joined):
    """Arabic separates a list's items with "،": the muscles, a diagram's hands, a client's
    name and date."""
    from booklet.data.library import load_library

    words = load_library().in_language(lang).words
    joined_here = words.join(["a", "b", "c"])
    assert joined_here.replace("\u2068", "").replace("\u2069", "") == joined
    if lang == "ar":  # Latin items in an Arabic list: each isolated on its own, commas outside
        assert joined_here == "\u2068a\u2069، \u2068b\u2069 و\u2068c\u2069"
    assert words.text("list_comma") == ("، " if lang == "ar" else ", ")


@pytest.mark.parametrize(("lang", "face"), [("he", "BookletHebrew"), ("ar", "BookletArabic")])
def test_the_calibration_page_prints_hebrew_and_arabic(run, tmp_path, lang, face):
    """Its words were drawn straight in the Latin face: empty boxes in Hebrew and Arabic."""
    assert run("calibrate", "--lang", lang, "-o", "c.pdf").exit_code == 0
    pdf = pdf_reader(tmp_path / "c.pdf")
    fonts = {
        str(font["/BaseFont"])
        for page in pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any(face in name for name in fonts), fonts
    text = " ".join(page_texts(tmp_path / "c.pdf"))
    script = range(0x0590, 0x0600) if lang == "he" else range(0x0600, 0x0700)
    assert sum(ord(c) in script for c in text) > 40  # the titles and the instructions
