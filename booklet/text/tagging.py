"""Tagged PDF while drawing: marked content in the page, and a record of what each piece is.

ReportLab has no tagging API. A canvas that is to be tagged carries a `Tags` recorder
(`start`); everything drawn on it is then in one of two kinds of marked-content sequence:

- tagged content, `/P <</MCID 3>> BDC ... EMC`, for what a reader must hear: every line of
  text goes through one seam (booklet.text.drawing.draw_line), which opens a sequence for its
  paragraph's structure element; a figure's whole drawing is one sequence;
- `/Artifact BMC ... EMC` for everything else: backgrounds, rules, boxes, swatches, hatching,
  marks, folios. A page opens as an artifact and every tagged sequence closes back into one,
  so decoration needs no marking of its own and nothing is ever left unmarked.

Tagged sequences sit outside text objects (BT ... ET): a paragraph whose label and body
belong to two elements (a list item's "•" and its words) is written as two text objects.

What each piece is comes from the code that draws it: a card side or a booklet section opens
a section (`section`), a list of steps a list (`element(canvas, "L")`), a diagram a figure with
its alternative text (`figure`), a table's cell its row and cell (`within`). Paragraphs find
their element by their role (booklet.text.style.ROLES); consecutive list items become one list
on their own. After the canvas is saved, `Tags.structure()` is plain data the press turns into
the PDF's structure tree (booklet.press.structure), wherever the pages have gone by then.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from booklet.base.internals import Canvas

# A paragraph's role (booklet.text.style.ROLES) -> its structure element. A folio is page
# furniture (an artifact); a list item is an LI holding its label and its body.
ROLE_TAGS = {
    "title": "H1",
    "heading": "H2",
    "body": "P",
    "item": "LI",
    "caption": "Caption",
    "label": "P",
    "cell": "P",
}
# Elements whose own words are their content: a cell's text, a link's, a label's, needs no P.
HOLDS_TEXT = frozenset({"TD", "TH", "TOCI", "Link", "Lbl", "Reference"})
ARTIFACT_OPEN = "/Artifact BMC"

Kid = tuple[str, int, int]  # ("E", element, 0) | ("M", page, mcid) | ("A", page, annotation)
Attribute = tuple[str, str, str]  # owner, key, value: ("List", "ListNumbering", "Decimal")
NUMBERED: Attribute = ("List", "ListNumbering", "Decimal")  # a list whose labels are numbers


class Element(NamedTuple):
    """One structure element, as plain data: its type, parent (index; -1 for the root),
    alternative text, attributes (owner, key, value) and kids in reading order."""

    tag: str
    parent: int
    alt: str
    attributes: tuple[tuple[str, str, str], ...]
    kids: tuple[Kid, ...]


class Structure(NamedTuple):
    """A tagged file's structure, recorded while it was drawn: elements (0 is the document),
    the language, and where each drawn page's content went: `homes[p]` is (page, form name)
    in the finished file, the form name empty when the drawn page is that page itself."""

    elements: tuple[Element, ...]
    lang: str
    homes: tuple[tuple[int, str], ...] = ()

    def placed(self, homes: list[tuple[int, str]]) -> Structure:
        """The same structure after its pages were placed elsewhere (imposed as forms)."""
        return self._replace(homes=tuple(homes))


@dataclass(eq=False)
class Node:
    """A structure element while it is recorded: its kids are elements and marked content."""

    tag: str
    parent: Node | None
    alt: str = ""
    attributes: list[Attribute] = field(default_factory=list)
    kids: list[Node | tuple[str, int, int]] = field(default_factory=list)
    keyed: dict[Hashable, Node] = field(default_factory=dict)
    open_list: Node | None = None  # consecutive list items gather in one list
    level: int = -1  # a section's level; -1 for anything else
    rank: tuple[int, ...] = ()  # where it reads among its siblings, when not where it is drawn

    def child(self, tag: str, alt: str = "") -> Node:
        self.open_list = None
        node = Node(tag, self, alt)
        self.kids.append(node)
        return node

    def ranked_child(self, tag: str, rank: tuple[int, ...]) -> Node:
        """A child that reads in the place its rank says (a table's row, a row's cell, a
        contents entry): a right-to-left table draws its last column first."""
        node = self.child(tag)
        node.rank = rank
        self.kids.remove(node)
        later = next(
            (i for i, k in enumerate(self.kids) if isinstance(k, Node) and k.rank > rank),
            len(self.kids),
        )
        self.kids.insert(later, node)
        return node


class Cell(NamedTuple):
    """Where a table cell's paragraph belongs: its row and column, and whether it heads a
    column (`header`) or a row (`row_header`)."""

    row: int
    col: int
    header: bool = False
    row_header: bool = False


class Entry(NamedTuple):
    """A contents entry: every paragraph with the same key is one entry (TOCI), the entries
    in their `order` and an entry's paragraphs by their `part` (its title before its page
    number), whatever order they are drawn in (right to left, the number is drawn first)."""

    key: str
    order: int = 0
    part: int = 0


Place = Cell | Entry


class Paragraph(NamedTuple):
    """Where a paragraph's lines go: its label's element (a numbered item's Lbl; None for a
    bullet, which is decoration: the list says what it is) and the rest's."""

    label: Node | None
    body: Node
    listed: bool = False  # a list item: its "label" line is its bullet or number


class Tags:
    """The recorder for one canvas: structure elements as they are opened, and the marked
    content of each page as it is drawn."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.root = Node("Document", None)
        self.stack: list[Node] = [self.root]
        self.page = -1
        self.mcid = 0
        self.annotations = 0
        self.on_page = False
        self.in_figure = 0
        self.paragraphs: dict[int, tuple[object, Paragraph]] = {}
        self.part = 0  # the part of a contents entry being drawn (Entry.part)

    # --- pages and marked content ---------------------------------------------------------

    def begin_page(self) -> str:
        """A page starts: its content is an artifact until something tagged opens."""
        if self.on_page:
            raise AssertionError("a tagged page began twice")
        self.on_page = True
        self.page += 1
        self.mcid = self.annotations = 0
        return ARTIFACT_OPEN

    def end_page(self) -> str:
        if not self.on_page:
            raise AssertionError("a tagged page ended that never began")
        self.on_page = False
        return "EMC"

    def open_content(self, node: Node, actual: str = "") -> str:
        """Tagged content for `node` begins (the artifact around it closes); with `actual`,
        the content stands for that text (its /ActualText, as PDF hex: a soft hyphen)."""
        if not self.on_page:
            raise AssertionError("tagged content drawn outside a page")
        mcid = self.mcid
        self.mcid += 1
        node.kids.append(("M", self.page, mcid))
        stands_for = f" /ActualText <{actual}>" if actual else ""
        return f"EMC /{node.tag} <</MCID {mcid}{stands_for}>> BDC"

    @staticmethod
    def close_content() -> str:
        return "EMC " + ARTIFACT_OPEN

    # --- the elements ---------------------------------------------------------------------

    @property
    def top(self) -> Node:
        return self.stack[-1]

    def push(self, tag: str, alt: str = "") -> Node:
        node = self.top.child(tag, alt)
        self.stack.append(node)
        return node

    def pop(self, node: Node) -> None:
        if self.stack[-1] is not node:
            raise AssertionError(f"structure closed out of order: {node.tag}")
        self.stack.pop()

    def section(self, level: int) -> None:
        """A section starts (a card's side, a booklet's part): it ends where the next one of
        its level or above starts."""
        while self.top.level >= level:
            self.stack.pop()
        node = self.push("Sect")
        node.level = level

    def paragraph(self, role: str, identity: object, bullet: str | None) -> Paragraph | None:
        """The element(s) a paragraph's lines are content of; None for a folio or anything
        inside a figure (the figure is one piece of content). A paragraph split across pages
        (the same `identity`) continues its element."""
        if self.in_figure or role == "folio":
            return None
        known = self.paragraphs.get(id(identity))
        if known is not None and known[0] is identity:
            return known[1]
        container = self.top
        if role == "item":
            numbered = bullet is not None and bullet.rstrip(".)").isdigit()
            if container.open_list is None:
                container.open_list = container.child("L")
                kind = "Decimal" if numbered else "Disc"
                container.open_list.attributes.append(("List", "ListNumbering", kind))
            item = container.open_list.child("LI")
            label = item.child("Lbl") if numbered else None
            found = Paragraph(label, item.child("LBody"), listed=True)
        elif container.tag in HOLDS_TEXT and role in ("cell", "label", "body"):
            container.open_list = None
            found = Paragraph(None, container)
        else:
            found = Paragraph(None, container.child(ROLE_TAGS.get(role, "P")))
        self.paragraphs[id(identity)] = (identity, found)
        return found

    def annotation(self) -> None:
        """The next annotation on this page belongs to the element on top (a link)."""
        self.top.kids.append(("A", self.page, self.annotations))
        self.annotations += 1

    def structure(self) -> Structure:
        """The record as plain data, elements in reading order (the document first)."""
        if self.on_page:
            raise AssertionError("the tagged canvas was saved with a page still open")
        nodes: list[Node] = []
        index: dict[int, int] = {}

        def visit(node: Node) -> None:
            index[id(node)] = len(nodes)
            nodes.append(node)
            for kid in node.kids:
                if isinstance(kid, Node):
                    visit(kid)

        visit(self.root)
        elements = []
        for node in nodes:
            kids: list[Kid] = [
                ("E", index[id(k)], 0) if isinstance(k, Node) else k for k in node.kids
            ]
            parent = index[id(node.parent)] if node.parent is not None else -1
            elements.append(
                Element(node.tag, parent, node.alt, tuple(node.attributes), tuple(kids))
            )
        homes = tuple((p, "") for p in range(self.page + 1))
        return Structure(tuple(elements), self.lang, homes)


# --- on a canvas ----------------------------------------------------------------------------

ATTRIBUTE = "booklet_tags"


def start(canvas: Canvas, lang: str) -> Tags:
    """Tag what is drawn on `canvas` from now on, in language `lang`."""
    tags = Tags(lang)
    setattr(canvas, ATTRIBUTE, tags)
    return tags


def tags_of(canvas: Canvas) -> Tags | None:
    """The canvas's recorder, or None: an untagged canvas (a planning pass, a diagram file,
    a form drawn to be placed many times) draws exactly as before."""
    tags: Tags | None = getattr(canvas, ATTRIBUTE, None)
    return tags


def begin_page(canvas: Canvas) -> None:
    tags = tags_of(canvas)
    if tags is not None:
        canvas.addLiteral(tags.begin_page())


def end_page(canvas: Canvas) -> None:
    tags = tags_of(canvas)
    if tags is not None:
        canvas.addLiteral(tags.end_page())


@contextmanager
def untagged(canvas: Canvas) -> Iterator[None]:
    """Draw without tags, as decoration: a form placed many times after its first copy, the
    title a facing page repeats."""
    tags = tags_of(canvas)
    setattr(canvas, ATTRIBUTE, None)
    try:
        yield
    finally:
        setattr(canvas, ATTRIBUTE, tags)


@contextmanager
def element(
    canvas: Canvas, tag: str, alt: str = "", attributes: tuple[Attribute, ...] = ()
) -> Iterator[None]:
    """What is drawn inside is part of one structure element (a list, a list item, a box)."""
    tags = tags_of(canvas)
    if tags is None or tags.in_figure:
        yield
        return
    node = tags.push(tag, alt)
    node.attributes.extend(attributes)
    try:
        yield
    finally:
        tags.pop(node)


@contextmanager
def marked(canvas: Canvas) -> Iterator[None]:
    """What is drawn inside is content of the element on top (text drawn without the text
    engine: a step's number in its badge, a log's column names)."""
    tags = tags_of(canvas)
    if tags is None or tags.in_figure:
        yield
        return
    canvas.addLiteral(tags.open_content(tags.top))
    try:
        yield
    finally:
        canvas.addLiteral(tags.close_content())


@contextmanager
def figure(canvas: Canvas, alt: str) -> Iterator[None]:
    """A picture with alternative text: all it draws, its labels too, is the figure's one
    piece of content."""
    tags = tags_of(canvas)
    if tags is None or tags.in_figure:
        yield
        return
    node = tags.top.child("Figure", alt)
    canvas.addLiteral(tags.open_content(node))
    tags.in_figure += 1
    try:
        yield
    finally:
        tags.in_figure -= 1
        canvas.addLiteral(tags.close_content())


def section(canvas: Canvas, level: int = 0) -> None:
    tags = tags_of(canvas)
    if tags is not None and not tags.in_figure:
        tags.section(level)


@contextmanager
def within(canvas: Canvas, place: Place | None) -> Iterator[None]:
    """A table cell's paragraph in its row and cell, or a contents entry's in its entry."""
    tags = tags_of(canvas)
    if tags is None or tags.in_figure or place is None:
        yield
        return
    container = tags.top
    if isinstance(place, Entry):
        node = container.keyed.get(place.key)
        if node is None:
            node = container.keyed[place.key] = container.ranked_child("TOCI", (place.order,))
        tags.part = place.part
    else:
        row = container.keyed.get(("TR", place.row))
        if row is None:
            row = container.keyed[("TR", place.row)] = container.ranked_child("TR", (place.row,))
        node = row.keyed.get(place.col)
        if node is None:
            head = place.header or place.row_header
            node = row.ranked_child("TH" if head else "TD", (place.col,))
            row.keyed[place.col] = node
            if head:
                scope = "Column" if place.header else "Row"
                node.attributes.append(("Table", "Scope", scope))
    tags.stack.append(node)
    try:
        yield
    finally:
        tags.pop(node)


@contextmanager
def link(canvas: Canvas) -> Iterator[None]:
    """A link's words: a Link element, which the link's annotation joins (`annotated`). In a
    contents entry the links (its title's, its page number's) are one Reference, which is
    what an entry may hold (ISO 32000-1 14.8.4.3)."""
    tags = tags_of(canvas)
    entry = tags.top if tags is not None and not tags.in_figure else None
    if tags is None or entry is None or entry.tag != "TOCI":
        with element(canvas, "Link"):
            yield
        return
    reference = entry.keyed.get("Reference")
    if reference is None:
        reference = entry.keyed["Reference"] = entry.ranked_child("Reference", (0,))
    tags.stack.append(reference)
    node = reference.ranked_child("Link", (tags.part,))  # the title's, then the number's
    tags.stack.append(node)
    try:
        yield
    finally:
        tags.pop(node)
        tags.pop(reference)


def annotated(canvas: Canvas) -> None:
    """The annotation just added to the page belongs to the element on top."""
    tags = tags_of(canvas)
    if tags is not None and not tags.in_figure:
        tags.annotation()
