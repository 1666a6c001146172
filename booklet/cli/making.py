"""Commands that make PDFs: card, book, diagram, calibrate, and example files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from booklet.base.errors import BookletError
from booklet.cli.app import (
    State,
    cli,
    complete_layouts,
    complete_routines,
    complete_sizes,
    complete_techniques,
    current_state,
    pass_state,
)
from booklet.cli.outputs import (
    LENGTH,
    PREVIEW_DPI,
    check_output,
    made_in_jail,
    render_for,
    require_stdout,
    to_stdout,
    write_outputs,
    write_stdout,
)
from booklet.press.papers import FLIPS

Command = TypeVar("Command", bound=Callable[..., Any])


def what_to_print(command: Any) -> Any:
    """A routine, or techniques picked with -t: what a card or a booklet holds."""
    command = click.option(
        "-t",
        "--technique",
        "techniques",
        multiple=True,
        shell_complete=complete_techniques,
        metavar="ID",
        help="Pick techniques in this order instead of a routine (repeatable).",
    )(command)
    return click.argument("routine", required=False, shell_complete=complete_routines)(command)


def pdf_output_option(example: str) -> Callable[[Command], Command]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="PDF to write (- for standard output). Default: named after what it holds, e.g. "
        f"{example}.",
    )


def job_options(product: str) -> Callable[[Command], Command]:
    """Every option of the catalogue (booklet.products.options) the product takes, as a flag:
    declared there once, read there once, with the same limits as a batch and the page."""
    from booklet.products.options import options_for

    def decorate(command: Command) -> Command:
        for option in reversed(options_for(product)):
            if option.read == "flag":
                command = click.option(
                    option.flag, option.key, is_flag=True, default=None, help=option.help
                )(command)
            else:
                complete = {"layout": complete_layouts, "size": complete_sizes}.get(option.key)
                command = click.option(
                    option.flag,
                    option.key,
                    metavar=option.metavar or "TEXT",
                    help=option.help,
                    shell_complete=complete,
                )(command)
        return command

    return decorate


png_option = click.option(
    "--png", is_flag=True, help="Also write a PNG preview of each page beside the PDF."
)


def make_and_write(
    state: State,
    product: str,
    routine: str | None,
    techniques: tuple[str, ...],
    options: dict[str, Any],
    png: bool,
    output: Path | None,
) -> None:
    """One job from the command line's options, made in the jail and written: where -o says,
    or under the name that says what it holds."""
    from booklet.products.jobs import Job, get_ready, make

    job = Job(
        product,
        routine,
        tuple(techniques),
        state.lang,
        {k: v for k, v in options.items() if v is not None},
        tuple(str(r) for r in state.library_roots),
    )
    if output is not None:
        check_output(output, png)  # before any work
    job.request()  # a bad option is said before the library loads
    previews = PREVIEW_DPI if png else 0.0
    library = state.library()
    get_ready(job, library, previews=previews)  # the render's child takes a copy
    made = make(job, library, previews=previews)
    out = output or Path(made.name)
    if output is None:
        check_output(out, png)
    for note in made.notes:
        state.note(note)
    write_outputs(out, made.pdf, png, made.previews)


@cli.command()
@click.argument("ident", metavar="TECHNIQUE", shell_complete=complete_techniques)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write; .pdf, .png or .svg by its ending (- writes a PDF to standard "
    "output). Default: TECHNIQUE.pdf.",
)
@click.option("--size", type=LENGTH, default="3in", show_default=True, help="Diagram width.")
@click.option("--grayscale", is_flag=True, help="Draw in shades of grey, as a laser printer would.")
@pass_state
def diagram(state: State, ident: str, output: Path | None, size: float, grayscale: bool) -> None:
    """Draw one technique's back diagram as a PDF, PNG or SVG.

    \b
    Example:
      booklet diagram fan-stroke -o fan.png --size 60mm --grayscale
    """
    from booklet.products.diagram import FORMATS
    from booklet.products.jailed import DiagramRequest

    if not 36 <= size <= 20 * 72:
        raise BookletError("--size must be between 0.5in and 20in.")
    out = output or Path(f"{ident}.pdf")
    suffix = ".pdf" if to_stdout(out) else out.suffix.lower()
    if suffix not in FORMATS:
        raise BookletError(
            f"cannot tell the format from '{out.name}'. End the name in .pdf, .png or .svg.",
            file=out,
        )
    state.library().technique(ident)  # an unknown id is said before anything is written
    job = render_for(
        state, "diagram", None, (), DiagramRequest(ident, suffix, size, grayscale), png=False
    )
    check_output(out)
    made = made_in_jail(state, job)
    if to_stdout(out):
        write_outputs(out, made.data, png=False)
        return
    from booklet.base.files import write_atomic

    write_atomic(out, made.data)
    current_state().say(str(out))


@cli.command()
@what_to_print
@job_options("card")
@png_option
@pdf_output_option("classic-bedside-5x7.pdf")
@pass_state
def card(
    state: State,
    /,
    routine: str | None,
    techniques: tuple[str, ...],
    png: bool,
    output: Path | None,
    **options: Any,
) -> None:
    """Render a routine card: the classic routine on a 5x7 in bedside card by default.

    \b
    Examples:
      booklet card                                  # classic routine, 5x7 in, two sides
      booklet card gentle --size a5 --bleed 3mm --crop-marks
      booklet card -t fan-stroke -t raking --layout compact
      booklet card --sheet letter --flip long -o sheet.pdf
      booklet card gentle --title "Sam's evening routine" --lang es
      booklet card --client "Maria Lopez" --therapist "Ana Ruiz, LMT" --logo logo.png \\
                   --link https://example.org/routine --back log
    """
    make_and_write(state, "card", routine, techniques, options, png, output)


@cli.command()
@click.option(
    "--sheet",
    type=click.Choice(["letter", "a4"], case_sensitive=False),
    default="letter",
    show_default=True,
    help="Paper to test.",
)
@click.option(
    "--flip",
    type=click.Choice(FLIPS),
    default=FLIPS[0],
    show_default=True,
    help="The duplex flip edge you will print with.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default="calibrate.pdf",
    show_default=True,
    help="PDF to write (- for standard output).",
)
@pass_state
def calibrate(state: State, sheet: str, flip: str, output: Path) -> None:
    """Write a duplex alignment test page, to measure --back-offset for your printer.

    \b
    Example:
      booklet calibrate --sheet a4 --flip long -o test.pdf
    """
    from booklet.base import jail
    from booklet.press.sheets import CalibrationWords, calibration_pdf
    from booklet.products.jailed import LIMITS

    check_output(output)
    words = state.library().words  # the page in --lang's words
    page_words = CalibrationWords(
        words.text("calibrate_front"),
        words.text("calibrate_back"),
        words.text("calibrate_how", edge=words.item("edges", flip)),
        words.text("calibrate_ticks"),
    )
    pdf = jail.run(
        calibration_pdf,
        sheet.lower(),
        flip,
        page_words,
        limits=LIMITS.reading([]),  # booklet's own page: it reads nothing anyone gave it
        label="the calibration page",
    )
    write_outputs(output, pdf, png=False)


@cli.command()
@what_to_print
@job_options("book")
@png_option
@pdf_output_option("classic-gift-a5.pdf")
@pass_state
def book(
    state: State,
    /,
    routine: str | None,
    techniques: tuple[str, ...],
    png: bool,
    output: Path | None,
    **options: Any,
) -> None:
    """Render the gift booklet: cover, contents, a page per technique, notes, back cover.

    \b
    Examples:
      booklet book --for Sam --from Alex --message "For Sunday evenings."
      booklet book gentle --size half-letter --impose saddle --sheet letter -o fold.pdf
      booklet book --bleed 3mm --crop-marks              # single pages for a print shop
      booklet book --impose saddle --paper-thickness 0.1mm --crop-marks
    """
    make_and_write(state, "book", routine, techniques, options, png, output)


# Each example's files; the first is the one -o names, the others go beside it.
EXAMPLES = {"batch": ("batch.yaml",), "clients": ("clients.yaml", "clients.csv")}


@cli.command()
@click.argument("name", metavar="NAME", type=click.Choice(list(EXAMPLES)))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (- for standard output). Default: NAME.yaml in this folder.",
)
def example(name: str, output: Path | None) -> None:
    """Write an example to start from: `batch` is a batch of cards and booklets; `clients` is
    a therapist's batch, one handout per row of a spreadsheet (clients.yaml and clients.csv).

    \b
    Examples:
      booklet example batch && booklet batch batch.yaml -o out
      booklet example clients && booklet batch clients.yaml -o handouts
    """
    from booklet.base.files import read_bounded, write_atomic
    from booklet.data.library import builtin_root

    first, *others = EXAMPLES[name]
    data = read_bounded(builtin_root() / "examples" / first, 256 * 1024)
    out = output or Path(first)
    if to_stdout(out):
        if others:
            raise click.BadParameter(
                f"the {name} example is {len(others) + 1} files; write it to a folder.",
                param_hint="'-o'",
            )
        require_stdout()
        write_stdout(data)
        return
    targets = [(out, data)]
    for other in others:
        extra = read_bounded(builtin_root() / "examples" / other, 256 * 1024)
        targets.append((out.parent / other, extra))
    for path, _ in targets:  # nothing is written unless every file can be
        if path.exists() or path.is_symlink():
            raise BookletError(
                "already exists. Remove it, or give another name with -o.", file=path
            )
    for path, content in targets:
        write_atomic(path, content)
        current_state().say(str(path))
