"""The structure tree of a tagged PDF, built after the pages are drawn (and placed, and
converted): what booklet.text.tagging recorded while drawing becomes the file's
StructTreeRoot, its parent tree, and the catalogue entries a reader of tagged PDFs looks for.

The finished file is edited as objects (booklet.press.objects): nothing in a content stream is
parsed or rewritten here, since the recorder already knows each marked-content identifier. A
drawn page may have become a form placed on a sheet (saddle imposition): its content is then
referred to through the form (`/Stm`), on the sheet it is placed on.

What PDF/UA-1 asks of the file as a whole is set here too: the document's language (`/Lang`),
its title shown in the viewer's window (`/DisplayDocTitle`), `/MarkInfo /Marked true`, tab
order by structure on every page, each link annotation's place in the tree (an OBJR in its Link
element, `/StructParent` on the annotation) and XMP metadata with the title and the PDF/UA
identification.
"""

from __future__ import annotations

import re
import zlib

from booklet.press.objects import Document, Name, Ref, Stream, Value, decode_text, text_string
from booklet.text.tagging import Element, Structure

UA_NAMESPACE = "http://www.aiim.org/pdfua/ns/id/"


OBJECT_STREAMS = "1.5"  # the PDF version that brought object streams
MAX_XMP = 4 * 1024 * 1024  # an XMP packet booklet (or PDF/X) wrote is a few KB; read no more


def tag_pdf(pdf: bytes, structure: Structure) -> bytes:
    """The file with its structure tree and what a tagged PDF declares, sealed
    (booklet.press.pdf.seal): its font subsets named apart and its header true to the
    features used, both read from the raw bytes before they are compressed; its /ID from
    the content, after.

    The tree's many small dictionaries (an element for every paragraph, list item, cell and
    figure) go into object streams, compressed: a tagged card costs a kilobyte more than an
    untagged one, not eight, and a booklet is smaller than it was untagged."""
    from booklet.press.pdf import pdf_version, unique_subset_names, with_content_id

    named = unique_subset_names(pdf)
    version = max(pdf_version(named), OBJECT_STREAMS, key=lambda v: tuple(map(int, v.split("."))))
    doc = Document(named)
    Tree(doc, structure).build()
    declare(doc, structure.lang)
    return with_content_id(doc.write(version))


S, K, P, PG, TYPE = Name("S"), Name("K"), Name("P"), Name("Pg"), Name("Type")


class Tree:
    """The structure elements as PDF objects, and the parent tree that leads back to them
    from each page's (or form's) marked content and each link annotation."""

    def __init__(self, doc: Document, structure: Structure) -> None:
        self.doc = doc
        self.structure = structure
        self.pages = doc.pages()
        self.parents: dict[tuple[int, str], int] = {}  # (page, form) -> parent tree key
        self.numbers: list[tuple[int, Value]] = []  # parent tree: key -> array or element
        self.content: dict[int, dict[int, Ref]] = {}  # parent tree key -> mcid -> element
        self.next_key = 0

    def build(self) -> None:
        doc = self.doc
        elements = self.structure.elements
        root = doc.add({TYPE: Name("StructTreeRoot")})
        refs = [doc.add({}) for _ in elements]
        for index, element in enumerate(elements):
            parent = refs[element.parent] if element.parent >= 0 else root
            self.fill(refs[index], element, parent, refs)
        entries = doc.dictionary(root)
        entries[K] = [refs[0]]
        for key, mcids in sorted(self.content.items()):
            size = max(mcids) + 1
            row: list[Value] = [mcids.get(m) for m in range(size)]
            self.numbers.append((key, doc.add(row)))
        self.numbers.sort(key=lambda n: n[0])
        nums: list[Value] = []
        for key, value in self.numbers:
            nums += [key, value]
        entries[Name("ParentTree")] = doc.add({Name("Nums"): nums})
        entries[Name("ParentTreeNextKey")] = self.next_key
        doc.root[Name("StructTreeRoot")] = root
        for page in self.pages:
            doc.dictionary(page)[Name("Tabs")] = S  # tab order follows the structure

    def fill(self, ref: Ref, element: Element, parent: Ref, refs: list[Ref]) -> None:
        entries = self.doc.dictionary(ref)
        entries[S] = Name(element.tag)  # /Type /StructElem is optional: left out
        entries[P] = parent
        if element.alt:
            entries[Name("Alt")] = text_string(element.alt)
        if element.attributes:
            entries[Name("A")] = attributes(element.attributes)
        homes = self.structure.homes
        first = next((k for k in element.kids if k[0] == "M"), None)
        own = homes[first[1]] if first is not None else None
        if own is not None:
            entries[PG] = self.pages[own[0]]
        kids: list[Value] = []
        linked = False
        for kind, drawn, number in element.kids:
            if kind == "E":
                kids.append(refs[drawn])
            elif kind == "M":
                kid = self.content_kid(ref, drawn, number)
                # content on the element's own page is referred to by its number alone
                kids.append(number if homes[drawn] == own and not own[1] else kid)
            else:
                annotation = self.annotation_kid(ref, drawn, number)
                if annotation is not None:
                    kids.append(annotation)
                    linked = True
        if element.tag == "Link" and not linked:  # its annotation went (imposed, PDF/X)
            entries[S] = Name("Span")  # words that no longer lead anywhere
        if kids:
            entries[K] = kids[0] if len(kids) == 1 and isinstance(kids[0], int) else kids

    def content_kid(self, ref: Ref, drawn: int, mcid: int) -> Value:
        """A marked-content reference: the page (or form) its content is in."""
        home, form = self.structure.homes[drawn]
        key = self.parent_key(home, form)
        self.content.setdefault(key, {})[mcid] = ref
        kid: dict[Name, Value] = {TYPE: Name("MCR"), Name("MCID"): mcid, PG: self.pages[home]}
        if form:
            kid[Name("Stm")] = self.form(home, form)
        return kid

    def parent_key(self, home: int, form: str) -> int:
        """The parent tree key of a page's content (or a form's on it), given on first use."""
        place = (home, form)
        if place not in self.parents:
            key = self.parents[place] = self.next_key
            self.next_key += 1
            target = self.form(home, form) if form else self.pages[home]
            self.doc.dictionary(target)[Name("StructParents")] = key
            self.content[key] = {}
        return self.parents[place]

    def form(self, home: int, name: str) -> Ref:
        doc = self.doc
        resources = doc.dictionary(doc.dictionary(self.pages[home])[Name("Resources")])
        found = doc.dictionary(resources[Name("XObject")]).get(Name(name))
        if not isinstance(found, Ref):
            raise ValueError(f"page {home + 1} has no form {name}")
        return found

    def annotation_kid(self, ref: Ref, drawn: int, ordinal: int) -> Value:
        """An object reference to a link annotation, which points back to its element; None
        when the annotation is not in the file (pages imposed as forms carry none, and a
        PDF/X file has its links removed)."""
        doc = self.doc
        home, form = self.structure.homes[drawn]
        page = doc.dictionary(self.pages[home])
        annotations = doc.resolve(page.get(Name("Annots")))
        if form or not isinstance(annotations, list) or ordinal >= len(annotations):
            return None
        annotation = annotations[ordinal]
        if not isinstance(annotation, Ref):  # written in place: given a number of its own
            annotation = annotations[ordinal] = doc.add(annotation)
        key = self.next_key
        self.next_key += 1
        self.numbers.append((key, ref))
        doc.dictionary(annotation)[Name("StructParent")] = key
        return {TYPE: Name("OBJR"), Name("Obj"): annotation, PG: self.pages[home]}


def attributes(entries: tuple[tuple[str, str, str], ...]) -> Value:
    """Layout attributes by owner: /A << /O /Table /Scope /Column >>, or an array of them."""
    owners: dict[str, dict[Name, Value]] = {}
    for owner, key, value in entries:
        owners.setdefault(owner, {Name("O"): Name(owner)})
        owners[owner][Name(key)] = Name(value)
    found: list[Value] = list(owners.values())
    return found[0] if len(found) == 1 else found


def declare(doc: Document, lang: str) -> None:
    """What a tagged PDF says of itself: marked, in its language, its title in the window
    bar, and XMP metadata naming it PDF/UA-1."""
    root = doc.root
    root[Name("MarkInfo")] = {Name("Marked"): True}
    root[Name("Lang")] = text_string(lang)
    prefs = doc.resolve(root.get(Name("ViewerPreferences")))
    if not isinstance(prefs, dict):
        prefs = root[Name("ViewerPreferences")] = {}
    prefs[Name("DisplayDocTitle")] = True
    info = doc.resolve(doc.trailer.get(Name("Info")))
    title = decode_text(info.get(Name("Title"))) if isinstance(info, dict) else ""
    packet = xmp_packet(doc, root.get(Name("Metadata")))
    metadata = ua_metadata(packet, title, lang).encode("utf-8")
    stream = Stream({TYPE: Name("Metadata"), Name("Subtype"): Name("XML")}, metadata)
    root[Name("Metadata")] = doc.add(stream)


def xmp_packet(doc: Document, metadata: Value) -> str:
    """The XMP packet a file already carries (a PDF/X file's), as text; empty if none."""
    found = doc.resolve(metadata)
    if not isinstance(found, Stream):
        return ""
    data = found.data
    if found.dictionary.get(Name("Filter")) == Name("FlateDecode"):
        data = zlib.decompressobj().decompress(data, MAX_XMP)
    elif Name("Filter") in found.dictionary:
        return ""
    return data.decode("utf-8", "replace")


def _xml_escape(text: str) -> str:
    """Text as XML character data (xml.sax.saxutils.escape, without loading urllib with it)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_RDF_END = re.compile(r"</rdf:RDF>")


def ua_metadata(packet: str, title: str, lang: str) -> str:
    """XMP with the PDF/UA identification: added to a packet the file has (a PDF/X file's),
    or a packet of its own with the title and language."""
    identification = (
        f' <rdf:Description rdf:about="" xmlns:pdfuaid="{UA_NAMESPACE}">\n'
        "   <pdfuaid:part>1</pdfuaid:part>\n"
        " </rdf:Description>\n"
    )
    if UA_NAMESPACE in packet:
        return packet
    if _RDF_END.search(packet):
        return _RDF_END.sub(lambda _: identification + "</rdf:RDF>", packet, count=1)
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_xml_escape(title)}</rdf:li></rdf:Alt></dc:title>
  <dc:language><rdf:Bag><rdf:li>{_xml_escape(lang)}</rdf:li></rdf:Bag></dc:language>
 </rdf:Description>
{identification}</rdf:RDF></x:xmpmeta>
<?xpacket end="r"?>"""
