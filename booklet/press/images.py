"""Images for a press: RGB to CMYK, transparency flattened, and how sharp each prints.

A logo comes as a PNG or a JPEG and ReportLab embeds it in DeviceRGB, its transparency as a
soft mask. For a press (booklet.press.colour) each RGB image is converted through booklet's
FOGRA39 profile, its grey pixels on the black plate alone (a black logo must not become
four-colour black), and its transparency flattened: half-transparent edges blended with white,
and what is more transparent than opaque left out by a stencil mask (/Mask, a PDF 1.3 feature
that is not transparency), so a logo on a tinted panel shows the panel around it, not a white
box. Each image is changed where it is, so every page and form that places it keeps its
reference and no unused copy stays in the file.
"""

from __future__ import annotations

import io
from typing import Any, NamedTuple

from booklet.press.affine import Affine, compose

NEUTRAL_SPREAD = 2  # of 255: channels this close make a grey pixel, printed on K alone
PAPER: dict[str, Any] = {"L": 255, "RGB": (255, 255, 255), "CMYK": (0, 0, 0, 0)}  # no ink


def image_objects(writer: Any) -> list[Any]:
    """Every image the pages and their forms place, once each, in page order."""
    found: list[Any] = []
    seen: set[int] = set()

    def walk(resources: Any) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        for ref in xobjects.get_object().values() if xobjects is not None else ():
            item = ref.get_object()
            if id(item) in seen:
                continue
            seen.add(id(item))
            if item.get("/Subtype") == "/Image":
                found.append(item)
            elif item.get("/Subtype") == "/Form" and "/Resources" in item:
                walk(item["/Resources"].get_object())

    for page in writer.pages:
        if "/Resources" in page:
            walk(page["/Resources"].get_object())
    return found


def space_of(image: Any) -> str:
    """The image's colour space, by the components it has: RGB, Gray, CMYK or other."""
    space = image.get("/ColorSpace")
    space = space.get_object() if space is not None else None
    if isinstance(space, list) and space and space[0] == "/ICCBased":
        count = int(space[1].get_object().get("/N", 0))
        return {1: "Gray", 3: "RGB", 4: "CMYK"}.get(count, "other")
    return {"/DeviceRGB": "RGB", "/DeviceGray": "Gray", "/DeviceCMYK": "CMYK"}.get(
        str(space), "other"
    )


def filters_of(stream: Any) -> list[str]:
    names = stream.get("/Filter")
    if names is None:
        return []
    names = names.get_object()
    return [str(n) for n in names] if isinstance(names, list) else [str(names)]


def decoded(image: Any, mode: str) -> Any:
    """The image's pixels as a PIL image in `mode` (L, RGB or CMYK), 8 bits a channel."""
    from PIL import Image

    data = image.get_data()
    size = (int(image["/Width"]), int(image["/Height"]))
    if "/DCTDecode" in filters_of(image):
        with Image.open(io.BytesIO(data)) as jpeg:
            jpeg.load()
            pixels = jpeg.convert(mode) if jpeg.mode != mode else jpeg.copy()
        return pixels
    if int(image.get("/BitsPerComponent", 8)) != 8:
        raise ValueError("booklet converts images of 8 bits a channel")
    return Image.frombytes(mode, size, data)


def press_pixels(rgb: Any) -> Any:
    """RGB pixels in the press's CMYK: greys on K alone, colours through the profile."""
    from PIL import Image, ImageChops

    from booklet.press.profile import press_image

    red, green, blue = rgb.split()
    lightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    grey = ImageChops.subtract(lightest, darkest).point(lambda v: 255 if v <= NEUTRAL_SPREAD else 0)
    zero = Image.new("L", rgb.size, 0)
    black_only = Image.merge("CMYK", (zero, zero, zero, ImageChops.invert(lightest)))
    return Image.composite(black_only, press_image(rgb), grey)


def put_flate(stream: Any, raw: bytes) -> None:
    """Replace a stream's data, Flate-compressed."""
    from pypdf.generic import EncodedStreamObject, NameObject

    stream.get_data()  # pypdf re-encodes from what it decoded; read before the filter changes
    for key in ("/DecodeParms", "/Decode"):
        if key in stream:
            del stream[key]
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    if isinstance(stream, EncodedStreamObject):
        stream.set_data(raw)  # pypdf compresses it
    else:
        import zlib

        stream.set_data(zlib.compress(raw, 6))


def stencil(smask: Any, size: tuple[int, int]) -> Any:
    """A soft mask turned, where it is, into a stencil: 1 (left out) where the image is more
    transparent than opaque."""
    from PIL import Image
    from pypdf.generic import BooleanObject, NameObject, NumberObject

    alpha = decoded(smask, "L")
    if alpha.size != size:
        alpha = alpha.resize(size, Image.Resampling.NEAREST)
    bits = alpha.point(lambda a: 0 if a >= 128 else 255).convert("1", dither=Image.Dither.NONE)
    put_flate(smask, bits.tobytes())
    if "/ColorSpace" in smask:
        del smask["/ColorSpace"]
    smask[NameObject("/ImageMask")] = BooleanObject(True)
    smask[NameObject("/BitsPerComponent")] = NumberObject(1)
    return alpha


def flatten(image: Any, mode: str) -> Any:
    """The image's pixels with its soft mask applied over white; the mask becomes a stencil."""
    from PIL import Image
    from pypdf.generic import NameObject

    pixels = decoded(image, mode)
    if "/SMask" not in image:
        return pixels
    smask_ref = image.raw_get("/SMask")
    alpha = stencil(smask_ref.get_object(), pixels.size)
    del image["/SMask"]
    image[NameObject("/Mask")] = smask_ref
    white = Image.new(mode, pixels.size, PAPER[mode])
    return Image.composite(pixels, white, alpha)


def press_images(writer: Any) -> None:
    """Every RGB image in CMYK, every soft mask flattened (booklet.press.colour's images)."""
    from pypdf.generic import NameObject, NumberObject

    for image in image_objects(writer):
        if image.get("/ImageMask"):
            continue
        kind = space_of(image)
        if kind == "RGB":
            pixels = press_pixels(flatten(image, "RGB"))
            image[NameObject("/ColorSpace")] = NameObject("/DeviceCMYK")
        elif kind in ("Gray", "CMYK") and "/SMask" in image:
            pixels = flatten(image, "L" if kind == "Gray" else "CMYK")
        else:
            continue
        image[NameObject("/BitsPerComponent")] = NumberObject(8)
        put_flate(image, pixels.tobytes())


# --- how sharp images print -------------------------------------------------------------------


class Placed(NamedTuple):
    """An image as it is printed: its pixels and its size on the page, in points."""

    pixels: tuple[int, int]
    size: tuple[float, float]

    @property
    def ppi(self) -> float:
        """Pixels per inch along its coarser side, as printed."""
        (w, h), (pw, ph) = self.pixels, self.size
        return min(w / (pw / 72) if pw else float("inf"), h / (ph / 72) if ph else float("inf"))


def placed_images(pdf: bytes) -> list[Placed]:
    """Every placement of an image on every page (inside forms too: a sheet of cards, an
    imposed booklet), with its printed size from the transforms it is drawn with. PDFium
    reads the pages (a few milliseconds; pypdf would take a hundred)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    kinds = [pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM]
    found: list[Placed] = []
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            outer: list[Affine] = []  # the transforms of the forms the object sits in
            for item in page.get_objects(filter=kinds, max_depth=8):
                del outer[item.level :]
                own = item.get_matrix().get()
                placed = compose(outer[-1], own) if outer else own
                outer.append(placed)
                if item.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                    a, b, c, d, _, _ = placed
                    size = ((a * a + b * b) ** 0.5, (c * c + d * d) ** 0.5)
                    found.append(Placed(tuple(item.get_px_size()), size))
    finally:
        doc.close()
    return found
