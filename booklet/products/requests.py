"""What the user asked for, read once: the command line and a batch file both hand their options
to these builders, so the same options mean the same thing, within the same limits, with the same
messages, wherever they were written.

Values may come as the command line gives them (text, flags) or as YAML gives them (numbers,
true/false): `landscape: "false"` is false, `bleed: 3in` is refused as `--bleed 3in` is. A bad
value raises OptionError naming the option by its key (`bleed`, `crop_marks`); each shell says
it the way its user wrote it (`--crop-marks` on the command line, `batch.yaml:7: crop_marks:`
in a batch). Nothing here names a command-line flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from booklet.base.errors import BookletError, shown, wire_type
from booklet.base.links import link_problem
from booklet.base.units import parse_length, parse_offset, parse_size
from booklet.data.model import PRESSURE_LEVELS

# A therapist's handout: who it is for, from whom, how to reach them, and the routine as set.
PERSONAL_OPTIONS = (
    "client",
    "therapist",
    "contact",
    "logo",
    "date",
    "note",
    "link",
    "max_pressure",
    "minutes",
)
CARD_OPTIONS = (
    "layout",
    "size",
    "title",
    "landscape",
    "sides",
    "bleed",
    "crop_marks",
    "sheet",
    "flip",
    "back_offset",
    "colour",
    "back",
    *PERSONAL_OPTIONS,
)
BOOK_OPTIONS = (
    "layout",
    "size",
    "title",
    "for",
    "from",
    "message",
    "bleed",
    "crop_marks",
    "impose",
    "sheet",
    "fit_sheet",
    "creep",
    "paper_thickness",
    "colour",
    *PERSONAL_OPTIONS,
)
SHEETS = ("letter", "a4", "a3", "tabloid", "a5")
FLIPS = ("long", "short")
IMPOSITIONS = ("saddle",)
COLOURS = ("rgb", "cmyk")
BACKS = ("diagrams", "log")
MAX_ROUTINE_MINUTES = 240
MAX_TITLE = 120
MAX_TEXT = 400
MAX_BLEED = 0.5 * 72
MAX_CREEP = 5 * 72 / 25.4
MAX_CALIPER = 0.5 * 72 / 25.4  # 0.5 mm: thick card stock; paper is 0.08 to 0.2 mm
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


@wire_type
class OptionError(BookletError):
    """A bad option value. `option` is its key; `reason` says what is wrong and what to do."""

    def __init__(self, option: str, reason: str) -> None:
        self.option = option
        self.reason = reason
        super().__init__(reason, field=option)


class Personal(NamedTuple):
    """The handout's people and settings; empty for a card made at home."""

    client: str | None = None
    therapist: str | None = None
    contact: str | None = None
    logo: str | None = None  # a path, read (bounded) when the card is made
    date: str | None = None  # 2026-11-24; printed as the language writes it
    note: str | None = None
    link: str | None = None
    max_pressure: str | None = None
    minutes: float | None = None
    logo_image: bytes | None = None  # a logo sent by the web page: its bytes, never a path

    @property
    def any(self) -> bool:
        return any(v is not None for v in self)


class CardRequest(NamedTuple):
    layout: str = "bedside"
    size: str | None = None
    landscape: bool = False
    sides: int | None = None
    bleed: float = 0.0
    crop_marks: bool = False
    sheet: str | None = None
    flip: str = "long"
    back_offset: tuple[float, float] = (0.0, 0.0)
    title: str | None = None
    colour: str = "rgb"
    back: str = "diagrams"
    personal: Personal = Personal()


class BookRequest(NamedTuple):
    layout: str = "gift"
    size: str | None = None
    title: str | None = None
    for_name: str | None = None
    from_name: str | None = None
    message: str | None = None
    impose: str | None = None
    sheet: str | None = None
    creep: float = 0.0
    crop_marks: bool = False
    bleed: float = 0.0
    fit_sheet: bool = False
    paper_thickness: float = 0.0
    colour: str = "rgb"
    personal: Personal = Personal()


def _reason(key: str, exc: BookletError) -> OptionError:
    """A units message ("size '4x' is not known…") without its subject: the shell names it."""
    message = exc.problem.message
    for subject in (key, "size", "offset", "length"):
        if message.startswith(f"{subject} '"):
            message = message[len(subject) + 1 :]
            break
    return OptionError(key, message)


class _Options:
    """Typed reads of one request's options; a missing or None value is the default."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options

    def given(self, key: str) -> bool:
        return self.options.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.options.get(key)

    def name(self, key: str, default: str) -> str:
        value = self.raw(key)
        if value is None:
            return default
        text = str(value).strip()
        if not text:
            raise OptionError(key, "is empty. Give a name, e.g. bedside.")
        return text

    def flag(self, key: str) -> bool:
        value = self.raw(key)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise OptionError(key, f"'{shown(value)}' is not true or false. Write true or false.")

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        word = str(value).strip().lower()
        if word not in choices:
            raise OptionError(
                key, f"'{shown(value)}' is not one of: {', '.join(choices)}. Use one of those."
            )
        return word

    def whole(self, key: str, choices: tuple[int, ...]) -> int | None:
        value = self.raw(key)
        if value is None:
            return None
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or int(text) not in choices:
            allowed = " or ".join(str(c) for c in choices)
            raise OptionError(key, f"'{shown(value)}' is not {allowed}. Use {allowed}.")
        return int(text)

    def length(self, key: str, high: float, high_text: str) -> float:
        value = self.raw(key)
        if value is None:
            return 0.0
        try:
            points = parse_length(str(value).strip(), what=key)
        except BookletError as exc:
            raise _reason(key, exc) from None
        if points > high + 1e-9:
            raise OptionError(
                key, f"{shown(value)} is more than {high_text}. Use 0 to {high_text}."
            )
        return points

    def size(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        try:
            parse_size(str(value))
        except BookletError as exc:
            raise _reason(key, exc) from None
        return str(value).strip()

    def offset(self, key: str) -> tuple[float, float]:
        value = self.raw(key)
        if value is None:
            return (0.0, 0.0)
        try:
            return parse_offset(str(value))
        except BookletError as exc:
            raise _reason(key, exc) from None

    def link(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        text = str(value).strip()
        problem = link_problem(text)
        if problem:
            raise OptionError(key, f"'{shown(text)}' {problem}")
        return text

    def date(self, key: str) -> str | None:
        """A date written the one unambiguous way (2026-11-24), printed as 24 Nov 2026."""
        import datetime

        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, datetime.date):
            day = value
        else:
            try:
                day = datetime.date.fromisoformat(str(value).strip())
            except ValueError:
                raise OptionError(
                    key, f"'{shown(value)}' is not a date. Write it as 2026-11-24."
                ) from None
        return day.isoformat()  # printed in the output's language (Words.date)

    def number(self, key: str, low: float, high: float) -> float | None:
        value = self.raw(key)
        if value is None:
            return None
        try:
            number = float(str(value).strip())
        except ValueError:
            number = float("nan")
        if isinstance(value, bool) or not low <= number <= high:
            raise OptionError(key, f"'{shown(value)}' is not a number from {low:g} to {high:g}.")
        return number

    def text(self, key: str, limit: int) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        text = " ".join(str(value).split())
        if not text:
            raise OptionError(key, "is empty. Give some text or leave it out.")
        if len(text) > limit:
            raise OptionError(
                key, f"is {len(text)} characters long; the limit is {limit}. Shorten it."
            )
        return text


def personal(o: _Options) -> Personal:
    return Personal(
        client=o.text("client", MAX_TITLE),
        therapist=o.text("therapist", MAX_TITLE),
        contact=o.text("contact", MAX_TITLE),
        logo=o.text("logo", 1000),
        date=o.date("date"),
        note=o.text("note", MAX_TEXT),
        link=o.link("link"),
        max_pressure=o.choice("max_pressure", PRESSURE_LEVELS),
        minutes=o.number("minutes", 1, MAX_ROUTINE_MINUTES),
    )


def card_request(options: Mapping[str, Any]) -> CardRequest:
    o = _Options(options)
    return CardRequest(
        layout=o.name("layout", "bedside"),
        size=o.size("size"),
        landscape=o.flag("landscape"),
        sides=o.whole("sides", (1, 2)),
        bleed=o.length("bleed", MAX_BLEED, "0.5in"),
        crop_marks=o.flag("crop_marks"),
        sheet=o.choice("sheet", SHEETS),
        flip=o.choice("flip", FLIPS) or "long",
        back_offset=o.offset("back_offset"),
        title=o.text("title", MAX_TITLE),
        colour=o.choice("colour", COLOURS) or "rgb",
        back=o.choice("back", BACKS) or "diagrams",
        personal=personal(o),
    )


def book_request(options: Mapping[str, Any]) -> BookRequest:
    o = _Options(options)
    impose = o.choice("impose", IMPOSITIONS)
    request = BookRequest(
        layout=o.name("layout", "gift"),
        size=o.size("size"),
        title=o.text("title", MAX_TITLE),
        for_name=o.text("for", MAX_TEXT),
        from_name=o.text("from", MAX_TEXT),
        message=o.text("message", MAX_TEXT),
        impose=impose,
        sheet=o.choice("sheet", SHEETS),
        creep=o.length("creep", MAX_CREEP, "5mm"),
        crop_marks=o.flag("crop_marks"),
        bleed=o.length("bleed", MAX_BLEED, "0.5in"),
        fit_sheet=o.flag("fit_sheet"),
        paper_thickness=o.length("paper_thickness", MAX_CALIPER, "0.5mm"),
        colour=o.choice("colour", COLOURS) or "rgb",
        personal=personal(o),
    )
    if request.creep > 0 and request.paper_thickness > 0:
        raise OptionError(
            "paper_thickness",
            "cannot be given with creep: both set how far pages move toward the fold. Give "
            "the paper's thickness or the creep, not both.",
        )
    if impose is None:
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
    return request
