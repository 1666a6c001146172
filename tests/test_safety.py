"""Safety content is product-critical: every card layout at every size it fits carries the
spine warning, the pressure rule, the contraindications and the disclaimer; the booklet covers
what an amateur needs; no built-in text sends hands along or across the spine."""

from __future__ import annotations

import re

import pytest

from booklet.base.units import NAMED_SIZES
from tests.helpers import REPO, page_texts

CARD_LAYOUTS = ("bedside", "compact", "large-print")
CARD_SIZES = [s for s in NAMED_SIZES if s not in ("letter", "a4")]
DEFAULT_SIZES = {"bedside": "4x6", "compact": "3x5", "large-print": "half-letter"}
ON_EVERY_CARD = (
    "pregnancy",  # contraindications
    "clot",
    "osteoporosis",
    "blood thinners",
    "does not diagnose or treat anything",  # the disclaimer
    "Agree on pressure",  # the pressure rule
    "Never press on the spine",  # the spine warning
    "Beside the spine, never on it",
)
IN_THE_BOOKLET = (
    "allergic to nuts",
    "kidneys",
    "sharp pain",
    "weight on your own knees",
    "latissimus dorsi",
    "get up slowly",
    "ask whether anywhere is sore",
)
SENDS_HANDS_ONTO_THE_SPINE = re.compile(
    r"\b(along|across|up|down|over) the spine\b(?!, never)|spine's line", re.I
)


def flat(pdf) -> str:
    return " ".join(" ".join(page_texts(pdf)).split())


@pytest.mark.parametrize("layout", CARD_LAYOUTS)
@pytest.mark.parametrize("size", CARD_SIZES)
def test_every_card_carries_the_safety_set(run, tmp_path, layout, size):
    result = run("card", "classic", "--layout", layout, "--size", size, "-o", "c.pdf")
    if result.exit_code == 2 and "does not fit" in result.stderr:
        assert size != DEFAULT_SIZES[layout], "a layout must fit its own size"
        assert "Use a larger size" in result.stderr  # it says so, and what to do
        return
    assert result.exit_code == 0, result.output
    text = flat(tmp_path / "c.pdf")
    for words in ON_EVERY_CARD:
        assert words in text, (layout, size, words)
    assert not SENDS_HANDS_ONTO_THE_SPINE.search(text)


def test_every_step_that_avoids_the_spine_says_so_on_the_card(run, tmp_path):
    for layout in CARD_LAYOUTS:
        assert run("card", "--layout", layout, "-o", f"{layout}.pdf").exit_code == 0
        front = " ".join(page_texts(tmp_path / f"{layout}.pdf")[0].split())
        assert front.count("Beside the spine, never on it") == 4, layout


def test_the_booklet_covers_what_an_amateur_needs(run, tmp_path):
    assert run("book", "-o", "b.pdf").exit_code == 0
    text = flat(tmp_path / "b.pdf")
    for words in IN_THE_BOOKLET + ON_EVERY_CARD[:5]:
        assert words in text, words
    assert not SENDS_HANDS_ONTO_THE_SPINE.search(text)


def test_no_built_in_text_sends_hands_along_or_across_the_spine():
    files = [*REPO.glob("techniques/**/*.yaml"), *REPO.glob("layouts/**/*.j2")]
    files += [p for p in (REPO / "booklet" / "cli" / "starter_files").rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not SENDS_HANDS_ONTO_THE_SPINE.search(line), f"{path.name}:{number}: {line}"


def test_new_refuses_to_shadow_a_built_in_unless_asked(run, tmp_path):
    result = run("new", "technique", "fan-stroke", "--in", "lib")
    assert result.exit_code == 2
    assert "'fan-stroke' is a built-in technique" in result.stderr
    assert not (tmp_path / "lib" / "techniques" / "fan-stroke.yaml").exists()
    assert run("new", "technique", "fan-stroke", "--in", "lib", "--override").exit_code == 0
    path = tmp_path / "lib" / "techniques" / "fan-stroke.yaml"
    text = path.read_text().replace("summary:  ", "summary: My own fan.  ")
    path.write_text(text.replace("steps:  ", "steps: [Glide up beside the spine.]  "))
    checked = run("validate", "lib")
    assert checked.exit_code == 0
    assert "replaces the built-in technique 'fan-stroke'" in checked.stderr


@pytest.mark.parametrize(
    ("layout", "minimum"), [("bedside", 7), ("compact", 7), ("large-print", 12)]
)
def test_no_text_on_a_card_is_below_its_legible_minimum(run, tmp_path, layout, minimum):
    """Every font size set on every page, diagram order badges included."""
    from tests.helpers import pdf_reader

    assert run("card", "--layout", layout, "-o", "c.pdf").exit_code == 0
    sizes = set()
    for page in pdf_reader(tmp_path / "c.pdf").pages:
        data = page.get_contents().get_data().decode("latin-1")
        sizes |= {float(x) for x in re.findall(r"/\S+ ([\d.]+) Tf", data)}
    assert sizes and min(sizes) >= minimum, sorted(sizes)


@pytest.mark.parametrize(
    ("size", "fits"), [("1.2in", False), ("40mm", False), ("60mm", True), ("3in", True)]
)
def test_a_diagram_file_keeps_its_whole_legend_or_refuses(run, tmp_path, size, fits):
    from tests.helpers import pdf_reader

    result = run("diagram", "petrissage", "--size", size, "-o", "d.pdf")
    if not fits:
        assert result.exit_code == 2
        assert "legend would be too small to read. Use a size of 49mm or more." in result.stderr
        return
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_reader(tmp_path / "d.pdf").pages[0].extract_text().split())
    assert "spine: no pressure" in text and "ribs & kidneys: go gently" in text


def test_a_layout_can_show_the_key_and_the_booklet_explains_the_marks(run, make_library, tmp_path):
    lib = make_library(
        {"layouts/keyed/layout.yaml": "extends: bedside\nsize: 5x7\nback:\n  - block: diagrams\n"
         "  - block: key\n  - block: warning\n  - block: text\n    template: setup.j2\n"}
    )  # fmt: skip
    assert run("--library", lib, "card", "--layout", "keyed", "-o", "k.pdf").exit_code == 0
    back = " ".join(page_texts(tmp_path / "k.pdf")[1].split())
    for words in ("light return", "squeeze, release",
                  "your partner’s left is on the left"):  # fmt: skip
        assert words in back
    assert run("book", "-o", "b.pdf").exit_code == 0
    assert "Reading the diagrams" in flat(tmp_path / "b.pdf")


KEY_WORDS = (
    "stroke, this way",
    "light return",
    "order of strokes",
    "circles this way",
    "squeeze, release",
    "spine: no pressure",
    "go gently here",
    "Seen from above, head at the top: your partner’s left is on the left.",
)


@pytest.mark.parametrize("layout", ["bedside", "large-print"])
def test_the_card_back_carries_the_key_and_hand_labels(run, tmp_path, layout):
    assert run("card", "--layout", layout, "-o", "c.pdf").exit_code == 0
    back = " ".join(page_texts(tmp_path / "c.pdf")[1].split())
    for words in KEY_WORDS:
        assert words in back, words
    assert "1 right, 2 left hand" in back  # under the circling hands diagram


def border_left_of(image, x: float, y: float, dpi: float, ink) -> bool:
    """Is there a pixel of `ink` between the text at (x, y) (PDF points) and the page edge?"""
    scale = dpi / 72
    row = round(image.height - y * scale)
    for column in range(round(x * scale) - 2, 0, -1):
        pixel = image.getpixel((column, row))
        if all(abs(a - b) <= 40 for a, b in zip(pixel, ink, strict=True)):
            return True
    return False


@pytest.mark.parametrize(
    ("layout", "ink"),
    [("bedside", (0xB3, 0x47, 0x00)), ("compact", (0xB3, 0x47, 0x00)), ("large-print", (0, 0, 0))],
)
def test_the_do_not_list_is_a_boxed_bulleted_list_on_every_card(run, tmp_path, layout, ink):
    import pypdfium2 as pdfium

    from tests.helpers import rasterize

    assert run("card", "--layout", layout, "-o", "c.pdf").exit_code == 0
    pdf = tmp_path / "c.pdf"
    lines = [line.strip() for text in page_texts(pdf) for line in text.splitlines()]
    for item in ("over broken skin", "with a fever", "after recent surgery", "with osteoporosis",
                 "in pregnancy or illness", "after alcohol"):  # fmt: skip
        assert any(line.startswith(f"• {item}") for line in lines), item  # one bullet each
    doc = pdfium.PdfDocument(pdf.read_bytes())
    page = next(i for i in range(len(doc)) if "Do not massage" in page_texts(pdf)[i])
    textpage = doc[page].get_textpage()
    index, _ = textpage.search("Do not massage").get_next()
    left, bottom, _, top = textpage.get_charbox(index)
    doc.close()
    image = rasterize(pdf, page, dpi=150)
    assert border_left_of(image, left, (bottom + top) / 2, 150, ink)  # the box's edge
    plain = rasterize(pdf, page, dpi=150).crop((0, 0, 1, 1)).getpixel((0, 0))
    assert plain == (255, 255, 255)  # and not merely a coloured page


def test_a_stroke_names_the_hand_in_plain_words(run, make_library, tmp_path):
    assert run("book", "-o", "b.pdf").exit_code == 0
    assert "In the picture: 1 is your right hand, 2 is your left hand" in flat(tmp_path / "b.pdf")
    circling = (REPO / "techniques" / "circling-hands.yaml").read_text(encoding="utf-8")
    typo = circling.replace("hand: right", "hand: rigth")
    lib = make_library({"techniques/circling-hands.yaml": typo})
    result = run("validate", lib)
    assert result.exit_code == 2
    assert "circling-hands.yaml:" in result.stderr
    said = "diagram.strokes[0].hand: Hand 'rigth' is not known. Did you mean 'right'?"
    assert said in result.stderr


def text_top(pdf, page: int, words: str) -> float:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf.read_bytes())
    textpage = doc[page].get_textpage()
    found = textpage.search(words).get_next()
    assert found, words
    top = textpage.get_charbox(found[0])[3]
    doc.close()
    return top


@pytest.mark.parametrize(("layout", "beside"), [("bedside", True), ("large-print", False)])
def test_the_key_fills_the_grids_free_cells_or_goes_below(run, tmp_path, layout, beside):
    assert run("card", "--layout", layout, "-o", "c.pdf").exit_code == 0
    pdf = tmp_path / "c.pdf"
    key = text_top(pdf, 1, "stroke, this way")
    caption = text_top(pdf, 1, "4. Raking")  # the last diagram's caption
    assert (key > caption) is beside
