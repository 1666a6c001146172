"""Where a command's PDF goes, and how its options become a request: shared by the commands
that make things."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from booklet.base.errors import BookletError
from booklet.cli.app import (
    State,
    current_state,
)

if TYPE_CHECKING:
    from booklet.products.jailed import Render, Rendered

    # click's ParamType is generic (the value it makes, the input it takes) in the click this
    # is checked with, and a plain class in older ones that booklet still runs on: it is
    # subscripted for mypy only.
    _ParamType = click.ParamType[float, Any]
else:
    _ParamType = click.ParamType


class LengthType(_ParamType):
    """A length with a unit (`2in`, `60mm`, `9pt`), converted to points."""

    name = "length"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        from booklet.base.units import parse_length

        try:
            return parse_length(value)
        except BookletError as exc:
            self.fail(str(exc), param, ctx)


LENGTH = LengthType()


def to_stdout(out: Path | None) -> bool:
    """`-o -` means standard output, as in click and most command-line tools."""
    return out is not None and str(out) == "-"


def check_output(out: Path, png: bool = False) -> None:
    """Before any work: can the output be written where the user asked?"""
    if to_stdout(out):
        if png:
            raise BookletError("--png needs a file name with -o, not - (standard output).")
        require_stdout()
        if sys.stdout.buffer.isatty():
            raise BookletError(
                "-o - would write a PDF onto the terminal. Redirect it (> card.pdf) or pipe it."
            )
        return
    from booklet.base.files import check_target

    check_target(out)


def render_for(
    state: State,
    kind: str,
    routine: str | None,
    techniques: tuple[str, ...],
    request: Any,
    png: bool,
) -> Render:
    """What to make in the jail (booklet.products.jailed), from the command line's libraries
    and language, with PNG previews of its pages when asked for. The render's child, if it
    was started early, is handed a copy of the library this process has loaded."""
    from booklet.products.jailed import Render, get_ready

    job = Render(
        kind,
        tuple(str(r) for r in state.library_roots),
        state.lang,
        routine,
        tuple(techniques),
        request,
        previews=PREVIEW_DPI if png else 0.0,
    )
    get_ready(job, state.library())
    return job


def made_in_jail(state: State, job: Render) -> Rendered:
    """The render made in the jail, with the library this process has loaded."""
    from booklet.products.jailed import make

    return make(job, state.library())


PREVIEW_DPI = 150


def write_outputs(
    out: Path, pdf: bytes, png: bool, previews: tuple[bytes, ...] | None = None
) -> None:
    """Write the PDF (and its PNG previews) atomically and say where they went; `-` sends the
    PDF to standard output instead, and nothing else goes there."""
    from booklet.base.files import write_atomic
    from booklet.press.pdf import page_count

    if to_stdout(out):
        check_output(out, png)
        write_stdout(pdf)
        return
    write_atomic(out, pdf)
    state = current_state()
    state.say(str(out))
    pages = page_count(pdf)
    state.detail(f"{out}: {pages} page(s), {len(pdf) / 1024:.1f} KB, in {state.elapsed():.2f} s")
    if png:
        from booklet.press.preview import write_previews

        for path in write_previews(pdf, out, PREVIEW_DPI, previews):
            state.say(str(path))


def stdout_is_writable() -> bool:
    """Is there a standard output to write to? None when booklet was started with it closed
    (`>&-`); open only for reading (`1</dev/null`) fails every write. An in-memory stream (a
    test's) has no descriptor to ask, and is writable."""
    import os

    stream = sys.stdout
    if stream is None:
        return False
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return True
    try:
        import fcntl
    except ImportError:  # Windows: a write will tell
        return True
    try:
        mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    except OSError:
        return False
    return mode in (os.O_WRONLY, os.O_RDWR)


def require_stdout() -> None:
    """`-o -` with no standard output to write to: said before any work is done."""
    if not stdout_is_writable():
        raise BookletError(
            "-o - writes to standard output, but standard output is closed or open only for "
            "reading. Give a file name with -o, or redirect it (> FILE)."
        )


def write_stdout(data: bytes) -> None:
    """The PDF on standard output. A full disk or a closed descriptor is said in one line
    (booklet.cli.app turns the OSError into it); a reader that has gone ends quietly."""
    stream = sys.stdout.buffer
    stream.write(data)
    stream.flush()
