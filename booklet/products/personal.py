"""A therapist's handout, between the request and the page: the routine as set for this client,
the practice's logo read safely, and the plain fields snippets print."""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError
from booklet.base.files import read_bounded
from booklet.data.language import Words
from booklet.data.model import PRESSURE_LEVELS, Plan, pressure_rank
from booklet.layout.context import Fields, frozen
from booklet.products.requests import OptionError, Personal

MAX_LOGO_BYTES = 4 * 1024 * 1024
MAX_LOGO_SIDE = 4000  # pixels: a logo, not a poster (and no image bomb)
SHARP_PPI = 150  # a logo printed with fewer pixels an inch looks soft: the user is told
LEAST_PPI = 72  # with fewer, its pixels show as squares: refused
IMAGE_KINDS = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def adjust_plan(plan: Plan, personal: Personal) -> Plan:
    """The routine as the therapist set it: pressure capped, minutes scaled to the total."""
    steps = plan.steps
    if personal.max_pressure:
        cap = pressure_rank(personal.max_pressure)
        steps = tuple(
            s._replace(pressure=PRESSURE_LEVELS[cap - 1]) if s.pressure_rank > cap else s
            for s in steps
        )
    if personal.minutes:
        minutes = scaled_minutes([s.minutes for s in steps], personal.minutes)
        steps = tuple(s._replace(minutes=m) for s, m in zip(steps, minutes, strict=True))
    return plan._replace(steps=steps)


def scaled_minutes(minutes: list[float], total: float) -> list[float]:
    """Each step's minutes scaled to the total, in whole minutes where the total allows (a
    whole number, at least a minute a step), else in halves; the largest remainders get the
    spare ones, so the steps add up to the total exactly (4 + 4 + 4 + 3, not 4.5 + 4.5 + 3.5 +
    2.5). No step is shorter than one unit."""
    unit = 1.0 if float(total).is_integer() and total >= len(minutes) else 0.5
    scale = total / (sum(minutes) or 1.0)
    exact = [m * scale / unit for m in minutes]
    units = [max(1, math.floor(e)) for e in exact]
    spare = round(total / unit) - sum(units)
    by_remainder = sorted(range(len(exact)), key=lambda i: (units[i] - exact[i], i))
    for i in by_remainder[: max(0, spare)]:
        units[i] += 1
    return [u * unit for u in units]


def client_fields(personal: Personal, words: Words) -> Fields:
    """What snippets see as `client` (empty strings when not given), the date in the
    language's own words."""
    return frozen(
        {
            "name": personal.client or "",
            "therapist": personal.therapist or "",
            "contact": personal.contact or "",
            "date": words.date(datetime.date.fromisoformat(personal.date)) if personal.date else "",
            "note": personal.note or "",
            "link": personal.link or "",
            "logo": personal.logo is not None,
            "any": personal.any,
        }
    )


def personal_texts(personal: Personal) -> dict[str, str]:
    """The handout's words by option, for the glyph check."""
    keys = ("client", "therapist", "contact", "date", "note", "link")
    return {k: getattr(personal, k) for k in keys if getattr(personal, k)}


def load_logo(personal: Personal, base: Path | None = None) -> bytes | None:
    """The logo's bytes, checked: a PNG or JPEG file of sane size, read with a bound."""
    if personal.logo_image is not None:
        if len(personal.logo_image) > MAX_LOGO_BYTES:
            limit = MAX_LOGO_BYTES // (1024 * 1024)
            raise OptionError("logo", f"the logo is larger than {limit} MB. Use a smaller copy.")
        return checked_logo(personal.logo_image, "the logo")
    if personal.logo is None:
        return None
    path = Path(personal.logo).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    try:
        data = read_bounded(path, MAX_LOGO_BYTES, kind="logo images")
    except BookletError as exc:
        raise OptionError("logo", str(exc)) from None
    return checked_logo(data, str(path))


def checked_logo(data: bytes, path: str) -> bytes:
    """The logo's bytes, if they are a PNG or JPEG image of sane size; `path` names it."""
    kind = next((k for magic, k in IMAGE_KINDS.items() if data.startswith(magic)), None)
    if kind is None:
        raise OptionError("logo", f"{path} is not a PNG or JPEG image. Save the logo as PNG.")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(_buffer(data)) as image:
            w, h = image.size
            if max(w, h) > MAX_LOGO_SIDE or min(w, h) < 1:
                raise OptionError(
                    "logo",
                    f"{path} is {w} x {h} pixels; the limit is {MAX_LOGO_SIDE} a side. Use a "
                    "smaller copy (600 pixels wide is plenty).",
                )
            image.load()
    except OptionError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise OptionError("logo", f"{path} is a damaged {kind} image. Save it again.") from None
    return data


def _buffer(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def logo_resolution(personal: Personal, pdf: bytes) -> list[str]:
    """What to say about how sharp the logo prints, measured where the finished PDF places
    it; a logo too coarse to print is refused (an OptionError naming the logo)."""
    if personal.logo is None and personal.logo_image is None:
        return []
    from booklet.press.images import placed_images

    placed = placed_images(pdf)
    if not placed:
        return []
    coarsest = min(placed, key=lambda p: p.ppi)
    ppi, (w, h), width = coarsest.ppi, coarsest.pixels, coarsest.size[0]
    printed = f"the logo is {w} x {h} pixels, printed {width / 72 * 25.4:.0f} mm wide"
    enough = math.ceil(width / 72 * SHARP_PPI)  # pixels wide for a sharp print
    if ppi < LEAST_PPI:
        raise OptionError(
            "logo",
            f"{printed}: {ppi:.0f} pixels an inch, too few to print (at least {LEAST_PPI}; "
            f"{SHARP_PPI} looks sharp). Use a copy {enough} pixels wide or more.",
        )
    if ppi < SHARP_PPI:
        return [
            f"{printed}: {ppi:.0f} pixels an inch, so it may print soft. A copy "
            f"{enough} pixels wide or more prints sharp ({SHARP_PPI} pixels an inch)."
        ]
    return []
