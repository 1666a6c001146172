"""The options catalogue: every option a card or a booklet takes, declared once.

An entry says what the option is called (its key: the batch file's key, the page's field, the
Python API's name), how a value is read (and within which limits), which products take it, its
help for the command line, its label and hint for the page, and how it names a default file.
The command line's flags, a batch file's keys, the page's fields and `validate` are all made
from these entries, so the same option means the same thing everywhere, with the same limits
and the same messages: adding an option is adding an entry.

Values may come as the command line gives them (text, flags) or as YAML gives them (numbers,
true/false): `landscape: "false"` is false, `bleed: 3in` is refused as `--bleed 3in` is. A bad
value raises OptionError naming the option by its key; each door says it the way its user wrote
it (`--crop-marks` on the command line, `batch.yaml:7: crop_marks:` in a batch, a message at the
field on the page).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from booklet.base.errors import BookletError, shown
from booklet.base.links import link_problem
from booklet.base.units import SIZE_HELP, parse_length, parse_offset, parse_size
from booklet.data.model import PRESSURE_LEVELS
from booklet.press.papers import FLIPS, SHEETS
from booklet.products.requests import (
    BookRequest,
    CardRequest,
    OptionError,
    Personal,
)

PRODUCTS = ("card", "book")
MAX_ROUTINE_MINUTES = 240
MAX_TITLE = 120
MAX_TEXT = 400
MAX_PATH = 1000
MAX_BLEED = 0.5 * 72
MAX_CREEP = 5 * 72 / 25.4
MAX_CALIPER = 0.5 * 72 / 25.4  # 0.5 mm: thick card stock; paper is 0.08 to 0.2 mm
COLOURS = ("rgb", "cmyk")
BACKS = ("diagrams", "log")
SIGN_OFFS = ("love", "warmly", "thanks", "wishes")  # the words: sign_off_* in each catalogue
IMPOSITIONS = ("saddle",)
BINDINGS = ("left", "right")  # the spine's side, seen from the cover
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


class Option(NamedTuple):
    """One option, as every door knows it."""

    key: str  # the batch key, the page's field, the Python name: bleed, crop_marks, for
    read: str  # how a value is read: one of READERS
    help: str  # the command line's help, one sentence or two
    products: tuple[str, ...] = PRODUCTS
    metavar: str = ""
    choices: tuple[str, ...] = ()
    limit: float = 0.0  # characters for text; points for a length; the largest number
    limit_text: str = ""  # the limit as people write it: 0.5in
    low: float = 0.0  # the smallest number
    field: str = ""  # the request's field, when it is not the key
    personal: bool = False  # a therapist's handout: on the request's `personal`
    aliases: tuple[str, ...] = ()  # older names, still accepted (batch keys and flags)
    label: str = ""  # the page's label (English; the page words catalogue translates it)
    hint: str = ""  # the page's hint under or inside the field
    page: str = ""  # the page's section for it ("" = not on the page)
    file_word: str = ""  # how it marks a default file name (see file_parts)
    snippets: bool = False  # read by the layouts' snippets only, as `options.KEY`

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def attribute(self) -> str:
        return self.field or self.key


# --- reading values ----------------------------------------------------------------------------


def _units_reason(key: str, exc: BookletError) -> OptionError:
    """A units message ("size '4x' is not known…") without its subject: the door names it."""
    message = exc.problem.message
    for subject in (key, "size", "offset", "length"):
        if message.startswith(f"{subject} '"):
            message = message[len(subject) + 1 :]
            break
    return OptionError(key, message)


def read_name(option: Option, value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise OptionError(option.key, "is empty. Give a name, e.g. bedside.")
    if len(text) > 64:
        raise OptionError(option.key, f"'{shown(text)}' is too long for a name.")
    return text


def read_flag(option: Option, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise OptionError(option.key, f"'{shown(value)}' is not true or false. Write true or false.")


def read_choice(option: Option, value: Any) -> str:
    word = str(value).strip().lower()
    if word not in option.choices:
        raise OptionError(
            option.key,
            f"'{shown(value)}' is not one of: {', '.join(option.choices)}. Use one of those.",
        )
    return word


def read_whole(option: Option, value: Any) -> int:
    text = str(value).strip()
    allowed = " or ".join(option.choices)
    if (
        isinstance(value, bool)
        or not re.fullmatch(r"[0-9]{1,3}", text)
        or text not in option.choices
    ):
        raise OptionError(option.key, f"'{shown(value)}' is not {allowed}. Use {allowed}.")
    return int(text)


def read_length(option: Option, value: Any) -> float:
    try:
        points = parse_length(str(value).strip(), what=option.key)
    except BookletError as exc:
        raise _units_reason(option.key, exc) from None
    if points > option.limit + 1e-9:
        raise OptionError(
            option.key,
            f"{shown(value)} is more than {option.limit_text}. Use 0 to {option.limit_text}.",
        )
    return points


def read_size(option: Option, value: Any) -> str:
    try:
        parse_size(str(value))
    except BookletError as exc:
        raise _units_reason(option.key, exc) from None
    return str(value).strip().lower()


def read_offset(option: Option, value: Any) -> tuple[float, float]:
    try:
        return parse_offset(str(value))
    except BookletError as exc:
        raise _units_reason(option.key, exc) from None


def read_link(option: Option, value: Any) -> str:
    text = str(value).strip()
    problem = link_problem(text)
    if problem:
        raise OptionError(option.key, f"'{shown(text)}' {problem}")
    return text


def read_date(option: Option, value: Any) -> str:
    """A date written the one unambiguous way (2026-11-24), printed in the output's language."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise OptionError(
            option.key, f"'{shown(value)}' is not a date. Write it as 2026-11-24."
        ) from None


def read_number(option: Option, value: Any) -> float:
    text = str(value).strip()
    number = float(text) if re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", text) else float("nan")
    if isinstance(value, bool) or not option.low <= number <= option.limit:
        raise OptionError(
            option.key, f"'{shown(value)}' is not a number from {option.low:g} to {option.limit:g}."
        )
    return number


def read_file(option: Option, value: Any) -> str | bytes:
    """A file's path (read, bounded, when the product is made), or its bytes (an upload)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return read_text(option, value)


def read_text(option: Option, value: Any) -> str:
    text = " ".join(str(value).split())
    if not text:
        raise OptionError(option.key, "is empty. Give some text or leave it out.")
    if len(text) > option.limit:
        raise OptionError(
            option.key,
            f"is {len(text)} characters long; the limit is {option.limit:g}. Shorten it.",
        )
    return text


READERS: dict[str, Callable[[Option, Any], Any]] = {
    "name": read_name,
    "flag": read_flag,
    "choice": read_choice,
    "whole": read_whole,
    "length": read_length,
    "size": read_size,
    "offset": read_offset,
    "link": read_link,
    "date": read_date,
    "number": read_number,
    "text": read_text,
    "file": read_file,
}


# --- the catalogue -----------------------------------------------------------------------------

CARD, BOOK = ("card",), ("book",)
CATALOGUE: tuple[Option, ...] = (
    Option(
        "layout", "name",
        "Layout name; see `booklet layouts`. Default: bedside for a card, gift for a booklet.",
        metavar="NAME", label="Layout", page="what",
    ),
    Option(
        "size", "size",
        f"Page size: {SIZE_HELP} (4.25x5.5in). Default: the layout's own.",
        metavar="SIZE", label="Size", page="what",
    ),
    Option(
        "title", "text", "The title. Default: the routine's own.",
        metavar="TEXT", limit=MAX_TITLE, label="Title", hint="The routine's own title",
        page="whom",
    ),
    Option(
        "for", "text", "Who it is for: printed on a card's front and a booklet's cover.",
        metavar="NAME", limit=MAX_TEXT, field="for_name", label="For",
        hint="Who it is for", page="whom", file_word="for",
    ),
    Option(
        "from", "text", "Who gives it.",
        metavar="NAME", limit=MAX_TEXT, field="from_name", label="From",
        hint="Who gives it", page="whom",
    ),
    Option(
        "message", "text",
        "A few words of your own: on a card's front, on a booklet's first inside page.",
        metavar="TEXT", limit=MAX_TEXT, label="Message", hint="A few words of your own",
        page="whom",
    ),
    Option(
        "sign_off", "choice",
        "How the giver signs the dedication: love, warmly, thanks or wishes (best wishes), in "
        "the booklet's language. Default: the giver's name alone, under their own words.",
        BOOK, metavar="|".join(SIGN_OFFS), choices=SIGN_OFFS, label="Sign-off",
        hint="With love, Warmly, With thanks, Best wishes", page="whom", snippets=True,
    ),
    Option(
        "subtitle", "text", "A line under the title, e.g. 'Sunday evenings'.",
        metavar="TEXT", limit=MAX_TITLE, label="Subtitle", hint="A line under the title",
        page="whom", snippets=True,
    ),
    Option(
        "landscape", "flag", "Turn the card sideways.", CARD, file_word="landscape",
    ),
    Option(
        "sides", "whole", "1 = front only; 2 = front and back. Default: the layout's.", CARD,
        metavar="1|2", choices=("1", "2"), file_word="sides",
    ),
    Option(
        "back", "choice",
        "What a card's back holds: the diagrams (default) or a practice log to tick, with the "
        "safety set either way.", CARD,
        metavar="|".join(BACKS), choices=BACKS, file_word="back",
    ),
    Option(
        "bleed", "length",
        "Run backgrounds this far past the trim (e.g. 0.125in or 3mm, up to 0.5in), with "
        "TrimBox and BleedBox on every page. Default: none.",
        metavar="LENGTH", limit=MAX_BLEED, limit_text="0.5in", file_word="bleed",
    ),
    Option(
        "crop_marks", "flag",
        "Crop marks outside the trim (and bleed): around each page, or each spread imposed.",
        file_word="marks",
    ),
    Option(
        "sheet", "choice",
        "Paper: a card is tiled on it as often as it fits, with cut marks; a booklet imposed "
        "for saddle stitching goes two pages a side. Default (booklets): a4 for A sizes, "
        "letter otherwise.",
        metavar="|".join(SHEETS), choices=SHEETS, label="Paper", page="what", file_word="sheet",
    ),
    Option(
        "flip", "choice", "Duplex flip edge: where backs go on the back sheet. Default: long.",
        CARD, metavar="|".join(FLIPS), choices=FLIPS,
    ),
    Option(
        "back_offset", "offset",
        "Shift the back sheet by X,Y to correct duplex misalignment, e.g. 1mm,-0.5mm (measure "
        "it with `booklet calibrate`). Default: none.", CARD,
        metavar="X,Y",
    ),
    Option(
        "impose", "choice",
        "Arrange pages two-up on sheets in saddle-stitch order, ready to fold.", BOOK,
        metavar="saddle", choices=IMPOSITIONS, file_word="impose",
    ),
    Option(
        "binding", "choice",
        "The spine's side: left (pages turn right to left, as in English) or right (as in "
        "Hebrew and Arabic): page order, spreads and imposed sheets follow it. Default: the "
        "language's direction.", BOOK,
        metavar="|".join(BINDINGS), choices=BINDINGS, file_word="bound",
    ),
    Option(
        "fit_sheet", "flag",
        "With impose: shrink the pages to fit a sheet too small for them at full size (the "
        "finished booklet comes out smaller).", BOOK,
    ),
    Option(
        "paper_thickness", "length",
        "With impose: the paper's thickness (e.g. 0.1mm for 80 gsm); inner sheets move "
        "toward the fold by 1.3 x thickness per sheet, to make up for creep.", BOOK,
        metavar="LENGTH", limit=MAX_CALIPER, limit_text="0.5mm",
    ),
    Option(
        "creep", "length",
        "With impose: move the innermost pages exactly this far toward the fold (e.g. 0.8mm, "
        "up to 5mm), less for outer sheets. Instead of paper_thickness.", BOOK,
        metavar="LENGTH", limit=MAX_CREEP, limit_text="5mm",
    ),
    Option(
        "colour", "choice",
        "cmyk for a press: every colour and image in CMYK for coated offset paper (FOGRA39), "
        "black text and rules solid on the black plate, overprinting, marks in registration "
        "colour. Default: rgb.",
        metavar="|".join(COLOURS), choices=COLOURS, file_word="colour",
    ),
    Option(
        "pdfx", "flag",
        "PDF/X-4 for a press: CMYK as with colour cmyk, for coated offset paper (FOGRA39, its "
        "profile embedded), with no links on the pages.",
        file_word="pdfx",
    ),
    Option(
        "client", "text", "Who the handout is for (a therapist's client).",
        metavar="NAME", limit=MAX_TITLE, personal=True, label="Client",
        hint="Your client's name", page="client", file_word="client",
    ),
    Option(
        "therapist", "text", "Who gives it: your name and title, e.g. 'Ana Ruiz, LMT'.",
        metavar="NAME", limit=MAX_TITLE, personal=True, label="Therapist",
        hint="Your name and title", page="client",
    ),
    Option(
        "contact", "text", "How to reach you: phone, email or address, on one line.",
        metavar="TEXT", limit=MAX_TITLE, personal=True, label="Contact",
        hint="Phone, email or address", page="client",
    ),
    Option(
        "logo", "file", "Your practice's logo, a PNG or JPEG file.",
        metavar="FILE", limit=MAX_PATH, personal=True, label="Logo", page="client",
    ),
    Option(
        "date", "date", "A date to print, e.g. the session's (2026-11-24, printed as 24 Nov 2026).",
        metavar="YYYY-MM-DD", personal=True, label="Date", page="client",
    ),
    Option(
        "note", "text", "A line for this client, e.g. 'Go gently on the left shoulder.'",
        metavar="TEXT", limit=MAX_TEXT, personal=True, label="Note",
        hint="A line for this client", page="client",
    ),
    Option(
        "link", "link", "A web address (https://...) printed as a QR code, e.g. to a video.",
        metavar="URL", limit=500, personal=True, label="Link",
        hint="https://… printed as a QR code", page="client",
    ),
    Option(
        "max_pressure", "choice",
        f"Cap every step's pressure at this level: {', '.join(PRESSURE_LEVELS)}.",
        metavar="LEVEL", choices=PRESSURE_LEVELS, personal=True, label="Pressure at most",
        page="client",
    ),
    Option(
        "minutes", "number", f"Scale the steps' minutes to this total (1 to {MAX_ROUTINE_MINUTES}).",  # noqa: E501
        metavar="N", low=1, limit=MAX_ROUTINE_MINUTES, personal=True, label="Minutes in all",
        page="client",
    ),
)  # fmt: skip
BY_KEY: dict[str, Option] = {o.key: o for o in CATALOGUE}
ALIASES: dict[str, str] = {a: o.key for o in CATALOGUE for a in o.aliases}
KEYS = tuple(BY_KEY)


def options_for(product: str) -> tuple[Option, ...]:
    return tuple(o for o in CATALOGUE if product in o.products)


def keys_for(product: str) -> tuple[str, ...]:
    return tuple(o.key for o in options_for(product))


# --- requests ----------------------------------------------------------------------------------


def canonical(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options by their keys (an older name becomes the current one); None is not given."""
    out: dict[str, Any] = {}
    for key, value in options.items():
        name = ALIASES.get(key, key)
        if value is not None:
            out[name] = value
    return out


def read_options(product: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Each given option read by its catalogue entry: {key: value}; an option the product
    does not take, or one no entry knows, is an OptionError."""
    given = canonical(options)
    values: dict[str, Any] = {}
    for key, raw in given.items():
        option = BY_KEY.get(key)
        if option is None:
            from booklet.data.schema import did_you_mean

            raise OptionError(key, f"is not an option.{did_you_mean(key, KEYS)}")
        if product not in option.products:
            raise OptionError(key, f"does not apply to a {noun(product)}. Remove it.")
        values[key] = READERS[option.read](option, raw)
    return values


def noun(product: str) -> str:
    return "booklet" if product == "book" else product


def request_for(product: str, options: Mapping[str, Any]) -> CardRequest | BookRequest:
    """The typed request a product's renderer takes, from options as any door gives them."""
    if product not in PRODUCTS:
        raise OptionError("kind", f"'{shown(product)}' is not known. Use card or book.")
    values = read_options(product, options)
    fields: dict[str, Any] = {}
    personal: dict[str, Any] = {}
    extras: list[tuple[str, str]] = []
    for key, value in values.items():
        option = BY_KEY[key]
        if option.snippets:
            extras.append((key, str(value)))
        else:
            (personal if option.personal else fields)[option.attribute] = value
    fields["extras"] = tuple(sorted(extras))
    if isinstance(personal.get("logo"), bytes):  # an upload: its bytes, never a path
        personal["logo_image"] = personal.pop("logo")
    fields["personal"] = Personal(**personal)
    if fields.get("pdfx"):
        fields["colour"] = pdfx_colour(values)
    if product == "card":
        return CardRequest(**fields)
    request = BookRequest(**fields)
    check_imposition(request)
    if "sign_off" in values and "from" not in values:
        raise OptionError("sign_off", "needs from: the giver's name it signs. Give from too.")
    return request


def pdfx_colour(values: Mapping[str, Any]) -> str:
    """PDF/X is CMYK: colour may be left out or given as cmyk, never rgb."""
    if values.get("colour", "cmyk") != "cmyk":
        raise OptionError(
            "colour",
            f"'{values['colour']}' cannot be given with the pdfx option: a PDF/X file is in "
            "CMYK. Leave colour out, or give cmyk.",
        )
    return "cmyk"


def check_imposition(request: BookRequest) -> None:
    if request.creep > 0 and request.paper_thickness > 0:
        raise OptionError(
            "paper_thickness",
            "cannot be given with creep: both set how far pages move toward the fold. Give "
            "the paper's thickness or the creep, not both.",
        )
    if request.impose is None:
        given = {
            "sheet": request.sheet is not None,
            "creep": request.creep > 0,
            "paper_thickness": request.paper_thickness > 0,
            "fit_sheet": request.fit_sheet,
        }
        for key in (k for k, used in given.items() if used):
            raise OptionError(
                key,
                "applies only to a booklet imposed for saddle stitching; impose the "
                "booklet (saddle) or leave it out.",
            )


def snippet_options(request: CardRequest | BookRequest) -> dict[str, str]:
    """What snippets see as `options`: every snippet option of the catalogue, "" if not given."""
    given = dict(request.extras)
    return {o.key: given.get(o.key, "") for o in CATALOGUE if o.snippets}


def card_request(options: Mapping[str, Any]) -> CardRequest:
    request = request_for("card", options)
    assert isinstance(request, CardRequest)
    return request


def book_request(options: Mapping[str, Any]) -> BookRequest:
    request = request_for("book", options)
    assert isinstance(request, BookRequest)
    return request


# --- file names --------------------------------------------------------------------------------


def slug(text: str, limit: int = 40) -> str:
    """Text as part of a file name: letters and digits (of any script), '-' between words."""
    return re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")[:limit] or "x"


def file_parts(product: str, options: Mapping[str, Any]) -> list[str]:
    """The parts options add to a default file name, in the catalogue's order, so that
    different products never share a name: `classic-bedside-5x7-es-for-Sam.pdf`."""
    values = read_options(product, options)
    parts: list[str] = []
    for option in options_for(product):
        if option.key not in values or not option.file_word:
            continue
        value = values[option.key]
        word = option.file_word
        if option.read == "flag":
            if value:
                parts.append(word)
        elif option.read == "length":
            parts.append(f"{word}-{slug(str(canonical(options)[option.key]).lower())}")
        elif word in ("for", "client"):
            parts.append(f"{word}-{slug(str(value))}")
        elif option.key == "sheet":
            imposed = "impose" in values
            parts.append(f"saddle-{value}" if imposed else f"on-{value}")
        elif option.key == "impose" and "sheet" not in values:
            parts.append(str(value))
        elif option.key == "sides":
            parts.append("front-only" if value == 1 else "two-sided")
        elif option.key == "back" and value != "diagrams":
            parts.append(f"back-{value}")
        elif option.key == "binding":
            parts.append(f"bound-{value}")
        elif option.key == "colour" and value != "rgb":
            parts.append(str(value))
    return parts
