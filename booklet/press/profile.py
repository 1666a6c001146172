"""The press booklet prints for: coated offset paper as FOGRA39 describes it, and the colour
conversion to it.

booklet draws in sRGB (a layout's colours are #RRGGBB). For a press, colours that are not
grey are converted to CMYK through booklet's FOGRA39 profile (built from Fogra's published
measurements: tools/build_profile.py), relative colorimetric with black point compensation, as
Acrobat converts. Greys never go through the profile: it would build them from all four inks
(booklet.press.colour puts them on the black plate alone).

The same profile is a PDF/X file's output intent (booklet.press.pdfx).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

PROFILE = Path(__file__).parent / "profiles" / "booklet-fogra39.icc"
MAX_PROFILE = 1024 * 1024
# The printing condition, as the ICC's registry of characterization data names it.
CONDITION = "FOGRA39"
CONDITION_TEXT = (
    "Offset printing, according to ISO 12647-2:2004/Amd 1, OFCOM, paper type 1 or 2 = coated "
    "art, 115 g/m2, tone value increase curves A (CMY) and B (K)"
)
REGISTRY = "http://www.color.org"
PROFILE_NAME = "booklet FOGRA39 (coated offset), built with ArgyllCMS from FOGRA39L.ti3"

CMYK = tuple[float, float, float, float]


@lru_cache(maxsize=1)
def profile_bytes() -> bytes:
    """The shipped profile (package data, read once)."""
    from booklet.base.files import read_bounded

    return read_bounded(PROFILE, MAX_PROFILE, kind="colour profiles")


@lru_cache(maxsize=1)
def to_press() -> Any:
    """littleCMS's sRGB to FOGRA39 transform (built once: about 12 ms)."""
    import io

    from PIL import ImageCms

    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"),
        ImageCms.ImageCmsProfile(io.BytesIO(profile_bytes())),
        "RGB",
        "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def press_image(image: Any) -> Any:
    """An RGB image in the press's CMYK (PIL images, 8 bits a channel)."""
    from PIL import ImageCms

    return ImageCms.applyTransform(image, to_press())


@lru_cache(maxsize=512)
def press_colour(r: float, g: float, b: float) -> CMYK:
    """One sRGB colour (0 to 1 a channel) in the press's CMYK, rounded to 1/255 of an ink."""
    from PIL import Image

    pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in (r, g, b)))
    c, m, y, k = press_image(pixel).getpixel((0, 0))
    return round(c / 255, 4), round(m / 255, 4), round(y / 255, 4), round(k / 255, 4)
