"""The typed requests the renderers take: a card's, a booklet's, and a handout's people.

They are made from options by the options catalogue (booklet.products.options), the one place
that knows how each option is read; an OptionError names the option by its key and each door
says it the way its user wrote it. Nothing here names a command-line flag.
"""

from __future__ import annotations

from typing import NamedTuple

from booklet.base.errors import BookletError, wire_type


@wire_type
class OptionError(BookletError):
    """A bad option value. `option` is its key; `reason` says what is wrong and what to do."""

    def __init__(self, option: str, reason: str) -> None:
        self.option = option
        self.reason = reason
        super().__init__(reason, field=option)


@wire_type
class UnprintableError(OptionError):
    """Characters in an option's text that no face can print; `chars` are they, for a door
    that says it in its own words."""

    def __init__(self, option: str, chars: str) -> None:
        self.chars = chars
        it = "it" if len(chars) == 1 else "them"
        super().__init__(option, f"{' '.join(visible(c) for c in chars)} cannot be printed; "
                         f"please remove {it}.")  # fmt: skip


def visible(char: str) -> str:
    """A character as a message shows it: itself, or its code when it shows as nothing."""
    import unicodedata

    return char if unicodedata.category(char)[0] in "LNPS" else f"U+{ord(char):04X}"


def gift_fields(request: CardRequest | BookRequest) -> dict[str, str]:
    """Who a card or booklet is for and from, and a message: plain text for snippets."""
    return {
        "for": request.for_name or "",
        "from": request.from_name or "",
        "message": request.message or "",
    }


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
    pdfx: bool = False  # PDF/X-4 (CMYK too)
    back: str = "diagrams"
    for_name: str | None = None  # who the card is for: on its front
    from_name: str | None = None
    message: str | None = None
    personal: Personal = Personal()
    extras: tuple[tuple[str, str], ...] = ()  # options that only snippets read (catalogue)


class BookRequest(NamedTuple):
    layout: str = "gift"
    size: str | None = None
    title: str | None = None
    for_name: str | None = None
    from_name: str | None = None
    message: str | None = None
    impose: str | None = None
    binding: str | None = None  # left or right; None: the language's direction decides
    sheet: str | None = None
    creep: float = 0.0
    crop_marks: bool = False
    bleed: float = 0.0
    fit_sheet: bool = False
    paper_thickness: float = 0.0
    colour: str = "rgb"
    pdfx: bool = False  # PDF/X-4 (CMYK too)
    personal: Personal = Personal()
    extras: tuple[tuple[str, str], ...] = ()  # options that only snippets read (catalogue)
