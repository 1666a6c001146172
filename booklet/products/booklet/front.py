"""The booklet's front matter: the cover, the dedication and the contents page."""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from booklet.data.model import Technique
from booklet.draw.pieces import Styles
from booklet.products.booklet.cover import CoverArt, CoverPage
from booklet.products.booklet.flowables import BookText, FillDiagram, FillLine
from booklet.products.booklet.kit import BookKit, flow_height, title_paragraph
from booklet.text.fonts import register_all
from booklet.text.markup import Span
from booklet.text.paragraph import TextBlock, TextStyle

# A contents entry: the section's key (its link target), its title, and its technique if any.
Entry = tuple[str, str, Technique | None]
THUMBNAIL = (0.85 * 72, 1.25 * 72)  # a contents figure you can read, or none


def display_italic(kit: BookKit) -> str:
    """The display face's italic (the recipient's name, the dedication's), or the text's."""
    if kit.layout.display_font:
        return register_all(kit.layout.display_font).italic
    return kit.fonts.italic


def cover(kit: BookKit) -> list[Flowable]:
    """The title and the lines under it, the routine's picture, and the recipient: `##` lines
    of the cover snippet are the recipient, set large in the display face's italic."""
    s = kit.styles
    lines = kit.lines("cover.j2")
    w, _ = kit.size
    width = w - 2 * kit.margin
    colours = kit.layout.colours
    top: list[TextBlock] = []
    for number, para in enumerate(p for p in lines if p.kind != "heading"):
        style = cover_title(kit, para.spans, width) if number == 0 else cover_line(s)
        top.append(TextBlock(para.spans, style))
    name = s.text("title", centred=True)._replace(
        title_face=display_italic(kit),
        size=s.size * s.title_scale * 1.35,
        colour=colours["text"],
        role="heading",
    )
    recipient = [TextBlock(p.spans, name) for p in lines if p.kind == "heading"]
    has_picture = any(t.diagram for t in kit.plan.techniques)
    art = CoverArt(kit.plan, width * 0.6, colours) if has_picture else None
    return [CoverPage(top, [art] if art else [], recipient, s.size * 2.2)]


def cover_title(kit: BookKit, spans: tuple[Span, ...], width: float) -> TextStyle:
    """The title, large in the display face; no word of it wider than the page (the title
    shrinks instead of breaking one)."""
    from booklet.text.breaking import unit_width

    s = kit.styles
    style = s.text("title", centred=True)._replace(colour=kit.layout.colours["accent"])
    size = s.size * s.title_scale * 1.9
    text = "".join(span.text for span in spans)
    widest = max((unit_width(word, style.face(Span(word))) for word in text.split()), default=0)
    size = max(s.size * 1.2, min(size, width / max(widest, 0.01)))
    return style._replace(size=size, leading_ratio=1.12)


def cover_line(s: Styles) -> TextStyle:
    """A line under the title: smaller, muted, in the text face."""
    return s.text("muted", centred=True)._replace(size=s.size * 1.15)


def dedication(kit: BookKit) -> list[Flowable]:
    """Who the booklet is for, in the display face; the giver's own words; then their name or
    the sign-off they chose. Without a message, lines to write one by hand; with nothing
    given, lines for the names too."""
    s = kit.styles
    lines = kit.lines("dedication.j2")
    out: list[Flowable] = [Spacer(1, kit.frame_size[1] * 0.22)]
    words = s.text(centred=True)._replace(size=s.size * 1.25, leading_ratio=1.45)
    if not lines:
        for key in ("for_label", "from_label"):
            out += [
                BookText.of((Span(kit.words.text(key)),), words),
                Spacer(1, s.size * 2.5),
                FillLine(s),
                Spacer(1, s.size * 2),
            ]
        return out
    name = s.text("title", centred=True)._replace(
        title_face=display_italic(kit), size=s.size * 2.4, role="heading"
    )
    names = [p for p in lines if p.kind == "title"]
    rest = [p for p in lines if p.kind != "title"]
    out += [BookText.of(p.spans, name, space_after=s.size * 1.4) for p in names]
    if not kit.context["book"]["message"]:  # room for a line of one's own, by hand
        out += [Spacer(1, s.size * 1.5), FillLine(s), Spacer(1, s.size * 2.2), FillLine(s)]
        out.append(Spacer(1, s.size * 2.2))
    out += [BookText.of(p.spans, words, space_after=s.size * 0.9) for p in rest]
    return out


def contents(kit: BookKit, pages: dict[str, int], notes: int) -> list[Flowable]:
    """A visual contents: each technique with a figure large enough to read and what it is,
    where the page has room for them; a plain list where it has not (A6 and smaller)."""
    fw, fh = kit.frame_size
    entries = contents_entries(kit, notes)
    for thumb in (THUMBNAIL[1], THUMBNAIL[0], 0.0):
        page = contents_page(kit, entries, pages, thumb, kit.styles)
        if flow_height(page, fw, fh) <= fh:
            return page
    smallest = kit.styles_at(kit.layout.min_body_size)
    return contents_page(kit, entries, pages, 0.0, smallest)


def contents_entries(kit: BookKit, notes: int) -> list[Entry]:
    """What the contents lists, in the booklet's order."""
    words = kit.words
    entries: list[Entry] = [
        ("before", words.text("before_you_begin"), None),
        ("safety", words.text("when_not_to_massage"), None),
        ("pressure", words.text("pressure_scale"), None),
        ("routine", words.text("your_routine"), None),
    ]
    entries += [(f"t-{t.id}", t.name, t) for t in kit.plan.techniques]
    if notes:
        entries.append(("notes", words.text("notes"), None))
    return entries


def contents_page(
    kit: BookKit, entries: list[Entry], pages: dict[str, int], thumb: float, s: Styles
) -> list[Flowable]:
    """The contents as a table: a figure (or nothing), the linked title and what the technique
    is, and its page number. Before the pages are known, "00" holds a number's place."""
    summary = s.text("muted", role="cell")
    cell = s.text(role="cell")
    number = cell._replace(right=True)
    rows = []
    pictures = thumb > 0
    for key, title, tech in entries:
        page = str(pages.get(key, "")) or "00"
        words: list[Flowable] = [BookText.of((Span(title, bold=tech is not None),), cell, link=key)]
        picture: Flowable | str = ""
        if tech is not None and pictures:
            words.append(BookText.of((Span(tech.summary),), summary, space_before=s.size * 0.2))
            if tech.diagram is not None:
                picture = FillDiagram(tech, thumb, kit.layout.font, "LEFT", plain=True)
        rows.append([picture, words, BookText.of((Span(page),), number, link=key)])
    fw, _ = kit.frame_size
    gutter = thumb + s.size * 1.2 if pictures else 0.0
    table = Table(rows, colWidths=[gutter, fw - gutter - s.size * 3, s.size * 3])
    pad = s.size * 0.45
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), pad),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, HexColor(kit.layout.colours["muted"])),
            ]
        )
    )
    return [title_paragraph(kit.words.text("contents"), s), table]
