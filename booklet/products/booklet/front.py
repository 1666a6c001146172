"""The booklet's front matter: the cover, the dedication and the contents page."""

from __future__ import annotations

from typing import Any

from reportlab.lib.colors import HexColor, white
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from booklet.data.model import Technique
from booklet.draw.diagrams import aspect
from booklet.draw.pieces import Styles
from booklet.products.booklet.flowables import BookParagraph, FillDiagram, FillLine
from booklet.products.booklet.kit import BookKit, flow_height, title_paragraph
from booklet.text.markup import escape, to_reportlab
from booklet.text.paragraph import plain

# A contents entry: the section's key (its link target), its title, and its technique if any.
Entry = tuple[str, str, Technique | None]


def cover(kit: BookKit) -> list[Flowable]:
    """Title in the coloured band (which grows to hold it), the first diagram below."""
    s = kit.styles
    lines = kit.lines("cover.j2")
    w, h = kit.size
    fw, _ = kit.frame_size
    title_style, sub = cover_styles(kit, plain(lines[0].spans) if lines else None)
    top = Spacer(1, h * 0.06)
    texts: list[Flowable] = []
    if lines:
        texts.append(BookParagraph(to_reportlab(lines[0].spans), title_style))
        texts += [BookParagraph(to_reportlab(line.spans), sub) for line in lines[1:]]
    used = kit.margin + h * 0.06 + sum(t.wrap(fw, h)[1] for t in texts)
    kit.cover_band = used + s.size * 1.5
    out: list[Flowable] = [top, *texts]
    figure = next((t for t in kit.plan.techniques if t.diagram), None)
    if figure is not None:
        gap = s.size * 3
        room = h - kit.cover_band - gap - kit.margin - s.size
        width = min(w * 0.42, room / aspect())
        if width >= 72:  # below an inch the figure says nothing; leave the cover plain
            space = kit.cover_band - used + gap
            out += [
                Spacer(1, space),
                FillDiagram(
                    figure, width, kit.layout.font, "CENTER", kit.layout.min_body_size, plain=True
                ),
            ]
    return out


def cover_styles(kit: BookKit, title: str | None) -> tuple[Any, Any]:
    """The cover title's style and its subtitle's, white on the band. No word of the title may
    be wider than the page: the title shrinks instead of breaking one."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    s = kit.styles
    fw, _ = kit.frame_size
    title_style = s.style("title")
    size = s.size * s.title_scale * 1.6
    if title is not None:
        widest = max(
            (stringWidth(word, kit.fonts.bold, size) for word in title.split()), default=0.0
        )
        size = max(s.size * 1.2, size * min(1.0, fw / max(widest, 1.0)))
    title_style.fontSize = size
    title_style.leading = size * 1.15
    title_style.textColor = white
    sub = s.style("heading")
    sub.fontSize = min(s.size * 1.6, size * 0.6)
    sub.leading = sub.fontSize * 1.3
    sub.textColor = white
    return title_style, sub


def dedication(kit: BookKit) -> list[Flowable]:
    """Who the booklet is for and from, with a message, or lines to write them by hand."""
    s = kit.styles
    lines = kit.lines("dedication.j2")
    out: list[Flowable] = [Spacer(1, kit.frame_size[1] * 0.25)]
    style = s.style()
    style.fontSize = s.size * 1.25
    style.leading = style.fontSize * 1.4
    style.alignment = 1
    book = kit.context["book"]
    if lines:
        paras: list[Flowable] = [BookParagraph(to_reportlab(line.spans), style) for line in lines]
        if book["for"]:  # the name, large, in the display face
            name = s.style("title")
            name.alignment = 1
            name.fontSize = s.size * 2.2
            name.leading = name.fontSize * 1.3
            name.spaceAfter = s.size * 1.2
            paras[0] = BookParagraph(to_reportlab(lines[0].spans), name)
        if not book["message"]:  # room for a line of one's own, by hand
            at = 1 if book["for"] else 0
            paras[at:at] = [
                Spacer(1, s.size * 2),
                FillLine(s),
                Spacer(1, s.size * 2),
                FillLine(s),
                Spacer(1, s.size * 1.5),
            ]
        out += paras
    else:  # nothing given: lines to write on by hand
        out += [
            BookParagraph(escape(kit.words.text("for_label")), style),
            Spacer(1, s.size * 2.5),
            FillLine(s),
            Spacer(1, s.size * 2),
            BookParagraph(escape(kit.words.text("from_label")), style),
            Spacer(1, s.size * 2.5),
            FillLine(s),
        ]
    return out


def contents(kit: BookKit, pages: dict[str, int], notes: int) -> list[Flowable]:
    """A visual contents: each technique with its small figure and what it is, where the
    page has room for them; a plain list where it has not (A6 and smaller)."""
    fw, fh = kit.frame_size
    for pictures, s in ((True, kit.styles), (False, kit.styles)):
        page = contents_page(kit, contents_entries(kit, notes), pages, pictures, s)
        if flow_height(page, fw, fh) <= fh:
            return page
    smallest = kit.styles_at(kit.layout.min_body_size)
    return contents_page(kit, contents_entries(kit, notes), pages, False, smallest)


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
    kit: BookKit, entries: list[Entry], pages: dict[str, int], pictures: bool, s: Styles
) -> list[Flowable]:
    """The contents as a table: a figure (or nothing), the linked title and what the technique
    is, and its page number. Before the pages are known, "00" holds a number's place."""
    link = s.style()
    summary = s.style("muted")
    summary.fontSize = s.size * 0.9
    summary.leading = summary.fontSize * 1.3
    number = s.style()
    number.alignment = 2
    thumb = s.size * 3.2 if pictures else 0.0  # each technique's figure, beside its name
    rows = []
    for key, title, tech in entries:
        page = str(pages.get(key, "")) or "00"
        words: list[Flowable] = [
            BookParagraph(f'<a href="#{key}"><b>{escape(title)}</b></a>', link)
            if tech
            else BookParagraph(f'<a href="#{key}">{escape(title)}</a>', link)
        ]
        picture: Flowable | str = ""
        if tech is not None and pictures:
            words.append(BookParagraph(escape(tech.summary), summary))
            if tech.diagram is not None:
                picture = FillDiagram(tech, thumb, kit.layout.font, "LEFT", plain=True)
        rows.append([picture, words, BookParagraph(f'<a href="#{key}">{page}</a>', number)])
    fw, _ = kit.frame_size
    table = Table(rows, colWidths=[thumb + s.size, fw - thumb - s.size * 5, s.size * 4])
    table.setStyle(
        TableStyle(
            [
                # the cells are paragraphs, but the table sets its font first: make it ours
                ("FONT", (0, 0), (-1, -1), kit.fonts.regular, s.size),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), s.size * 0.35),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), s.size * 0.45),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, HexColor(kit.layout.colours["muted"])),
            ]
        )
    )
    return [title_paragraph(escape(kit.words.text("contents")), s), table]
