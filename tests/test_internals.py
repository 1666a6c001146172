"""ReportLab and pypdf internals booklet relies on (booklet/base/internals.py): if an upgrade
moves one, this fails by name, before anything prints wrong."""

from __future__ import annotations

import io

from booklet.base import internals


def test_reportlab_canvas_keeps_its_document_and_fonts_their_subset_state():
    from reportlab.pdfbase.pdfdoc import PDFDocument
    from reportlab.pdfbase.pdfmetrics import getFont
    from reportlab.pdfgen.canvas import Canvas

    from booklet.text.fonts import register

    face = register("sans").regular
    canvas = Canvas(io.BytesIO())
    document = internals.canvas_document(canvas)
    assert isinstance(document, PDFDocument), "Canvas._doc moved"
    font = getFont(face)
    assert internals.subset_state(font, document) is None
    font.splitString("abc", document)
    state = internals.subset_state(font, document)
    assert state is not None, "TTFont.state moved"
    assert {ord(c) for c in "abc"} <= set(state.assignments), "subset assignments moved"
    assert isinstance(state.nextCode, int)


def test_platypus_can_lay_out_without_saving_and_paragraphs_keep_their_lines():
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer)
    doc.addPageTemplates([PageTemplate("p", [Frame(36, 36, 200, 200)])])
    source = __import__("inspect").getsource(BaseDocTemplate)
    assert "getattr(self,'_doSave',1)" in source, "BaseDocTemplate no longer reads _doSave"
    internals.skip_saving(doc, False)
    paragraph = Paragraph("words " * 40, ParagraphStyle("s"))
    doc.build([paragraph])
    assert buffer.getvalue() == b"", "a build with _doSave off wrote a file"
    fresh = Paragraph("words " * 40, ParagraphStyle("s"))
    fresh.wrap(200, 200)
    assert internals.paragraph_lines_kept(fresh), "Paragraph.blPara moved"


def test_pypdf_writer_adds_indirect_objects():
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, IndirectObject

    writer = PdfWriter()
    reference = internals.add_object(writer, DecodedStreamObject())
    assert isinstance(reference, IndirectObject), "PdfWriter._add_object moved"


def test_pypdf_writer_gives_its_information_dictionary_itself():
    from pypdf import PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter()
    writer.add_metadata({"/Title": "T"})
    internals.information_dictionary(writer)[NameObject("/Trapped")] = NameObject("/False")
    assert isinstance(writer.metadata["/Trapped"], NameObject), "PdfWriter._info moved"


def test_reportlab_compresses_streams_through_its_pdfdoc_modules_zlib():
    """booklet.base.internals.stream_compression swaps that module's zlib for one at booklet's
    level."""
    import zlib

    import reportlab.pdfbase.pdfdoc as pdfdoc

    from booklet.base.internals import STREAM_LEVEL, stream_compression

    stream_compression()
    data = b"booklet " * 500
    assert pdfdoc.zlib.compress(data) == zlib.compress(data, STREAM_LEVEL)
    assert pdfdoc.zlib.decompress(pdfdoc.zlib.compress(data)) == data
    import inspect

    assert "zlib.compress(" in inspect.getsource(pdfdoc)  # still how ReportLab compresses


def test_compressed_streams_are_remembered_by_their_whole_input_within_a_bound():
    """The zlib booklet gives ReportLab hands back what it compressed before for the same
    bytes, and keeps no more than its bound of them, the oldest leaving first."""
    import zlib

    packer = internals._Zlib(internals.STREAM_LEVEL)
    first = b"side of a card " * 400
    assert packer.compress(first) == zlib.compress(first, internals.STREAM_LEVEL)
    assert packer.compress(bytes(first)) == zlib.compress(first, internals.STREAM_LEVEL)
    piece = packer.MEMORY // 16
    for n in range(40):  # twice and a half the bound, all different
        data = n.to_bytes(4, "big") * (piece // 4)
        assert zlib.decompress(packer.compress(data)) == data
    assert packer.held <= packer.MEMORY
    assert first not in packer.recent  # the oldest went first
    assert packer.compress(first) == zlib.compress(first, internals.STREAM_LEVEL)


def test_reportlab_makes_a_fonts_subsets_with_one_method_and_a_repeat_is_the_same():
    """booklet.base.internals.remembered_subsets wraps TTFontFile.makeSubset: a subset asked
    again is the one made before, and a subset made between them changes nothing."""
    import reportlab.pdfbase.ttfonts as ttfonts
    from reportlab.pdfbase.pdfmetrics import getFont

    from booklet.text.fonts import face, register

    internals.remembered_subsets()
    assert getattr(ttfonts.TTFontFile.makeSubset, "remembering", False), "makeSubset moved"
    font = getFont(face(register("sans").regular))
    subset = [ord(c) for c in " Backmasg"]
    made = font.face.makeSubset(subset)
    other = font.face.makeSubset([ord(c) for c in " xyz"])
    assert other != made and font.face.makeSubset(list(subset)) == made
    assert made.startswith(b"\x00\x01\x00\x00")  # a TrueType file


def test_remembered_subsets_are_bounded_in_bytes_and_a_large_one_is_not_kept(monkeypatch):
    """Attack: a stranger's font with megabytes of hinting tables, copied whole into every
    subset, and a title of new letters in each variant grew a batch worker by 16 copies of the
    font. Subsets are kept within one bound for the process, and a large one not at all."""
    import reportlab.pdfbase.ttfonts as ttfonts
    from reportlab.pdfbase.pdfmetrics import getFont

    from booklet.text.fonts import face, register

    internals.remembered_subsets()
    make = ttfonts.TTFontFile.makeSubset
    font = getFont(face(register("sans").regular))
    one = len(font.face.makeSubset([ord(" "), ord("a")]))
    monkeypatch.setattr(internals, "SUBSET_MEMORY", 5 * one)
    letters = "bcdefghijklmnopqrstuvwxyz"
    for n in range(len(letters)):  # 25 subsets, all different
        font.face.makeSubset([ord(" "), *map(ord, letters[: n + 1])])
    assert make.held[0] <= 5 * one
    monkeypatch.setattr(internals, "SUBSET_MEMORY", 10**9)  # nothing leaves now
    monkeypatch.setattr(internals, "SUBSET_LARGEST", one - 1)
    before = make.held[0]
    font.face.makeSubset([ord(" "), *map(ord, "QRSTUV")])
    assert make.held[0] == before  # too large to keep


def test_a_subset_remembered_before_a_private_code_had_its_glyph_is_not_reused():
    """Attack: a stranger's text holds a private-use character the face does not map (it
    prints as the missing glyph); later, shaping gives that code a glyph. The same characters
    asked again make a new subset with the glyph, not the remembered one."""
    from reportlab.pdfbase.pdfmetrics import getFont

    from booklet.text.fonts import face, register

    internals.remembered_subsets()
    font = getFont(face(register("serif").bold))
    glyph = font.face.charToGlyph[ord("Q")]
    code = 0xE000 + glyph
    assert code not in font.face.charToGlyph  # unmapped: this face maps no private codes
    subset = [ord(" "), ord("Q"), code]
    before = font.face.makeSubset(subset)
    assert internals.private_glyph_code(font, glyph, 500.0) == code
    after = font.face.makeSubset(subset)
    assert after != before
    import reportlab.pdfbase.ttfonts as ttfonts

    assert after == ttfonts.TTFontFile.makeSubset.__wrapped__(font.face, subset)


def test_reportlab_writes_its_subsets_to_unicode_maps_with_one_function():
    """booklet.base.internals.astral_to_unicode replaces it: emoji past U+FFFF keep their own
    characters in a PDF's text (UTF-16), everything else the same bytes as before."""
    import reportlab.pdfbase.ttfonts as ttfonts

    internals.astral_to_unicode()
    assert ttfonts.makeToUnicodeCMap is internals._to_unicode_cmap, "makeToUnicodeCMap moved"
    cmap = internals._to_unicode_cmap("F", [0x41, 0x1F600])
    assert "<00> <0041>" in cmap and "<01> <D83DDE00>" in cmap


def words_to_hyphenate() -> list[str]:
    """Every word of four letters or more in booklet's own texts, in every language."""
    import re
    from pathlib import Path

    import booklet

    root = Path(booklet.__file__).parent.parent / "techniques"
    text = " ".join(p.read_text("utf-8") for p in sorted(root.rglob("*.yaml")))
    text += " Rückenmassage Schulterblätter Wirbelsäule Massageöl Handballen Druckstärke"
    text += " effleurage pétrissage omoplates colonne vertébrale espalda columna vertebral"
    return sorted({w for w in re.findall(r"[^\W\d_]{4,}", text)})


def test_pyphen_points_are_the_same_with_patterns_parsed_as_needed():
    """booklet.base.internals.quick_hyphenator files Pyphen's patterns unparsed and parses
    each as a word needs it (German's dictionary loaded in 0.6 s): every word of booklet's
    texts gets the same hyphenation points from it as from Pyphen's own loading."""
    import pyphen

    words = words_to_hyphenate()
    assert len(words) > 1000
    for name in ("en", "en_US", "es", "fr", "de", "de_DE", "pt", "pt_PT"):  # en, de, pt: as used
        path = pyphen.LANGUAGES[name]
        stock = pyphen.HyphDict(path)  # Pyphen's own parse, not from its cache
        pyphen.hdcache.pop(path, None)
        quick = internals.quick_hyphenator(name, 3, 3).hd
        assert quick is not stock and type(quick.patterns).__name__ == "_PatternsByNeed"
        assert quick.maxlen == stock.maxlen, "HyphDict.maxlen"
        for word in words:
            assert quick.positions(word) == stock.positions(word), (name, word)
        pyphen.hdcache.pop(path, None)


def test_reportlab_keeps_harfbuzz_and_its_glyph_tables_where_booklet_reaches_them():
    """booklet.base.internals loads ReportLab without HarfBuzz in the jail and hands it over
    later (`ttfonts.uharfbuzz`), and gives unmapped glyphs their private codes through the
    face's own tables (charToGlyph, glyphToChar, charWidths)."""
    import reportlab.pdfbase.ttfonts as ttfonts
    from reportlab.pdfbase.pdfmetrics import getFont

    from booklet.text.fonts import face

    assert hasattr(ttfonts, "uharfbuzz"), "ttfonts.uharfbuzz moved"
    internals.with_harfbuzz()
    assert ttfonts.uharfbuzz is not None
    font = getFont(face("BookletArabic"))
    for table in ("charToGlyph", "glyphToChar", "charWidths"):
        assert isinstance(getattr(font.face, table), dict), f"TTFontFace.{table} moved"
    gid = 0x1800  # past the face's last glyph (1315): no shaped text ever meets it
    code = internals.private_glyph_code(font, gid, 500.0)
    assert code == 0xE000 + gid and font.face.charToGlyph[code] == gid
    assert internals.private_glyph_code(font, gid, 500.0) == code  # the same every time
