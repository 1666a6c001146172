"""The papers booklet prints on, and the edges a duplex sheet turns on: names every door offers
(light to import: no drawing here)."""

from __future__ import annotations

from booklet.base.units import NAMED_SIZES

MM = 72 / 25.4
SHEET_SIZES: dict[str, tuple[float, float]] = {
    "letter": NAMED_SIZES["letter"],
    "a4": NAMED_SIZES["a4"],
    "a3": (297 * MM, 420 * MM),
    "tabloid": (11 * 72, 17 * 72),
    "a5": NAMED_SIZES["a5"],
}
SHEETS = tuple(SHEET_SIZES)
FLIPS = ("long", "short")  # the duplex edge the sheet turns on
