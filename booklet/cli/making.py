"""Commands that make PDFs: card, book, diagram, calibrate, and example files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from booklet.base.errors import BookletError
from booklet.cli.app import (
    State,
    cli,
    complete_layouts,
    complete_routines,
    complete_techniques,
    current_state,
    pass_state,
)
from booklet.cli.outputs import (
    LENGTH,
    check_output,
    make_request,
    named_output,
    render_in_jail,
    require_stdout,
    size_option,
    to_stdout,
    write_outputs,
    write_stdout,
)
from booklet.products.requests import SHEETS

if TYPE_CHECKING:
    pass


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


def pdf_output_option(example: str) -> Any:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="PDF to write (- for standard output). Default: named after what it holds, e.g. "
        f"{example}.",
    )


PERSONAL_FLAGS = (
    ("--client", "NAME", "Who the handout is for (a therapist's client)."),
    ("--therapist", "NAME", "Who gives it: your name and title, e.g. 'Ana Ruiz, LMT'."),
    ("--contact", "TEXT", "How to reach you: phone, email or address, on one line."),
    ("--logo", "FILE", "Your practice's logo, a PNG or JPEG file."),
    ("--date", "YYYY-MM-DD", "A date to print, e.g. the session's (printed as 24 Nov 2026)."),
    ("--note", "TEXT", "A line for this client, e.g. 'Go gently on the left shoulder.'"),
    ("--link", "URL", "A web address (https://...) printed as a QR code, e.g. to a video."),
    ("--max-pressure", "LEVEL", "Cap every step's pressure: light, gentle, moderate or firm."),
    ("--minutes", "N", "Scale the steps' minutes to this total."),
)
PERSONAL_KEYS = tuple(flag[2:].replace("-", "_") for flag, _, _ in PERSONAL_FLAGS)


def personal_options(command: Any) -> Any:
    """A therapist's handout: the same options on card and book, and keys in a batch."""
    for flag, metavar, text in reversed(PERSONAL_FLAGS):
        command = click.option(flag, metavar=metavar, help=text)(command)
    return command


def personal_values(values: dict[str, Any]) -> dict[str, Any]:
    return {key: values.pop(key) for key in PERSONAL_KEYS}


colour_option = click.option(
    "--colour",
    metavar="rgb|cmyk",
    help="cmyk for a press: every colour in CMYK, black text on the black plate alone, marks "
    "in registration colour. Default: rgb.",
)
png_option = click.option(
    "--png", is_flag=True, help="Also write a PNG preview of each page beside the PDF."
)


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
    state.library().technique(ident)  # an unknown id is said before anything starts
    check_output(out)
    made = render_in_jail(
        state, "diagram", None, (), DiagramRequest(ident, suffix, size, grayscale), png=False
    )
    if to_stdout(out):
        write_outputs(out, made.data, png=False)
        return
    from booklet.base.files import write_atomic

    write_atomic(out, made.data)
    current_state().say(str(out))


@cli.command()
@what_to_print
@click.option(
    "--layout",
    default="bedside",
    show_default=True,
    shell_complete=complete_layouts,
    help="Layout name; see `booklet layouts`.",
)
@size_option("the layout's size (bedside: 5x7)")
@click.option("--title", help="Card title. Default: the routine's title.")
@click.option("--landscape", is_flag=True, help="Turn the page sideways.")
@click.option(
    "--sides",
    metavar="1|2",
    help="1 = front only; 2 = front and back. Default: the layout's.",
)
@click.option(
    "--bleed",
    metavar="LENGTH",
    help="Extend backgrounds past the trim by this much, up to 0.5in (e.g. 0.125in, 3mm). "
    "Default: none.",
)
@click.option("--crop-marks", is_flag=True, help="Draw crop marks outside the trim (and bleed).")
@click.option(
    "--sheet",
    type=click.Choice(SHEETS, case_sensitive=False),
    help="Tile as many cards as fit on this paper, with cut marks.",
)
@click.option(
    "--flip",
    type=click.Choice(["long", "short"]),
    default="long",
    show_default=True,
    help="Duplex flip edge: where backs go on the back sheet.",
)
@click.option(
    "--back-offset",
    metavar="X,Y",
    help="Shift the back sheet by X,Y to correct duplex misalignment, e.g. 1mm,-0.5mm "
    "(measure it with `booklet calibrate`). Default: none.",
)
@colour_option
@click.option(
    "--back",
    metavar="diagrams|log",
    help="What the back holds: the diagrams (default) or a practice log to tick, with the "
    "safety set either way.",
)
@personal_options
@png_option
@pdf_output_option("classic-bedside-5x7.pdf")
@pass_state
def card(
    state: State,
    routine: str | None,
    techniques: tuple[str, ...],
    layout: str,
    size: str | None,
    title: str | None,
    landscape: bool,
    sides: str | None,
    bleed: str | None,
    crop_marks: bool,
    sheet: str | None,
    flip: str,
    back_offset: str | None,
    colour: str | None,
    back: str | None,
    png: bool,
    output: Path | None,
    **personal: str | None,
) -> None:
    """Render a routine card: the classic routine on a 5x7 in bedside card by default.

    \b
    Examples:
      booklet card                                  # classic routine, 5x7 in, two sides
      booklet card gentle --size a6 --bleed 3mm --crop-marks
      booklet card -t fan-stroke -t raking --layout compact
      booklet card --sheet letter --flip long -o sheet.pdf
      booklet card gentle --title "Sam's evening routine"
      booklet card --client "Maria Lopez" --therapist "Ana Ruiz, LMT" --logo logo.png \\
                   --link https://example.org/routine --back log
    """
    from booklet.products.requests import card_request

    options = {
        "layout": layout,
        "size": size,
        "title": title,
        "landscape": landscape,
        "sides": sides,
        "bleed": bleed,
        "crop_marks": crop_marks,
        "sheet": sheet,
        "flip": flip,
        "back_offset": back_offset,
        "colour": colour,
        "back": back,
        **personal_values(personal),
    }
    req = make_request(card_request, options)
    lib = state.library()
    plan = lib.plan(routine, techniques)
    extras = ["landscape"] * req.landscape + ([f"on-{req.sheet}"] if req.sheet else [])
    out = output or named_output(lib, plan.id, techniques, req.layout, req.size, extras)
    check_output(out, png)
    made = render_in_jail(state, "card", routine, techniques, req, png)
    write_outputs(out, made.data, png, made.previews)


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
    type=click.Choice(["long", "short"]),
    default="long",
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
def calibrate(sheet: str, flip: str, output: Path) -> None:
    """Write a duplex alignment test page, to measure --back-offset for your printer.

    \b
    Example:
      booklet calibrate --sheet a4 --flip long -o test.pdf
    """
    from booklet.press.sheets import calibration_pdf

    check_output(output)
    write_outputs(output, calibration_pdf(sheet.lower(), flip), png=False)


@cli.command()
@what_to_print
@click.option(
    "--layout",
    default="gift",
    show_default=True,
    shell_complete=complete_layouts,
    help="Booklet layout name; see `booklet layouts`.",
)
@size_option("the layout's size (gift: a5)")
@click.option("--title", help="Cover title. Default: the routine's title.")
@click.option("--for", "for_name", metavar="NAME", help="Who the booklet is for.")
@click.option("--from", "from_name", metavar="NAME", help="Who gives it.")
@click.option("--message", help="A dedication message for the first inside page.")
@click.option(
    "--impose",
    type=click.Choice(["saddle"]),
    help="Arrange pages two-up on sheets in saddle-stitch order, ready to fold.",
)
@click.option(
    "--sheet",
    type=click.Choice(SHEETS, case_sensitive=False),
    help="Paper for --impose. Pages are placed at full size; a sheet that holds two spreads "
    "gets two copies. Default: a4 for A-sizes (a3 if marks need it), letter otherwise "
    "(tabloid if marks need it).",
)
@click.option(
    "--fit-sheet",
    is_flag=True,
    help="With --impose: shrink the pages to fit a sheet too small for them at full size "
    "(the finished booklet comes out smaller).",
)
@click.option(
    "--paper-thickness",
    metavar="LENGTH",
    help="With --impose: the paper's thickness (e.g. 0.1mm for 80 gsm). Inner sheets move "
    "toward the fold by 1.3 x thickness per sheet, to make up for creep.",
)
@click.option(
    "--creep",
    metavar="LENGTH",
    help="With --impose: move the innermost pages exactly this far toward the fold "
    "(e.g. 0.8mm, up to 5mm), less for outer sheets. Instead of --paper-thickness.",
)
@click.option(
    "--bleed",
    metavar="LENGTH",
    help="Run backgrounds this far past the trim (e.g. 3mm, up to 0.5in), with TrimBox and "
    "BleedBox on every page. Default: none.",
)
@click.option(
    "--crop-marks",
    is_flag=True,
    help="Crop marks outside the trim and bleed: around each page, or each spread with --impose.",
)
@colour_option
@personal_options
@png_option
@pdf_output_option("classic-gift-a5.pdf")
@pass_state
def book(
    state: State,
    routine: str | None,
    techniques: tuple[str, ...],
    layout: str,
    size: str | None,
    title: str | None,
    for_name: str | None,
    from_name: str | None,
    message: str | None,
    impose: str | None,
    sheet: str | None,
    fit_sheet: bool,
    paper_thickness: str | None,
    creep: str | None,
    bleed: str | None,
    crop_marks: bool,
    colour: str | None,
    png: bool,
    output: Path | None,
    **personal: str | None,
) -> None:
    """Render the gift booklet: cover, contents, a page per technique, notes, back cover.

    \b
    Examples:
      booklet book --for Sam --from Alex --message "For Sunday evenings."
      booklet book gentle --size half-letter --impose saddle --sheet letter -o fold.pdf
      booklet book --bleed 3mm --crop-marks              # single pages for a print shop
      booklet book --impose saddle --paper-thickness 0.1mm --crop-marks
    """
    from booklet.products.requests import book_request

    options = {
        "layout": layout,
        "size": size,
        "title": title,
        "for": for_name,
        "from": from_name,
        "message": message,
        "impose": impose,
        "sheet": sheet,
        "fit_sheet": fit_sheet,
        "paper_thickness": paper_thickness,
        "creep": creep,
        "bleed": bleed,
        "crop_marks": crop_marks,
        "colour": colour,
        **personal_values(personal),
    }
    req = make_request(book_request, options)
    lib = state.library()
    plan = lib.plan(routine, techniques)
    extras = [f"saddle-{req.sheet}" if req.sheet else "saddle"] if req.impose else []
    out = output or named_output(lib, plan.id, techniques, req.layout, req.size, extras)
    check_output(out, png)
    made = render_in_jail(state, "book", routine, techniques, req, png)
    for note in made.notes:
        click.echo(f"Note: {note}", err=True)
    write_outputs(out, made.data, png, made.previews)


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
