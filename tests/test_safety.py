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
OWN_SIZES = {"bedside": "5x7", "compact": "3x5", "large-print": "letter"}
LANGUAGES = ("en", "es", "fr", "de", "pt")
COMPACT_ELSEWHERE = {("compact", lang) for lang in ("es", "fr", "de", "pt")}
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
# In every language, on every card and the booklet's safety page: where to stay light (the
# kidneys, the ribs, the neck), the one-line pressure scale, and the contraindications added
# for a first-timer (cancer, heart and circulation, a recent fracture, sunburn and new
# tattoos, fragile skin from steroids, a partner who cannot say how it feels, and pregnancy:
# never face down, on the side only with a doctor's or midwife's agreement).
FIRST_TIMER = {
    "en": ("kidneys", "ribs", "neck", "trained hands only", "cancer", "heart", "fracture",
           "sunburn", "tattoo", "steroids", "cannot tell you how it feels", "never face down",
           "midwife"),
    "es": ("riñones", "costillas", "cuello", "solo manos expertas", "cáncer", "corazón",
           "fractura", "solares", "tatuaje", "corticoides", "no puede decirte qué siente",
           "nunca boca abajo", "matrona"),
    "fr": ("reins", "côtes", "nuque", "réservée aux praticiens", "cancer", "cœur", "fracture",
           "coups de soleil", "tatouage", "corticoïdes",
           "ne peut pas vous faire part de son ressenti", "jamais à plat ventre", "sage-femme"),
    "de": ("Nieren", "Rippen", "Nacken", "nur für geschulte Hände", "Krebs", "Herz",
           "Knochenbruch", "Sonnenbrand", "Tattoo", "Kortison",
           "nicht sagen kann, wie es sich anfühlt", "nie in Bauchlage", "Hebamme"),
    "pt": ("rins", "costelas", "pescoço", "só profissionais", "câncer", "coração", "fratura",
           "de sol", "tatuagem", "corticoides", "não conseguir dizer o que está sentindo",
           "nunca de bruços", "pré-natal"),
}  # fmt: skip
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


def readable(text: str) -> str:
    """Text as read: one space between words (no-break spaces too), and a word broken over
    two lines whole again."""
    text = text.replace("\u00a0", " ").replace("\u00ad", "").replace("\u2019", "'")
    return " ".join(re.sub(r"(?<=\w)-\s*\n\s*(?=\w)", "", text).split())


def says(text: str, words: str) -> bool:
    """Are these words in the text, however lines broke them?"""
    words = words.replace("\u00a0", " ").replace("\u2019", "'")  # the print's apostrophe
    text = text.replace("\u2019", "'")
    return words in readable(text) or words in " ".join(text.replace("\u00a0", " ").split())


def assert_safety_set(text: str, library, lang: str, layout: str, size: str) -> None:
    """The first-timer's words, every do-not-massage item and (in English) the words every
    card carries, all in the card's text."""
    for words in FIRST_TIMER[lang]:
        assert says(text, words), (lang, layout, size, words)
    for item in library.require_setting().do_not_massage:
        assert says(text, item), (lang, layout, size, item)
    if lang == "en":
        for words in ON_EVERY_CARD:
            assert says(text, words), (layout, size, words)


@pytest.fixture(scope="module")
def libraries():
    from booklet.data.library import load_library

    base = load_library()
    return {lang: base.in_language(lang) for lang in LANGUAGES}


def card_text(library, layout: str, size: str, sides: int | None = None) -> str:
    from booklet.products.card import CardRequest, render_card

    request = CardRequest(layout=layout, size=size, sides=sides)
    pdf = render_card(library, library.plan("classic"), request)
    return "\n".join(page_texts(pdf))


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("layout", CARD_LAYOUTS)
def test_a_card_printed_on_one_side_still_carries_the_whole_safety_set(libraries, lang, layout):
    """`--sides 1` brings the back's safety blocks to the front: the spine and pressure rules,
    the scale, what not to massage and the disclaimer. Where the front cannot hold them the
    size is refused and the message names one that can (made again there, it holds them)."""
    from booklet.base.errors import FitError

    library = libraries[lang]
    size = OWN_SIZES[layout]
    try:
        text = card_text(library, layout, size, sides=1)
    except FitError as exc:
        named = re.search(r"Use a larger size \(e\.g\. ([\w-]+)\)", str(exc))
        assert named, str(exc)
        size = named.group(1)
        text = card_text(library, layout, size, sides=1)
    assert_safety_set(text, library, lang, layout, size)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("layout", CARD_LAYOUTS)
@pytest.mark.parametrize("size", CARD_SIZES)
def test_every_card_at_every_size_carries_the_safety_set_or_names_a_size_that_does(
    libraries, lang, layout, size
):
    """In every language, every preset: the card holds the whole safety set, or refuses the
    size and names one it really fits (made again at that size, it holds the set). The
    bedside card at 5x7 and large print at letter always fit; the compact card fits 3x5 in
    English and 4x6 in every language."""
    from booklet.base.errors import FitError

    library = libraries[lang]
    try:
        text = card_text(library, layout, size)
    except FitError as exc:
        # the compact card's 3x5 holds the English set; longer languages are sent to 4x6
        if (layout, lang) not in COMPACT_ELSEWHERE:
            assert size != OWN_SIZES[layout], f"{layout} must fit its own size in {lang}: {exc}"
        assert size != "4x6" or layout != "compact", f"compact must fit 4x6 in {lang}: {exc}"
        named = re.search(r"Use a larger size \(e\.g\. ([\w-]+)\)", str(exc))
        assert named, str(exc)
        text = card_text(library, layout, named.group(1))
    assert_safety_set(text, library, lang, layout, size)
    if lang == "en":
        assert not SENDS_HANDS_ONTO_THE_SPINE.search(text)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_booklets_safety_page_carries_the_first_timers_set(libraries, lang):
    from booklet.products.booklet.build import build_book
    from booklet.products.requests import BookRequest

    library = libraries[lang]
    pdf, info = build_book(library, library.plan("classic"), BookRequest())
    texts = page_texts(pdf)
    page = info.sections["safety"] - 1
    safety = texts[page] + "\n" + texts[page + 1]  # a long list may flow onto a second page
    for words in FIRST_TIMER[lang]:
        if words != FIRST_TIMER[lang][3]:  # the one-line scale is the cards'; the booklet has
            assert says(safety, words), (lang, words)  # a page for the scale
    for item in library.require_setting().do_not_massage:
        assert says(safety, item), (lang, item)


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
        assert "legend would be too small to read. Use a size of 43mm or more." in result.stderr
        return
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_reader(tmp_path / "d.pdf").pages[0].extract_text().split())
    assert "spine: no pressure" in text and "ribs and kidneys: go gently" in text
    assert "&" not in text  # the language's own "and" joins the zones


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
    "move along this way",
    "order of strokes",
    "circles this way",
    "squeeze, release",
    "palm flat",
    "fingertips",
    "thumbs and fingers",
    "your right hand",
    "your left hand",
    "spine: no pressure",
    "ribs and kidneys: go gently",
    "Seen from above, head at the top: your partner’s left is on the left.",
)


@pytest.mark.parametrize(("layout", "size"), [("bedside", "5x7"), ("bedside", "a5")])
def test_the_card_back_carries_the_key_and_hand_labels(run, tmp_path, layout, size):
    assert run("card", "--layout", layout, "--size", size, "-o", "c.pdf").exit_code == 0
    back = " ".join(page_texts(tmp_path / "c.pdf")[1].split())
    for words in KEY_WORDS:
        assert words in back, words
    assert "1 right, 2 left hand" in back  # under the circling hands diagram
    assert "press, release" not in back and "knuckles" not in back  # no such marks drawn


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
                 "with cancer", "with a heart", "in pregnancy: never face down",
                 "after alcohol"):  # fmt: skip
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
    assert "In the picture: R is your right hand, L is your left hand" in flat(tmp_path / "b.pdf")
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


@pytest.mark.parametrize(
    ("layout", "routine", "last", "beside"),
    [
        ("bedside", (), "4. Raking", True),  # four in a grid of six cells: two are free
        ("large-print", ("-t", "fan-stroke", "-t", "raking"), "2. Raking", False),  # none free
    ],
)
def test_the_key_fills_the_grids_free_cells_or_goes_below(
    run, tmp_path, layout, routine, last, beside
):
    assert run("card", "--layout", layout, *routine, "-o", "c.pdf").exit_code == 0
    pdf = tmp_path / "c.pdf"
    key = text_top(pdf, 1, "stroke, this way")
    caption = text_top(pdf, 1, last)  # the last diagram's caption
    assert (key > caption) is beside


@pytest.fixture
def pictureless(make_library):
    """A user's technique with no diagram at all."""
    from tests.helpers import technique_yaml

    return make_library({"techniques/no-picture.yaml": technique_yaml("No picture", diagram=None)})


def test_words_about_pictures_only_where_there_are_pictures(run, tmp_path, pictureless):
    """No "diagrams overleaf" without diagrams, and no "hatched band" over an empty back;
    with them, both."""
    made = run("--library", pictureless, "card", "-t", "no-picture", "-o", "none.pdf")
    assert made.exit_code == 0, made.output
    front, back = (" ".join(t.split()) for t in page_texts(tmp_path / "none.pdf"))
    assert "diagrams overleaf" not in front
    assert "The hatched band is the spine" not in back and "Spine: Never press" in back
    assert "Do not massage" in back and "Stay light" in back  # the safety set stays
    assert run("card", "-o", "with.pdf").exit_code == 0
    front, back = (" ".join(t.split()) for t in page_texts(tmp_path / "with.pdf"))
    assert "diagrams overleaf" in front and "The hatched band is the spine." in back


def test_large_print_at_its_own_size_gives_the_safety_set_room_and_says_so(run, tmp_path):
    """On letter at 16 to 18 pt the diagrams (with their key at the same size) do not fit
    beside the whole safety set: they give way, the front does not promise them, and the
    command says so. With fewer techniques they are drawn."""
    made = run("card", "--layout", "large-print", "-o", "lp.pdf")
    assert made.exit_code == 0, made.output
    assert "diagrams do not fit on the 'large-print' card at letter" in made.stderr
    front, back = (" ".join(t.split()) for t in page_texts(tmp_path / "lp.pdf"))
    assert "diagrams overleaf" not in front and "1. Fan stroke" not in back
    assert "Do not massage" in back and "Stay light over the ribs" in back
    two = run("card", "--layout", "large-print", "-t", "fan-stroke", "-t", "raking", "-o", "2.pdf")
    assert two.exit_code == 0 and "diagrams" not in two.stderr, two.output
    sides = [" ".join(t.split()) for t in page_texts(tmp_path / "2.pdf")]
    assert "Raking" in sides[1] and "Do not massage" in " ".join(sides[1:])  # a third side
