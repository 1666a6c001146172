"""Back diagrams: every technique in every format, checked by their pixels."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PIL import Image, ImageChops

from booklet.data.library import load_library
from booklet.draw.art import shape_box, union
from booklet.draw.diagrams import diagram_art
from booklet.products.diagram import FACE, diagram_bytes
from tests.helpers import rasterize

TECHNIQUES = ["fan-stroke", "circling-hands", "petrissage", "raking"]
WIDTH = 216.0  # 3 in
DPI = 100


@pytest.fixture(scope="module")
def library():
    return load_library()


def band_box(art, dpi: float = DPI) -> tuple[int, int, int, int]:
    """The spine band in pixel coordinates of a render at dpi (left, top, right, bottom), from
    the drawing's own shapes."""
    x0, y0, x1, y1 = union(
        shape_box(s) for s in art.shapes if s.role == "spine" and s.layer == "figure"
    )
    k = dpi / 72
    return round(x0 * k), round((art.height - y1) * k), round(x1 * k), round((art.height - y0) * k)


def file_art(library, tech: str, width: float = WIDTH):
    """The drawing `booklet diagram` writes: its title, figure and key."""
    technique = library.technique(tech)
    return diagram_art(technique.diagram, width, False, True, FACE, title=technique.name)


@pytest.mark.parametrize("tech", TECHNIQUES)
@pytest.mark.parametrize("suffix", [".pdf", ".png", ".svg"])
def test_diagram_command_writes_every_format(run, tmp_path, tech, suffix):
    out = tmp_path / f"d{suffix}"
    result = run("diagram", tech, "-o", out, "--size", "2in")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if suffix == ".pdf":
        assert data.startswith(b"%PDF")
    elif suffix == ".png":
        image = Image.open(out)
        assert image.width == 600  # 2 in at 300 dpi
    else:
        assert ET.fromstring(data).tag.endswith("svg")


@pytest.mark.parametrize("tech", TECHNIQUES)
def test_no_stroke_pixels_inside_the_spine_band(library, tech):
    image = rasterize(diagram_bytes(library.technique(tech), ".pdf", WIDTH, False), dpi=DPI)
    left, top, right, bottom = band_box(file_art(library, tech))
    blue = 0
    for x in range(left + 2, right - 1):
        for y in range(top + 2, bottom - 1):
            r, g, b = image.getpixel((x, y))
            if b > r + 40 and b > 100:  # the strokes' blues; the band is white and orange
                blue += 1
    assert blue == 0


@pytest.mark.parametrize("tech", TECHNIQUES)
@pytest.mark.parametrize(("width", "dpi"), [(WIDTH, DPI), (86.4, 300)])  # 3 in, and 1.2 in
def test_spine_band_is_distinct_in_greyscale(library, tech, width, dpi):
    """The drawing itself, as a card shows it at 1.2 in (a diagram *file* that narrow is
    refused, its legend being too small to read)."""
    from booklet.draw.diagrams import diagram_art
    from booklet.products.diagram import art_pdf

    art = diagram_art(library.technique(tech).diagram, width, True, True)
    image = rasterize(art_pdf(art, tech), dpi=dpi, grey=True)
    left, top, right, bottom = band_box(art, dpi)
    inside = [
        image.getpixel((x, y)) for x in range(left + 2, right - 1) for y in range(top, bottom)
    ]
    # hatched: both paper-white and clearly darker pixels inside the band
    assert sum(p > 225 for p in inside) > len(inside) * 0.25
    assert sum(p < 170 for p in inside) > len(inside) * 0.15
    # outlined: the band's edges are dark down most of their length
    for x in (left, right - 1):
        edge = [
            min(image.getpixel((xx, y)) for xx in (x - 1, x, x + 1)) for y in range(top, bottom)
        ]
        assert sum(p < 120 for p in edge) > len(edge) * 0.9


def test_grayscale_has_no_colour(library):
    data = diagram_bytes(library.technique("petrissage"), ".pdf", WIDTH, True)
    red, green, blue = rasterize(data, dpi=60).split()
    assert ImageChops.difference(red, green).getbbox() is None
    assert ImageChops.difference(green, blue).getbbox() is None


@pytest.mark.parametrize("tech", TECHNIQUES)
def test_figure_is_centred_and_not_clipped(library, tech):
    image = rasterize(diagram_bytes(library.technique(tech), ".pdf", WIDTH, False), dpi=DPI)
    art = file_art(library, tech)
    k = DPI / 72
    _, bottom, _, top = art.figure
    box = (0, round((art.height - top) * k), image.width, round((art.height - bottom) * k))
    figure = image.crop(box).convert("L")
    left, top, right, bottom = figure.point(lambda p: 255 if p < 250 else 0).getbbox()
    assert left >= 1 and top >= 1 and right <= figure.width - 1 and bottom <= figure.height - 1
    assert abs(left - (figure.width - right)) <= figure.width * 0.03


def test_diagram_rejects_unknown_extension(run):
    result = run("diagram", "raking", "-o", "x.gif")
    assert result.exit_code == 2
    assert "End the name in .pdf, .png or .svg." in result.stderr


def test_diagram_unknown_technique(run):
    result = run("diagram", "fan", "-o", "x.pdf")
    assert result.exit_code == 2
    assert "no technique 'fan'." in result.stderr


@pytest.mark.parametrize("tech", TECHNIQUES)
def test_cached_operators_draw_what_the_canvas_api_draws(library, tech):
    """Diagrams are emitted as preformatted PDF operators; they must match ReportLab's own."""
    import io

    from PIL import ImageStat

    from booklet.draw.painting import _paint_with_api, paint
    from booklet.press.pdf import new_canvas

    art = diagram_art(library.technique(tech).diagram, WIDTH, False, True)
    images = []
    for painter in (paint, _paint_with_api):
        buffer = io.BytesIO()
        canvas = new_canvas(buffer, (art.width, art.height), "t", "t")
        painter(canvas, art, 0, 0)
        canvas.showPage()
        canvas.save()
        images.append(rasterize(buffer.getvalue(), dpi=100))
    difference = ImageStat.Stat(ImageChops.difference(*images)).mean
    assert max(difference) < 0.5, difference
