"""Saddle-stitch imposition: booklet pages two-up on sheets, in folding order, at full size.

Pages are placed with pypdf (BSD licence) as form XObjects, so nothing is re-rendered. Sheet s
(0 = outermost) of an N-page booklet carries pages N-2s and 2s+1 on its front and 2s+2 and
N-2s-1 on its back. A booklet bound on the right (Hebrew, Arabic: its pages turn from left to
right) is the mirror image: sheet s carries 2s+1 and N-2s on its front, N-2s-1 and 2s+2 on its
back, so the cover is the left half of the outer sheet's front and the back cover its right half.
Fold marks sit on the fold and creep moves every page toward it, so both are the same either way.

Pages are never scaled unless asked (`fit_sheet`): a shop that trims at the marks must get the
size the booklet was designed at. When the spreads, their bleed and their marks do not fit the
sheet, the next sheet up is chosen (if the user named none) or the command refuses and names
one that fits. A sheet that holds two spreads or more carries copies of the same spread.

Creep: after folding, inner sheets stick out at the fore-edge and lose more there when trimmed,
so their pages move toward the fold. From the paper's thickness (caliper) t, sheet s (0 =
outermost) moves s x t x 1.3. This is the usual rule of imposition software, for example
Impozycjoner's "(paper thickness x (pages / 4 - 1)) x a correction of 1.2 to 1.4 for how tightly
the staples press": the innermost sheet of a 28-page booklet on 0.1 mm paper moves 0.78 mm.
"""

from __future__ import annotations

import io
import math
from typing import Any, NamedTuple

from booklet.base.errors import BookletError
from booklet.base.internals import add_object
from booklet.base.units import describe_size
from booklet.press.marks import MARK_GAP, MARK_ZONE, crop_mark_lines, mark_operators
from booklet.press.sheets import SHEET_SIZES, sheet_size

PRINTABLE = 5 * 72 / 25.4  # marks stay this far inside the sheet: most printers cannot go closer
MARK_REACH = MARK_ZONE - 2  # how far crop marks reach beyond the bleed
FOLD_MARK = 13.0  # length of a fold mark
SHORTEST_FOLD_MARK = 5.0  # a mark shorter than this is too small to fold by: none instead
CREEP_ALLOWANCE = 1.3  # for the fold and the staples: imposition software uses 1.2 to 1.4
LARGER = {"a5": ("a4", "a3"), "a4": ("a3",), "letter": ("tabloid",), "a3": (), "tabloid": ()}


class SheetTooSmall(BookletError):
    """The sheet the user named cannot hold a spread at full size; the message names one."""


class Imposition(NamedTuple):
    """How to impose: the sheet (None: the usual one for the page size), the pages' bleed,
    marks, and either the innermost sheet's creep or the paper's thickness."""

    sheet: str | None = None
    bleed: float = 0.0
    crop_marks: bool = False
    creep: float = 0.0
    paper_thickness: float = 0.0
    fit_sheet: bool = False
    right_bound: bool = False  # the spine on the right: every sheet side mirrored


class Imposed(NamedTuple):
    pdf: bytes
    sheet: str
    scale: float
    copies: int
    shifts: tuple[float, ...]  # each sheet's move toward the fold, outermost first
    notes: tuple[str, ...]  # what the user should know: a larger sheet, a scale, the creep
    # where each booklet page went: (sheet page, the name of the form that holds it), so a
    # tagged booklet's structure can follow its pages (booklet.text.tagging.Structure.placed)
    homes: tuple[tuple[int, str], ...] = ()


class Placement(NamedTuple):
    """Spreads on a sheet: the sheet's size (landscape or portrait), how many spreads across
    and down, and the scale (1 unless fit_sheet)."""

    sheet: tuple[float, float]
    cols: int
    rows: int
    scale: float = 1.0


def saddle_order(pages: int, right_bound: bool = False) -> list[tuple[int, int]]:
    """(left, right) page numbers, 1-based, for each sheet side in print order; mirrored for
    a booklet bound on the right."""
    if pages % 4:
        raise ValueError("saddle stitching needs a multiple of 4 pages")
    sides = []
    for s in range(pages // 4):
        sides.append((pages - 2 * s, 2 * s + 1))
        sides.append((2 * s + 2, pages - 2 * s - 1))
    return [(right, left) for left, right in sides] if right_bound else sides


def default_sheet(page: tuple[float, float]) -> str:
    """A-series pages go on A4, others on letter."""
    a5 = (419.5, 595.3)
    return "a4" if abs(page[0] - a5[0]) < 2 or page[0] < 300 and page[1] < 430 else "letter"


def edge(how: Imposition) -> float:
    """What a spread needs around its trim on each side: bleed, and with crop marks the marks
    and the margin a printer cannot print."""
    return how.bleed + (MARK_REACH + PRINTABLE if how.crop_marks else 0.0)


def place(sheet: tuple[float, float], trim: tuple[float, float], how: Imposition) -> Placement:
    """As many spreads as fit on the sheet at full size, landscape or portrait (0 if none)."""
    w, h = trim
    e = edge(how)
    spread = (2 * w + 2 * e, h + 2 * e)
    best = Placement((max(sheet), min(sheet)), 0, 0)
    for sw, sh in ((max(sheet), min(sheet)), (min(sheet), max(sheet))):
        cols = math.floor(sw / spread[0] + 1e-6)
        rows = math.floor(sh / spread[1] + 1e-6)
        if cols * rows > best.cols * best.rows:
            best = Placement((sw, sh), cols, rows)
    return best


def shrunk(sheet: tuple[float, float], trim: tuple[float, float], how: Imposition) -> Placement:
    """One spread scaled down to fit the sheet (landscape), for fit_sheet."""
    w, h = trim
    e = edge(how)
    sw, sh = max(sheet), min(sheet)
    return Placement((sw, sh), 1, 1, min(1.0, sw / (2 * w + 2 * e), sh / (h + 2 * e)))


def choose_sheet(trim: tuple[float, float], how: Imposition) -> tuple[str, Placement, list[str]]:
    """The sheet and how the spreads sit on it, with anything the user should be told."""
    what = f"{describe_size(*trim)} pages" + (
        " with crop marks" if how.crop_marks else " with bleed" if how.bleed else ""
    )
    asked = how.sheet or default_sheet(trim)
    chosen = place(sheet_size(asked), trim, how)
    if chosen.cols:
        return asked, chosen, []
    if how.fit_sheet:
        placement = shrunk(sheet_size(asked), trim, how)
        return (
            asked,
            placement,
            [
                f"{what} do not fit {asked} at full size; scaled to {placement.scale:.1%}, so the "
                "finished booklet is smaller than designed."
            ],
        )
    fits = [s for s in LARGER.get(asked, ()) if place(sheet_size(s), trim, how).cols]
    if fits and how.sheet is None:
        return (
            fits[0],
            place(sheet_size(fits[0]), trim, how),
            [f"{what} do not fit {asked} at full size; imposed on {fits[0]} instead."],
        )
    instead = f"Use {fits[0]}" if fits else "Use a smaller page size"
    raise SheetTooSmall(
        f"{asked} is too small for {what} at full size: each spread needs "
        f"{spread_text(trim, how)}. {instead}, or let the pages shrink with the fit-sheet "
        "option (the finished booklet comes out smaller)."
    )


def spread_text(trim: tuple[float, float], how: Imposition) -> str:
    w, h = trim
    e = edge(how)
    return f"{(2 * w + 2 * e) / 72 * 25.4:.0f} x {(h + 2 * e) / 72 * 25.4:.0f} mm"


def creep_shifts(sheets: int, how: Imposition) -> tuple[float, ...]:
    """Each sheet's move toward the fold, outermost (0) first."""
    if how.paper_thickness:
        return tuple(s * how.paper_thickness * CREEP_ALLOWANCE for s in range(sheets))
    if sheets < 2:
        return (0.0,) * sheets
    return tuple(how.creep * s / (sheets - 1) for s in range(sheets))


def impose_saddle(pdf: bytes, how: Imposition) -> Imposed:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
    )

    reader = PdfReader(io.BytesIO(pdf))
    pages = list(reader.pages)
    first = pages[0]
    box = first.trimbox if "/TrimBox" in first else first.mediabox
    trim = (float(box.width), float(box.height))
    origin = (float(box.left), float(box.bottom))  # the trim's corner in page coordinates
    count = len(pages)
    padded = count + (-count) % 4
    sheets = padded // 4
    name, placement, notes = choose_sheet(trim, how)
    notes += fold_note(name, placement, trim, how)
    shifts = creep_shifts(sheets, how)
    w, h = trim
    if shifts[-1] > w / 4:
        raise BookletError(
            f"the innermost pages would move {shifts[-1] / 72 * 25.4:.1f} mm toward the fold, "
            f"more than a quarter of the page. Use thinner paper, or fewer pages."
        )
    if shifts[-1] > 0:
        notes.append(
            f"creep: the innermost pages move {shifts[-1] / 72 * 25.4:.2f} mm toward the fold, "
            f"the outer sheet not at all ({sheets} sheets)."
        )
    writer = PdfWriter()
    # Each booklet page becomes one form XObject, placed by reference: nothing is re-parsed.
    forms = []
    for page in pages:
        contents = page.get_contents()
        form = DecodedStreamObject()
        form.set_data(contents.get_data() if contents is not None else b"")
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in page.mediabox)
        if "/Resources" in page:
            form[NameObject("/Resources")] = page["/Resources"].clone(writer)
        forms.append(add_object(writer, form.flate_encode()))
    copies = placement.cols * placement.rows
    # a spread placed twice on a sheet: its second copy is decoration for a screen reader
    repeats = (
        [add_object(writer, untagged_form(f.get_object())) for f in forms] if copies > 1 else []
    )
    sw, sh = placement.sheet
    homes: dict[int, tuple[int, str]] = {}
    for index, (left, right) in enumerate(saddle_order(padded, how.right_bound)):
        out = writer.add_blank_page(sw, sh)
        xobjects = DictionaryObject()
        ops: list[str] = []
        for copy, (fold, y0, cell) in enumerate(spreads(placement, trim, how)):
            ops += spread_ops(
                fold, y0, cell, (left, right), count, trim, origin, how, placement.scale,
                shifts[index // 2], placement.sheet, "c" if copy else "",
            )  # fmt: skip
        for number in (left, right):
            if number <= count:
                xobjects[NameObject(f"/P{number}")] = forms[number - 1]
                homes[number - 1] = (index, f"P{number}")
                if repeats:
                    xobjects[NameObject(f"/P{number}c")] = repeats[number - 1]
        out[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("ascii"))
        out[NameObject("/Contents")] = add_object(writer, stream)
    meta: dict[str, Any] = dict(reader.metadata or {})
    keep = ("/Title", "/Author", "/Subject", "/Creator", "/Keywords")
    writer.add_metadata({k: v for k, v in meta.items() if k in keep})
    prefs = writer.create_viewer_preferences()
    duplex = "/DuplexFlipShortEdge" if sw > sh else "/DuplexFlipLongEdge"  # turn along the fold
    prefs.duplex = duplex  # type: ignore[assignment]  # pypdf's typed getter
    prefs.print_scaling = "/None"  # type: ignore[assignment]
    buffer = io.BytesIO()
    writer.write(buffer)
    if copies > 1:
        notes.append(
            f"{copies} copies of each spread per {name} sheet: cut the printed sheets apart "
            "between them."
        )
    placed = tuple(homes[page] for page in range(count))
    return Imposed(buffer.getvalue(), name, placement.scale, copies, shifts, tuple(notes), placed)


def untagged_form(form: Any) -> Any:
    """A copy of a page's form without its marked content (tags and artifacts alike), so
    that it can be placed again as decoration: `/Artifact BMC /P3c Do EMC`."""
    from pypdf.generic import ContentStream, DecodedStreamObject, NameObject

    stream = ContentStream(form, None)
    stream.operations = [
        (operands, op) for operands, op in stream.operations if op not in (b"BDC", b"BMC", b"EMC")
    ]
    copy = DecodedStreamObject()
    copy.set_data(stream.get_data())
    for key, value in form.items():
        if key not in ("/Length", "/Filter", "/DecodeParms", "/StructParents"):
            copy[NameObject(key)] = value
    return copy.flate_encode()


def fold_note(
    name: str, placement: Placement, trim: tuple[float, float], how: Imposition
) -> list[str]:
    """What to say when the sheet has no room for fold marks (the same for every spread)."""
    fold, y0, cell = spreads(placement, trim, how)[0]
    s = placement.scale
    if fold_marks(fold, y0, cell, trim[1] * s, how.bleed * s, placement.sheet):
        return []
    return [
        f"no fold marks: the {name} sheet has no blank paper beside the pages to mark the fold "
        "on, and marks never go on a page. Fold each sheet in half, matching its corners."
    ]


def spreads(
    placement: Placement, trim: tuple[float, float], how: Imposition
) -> list[tuple[float, float, tuple[float, float, float, float]]]:
    """(fold x, trim bottom y, the spread's cell) for each copy on the sheet, centred."""
    w, h = trim
    s = placement.scale
    cell_w, cell_h = (2 * w + 2 * edge(how)) * s, (h + 2 * edge(how)) * s
    sw, sh = placement.sheet
    x0 = (sw - placement.cols * cell_w) / 2
    y0 = (sh - placement.rows * cell_h) / 2
    out = []
    for row in range(placement.rows):
        for col in range(placement.cols):
            left, bottom = x0 + col * cell_w, y0 + row * cell_h
            cell = (left, bottom, left + cell_w, bottom + cell_h)
            out.append((left + cell_w / 2, bottom + (cell_h - h * s) / 2, cell))
    return out


def spread_ops(
    fold: float,
    y0: float,
    cell: tuple[float, float, float, float],
    numbers: tuple[int, int],
    count: int,
    trim: tuple[float, float],
    origin: tuple[float, float],
    how: Imposition,
    scale: float,
    shift: float,
    sheet: tuple[float, float],
    copy: str = "",
) -> list[str]:
    """One spread: each page clipped at the fold (its bleed runs out on the other three sides)
    and moved toward the fold by `shift`; then its marks, page furniture to a screen reader
    (artifacts). A second copy of a spread (`copy` "c") places untagged copies of the pages,
    as artifacts too."""
    w, h = trim
    s, b = scale, how.bleed * scale
    ops = []
    for number, side in zip(numbers, (-1, 1), strict=True):
        if number > count:
            continue
        trim_left = fold - w * s + shift * s if side < 0 else fold - shift * s
        clip_x0, clip_x1 = (fold - w * s - b, fold) if side < 0 else (fold, fold + w * s + b)
        tx, ty = trim_left - origin[0] * s, y0 - origin[1] * s
        placed = (
            f"q {clip_x0:.4f} {y0 - b:.4f} {clip_x1 - clip_x0:.4f} {h * s + 2 * b:.4f} re W n "
            f"{s:.6f} 0 0 {s:.6f} {tx:.4f} {ty:.4f} cm /P{number}{copy} Do Q"
        )
        ops.append(f"/Artifact BMC {placed} EMC" if copy else placed)
    lines = fold_marks(fold, y0, cell, h * s, b, sheet)
    marks = [mark_operators(lines, dash=(3, 2), width=0.6)]
    if how.crop_marks:
        marks.append(mark_operators(crop_mark_lines(fold - w * s, y0, 2 * w * s, h * s, b)))
    ops += ["/Artifact BMC", *marks, "EMC"]
    return ops


def fold_marks(
    fold: float,
    y0: float,
    cell: tuple[float, float, float, float],
    h: float,
    bleed: float,
    sheet: tuple[float, float],
) -> list[tuple[float, float, float, float]]:
    """Dashed marks on the fold line, above and below the spread, on blank paper only: beyond
    the pages and their bleed, inside the spread's own part of the sheet, and where a printer
    can print. Where the sheet has no such room (A5 pages fill A4) there are none: a mark inside
    the trim would print on a page (the cover's band, the back cover's footer)."""
    sheet_top = sheet[1] - PRINTABLE
    above = (y0 + h + bleed + MARK_GAP, min(cell[3], sheet_top))
    below = (max(cell[1], PRINTABLE), y0 - bleed - MARK_GAP)
    marks = []
    for (low, high), upward in ((above, True), (below, False)):
        length = min(FOLD_MARK, high - low)
        if length < SHORTEST_FOLD_MARK:
            continue
        start = low if upward else high  # next to the pages, reaching away from them
        marks.append((fold, start, fold, start + length if upward else start - length))
    return marks


__all__ = ["SHEET_SIZES", "Imposition", "Imposed", "SheetTooSmall", "impose_saddle", "saddle_order"]
