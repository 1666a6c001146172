"""The structure tree of a tagged PDF, built after the pages are drawn (and placed, and
converted): what booklet.text.tagging recorded while drawing becomes the file's
StructTreeRoot, its parent tree, and the catalogue entries a reader of tagged PDFs looks for.

pikepdf (qpdf underneath) edits the finished file: nothing in a content stream is parsed or
rewritten here, since the recorder already knows each marked-content identifier. A drawn page
may have become a form placed on a sheet (saddle imposition): its content is then referred to
through the form (`/Stm`), on the sheet it is placed on.

What PDF/UA-1 asks of the file as a whole is set here too: the document's language (`/Lang`),
its title shown in the viewer's window (`/DisplayDocTitle`), `/MarkInfo /Marked true`, tab
order by structure on every page, each link annotation's place in the tree (an OBJR in its Link
element, `/StructParent` on the annotation) and XMP metadata with the title and the PDF/UA
identification.
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import escape

from booklet.text.tagging import Element, Structure

UA_NAMESPACE = "http://www.aiim.org/pdfua/ns/id/"


OBJECT_STREAMS = "1.5"  # the PDF version that brought object streams


def tag_pdf(pdf: bytes, structure: Structure) -> bytes:
    """The file with its structure tree and what a tagged PDF declares, sealed
    (booklet.press.pdf.seal): its font subsets named apart and its header true to the
    features used, both read from the raw bytes before they are compressed; its /ID from
    the content, after.

    The tree's many small dictionaries (an element for every paragraph, list item, cell and
    figure) go into object streams, compressed: a tagged card costs a kilobyte more than an
    untagged one, not eight, and a booklet is smaller than it was untagged."""
    import pikepdf

    from booklet.press.pdf import pdf_version, unique_subset_names, with_content_id

    named = unique_subset_names(pdf)
    version = max(pdf_version(named), OBJECT_STREAMS, key=lambda v: tuple(map(int, v.split("."))))
    with pikepdf.open(io.BytesIO(named)) as doc:
        Tree(doc, structure).build()
        declare(doc, structure.lang)
        out = io.BytesIO()
        # the same bytes for the same file: a fixed /ID until the content's replaces it,
        # streams kept as they were compressed (the XMP as it was: readable as text)
        doc.save(
            out,
            static_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            compress_streams=True,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            fix_metadata_version=False,  # the XMP is ours, just written
            force_version=version,
        )
    return with_content_id(out.getvalue())


class Tree:
    """The structure elements as PDF objects, and the parent tree that leads back to them
    from each page's (or form's) marked content and each link annotation."""

    def __init__(self, doc: Any, structure: Structure) -> None:
        self.doc = doc
        self.structure = structure
        self.pages = list(doc.pages)
        self.parents: dict[tuple[int, str], int] = {}  # (page, form) -> parent tree key
        self.numbers: list[tuple[int, Any]] = []  # parent tree: key -> array or element
        self.content: dict[int, dict[int, Any]] = {}  # parent tree key -> mcid -> element
        self.next_key = 0

    def build(self) -> None:
        import pikepdf

        doc = self.doc
        elements = self.structure.elements
        root = doc.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        refs = [doc.make_indirect(pikepdf.Dictionary()) for _ in elements]
        for index, element in enumerate(elements):
            parent = refs[element.parent] if element.parent >= 0 else root
            self.fill(refs[index], element, parent, refs)
        root.K = pikepdf.Array([refs[0]])
        for key, mcids in sorted(self.content.items()):
            size = max(mcids) + 1
            row = [mcids.get(m, pikepdf.Name.Null) for m in range(size)]
            self.numbers.append((key, doc.make_indirect(pikepdf.Array(row))))
        self.numbers.sort(key=lambda n: n[0])
        nums: list[Any] = []
        for key, value in self.numbers:
            nums += [key, value]
        root.ParentTree = doc.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
        root.ParentTreeNextKey = self.next_key
        doc.Root.StructTreeRoot = root
        for page in self.pages:
            page.obj.Tabs = pikepdf.Name.S  # tab order follows the structure

    def fill(self, ref: Any, element: Element, parent: Any, refs: list[Any]) -> None:
        import pikepdf

        ref.S = pikepdf.Name("/" + element.tag)  # /Type /StructElem is optional: left out
        ref.P = parent
        if element.alt:
            ref.Alt = pikepdf.String(element.alt)
        if element.attributes:
            ref.A = attributes(element.attributes)
        homes = self.structure.homes
        first = next((k for k in element.kids if k[0] == "M"), None)
        own = homes[first[1]] if first is not None else None
        if own is not None:
            ref.Pg = self.pages[own[0]].obj
        kids: list[Any] = []
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
            ref.S = pikepdf.Name.Span  # words that no longer lead anywhere
        if kids:
            ref.K = kids[0] if len(kids) == 1 and isinstance(kids[0], int) else pikepdf.Array(kids)

    def content_kid(self, ref: Any, drawn: int, mcid: int) -> Any:
        """A marked-content reference: the page (or form) its content is in."""
        import pikepdf

        home, form = self.structure.homes[drawn]
        key = self.parent_key(home, form)
        self.content.setdefault(key, {})[mcid] = ref
        kid = pikepdf.Dictionary(Type=pikepdf.Name.MCR, MCID=mcid, Pg=self.pages[home].obj)
        if form:
            kid.Stm = self.form(home, form)
        return kid

    def parent_key(self, home: int, form: str) -> int:
        """The parent tree key of a page's content (or a form's on it), given on first use."""
        place = (home, form)
        if place not in self.parents:
            key = self.parents[place] = self.next_key
            self.next_key += 1
            target = self.form(home, form) if form else self.pages[home].obj
            target.StructParents = key
            self.content[key] = {}
        return self.parents[place]

    def form(self, home: int, name: str) -> Any:
        import pikepdf

        xobjects = self.pages[home].obj.Resources.XObject
        return xobjects[pikepdf.Name("/" + name)]

    def annotation_kid(self, ref: Any, drawn: int, ordinal: int) -> Any:
        """An object reference to a link annotation, which points back to its element; None
        when the annotation is not in the file (pages imposed as forms carry none, and a
        PDF/X file has its links removed)."""
        import pikepdf

        home, form = self.structure.homes[drawn]
        page = self.pages[home].obj
        annotations = page.get("/Annots")
        if form or annotations is None or ordinal >= len(annotations):
            return None
        annotation = annotations[ordinal]
        key = self.next_key
        self.next_key += 1
        self.numbers.append((key, ref))
        annotation.StructParent = key
        return pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=annotation, Pg=page)


def attributes(entries: tuple[tuple[str, str, str], ...]) -> Any:
    """Layout attributes by owner: /A << /O /Table /Scope /Column >>, or an array of them."""
    import pikepdf

    owners: dict[str, Any] = {}
    for owner, key, value in entries:
        owners.setdefault(owner, pikepdf.Dictionary(O=pikepdf.Name("/" + owner)))
        owners[owner][pikepdf.Name("/" + key)] = pikepdf.Name("/" + value)
    found = list(owners.values())
    return found[0] if len(found) == 1 else pikepdf.Array(found)


def declare(doc: Any, lang: str) -> None:
    """What a tagged PDF says of itself: marked, in its language, its title in the window
    bar, and XMP metadata naming it PDF/UA-1."""
    import pikepdf

    root = doc.Root
    root.MarkInfo = pikepdf.Dictionary(Marked=True)
    root.Lang = pikepdf.String(lang)
    prefs = root.get("/ViewerPreferences")
    if prefs is None:
        prefs = root.ViewerPreferences = pikepdf.Dictionary()
    prefs.DisplayDocTitle = True
    title = str(doc.docinfo.get("/Title", ""))
    old = root.get("/Metadata")
    packet = bytes(old.get_stream_buffer()).decode("utf-8") if old is not None else ""
    stream = pikepdf.Stream(doc, ua_metadata(packet, title, lang).encode("utf-8"))
    stream.Type = pikepdf.Name.Metadata
    stream.Subtype = pikepdf.Name.XML
    root.Metadata = doc.make_indirect(stream)


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
  <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
  <dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>
 </rdf:Description>
{identification}</rdf:RDF></x:xmpmeta>
<?xpacket end="r"?>"""
