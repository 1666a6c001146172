"""Overlaps measured from a diagram's own display list: every badge, hand, arrowhead and mark,
every line, the legend and the title, with the rules a reader needs (booklet.draw.art)."""

from __future__ import annotations

from booklet.draw.art import DiagramArt, Shape, box_meets_line, inside, overlap, sample, shape_box
from booklet.draw.diagrams import item_boxes
from booklet.draw.symbols import HAND_KINDS
from booklet.text.paragraph import label_width

SLACK = 0.05  # points: rounding, not a collision


def _text_box(s: Shape):
    assert s.text is not None
    return shape_box(s, label_width(s.text[2], s.font, s.size))


def _may_touch(own: str, role: str, other: str, other_role: str) -> bool:
    """One stroke side's own marks and arrowheads may touch (a rake's finger tips); nothing
    touches a hand or a badge."""
    hands = set(HAND_KINDS) | {"order"}
    return own == other and role not in hands and other_role not in hands


def problems(art: DiagramArt) -> list[str]:
    """What collides, sticks out or lies on the spine, described in words (empty: nothing)."""
    found: list[str] = []
    items = item_boxes(art)
    figure = art.figure
    band = _spine_band(art)
    listed = list(items.items())
    for i, (_, (_, role, own, box)) in enumerate(listed):
        if not inside(box, figure, SLACK):
            found.append(f"{role} ({own}) sticks out of the figure")
        if overlap(box, band, -SLACK):
            found.append(f"{role} ({own}) lies on the spine band")
        for _, (_, other_role, other, other_box) in listed[i + 1 :]:
            if not _may_touch(own, role, other, other_role) and overlap(box, other_box, -SLACK):
                found.append(f"{role} ({own}) x {other_role} ({other})")
    for s in art.shapes:
        if s.layer != "line":
            continue
        runs = sample(s.ops)
        for _, (_, role, own, box) in listed:
            if own == s.owner:
                continue
            shrunk = (box[0] + SLACK, box[1] + SLACK, box[2] - SLACK, box[3] - SLACK)
            if box_meets_line(shrunk, runs, s.width / 2):
                found.append(f"{role} ({own}) x {s.role} line ({s.owner})")
    found += _legend_problems(art)
    return sorted(set(found))


def _spine_band(art: DiagramArt):
    boxes = [shape_box(s) for s in art.shapes if s.role == "spine" and s.layer == "figure"]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _legend_problems(art: DiagramArt) -> list[str]:
    """Legend entries (a symbol and its words) apart from each other, inside the picture and
    under the figure; the title over it."""
    out: list[str] = []
    entries: dict[tuple[str, int], list] = {}
    count = 0
    previous = None
    for s in art.shapes:
        if s.layer == "legend" and s.role:
            if s.role != previous:
                count += 1
                previous = s.role
            box = _text_box(s) if s.kind == "text" else shape_box(s)
            entries.setdefault((s.role, count), []).append(box)
        elif s.layer == "title" and s.kind == "text":
            box = _text_box(s)
            if not inside(box, (0, art.figure[3], art.width, art.height), SLACK):
                out.append("the title sticks out")
    whole = (0.0, 0.0, art.width, art.figure[1] + SLACK)
    boxes = {
        key: (
            min(b[0] for b in bs),
            min(b[1] for b in bs),
            max(b[2] for b in bs),
            max(b[3] for b in bs),
        )
        for key, bs in entries.items()
    }
    listed = list(boxes.items())
    for i, ((role, _), box) in enumerate(listed):
        if not inside(box, whole, SLACK):
            out.append(f"legend '{role}' sticks out")
        for (other, _), other_box in listed[i + 1 :]:
            if overlap(box, other_box, -SLACK):
                out.append(f"legend '{role}' x legend '{other}'")
    return out


def smallest_text(art: DiagramArt) -> float:
    """The smallest text any shape sets: badges, hand letters, the legend, the title."""
    sizes = [s.size for s in art.shapes if s.kind == "text"]
    return min(sizes) if sizes else float("inf")


def smallest_mark(art: DiagramArt) -> float:
    """The smaller side of the smallest badge, hand or mark the figure draws."""
    boxes = [box for layer, _, _, box in item_boxes(art).values() if layer == "mark"]
    return min((min(b[2] - b[0], b[3] - b[1]) for b in boxes), default=float("inf"))
