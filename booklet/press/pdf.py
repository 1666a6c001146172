"""One place for what every PDF booklet writes carries: the canvas, its metadata, viewer
preferences. Cards, booklets, sheets, diagrams and the calibration page all start here."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from booklet.base.internals import Canvas
from booklet.base.version import __version__
from booklet.text.fonts import register

# Draws one side with its trim's lower-left corner at (x, y), its background into `bleed`.
Painter = Callable[[Canvas, float, float, float], None]

KEYWORDS = "back massage, routine card"


def new_canvas(
    buffer: io.BytesIO, pagesize: tuple[float, float], title: str, subject: str
) -> Canvas:
    """A ReportLab canvas with booklet's metadata, same bytes for the same input, and print at
    100% asked of every viewer."""
    from reportlab.pdfgen.canvas import Canvas

    # Our own font as the initial one, so no unembedded Helvetica is listed on any page.
    canvas = Canvas(
        buffer,
        pagesize=pagesize,
        invariant=1,
        pageCompression=1,
        initialFontName=register("sans").regular,
    )
    apply_metadata(canvas, title, subject)
    return canvas


def apply_metadata(canvas: Canvas, title: str, subject: str, author: str = "booklet") -> None:
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setCreator(f"booklet {__version__}")
    canvas.setAuthor(author)
    canvas.setKeywords(KEYWORDS)
    print_at_actual_size(canvas)


def print_at_actual_size(canvas: Canvas) -> None:
    """Ask the print dialog not to shrink the page to fit: a card must come out at its size."""
    canvas.setViewerPreference("PrintScaling", "None")


def set_duplex(canvas: Canvas, flip: str) -> None:
    """Tell the printer dialog how a two-sided print turns: over the long or the short edge."""
    canvas.setViewerPreference(
        "Duplex", "DuplexFlipLongEdge" if flip == "long" else "DuplexFlipShortEdge"
    )


_SUBSET_NAME = re.compile(rb"(/(?:BaseFont|FontName)\s{0,4}/)([A-Z]{6})\+([A-Za-z0-9_-]{1,64})")


def unique_subset_names(pdf: bytes) -> bytes:
    """Give each embedded font subset a tag of its own, derived from the file's content.

    ReportLab tags every subset AAAAAA+, AAAAAB+ and so on, so two booklet files carry
    different subsets under the same names, and a shop merging them can get the wrong glyphs.
    A tag from a hash of the file keeps the output reproducible (same inputs, same bytes). The
    tag has the same length, so the file's cross-reference offsets stay right; font
    dictionaries are not compressed, so the names are found in the raw bytes."""
    import hashlib

    digest = hashlib.sha256(pdf).digest()
    tags: dict[bytes, bytes] = {}

    def tag(match: re.Match[bytes]) -> bytes:
        old = match.group(2) + b"+" + match.group(3)
        if old not in tags:
            seed = hashlib.sha256(digest + old).digest()
            tags[old] = bytes(65 + b % 26 for b in seed[:6])
        return match.group(1) + tags[old] + b"+" + match.group(3)

    return _SUBSET_NAME.sub(tag, pdf)


# --- sealing: what every file carries as it leaves booklet -----------------------------------

# A key a file may use, and the PDF version that brought it (ISO 32000-1, and the PDF 1.4 to
# 1.7 references). The header is the newest a file's keys need: a viewer or a preflight that
# trusts the header must not meet a key from a later version.
FEATURES: tuple[tuple[bytes, str], ...] = (
    (rb"/Duplex\s{0,4}/Duplex", "1.7"),  # the print dialog's duplex flip
    (rb"/PrintScaling\s{0,4}/", "1.6"),  # print at actual size
    (rb"/SMask\s{0,4}(?:[0-9]|/)", "1.4"),  # soft masks
    (rb"/(?:CA|ca)\s{0,4}[0-9.]", "1.4"),  # constant opacity
    (rb"/BM\s{0,4}/", "1.4"),  # blend modes
    (rb"/S\s{0,4}/Transparency", "1.4"),  # transparency groups
    (rb"/OutputIntents\b", "1.4"),
    (rb"/Type\s{0,4}/Metadata\b", "1.4"),  # XMP
    (rb"/Tabs\s{0,4}/", "1.5"),  # a tagged page's tab order
    (rb"/Type\s{0,4}/ObjStm\b", "1.5"),  # object streams (a tagged file's: its keys inside)
    (rb"/MarkInfo\b", "1.4"),  # a tagged PDF
    (rb"/DisplayDocTitle\b", "1.4"),
    (rb"/StructTreeRoot\b", "1.3"),
    (rb"/(?:TrimBox|BleedBox)\b", "1.3"),
    (rb"/OPM\s{0,4}[01]", "1.3"),  # overprint mode
    (rb"/DeviceN\b", "1.3"),
    (rb"/FunctionType\s{0,4}4\b", "1.3"),
    (rb"/Mask\s{0,4}[0-9\[]", "1.3"),  # explicit and colour-key masks on images
    (rb"/PageLabels\b", "1.3"),
)
_HEADER = re.compile(rb"\A%PDF-1\.[0-9]")
_TRAILER_ID = re.compile(  # with the line break before it: sealing twice changes nothing
    rb"\s?/ID\s{0,4}\[\s{0,4}<[0-9A-Fa-f]{0,64}>\s{0,4}<[0-9A-Fa-f]{0,64}>\s{0,4}\]"
)


def pdf_version(pdf: bytes) -> str:
    """The oldest PDF version that has every key the file uses (1.3 at least).

    ReportLab and pypdf write every dictionary uncompressed (no object streams), so the keys
    are found in the raw bytes; a key's name inside a string could only raise the version. (A
    tagged file's dictionaries are compressed in object streams: its version is read before,
    booklet.press.structure.tag_pdf.)"""
    found = [version for key, version in FEATURES if re.search(key, pdf)]
    return max(found, default="1.3", key=lambda v: tuple(int(p) for p in v.split(".")))


def true_header(pdf: bytes) -> bytes:
    """The file with its header naming the version its keys need (the same length, so every
    offset in the file stays right)."""
    if not _HEADER.match(pdf):
        raise ValueError("not a PDF 1.x file")
    return b"%PDF-" + pdf_version(pdf).encode("ascii") + pdf[8:]


def with_content_id(pdf: bytes) -> bytes:
    """The file with an /ID derived from its content: two files differ in their /ID when they
    differ in anything else, and the same file made twice has the same one.

    The trailer follows the cross-reference table (both ReportLab and pypdf write a classic
    one), so it may change length without moving any offset. A tagged file is written with
    object streams (booklet.press.structure), its trailer a cross-reference stream's
    dictionary: there the /ID is replaced in place (`with_content_id_in_stream`)."""
    import hashlib

    at = pdf.rfind(b"trailer")
    if at < 0:
        return with_content_id_in_stream(pdf)
    head, tail = pdf[:at], pdf[at:]
    bare = _TRAILER_ID.sub(b"", tail, count=1)
    digest = hashlib.sha256(head + bare).hexdigest()[:32].encode("ascii")
    ident = b"\n/ID [<" + digest + b"><" + digest + b">]"
    if bare != tail:
        return head + _TRAILER_ID.sub(lambda _: ident, tail, count=1)
    opening = tail.index(b"<<") + 2
    return head + tail[:opening] + ident + tail[opening:]


_STREAM_ID = re.compile(
    rb"/ID\s{0,4}\[\s{0,4}<([0-9A-Fa-f]{32})>\s{0,4}<([0-9A-Fa-f]{32})>\s{0,4}\]"
)
_STARTXREF = re.compile(rb"startxref\s{1,4}([0-9]{1,12})\s{1,4}%%EOF\s{0,4}\Z")


def with_content_id_in_stream(pdf: bytes) -> bytes:
    """The /ID of a file whose cross-reference is a stream (the last object, its dictionary
    uncompressed), derived from the content as `with_content_id` does: the same number of
    bytes in place of the old one, so no offset moves, and the same /ID however often."""
    import hashlib

    found = _STARTXREF.search(pdf)
    if found is None:
        raise ValueError("no startxref at the end of the file")
    start = int(found.group(1))
    head, tail = pdf[:start], pdf[start:]
    match = _STREAM_ID.search(tail)
    if match is None:
        raise ValueError("no 16-byte /ID in the cross-reference stream")
    zeros = b"0" * 32

    def with_id(value: bytes) -> bytes:
        return (
            tail[: match.start(1)] + value + tail[match.end(1) : match.start(2)] + value
            + tail[match.end(2) :]
        )  # fmt: skip

    digest = hashlib.sha256(head + with_id(zeros)).hexdigest()[:32].encode("ascii")
    return head + with_id(digest)


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


_OBJECT_STREAM = re.compile(
    rb"<<([^<>]{0,400}/Type\s{0,4}/ObjStm\b[^<>]{0,400})>>\s{0,4}stream\r?\n"
)
_LENGTH = re.compile(rb"/Length\s{1,4}(\d{1,12})\b")
_FLATE = re.compile(rb"/Filter\s{0,4}/FlateDecode\b")
MAX_INFLATED = 256 * 1024 * 1024  # an object stream booklet wrote is a few KB; read no more


def page_count(pdf: bytes) -> int:
    """How many pages a file booklet made has: its page dictionaries counted in the raw bytes
    and in its object streams (a tagged file keeps them there), inflated with a bound. Plain
    bytes and zlib: counting needs no PDF library."""
    import zlib

    count = len(_PAGE.findall(pdf))
    budget = MAX_INFLATED
    for found in _OBJECT_STREAM.finditer(pdf):
        length = _LENGTH.search(found.group(1))
        if length is None or not _FLATE.search(found.group(1)):
            raise ValueError("an object stream booklet did not write")
        data = pdf[found.end() : found.end() + int(length.group(1))]
        inflated = zlib.decompressobj().decompress(data, budget)
        budget -= len(inflated)
        if budget <= 0:
            raise ValueError("object streams larger than booklet writes")
        count += len(_PAGE.findall(inflated))
    return count


def seal(pdf: bytes) -> bytes:
    """The file as it leaves booklet, whatever made it (a card, a booklet, a sheet, a diagram,
    the calibration page): each font subset with a tag of its own, the header true to the
    features used, and an /ID from the content."""
    return with_content_id(true_header(unique_subset_names(pdf)))
