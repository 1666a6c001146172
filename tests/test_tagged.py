"""Tagged PDFs a screen reader can follow (issue #31, its accessibility half): the structure
tree, the document's language and title, every diagram as a figure with words written from its
strokes, links with descriptions, decoration as artifacts; on every card layout, handouts,
booklets, sheets, saddle imposition, CMYK and PDF/X. Each case is a named fixture; the files are
parsed (pdfinfo, pdftotext, pikepdf's content-stream parser and the PDF/UA-1 rules of
tests/ua_rules.py), never taken on trust."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from booklet.data.library import load_library
from booklet.data.model import Diagram, Stroke, Technique
from booklet.draw.describe import describe_technique, describe_timeline
from booklet.products.booklet import BookRequest, render_book
from booklet.products.card import CardRequest, render_card
from booklet.products.requests import Personal
from booklet.text.tagging import Tags
from tests import ua_rules

LANGUAGES = ("en", "es", "fr", "de", "pt", "he", "ar")
CLIENT = {"client": "Maria Lopez", "therapist": "Ana Ruiz, LMT", "date": "2026-11-24"}
LINK = "https://example.org/routines/gentle"


def card(lang: str = "en", routine: str | None = "classic", techniques=(), **options) -> bytes:
    library = load_library().in_language(lang)
    plan = library.plan(routine, list(techniques)) if techniques else library.plan(routine)
    return render_card(library, plan, CardRequest(**options))


def book(lang: str = "en", **options) -> bytes:
    library = load_library().in_language(lang)
    return render_book(library, library.plan("classic"), BookRequest(**options))


def logo() -> bytes:
    """A practice's logo: 600 x 300 pixels, sharp enough at a handout's size."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 300), "white")
    ImageDraw.Draw(image).ellipse((20, 20, 280, 280), fill=(30, 90, 160))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    path = tmp_path / "tagged.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([exe, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def pdfinfo(pdf: bytes, tmp_path: Path, *args: str) -> str:
    return poppler("pdfinfo", pdf, tmp_path, *args)


def elements(pdf: bytes) -> list[tuple[int, str, str]]:
    """(depth, type, alternative text) of every structure element, in reading order."""
    found: list[tuple[int, str, str]] = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:

        def walk(node, depth: int) -> None:
            found.append((depth, str(node.S)[1:], str(node.get("/Alt", ""))))
            for kid in kids_of(node):
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, depth + 1)

        walk(doc.Root.StructTreeRoot.K[0], 0)
    return found


def kids_of(node) -> list:
    kids = node.get("/K")
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []


def figures(pdf: bytes) -> list[str]:
    return [alt for _, kind, alt in elements(pdf) if kind == "Figure"]


# --- named cases ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bedside() -> bytes:
    return card()


@pytest.fixture(scope="module")
def large_print() -> bytes:
    """The classic routine in large print: at letter, its diagrams give way to the safety set."""
    return card(layout="large-print")


@pytest.fixture(scope="module")
def large_print_with_pictures() -> bytes:
    """Two techniques in large print: room for their diagrams, the key and the giver."""
    return card(layout="large-print", routine=None, techniques=("fan-stroke", "raking"))


@pytest.fixture(scope="module")
def compact() -> bytes:
    return card(layout="compact")


@pytest.fixture(scope="module")
def bedside_landscape() -> bytes:
    return card(landscape=True, size="a5")


@pytest.fixture(scope="module")
def german_booklet() -> bytes:
    """The booklet in German: long words, some hyphenated at line ends."""
    return book("de")


@pytest.fixture(scope="module")
def handout() -> bytes:
    personal = Personal(**CLIENT, link=LINK, logo_image=logo(), max_pressure="gentle")
    return card(routine="gentle", personal=personal)


@pytest.fixture(scope="module")
def handout_with_log() -> bytes:
    return card(routine="gentle", back="log", personal=Personal(**CLIENT))


@pytest.fixture(scope="module")
def booklet_pdf() -> bytes:
    return book()


@pytest.fixture(scope="module")
def gift_booklet_for_a_client() -> bytes:
    personal = Personal(**CLIENT, link=LINK, logo_image=logo())
    return book(for_name="Sam", from_name="Alex", message="For Sunday evenings.", personal=personal)


@pytest.fixture(scope="module")
def spanish_card() -> bytes:
    return card("es")


@pytest.fixture(scope="module")
def spanish_cmyk_card() -> bytes:
    return card("es", colour="cmyk")


@pytest.fixture(scope="module")
def spanish_pdfx_card() -> bytes:
    return card("es", pdfx=True)


@pytest.fixture(scope="module")
def pdfx_booklet() -> bytes:
    return book(pdfx=True)


@pytest.fixture(scope="module")
def hebrew_card() -> bytes:
    return card("he")


@pytest.fixture(scope="module")
def hebrew_booklet() -> bytes:
    """Right to left: its tables and contents drawn from the right, its sheets bound there."""
    return book("he")


@pytest.fixture(scope="module")
def arabic_saddle_booklet() -> bytes:
    return book("ar", impose="saddle", sheet="a4")


@pytest.fixture(scope="module")
def arabic_sheet_of_cards() -> bytes:
    return card("ar", sheet="letter")


@pytest.fixture(scope="module")
def sheet_of_cards() -> bytes:
    return card(sheet="letter")


@pytest.fixture(scope="module")
def cmyk_sheet_with_bleed() -> bytes:
    return card(layout="compact", sheet="a4", bleed=3 * 72 / 25.4, colour="cmyk")


@pytest.fixture(scope="module")
def saddle_booklet() -> bytes:
    return book(impose="saddle", sheet="a4")


@pytest.fixture(scope="module")
def two_spreads_a_sheet() -> bytes:
    return book(size="a6", impose="saddle", sheet="a4")


EVERY_CASE = [
    "bedside",
    "large_print",
    "large_print_with_pictures",
    "compact",
    "bedside_landscape",
    "german_booklet",
    "handout",
    "handout_with_log",
    "booklet_pdf",
    "gift_booklet_for_a_client",
    "spanish_card",
    "spanish_cmyk_card",
    "spanish_pdfx_card",
    "pdfx_booklet",
    "hebrew_card",
    "hebrew_booklet",
    "arabic_saddle_booklet",
    "arabic_sheet_of_cards",
    "sheet_of_cards",
    "cmyk_sheet_with_bleed",
    "saddle_booklet",
    "two_spreads_a_sheet",
]


# --- what the issue must show -----------------------------------------------------------------


@pytest.mark.parametrize("case", EVERY_CASE)
def test_pages_are_counted_where_a_tagged_file_keeps_them(case, request):
    """The command's detail line and a batch's manifest count pages without pikepdf, in the
    object streams: the count is the page tree's."""
    from booklet.press.pdf import page_count

    pdf = request.getfixturevalue(case)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert page_count(pdf) == len(doc.pages) > 0


def test_an_object_stream_is_inflated_within_a_bound():
    """A stream that inflates past the bound is refused, not read to its end."""
    import zlib

    from booklet.press import pdf as pdf_module

    bomb = zlib.compress(b"/Type /Page " * 200_000, 9)
    doc = (
        b"1 0 obj\n<< /Type /ObjStm /Length %d /Filter /FlateDecode /N 1 /First 0 >>\nstream\n"
        % len(bomb)
    )
    doc += bomb + b"\nendstream\nendobj\n"
    assert pdf_module.page_count(doc) == 200_000
    original = pdf_module.MAX_INFLATED
    try:
        pdf_module.MAX_INFLATED = 100_000
        with pytest.raises(ValueError, match="larger than booklet writes"):
            pdf_module.page_count(doc)
    finally:
        pdf_module.MAX_INFLATED = original


@pytest.mark.parametrize("case", EVERY_CASE)
def test_pdfinfo_says_tagged(case, request, tmp_path):
    info = pdfinfo(request.getfixturevalue(case), tmp_path)
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info


CLASSIC = ("Fan stroke", "Circling hands", "Pétrissage", "Raking")
CARDS_READ = {  # a case: its title, its steps, and whether its back draws their diagrams
    "bedside": ("Classic back massage", CLASSIC, True),
    "large_print": ("Classic back massage", CLASSIC, False),  # they gave way to the safety set
    "large_print_with_pictures": ("Back massage routine", ("Fan stroke", "Raking"), True),
}


@pytest.mark.parametrize("case", sorted(CARDS_READ))
def test_struct_text_of_a_card_reads_in_order(case, request, tmp_path):
    """The title, then the steps as a numbered list (each number its label, its technique a
    heading), then the back: every diagram a figure with words, in the steps' order, the key
    as a figure saying what each symbol means and how it looks, the safety set."""
    pdf = request.getfixturevalue(case)
    title, names, pictured = CARDS_READ[case]
    text = pdfinfo(pdf, tmp_path, "-struct-text")
    assert text.startswith(f'Document\n  Sect\n    H1 (block)\n      "{title}"')
    steps = text.index(
        "    L (block):\n       /ListNumbering /Decimal\n      LI (block)\n        Lbl (block)\n"
        '          "1"'
    )
    spots = [text.index(f'H2 (block)\n            "{name}"') for name in names]
    assert steps < spots[0] and spots == sorted(spots)
    for number in range(1, len(names) + 1):
        assert f'Lbl (block)\n          "{number}"' in text
    found = figures(pdf)
    drawn = [alt for alt in found if alt.split(": ")[0] in names]
    assert [alt.split(": ")[0] for alt in drawn] == (list(names) if pictured else [])
    assert text.count("\n    Figure") == len(found)  # every figure on the side's own level
    assert all(len(alt) > 40 for alt in drawn)
    keys = [alt for alt in found if alt.startswith("Key to the diagrams: ")]
    assert len(keys) == (1 if pictured else 0)
    if pictured:
        assert "stroke, this way (a solid arrow)" in keys[0]
        assert "light return (a pale dashed arrow)" in keys[0]
        assert "spine: no pressure (a hatched band)" in keys[0]
    assert "Never press on the spine" in text
    assert text.index("Never press on the spine") > spots[-1]


def test_struct_text_of_the_booklet(booklet_pdf, tmp_path):
    """Sections with their headings, the contents as a TOC of references to links, lists of
    steps, the routine as a table, every technique's diagram a figure with words; in the
    booklet's order, each technique's title heard once."""
    text = pdfinfo(booklet_pdf, tmp_path, "-struct-text")
    order = [
        '"Contents"',
        "TOC",
        '"Before you begin"',
        '"When not to massage"',
        '"The pressure scale"',
        '"Your routine: Classic back massage"',
        "Table (block)",
        '"Practice log"',
        '"1. Fan stroke"',
        '"4. Raking"',
        '"Notes"',
        '"Go slowly, ask often, and enjoy the time together."',
    ]
    at = 0
    for item in order:  # each found after the one before
        at = text.index(item, at) + 1
    assert "TOCI\n        Reference (inline)\n          Link (inline)" in text
    assert text.count("Link (inline)") >= 9
    assert 'TH:\n           /Scope /Column\n          "Technique"' in text
    assert "/ListNumbering /Decimal" in text and 'Lbl (block)\n          "1."' in text
    for name in ("Fan stroke", "Circling hands", "Pétrissage", "Raking"):
        assert text.count(f'. {name}"') == 1, name  # the facing page's title is furniture
    found = figures(booklet_pdf)
    for name in ("Fan stroke", "Circling hands", "Pétrissage", "Raking"):
        assert any(alt.startswith(f"{name}: ") for alt in found), found
    assert any(alt.startswith("Key to the diagrams: ") for alt in found)
    assert any(alt.startswith("The routine as a bar") for alt in found)
    assert any(alt.startswith("How to kneel: your partner lies face down") for alt in found)


def test_every_booklet_section_has_one_title(booklet_pdf):
    """A section holds one title (H1) of its own: a notes page that puts the techniques on
    a left-hand page is a section, not a second title in the practice log's."""
    with pikepdf.open(io.BytesIO(booklet_pdf)) as doc:
        sections = []

        def walk(node) -> None:
            kinds = [
                str(k.S) for k in kids_of(node) if isinstance(k, pikepdf.Dictionary) and "/S" in k
            ]
            if str(node.get("/S")) == "/Sect":
                sections.append(kinds)
            for kid in kids_of(node):
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid)

        walk(doc.Root.StructTreeRoot.K[0])
    assert len(sections) >= 12
    assert all(kinds.count("/H1") <= 1 for kinds in sections), sections
    notes = [kinds for kinds in sections if kinds[:1] == ["/H1"] and len(kinds) == 1]
    assert len(notes) >= 2  # the page after the log and the notes at the back, each its own


def test_lang_is_es_for_lang_es(spanish_card):
    with pikepdf.open(io.BytesIO(spanish_card)) as doc:
        assert str(doc.Root.Lang) == "es"
    assert any(
        alt.startswith("Deslizamiento en abanico: desliza con ambas palmas")
        for alt in figures(spanish_card)
    )


def test_lang_es_on_the_command_line(run, tmp_path):
    """Through the door people use (the jail included): `booklet card --pdfx --lang es`."""
    result = run("card", "--pdfx", "--lang", "es", "-o", "es.pdf")
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "es.pdf").read_bytes()
    assert re.search(r"^Tagged:\s+yes$", pdfinfo(pdf, tmp_path), re.M)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.Root.Lang) == "es"
        assert "/OutputIntents" in doc.Root


def test_a_cmyk_card_in_spanish_is_tagged_too(spanish_cmyk_card, spanish_card):
    with pikepdf.open(io.BytesIO(spanish_cmyk_card)) as doc:
        assert str(doc.Root.Lang) == "es"
        content = doc.pages[0].Contents.read_bytes()
        assert b" k" in content and b" rg" not in content  # converted, tags kept
    assert [e[:2] for e in elements(spanish_cmyk_card)] == [e[:2] for e in elements(spanish_card)]


def test_a_pdfx_card_in_spanish_is_tagged(spanish_pdfx_card, spanish_card, tmp_path):
    """PDF/X-4 and PDF/UA-1 at once: the output intent, and the tree; one XMP packet names
    both standards."""
    assert re.search(r"^Tagged:\s+yes$", pdfinfo(spanish_pdfx_card, tmp_path), re.M)
    with pikepdf.open(io.BytesIO(spanish_pdfx_card)) as doc:
        assert str(doc.Root.Lang) == "es"
        assert doc.Root.OutputIntents[0].S == "/GTS_PDFX"
        xmp = doc.Root.Metadata.read_bytes().decode("utf-8")
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp and "<pdfxid:GTS_PDFXVersion>" in xmp
        assert doc.docinfo.GTS_PDFXVersion == "PDF/X-4"
    assert spanish_pdfx_card[:8] == b"%PDF-1.6"  # PDF/X-4's version, tags and all
    assert [e[:2] for e in elements(spanish_pdfx_card)] == [e[:2] for e in elements(spanish_card)]


def test_a_pdfx_booklet_keeps_the_words_of_its_links(pdfx_booklet, booklet_pdf):
    """PDF/X leaves the links out; the contents' words stay in the tree, no longer links."""
    with pikepdf.open(io.BytesIO(pdfx_booklet)) as doc:
        assert not any("/Annots" in page.obj for page in doc.pages)
    tagged = [kind for _, kind, _ in elements(pdfx_booklet)]
    assert "Link" not in tagged
    assert tagged == ["Span" if kind == "Link" else kind for _, kind, _ in elements(booklet_pdf)]


# --- what PDF/UA-1 asks of every file ----------------------------------------------------------


@pytest.mark.parametrize("case", EVERY_CASE)
def test_pdf_ua_rules_hold(case, request):
    """Every mark tagged or an artifact (never one in the other), the parent tree right both
    ways, figures with words, lists, tables and contents well formed, headings in order, links
    and their annotations, tab order, fonts: tests/ua_rules.py."""
    assert ua_rules.problems(request.getfixturevalue(case)) == []


@pytest.mark.parametrize("case", ["bedside", "booklet_pdf", "saddle_booklet", "sheet_of_cards"])
def test_the_file_declares_itself(case, request):
    """Marked, in its language, its title in the window, XMP with the title and PDF/UA-1."""
    with pikepdf.open(io.BytesIO(request.getfixturevalue(case))) as doc:
        root = doc.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "en"
        assert root.ViewerPreferences.DisplayDocTitle is True
        xmp = root.Metadata.read_bytes().decode("utf-8")
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
        assert "<dc:title>" in xmp and str(doc.docinfo.Title) in xmp
        assert all(page.obj.Tabs == "/S" for page in doc.pages)


def test_nothing_a_reader_sees_is_hidden_from_a_screen_reader(booklet_pdf, tmp_path):
    """Every word on the pages is in the structure (folios and bullets aside)."""
    seen = poppler("pdftotext", booklet_pdf, tmp_path)
    heard = pdfinfo(booklet_pdf, tmp_path, "-struct-text")
    words = set(re.findall(r"[^\W\d_]{3,}", seen))
    missing = {w for w in words if w not in heard}
    assert not missing, sorted(missing)[:20]


def test_contents_links_say_where_they_lead(booklet_pdf):
    """Each link annotation has a description, its place in the tree (an OBJR in a Link
    element) and a /StructParent that leads back there."""
    with pikepdf.open(io.BytesIO(booklet_pdf)) as doc:
        nums = list(doc.Root.StructTreeRoot.ParentTree.Nums)
        parents = dict(zip(nums[::2], nums[1::2], strict=True))
        annotations = [a for page in doc.pages for a in page.obj.get("/Annots", [])]
        links = [a for a in annotations if a.Subtype == "/Link"]
        assert len(links) >= 9
        for annotation in links:
            assert str(annotation.Contents).endswith(tuple("0123456789")), annotation.Contents
            element = parents[int(annotation.StructParent)]
            assert element.S == "/Link" and element.P.S == "/Reference"
            assert any(
                isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                and k.Obj.objgen == annotation.objgen
                for k in element.K
            )  # fmt: skip
        assert str(links[0].Contents) == "Before you begin, page 4"


def test_right_to_left_tables_and_contents_read_in_their_own_order(hebrew_booklet):
    """Drawn from the right (a row's last cell first), read from the first: the routine's
    header row starts with its empty corner, and each contents entry with its title (words
    shaped right to left, in /ActualText spans) before its page number (digits)."""
    with pikepdf.open(io.BytesIO(hebrew_booklet)) as doc:
        header = kids_of(kids_of(first_element(doc, "/Table"))[0])
        assert [str(k.S) for k in header] == ["/TH"] * 4
        assert [spans_in(doc, k) for k in header][0] == 0  # the corner: no words
        assert all(spans_in(doc, k) > 0 for k in header[1:])  # then the columns' names
        reference = first_element(doc, "/Reference")
        title, number = kids_of(reference)
        assert spans_in(doc, title) > 0 and spans_in(doc, number) == 0


def test_cells_read_in_their_place_whatever_order_they_are_drawn_in():
    """The recorder puts a row's cells, a table's rows and the contents' entries where their
    place says, not where the drawing happened to reach them first."""
    from booklet.text.tagging import Cell, Entry, within

    class Canvas:  # all the recorder needs of a canvas: somewhere to keep itself
        def addLiteral(self, text: str) -> None:  # noqa: N802
            pass

    canvas = Canvas()
    tags = __import__("booklet.text.tagging", fromlist=["start"]).start(canvas, "he")
    tags.begin_page()
    for row, col in [(1, 3), (1, 0), (0, 2), (1, 1), (0, 0), (1, 2), (0, 3), (0, 1)]:
        with within(canvas, Cell(row, col, header=row == 0)):
            pass
    for order in (2, 0, 1):
        with within(canvas, Entry(f"e{order}", order)):
            pass
    tags.end_page()
    rows = [n for n in tags.root.kids if getattr(n, "tag", "") == "TR"]
    assert [r.rank for r in rows] == [(0,), (1,)]
    assert all([c.rank for c in r.kids] == [(0,), (1,), (2,), (3,)] for r in rows)
    entries = [n for n in tags.root.kids if getattr(n, "tag", "") == "TOCI"]
    assert [e.rank for e in entries] == [(0,), (1,), (2,)]


def spans_in(doc, element) -> int:
    """How many /ActualText spans the marked content of an element (and its kids) holds."""
    found = 0
    page = element.get("/Pg")
    for kid in kids_of(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += spans_in(doc, kid)
        elif isinstance(kid, int) or kid.get("/Type") == "/MCR":  # not a link's OBJR
            mcid = kid if isinstance(kid, int) else int(kid.MCID)
            where = page if isinstance(kid, int) else kid.get("/Pg", page)
            found += spans_of(where, mcid)
    return found


def spans_of(page, mcid: int) -> int:
    count, depth = 0, 0
    for operands, op in pikepdf.parse_content_stream(page):
        name = str(op)
        if depth == 0:
            if name == "BDC" and operands[1].get("/MCID") == mcid:
                depth = 1
            continue
        if name in ("BDC", "BMC"):
            depth += 1
            count += name == "BDC" and "/ActualText" in operands[1]
        elif name == "EMC":
            depth -= 1
            if depth == 0:
                break
    return count


def test_a_handout_says_whose_logo_and_where_its_code_leads(handout):
    found = figures(handout)
    assert "Logo of Ana Ruiz, LMT" in found
    assert f"QR code for {LINK}" in found


def test_hyphens_the_breaking_added_read_as_soft_hyphens(german_booklet, tmp_path):
    """A word broken at a line's end is one word to a reader: the hyphen is content of its
    own standing for U+00AD (ISO 32000-1 14.8.2.2.3), which pdftotext (as a screen reader)
    follows; the word's own hyphens are left as they are."""
    with pikepdf.open(io.BytesIO(german_booklet)) as doc:
        soft = [
            operands[1]
            for page in doc.pages
            for operands, op in pikepdf.parse_content_stream(page)
            if str(op) == "BDC" and "/ActualText" in operands[1]
        ]
    assert all(str(s.ActualText) == "\u00ad" and "/MCID" in s for s in soft)
    assert len(soft) >= 4  # "Throm-bose", "eingestell-tem" and more
    text = poppler("pdftotext", german_booklet, tmp_path)
    assert "Thrombose" in text and "eingestelltem" in text  # joined again
    assert "Herz- oder" in text  # a word's own hyphen stays
    assert not re.search(r"[a-zäöüß]-\n[a-zäöüß]", text), text


def test_a_soft_hyphen_prints_where_the_hyphen_did():
    """The same hyphenated paragraph drawn tagged and untagged: the same pixels."""
    from booklet.press.pdf import new_canvas
    from booklet.text.fonts import register
    from booklet.text.markup import parse
    from booklet.text.paragraph import TextBlock
    from booklet.text.style import TextStyle
    from booklet.text.tagging import begin_page, end_page, start
    from tests.helpers import rasterize

    text = "Knead small handfuls of muscle, working from the lower back up to the shoulders."
    style = TextStyle(register("text"), 10.0, "#000000", lang="en")

    def drawn(tagged: bool) -> bytes:
        buffer = io.BytesIO()
        canvas = new_canvas(buffer, (120, 140), "t", "t")
        if tagged:
            start(canvas, "en")
        begin_page(canvas)
        block = TextBlock(parse(text), style)
        block.wrap(80, 1000)
        assert any(line.hyphenated for line in block.lines)
        block.drawOn(canvas, 10, 10)
        end_page(canvas)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    tagged, plain = drawn(True), drawn(False)

    def soft_hyphens(pdf: bytes) -> int:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            ops = pikepdf.parse_content_stream(doc.pages[0])
            return sum(
                1 for operands, op in ops if str(op) == "BDC" and "/ActualText" in operands[1]
            )

    assert soft_hyphens(tagged) >= 1 and soft_hyphens(plain) == 0
    assert rasterize(tagged, dpi=600).tobytes() == rasterize(plain, dpi=600).tobytes()


def test_a_sheet_carries_the_card_once(sheet_of_cards, bedside):
    """A print sheet holds many copies; a reader hears the card once (the first copy tagged,
    the others one form placed as decoration)."""
    tagged = [kind for _, kind, _ in elements(sheet_of_cards)]
    assert tagged == [kind for _, kind, _ in elements(bedside)]


def test_saddle_sheets_keep_the_booklets_order(saddle_booklet, booklet_pdf):
    """Imposed, the pages are forms on sheets in folding order; the tree still reads the
    booklet from its cover, its content referred to through the forms."""
    assert [e[:2] for e in elements(saddle_booklet)] == [
        (depth, "Span" if kind == "Link" else kind) for depth, kind, _ in elements(booklet_pdf)
    ]  # the links went with the imposition: their words remain
    with pikepdf.open(io.BytesIO(saddle_booklet)) as doc:
        forms = [
            form
            for page in doc.pages
            for name, form in dict(page.obj.Resources.XObject).items()
            if re.fullmatch(r"/P\d+", name)
        ]
        tagged = [form for form in forms if b"/MCID" in form.read_bytes()]
        assert tagged and all("/StructParents" in form for form in tagged)


def test_a_second_copy_of_a_spread_is_untagged(two_spreads_a_sheet):
    with pikepdf.open(io.BytesIO(two_spreads_a_sheet)) as doc:
        xobjects = dict(doc.pages[0].obj.Resources.XObject)
        copies = [form for name, form in xobjects.items() if name.endswith("c")]
        assert copies
        for form in copies:
            ops = {str(op) for _, op in pikepdf.parse_content_stream(form)}
            assert not ops & {"BDC", "BMC", "EMC"} and "/StructParents" not in form


def test_tags_change_nothing_on_the_page():
    """A sheet whose first copy is drawn on the sheet, tagged, looks as the untagged sheet
    does, where every copy is a placed form (only the anti-aliasing of text may differ)."""
    from PIL import ImageChops

    from booklet.press.sheets import card_sheets
    from booklet.products.card.build import build_card, side_painter
    from tests.helpers import rasterize

    library = load_library()
    request = CardRequest(sheet="letter")
    tagged = render_card(library, library.plan("classic"), request)
    built = build_card(library, library.plan("classic"), request)
    plain, structure = card_sheets(
        [side_painter(a) for a in built.sides], built.trim, bleed=0.0, sheet="letter",
        flip="long", offset=(0.0, 0.0), title="t",
    )  # fmt: skip
    assert structure is None
    for page in (0, 1):
        difference = ImageChops.difference(
            rasterize(tagged, page, dpi=100), rasterize(plain, page, dpi=100)
        ).convert("L")
        changed = sum(difference.histogram()[40:])
        assert changed < difference.width * difference.height * 0.005


def test_same_inputs_same_bytes():
    assert card("es") == card("es")
    assert book(size="a6") == book(size="a6")


def test_the_default_card_stays_small(bedside):
    assert len(bedside) < 32 * 1024


# --- the rules can fail: each breach is caught --------------------------------------------------


def edited(pdf: bytes, edit) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        edit(doc)
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def first_element(doc, kind: str):
    stack = [doc.Root.StructTreeRoot]
    while stack:
        node = stack.pop(0)
        if str(node.get("/S")) == kind:
            return node
        stack += [k for k in kids_of(node) if isinstance(k, pikepdf.Dictionary) and "/S" in k]
    raise LookupError(kind)


def rewrite_page(doc, change) -> None:
    page = doc.pages[0]
    ops = list(pikepdf.parse_content_stream(page))
    page.Contents = doc.make_stream(pikepdf.unparse_content_stream(change(ops)))


def loose_text(ops):
    font = next(operands[0] for operands, op in ops if str(op) == "Tf")
    extra = [([], "BT"), ([font, 9], "Tf"), ([10, 10], "Td"), ([pikepdf.String("x")], "Tj")]
    extra.append(([], "ET"))
    return ops + [pikepdf.ContentStreamInstruction(a, pikepdf.Operator(o)) for a, o in extra]


def artifact_in_tagged(ops):
    at = next(i for i, (operands, op) in enumerate(ops) if str(op) == "BDC")
    nested = [([pikepdf.Name.Artifact], "BMC"), ([], "EMC")]
    inserted = [pikepdf.ContentStreamInstruction(a, pikepdf.Operator(o)) for a, o in nested]
    return ops[: at + 1] + inserted + ops[at + 1 :]


BREACHES = {
    "figure-without-words": (
        "bedside",
        lambda doc: first_element(doc, "/Figure").__delitem__("/Alt"),
        "7.3",
    ),
    "text-neither-tagged-nor-artifact": (
        "bedside",
        lambda doc: rewrite_page(doc, loose_text),
        "7.1-3",
    ),
    "artifact-inside-tagged-content": (
        "bedside",
        lambda doc: rewrite_page(doc, artifact_in_tagged),
        "7.1-1",
    ),
    "parent-tree-missing-a-page": (
        "bedside",
        lambda doc: doc.pages[0].obj.__setitem__("/StructParents", 999),
        "no parent tree entry",
    ),
    "heading-skips-a-level": (
        "bedside",
        lambda doc: first_element(doc, "/H2").__setitem__("/S", pikepdf.Name.H4),
        "H4 follows",
    ),
    "no-language": ("bedside", lambda doc: doc.Root.__delitem__("/Lang"), "no /Lang"),
    "link-without-words": (
        "booklet_pdf",
        lambda doc: doc.pages[2].obj.Annots[0].__delitem__("/Contents"),
        "without /Contents",
    ),
    "annotations-not-tabbed-by-structure": (
        "booklet_pdf",
        lambda doc: doc.pages[2].obj.__delitem__("/Tabs"),
        "tab order",
    ),
}


@pytest.mark.parametrize("breach", sorted(BREACHES))
def test_the_rules_catch_each_breach(breach, request):
    case, edit, said = BREACHES[breach]
    found = ua_rules.problems(edited(request.getfixturevalue(case), edit))
    assert any(said in problem for problem in found), found


# --- the pictures in words ------------------------------------------------------------------


@pytest.fixture
def fan_stroke():
    return load_library().techniques["fan-stroke"]


def test_fan_stroke_in_words(fan_stroke):
    """Its hand marks say both palms, fingers pointing out; its solid arrow where they glide,
    its pale dashed one the light return."""
    words = load_library().words
    assert describe_technique(fan_stroke, words) == (
        "Fan stroke: glide with both palms (fingers pointing out to the sides) up beside the "
        "spine, then out over the shoulder blades; return lightly down the sides, then in "
        "across the middle of the back."
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_key_and_the_giver_in_words(lang):
    """Every symbol a key may show, in each language: what it means, then how it looks (a
    hand's letter the language's own); the giver's picture, how to kneel."""
    from booklet.draw.describe import describe_giver, describe_key
    from booklet.draw.key import ALL
    from booklet.draw.pieces import typeset_key

    words = load_library().in_language(lang).words
    key = typeset_key(words)
    text = describe_key(ALL, ("ribs", "lower-back"), key)
    assert "{" not in text and text.count("(") == len(ALL)
    assert f"({key.look('right')})" in text and key.letter("right") in key.look("right")
    if lang != "en":
        assert not re.search(r"\b(arrow|hand|filled|dotted)\b", text), text
    if lang == "fr":  # a narrow no-break space before every semicolon, as printed French has
        assert text.count("\u202f;") == len(ALL) - 1 and " ;" not in text
    if lang == "ar":  # the Arabic semicolon and comma, as printed Arabic has
        assert text.count("؛") == len(ALL) - 1 and not re.search("[;,]", text), text
    giver = describe_giver(words)
    assert "{" not in giver and len(giver) > 60


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_describes_every_diagram(lang):
    """Every built-in diagram in each language's own words: no placeholder left, no English
    phrase in another language."""
    library = load_library().in_language(lang)
    for technique in library.techniques.values():
        text = describe_technique(technique, library.words)
        assert "{" not in text and text.startswith(technique.name)
        if lang != "en":
            assert not re.search(r"\b(glide|both palms|beside the spine|then)\b", text), text
    timeline = describe_timeline(library.plan("classic"), library.words)
    assert "{" not in timeline and ".." not in timeline
    first = library.plan("classic").steps[0]  # minutes in full: "5 min" is read as a word
    assert f"{first.technique.name}{library.words.text('list_comma')}" in timeline
    spoken = timeline.replace("\u00a0", " ")  # a number keeps its word on a line: read alike
    assert library.words.count("minutes", first.minutes) in spoken, timeline
    if lang == "ar":  # the Arabic semicolon and comma, in the strokes and the timeline
        for text in [
            timeline,
            *(describe_technique(t, library.words) for t in library.techniques.values()),
        ]:
            assert not re.search("[;,]", text), text


def stroke_technique(*strokes: Stroke, caution: tuple[str, ...] = ()) -> Technique:
    base = load_library().techniques["fan-stroke"]
    return base._replace(name="Test", diagram=Diagram(strokes, caution))


@pytest.mark.parametrize(
    ("stroke", "expected"),
    [
        (
            Stroke("circles", ((0.3, 0.12), (0.31, 0.86)), order=1, contact="palm", hand="right"),
            "make anticlockwise circles with the right palm up the left side of the back, "
            "from the waist to the shoulders",
        ),
        (
            Stroke("circles", ((0.3, 0.3), (0.3, 0.6)), mirror=True, contact="thumbs"),
            "make circles with both thumbs, the hands turning opposite ways, up each side of "
            "the back",
        ),
        (
            Stroke("press", ((0.35, 0.5), (0.36, 0.52)), mirror=True, contact="thumbs"),
            "press with both thumbs on the middle of the back",
        ),
        (
            Stroke("glide", ((0.42, 0.95), (0.12, 0.93)), contact="forearm", hand="left"),
            "glide with the left forearm out across the tops of the shoulders",
        ),
        (
            Stroke("rake", ((0.1, 0.9), (0.1, 0.2)), fingers=3),
            "rake with one hand, fingers spread, down the left edge of the back, from the "
            "shoulders to the lower back",
        ),
    ],
    ids=["circles-one-hand", "circles-mirrored", "press-in-place", "glide-out", "rake-edge"],
)
def test_a_stroke_in_words(stroke, expected):
    text = describe_technique(stroke_technique(stroke), load_library().words)
    assert text == f"Test: {expected}."


def test_caution_zones_close_the_words():
    stroke = Stroke("knead", ((0.3, 0.1), (0.3, 0.9)), mirror=True, contact="thumbs")
    text = describe_technique(stroke_technique(stroke, caution=("ribs",)), load_library().words)
    assert text.endswith(". Ribs: go gently.")


def test_the_recorder_refuses_content_outside_a_page():
    with pytest.raises(AssertionError):
        Tags("en").open_content(Tags("en").root)
