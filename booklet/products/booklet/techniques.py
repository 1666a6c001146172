"""A technique's spread: its title and its picture, as large as the page allows, on the
left-hand page; what it is, the key facts, the steps, cautions and the spine box facing it.

The words' page tries the layout's body size first, then smaller ones, to stay on one page; on
a small page the key facts move under the picture first; if nothing fits the words flow on. A
technique without a picture is one page.
"""

from __future__ import annotations

from typing import NamedTuple

from reportlab.platypus import Flowable, PageBreak, Spacer

from booklet.data.model import Technique, pressure_rank
from booklet.draw.diagrams import aspect, width_for_height
from booklet.draw.grid import WIDTH_PER_TEXT_POINT
from booklet.draw.handout import QrCode, qr_size
from booklet.draw.pieces import Gauge, Styles, WarningBox
from booklet.layout.context import technique_by_id
from booklet.products.booklet.flowables import BookParagraph, FactsPanel, FillDiagram, PieceFlowable
from booklet.products.booklet.kit import (
    BOOK_QR,
    BookKit,
    Chosen,
    flow_height,
    heading_style,
    marked_paragraphs,
    title_paragraph,
)
from booklet.products.fitting import Attempt, largest_fitting
from booklet.text.markup import escape


class TechniqueParts(NamedTuple):
    """A technique's flowables at one body size, before they are placed on the spread."""

    title: BookParagraph  # "2. Fan stroke", in the title style
    about: list[Flowable]  # what it is, the key facts panel, the video's QR code
    steps: list[Flowable]  # the numbered steps, cautions and the spine box


def technique_spread(kit: BookKit, number: int, tech: Technique) -> list[Flowable]:
    """The picture's page (the title, the figure, the facts if they moved there), a page
    break, then the words' page; or the words alone for a technique without a picture."""
    fw, fh = kit.frame_size
    size, with_panel, words = fit_words(kit, number, tech)
    if tech.diagram is None:
        return words
    parts = technique_parts(kit, number, tech, kit.styles_at(size))
    under: list[Flowable] = [] if with_panel else [Spacer(1, kit.styles.size)]
    under += [] if with_panel else [f for f in parts.about if isinstance(f, FactsPanel)]
    used = flow_height([parts.title, *under], fw, fh) + kit.styles.size
    font, least = kit.layout.font, kit.layout.min_body_size
    width = width_for_height(tech.diagram, fh - used, fw * 0.9, font, least, kit.key_words)
    legend = width >= least * WIDTH_PER_TEXT_POINT  # else the key on the pressure page serves
    if not legend:
        width = min(fw * 0.9, (fh - used) / aspect())
    picture = FillDiagram(
        tech, width, font, "CENTER", least, words=kit.key_words, wide=fw * 0.9, legend=legend
    )
    return [parts.title, picture, *under, PageBreak(), *words]


def fit_words(kit: BookKit, number: int, tech: Technique) -> tuple[float, bool, list[Flowable]]:
    """The words' page at the largest body size that keeps it on one page, with the facts
    panel if possible: the size, whether the panel stayed, and the flowables. The planning
    pass decides; the printing pass builds what it decided."""
    key = f"t-{tech.id}"
    if key in kit.chosen:
        size, with_panel = kit.chosen[key]
        return size, with_panel, technique_words(kit, number, tech, kit.styles_at(size), with_panel)
    fw, fh = kit.frame_size
    sizes = kit.body_sizes
    text: list[Flowable] = []
    size, with_panel = sizes[-1], True
    for with_panel in (True, False) if tech.diagram is not None else (True,):

        def attempt(size: float, panel: bool = with_panel) -> Attempt[list[Flowable]]:
            built = technique_words(kit, number, tech, kit.styles_at(size), panel)
            return Attempt(built, flow_height(built, fw, fh) <= fh)

        found = largest_fitting(sizes, attempt)
        if found is not None:
            text, size = found.built, found.size
            break
    else:  # too much for one page even so: the words flow on
        with_panel = True
        text = technique_words(kit, number, tech, kit.styles_at(size))
    kit.chosen[key] = Chosen(size, with_panel)
    return size, with_panel, text


def technique_words(
    kit: BookKit, number: int, tech: Technique, styles: Styles, panel: bool = True
) -> list[Flowable]:
    """The words' page: a heading (the title, when there is no picture's page to carry it),
    what it is, the facts unless they moved under the picture, then the steps."""
    parts = technique_parts(kit, number, tech, styles)
    about = parts.about
    if not panel:  # the key facts go with the picture (a small page)
        about = [f for f in about if not isinstance(f, FactsPanel)]
    if tech.diagram is None:
        return [parts.title, *about, Spacer(1, styles.size), *parts.steps]
    head = BookParagraph(f"{number}. {escape(tech.name)}", heading_style(styles))
    return [head, *about, Spacer(1, styles.size), *parts.steps]


def technique_parts(kit: BookKit, number: int, tech: Technique, s: Styles) -> TechniqueParts:
    """The title, what the technique is with its facts panel and video, and its steps."""
    context = {"technique": technique_by_id(kit.context, tech.id), "number": number}
    gauge = PieceFlowable(technique_gauge(kit, tech, s))
    facts = marked_paragraphs(kit.lines("facts.j2", tech.id, context), s)
    about: list[Flowable] = [
        *marked_paragraphs(kit.lines("technique.j2", tech.id, context), s),
        Spacer(1, s.size * 0.8),
        FactsPanel([gauge, *facts], s),
        *video(kit, tech, s),
    ]
    title = title_paragraph(f"{number}. {escape(tech.name)}", s)
    return TechniqueParts(title, about, steps_and_cautions(kit, tech, s))


def technique_gauge(kit: BookKit, tech: Technique, s: Styles) -> Gauge:
    """The technique's pressure. "Ask how it feels" is said once, on the pressure page, not
    on every technique."""
    level = kit.words.item("pressure_levels", tech.pressure)
    label = escape(kit.words.text("pressure_label", level="\x00"))
    gauge_label = BookParagraph(label.replace("\x00", f"<b>{escape(level)}</b>"), s.style())
    colours = kit.layout.colours
    return Gauge(
        pressure_rank(tech.pressure), gauge_label, s.size, colours["accent"], colours["text"], s.rtl
    )


def video(kit: BookKit, tech: Technique, s: Styles) -> list[Flowable]:
    """A QR code to the technique's video, with the link snippet's words, if it has one."""
    if not tech.video:
        return []
    size = qr_size(tech.video, BOOK_QR * 0.8, f"the {tech.name} video")
    words = marked_paragraphs(kit.lines("link.j2", f"video-{tech.id}", {"video": tech.video}), s)
    return [Spacer(1, s.size * 0.6), PieceFlowable(QrCode(tech.video, size, words, s.gap))]


def steps_and_cautions(kit: BookKit, tech: Technique, s: Styles) -> list[Flowable]:
    """The numbered steps, what to take care with, and the spine box if it avoids the spine."""
    words = kit.words
    out: list[Flowable] = [BookParagraph(escape(words.text("steps")), heading_style(s))]
    for i, step in enumerate(tech.steps, start=1):
        out.append(BookParagraph(escape(step), s.bullet(numbered=True), bulletText=f"{i}."))
    if tech.cautions:
        out.append(BookParagraph(escape(words.text("take_care")), heading_style(s)))
        out += [BookParagraph(escape(c), s.bullet(), bulletText="•") for c in tech.cautions]
    if tech.avoids_spine:
        warning = BookParagraph(
            f"<b>{escape(words.text('spine_label'))}</b> {escape(kit.setting.spine_warning)}",
            s.style(),
        )
        out += [Spacer(1, s.size * 0.8), PieceFlowable(WarningBox([warning], s))]
    return out
