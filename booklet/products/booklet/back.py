"""The booklet's back matter: notes pages and the back cover with a practice's details."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak, Spacer

from booklet.draw.handout import ClientBand, QrCode, qr_size
from booklet.draw.pieces import Styles
from booklet.products.booklet.flowables import (
    BookInfo,
    BookParagraph,
    Marker,
    NotesPage,
    PieceFlowable,
)
from booklet.products.booklet.kit import BOOK_QR, BookKit, marked_paragraphs
from booklet.text.markup import to_reportlab


def notes_pages(kit: BookKit, info: BookInfo, count: int) -> list[Flowable]:
    """Ruled pages for one's own notes, the first titled: they pad the booklet to a multiple
    of four pages (or start the techniques on a left-hand page)."""
    out: list[Flowable] = []
    title = kit.words.text("notes")
    for i in range(count):
        out.append(PageBreak())
        if i == 0:
            out.append(Marker("notes", title, 0, info))
        out.append(NotesPage(kit.styles, title if i == 0 else None))
    return out


def back_cover(kit: BookKit) -> list[Flowable]:
    """The practice's details, if any, then the layout's few closing lines, centred and low
    on the page."""
    s = kit.styles
    details = handout(kit, s)
    drop = 0.3 if details else 0.55  # the back cover's words sit low, under the practice's
    out: list[Flowable] = [Spacer(1, kit.frame_size[1] * drop), *details]
    style = s.style()
    style.alignment = 1  # centred, as a back cover's few lines are
    out += [BookParagraph(to_reportlab(p.spans), style) for p in kit.lines("back.j2")]
    return out


def handout(kit: BookKit, s: Styles) -> list[Flowable]:
    """The practice's logo and details and the link's QR code, for the back cover."""
    out: list[Flowable] = []
    lines = kit.lines("client.j2")
    if lines or kit.logo is not None:
        words = marked_paragraphs(lines, s)
        out += [PieceFlowable(ClientBand(kit.logo, words, s.gap, s.size * 4.5))]
        out.append(Spacer(1, s.size * 1.5))
    link = kit.req.personal.link
    if link:
        size = qr_size(link, BOOK_QR, "the booklet")
        words = marked_paragraphs(kit.lines("link.j2", "", {"video": ""}), s)
        out += [PieceFlowable(QrCode(link, size, words, s.gap)), Spacer(1, s.size * 1.5)]
    return out
