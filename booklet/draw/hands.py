"""The giver's hand as a mark: a hand seen from above, palm down, its fingers pointing the way
they point on the back, with the part that touches filled in.

A flat palm is the whole hand filled; fingertips, thumbs, knuckles, a forearm or an elbow are
an outlined hand with that part filled. Where it matters which hand, its letter sits in the
palm, upright. The thumb is on the side it is on for that hand (a right hand, palm down and
fingers up, has its thumb on the left), so the mark is a true picture of the hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from reportlab.lib.colors import Color, white

from booklet.draw.art import XY, Op, Shape, closed_curve_ops, path

# The hand in its own frame: wrist at the origin, fingers along +x, length 1, thumb at +y.
PALM: tuple[XY, ...] = (
    (0.02, -0.20),
    (0.30, -0.24),
    (0.54, -0.21),
    (0.57, 0.0),
    (0.54, 0.21),
    (0.30, 0.24),
    (0.02, 0.20),
    (-0.02, 0.0),
)
# index, middle, ring, little: base and tip
FINGERS: tuple[tuple[XY, XY], ...] = (
    ((0.50, 0.165), (0.90, 0.19)),
    ((0.52, 0.055), (0.98, 0.06)),
    ((0.52, -0.055), (0.94, -0.065)),
    ((0.50, -0.165), (0.82, -0.20)),
)
THUMB: tuple[XY, XY] = ((0.22, 0.19), (0.44, 0.40))
FINGER_WIDTH = 0.105
THUMB_WIDTH = 0.12
FOREARM: tuple[XY, XY] = ((-0.05, 0.0), (-0.62, 0.0))
FOREARM_WIDTH = 0.30
PALM_CENTRE = 0.28  # along the hand, where the palm's middle is: the mark's anchor


class Pose(NamedTuple):
    """Where a hand mark lies: its palm's centre, the way its fingers point (radians), its
    length, and its thumb's side (+1: the thumb on the fingers' left, as for a right hand)."""

    centre: XY
    angle: float
    length: float
    thumb: int

    def point(self, local: XY) -> XY:
        """A point of the hand's own frame, on the page."""
        x, y = local
        x -= PALM_CENTRE
        y *= self.thumb
        ca, sa = math.cos(self.angle), math.sin(self.angle)
        cx, cy = self.centre
        return (cx + self.length * (x * ca - y * sa), cy + self.length * (x * sa + y * ca))

    def points(self, local: Sequence[XY]) -> list[XY]:
        return [self.point(p) for p in local]


def thumb_side(hand: str) -> int:
    """Palm down, seen from above, fingers pointing ahead: a right hand's thumb is on the left
    of its fingers, a left hand's on the right."""
    return 1 if hand == "right" else -1


def hand_shapes(
    pose: Pose,
    contact: str,
    colour: Color,
    edge: float,
    letter: str = "",
    font: str = "",
    letter_size: float = 0.0,
) -> list[Shape]:
    """The hand mark: filled for a flat palm, else outlined with the touching part filled;
    its letter, if any, upright in the palm."""
    solid = contact == "palm"
    arm = contact in ("forearm", "elbow")
    shapes: list[Shape] = []
    # outline pass: everything a little wider in the colour, then the hand in white over it
    grow = 0.0 if solid else edge * 2
    shapes += _parts(pose, colour, grow, arm, fill_palm=True)
    if not solid:
        shapes += _parts(pose, white, 0.0, arm, fill_palm=True)
        shapes += _touching(pose, contact, colour)
    if letter:
        x, y = pose.centre
        shapes.append(
            Shape(
                "text",
                fill=white if solid else colour,
                text=(x, y - letter_size * 0.36, letter),
                font=font,
                size=letter_size,
                anchor="middle",
            )
        )
    return shapes


def _parts(pose: Pose, colour: Color, grow: float, arm: bool, fill_palm: bool) -> list[Shape]:
    """The palm, fingers and thumb (and the forearm behind the wrist) in one colour."""
    length = pose.length
    out: list[Shape] = []
    if arm:
        a, b = pose.points(FOREARM)
        out.append(_capsule(a, b, length * FOREARM_WIDTH + grow, colour))
    palm: list[Op] = closed_curve_ops(pose.points(PALM))
    out.append(
        path(palm, fill=colour if fill_palm else None, stroke=colour if grow else None, width=grow)
    )
    for base, tip in FINGERS:
        a, b = pose.points((base, tip))
        out.append(_capsule(a, b, length * FINGER_WIDTH + grow, colour))
    a, b = pose.points(THUMB)
    out.append(_capsule(a, b, length * THUMB_WIDTH + grow, colour))
    return out


def _touching(pose: Pose, contact: str, colour: Color) -> list[Shape]:
    """What touches the back, filled in on an outlined hand."""
    length = pose.length
    dot = length * FINGER_WIDTH * 0.62
    tips = [pose.point(tip) for _, tip in FINGERS]
    if contact == "fingertips":
        return [_dot(p, dot, colour) for p in tips]
    if contact == "thumbs":  # the thumb and the fingertips squeeze
        a, b = pose.points(THUMB)
        return [_capsule(a, b, length * THUMB_WIDTH, colour), *(_dot(p, dot, colour) for p in tips)]
    if contact == "knuckles":
        return [_dot(pose.point(base), dot * 1.1, colour) for base, _ in FINGERS]
    if contact == "forearm":
        a, b = pose.points(FOREARM)
        return [_capsule(a, b, length * FOREARM_WIDTH, colour)]
    if contact == "elbow":
        return [_dot(pose.point(FOREARM[1]), length * FOREARM_WIDTH * 0.62, colour)]
    return []


def _capsule(a: XY, b: XY, width: float, colour: Color) -> Shape:
    """A rounded bar from a to b: a finger, a thumb, a forearm."""
    return path([("M", *a), ("L", *b)], stroke=colour, width=width, cap=1)


def _dot(p: XY, r: float, colour: Color) -> Shape:
    return Shape("circle", fill=colour, circle=(p[0], p[1], r))
