"""CMYK output for presses: every colour operator in a finished PDF rewritten, in one place.

booklet paints in DeviceRGB while it draws (colours are the layout's hex values). For a press
the finished PDF's content streams, pages and forms alike, are parsed with pypdf and each
colour is converted: `rg`/`RG` become `k`/`K`. Neutral colours (the text's #1F1F1F, rules,
greys) go on the black plate alone, so small text never becomes four-colour "rich black" that
fringes when the plates are a hair out of register. Other colours are converted the plain way
(the most black that colour holds, the rest from C, M and Y): without an ICC output profile we
can ship under a free licence, that is what a shop's RIP expects to fine-tune.

Marks, and only marks, are painted in DeviceGray (booklet.press.marks). In CMYK they become the
registration colour, a Separation named All that prints on every plate, so a shop can line
the plates up against them.
"""

from __future__ import annotations

import io
from typing import Any

REGISTRATION = "/BookletRegistration"


def rgb_to_cmyk(r: float, g: float, b: float) -> tuple[float, float, float, float]:
    """Greys (r = g = b) on K alone; other colours with as much black as they hold."""
    k = 1.0 - max(r, g, b)
    if k >= 1.0:
        return 0.0, 0.0, 0.0, 1.0
    if r == g == b:
        return 0.0, 0.0, 0.0, round(k, 4)
    c, m, y = (round((1.0 - v - k) / (1.0 - k), 4) for v in (r, g, b))
    return c, m, y, round(k, 4)


def convert_operations(operations: list[tuple[Any, bytes]]) -> tuple[list[Any], bool]:
    """The operations with every RGB and grey colour in CMYK; True if a mark's grey became
    the registration colour (the stream then needs that colour space in its resources)."""
    from pypdf.generic import FloatObject, NameObject

    out: list[tuple[list[Any], bytes]] = []
    registration = False
    for operands, operator in operations:
        if operator in (b"rg", b"RG"):
            cmyk = rgb_to_cmyk(*(float(v) for v in operands))
            new = b"k" if operator == b"rg" else b"K"
            out.append(([FloatObject(v) for v in cmyk], new))
        elif operator == b"g":
            out.append(([FloatObject(v) for v in rgb_to_cmyk(*[float(operands[0])] * 3)], b"k"))
        elif operator == b"G":
            tint = FloatObject(round(1.0 - float(operands[0]), 4))
            out.append(([NameObject(REGISTRATION)], b"CS"))
            out.append(([tint], b"SCN"))
            registration = True
        else:
            out.append((operands, operator))
    return out, registration


def registration_space(writer: Any) -> Any:
    """[/Separation /All /DeviceCMYK f]: tint t prints t on all four plates."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
    )

    function = DictionaryObject(
        {
            NameObject("/FunctionType"): NumberObject(2),
            NameObject("/Domain"): ArrayObject([FloatObject(0), FloatObject(1)]),
            NameObject("/C0"): ArrayObject([FloatObject(0)] * 4),
            NameObject("/C1"): ArrayObject([FloatObject(1)] * 4),
            NameObject("/N"): NumberObject(1),
        }
    )
    space = ArrayObject(
        [NameObject("/Separation"), NameObject("/All"), NameObject("/DeviceCMYK"), function]
    )
    return writer._add_object(space)  # one shared object, as booklet.base.internals does


def with_registration(resources: Any, space: Any) -> None:
    from pypdf.generic import DictionaryObject, NameObject

    spaces = resources.get("/ColorSpace")
    if spaces is None:
        spaces = DictionaryObject()
        resources[NameObject("/ColorSpace")] = spaces
    else:
        spaces = spaces.get_object()
    spaces[NameObject(REGISTRATION)] = space


def cmyk_pdf(pdf: bytes) -> bytes:
    """The same PDF with every colour in CMYK and marks in registration colour."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    space = registration_space(writer)
    done: set[int] = set()

    def forms_in(resources: Any) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        if xobjects is None:
            return
        for ref in xobjects.get_object().values():
            form = ref.get_object()
            if id(form) in done or form.get("/Subtype") != "/Form":
                continue
            done.add(id(form))
            stream = ContentStream(form, writer)
            operations, registration = convert_operations(stream.operations)
            stream.operations = operations
            form.set_data(stream.get_data())
            own = form.get("/Resources")
            if registration:
                if own is None:
                    own = DictionaryObject()
                    form[NameObject("/Resources")] = own
                with_registration(own.get_object(), space)
            forms_in(own.get_object() if own is not None else None)

    for page in writer.pages:
        contents = page.get_contents()
        resources = page.get("/Resources")
        if resources is None:
            resources = DictionaryObject()
            page[NameObject("/Resources")] = resources
        resources = resources.get_object()
        if contents is not None:
            operations, registration = convert_operations(contents.operations)
            contents.operations = operations
            page.replace_contents(contents)
            page.compress_content_streams()
            if registration:
                with_registration(resources, space)
        forms_in(resources)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
