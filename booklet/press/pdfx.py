"""PDF/X-4 (ISO 15930-7): a CMYK file that says which press it was made for.

On top of the CMYK conversion (booklet.press.colour), a PDF/X file carries:

- an output intent naming the printing condition, FOGRA39 (coated offset paper), with
  booklet's profile of it embedded (booklet.press.profile: built from Fogra's published data);
- `GTS_PDFXVersion` in its document information and XMP metadata that identify it as PDF/X-4,
  with the same title, author, dates and tool as the information dictionary;
- a TrimBox on every page (an imposed sheet or a sheet of cards is trimmed at its edges);
- no links on its pages (PDF/X allows no annotation inside a page but printer's marks): their
  words and QR codes print as before, and the user is told;
- no RGB and no transparency anywhere (a check, after the conversion, that nothing was missed);
- a header of PDF 1.6 at most: the viewer's duplex hint (a PDF 1.7 key) is left out.

The dates are booklet's fixed ones (same inputs, same bytes); the document's XMP identifiers
are derived from its content, as its /ID is (booklet.press.pdf.seal).
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from xml.sax.saxutils import escape

from booklet.base.errors import BookletError
from booklet.base.internals import add_object, information_dictionary
from booklet.press.images import image_objects, space_of
from booklet.press.profile import (
    CONDITION,
    CONDITION_TEXT,
    PROFILE_NAME,
    REGISTRY,
    profile_bytes,
)

VERSION = "PDF/X-4"
FIXED_DATE = "D:20000101000000+00'00'"  # ReportLab's date with invariant=1
_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([+-Z])?(\d{2})?'?(\d{2})?")


def make_pdfx(writer: Any, digest: bytes) -> list[str]:
    """Turn a pypdf writer's CMYK document into PDF/X-4; returns what the user should know.
    `digest` identifies the content (the XMP's document and instance IDs derive from it)."""
    check_press_ready(writer)
    output_intent(writer)
    info = information(writer)
    metadata(writer, info, digest)
    every_page_trimmed(writer)
    notes = []
    dropped = drop_links(writer)
    if dropped:
        notes.append(
            f"PDF/X: the {dropped} link{'s' if dropped != 1 else ''} on the pages left out (a "
            "press file may carry none); their words still print."
        )
    prefs = writer.root_object.get("/ViewerPreferences")
    if prefs is not None and "/Duplex" in prefs.get_object():
        del prefs.get_object()["/Duplex"]  # a PDF 1.7 key; PDF/X-4 is PDF 1.6
    return notes


def output_intent(writer: Any) -> None:
    """The printing condition, FOGRA39, with booklet's profile of it."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    profile = DecodedStreamObject()
    profile.set_data(profile_bytes())
    profile[NameObject("/N")] = NumberObject(4)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFX"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(CONDITION),
            NameObject("/OutputCondition"): TextStringObject(CONDITION_TEXT),
            NameObject("/RegistryName"): TextStringObject(REGISTRY),
            NameObject("/Info"): TextStringObject(PROFILE_NAME),
            NameObject("/DestOutputProfile"): add_object(writer, profile.flate_encode()),
        }
    )
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([add_object(writer, intent)])


def information(writer: Any) -> dict[str, str]:
    """The information dictionary as PDF/X wants it (the version, dates, not trapped)."""
    from pypdf.generic import NameObject

    given = writer.metadata or {}
    dates = {key: FIXED_DATE for key in ("/CreationDate", "/ModDate") if key not in given}
    writer.add_metadata({**dates, "/GTS_PDFXVersion": VERSION})
    # add_metadata writes every value as a string; PDF/X-4 wants /Trapped to be a name
    information_dictionary(writer)[NameObject("/Trapped")] = NameObject("/False")
    return {str(k): str(v) for k, v in (writer.metadata or {}).items()}


def xmp_date(pdf_date: str) -> str:
    """D:20000101000000+00'00' as XMP writes it: 2000-01-01T00:00:00+00:00."""
    match = _DATE.match(pdf_date)
    if match is None:
        return "2000-01-01T00:00:00+00:00"
    y, mo, d, h, mi, s, sign, zh, zm = match.groups()
    zone = "Z" if sign in (None, "Z") else f"{sign}{zh or '00'}:{zm or '00'}"
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}{zone}"


def metadata(writer: Any, info: dict[str, str], digest: bytes) -> None:
    """XMP metadata that identifies the file as PDF/X-4 and says what its Info says."""
    from pypdf.generic import DecodedStreamObject, NameObject

    stream = DecodedStreamObject()  # left uncompressed: preflights read it as text
    stream.set_data(xmp_packet(info, digest).encode("utf-8"))
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = add_object(writer, stream)


def xmp_packet(info: dict[str, str], digest: bytes) -> str:
    def text(key: str) -> str:
        return escape(info.get(key, ""))

    document = uuid.UUID(bytes=digest[:16], version=4)
    instance = uuid.UUID(bytes=digest[16:32], version=4)
    created, modified = xmp_date(info["/CreationDate"]), xmp_date(info["/ModDate"])
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text("/Title")}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{text("/Author")}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text("/Subject")}</rdf:li></rdf:Alt></dc:description>
   <pdf:Keywords>{text("/Keywords")}</pdf:Keywords>
   <pdf:Producer>{text("/Producer")}</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <xmp:CreatorTool>{text("/Creator")}</xmp:CreatorTool>
   <xmp:CreateDate>{created}</xmp:CreateDate>
   <xmp:ModifyDate>{modified}</xmp:ModifyDate>
   <xmp:MetadataDate>{modified}</xmp:MetadataDate>
   <xmpMM:DocumentID>uuid:{document}</xmpMM:DocumentID>
   <xmpMM:InstanceID>uuid:{instance}</xmpMM:InstanceID>
   <xmpMM:VersionID>1</xmpMM:VersionID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
   <pdfxid:GTS_PDFXVersion>{VERSION}</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""  # noqa: E501


def every_page_trimmed(writer: Any) -> None:
    """A TrimBox on every page: a page without one (a sheet) is trimmed at its edges."""
    from pypdf.generic import ArrayObject, FloatObject, NameObject

    for page in writer.pages:
        if "/TrimBox" not in page and "/ArtBox" not in page:
            box = ArrayObject(FloatObject(float(v)) for v in page.mediabox)
            page[NameObject("/TrimBox")] = box
        if "/Trans" in page:  # a slide show's page transition: nothing to do with print
            del page["/Trans"]


def drop_links(writer: Any) -> int:
    """Remove the link annotations from every page; returns how many there were."""
    from pypdf.generic import ArrayObject, NameObject

    dropped = 0
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = ArrayObject(
            a for a in annots.get_object() if a.get_object().get("/Subtype") != "/Link"
        )
        dropped += len(annots.get_object()) - len(kept)
        if kept:
            page[NameObject("/Annots")] = kept
        else:
            del page["/Annots"]
    return dropped


TRANSPARENCY = ("/SMask", "/BM")


def check_press_ready(writer: Any) -> None:
    """No RGB and no transparency left after the conversion; a leftover is booklet's bug, and
    stops the file rather than letting a press get a file that is not what it says."""
    for image in image_objects(writer):
        if space_of(image) == "RGB" or "/SMask" in image:
            raise BookletError("PDF/X: an image is still in RGB or transparent after conversion")
    for page in writer.pages:
        resources = page.get("/Resources")
        states = resources.get_object().get("/ExtGState") if resources is not None else None
        for state in states.get_object().values() if states is not None else ():
            state = state.get_object()
            alpha = [float(state.get(k, 1)) for k in ("/CA", "/ca")]
            soft = str(state.get("/SMask", "/None")) != "/None"
            if min(alpha) < 1 or soft or str(state.get("/BM", "/Normal")) != "/Normal":
                raise BookletError("PDF/X: the file has transparency that booklet cannot flatten")
