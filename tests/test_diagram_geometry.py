"""The diagrams' geometry, measured from their own display lists: nothing collides at any
preset size (badges, hands, arrowheads, marks, captions' room, the legend), nothing is below
the layout's legible minimum, each key lists exactly what its pictures draw, every stroke's
start has a hand mark, and a technique without hand data still renders."""

from __future__ import annotations

import math

import pytest

from booklet.base.errors import FitError
from booklet.base.units import NAMED_SIZES
from booklet.data import figure as fig
from booklet.data.library import load_library
from booklet.draw import diagrams as drawing
from booklet.draw import grid as grid_module
from booklet.draw.diagrams import Mapper, diagram_art, drawn_symbols, item_boxes
from booklet.draw.key import key_art
from booklet.draw.symbols import HAND_KINDS, key_words, symbols_of, union
from booklet.products.booklet import flowables
from booklet.products.booklet.build import build_book
from booklet.products.card import CardRequest, render_card
from booklet.products.requests import BookRequest
from tests.geometry import problems, smallest_mark, smallest_text
from tests.helpers import page_texts, pdf_reader, technique_yaml

TECHNIQUES = ("fan-stroke", "circling-hands", "petrissage", "raking")
CARD_LAYOUTS = {"bedside": 7.0, "compact": 7.0, "large-print": 12.0}  # and their minimums
CARD_PRESETS = [s for s in NAMED_SIZES if s not in ("letter", "a4")]
BOOK_SIZES = ("a5", "a6", "half-letter")


@pytest.fixture(scope="module")
def library():
    return load_library()


class Recorder:
    """Every diagram a render draws, with the smallest text its page allows."""

    def __init__(self) -> None:
        self.arts: list[tuple[object, float]] = []

    def wrap(self, real):
        def recording(diagram, width, *args, **kwargs):
            art = real(diagram, width, *args, **kwargs)
            instructions = args[4] if len(args) > 4 else kwargs.get("badges", True)
            if instructions:  # not the cover's and the contents' small calm pictures
                least = args[3] if len(args) > 3 else kwargs.get("min_text", 0.0)
                self.arts.append((art, least))
            return art

        return recording


@pytest.fixture
def recorder(monkeypatch):
    """Renders in this process (the jail's child would hide the patch) record their art."""
    record = Recorder()
    monkeypatch.setattr(grid_module, "diagram_art", record.wrap(drawing.diagram_art))
    monkeypatch.setattr(flowables, "diagram_art", record.wrap(drawing.diagram_art))
    return record


def drawn_by(library, product: str, layout: str, size: str, recorder) -> list:
    """The diagrams a card or booklet draws at this size (none if it refuses the size)."""
    try:
        if product == "card":
            render_card(library, library.plan("classic"), CardRequest(layout=layout, size=size))
        else:
            build_book(library, library.plan("classic"), BookRequest(size=size))
    except FitError:
        return []
    return recorder.arts


CASES = [("card", layout, size) for layout in CARD_LAYOUTS for size in CARD_PRESETS]
CASES += [("card", "large-print", "letter")]  # large print with its diagrams
CASES += [("book", "gift", size) for size in BOOK_SIZES]


@pytest.mark.slow
@pytest.mark.parametrize(("product", "layout", "size"), CASES)
def test_nothing_collides_in_any_diagram_at_any_preset_size(
    library, recorder, product, layout, size
):
    arts = drawn_by(library, product, layout, size, recorder)
    for art, least in arts:
        assert problems(art) == [], (art.width, least)


@pytest.mark.slow
@pytest.mark.parametrize(("product", "layout", "size"), CASES)
def test_no_glyph_or_mark_is_below_the_layouts_minimum(library, recorder, product, layout, size):
    """Badges, hand letters and the legend at the page's smallest text or larger; every hand,
    badge and mark at least that size across. The A6 booklet's legend included."""
    least = CARD_LAYOUTS.get(layout, 8.5)
    for art, _ in drawn_by(library, product, layout, size, recorder):
        assert smallest_text(art) >= least - 0.01, (size, smallest_text(art))
        assert smallest_mark(art) >= least - 0.01, (size, smallest_mark(art))


@pytest.mark.parametrize("tech", TECHNIQUES)
@pytest.mark.parametrize("width", [76.0, 95.0, 120.0, 160.0, 220.0, 300.0, 420.0])
@pytest.mark.parametrize("least", [0.0, 7.0, 8.5, 12.0])
def test_a_sweep_of_widths_and_text_sizes_collides_nowhere(library, tech, width, least):
    """Every width a grid may draw at its text size (booklet.draw.grid keeps a diagram at least
    ten times its text size wide), with and without a legend."""
    if width < least * grid_module.WIDTH_PER_TEXT_POINT:
        pytest.skip("narrower than any layout draws at this text size")
    diagram = library.technique(tech).diagram
    for legend in (False, True):
        art = diagram_art(diagram, width, False, legend, "text", least)
        assert problems(art) == [], (width, least, legend)


# --- the checker finds what was wrong before ------------------------------------------------

OLD_FAN = technique_yaml(
    "Old fan",
    diagram="\n  strokes:"
    "\n    - kind: glide\n      points: [[0.40, 0.40], [0.40, 0.62], [0.385, 0.80], [0.31, 0.89],"
    " [0.17, 0.88]]\n      mirror: true\n      order: 1\n      contact: palm\n      pointing: out"
    "\n    - kind: glide\n      points: [[0.13, 0.82], [0.11, 0.64], [0.17, 0.48], [0.33, 0.40]]"
    "\n      mirror: true\n      order: 2\n      contact: palm\n      return: true",
)


@pytest.fixture
def old_fan(make_library):
    """The fan stroke as it was: its light return ran back into the start of stroke 1."""
    lib = make_library({"techniques/old-fan.yaml": OLD_FAN})
    return load_library([lib]).technique("old-fan")


@pytest.fixture
def naive(monkeypatch):
    """Badges and hands where they first land, as badges were placed before: beside the
    start, whatever is there."""
    drawing.diagram_art.cache_clear()
    monkeypatch.setattr(drawing, "place", lambda candidates, *args, **kwargs: candidates[0])
    yield
    drawing.diagram_art.cache_clear()


def test_the_checker_finds_the_return_arrowhead_running_into_badge_1(old_fan, naive):
    """The fan stroke's light return ended at the start of stroke 1, where its badge sat."""
    art = diagram_art(old_fan.diagram, 110.0, False, False, "text", 8.5)
    found = problems(art)
    assert any("return" in p and ("order" in p or "palm" in p) for p in found), found


def test_the_checker_finds_large_print_badges_on_a_small_figure(library, naive):
    """Large print drew 12 pt badges on 1.1 in figures, over the fan stroke's start and return."""
    art = diagram_art(library.technique("fan-stroke").diagram, 79.0, False, False, "text", 12.0)
    assert any("order" in p for p in problems(art)), problems(art)


def test_placed_badges_and_hands_clear_the_old_fan(old_fan):
    """The same old data, placed by the diagram: nothing collides (and large print now draws
    its diagrams no narrower than ten times its text)."""
    assert problems(diagram_art(old_fan.diagram, 110.0, False, False, "text", 8.5)) == []


# --- the key lists exactly what the pictures draw --------------------------------------------


@pytest.mark.parametrize("tech", TECHNIQUES)
@pytest.mark.parametrize("lang", ["en", "de"])
def test_each_diagrams_legend_lists_exactly_the_symbols_it_draws(library, tech, lang):
    diagram = library.technique(tech).diagram
    words = key_words(library.in_language(lang).words)
    art = diagram_art(diagram, 300.0, False, True, "text", 8.5, True, words)
    figure, legend = drawn_symbols(art), drawn_symbols(art, "legend")
    assert figure == legend == set(symbols_of(diagram)), figure ^ legend
    assert "spine" in figure and "stroke" in figure | {"stroke"}


def test_a_calm_picture_draws_no_hands_and_no_numbers(library):
    art = diagram_art(library.technique("fan-stroke").diagram, 120.0, False, False, "text", 0.0,
                      False)  # fmt: skip
    assert not drawn_symbols(art) & {"order", *HAND_KINDS}


@pytest.mark.parametrize("routine", ["classic", "short"])
def test_a_cards_key_lists_exactly_what_its_diagrams_draw(library, routine):
    techniques = library.plan(routine).techniques
    drawn: set[str] = set()
    for tech in techniques:
        drawn |= drawn_symbols(diagram_art(tech.diagram, 110.0, False, False, "text", 8.5))
    symbols, zones = union(t.diagram for t in techniques)
    key = key_art(300.0, 8.5, "text", False, key_words(library.words), symbols, zones)
    assert drawn_symbols(key, "legend") == drawn
    assert (routine == "short") == ("circle" not in drawn)  # short has no circling hands


def test_numbers_mean_an_order_only(library):
    """Petrissage is one kneading stroke: no number. The others show an order of two."""
    for tech in TECHNIQUES:
        art = diagram_art(library.technique(tech).diagram, 150.0, False, False, "text", 8.5)
        badges = [s for s in art.shapes if s.role == "order" and s.kind == "text"]
        assert (tech == "petrissage") == (not badges), tech


# --- hands --------------------------------------------------------------------------------


@pytest.mark.parametrize("tech", TECHNIQUES)
@pytest.mark.parametrize("width", [90.0, 150.0, 300.0])
def test_every_strokes_start_has_a_hand_mark(library, tech, width):
    """One hand per stroke and side, near the stroke's start, showing how it touches."""
    diagram = library.technique(tech).diagram
    art = diagram_art(diagram, width, False, False, "text", 8.5)
    hands = {
        own: (role, box) for _, role, own, box in item_boxes(art).values() if role in HAND_KINDS
    }
    m = Mapper(width, art.figure[1])
    for index, stroke in enumerate(diagram.strokes):
        for _, mirrored in fig.stroke_sides(stroke):
            own = drawing.owner(index, mirrored)
            assert own in hands, (tech, own)
            role, box = hands[own]
            assert role == stroke.contact
            x, y = m(fig.start_of(stroke, mirrored))
            centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            assert math.dist((x, y), centre) < width * 0.3, (tech, own)


def test_the_hand_that_matters_carries_its_letter(library):
    art = diagram_art(library.technique("circling-hands").diagram, 150.0, False, False, "text",
                      8.5)  # fmt: skip
    letters = sorted(s.text[2] for s in art.shapes if s.role in ("right", "left") and s.text)
    assert letters == ["L", "R"]
    spanish = key_words(library.in_language("es").words)
    art = diagram_art(library.technique("circling-hands").diagram, 150.0, False, False, "text",
                      8.5, True, spanish)  # fmt: skip
    assert sorted(s.text[2] for s in art.shapes if s.role in ("right", "left") and s.text) == [
        "D",
        "I",
    ]


def test_fingers_point_the_way_the_data_says(library):
    """The fan stroke's palms start with their fingers pointing away from the spine."""
    art = diagram_art(library.technique("fan-stroke").diagram, 200.0, False, False, "text", 8.5)
    palm = [s for s in art.shapes if s.role == "palm" and s.owner == "0"]
    xs = [x for s in palm if s.kind == "path" and s.stroke is not None for x in (s.ops[0][1],)]
    tips = min(xs)  # the fingers' lines start at their bases and run out
    body = art.width * (0.40 - drawing.X0) / (drawing.X1 - drawing.X0)
    assert tips < body  # left of the start: away from the spine on the partner's left


@pytest.fixture
def plain_technique(make_library):
    """A user's technique written before hand marks: no contact, no pointing."""
    return make_library({"techniques/my-glide.yaml": technique_yaml("My glide")})


def test_a_technique_without_hand_data_still_renders(run, plain_technique, tmp_path):
    result = run("--library", plain_technique, "card", "-t", "my-glide", "-o", "c.pdf")
    assert result.exit_code == 0, result.output
    back = " ".join(page_texts(tmp_path / "c.pdf")[1].split())
    assert "stroke, this way" in back
    assert "palm flat" not in back and "order of strokes" not in back  # no hands, one stroke
    technique = load_library([plain_technique]).technique("my-glide")
    art = diagram_art(technique.diagram, 120.0, False, True, "text", 8.5)
    assert problems(art) == []
    assert not drawn_symbols(art) & set(HAND_KINDS)


def test_a_hand_lying_on_the_spine_is_refused(run, make_library):
    lib = make_library(
        {
            "techniques/inward.yaml": technique_yaml(
                "Inward",
                diagram="\n  strokes:\n    - kind: glide\n      points: [[0.40, 0.3], [0.40, 0.7]]"
                "\n      contact: palm\n      pointing: in",
            )
        }
    )
    result = run("validate", lib)
    assert result.exit_code == 2
    assert "the hand at the start of this glide stroke would lie on the spine" in result.stderr


# --- the diagram file ---------------------------------------------------------------------


@pytest.mark.parametrize("tech", ["circling-hands", "petrissage"])
def test_a_diagram_file_has_a_title_the_cards_face_and_its_key(run, tmp_path, tech):
    assert run("diagram", tech, "-o", "d.pdf", "--size", "3in").exit_code == 0
    page = pdf_reader(tmp_path / "d.pdf").pages[0]
    text = " ".join(page.extract_text().split())
    name = {"circling-hands": "Circling hands", "petrissage": "Pétrissage"}[tech]
    assert text.startswith(name)
    assert "move along this way" in text and "spine: no pressure" in text
    assert "your partner’s left is on the left" in text
    assert ("your right hand" in text) == (tech == "circling-hands")
    fonts = {str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("BookletText" in f for f in fonts), fonts


def test_a_hand_mark_measures_the_same_wherever_it_is_placed():
    """Placing a hand tries tens of spots; its box is measured once and moved to each: the
    box moved must be the box of the shapes drawn there."""
    from reportlab.lib.colors import black

    from booklet.draw.art import shape_box, union
    from booklet.draw.diagrams import HandMark

    for contact, letter in (("palm", ""), ("fingertips", "R"), ("thumbs", "L"), ("forearm", "")):
        hand = HandMark(0.7, 18.0, -1, contact, black, letter, "Helvetica-Bold", 6.0)
        for centre in ((0.0, 0.0), (123.4, -56.7), (-3.3, 410.0)):
            drawn = union(shape_box(s) for s in hand.shapes(centre) if s.kind != "text")
            assert hand.box(centre) == pytest.approx(drawn, abs=1e-9)


@pytest.mark.parametrize("width", [54.0, 97.3, 180.0, 260.5])
@pytest.mark.parametrize(
    ("legend", "wide", "min_text"), [(True, 0.0, 0.0), (True, 300.0, 7.0), (False, 0.0, 0.0)]
)
def test_a_diagram_is_as_tall_as_measured_before_it_is_drawn(width, legend, wide, min_text):
    """A booklet asks many widths' heights and draws few: the height measured without
    drawing must be the drawn art's, legend and all."""
    from booklet.data.library import load_library
    from booklet.draw.diagrams import diagram_art, diagram_height
    from booklet.draw.pieces import typeset_key

    library = load_library().in_language("de")
    key = typeset_key(library.words)  # the German key: longer words, more rows
    for technique in library.techniques.values():
        art = diagram_art(
            technique.diagram, width, False, legend, "sans", min_text, True, key, wide=wide
        )
        measured = diagram_height(technique.diagram, width, legend, "sans", min_text, key, wide)
        assert measured == art.height
