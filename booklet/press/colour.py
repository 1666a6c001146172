"""CMYK output for presses: every colour in a finished PDF rewritten, in one place.

booklet paints in DeviceRGB while it draws (a layout's colours are #RRGGBB). For a press, each
content stream of the finished PDF (pages, and the forms they place) is rewritten operator by
operator, following the graphics state as it goes (q and Q, the transform, the colours in use,
the path being built), and its images are converted (booklet.press.images):

- **Black prints black.** A grey at 85% or darker (the text's #1F1F1F, #000) is solid black on
  the black plate alone, `0 0 0 1 k`, and overprints, so small type is never a halftone of dots
  and never knocks a white outline out of a tinted box behind it. Lighter greys (muted text,
  rules) are tints of the black plate alone. Only a large area of black (a shape at least
  LARGE_AREA each way) is rich black, RICH_BLACK, which knocks out: one plate of black there
  would print grey.
- **Other colours** are converted through booklet's FOGRA39 profile (booklet.press.profile).
- **White type reversed out of a colour of several inks** is trapped: the lighter inks are
  knocked out a little wider than the letters (the same text shown again, stroked only, TRAP_WIDTH
  wide, overprinting, in those inks at no ink), so the strongest ink alone draws the letters'
  edges and plates a hair out of register leave no coloured fringe inside them.
- **Overprint** is set just before each painting, as its colours need it; a path that would be
  filled and stroked with different overprint is painted as a fill and then a stroke, so no white
  and no colour is ever in an overprinting state, even for a preflight that reads one flag.
- **Marks** (the only DeviceGray strokes: booklet.press.marks) are in registration colour, a
  Separation named All that prints on every plate, so a shop can line the plates up by them.

Marked content (BDC, BMC, EMC) and everything else in a stream pass through unchanged, and the
document's catalogue (its structure tree, outlines, names) is kept as it is. A trap is marked
so that no one reads its words twice: an artifact, or inside a tagged PDF's real content (an
artifact may not be nested there, PDF/UA-1 7.1) a span whose actual text is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from booklet.base.internals import add_object
from booklet.press.affine import IDENTITY, Affine, compose, matrix
from booklet.press.profile import press_colour

MM = 72 / 25.4
NEAR_BLACK = 0.85  # a grey this dark or darker is black: solid K
NEUTRAL = 1.5 / 255  # channels this close together make a grey
LARGE_AREA = 12 * MM  # a black shape this large each way is rich black
TRAP_WIDTH = 0.5  # points: the lighter inks of a reversed letter's backdrop spread by half this
REGISTRATION = "/BookletRegistration"
PLATES = ("/Cyan", "/Magenta", "/Yellow", "/Black")


class Ink(NamedTuple):
    """A colour as it goes on the plates: C, M, Y and K, and whether it overprints."""

    cmyk: tuple[float, float, float, float]
    overprint: bool = False


WHITE = Ink((0.0, 0.0, 0.0, 0.0))
SOLID_BLACK = Ink((0.0, 0.0, 0.0, 1.0), overprint=True)
RICH_BLACK = Ink((0.6, 0.4, 0.4, 1.0))


def grey_ink(level: float) -> Ink:
    """A grey (0 black, 1 white) on the black plate alone; solid and overprinting if dark."""
    k = round(1.0 - level, 4)
    return SOLID_BLACK if k >= NEAR_BLACK else Ink((0.0, 0.0, 0.0, k))


def rgb_ink(r: float, g: float, b: float) -> Ink:
    """An sRGB colour as the press prints it: greys on K, other colours through the profile."""
    if max(r, g, b) - min(r, g, b) <= NEUTRAL:
        return grey_ink((r + g + b) / 3)
    return Ink(press_colour(r, g, b))


def cmyk_ink(c: float, m: float, y: float, k: float) -> Ink:
    """A CMYK colour given as such; black alone at 85% or more is solid black."""
    if c == m == y == 0.0:
        return grey_ink(1.0 - k)
    return Ink((c, m, y, k))


def extent(ctm: Affine, box: tuple[float, float, float, float]) -> tuple[float, float]:
    """Width and height, on the page, of a box in user space."""
    a, b, c, d, _, _ = ctm
    x0, y0, x1, y1 = box
    corners = [(a * x + c * y, b * x + d * y) for x in (x0, x1) for y in (y0, y1)]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return max(xs) - min(xs), max(ys) - min(ys)


@dataclass
class State:
    """What the rewrite follows of the graphics state (q saves it, Q restores it)."""

    fill: Ink | None = None  # None: not set in this stream (inherited, or the initial black)
    stroke: Ink | None = None
    ctm: Affine = IDENTITY
    width: float = 1.0
    text_mode: int = 0
    leading: float = 0.0
    overprint: tuple[bool, bool] | None = None  # (stroke, fill) as last set here; None: unknown


Operation = tuple[list[Any], bytes]
PATH = {b"m", b"l", b"c", b"v", b"y", b"re", b"h", b"W", b"W*"}
FILLS = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
STROKES = {b"S", b"s", b"B", b"B*", b"b", b"b*"}
PAINTS = FILLS | STROKES | {b"n"}
# fill-and-stroke operators as a fill, then a stroke, of the same path
SPLIT = {b"B": (b"f", b"S"), b"B*": (b"f*", b"S"), b"b": (b"f", b"s"), b"b*": (b"f*", b"s")}
SHOWS = {b"Tj", b"TJ", b"'", b'"'}


class Needs:
    """The resources a rewritten stream names: overprint states, spread inks, registration."""

    def __init__(self) -> None:
        self.overprints: set[tuple[bool, bool]] = set()
        self.spreads: set[tuple[int, ...]] = set()
        self.registration = False


def overprint_name(stroke: bool, fill: bool) -> str:
    return f"/BookletOP{int(stroke)}{int(fill)}"


def spread_name(plates: tuple[int, ...]) -> str:
    return "/BookletSpread" + "".join("CMYK"[p] for p in plates)


class StreamRewrite:
    """One content stream's operations, rewritten for the press (see the module's notes)."""

    def __init__(self) -> None:
        self.out: list[Operation] = []
        self.stack = [State()]
        self.needs = Needs()
        self.path_start: int | None = None
        self.boxes: list[list[float]] = []  # each subpath's bounding box, in user space
        self.backdrop: Ink | None = None  # the last colour filled: what white type sits on
        self.line: Affine = IDENTITY  # the text line matrix
        self.positioned = False  # no text shown since the line matrix was set
        self.marked: list[bool] = []  # open marked-content sequences: real content (an MCID)?

    @property
    def state(self) -> State:
        return self.stack[-1]

    def run(self, operations: list[Operation]) -> list[Operation]:
        for operands, operator in operations:
            self.step(list(operands), operator)
        return self.out

    def step(self, operands: list[Any], operator: bytes) -> None:
        if operator in PATH:
            self.build_path(operands, operator)
        elif operator in PAINTS:
            self.paint(operands, operator)
        elif operator in COLOURS:
            COLOURS[operator](self, operands)
        elif operator in SHOWS:
            self.show(operands, operator)
        elif operator in (b"Do", b"sh", b"INLINE IMAGE"):
            self.without_overprint(operands, operator)
        else:
            self.track(operands, operator)
            self.emit(operands, operator)

    def emit(self, operands: list[Any], operator: bytes) -> None:
        self.out.append((operands, operator))

    def track(self, operands: list[Any], operator: bytes) -> None:
        """The state that q, Q, cm, w, Tr, gs and the text positioning operators change."""
        if operator == b"q":
            self.stack.append(replace(self.state))
        elif operator == b"Q" and len(self.stack) > 1:
            self.stack.pop()
        elif operator == b"cm":
            self.state.ctm = compose(self.state.ctm, matrix(operands))
        elif operator == b"w":
            self.state.width = float(operands[0])
        elif operator == b"Tr":
            self.state.text_mode = int(operands[0])
        elif operator == b"gs":  # the stream's own graphics state may set overprint: unknown
            self.state.overprint = None
        elif operator in (b"BT", b"Tm", b"Td", b"TD", b"T*", b"TL"):
            self.position(operands, operator)
        elif operator in (b"BDC", b"BMC"):
            self.marked.append(operator == b"BDC" and has_mcid(operands[-1]))
        elif operator == b"EMC" and self.marked:
            self.marked.pop()

    def position(self, operands: list[Any], operator: bytes) -> None:
        """Where the next text starts: the line matrix (PDF's Tm, Td, TD, T* and TL)."""
        if operator == b"TL":
            self.state.leading = float(operands[0])
            return
        if operator == b"BT":
            self.line = IDENTITY
        elif operator == b"Tm":
            self.line = matrix(operands)
        else:
            if operator == b"TD":
                self.state.leading = -float(operands[1])
            tx, ty = (0.0, -self.state.leading) if operator == b"T*" else map(float, operands)
            self.line = compose(self.line, (1.0, 0.0, 0.0, 1.0, tx, ty))
        self.positioned = True

    # --- colours ------------------------------------------------------------------------------

    def set_fill(self, ink: Ink) -> None:
        self.state.fill = ink
        self.emit(numbers(ink.cmyk), b"k")

    def set_stroke(self, ink: Ink) -> None:
        self.state.stroke = ink
        self.emit(numbers(ink.cmyk), b"K")

    def other_space(self, operands: list[Any], operator: bytes) -> None:
        """A colour in a space of its own (a Separation, a pattern): never overprinted."""
        if operator in (b"cs", b"sc", b"scn"):
            self.state.fill = None
        else:
            self.state.stroke = None
        self.emit(operands, operator)

    def mark_grey(self, operands: list[Any]) -> None:
        """A mark's grey: the registration colour, at the grey's darkness."""
        from pypdf.generic import FloatObject, NameObject

        self.needs.registration = True
        self.state.stroke = None
        self.emit([NameObject(REGISTRATION)], b"CS")
        self.emit([FloatObject(round(1.0 - float(operands[0]), 4))], b"SCN")

    # --- overprint: set as each painting needs it ---------------------------------------------

    def needed(self, fills: bool, strokes: bool) -> tuple[bool, bool]:
        """The overprint state (stroke, fill) a painting needs: what its colours ask for, and
        for the half it does not paint the same, so no tool that reads one flag for both
        sees a white fill or a colour "set to overprint" (a path that would fill and stroke
        with different overprint is painted as two: `paint`)."""
        fill = self.state.fill is not None and self.state.fill.overprint
        stroke = self.state.stroke is not None and self.state.stroke.overprint
        if fills and strokes:
            return stroke, fill
        return (fill, fill) if fills else (stroke, stroke)

    def sync_overprint(self, wanted: tuple[bool, bool]) -> None:
        """Set the overprint state, if it is not set already."""
        if self.state.overprint != wanted:
            from pypdf.generic import NameObject

            self.state.overprint = wanted
            self.needs.overprints.add(wanted)
            self.emit([NameObject(overprint_name(*wanted))], b"gs")

    # --- paths and painting -----------------------------------------------------------------

    def build_path(self, operands: list[Any], operator: bytes) -> None:
        if self.path_start is None:
            self.path_start = len(self.out)
        values = [float(v) for v in operands]
        if operator == b"re":
            x, y, w, h = values
            self.boxes.append([min(x, x + w), min(y, y + h), max(x, x + w), max(y, y + h)])
        elif operator == b"m" or (values and not self.boxes):
            self.boxes.append([values[0], values[1], values[0], values[1]])
        if operator in (b"l", b"c", b"v", b"y"):
            box = self.boxes[-1]
            for x, y in zip(values[0::2], values[1::2], strict=True):
                box[:] = [min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)]
        self.emit(operands, operator)

    def large(self) -> bool:
        """Whether one of the path's shapes is large on the page: LARGE_AREA each way."""
        for box in self.boxes:
            w, h = extent(self.state.ctm, (box[0], box[1], box[2], box[3]))
            if w >= LARGE_AREA and h >= LARGE_AREA:
                return True
        return False

    def paint(self, operands: list[Any], operator: bytes) -> None:
        """Paint the path just built. What it needs first (rich black, an overprint state) is
        set before the path begins: nothing may be set inside a path."""
        fills, strokes = operator in FILLS, operator in STROKES
        if not (fills or strokes):
            self.emit(operands, operator)
            self.path_start, self.boxes = None, []
            return
        start = self.path_start if self.path_start is not None else len(self.out)
        path = self.out[start:]
        del self.out[start:]
        rich = fills and self.state.fill == SOLID_BLACK and self.large()
        if rich:
            self.set_fill(RICH_BLACK)
        fill_op, stroke_op = self.needed(True, False), self.needed(False, True)
        if fills and strokes and fill_op != stroke_op:  # one overprints, the other not
            fill_only, stroke_only = SPLIT[operator]  # two objects, each unambiguous
            self.painted(path, fill_only, fill_op)
            self.painted(path, stroke_only, stroke_op)
        else:
            self.painted(path, operator, fill_op if fills else stroke_op)
        if fills and self.state.fill not in (None, WHITE):
            self.backdrop = self.state.fill
        if rich:
            self.set_fill(SOLID_BLACK)
        self.path_start, self.boxes = None, []

    def painted(self, path: list[Operation], operator: bytes, overprint: tuple[bool, bool]) -> None:
        self.sync_overprint(overprint)
        self.out.extend(path)
        self.emit([], operator)

    def without_overprint(self, operands: list[Any], operator: bytes) -> None:
        """An image, a form or a shading is never overprinted: white in a logo stays white."""
        self.sync_overprint((False, False))
        self.emit(operands, operator)

    # --- text -------------------------------------------------------------------------------

    def show(self, operands: list[Any], operator: bytes) -> None:
        """Text, overprinting as its colours need; white text on a backdrop of several inks is
        trapped (see `trap`)."""
        if operator in (b"'", b'"'):
            self.position([], b"T*")  # they move to the next line first
        starts_line = self.positioned
        self.positioned = False
        mode = self.state.text_mode % 4  # 4 to 7 also clip
        if mode != 3:  # 3 is invisible
            self.sync_overprint(self.needed(mode in (0, 2), mode in (1, 2)))
        self.emit(operands, operator)
        spread = self.spread_plates()
        if spread and starts_line:
            self.trap(operands[-1], operator, spread)

    def trap(self, text: Any, operator: bytes, spread: tuple[int, ...]) -> None:
        """The white text shown again, stroked only (TRAP_WIDTH) and overprinting, in the
        backdrop's lighter inks at no ink: those plates are knocked out a little wider than
        the letters, the strongest plate alone draws their edges. A separate object, as traps
        are, from the same place: the line's start, where the white text began. It is marked
        so that a screen reader does not read the words twice (`unread`)."""
        from pypdf.generic import FloatObject, NameObject, NumberObject

        state = self.state
        stroke = state.stroke or SOLID_BLACK
        self.needs.spreads.add(spread)
        space, zeros = [NameObject(spread_name(spread))], [FloatObject(0)] * len(spread)
        self.emit(space, b"cs")  # the fill too (never painted): nothing white overprints
        self.emit(zeros, b"sc")
        self.emit(space, b"CS")
        self.emit(zeros, b"SCN")
        self.emit([FloatObject(TRAP_WIDTH)], b"w")
        self.sync_overprint((True, True))
        self.emit([NumberObject(1)], b"Tr")
        self.emit([FloatObject(v) for v in self.line], b"Tm")
        self.emit(*self.unread())  # the same words again: not read twice
        self.emit([text], b"TJ" if operator == b"TJ" else b"Tj")
        self.emit([], b"EMC")
        self.emit([NumberObject(state.text_mode)], b"Tr")
        self.emit([FloatObject(state.width)], b"w")
        self.set_stroke(stroke)
        self.set_fill(WHITE)

    def unread(self) -> Operation:
        """What opens a trap's marked content: `/Artifact BMC`, or inside real content of a
        tagged PDF, where an artifact may not be, `/Span <</ActualText ()>> BDC` (words that
        read as nothing, ISO 32000-1 14.9.4)."""
        from pypdf.generic import DictionaryObject, NameObject, TextStringObject

        if not any(self.marked):
            return [NameObject("/Artifact")], b"BMC"
        empty = DictionaryObject({NameObject("/ActualText"): TextStringObject("")})
        return [NameObject("/Span"), empty], b"BDC"

    def spread_plates(self) -> tuple[int, ...]:
        """The plates to knock out wider under white type: all the backdrop's inks but its
        strongest (none when the type is not white, or the backdrop has one ink only)."""
        if self.state.fill != WHITE or self.state.text_mode != 0 or self.backdrop is None:
            return ()
        inks = [p for p, v in enumerate(self.backdrop.cmyk) if v > 0]
        if len(inks) < 2:
            return ()
        strongest = max(inks, key=lambda p: (self.backdrop.cmyk[p], p))  # type: ignore[union-attr]
        return tuple(p for p in inks if p != strongest)


def has_mcid(properties: Any) -> bool:
    """Whether a BDC's properties (a dictionary, or a name in the resources) give an MCID."""
    from pypdf.generic import DictionaryObject

    return isinstance(properties, DictionaryObject) and "/MCID" in properties


def numbers(values: tuple[float, ...]) -> list[Any]:
    from pypdf.generic import FloatObject

    return [FloatObject(round(v, 4)) for v in values]


def _rgb(rewrite: StreamRewrite, operands: list[Any]) -> None:
    rewrite.set_fill(rgb_ink(*(float(v) for v in operands)))


def _rgb_stroke(rewrite: StreamRewrite, operands: list[Any]) -> None:
    rewrite.set_stroke(rgb_ink(*(float(v) for v in operands)))


def _grey(rewrite: StreamRewrite, operands: list[Any]) -> None:
    rewrite.set_fill(grey_ink(float(operands[0])))


def _cmyk(rewrite: StreamRewrite, operands: list[Any]) -> None:
    c, m, y, k = (float(v) for v in operands)
    rewrite.set_fill(cmyk_ink(c, m, y, k))


def _cmyk_stroke(rewrite: StreamRewrite, operands: list[Any]) -> None:
    c, m, y, k = (float(v) for v in operands)
    rewrite.set_stroke(cmyk_ink(c, m, y, k))


def _space(operator: bytes) -> Any:
    return lambda rewrite, operands: rewrite.other_space(operands, operator)


COLOURS: dict[bytes, Any] = {
    b"rg": _rgb,
    b"RG": _rgb_stroke,
    b"g": _grey,
    b"G": StreamRewrite.mark_grey,
    b"k": _cmyk,
    b"K": _cmyk_stroke,
    **{op: _space(op) for op in (b"cs", b"CS", b"sc", b"SC", b"scn", b"SCN")},
}


# --- the document -----------------------------------------------------------------------------


class Spaces:
    """The shared resources rewritten streams name, each made once per document."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.made: dict[str, Any] = {}

    def get(self, name: str, make: Any) -> Any:
        if name not in self.made:
            self.made[name] = add_object(self.writer, make())
        return self.made[name]

    def add_to(self, resources: Any, needs: Needs) -> None:
        """Name what a stream needs in its resources."""
        from pypdf.generic import DictionaryObject, NameObject

        def section(key: str) -> Any:
            if key not in resources:
                resources[NameObject(key)] = DictionaryObject()
            return resources[key].get_object()

        for stroke, fill in sorted(needs.overprints):
            name = overprint_name(stroke, fill)
            state = self.get(name, lambda s=stroke, f=fill: overprint_state(s, f))
            section("/ExtGState")[NameObject(name)] = state
        for plates in sorted(needs.spreads):
            name = spread_name(plates)
            space = self.get(name, lambda p=plates: spread_space(p, self.writer))
            section("/ColorSpace")[NameObject(name)] = space
        if needs.registration:
            space = self.get(REGISTRATION, registration_space)
            section("/ColorSpace")[NameObject(REGISTRATION)] = space


def overprint_state(stroke: bool, fill: bool) -> Any:
    """An ExtGState: overprint for strokes and fills as given, in nonzero mode (a zero ink in a
    CMYK colour leaves that plate alone: solid black prints over the colours beneath)."""
    from pypdf.generic import BooleanObject, DictionaryObject, NameObject, NumberObject

    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/ExtGState"),
            NameObject("/OP"): BooleanObject(stroke),
            NameObject("/op"): BooleanObject(fill),
            NameObject("/OPM"): NumberObject(1),
        }
    )


def spread_space(plates: tuple[int, ...], writer: Any) -> Any:
    """[/DeviceN [the plates] /DeviceCMYK f]: paints the named plates alone (with overprint
    on, the others are left as they are)."""
    from pypdf.generic import ArrayObject, NameObject

    names = ArrayObject(NameObject(PLATES[p]) for p in plates)
    function = add_object(writer, plates_function(plates))  # a stream: never inline
    return ArrayObject([NameObject("/DeviceN"), names, NameObject("/DeviceCMYK"), function])


def plates_function(plates: tuple[int, ...]) -> Any:
    """A PostScript calculator function from the named plates' tints to C, M, Y and K."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        FloatObject,
        NameObject,
        NumberObject,
    )

    n = len(plates)
    code = []
    for position in range(4):  # the inputs sit under the outputs pushed so far
        if position in plates:
            code.append(f"{n - 1 - plates.index(position) + position} index")
        else:
            code.append("0")
    code.append(f"{n + 4} 4 roll" + " pop" * n)
    function = DecodedStreamObject()
    function.set_data(("{ " + " ".join(code) + " }").encode("ascii"))
    function[NameObject("/FunctionType")] = NumberObject(4)
    function[NameObject("/Domain")] = ArrayObject([FloatObject(0), FloatObject(1)] * n)
    function[NameObject("/Range")] = ArrayObject([FloatObject(0), FloatObject(1)] * 4)
    return function


def registration_space() -> Any:
    """[/Separation /All /DeviceCMYK f]: tint t prints t on all four plates."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject

    function = DictionaryObject(
        {
            NameObject("/FunctionType"): NumberObject(2),
            NameObject("/Domain"): ArrayObject([FloatObject(0), FloatObject(1)]),
            NameObject("/C0"): ArrayObject([FloatObject(0)] * 4),
            NameObject("/C1"): ArrayObject([FloatObject(1)] * 4),
            NameObject("/N"): NumberObject(1),
        }
    )
    return ArrayObject(
        [NameObject("/Separation"), NameObject("/All"), NameObject("/DeviceCMYK"), function]
    )


def rewrite_stream(stream: Any, writer: Any, resources: Any, spaces: Spaces) -> bytes:
    """A content stream's bytes, rewritten; what it names is added to `resources`."""
    from pypdf.generic import ContentStream

    content = ContentStream(stream, writer)
    rewrite = StreamRewrite()
    content.operations = rewrite.run(content.operations)
    spaces.add_to(resources, rewrite.needs)
    return bytes(content.get_data())


def cmyk_document(writer: Any) -> None:
    """Every page and form of a pypdf writer's document in CMYK (images too)."""
    from pypdf.generic import DictionaryObject, NameObject

    from booklet.press.images import press_images

    spaces = Spaces(writer)
    done: set[int] = set()

    def forms_in(resources: Any) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        for ref in xobjects.get_object().values() if xobjects is not None else ():
            form = ref.get_object()
            if id(form) in done or form.get("/Subtype") != "/Form":
                continue
            done.add(id(form))
            if "/Resources" not in form:
                form[NameObject("/Resources")] = DictionaryObject()
            own = form["/Resources"].get_object()
            form.set_data(rewrite_stream(form, writer, own, spaces))
            forms_in(own)

    for page in writer.pages:
        if "/Resources" not in page:
            page[NameObject("/Resources")] = DictionaryObject()
        resources = page["/Resources"].get_object()
        contents = page.get_contents()
        if contents is not None:
            from pypdf.generic import DecodedStreamObject

            rewritten = DecodedStreamObject()
            rewritten.set_data(rewrite_stream(contents, writer, resources, spaces))
            page.replace_contents(rewritten)
            page.compress_content_streams()
        forms_in(resources)
    press_images(writer)
