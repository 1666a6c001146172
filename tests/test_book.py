"""The gift booklet and its saddle-stitch imposition, checked through the PDFs themselves."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas

from booklet.data.library import load_library
from booklet.press.saddle import Imposition, impose_saddle, saddle_order
from booklet.products.booklet import BookRequest, build_book, render_book
from tests.helpers import page_texts, pdf_reader, qpdf_check, technique_yaml

NAMES = ["Fan stroke", "Circling hands", "Pétrissage", "Raking"]


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def default_book(tmp_path_factory):
    from click.testing import CliRunner

    from booklet.cli.main import cli

    out = tmp_path_factory.mktemp("book") / "b.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "book",
            "--for",
            "Sam",
            "--from",
            "Alex",
            "--message",
            "Sundays are ours.",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def outline_titles(reader) -> list[str]:
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def test_default_booklet_plan(default_book):
    reader = pdf_reader(default_book)
    texts = page_texts(default_book)
    assert len(reader.pages) % 4 == 0
    w, h = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(w), round(h)) == (420, 595)  # A5
    assert "Classic back massage" in texts[0] and "for Sam" in texts[0]
    assert "Sundays are ours." in texts[1] and "Alex" in texts[1]
    back = " ".join(texts[-1].split())
    assert "no substitute for a trained massage therapist" in back  # the back cover, last
    assert "booklet" not in texts[-1].lower()  # and no software credit on it
    assert "Before you begin" in texts[3]
    qpdf_check(default_book)


def test_contents_page_numbers_match_the_sections(default_book):
    """Each entry's page number, read off the contents page (a section's after its title, a
    technique's before its name, under its figure), is the page its heading is on."""
    texts = page_texts(default_book)
    contents = " ".join(texts[2].split("Contents", 1)[1].split())
    expected = ["Before you begin", "When not to massage", "The pressure scale", "Your routine"]
    found = {t: re.search(re.escape(t) + r" (\d+)", contents) for t in expected}
    found |= {n: re.search(r"(\d+) " + re.escape(n), contents) for n in NAMES}
    assert all(found.values()), found
    order = [contents.index(t) for t in [*expected, *NAMES]]
    assert order == sorted(order)  # in the booklet's order
    for title, match in found.items():
        assert match is not None
        page = texts[int(match.group(1)) - 1]
        assert title in " ".join(page.split()), (title, match.group(1))


def test_outline_has_every_section_and_technique(default_book):
    titles = outline_titles(pdf_reader(default_book))
    for name in ["Contents", "Before you begin", "The pressure scale", *NAMES, "Your routine"]:
        assert name in titles


def test_every_technique_page_has_its_spine_warning_and_page_number(default_book):
    texts = page_texts(default_book)
    for name in NAMES:
        pages = [i for i, t in enumerate(texts) if re.search(rf"^\d\. {name}$", t, re.M)]
        assert len(pages) == 2 and pages[1] == pages[0] + 1  # the picture, then the words
        page = pages[1]
        section = texts[page]
        assert "Spine: Never press on the spine." in section
        assert section.splitlines()[0] == str(page + 1)  # the footer's page number


def test_technique_pages_set_bold_and_italic_in_their_own_faces(default_book):
    """`<b>` and `<i>` in booklet text must reach the bold and oblique faces, not fall back."""
    reader = pdf_reader(default_book)
    texts = page_texts(default_book)
    page = next(i for i, t in enumerate(texts) if re.search(r"^\d\. Fan stroke$", t, re.M))
    fonts = {
        f.get_object()["/BaseFont"].split("+")[-1]
        for f in reader.pages[page]["/Resources"]["/Font"].values()
    }
    assert {"BookletText-Bold", "BookletText-Italic", "BookletText-Regular"} <= fonts
    assert "BookletSerif-Bold" in fonts  # the title, in the display face


def test_the_before_you_begin_page_covers_safety(default_book):
    text = " ".join(" ".join(page_texts(default_book)[3:7]).split())
    for phrase in (
        "Setting up",
        "Agreeing on pressure",
        "Where not to press",
        "When not to massage",
        "no substitute for a trained massage therapist",
    ):
        assert phrase in text


@pytest.mark.parametrize("techniques", [["raking"], ["fan-stroke", "petrissage"], []])
def test_any_number_of_techniques_gives_a_multiple_of_four(library, techniques):
    plan = library.plan(None if techniques else "classic", techniques)
    pdf, info = build_book(library, plan, BookRequest())
    assert info.pages % 4 == 0 and len(pdf_reader(pdf).pages) == info.pages
    assert set(info.sections) >= {"contents", "before", "pressure", "routine"}


@pytest.mark.parametrize("size", ["a6", "half-letter", "a5"])
def test_each_technique_is_a_spread_starting_on_a_left_hand_page(library, size):
    """The picture on the left-hand (even) page, the words facing it, at every common size."""
    _, info = build_book(library, library.plan("classic"), BookRequest(size=size))
    starts = [
        info.sections[f"t-{t}"] for t in ("fan-stroke", "circling-hands", "petrissage", "raking")
    ]
    assert all(start % 2 == 0 for start in starts), starts  # a notes page fills in where
    assert starts == sorted(starts) and len(set(starts)) == 4  # words ran on (A6)


@pytest.mark.parametrize("size", ["a6", "half-letter", "a5"])
def test_a_spine_box_never_stands_alone_on_a_page(library, size, tmp_path):
    """Where a technique's words run on (A6), its spine box goes under the picture rather
    than alone on a page of its own; each spread still carries it, and every page with the
    box has more on it than the box and its folio."""
    pdf, info = build_book(library, library.plan("classic"), BookRequest(size=size))
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    texts = [" ".join(t.split()) for t in page_texts(path)]
    warning = library.require_setting().spine_warning.split(".")[0]
    for ident in ("fan-stroke", "circling-hands", "petrissage", "raking"):
        start = info.sections[f"t-{ident}"]  # the picture's page, numbered from 1
        assert warning in texts[start - 1] + texts[start], (size, ident)
    for number, text in enumerate(texts, start=1):
        if warning in text:
            rest = text.replace(warning, "").replace("Spine:", "")
            assert len(re.sub(r"[\W\d]+", "", rest)) > 200, (size, number, text)


def numbered_pdf(pages: int, size=(297.6, 419.5)) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size, invariant=1)
    for n in range(1, pages + 1):
        canvas.setFont("Helvetica", 40)
        canvas.drawCentredString(size[0] / 2, size[1] / 2, f"P{n}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def half_numbers(pdf: bytes) -> list[tuple[str, str]]:
    """The page number printed on the left and right half of each sheet side."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    for page in doc:
        w, h = page.get_size()
        text = page.get_textpage()
        left = text.get_text_bounded(0, 0, w / 2, h).strip()
        right = text.get_text_bounded(w / 2, 0, w, h).strip()
        out.append((left, right))
    doc.close()
    return out


@pytest.mark.parametrize("pages", [4, 8, 12, 16, 20])
def test_saddle_order_read_back_from_the_sheets(pages):
    imposed = impose_saddle(numbered_pdf(pages), Imposition("letter")).pdf
    reader = pdf_reader(imposed)
    assert len(reader.pages) == pages // 2
    assert all(
        (float(p.mediabox.width), float(p.mediabox.height)) == (792.0, 612.0) for p in reader.pages
    )
    expected = [(f"P{a}", f"P{b}") for a, b in saddle_order(pages)]
    assert half_numbers(imposed) == expected
    assert expected[0] == (f"P{pages}", "P1") and expected[1] == ("P2", f"P{pages - 1}")


def test_creep_moves_inner_pages_toward_the_fold():
    source = numbered_pdf(12)
    plain, crept = (impose_saddle(source, Imposition("letter", creep=c)).pdf for c in (0.0, 9.0))

    def x_of(pdf, side, label):
        doc = pdfium.PdfDocument(pdf)
        text = doc[side].get_textpage()
        box = next(
            text.get_rect(i)
            for i in range(text.count_rects())
            if text.get_text_bounded(*text.get_rect(i)).strip() == label
        )
        doc.close()
        return box[0]

    # outer sheet (side 0: P12 | P1) stays; innermost sheet (side 4: P8 | P5) moves 9 pt inward
    assert x_of(crept, 0, "P12") == pytest.approx(x_of(plain, 0, "P12"), abs=0.01)
    assert x_of(crept, 4, "P8") - x_of(plain, 4, "P8") == pytest.approx(9.0, abs=0.1)
    assert x_of(crept, 4, "P5") - x_of(plain, 4, "P5") == pytest.approx(-9.0, abs=0.1)


def test_imposed_booklet_via_cli(run, tmp_path):
    result = run(
        "book", "--size", "half-letter", "--impose", "saddle", "--sheet", "letter", "-o", "s.pdf"
    )
    assert result.exit_code == 0, result.output
    reader = pdf_reader(tmp_path / "s.pdf")
    prefs = reader.trailer["/Root"]["/ViewerPreferences"]
    assert prefs["/Duplex"] == "/DuplexFlipShortEdge" and prefs["/PrintScaling"] == "/None"
    assert reader.metadata.title == "Classic back massage"
    assert all(round(float(p.mediabox.width)) == 792 for p in reader.pages)
    qpdf_check(tmp_path / "s.pdf")


def test_same_inputs_same_bytes(library):
    req = BookRequest(impose="saddle", sheet="a4", creep=2.0)
    plan = library.plan("gentle")
    assert render_book(library, plan, req) == render_book(library, plan, req)


def test_user_technique_and_layout_in_a_booklet(run, make_library, tmp_path):
    lib = make_library(
        {
            "techniques/neck-glide.yaml": technique_yaml("Neck glide"),
            "layouts/keepsake/layout.yaml": "extends: gift\nsize: a6\n",
            "layouts/keepsake/back.j2": "Printed for our evenings.\n",
        }
    )
    result = run(
        "--library",
        lib,
        "book",
        "-t",
        "neck-glide",
        "-t",
        "raking",
        "--layout",
        "keepsake",
        "-o",
        "k.pdf",
    )
    assert result.exit_code == 0, result.output
    texts = page_texts(tmp_path / "k.pdf")
    assert len(texts) % 4 == 0
    assert "Printed for our evenings." in texts[-1]
    assert any("1. Neck glide" in t for t in texts)


def test_wrong_kind_of_layout_and_stray_options(run):
    result = run("book", "--layout", "bedside", "-o", "x.pdf")
    assert result.exit_code == 2
    assert "layout 'bedside' is a card layout, not a booklet layout." in result.stderr
    result = run("card", "--layout", "gift", "-o", "x.pdf")
    assert "layout 'gift' is a booklet layout, not a card layout." in result.stderr
    result = run("book", "--sheet", "a4", "-o", "x.pdf")
    assert result.exit_code == 2
    assert "--sheet: applies only to a booklet imposed for" in result.stderr


@pytest.mark.parametrize("size", ["a7", "a6", "a5", "half-letter"])
def test_cover_title_stays_on_the_page_above_the_recipient(library, size):
    """At every size the title sits in the cover's top third, inside the trim, and the
    recipient's name below it; small pages drop the picture, never the words."""
    from booklet.products.booklet.build import build_book

    pdf, _ = build_book(library, library.plan("classic"), BookRequest(size=size, for_name="Sam"))
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    w, h = page.get_size()
    text = page.get_textpage()
    rects = [text.get_rect(i) for i in range(text.count_rects())]
    doc.close()
    assert rects and all(r[0] >= 0 and r[2] <= w and r[1] >= 0 and r[3] <= h for r in rects)
    assert max(r[3] for r in rects) > h * 0.7  # the title, near the top
    assert min(r[1] for r in rects) < h * 0.3  # the recipient, near the foot


def test_every_font_in_the_booklet_is_embedded(default_book):
    """A print shop's preflight rejects unembedded fonts; a table once brought in Helvetica."""
    for number, page in enumerate(pdf_reader(default_book).pages, start=1):
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None and "/FontFile2" in descriptor.get_object(), (
                f"page {number}: {font['/BaseFont']} is not embedded"
            )


@pytest.mark.parametrize(
    ("lang", "spine"),
    [("en", "Spine: Never press"), ("es", "Columna: nunca presiones"), ("pt", "Coluna: nunca")],
)
def test_the_booklets_spine_box_follows_the_languages_case_after_a_colon(lang, spine):
    """As every card does: Spanish and Portuguese go on in small letters after a label."""
    library = load_library().in_language(lang)
    pdf = render_book(library, library.plan("classic"), BookRequest())
    text = " ".join(" ".join(page_texts(pdf)).split())
    assert spine in text
