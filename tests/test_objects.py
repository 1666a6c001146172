"""booklet.press.objects: the small reader and writer that tags a file booklet has just made
(it replaced pikepdf, whose loading cost a card's process a tenth of a second). Every file it
writes is read back by qpdf (pikepdf) and must hold the same objects; titles and words a
stranger wrote (parentheses, backslashes, `endobj`, line breaks, any script) survive it; files
booklet's writers do not make are refused, not guessed at."""

from __future__ import annotations

import io

import pikepdf
import pytest
from reportlab.pdfgen.canvas import Canvas

from booklet.press.objects import (
    Document,
    Name,
    Parser,
    PdfSyntaxError,
    Ref,
    Stream,
    decode_text,
    serialize,
    text_string,
)

HOSTILE_TITLE = "Massage (for Ana) \\ endobj endstream trailer\r\n>> << %% é “ü” 漢字 עברית"


def reportlab_file(title: str = "A card", pages: int = 2, link: bool = False) -> bytes:
    """A file as ReportLab writes it: classic cross-reference table, objects in order."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(200, 300), invariant=1, pageCompression=1)
    canvas.setTitle(title)
    for page in range(pages):
        canvas.drawString(20, 250, f"page {page + 1} {title}")
        if link:
            canvas.linkURL("https://example.org/a(b)c", (20, 240, 120, 260))
        canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.fixture
def hostile_title_file() -> bytes:
    return reportlab_file(HOSTILE_TITLE, link=True)


def test_an_untouched_file_is_written_back_with_the_same_objects(hostile_title_file, tmp_path):
    written = Document(hostile_title_file).write("1.5")
    (tmp_path / "written.pdf").write_bytes(written)  # checked by qpdf after the test (conftest)
    with (
        pikepdf.open(io.BytesIO(hostile_title_file)) as before,
        pikepdf.open(io.BytesIO(written)) as after,
    ):
        assert len(after.pages) == len(before.pages) == 2
        assert str(after.docinfo["/Title"]) == str(before.docinfo["/Title"]) == HOSTILE_TITLE
        for old, new in zip(before.pages, after.pages, strict=True):
            assert new.Contents.read_bytes() == old.Contents.read_bytes()
            assert str(new.Annots[0].A.URI) == "https://example.org/a(b)c"


def test_small_objects_go_into_object_streams_and_streams_stay_whole(hostile_title_file):
    written = Document(hostile_title_file).write("1.5")
    assert written.startswith(b"%PDF-1.5")
    assert b"/Type /ObjStm" in written and b"/Type /XRef" in written
    assert b"/Type /Catalog" not in written  # compressed with the other small dictionaries
    with pikepdf.open(io.BytesIO(written)) as pdf:
        assert b"(page 1 Massage \\(for Ana\\)" in pdf.pages[0].Contents.read_bytes()


def test_edits_and_new_objects_are_written(hostile_title_file, tmp_path):
    doc = Document(hostile_title_file)
    pages = doc.pages()
    doc.dictionary(pages[1])[Name("Tabs")] = Name("S")
    words = doc.add({Name("Alt"): text_string(HOSTILE_TITLE), Name("Pg"): pages[1]})
    doc.root[Name("Extra")] = [words, 1.25, -0.5, True, None, Name("A b#c")]
    written = doc.write("1.5")
    (tmp_path / "edited.pdf").write_bytes(written)
    with pikepdf.open(io.BytesIO(written)) as pdf:
        assert pdf.pages[1].Tabs == pikepdf.Name.S
        extra = pdf.Root.Extra
        assert str(extra[0].Alt) == HOSTILE_TITLE
        assert extra[0].Pg.objgen == pdf.pages[1].objgen
        assert [float(extra[1]), float(extra[2]), bool(extra[3])] == [1.25, -0.5, True]
        assert extra[4] is None
        assert str(extra[5]) == "/A b#c"


def test_same_file_same_bytes(hostile_title_file):
    assert Document(hostile_title_file).write("1.5") == Document(hostile_title_file).write("1.5")


@pytest.mark.parametrize(
    "text",
    ["Classic back massage", "Séance — “douce”", "Rücken, ‘Fächer’ … €", "עיסוי גב", "تدليك", ""],
)
def test_text_strings_read_back_as_written(text):
    encoded = text_string(text)
    assert decode_text(encoded) == text
    assert Parser(serialize(encoded)).value() == encoded
    assert str(pikepdf.String(encoded)) == text  # and qpdf reads the same text


def test_latin_words_take_one_byte_a_letter():
    assert text_string("Séance — douce") == b"S\xe9ance \x84 douce"  # PDFDocEncoding
    assert text_string("עיסוי").startswith(b"\xfe\xff")


def test_the_parser_reads_what_both_writers_write():
    source = (
        b"<< /A [1 2.5 -3 .5 (a\\(b\\)c\\\\) <48 65 6c6c6f> /N#20x true false null 7 0 R] "
        b"% a comment\n /B << /C (nested (balanced) parens\\\nhere\\101) >> >>"
    )
    value = Parser(source).value()
    assert value == {
        "A": [1, 2.5, -3, 0.5, b"a(b)c\\", b"Hello", Name("N x"), True, False, None, Ref(7)],
        "B": {"C": b"nested (balanced) parenshereA"},
    }
    assert Parser(serialize(value)).value() == value


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (b"[" * 100 + b"]" * 100, "nested too deeply"),
        (b"(never ends", "never ends"),
        (b"<< /A 1", "ends inside"),
        (b"<< 1 2 >>", "not a name"),
        (b"<4g>", "not hex"),
        (b"[1 R]", "unexpected"),
        (b"[1 2 R]", "generation other than 0"),
    ],
)
def test_the_parser_refuses_what_is_not_pdf(source, problem):
    with pytest.raises(PdfSyntaxError, match=problem):
        Parser(source).value()


def test_a_file_booklet_does_not_write_is_refused():
    plain = reportlab_file()
    with pikepdf.open(io.BytesIO(plain)) as pdf:  # object streams and a cross-reference stream
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    with pytest.raises(PdfSyntaxError, match="classic cross-reference"):
        Document(out.getvalue())
    with pytest.raises(PdfSyntaxError, match="startxref"):
        Document(plain[:-40])
    updated = plain.replace(b"/Root", b"/Prev 9 /Root", 1)  # in the trailer, after the table
    with pytest.raises(PdfSyntaxError, match="updated or encrypted"):
        Document(updated)


def test_an_object_out_of_place_is_refused():
    plain = reportlab_file()
    doc = Document(plain)
    first = min(doc.offsets, key=doc.offsets.__getitem__)
    doc.offsets[first] += 3  # the cross-reference points into the middle of an object
    with pytest.raises(PdfSyntaxError, match="not where the cross-reference says"):
        doc.write("1.5")


def test_a_stream_keeps_its_bytes_when_its_dictionary_is_edited():
    doc = Document(reportlab_file())
    page = doc.dictionary(doc.pages()[0])
    contents = page[Name("Contents")]
    assert isinstance(contents, Ref)
    stream = doc.get(contents.number)
    assert isinstance(stream, Stream)
    stream.dictionary[Name("StructParents")] = 4
    with pikepdf.open(io.BytesIO(doc.write("1.5"))) as pdf:
        assert pdf.pages[0].Contents.StructParents == 4
        assert b"page 1" in pdf.pages[0].Contents.read_bytes()
