"""Lengths and paper sizes as people write them, turned into PDF points (1/72 in)."""

from __future__ import annotations

import re

from booklet.base.errors import BookletError, shown

POINTS_PER = {"pt": 1.0, "in": 72.0, "mm": 72.0 / 25.4, "cm": 72.0 / 2.54}

# Named sizes, portrait, in points. Card sizes in inches are written the way they are sold.
NAMED_SIZES: dict[str, tuple[float, float]] = {
    "3x5": (3 * 72, 5 * 72),
    "4x6": (4 * 72, 6 * 72),
    "5x7": (5 * 72, 7 * 72),
    "a7": (74 * POINTS_PER["mm"], 105 * POINTS_PER["mm"]),
    "a6": (105 * POINTS_PER["mm"], 148 * POINTS_PER["mm"]),
    "a5": (148 * POINTS_PER["mm"], 210 * POINTS_PER["mm"]),
    "a4": (210 * POINTS_PER["mm"], 297 * POINTS_PER["mm"]),
    "half-letter": (5.5 * 72, 8.5 * 72),
    "letter": (8.5 * 72, 11 * 72),
}
SIZE_HELP = "3x5, 4x6, 5x7, a7, a6, a5, half-letter, or WxH with units such as 100x150mm"

_NUMBER = r"(\d{1,6}(?:\.\d{0,6})?|\.\d{1,6})"  # no 400-digit numbers that overflow to infinity
_LENGTH = re.compile(rf"\s*{_NUMBER}\s*(pt|in|mm|cm)?\s*")
_SIZE = re.compile(rf"\s*{_NUMBER}\s*(pt|in|mm|cm)?\s*[x×]\s*{_NUMBER}\s*(pt|in|mm|cm)?\s*")
MAX_OFFSET = 72.0  # a duplex back that is more than an inch out is not an offset to correct


def parse_length(text: str, *, what: str = "length", default_unit: str | None = None) -> float:
    """`3mm`, `0.125in`, `9pt`, `1cm` -> points. A bare number needs a default unit."""
    match = _LENGTH.fullmatch(str(text).lower())
    if not match or (match.group(2) is None and default_unit is None):
        raise BookletError(
            f"{what} '{shown(text)}' is not a length. Write a number with a unit: "
            "0.125in, 3mm, 9pt or 1cm."
        )
    unit = match.group(2) or default_unit or "pt"
    return float(match.group(1)) * POINTS_PER[unit]


def parse_size(text: str) -> tuple[float, float]:
    """A named size or `WxH` with units (`4.25x5.5in`, `100x150mm`) -> (width, height) points."""
    key = str(text).strip().lower()
    if key in NAMED_SIZES:
        return NAMED_SIZES[key]
    match = _SIZE.fullmatch(key)
    if not match:
        raise BookletError(f"size '{shown(text)}' is not known. Use {SIZE_HELP}.")
    w, wu, h, hu = match.groups()
    unit = hu or wu
    if unit is None:
        raise BookletError(
            f"size '{text}' has no unit. Add one, e.g. '{text}in' or '{text}mm', "
            "or use a named size such as 4x6."
        )
    width = float(w) * POINTS_PER[wu or unit]
    height = float(h) * POINTS_PER[unit]
    if not (72 <= width <= 20 * 72 and 72 <= height <= 20 * 72):
        raise BookletError(
            f"size '{text}' is {width / 72:.2f} x {height / 72:.2f} in; "
            "use between 1 and 20 inches on each side."
        )
    return (width, height)


def parse_offset(text: str) -> tuple[float, float]:
    """`1mm,-0.5mm` -> (x, y) points, for shifting duplex backs."""
    parts = str(text).split(",")
    if len(parts) != 2:
        raise BookletError(f"offset '{shown(text)}' needs two lengths, X,Y, such as 1mm,-0.5mm.")
    x, y = (_signed_length(p.strip()) for p in parts)
    if abs(x) > MAX_OFFSET or abs(y) > MAX_OFFSET:
        raise BookletError(
            f"offset '{shown(text)}' is more than 1 in; measure it again with "
            "`booklet calibrate` (offsets are usually a few mm)."
        )
    return x, y


def _signed_length(text: str) -> float:
    sign = -1.0 if text.startswith("-") else 1.0
    return sign * parse_length(text.lstrip("+-"), what="offset")


def describe_size(width: float, height: float) -> str:
    """Say a size the way a person would: `4 x 6 in`, `105 x 148 mm`."""
    for name, (w, h) in NAMED_SIZES.items():
        if {round(w, 1), round(h, 1)} == {round(width, 1), round(height, 1)}:
            return name
    return f"{width / 72:.2f} x {height / 72:.2f} in"


def describe_trim(width: float, height: float) -> str:
    """A card's trim as the user asked for it: a named size turned on its side says so
    (`4x6 landscape`), where describe_size names the paper alone."""
    named = describe_size(width, height)
    if width > height and named in NAMED_SIZES:
        return f"{named} landscape"
    return named
