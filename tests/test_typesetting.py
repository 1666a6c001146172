"""Typeset as each language expects, and given like a gift: what issue #30 must show.

Every built-in output (the bedside, compact and large-print cards and the gift booklet) in every
built-in language is made once per module and read back from its PDF: its lines as
`pdftotext -layout` sets them (and in reading order), its text sizes, its rendered pages.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import page_texts, pdf_reader, rasterize

LANGUAGES = ("en", "es", "fr", "de", "pt")
OUTPUTS = {
    "bedside": ("card", {}),
    "compact": ("card", {"layout": "compact", "size": "4x6"}),  # 3x5 holds English only
    "large-print": ("card", {"layout": "large-print"}),
    "booklet": ("book", {"for": "Sam", "from": "Alex", "message": "For Sunday evenings."}),
}
CASES = [f"{output}-{lang}" for output in OUTPUTS for lang in LANGUAGES]
# Each language's closing quotes (its catalogue's quotes), besides » ” ’ which close in all five.
CLOSING_QUOTES = {"en": "”’", "es": "»”", "fr": "»”", "de": "“‘", "pt": "”’"}


@cache
def made(case: str) -> bytes:
    import booklet

    output, lang = case.rsplit("-", 1)
    product, options = OUTPUTS[output]
    return booklet.make(booklet.Job(product, "classic", lang=lang, options=options)).pdf


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("typeset")


def text_of(case: str, folder: Path, layout: bool) -> str:
    path = folder / f"{case}.pdf"
    if not path.exists():
        path.write_bytes(made(case))
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def line_starts(text: str) -> list[str]:
    """Every line's start, and in -layout output every column's start on a line (two or more
    spaces before it)."""
    starts = []
    for line in text.splitlines():
        starts += [part for part in re.split(r" {2,}", line.strip()) if part]
    return starts


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_no_line_begins_with_closing_punctuation(case, folder):
    lang = case.rsplit("-", 1)[1]
    closing = ";:!?»”’" + CLOSING_QUOTES[lang]
    for layout in (True, False):
        bad = [s for s in line_starts(text_of(case, folder, layout)) if s[0] in closing]
        assert not bad, (case, "layout" if layout else "reading order", bad[:5])


@pytest.mark.slow
@pytest.mark.parametrize("case", [c for c in CASES if c.endswith("-fr")])
def test_french_has_typographic_apostrophes_and_spaces_before_high_punctuation(case, folder):
    """Read with pypdf, which keeps a narrow no-break space (U+202F) as it is; poppler's
    pdftotext prints every Unicode space as a plain one."""
    text = "\n".join(page_texts(made(case)))
    assert "'" not in text, re.findall(r".{12}'.{12}", text)[:5]
    assert "’" in text  # the apostrophes are there, set as French sets them
    flat = re.sub(r"\s*\n\s*", " ", text)
    marks = [m.start() for m in re.finditer(r"[:;!?]", flat)]
    assert marks
    bare = [flat[max(0, m - 15) : m + 2] for m in marks if flat[m - 1] not in "\u202f\u00a0"]
    assert not bare, bare[:5]


def routine_page(pdf: bytes) -> list[str]:
    """The routine page's lines, as pdftotext -layout sets them."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        text = subprocess.run(
            ["pdftotext", "-layout", file.name, "-"], capture_output=True, text=True
        ).stdout
    return next(p for p in text.split("\f") if re.search(r"\b0\s+5\s+9\s+16\s+20 ", p)).splitlines()


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_timeline_shows_each_techniques_whole_name_or_short_name(lang):
    from booklet.data.library import load_library

    library = load_library().in_language(lang)
    lines = routine_page(made(f"booklet-{lang}"))
    ticks = next(i for i, line in enumerate(lines) if re.search(r"\b0\s+5\s+9\s+16\s+20 ", line))
    bar = next(line for line in reversed(lines[:ticks]) if line.strip())
    labels = re.split(r" {2,}", bar.strip())
    techniques = library.plan("classic").techniques
    assert len(labels) == len(techniques), (bar, labels)
    for label, tech in zip(labels, techniques, strict=True):
        assert label in (tech.name, tech.short_name), (label, tech.name, tech.short_name)


@pytest.fixture(scope="module")
def library():
    from booklet.data.library import load_library

    return load_library()


def test_a_name_too_long_for_its_segment_goes_under_the_bar_whole(library):
    from booklet.draw.pieces import Styles
    from booklet.products.booklet.flowables import Timeline
    from booklet.text.fonts import register

    plan = library.plan("classic")
    colours = {"accent": "#0072B2", "text": "#000000", "muted": "#555555"}
    styles = Styles(11.0, register("text"), colours, 1.7)
    narrow = Timeline(plan, styles, library.words)
    inside, under = narrow.labels(60.0)  # far too narrow for any name
    assert [plain(b) for b in inside] == ["1", "2", "3", "4"]
    assert under == [f"{s.number}. {s.technique.name}" for s in plan.steps]
    inside, under = narrow.labels(150.0)  # room for "Fan" (5 of 20 minutes), not for the rest
    assert [plain(b) for b in inside] == ["Fan", "2", "3", "4"]
    assert under == [f"{s.number}. {s.technique.name}" for s in plan.steps[1:]]


def plain(block) -> str:
    return "".join(run[0] for line in block.lines for run in line.runs)


def test_the_bedside_front_is_set_at_95_pt_or_more_at_5x7_in_english():
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip() and not text.strip().isdigit():  # the step badges are digits
            sizes.append(size * tm[3] * cm[3])

    pdf = pdf_reader(made("bedside-en"))
    pdf.pages[0].extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 9.5, sorted(set(round(s, 2) for s in sizes))[:5]


@pytest.fixture(scope="module")
def default_booklet():
    import booklet

    return booklet.make(booklet.Job("book")).pdf


def reach(pdf: bytes, page: int, top: float, bottom: float, dpi: int = 40) -> float:
    """How far down the text area (from `top` to `bottom`, in points from the page's top) the
    page's ink reaches: 0 at its top, 1 at its foot."""
    image = rasterize(pdf, page, dpi=dpi, grey=True)
    w, h = image.size
    t, b = round(top * dpi / 72), round(bottom * dpi / 72)
    for y in range(b, t, -1):
        if image.crop((0, y, w, y + 1)).getextrema()[0] < 200:
            return (y - t) / (b - t)
    return 0.0


def test_no_text_page_of_the_default_booklet_is_a_quarter_empty_at_its_foot(default_booklet):
    from booklet.data.library import load_library
    from booklet.products.booklet.kit import BookKit
    from booklet.products.options import book_request

    library = load_library()
    kit = BookKit(library, library.plan("classic"), book_request({}))
    page_height = kit.size[1]
    top = kit.margin
    bottom = page_height - kit.margin - kit.layout.min_body_size * 1.8  # the smallest footer
    texts = page_texts(default_booklet)
    short = []
    for number in range(2, len(texts) - 1):  # not the covers, not the dedication (page 2)
        lines = [line for line in texts[number].splitlines() if line.strip()]
        if len(lines) <= 2 and (not lines or lines[0].strip() in ("Notes", str(number + 1))):
            continue  # a notes page: its ruled lines are meant to be written on
        if "Notes" in lines[:1]:
            continue
        found = reach(default_booklet, number, top, bottom)
        if found < 0.75:
            short.append((number + 1, lines[:1], f"{found:.0%}"))
    assert not short


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_dedication_prints_only_the_givers_words(lang):
    dedication = page_texts(made(f"booklet-{lang}"))[1]
    assert [line.strip() for line in dedication.splitlines() if line.strip()] == [
        "Sam",
        "For Sunday evenings.",
        "Alex",
    ]


@pytest.mark.parametrize(
    ("lang", "sign_off", "signed"),
    [
        ("en", "love", "With love, Alex"),
        ("en", "thanks", "With thanks, Alex"),
        ("fr", "wishes", "Bien amicalement, Alex"),
        ("de", "warmly", "Von Herzen, Alex"),
    ],
)
def test_a_sign_off_is_printed_only_when_the_giver_chose_it(lang, sign_off, signed):
    import booklet

    options = {"for": "Sam", "from": "Alex", "message": "Sundays.", "sign_off": sign_off}
    pdf = booklet.make(booklet.Job("book", "short", lang=lang, options=options)).pdf
    lines = [line.strip() for line in page_texts(pdf)[1].splitlines() if line.strip()]
    assert lines == ["Sam", "Sundays.", signed]


def test_a_sign_off_needs_a_giver(run):
    result = run("book", "--sign-off", "love", "-o", "b.pdf")
    assert result.exit_code == 2
    assert "--sign-off: needs from: the giver's name it signs. Give from too." in result.stderr


# --- arrows and hatching, read from the page's drawing operators -------------------------------

_NUMBER = r"-?[\d.]+"


def drawing(pdf: bytes, page: int) -> tuple[int, int]:
    """(hatch lines, arrowheads) on a page: straight one-segment lines in a stroked path, and
    filled triangles. The diagrams draw their hatched spine and arrowheads so."""
    stream = pdf_reader(pdf).pages[page].get_contents().get_data().decode("latin-1")
    stream = re.sub(r"BT.*?ET", " ", stream, flags=re.S)  # text is not drawing
    hatch = arrows = 0
    path: list[str] = []
    for token in re.findall(rf"{_NUMBER}|[A-Za-z*]+", stream):
        if re.fullmatch(_NUMBER, token):
            continue
        if token in ("m", "l", "c", "v", "y", "h", "re"):
            path.append(token)
            continue
        subpaths = [["m", *part] for part in " ".join(path).split("m")[1:]]
        subpaths = [[t for t in sub if t.strip()] for sub in subpaths]
        shapes = [" ".join(t.strip() for t in sub if t.strip()) for sub in subpaths]
        if token == "S":
            hatch += sum(shape == "m l" for shape in shapes)
        if token in ("f", "f*", "B", "B*", "b"):
            arrows += sum(shape in ("m l l", "m l l h") for shape in shapes)
        path = []
    return hatch, arrows


def test_the_cover_has_no_arrows_and_no_hatching(default_booklet):
    assert drawing(default_booklet, 0) == (0, 0)
    texts = page_texts(default_booklet)
    picture = next(i for i, t in enumerate(texts) if "1. Fan stroke" in t.splitlines()[0:2])
    hatch, arrows = drawing(default_booklet, picture)  # the same reading finds them where they are
    assert hatch > 10 and arrows > 0


# --- the safety set may grow -------------------------------------------------------------------


def test_the_bedside_card_still_fits_with_a_safety_box_a_fifth_longer(make_library, run, tmp_path):
    import yaml

    from tests.helpers import REPO

    setting = yaml.safe_load((REPO / "techniques" / "_setting.yaml").read_text(encoding="utf-8"))
    items = list(setting["do_not_massage"])
    grown = items + [
        "after a recent injury to the back or shoulders",
        "over skin infections, cuts or healing wounds",
        "in the first weeks after a broken bone nearby",
        "with a heart condition, unless a doctor agrees",
    ]
    assert sum(map(len, grown)) >= 1.2 * sum(map(len, items))  # twice the first list, and a fifth
    setting["do_not_massage"] = grown
    lib = make_library({"techniques/_setting.yaml": yaml.safe_dump(setting, allow_unicode=True)})
    result = run("--library", lib, "card", "-o", "c.pdf")
    assert result.exit_code == 0, result.output
    back = " ".join(page_texts(Path("c.pdf"))[1].split())  # run works in its own folder
    for item in grown:
        assert item in back, item


def test_every_shipped_face_has_a_no_break_space_as_wide_as_a_space_and_a_narrow_one():
    """EB Garamond's bold narrow space was 1.7 word spaces ("séance  :" in a French heading)
    and Bitstream Vera's no-break space two."""
    from fontTools.ttLib import TTFont

    from tests.helpers import REPO

    for path in sorted((REPO / "booklet" / "text" / "typefaces").glob("*.ttf")):
        font = TTFont(path)
        cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
        space = metrics[cmap[0x20]][0]
        assert metrics[cmap[0xA0]][0] == space, path.name
        if 0x202F in cmap:
            assert metrics[cmap[0x202F]][0] <= round(space * 0.6), path.name
