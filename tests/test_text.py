"""Card text: the markup parser, line breaking, and what a user sees when markup is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booklet.text.fonts import register
from booklet.text.paragraph import (
    BREAK,
    MarkupError,
    Span,
    TextBlock,
    TextStyle,
    break_lines,
    parse,
    unit_width,
)
from tests.helpers import page_texts, pdf_reader


@pytest.fixture(scope="module")
def style():
    return TextStyle(register("sans"), 9.0, "#1F1F1F")


def test_markup_becomes_spans():
    assert parse("<b>Set up:</b> firm  surface &amp; warm\toil") == (
        Span("Set up:", bold=True),
        Span(" firm surface & warm oil"),
    )
    assert parse('<i>a</i><br/><font color="#4D4D4D" size="12">b <b>c</b></font>') == (
        Span("a", italic=True),
        BREAK,
        Span("b ", colour="#4D4D4D", size=12.0),
        Span("c", bold=True, colour="#4D4D4D", size=12.0),
    )
    assert parse("<strong>x</strong><em>y</em>") == (
        Span("x", bold=True),
        Span("y", italic=True),
    )


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        ("<blink>x</blink>", "<blink> is not a tag snippets understand"),
        ("<b>x", "<b> is never closed. Add </b>."),
        ("<b><i>x</b></i>", "</b> does not match: expected </i>."),
        ("x</b>", "</b> does not match: expected no closing tag."),
        ('<font color="nope">x</font>', 'is not a colour. Use a hex colour like "#1F1F1F".'),
        ('<font size="200">x</font>', "Use a number of points from 4 to 72."),
        ('<font face="Courier">x</font>', "<font> has no 'face' attribute. Use color or size."),
        ("1 < 2", "has a '<' or '>' that is not a tag. Write &lt; or &gt;"),
        ('<b class="x">x</b>', "<b> takes no attributes."),
    ],
)
def test_bad_markup_says_what_to_write(markup, message):
    with pytest.raises(MarkupError) as info:
        parse(markup)
    assert message in str(info.value)


def test_lines_break_at_spaces_and_fit(style):
    text = "Both palms glide up beside the spine, then sweep out over the shoulder blades."
    lines = break_lines(parse(text), style, 120)
    assert len(lines) > 2
    assert all(line.width <= 120 for line in lines)
    words = " ".join("".join(r[0] for r in line.runs) for line in lines)
    assert words == text  # nothing lost, no doubled spaces
    assert break_lines(parse(text), style, 1e6)[0].width == pytest.approx(
        unit_width(text, style.fonts.regular) * 9.0
    )


def test_a_word_wider_than_the_line_is_split_not_clipped(style):
    lines = break_lines(parse("Supercalifragilistic"), style, 30)
    assert len(lines) > 1
    assert all(line.width <= 30 for line in lines)
    assert "".join(line.runs[0][0] for line in lines) == "Supercalifragilistic"


def test_centred_text_breaks_between_words_and_hyphenates_only_what_is_wider(style):
    """A centred line has no edge to even: a title or contents entry breaks between words
    ("Deslizamiento en / abanico", never "aba- / nico"); a word wider than the line is still
    hyphenated. Set flush, the same words hyphenate to fill a loose line."""
    spanish = style._replace(lang="es")
    text = parse("Deslizamiento en abanico")
    width = unit_width("Deslizamiento en aba-", style.fonts.regular) * style.size + 1
    flush = ["".join(r[0] for r in line.runs) for line in break_lines(text, spanish, width)]
    assert flush[0].endswith("aba\u00ad") or flush[0].endswith("aba-"), flush
    centred = spanish._replace(centred=True)
    lines = ["".join(r[0] for r in line.runs) for line in break_lines(text, centred, width)]
    assert lines == ["Deslizamiento en", "abanico"], lines
    narrow = unit_width("Deslizamien", style.fonts.regular) * style.size
    long_word = break_lines(parse("Deslizamiento"), centred, narrow)
    assert len(long_word) == 2 and long_word[0].hyphenated


def test_forced_break_and_bold_run(style):
    lines = break_lines(parse("<b>Set up:</b> here<br/>next"), style, 500)
    assert [[r[:2] for r in line.runs] for line in lines] == [
        [("Set up:", style.fonts.bold), (" here", style.fonts.regular)],
        [("next", style.fonts.regular)],
    ]


def test_larger_font_spans_make_taller_lines(style):
    small = TextBlock(parse("a b"), style)
    big = TextBlock(parse('a <font size="18">b</font>'), style)
    assert big.wrap(200, 100)[1] > small.wrap(200, 100)[1] == pytest.approx(9 * 1.22)


@given(st.lists(st.text(alphabet="abcdefghij ", min_size=1, max_size=30), max_size=12))
def test_no_line_is_ever_wider_than_its_width(words):
    style = TextStyle(register("sans"), 8.0, "#000000")
    for line in break_lines((Span(" ".join(words)),), style, 40):
        assert line.width <= 40 + 1e-6


def _layout_with(make_library, snippet: str):
    from pathlib import Path

    bedside = Path(__file__).resolve().parent.parent / "layouts" / "bedside"
    files = {f"layouts/mine/{p.name}": p.read_text() for p in bedside.iterdir()}
    files["layouts/mine/setup.j2"] = snippet
    return make_library(files)


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("<b>{{ setting.setup_short }}\n", "<b> is never closed. Add </b>."),
        ('<font color="nope">x</font>\n', 'is not a colour. Use a hex colour like "#1F1F1F".'),
        ("<blink>x</blink>\n", "<blink> is not a tag snippets understand"),
    ],
)
def test_bad_markup_in_a_snippet_is_a_clear_error(run, make_library, snippet, message):
    lib = _layout_with(make_library, snippet)
    result = run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "setup.j2" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_snippet_markup_reaches_the_pdf(run, make_library, tmp_path):
    lib = _layout_with(
        make_library, '<b>Bold</b> then <font color="#B34700">orange</font> &amp; more\n'
    )
    result = run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf")
    assert result.exit_code == 0, result.output
    front = page_texts(tmp_path / "x.pdf")[0]  # the bedside card's setup line is on the front
    assert "Bold then orange & more" in front
    content = pdf_reader(tmp_path / "x.pdf").pages[0].get_contents().get_data()
    assert b".701961 .278431 0 rg" in content  # #B34700 as a fill colour


def test_italic_face_is_embedded_only_when_used(run, make_library, tmp_path):
    lib = _layout_with(make_library, "<i>Slanted</i> words\n")
    assert run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf").exit_code == 0
    fonts = set()
    for page in pdf_reader(tmp_path / "x.pdf").pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(font.get_object()["/BaseFont"].split("+")[1])
    assert fonts == {"BookletText-Regular", "BookletText-Bold", "BookletText-Italic"}


def test_bad_markup_in_a_booklet_snippet_is_a_clear_error(run, make_library):
    from pathlib import Path

    gift = Path(__file__).resolve().parent.parent / "layouts" / "gift"
    files = {f"layouts/g2/{p.name}": p.read_text() for p in gift.iterdir()}
    files["layouts/g2/cover.j2"] = "<b>{{ book.title }}\n"
    result = run("--library", make_library(files), "book", "--layout", "g2", "-o", "b.pdf")
    assert result.exit_code == 2, result.output
    assert "cover.j2: <b> is never closed. Add </b>." in result.output


@given(st.lists(st.text(alphabet="abcé xyz\u00a0ÄΩ.,\u2603", max_size=12), min_size=1, max_size=8))
def test_fast_encoding_gives_exactly_what_reportlab_gives(texts):
    """encode() is splitString's shortcut; in two fresh documents fed the same strings, every
    string must come out as the same subset bytes."""
    from reportlab.pdfbase.pdfdoc import PDFDocument
    from reportlab.pdfbase.pdfmetrics import getFont

    from booklet.text.paragraph import encode

    font = getFont(register("sans").regular)
    theirs, ours = PDFDocument(), PDFDocument()
    for text in texts + texts:  # the second round goes the quick way
        assert encode(font, text, ours) == font.splitString(text, theirs)
