"""A technique's spread: its title and its picture, as large as the page allows, on the page
a reader meets first (the left-hand page, or the right-hand one in a booklet bound on the
right); what it is, the key facts, the steps, cautions and the spine box facing it.

The words' page tries the layout's body size first, then smaller ones, to stay on one page; on
a small page the key facts move under the picture first; if nothing fits the words flow on. A
technique without a picture is one page.
"""

from __future__ import annotations

from typing import NamedTuple

from reportlab.platypus import Flowable, PageBreak, Spacer

from booklet.data.model import Technique, pressure_rank
from booklet.draw.describe import describe_code, describe_technique
from booklet.draw.diagrams import aspect, width_for_height
from booklet.draw.grid import WIDTH_PER_TEXT_POINT
from booklet.draw.handout import QrCode, qr_size
from booklet.draw.pieces import Gauge, Styles, WarningBox
from booklet.layout.context import technique_by_id
from booklet.layout.spec import after_colon_case
from booklet.products.booklet.flowables import BookText, FactsPanel, FillDiagram, PieceFlowable
from booklet.products.booklet.kit import (
    BOOK_QR,
    BookKit,
    flow_height,
    heading,
    marked_paragraphs,
    title_paragraph,
)
from booklet.products.fitting import Attempt, largest_fitting
from booklet.text.markup import Span
from booklet.text.paragraph import TextBlock


class TechniqueParts(NamedTuple):
    """A technique's flowables at one body size, before they are placed on the spread."""

    title: BookText  # "2. Fan stroke", in the title style
    about: list[Flowable]  # what it is, the key facts panel, the video's QR code
    steps: list[Flowable]  # the numbered steps, cautions and the spine box


def technique_spread(kit: BookKit, number: int, tech: Technique) -> list[Flowable]:
    """The picture's page (the title, the figure, the facts if they moved there), a page
    break, then the words' page; or the words alone for a technique without a picture."""
    fw, fh = kit.frame_size
    with_panel, words = fit_words(kit, number, tech)
    if tech.diagram is None:
        return words
    parts = technique_parts(kit, number, tech, kit.styles)
    under: list[Flowable] = [] if with_panel else [Spacer(1, kit.styles.size)]
    under += [] if with_panel else [f for f in parts.about if isinstance(f, FactsPanel)]
    if not with_panel and flow_height(words, fw, fh) > fh:
        under, words = moved_under_the_picture(kit, tech, parts.title, under, words)
    used = flow_height([parts.title, *under], fw, fh) + kit.styles.size
    font, least = kit.layout.font, kit.layout.min_body_size
    width = width_for_height(tech.diagram, fh - used, fw * 0.9, font, least, kit.key_words)
    legend = width >= least * WIDTH_PER_TEXT_POINT  # else the key on the pressure page serves
    if not legend:
        width = min(fw * 0.9, (fh - used) / aspect())
    picture = FillDiagram(
        tech,
        width,
        font,
        "CENTER",
        least,
        words=kit.key_words,
        wide=fw * 0.9,
        legend=legend,
        alt=describe_technique(tech, kit.words),
    )
    return [parts.title, picture, *under, PageBreak(), *words]


PICTURE_SHARE = 0.34  # the least of the picture's page the figure keeps when words move there


def moved_under_the_picture(
    kit: BookKit,
    tech: Technique,
    title: Flowable,
    under: list[Flowable],
    words: list[Flowable],
) -> tuple[list[Flowable], list[Flowable]]:
    """Where a technique's words run on even without the facts (A6), its last blocks go
    under the picture instead of onto a page of their own: the spine box, then the cautions
    with their heading, the fewest that let the words fit, as long as the figure keeps a
    third of its page. Otherwise nothing moves and the words run on."""
    fw, fh = kit.frame_size
    spine = 2 if tech.avoids_spine else 0  # a spacer and the box, last (steps_and_cautions)
    cuts = [len(words) - spine] if spine else []
    if tech.cautions:
        cuts.append(len(words) - spine - len(tech.cautions) - 1)  # from the cautions' heading
    for cut in cuts:
        moved = words[cut:]  # as printed: the cautions, then the box (its own spacer first)
        if cut != len(words) - spine:
            moved = [Spacer(1, kit.styles.size * 0.8), *moved]
        fits = flow_height(words[:cut], fw, fh) <= fh
        room = fh - flow_height([title, *under, *moved], fw, fh)
        if fits and room >= fh * PICTURE_SHARE:
            return [*under, *moved], words[:cut]
    return under, words


def settle_body_size(kit: BookKit) -> None:
    """The booklet's one body size: the largest of the layout's sizes at which every
    technique's words fit the page facing its picture, the key facts with them or, where
    they do not fit together, under the picture. The smallest, if none fits: the words then
    flow on."""
    techniques = list(enumerate(kit.plan.techniques, start=1))

    def attempt(size: float) -> Attempt[float]:
        kit.set_body(size)
        fits = all(words_fit(kit, n, t, True) or words_fit(kit, n, t, False) for n, t in techniques)
        return Attempt(size, fits)

    found = largest_fitting(kit.body_sizes, attempt)
    kit.set_body(found.size if found is not None else kit.body_sizes[-1])


def words_fit(kit: BookKit, number: int, tech: Technique, panel: bool) -> bool:
    """Whether the words' page fits one page at the body size, with the facts panel or not
    (only a technique with a picture can carry its facts under it)."""
    fw, fh = kit.frame_size
    panel = panel or tech.diagram is None
    return kit.remembered(
        ("words fit", number, tech.id, panel),
        lambda: flow_height(technique_words(kit, number, tech, kit.styles, panel), fw, fh) <= fh,
    )


def fit_words(kit: BookKit, number: int, tech: Technique) -> tuple[bool, list[Flowable]]:
    """The words' page, and whether the key facts are on it: with the words where they fit
    there (a short technique's page is then full), else under the picture."""
    panel = tech.diagram is None or words_fit(kit, number, tech, True)
    return panel, technique_words(kit, number, tech, kit.styles, panel)


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
    head = heading(f"{number}. {tech.name}", styles)
    head.running = True  # the picture's page, facing, has the title: a reader hears it once
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
    title = title_paragraph(f"{number}. {tech.name}", s)
    return TechniqueParts(title, about, steps_and_cautions(kit, tech, s))


def technique_gauge(kit: BookKit, tech: Technique, s: Styles) -> Gauge:
    """The technique's pressure. "Ask how it feels" is said once, on the pressure page, not
    on every technique."""
    level = kit.words.item("pressure_levels", tech.pressure)
    before, _, after = kit.words.text("pressure_label", level="\x00").partition("\x00")
    spans = tuple(w for w in (Span(before), Span(level, bold=True), Span(after)) if w.text)
    gauge_label = TextBlock(spans, s.text())
    colours = kit.layout.colours
    return Gauge(
        pressure_rank(tech.pressure), gauge_label, s.size, colours["accent"], colours["text"], s.rtl
    )


def video(kit: BookKit, tech: Technique, s: Styles) -> list[Flowable]:
    """A QR code to the technique's video, with the link snippet's words, if it has one."""
    if not tech.video:
        return []
    size = qr_size(tech.video, BOOK_QR * 0.8, f"the {tech.name} video")
    words = [
        s.paragraph(*p) for p in kit.lines("link.j2", f"video-{tech.id}", {"video": tech.video})
    ]
    code = QrCode(tech.video, size, words, s.gap, describe_code(tech.video, kit.words))
    return [Spacer(1, s.size * 0.6), PieceFlowable(code)]


def steps_and_cautions(kit: BookKit, tech: Technique, s: Styles) -> list[Flowable]:
    """The numbered steps, what to take care with, and the spine box if it avoids the spine."""
    words = kit.words
    out: list[Flowable] = [heading(words.text("steps"), s)]
    for i, step in enumerate(tech.steps, start=1):
        out.append(BookText.of((Span(step),), s.bullet_text(f"{i}.", numbered=True)))
    if tech.cautions:
        out.append(heading(words.text("take_care"), s))
        out += [BookText.of((Span(c),), s.bullet_text()) for c in tech.cautions]
    if tech.avoids_spine:
        lower = kit.context["words"].get("after_colon") == "lower"  # "Columna: nunca…"
        warning = after_colon_case(kit.setting.spine_warning, lower)
        spans = (Span(words.text("spine_label"), bold=True), Span(f" {warning}"))
        out += [Spacer(1, s.size * 0.8), PieceFlowable(WarningBox([TextBlock(spans, s.text())], s))]
    return out
