"""Errors a user can act on.

Every problem caused by input (a data file, a layout, an option) is a `BookletError`; the CLI
prints it as one line and exits 2. Anything else is a bug and exits 1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with one place in one file."""

    message: str
    file: Path | str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = display_path(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


def display_path(path: Path | str) -> str:
    """Show a path relative to the working folder when it lies inside it, as people typed it."""
    p = Path(path)
    try:  # absolute, not resolved: a link is shown as the name the user gave it
        return str(Path(os.path.abspath(p)).relative_to(os.path.abspath(Path.cwd())))
    except (ValueError, OSError):
        return str(p)


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown(value: object, limit: int = 40) -> str:
    """A value the user gave, short enough to quote in a one-line message: control characters
    (a line break at the end of a name) are written as escapes, so the message stays one line
    and says what is really there."""
    text = str(value)
    cut = len(text) > 4 * limit  # never escape more than could be shown
    text = _CONTROL_CHARACTERS.sub(lambda m: repr(m.group())[1:-1], text[: 4 * limit])
    return text if not cut and len(text) <= limit else text[: limit - 1] + "…"


class BookletError(Exception):
    """A problem with the user's input; the message says where and how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = Problem(message, file, line, field)
        super().__init__(str(self.problem))


class ValidationError(BookletError):
    """Several problems found in one pass, reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        text = "\n".join(str(p) for p in self.problems)
        Exception.__init__(self, text)
        self.problem = self.problems[0]

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class FitError(BookletError):
    """Content that cannot be made to fit the page at a legible size."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: finish what runs, record it, leave nothing half-done."""


# --- errors as data, for answers that cross a process boundary (booklet.base.jail) ------------

_WIRE_TYPES: dict[str, type[BookletError]] = {}
_WIRE_ATTRS = ("option", "reason", "chars")  # what a subclass may carry beside its problems


def wire_type(cls: type[BookletError]) -> type[BookletError]:
    """Register an error class so that it is raised as itself after crossing the jail."""
    _WIRE_TYPES[cls.__name__] = cls
    return cls


def to_wire(exc: BookletError) -> dict[str, object]:
    """An error as plain data: its class's name, its problems and its simple attributes."""
    problems = exc.problems if isinstance(exc, ValidationError) else [exc.problem]
    return {
        "type": type(exc).__name__,
        "problems": [
            [p.message, None if p.file is None else str(p.file), p.line, p.field] for p in problems
        ],
        "attrs": {
            k: getattr(exc, k) for k in _WIRE_ATTRS if isinstance(getattr(exc, k, None), str)
        },
    }


def printable(text: str) -> str:
    """`text` with its control characters (escape sequences, carriage returns, bells: category
    Cc) written out as \\x1b and the like, so text that came from a render cannot move the
    cursor, retitle the terminal or write to its clipboard (found by attack). Every other
    character stays, the bidi isolates right-to-left messages use among them."""
    if text.isprintable():
        return text
    import unicodedata

    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in text)


def from_wire(data: object) -> BookletError:
    """The error `to_wire` described, as an instance of its own class where that is known.
    What it says is printable (it came from a render)."""
    if not isinstance(data, dict):
        return BookletError("the render failed with an error booklet cannot read.")
    problems = []
    for item in data.get("problems") or []:
        if isinstance(item, list) and len(item) == 4 and isinstance(item[0], str):
            message, file, line, field = item
            problems.append(
                Problem(
                    printable(message),
                    printable(file) if isinstance(file, str) else None,
                    line if isinstance(line, int) else None,
                    printable(field) if isinstance(field, str) else None,
                )
            )
    if not problems:
        problems = [Problem("the render failed with an error booklet cannot read.")]
    cls = _WIRE_TYPES.get(str(data.get("type")), BookletError)
    if issubclass(cls, ValidationError) or len(problems) > 1:
        return ValidationError(problems)
    exc = cls.__new__(cls)
    Exception.__init__(exc, str(problems[0]))
    exc.problem = problems[0]
    attrs = data.get("attrs")
    if isinstance(attrs, dict):
        for key in _WIRE_ATTRS:
            if isinstance(attrs.get(key), str):
                setattr(exc, key, printable(attrs[key]))
    return exc


for _cls in (BookletError, ValidationError, FitError):
    wire_type(_cls)
