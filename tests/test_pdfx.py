"""PDF/X-4 (the pdfx option): an output intent with booklet's FOGRA39 profile, the version in
the information dictionary and in XMP, a TrimBox on every page, no RGB, no transparency, no
links on the pages, a header of PDF 1.6 at most; and the profile's build reproduces it."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import REPO, in_the_open, page_texts, pdf_reader
from tests.test_press import colour_operators, painted

PROFILE = REPO / "booklet" / "press" / "profiles" / "booklet-fogra39.icc"
NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
}
# each case: a file name and the command that makes it, with --pdfx
CASES = {
    "card": ("card",),
    "card-es": ("card", "--lang", "es"),
    "large-print": ("card", "--layout", "large-print"),
    "handout-with-logo": ("card", "gentle", "--therapist", "Ana Ruiz, LMT", "--logo", "logo.png"),
    "card-sheet": ("card", "short", "--layout", "compact", "--size", "3x5", "--sheet", "letter"),
    "book": ("book",),
    "book-bleed-marks": ("book", "--bleed", "3mm", "--crop-marks"),
    "book-imposed": ("book", "--impose", "saddle"),
}


@pytest.fixture
def make(run, tmp_path):
    """Make a case's PDF/X file; returns its path."""
    from PIL import Image

    Image.new("RGB", (400, 200), (200, 30, 30)).save(tmp_path / "logo.png")

    def made(case: str) -> Path:
        result = run(*CASES[case], "--pdfx", "-o", f"{case}.pdf")
        assert result.exit_code == 0, result.output
        return tmp_path / f"{case}.pdf"

    return made


def xmp(reader) -> ET.Element:
    stream = reader.trailer["/Root"]["/Metadata"].get_object()
    assert stream["/Type"] == "/Metadata" and stream["/Subtype"] == "/XML"
    assert "/Filter" not in stream  # uncompressed: preflights read it as text
    data = stream.get_data()
    assert data.startswith(b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>')
    assert data.rstrip().endswith(b'<?xpacket end="r"?>')
    return ET.fromstring(data.split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0])


@pytest.mark.parametrize("case", ["card", "book"])
def test_pdfx_has_an_output_intent_with_a_cmyk_profile(make, case):
    reader = pdf_reader(make(case))
    (intent,) = [i.get_object() for i in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/Type"] == "/OutputIntent" and intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == "FOGRA39"
    assert intent["/RegistryName"] == "http://www.color.org"
    assert "ISO 12647-2" in intent["/OutputCondition"]
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    icc = profile.get_data()
    assert icc == PROFILE.read_bytes()  # booklet's own, as shipped
    assert (icc[12:16], icc[16:20], icc[36:40]) == (b"prtr", b"CMYK", b"acsp")  # output, CMYK
    assert struct.unpack(">I", icc[:4])[0] == len(icc)


@pytest.mark.parametrize("case", ["card", "card-es", "book-imposed"])
def test_pdfx_says_it_is_pdfx_4_in_its_information_and_its_xmp(make, case):
    reader = pdf_reader(make(case))
    info = reader.metadata
    assert info["/GTS_PDFXVersion"] == "PDF/X-4"
    from pypdf.generic import NameObject

    # a name, as PDF/X asks, not the string "/False" (found by pikepdf's PDF/A checker)
    assert isinstance(info["/Trapped"], NameObject) and info["/Trapped"] == "/False"
    assert info["/CreationDate"] and info["/ModDate"]
    root = xmp(reader)
    described = root.find("rdf:RDF/rdf:Description", NS)

    def value(path: str) -> str:
        found = described.find(path, NS)
        assert found is not None, path
        return found.text or ""

    assert value("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
    assert value("dc:title/rdf:Alt/rdf:li") == info["/Title"]  # the same title, in any language
    assert value("dc:creator/rdf:Seq/rdf:li") == info["/Author"]
    assert value("xmp:CreatorTool") == info["/Creator"]
    assert value("pdf:Producer") == info["/Producer"]
    assert value("pdf:Trapped") == "False"
    assert value("xmp:CreateDate") == "2000-01-01T00:00:00+00:00"  # = D:20000101000000+00'00'
    assert info["/CreationDate"].startswith("D:20000101000000")
    assert re.fullmatch(r"uuid:[0-9a-f-]{36}", value("xmpMM:DocumentID"))
    assert value("xmpMM:RenditionClass") == "default" and value("xmpMM:VersionID") == "1"


def test_the_spanish_card_s_title_in_xmp_is_spanish(make):
    root = xmp(pdf_reader(make("card-es")))
    title = root.find("rdf:RDF/rdf:Description/dc:title/rdf:Alt/rdf:li", NS).text
    assert title == "Masaje de espalda clásico"


@pytest.mark.parametrize("case", sorted(CASES))
def test_pdfx_pages_are_trimmed_with_no_rgb_and_no_transparency(make, case):
    """A TrimBox on every page (sheets and imposed sheets too), no RGB colour, image or
    space, no transparency, no links, no duplex hint (PDF 1.7), a PDF 1.6 header."""
    path = make(case)
    assert path.read_bytes().startswith(b"%PDF-1.6")
    raw = in_the_open(path)  # a tagged file's dictionaries, out of their object streams
    reader = pdf_reader(raw)
    for page in reader.pages:
        assert "/TrimBox" in page and "/ArtBox" not in page
        trim, media = [float(v) for v in page.trimbox], [float(v) for v in page.mediabox]
        assert (
            media[0] <= trim[0] < trim[2] <= media[2] and media[1] <= trim[1] < trim[3] <= media[3]
        )
        assert "/Annots" not in page
    assert not colour_operators(path) & {b"rg", b"RG", b"g"}
    for forbidden in (b"/DeviceRGB", b"/SMask", b"/CalRGB", b"/Duplex", b"/Transparency"):
        assert forbidden not in raw, forbidden
    assert not re.search(rb"/(CA|ca) 0", raw)
    assert not [e for e in painted(raw) if e.what in ("fill", "text") and e.fill[1] == b"rg"]


def test_a_pdfx_booklet_leaves_its_links_out_and_says_so(run, tmp_path):
    result = run("book", "--pdfx", "-o", "b.pdf")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"Note: PDF/X: the \d+ links on the pages left out \(a press file may carry none\); "
        r"their words still print.\n",
        result.stderr,
    ), result.stderr
    reader = pdf_reader(tmp_path / "b.pdf")
    assert all("/Annots" not in page for page in reader.pages)
    assert len(reader.outline) > 5  # the bookmarks still lead to each section
    assert "Petrissage" in page_texts(tmp_path / "b.pdf")[2].replace("é", "e")  # contents
    assert run("book", "-o", "p.pdf").exit_code == 0
    assert any("/Annots" in page for page in pdf_reader(tmp_path / "p.pdf").pages)


def test_pdfx_is_cmyk_and_refuses_rgb(run, tmp_path):
    result = run("card", "--pdfx", "--colour", "rgb", "-o", "c.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --colour: 'rgb' cannot be given with the pdfx option: a PDF/X file is in CMYK. "
        "Leave colour out, or give cmyk.\n"
    )
    assert run("card", "--pdfx", "--colour", "cmyk", "-o", "k.pdf").exit_code == 0
    assert run("card", "--pdfx").exit_code == 0
    assert (tmp_path / "classic-bedside-5x7-pdfx.pdf").exists()  # its name says so


def test_pdfx_in_a_batch_and_in_validate(run, tmp_path):
    (tmp_path / "good.yaml").write_text(
        "variants:\n  - name: press\n    kind: card\n    pdfx: true\n", encoding="utf-8"
    )
    (tmp_path / "bad.yaml").write_text(
        "variants:\n  - name: press\n    kind: card\n    pdfx: maybe\n", encoding="utf-8"
    )
    result = run("batch", "good.yaml", "-o", "out")
    assert result.exit_code == 0, result.output
    made = pdf_reader(next((tmp_path / "out").glob("*.pdf")))
    assert made.metadata["/GTS_PDFXVersion"] == "PDF/X-4"
    checked = run("validate", "bad.yaml")
    assert checked.exit_code == 2
    assert "pdfx: 'maybe' is not true or false. Write true or false." in checked.output


def test_the_same_pdfx_inputs_give_the_same_bytes(run, tmp_path):
    for name in ("a.pdf", "b.pdf"):
        assert run("card", "--pdfx", "-o", name).exit_code == 0
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


@pytest.mark.slow
def test_the_profile_build_script_reproduces_the_shipped_profile():
    """tools/build_profile.py, run again with the colprof that built it, gives the same bytes
    (skipped where ArgyllCMS or the FOGRA39 data is not installed)."""
    if shutil.which("colprof") is None or not Path("/usr/share/color/icc/FOGRA39L.ti3").exists():
        pytest.skip("needs colprof (argyll) and FOGRA39L.ti3 (icc-profiles-free)")
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import build_profile
    finally:
        sys.path.pop(0)
    if build_profile.colprof_version(shutil.which("colprof")) != build_profile.COLPROF_VERSION:
        pytest.skip("another colprof version than the one that built the shipped profile")
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_profile.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the same bytes" in done.stdout
