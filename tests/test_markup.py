"""One markup: a snippet means the same on a card and in a booklet."""

from __future__ import annotations

import re

import pytest

from tests.helpers import page_texts, pdf_reader

SNIPPET = (
    '<b>Bold</b> and <font color="#B34700">coloured</font><br/>after the break\n'
    "## A heading\n"
    "- a bullet with <i>italics</i> &amp; an ampersand\n"
    '<font colour="#009E73" size="14">Big green</font>\n'
)
ORANGE = (0xB3 / 255, 0x47 / 255, 0.0)
GREEN = (0.0, 0x9E / 255, 0x73 / 255)


def fill_colours(pdf) -> set[tuple[float, float, float]]:
    found = set()
    for page in pdf_reader(pdf).pages:
        data = page.get_contents().get_data().decode("latin-1")
        for r, g, b in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", data):
            found.add((round(float(r), 2), round(float(g), 2), round(float(b), 2)))
    return found


def rounded(colour):
    return tuple(round(c, 2) for c in colour)


@pytest.fixture
def both(make_library, run, tmp_path):
    lib = make_library(
        {
            "layouts/card-mine/layout.yaml": "extends: bedside\nsize: 5x7\n",
            "layouts/card-mine/title.j2": SNIPPET,
            "layouts/book-mine/layout.yaml": "extends: gift\n",
            "layouts/book-mine/back.j2": SNIPPET,
        }
    )
    card = run("--library", lib, "card", "--layout", "card-mine", "-o", "card.pdf")
    book = run("--library", lib, "book", "--layout", "book-mine", "-o", "book.pdf")
    assert card.exit_code == 0, card.output
    assert book.exit_code == 0, book.output
    return tmp_path / "card.pdf", tmp_path / "book.pdf"


def test_markup_prints_the_same_words_in_both_products(both):
    for pdf, page in ((both[0], 0), (both[1], -1)):
        text = page_texts(pdf)[page]
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        assert "Bold and coloured" in lines, (pdf.name, lines)
        assert "after the break" in lines  # <br/> broke the line in both
        assert "A heading" in lines  # no '##' printed
        assert any(line.endswith("a bullet with italics & an ampersand") for line in lines)
        assert "Big green" in lines
        assert "<" not in text and "#" not in text.replace("#B", "")


def test_markup_colours_reach_both_pdfs(both):
    for pdf in both:
        colours = fill_colours(pdf)
        assert rounded(ORANGE) in colours, (pdf.name, colours)
        assert rounded(GREEN) in colours, (pdf.name, colours)


def test_bad_markup_is_the_same_error_in_both_products(make_library, run):
    lib = make_library(
        {
            "layouts/card-mine/layout.yaml": "extends: bedside\n",
            "layouts/card-mine/title.j2": "<blink>hi</blink>\n",
            "layouts/book-mine/layout.yaml": "extends: gift\n",
            "layouts/book-mine/back.j2": "<blink>hi</blink>\n",
        }
    )
    card = run("--library", lib, "card", "--layout", "card-mine", "-o", "c.pdf")
    book = run("--library", lib, "book", "--layout", "book-mine", "-o", "b.pdf")
    assert card.exit_code == book.exit_code == 2
    tail = "<blink> is not a tag snippets understand."
    assert tail in card.stderr and tail in book.stderr
