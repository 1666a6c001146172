"""The booklet's front matter: the cover, the dedication and the contents page."""

from __future__ import annotations

from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from booklet.data.model import Technique
from booklet.draw.pieces import Styles
from booklet.products.booklet.cover import CoverArt, CoverPage
from booklet.products.booklet.flowables import BookText, FillDiagram, FillLine, TaggedTable
from booklet.products.booklet.kit import BookKit, flow_height, in_reading_order, title_paragraph
from booklet.text import tagging
from booklet.text.fonts import display_family, face
from booklet.text.markup import Span
from booklet.text.paragraph import TextBlock, TextStyle

# A contents entry: the section's key (its link target), its title, and its technique if any.
Entry = tuple[str, str, Technique | None]
THUMBNAIL = (0.85 * 72, 1.25 * 72)  # a contents figure you can read, or none


def display_italic(kit: BookKit) -> str:
    """The display face's italic (the recipient's name, the dedication's), or the text's."""
    if kit.layout.display_font:
        return face(display_family(kit.layout.display_font).italic)
    return face(kit.fonts.italic)


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
    heads = [p for p in lines if p.kind == "heading"]
    recipient: list[TextBlock] = []
    if heads:  # the italic face is read only for a name to set in it
        name = s.text("title", centred=True)._replace(
            title_face=display_italic(kit),
            size=s.size * s.title_scale * 1.35,
            colour=colours["text"],
            role="heading",
        )
        recipient = [TextBlock(p.spans, name) for p in heads]
    has_picture = any(t.diagram for t in kit.plan.techniques)
    art = CoverArt(kit.plan, width * 0.6, colours) if has_picture else None
    source = f"the cover (cover.j2 of the '{kit.layout.name}' layout)"
    return [CoverPage(top, [art] if art else [], recipient, s.size * 2.2, source)]


def cover_title(kit: BookKit, spans: tuple[Span, ...], width: float) -> TextStyle:
    """The title, large in the display face; no word of it wider than the page (the title
    shrinks instead of breaking one)."""
    import re

    from booklet.text.breaking import unit_width, words_of

    s = kit.styles
    style = s.text("title", centred=True)._replace(colour=kit.layout.colours["accent"])
    size = s.size * s.title_scale * 1.9
    widest = 0.0
    # the words as the text engine sets them, typeset: "« Ressourcement »" is one word (its
    # no-break spaces hold), a telephone number is as many as its groups (it may part there)
    for word in words_of(spans, style._replace(size=1.0)):
        if word is None:
            continue
        text = "".join(part[0] for part in word.parts)
        if "\u00a0" in text and re.search(r"[\d)]\u00a0[\d(]", text):
            face = word.parts[-1][1]
            pieces = re.split(r"(?<=[\d)])\u00a0(?=[\d(])", text)
            widest = max(widest, *(unit_width(piece, face) for piece in pieces))
        else:
            widest = max(widest, word.width)
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
    names = [p for p in lines if p.kind == "title"]
    rest = [p for p in lines if p.kind != "title"]
    if names:  # the italic face is read only for a name to set in it
        name = s.text("title", centred=True)._replace(
            title_face=display_italic(kit), size=s.size * 2.4, role="heading"
        )
        out += [BookText.of(p.spans, name, space_after=s.size * 1.4) for p in names]
    if not kit.context["book"]["message"]:  # room for a line of one's own, by hand
        out += [Spacer(1, s.size * 1.5), FillLine(s), Spacer(1, s.size * 2.2), FillLine(s)]
        out.append(Spacer(1, s.size * 2.2))
    out += [BookText.of(p.spans, words, space_after=s.size * 0.9) for p in rest]
    return out


def contents(kit: BookKit, pages: dict[str, int], notes: int) -> list[Flowable]:
    """A visual contents: the guidance sections as a list, then each technique with a figure
    large enough to read (as large as the page allows, 0.85 to 1.25 in wide) and what it is;
    a plain list where the page has no room for figures (A6 and smaller)."""
    fw, fh = kit.frame_size
    entries = contents_entries(kit, notes)
    thumbs = thumbnail_sizes()

    def page(choice: tuple[bool, float]) -> list[Flowable]:
        summaries, thumb = choice
        return contents_page(kit, entries, pages, thumb, kit.styles, summaries)

    def choose() -> tuple[bool, float]:
        """The largest figures that fit, with the summaries if they can be: a page is no
        shorter with larger figures, so the smallest is tried, then the largest, then the
        sizes between are halved (a few pages laid out instead of up to nine)."""
        for summaries in (True, False):

            def fits(index: int, summaries: bool = summaries) -> bool:
                return flow_height(page((summaries, thumbs[index])), fw, fh) <= fh

            if not fits(len(thumbs) - 1):
                continue
            if fits(0):
                return summaries, thumbs[0]
            low, high = 0, len(thumbs) - 1  # thumbs[low] does not fit, thumbs[high] does
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (low, middle) if fits(middle) else (middle, high)
            return summaries, thumbs[high]
        return True, 0.0  # a plain list

    # the page numbers are part of the key: "00" before they are known is wider than "5"
    return page(kit.remembered(("contents", notes, tuple(sorted(pages.items()))), choose))


def thumbnail_sizes() -> list[float]:
    """The contents figures' widths to try, largest first, 0.05 in apart."""
    sizes, thumb = [], THUMBNAIL[1]
    while thumb >= THUMBNAIL[0]:
        sizes.append(thumb)
        thumb -= 0.05 * 72
    return sizes


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
    kit: BookKit,
    entries: list[Entry],
    pages: dict[str, int],
    thumb: float,
    s: Styles,
    summaries: bool = True,
) -> list[Flowable]:
    """The title; the sections, each linked, with its page; the techniques in a grid of
    figures (`thumb` wide; none when 0), each with its page, name and what it is. Before the
    pages are known, "00" holds a number's place."""
    fw, _ = kit.frame_size
    techniques = [e for e in entries if e[2] is not None]
    if not thumb:
        return [title_paragraph(kit.words.text("contents"), s), entry_list(kit, entries, pages, s)]
    before = [e for e in entries if e[2] is None and e[0] != "notes"]
    after = [e for e in entries if e[0] == "notes"]
    out: list[Flowable] = [title_paragraph(kit.words.text("contents"), s)]
    out.append(entry_list(kit, before, pages, s))
    out += [Spacer(1, s.size * 1.2), figure_grid(kit, techniques, pages, thumb, s, summaries)]
    if after:
        out += [Spacer(1, s.size * 0.6), entry_list(kit, after, pages, s)]
    return out


def page_number(pages: dict[str, int], key: str) -> str:
    return str(pages.get(key, "")) or "00"


def link_words(kit: BookKit, title: str, number: str) -> str:
    """Where a contents link leads, as a screen reader says it (the annotation's /Contents)."""
    return kit.words.text("link_to_page", title=title, page=number)


def entry_list(kit: BookKit, entries: list[Entry], pages: dict[str, int], s: Styles) -> Table:
    """Entries as rows: the linked title, its page at the line's end (the right, or the left
    in a right-to-left language), a hairline under each."""
    fw, _ = kit.frame_size
    cell = s.text(role="cell")
    at_far_end = cell._replace(right=not s.rtl, left=s.rtl)  # the page number, at the line's end
    rows = []
    for order, (key, title, tech) in enumerate(entries):
        number = page_number(pages, key)
        said = {"link_text": link_words(kit, title, number), "link": key}
        title_place, number_place = tagging.Entry(key, order, 0), tagging.Entry(key, order, 1)
        rows.append(
            [
                BookText.of((Span(title, bold=tech is not None),), cell, **said, place=title_place),
                BookText.of((Span(number),), at_far_end, **said, place=number_place),
            ]
        )
    rows, widths = in_reading_order(rows, [fw - s.size * 3, s.size * 3], s.rtl)
    table = TaggedTable(rows, colWidths=widths, tag="TOC")
    pad = s.size * 0.4
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), kit.fonts.regular, s.size),  # not Helvetica
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), pad),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, HexColor(kit.layout.colours["muted"])),
            ]
        )
    )
    return table


def figure_grid(
    kit: BookKit,
    entries: list[Entry],
    pages: dict[str, int],
    thumb: float,
    s: Styles,
    summaries: bool,
) -> Table:
    """The techniques two to a row: the figure, then the page and the linked name, then what
    the technique is (when `summaries`)."""
    fw, _ = kit.frame_size
    columns = 2 if len(entries) <= 6 else 3
    name = s.text(centred=True, role="cell")
    summary = s.text("muted", centred=True, role="cell")._replace(size=s.size * 0.9)
    accent = kit.layout.colours["accent"]
    cells: list[list[Flowable]] = []
    for order, (key, title, tech) in enumerate(entries):
        assert tech is not None
        cell: list[Flowable] = []
        if tech.diagram is not None:
            cell.append(FillDiagram(tech, thumb, kit.layout.font, "CENTER", plain=True))
        number = page_number(pages, key)
        spans = (Span(number, bold=True, colour=accent), Span(f"  {title}", True))
        said = link_words(kit, title, number)
        cell.append(
            BookText.of(
                spans,
                name,
                link=key,
                space_before=s.size * 0.5,
                link_text=said,
                place=tagging.Entry(key, order, 0),
            )
        )
        if summaries:
            place = tagging.Entry(key, order, 1)
            about = BookText.of(
                (Span(tech.summary),), summary, space_before=s.size * 0.2, place=place
            )
            cell.append(about)
        cells.append(cell)
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    rows[-1] += [[] for _ in range(columns - len(rows[-1]))]
    rows, widths = in_reading_order(rows, [fw / columns] * columns, s.rtl)  # the first at the right
    table = TaggedTable(rows, colWidths=widths, tag="TOC")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), kit.fonts.regular, s.size),  # not Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), s.size * 0.6),
                ("RIGHTPADDING", (0, 0), (-1, -1), s.size * 0.6),
                ("TOPPADDING", (0, 0), (-1, -1), s.size * 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), s.size * 0.9),
            ]
        )
    )
    return table
