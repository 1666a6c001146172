"""The booklet's back matter: notes pages and the back cover with a practice's details."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak

from booklet.base.internals import Canvas
from booklet.draw.describe import describe_code, describe_logo
from booklet.draw.handout import ClientBand, QrCode, qr_size
from booklet.draw.pieces import Styles
from booklet.products.booklet.cover import CoverPage
from booklet.products.booklet.flowables import BookInfo, Marker, NotesPage
from booklet.products.booklet.kit import BOOK_QR, BookKit
from booklet.text.paragraph import TextBlock
from booklet.text.stacking import Piece, Placeable, Space


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
    """The closing word, large and a little above the middle, the lines under it and the
    practice's details; the snippet's last line (the disclaimer) at the foot."""
    s = kit.styles
    lines = kit.lines("back.j2")
    closing = s.text("title", centred=True)._replace(size=s.size * 1.6, leading_ratio=1.3)
    under = s.text(centred=True)._replace(size=s.size * 1.1)
    titles = [TextBlock(p.spans, closing) for p in lines if p.kind == "title"]
    rest = [p for p in lines if p.kind != "title"]
    foot = [TextBlock(p.spans, s.text("muted", centred=True)) for p in rest[-1:]]
    middle: list[Placeable] = [*titles, *(TextBlock(p.spans, under) for p in rest[:-1])]
    middle += handout(kit, s)
    fw = kit.size[0] - 2 * kit.margin
    return [
        CoverPage(
            [Space(kit.size[1] * 0.12)],
            [Narrow(m, fw * 0.78) for m in middle],
            foot,
            s.size * 2,
            f"the back cover (back.j2 of the '{kit.layout.name}' layout, with the practice's "
            "details)",
        )
    ]


class Narrow(Piece):
    """A piece set narrower than the page, centred: a back cover's few words."""

    def __init__(self, piece: Placeable, width: float) -> None:
        self.piece, self.most = piece, width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        _, self.height = self.piece.wrap(min(avail_width, self.most), avail_height)
        self.width = self.piece.width
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:  # noqa: N802
        self.piece.drawOn(canvas, x, y)


def handout(kit: BookKit, s: Styles) -> list[Placeable]:
    """The practice's logo and details and the link's QR code, for the back cover."""
    out: list[Placeable] = []
    lines = kit.lines("client.j2")
    if lines or kit.logo is not None:
        words = [s.paragraph(*p) for p in lines]
        alt = describe_logo(kit.req.personal.therapist, kit.words)
        out.append(ClientBand(kit.logo, words, s.gap, s.size * 4.5, alt))
    link = kit.req.personal.link
    if link:
        size = qr_size(link, BOOK_QR, "the booklet")
        words = [s.paragraph(*p) for p in kit.lines("link.j2", "", {"video": ""})]
        out.append(QrCode(link, size, words, s.gap, describe_code(link, kit.words)))
    return out
