from __future__ import annotations

import pytest

from booklet.base.errors import BookletError
from booklet.base.units import parse_length, parse_offset, parse_size


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("4x6", (288, 432)),
        ("3x5", (216, 360)),
        ("5x7", (360, 504)),
        ("half-letter", (396, 612)),
        ("4.25x5.5in", (306, 396)),
        ("100x150mm", (283.46, 425.2)),
        ("A6", (297.64, 419.53)),
    ],
)
def test_sizes(text, points):
    w, h = parse_size(text)
    assert (round(w, 2), round(h, 2)) == pytest.approx(points, abs=0.01)


@pytest.mark.parametrize(("text", "points"), [("0.125in", 9), ("3mm", 8.504), ("9pt", 9)])
def test_lengths(text, points):
    assert parse_length(text) == pytest.approx(points, abs=0.001)


@pytest.mark.parametrize("bad", ["4x", "huge", "4x6x8", "0x0in", "100x150"])
def test_bad_sizes_say_what_works(bad):
    with pytest.raises(BookletError) as err:
        parse_size(bad)
    assert "size" in str(err.value)


def test_offset():
    assert parse_offset("1mm,-0.5mm") == pytest.approx((2.8346, -1.4173), abs=0.001)
    with pytest.raises(BookletError):
        parse_offset("1mm")
