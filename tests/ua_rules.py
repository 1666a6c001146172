"""The machine-checkable rules of PDF/UA-1 (ISO 14289-1) that a validator such as veraPDF
applies, written again with pikepdf for a suite that has no veraPDF (no registry here offers
it): `problems(pdf)` lists each breach as one line, starting with the clause it breaks.

What is read, and never taken on trust:

- the catalogue: marked, a language, the title shown in the window, XMP naming PDF/UA-1 with a
  title (5, 7.1, 7.2);
- every content stream (each page, each form where it is placed): every mark either real
  content (in a marked-content sequence with an MCID) or an artifact, never one inside the
  other (7.1-1, 7.1-2, 7.1-3: the Matterhorn Protocol's 01-003 to 01-005), sequences balanced
  and nested with text objects, no MCID twice in a stream, a tagged form placed once;
- the parent tree both ways: each MCID in the content leads to the element that names it, each
  element's marked-content reference to an MCID that is there, each annotation to the element
  whose OBJR names it, ParentTreeNextKey past every key (7.1);
- the elements: standard types or role-mapped ones, figures with alternative text (7.3), lists,
  tables and contents holding only what they may (7.2), headings never skipping a level
  (7.4.2), links with their annotation's OBJR and annotations with /Contents (7.18.1, 7.18.5),
  pages with annotations tabbed by structure (7.18.3);
- the fonts: embedded, with a Unicode map (7.21.4.1, 7.21.7).

Not read: colour contrast, reading order beyond the tree's, whether words are right.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import pikepdf

TEXT_SHOWING = frozenset({"Tj", "TJ", "'", '"'})
PAINTING = frozenset({"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh", "BI", "EI"})
STANDARD = frozenset(  # ISO 32000-1 14.8.4
    {
        *("Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI"),
        *("Index", "NonStruct", "Private", "H", "H1", "H2", "H3", "H4", "H5", "H6", "P", "L"),
        *("LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span"),
        *("Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB"),
        *("RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form"),
    }
)
MAY_HOLD = {  # ISO 32000-1 14.8.4, as PDF/UA-1 checks it
    "L": {"LI", "L", "Caption"},
    "LI": {"Lbl", "LBody"},
    "Table": {"TR", "THead", "TBody", "TFoot", "Caption"},
    "THead": {"TR"},
    "TBody": {"TR"},
    "TFoot": {"TR"},
    "TR": {"TH", "TD"},
    "TOC": {"TOCI", "TOC", "Caption"},
    "TOCI": {"Lbl", "Reference", "NonStruct", "P", "TOC"},
}


@dataclass
class Content:
    """What one content stream holds: its MCIDs, and the problems found reading it."""

    mcids: list[int] = field(default_factory=list)
    placed: int = 0


@dataclass
class Reading:
    problems: list[str] = field(default_factory=list)
    streams: dict[tuple[int, int], Content] = field(default_factory=dict)  # objgen -> content
    pages_of: dict[tuple[int, int], int] = field(default_factory=dict)  # stream -> page index

    def say(self, rule: str, where: str, what: str) -> None:
        self.problems.append(f"{rule} {where}: {what}")


def problems(pdf: bytes) -> list[str]:
    """Every breach of the rules above, one line each; an empty list for a conforming file."""
    reading = Reading()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        catalogue(doc, reading)
        for number, page in enumerate(doc.pages):
            read_page(doc, page, number, reading)
        if "/StructTreeRoot" in doc.Root:
            tree(doc, reading)
        fonts(doc, reading)
    return reading.problems


# --- the catalogue ----------------------------------------------------------------------------


def catalogue(doc: Any, reading: Reading) -> None:
    root = doc.Root
    if root.get("/MarkInfo", {}).get("/Marked") is not True:
        reading.say("7.1-8", "catalogue", "no /MarkInfo /Marked true")
    if not str(root.get("/Lang", "")):
        reading.say("7.2-34", "catalogue", "no /Lang")
    if root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is not True:
        reading.say("7.1-10", "catalogue", "the title is not shown in the window")
    if "/StructTreeRoot" not in root:
        reading.say("7.1", "catalogue", "no structure tree")
    metadata = root.get("/Metadata")
    xmp = metadata.read_bytes().decode("utf-8", "replace") if metadata is not None else ""
    if not re.search(r"<pdfuaid:part>1</pdfuaid:part>|pdfuaid:part=\"1\"", xmp):
        reading.say("5-1", "metadata", "no PDF/UA identification")
    if "<dc:title>" not in xmp:
        reading.say("7.1-9", "metadata", "no dc:title")
    if not str(doc.docinfo.get("/Title", "")):
        reading.say("7.1-9", "info", "no title")


# --- content streams --------------------------------------------------------------------------


@dataclass
class Marking:
    """The open marked-content sequences where a stream is read: 'tagged', 'artifact' or
    'other' (a sequence with neither an MCID nor /Artifact, such as a /Span with ActualText)."""

    stack: list[str] = field(default_factory=list)

    @property
    def tagged(self) -> bool:
        return "tagged" in self.stack

    @property
    def artifact(self) -> bool:
        return "artifact" in self.stack


def read_page(doc: Any, page: Any, number: int, reading: Reading) -> None:
    where = f"page {number + 1}"
    read_stream(page, page.obj.get("/Resources"), where, Marking(), number, reading, page.obj)
    for annotation in page.obj.get("/Annots", []):
        if annotation.get("/Subtype") in ("/Popup", "/PrinterMark"):
            continue
        if "/Tabs" not in page.obj or page.obj.Tabs != "/S":
            reading.say("7.18.3-1", where, "annotations, but tab order not by structure")
            break
    for annotation in page.obj.get("/Annots", []):
        if annotation.get("/Subtype") == "/Link" and not str(annotation.get("/Contents", "")):
            reading.say("7.18.1-2", where, "a link annotation without /Contents")


def read_stream(
    stream: Any,
    resources: Any,
    where: str,
    outer: Marking,
    page: int,
    reading: Reading,
    owner: Any,
) -> None:
    """Read one content stream, as placed where `outer` says (the sequences open around it)."""
    key = owner.objgen
    content = reading.streams.setdefault(key, Content())
    content.placed += 1
    reading.pages_of.setdefault(key, page)
    if content.placed > 1 and content.mcids:
        reading.say("7.1", where, "a form holding tagged content is placed more than once")
    first = content.placed == 1
    marking = Marking(list(outer.stack))
    depth = len(marking.stack)
    text_depth: int | None = None  # the marking depth where the open text object began
    forms = resources.get("/XObject", {}) if resources is not None else {}
    for operands, operator in pikepdf.parse_content_stream(stream):
        op = str(operator)
        if op in ("BDC", "BMC"):
            kind = marking_kind(operands, op)
            if kind == "artifact" and marking.tagged:
                reading.say("7.1-1", where, "an artifact inside tagged content")
            if kind == "tagged" and marking.artifact:
                reading.say("7.1-2", where, "tagged content inside an artifact")
            if kind == "tagged":
                mcid = int(operands[1].MCID)
                if first and mcid in content.mcids:
                    reading.say("7.1", where, f"MCID {mcid} twice in one stream")
                if first:
                    content.mcids.append(mcid)
            marking.stack.append(kind)
        elif op == "EMC":
            if len(marking.stack) <= depth:
                reading.say("7.1", where, "EMC without its BDC")
            else:
                marking.stack.pop()
                if text_depth is not None and len(marking.stack) < text_depth:
                    reading.say("7.1", where, "a sequence begun outside a text object ends in it")
        elif op == "BT":
            text_depth = len(marking.stack)
        elif op == "ET":
            if text_depth is not None and len(marking.stack) != text_depth:
                reading.say("7.1", where, "a sequence begun inside a text object ends outside it")
            text_depth = None
        elif op == "Do":
            xobject = forms.get(operands[0])
            if xobject is None:
                continue
            if xobject.get("/Subtype") == "/Form":
                read_stream(
                    xobject,
                    xobject.get("/Resources", resources),
                    f"{where} {operands[0]}",
                    marking,
                    page,
                    reading,
                    xobject,
                )
            elif not (marking.tagged or marking.artifact):
                reading.say("7.1-3", where, "an image neither tagged nor an artifact")
        elif (op in TEXT_SHOWING or op in PAINTING) and not (marking.tagged or marking.artifact):
            reading.say("7.1-3", where, f"'{op}' neither tagged nor an artifact")
    if len(marking.stack) != depth:
        reading.say("7.1", where, "a marked-content sequence left open")


def marking_kind(operands: list[Any], op: str) -> str:
    tag = str(operands[0])
    if tag == "/Artifact":
        return "artifact"
    if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
        return "tagged"
    return "other"


# --- the structure tree -----------------------------------------------------------------------


def tree(doc: Any, reading: Reading) -> None:
    root = doc.Root.StructTreeRoot
    nums = parent_tree(root.get("/ParentTree"))
    next_key = int(root.get("/ParentTreeNextKey", 0))
    if nums and max(nums) >= next_key:
        reading.say("7.1", "ParentTree", "ParentTreeNextKey is not past every key")
    role_map = root.get("/RoleMap", {})
    referred: dict[tuple[tuple[int, int], int], Any] = {}  # (stream, mcid) -> element
    objr: dict[tuple[int, int], Any] = {}  # annotation -> element
    headings: list[int] = []
    elements(root, role_map, referred, objr, headings, reading)
    if headings and headings[0] != 1:
        reading.say("7.4.2-1", "structure", f"the first heading is H{headings[0]}")
    for before, after in zip(headings, headings[1:], strict=False):
        if after > before + 1:
            reading.say("7.4.2-1", "structure", f"H{after} follows H{before}")
            break
    streams_both_ways(doc, reading, nums, referred)
    annotations_both_ways(doc, reading, nums, objr)


def parent_tree(node: Any) -> dict[int, Any]:
    """A number tree's keys and values (its /Nums, and its kids')."""
    found: dict[int, Any] = {}
    if node is None:
        return found
    nums = node.get("/Nums", [])
    for i in range(0, len(nums), 2):
        found[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", []):
        found.update(parent_tree(kid))
    return found


def elements(
    node: Any,
    role_map: Any,
    referred: dict[tuple[tuple[int, int], int], Any],
    objr: dict[tuple[int, int], Any],
    headings: list[int],
    reading: Reading,
) -> None:
    kids = node.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    tag = str(node.get("/S", "/StructTreeRoot"))[1:]
    kind = str(role_map.get("/" + tag, "/" + tag))[1:] if tag != "StructTreeRoot" else tag
    where = f"{tag} element"
    if tag != "StructTreeRoot":
        if kind not in STANDARD:
            reading.say("7.1-5", where, "neither standard nor role-mapped")
        if kind == "Figure" and not str(node.get("/Alt", "")):
            reading.say("7.3-1", where, "a figure without alternative text")
        if re.fullmatch(r"H[1-6]", kind):
            headings.append(int(kind[1]))
        if kind == "H":
            reading.say("7.4.4-?", where, "H beside numbered headings")
    own_page = node.get("/Pg")
    kid_kinds: list[str] = []
    linked = False
    for kid in kids:
        if isinstance(kid, int):
            if own_page is None:
                reading.say("7.1", where, f"MCID {kid} with no page to be on")
                continue
            referred[(content_key(own_page, None), int(kid))] = node
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            page = kid.get("/Pg", own_page)
            stream = kid.get("/Stm")
            referred[(content_key(page, stream), int(kid.MCID))] = node
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
            objr[kid.Obj.objgen] = node
            linked = True
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            if kid.get("/P") is None or kid.P.objgen != node.objgen:
                reading.say("7.1", f"{kid.S} element", "its /P is not its parent")
            kid_kinds.append(str(role_map.get(kid.S, kid.S))[1:])
            elements(kid, role_map, referred, objr, headings, reading)
    allowed = MAY_HOLD.get(kind)
    if allowed is not None:
        for found in kid_kinds:
            if found not in allowed:
                reading.say("7.2-?", where, f"holds {found}")
    if kind == "Link" and not linked:
        reading.say("7.18.5-1", where, "a link without its annotation (OBJR)")


def content_key(page: Any, stream: Any) -> tuple[int, int]:
    return (stream if stream is not None else page).objgen


def streams_both_ways(
    doc: Any,
    reading: Reading,
    nums: dict[int, Any],
    referred: dict[tuple[tuple[int, int], int], Any],
) -> None:
    """Each MCID in the content leads through the parent tree to the element that names it,
    and each element's reference to an MCID that is in the content."""
    owners = {page.obj.objgen: page.obj for page in doc.pages}
    for page in doc.pages:
        for xobject in page.obj.get("/Resources", {}).get("/XObject", {}).values():
            owners.setdefault(xobject.objgen, xobject)
    for key, content in reading.streams.items():
        if not content.mcids:
            continue
        owner = owners.get(key)
        where = f"stream {key}"
        if owner is None or "/StructParents" not in owner:
            reading.say("7.1", where, "tagged content but no /StructParents")
            continue
        row = nums.get(int(owner.StructParents))
        if not isinstance(row, pikepdf.Array):
            reading.say("7.1", where, "no parent tree entry for its /StructParents")
            continue
        for mcid in content.mcids:
            element = row[mcid] if 0 <= mcid < len(row) else None
            named = referred.get((key, mcid))
            if not isinstance(element, pikepdf.Dictionary):
                reading.say("7.1", where, f"MCID {mcid} has no element in the parent tree")
            elif named is None or named.objgen != element.objgen:
                reading.say("7.1", where, f"MCID {mcid}: the parent tree and the tree disagree")
    present = {(key, m) for key, content in reading.streams.items() for m in content.mcids}
    for key, mcid in referred:
        if (key, mcid) not in present:
            reading.say("7.1", f"stream {key}", f"MCID {mcid} is in the tree, not the content")


def annotations_both_ways(
    doc: Any, reading: Reading, nums: dict[int, Any], objr: dict[tuple[int, int], Any]
) -> None:
    for number, page in enumerate(doc.pages):
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") in ("/Popup", "/PrinterMark"):
                continue
            where = f"page {number + 1} annotation"
            element = objr.get(annotation.objgen)
            if element is None:
                reading.say("7.18.1-1", where, "not in the structure tree")
                continue
            key = annotation.get("/StructParent")
            found = nums.get(int(key)) if key is not None else None
            if not isinstance(found, pikepdf.Dictionary) or found.objgen != element.objgen:
                reading.say("7.18.1-1", where, "its /StructParent does not lead to its element")


# --- fonts ------------------------------------------------------------------------------------


def fonts(doc: Any, reading: Reading) -> None:
    seen: set[tuple[int, int]] = set()

    def visit(resources: Any, where: str) -> None:
        if resources is None:
            return
        for name, font in resources.get("/Font", {}).items():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            if font.get("/Subtype") != "/Type3" and (
                descriptor is None
                or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            ):
                reading.say("7.21.4.1-1", where, f"font {name} is not embedded")
            if "/ToUnicode" not in font and font.get("/Encoding") not in (
                "/WinAnsiEncoding",
                "/MacRomanEncoding",
                "/StandardEncoding",
            ):
                reading.say("7.21.7-1", where, f"font {name} has no Unicode map")
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                visit(xobject.get("/Resources"), where)

    for number, page in enumerate(doc.pages):
        visit(page.obj.get("/Resources"), f"page {number + 1}")
