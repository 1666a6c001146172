"""The `booklet` command: parse options, call one library function, turn our errors into messages.

Heavy modules (ReportLab, Jinja2, YAML) are imported inside the commands that need them, so
`booklet --help` and the listing commands start fast.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from booklet import __version__
from booklet.base.errors import BookletError, Terminated

if TYPE_CHECKING:
    from booklet.data.library import Library


class UserError(click.ClickException):
    """Our own error, shown as a message with exit code 2 (bad input), never a traceback."""

    exit_code = 2


class InternalError(click.ClickException):
    exit_code = 1


GLOBAL_FLAGS = ("--debug", "-q", "--quiet", "-v", "--verbose")
GLOBAL_WITH_VALUE = ("--library",)


class BookletGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Global options are accepted after the command too (`booklet card --library x`):
        they are moved in front of it before click parses."""
        before: list[str] = []
        moved: list[str] = []
        after: list[str] = []
        command_seen = False
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                (after if command_seen else before).extend(args[i:])
                break
            if arg in GLOBAL_WITH_VALUE and i + 1 < len(args):
                (moved if command_seen else before).extend(args[i : i + 2])
                i += 2
                continue
            if command_seen and (arg in GLOBAL_FLAGS or arg.startswith("--library=")):
                moved.append(arg)
            elif command_seen:
                after.append(arg)
            else:
                before.append(arg)
                command_seen = arg in self.commands
            i += 1
        if command_seen and moved:
            command = before.pop()
            args = [*before, *moved, command, *after]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BookletError as exc:
            raise UserError(str(exc)) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Terminated:
            click.echo("Stopped (SIGTERM).", err=True)
            raise click.exceptions.Exit(143) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            # `booklet techniques | head`: the reader has gone; stop quietly, as a shell
            # command killed by SIGPIPE would (no message, exit 141).
            import os
            import sys

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(141) from None
        except Exception as exc:
            state = ctx.find_object(State)
            if state is not None and state.debug:
                raise
            raise InternalError(
                f"internal error: {type(exc).__name__}: {exc}. This is a bug in booklet; "
                "run again with --debug for the details and report it."
            ) from None


@dataclass
class State:
    library_roots: list[Path] = field(default_factory=list)
    debug: bool = False
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    _library: Library | None = None

    started: float = field(default_factory=lambda: __import__("time").perf_counter())

    def elapsed(self) -> float:
        import time

        return time.perf_counter() - self.started

    def say(self, message: str) -> None:
        """A result (what was written) on standard output, unless -q."""
        if self.verbosity >= 0:
            click.echo(message)

    def detail(self, message: str) -> None:
        """More about what happened, on standard error, with -v."""
        if self.verbosity > 0:
            click.echo(message, err=True)

    def library(self) -> Library:
        if self._library is None:
            from booklet.data.library import load_library

            self._library = load_library(self.library_roots)
        return self._library


pass_state = click.make_pass_decorator(State)


# --- completion: names from the libraries the command line names -----------------------------


def _completion_library(ctx: click.Context) -> Library | None:
    from booklet.data.library import library_paths_from_env, load_library

    roots = list(ctx.find_root().params.get("libraries") or ()) or library_paths_from_env()
    try:
        return load_library([Path(r) for r in roots])
    except BookletError:
        return None


def _complete(names: Any) -> Any:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        library = _completion_library(ctx)
        if library is None:
            return []
        return sorted(n for n in names(library) if n.startswith(incomplete))

    return complete


complete_routines = _complete(lambda lib: lib.routines)
complete_techniques = _complete(lambda lib: lib.techniques)
complete_layouts = _complete(lambda lib: lib.layouts)
complete_ids = _complete(lambda lib: [*lib.techniques, *lib.routines])


def complete_sizes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from booklet.base.units import NAMED_SIZES

    return [n for n in NAMED_SIZES if n.startswith(incomplete.lower())]


def current_state() -> State:
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(State) if ctx is not None else None
    return state if state is not None else State()


@click.group(
    cls=BookletGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="booklet")
@click.option(
    "--library",
    "libraries",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BOOKLET_LIBRARY",
    metavar="DIR",
    help="A user library folder stacked over the built-in one (repeatable; later wins by id). "
    "Also read from BOOKLET_LIBRARY, folders separated by the path separator.",
)
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Also say what was made: pages, size, time.")
@click.pass_context
def cli(
    ctx: click.Context, libraries: tuple[Path, ...], debug: bool, quiet: bool, verbose: bool
) -> None:
    """Print-ready back-massage routine cards and gift booklets.

    \b
    Example:
      booklet card                      # the classic routine on a 4x6 in card
      booklet techniques                # what the library holds
    """
    if quiet and verbose:
        raise click.UsageError("give -q or -v, not both.")
    ctx.obj = State(list(libraries), debug, -1 if quiet else 1 if verbose else 0)


def main() -> None:
    # A card or booklet is one short-lived process that makes few reference cycles: the cyclic
    # garbage collector only costs it time (about a tenth of a card process). Long-running
    # work turns it back on (see booklet.batch.runner).
    import gc

    gc.disable()
    cli(prog_name="booklet")


def echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


# --- listing ---------------------------------------------------------------------------------


def listing(rows: list[dict[str, Any]], as_json: bool, shown: dict[str, tuple]) -> None:
    """Rows as JSON, or as a table; `shown` renames a column and formats its values."""
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("(none)")
        return
    headers = [shown.get(k, (k,))[0] for k in rows[0]]
    cells = [
        [str(shown[k][1](v)) if k in shown else str(v) for k, v in row.items()] for row in rows
    ]
    click.echo(table(cells, headers))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def techniques(state: State, as_json: bool) -> None:
    """List the techniques in the library.

    \b
    Example:
      booklet techniques --json
    """
    from booklet.data.model import format_minutes

    lib = state.library()
    rows = [
        {
            "id": t.id,
            "name": t.name,
            "kind": t.kind,
            "pressure": t.pressure,
            "minutes": t.minutes,
            "origin": t.origin,
        }
        for t in (lib.techniques[k] for k in sorted(lib.techniques))
    ]
    listing(rows, as_json, {"minutes": ("min", format_minutes)})


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def routines(state: State, as_json: bool) -> None:
    """List the routines in the library, with their total time.

    \b
    Example:
      booklet routines
    """
    from booklet.data.model import format_minutes, plan_routine

    lib = state.library()
    rows = []
    for ident in sorted(lib.routines):
        routine = lib.routines[ident]
        plan = plan_routine(routine, lib.techniques)
        rows.append(
            {
                "id": routine.id,
                "title": routine.title,
                "steps": [s.technique.id for s in plan.steps],
                "total_minutes": plan.total_minutes,
                "origin": routine.origin,
            }
        )
    listing(rows, as_json, {"steps": ("steps", len), "total_minutes": ("min", format_minutes)})


@cli.command()
@click.argument("ident", metavar="ID", shell_complete=complete_ids)
@pass_state
def show(state: State, ident: str) -> None:
    """Show one technique or routine in full.

    \b
    Example:
      booklet show fan-stroke
    """
    from booklet.cli import describe

    lib = state.library()
    if ident in lib.techniques:
        click.echo(describe.technique(lib.techniques[ident]))
    elif ident in lib.routines:
        click.echo(describe.routine(lib.plan(ident), lib.routines[ident]))
    else:
        from booklet.data.schema import did_you_mean

        known = sorted(lib.techniques) + sorted(lib.routines)
        raise BookletError(
            f"no technique or routine '{ident}'.{did_you_mean(ident, known)} "
            "See `booklet techniques` and `booklet routines`."
        )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_state
def validate(state: State, paths: tuple[Path, ...]) -> None:
    """Check technique, routine, layout, setting and batch files; report every problem at once.

    PATHS are files or folders (a library folder, its techniques/ or layouts/, single files,
    or a batch file, whose every variant is checked as `booklet batch` would build it). Exits 0
    when everything is valid, 2 otherwise.

    \b
    Example:
      booklet validate techniques/ mylib/
    """
    from booklet.batch.runner import check_batch_file
    from booklet.products.check import check_paths

    count = check_paths(list(paths), state.library_roots, check_batch=check_batch_file)
    state.say(f"OK: {count} file(s) valid.")


# --- pictures and print ----------------------------------------------------------------------


class LengthType(click.ParamType):
    """A length with a unit (`2in`, `60mm`, `9pt`), converted to points."""

    name = "length"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, float):
            return value
        from booklet.base.units import parse_length

        try:
            return parse_length(value)
        except BookletError as exc:
            self.fail(str(exc), param, ctx)


LENGTH = LengthType()


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
    from booklet.products.diagram import write_diagram

    if not 36 <= size <= 20 * 72:
        raise BookletError("--size must be between 0.5in and 20in.")
    technique = state.library().technique(ident)
    if output is not None and to_stdout(output):
        from booklet.products.diagram import diagram_bytes

        check_output(output)
        write_outputs(output, diagram_bytes(technique, ".pdf", size, grayscale), png=False)
        return
    written = write_diagram(technique, output or Path(f"{ident}.pdf"), size, grayscale)
    current_state().say(str(written))


def to_stdout(out: Path | None) -> bool:
    """`-o -` means standard output, as in click and most command-line tools."""
    return out is not None and str(out) == "-"


def check_output(out: Path, png: bool = False) -> None:
    """Before any work: can the output be written where the user asked?"""
    if to_stdout(out):
        if png:
            raise BookletError("--png needs a file name with -o, not - (standard output).")
        if sys.stdout.buffer.isatty():
            raise BookletError(
                "-o - would write a PDF onto the terminal. Redirect it (> card.pdf) or pipe it."
            )
        return
    from booklet.base.files import check_target

    check_target(out)


def write_outputs(out: Path, pdf: bytes, png: bool) -> None:
    """Write the PDF (and its PNG previews) atomically and say where they went; `-` sends the
    PDF to standard output instead, and nothing else goes there."""
    from booklet.base.files import write_atomic

    if to_stdout(out):
        check_output(out, png)
        stream = sys.stdout.buffer
        stream.write(pdf)
        stream.flush()
        return
    write_atomic(out, pdf)
    state = current_state()
    state.say(str(out))
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    state.detail(f"{out}: {pages} page(s), {len(pdf) / 1024:.1f} KB, in {state.elapsed():.2f} s")
    if png:
        from booklet.press.preview import write_previews

        for path in write_previews(pdf, out):
            state.say(str(path))


def named_output(
    lib: Library,
    routine: str,
    techniques: tuple[str, ...],
    layout: str,
    size: str | None,
    extras: list[str],
) -> Path:
    """A file name that says what the PDF holds (`classic-bedside-4x6.pdf`,
    `fan-stroke+raking-compact-3x5.pdf`), so different outputs never overwrite each other."""
    from booklet.layout.spec import load_layout

    what = "+".join(techniques) if techniques else routine
    size = size or load_layout(layout, lib).size
    name = "-".join([what, layout, size.lower().replace(" ", ""), *extras])
    return Path(re.sub(r"[^\w.+-]", "_", name)[:150] + ".pdf")


def make_request(builder: Any, options: dict[str, Any]) -> Any:
    """A request from the command line's options; a bad value is click's usage error, naming
    the option as it is typed (`--crop-marks`)."""
    from booklet.products.requests import OptionError

    try:
        return builder(options)
    except OptionError as exc:
        flag = "--" + exc.option.replace("_", "-")
        raise click.BadParameter(exc.reason, param_hint=f"'{flag}'") from None


def size_option(default_help: str):
    return click.option(
        "--size",
        metavar="SIZE",
        shell_complete=complete_sizes,
        help="Page size: 3x5, 4x6, 5x7, a7, a6, a5, half-letter, or WxH with units "
        f"(100x150mm, 4.25x5.5in). Default: {default_help}.",
    )


@cli.command()
@click.argument("routine", required=False, shell_complete=complete_routines)
@click.option(
    "-t",
    "--technique",
    "techniques",
    multiple=True,
    shell_complete=complete_techniques,
    metavar="ID",
    help="Pick techniques in this order instead of a routine (repeatable).",
)
@click.option(
    "--layout",
    default="bedside",
    show_default=True,
    shell_complete=complete_layouts,
    help="Layout name; see `booklet layouts`.",
)
@size_option("the layout's size (bedside: 4x6)")
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
    type=click.Choice(["letter", "a4"], case_sensitive=False),
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
@click.option("--png", is_flag=True, help="Also write a PNG preview of each page beside the PDF.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF to write (- for standard output). Default: named after what it holds, e.g. "
    "classic-bedside-4x6.pdf.",
)
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
    png: bool,
    output: Path | None,
) -> None:
    """Render a routine card: the classic routine on a 4x6 in bedside card by default.

    \b
    Examples:
      booklet card                                  # classic routine, 4x6 in, two sides
      booklet card gentle --size a6 --bleed 3mm --crop-marks
      booklet card -t fan-stroke -t raking --layout compact
      booklet card --sheet letter --flip long -o sheet.pdf
      booklet card gentle --title "Sam's evening routine"
    """
    from booklet.products.card import render_card
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
    }
    req = make_request(card_request, options)
    lib = state.library()
    plan = lib.plan(routine, techniques)
    extras = ["landscape"] * req.landscape + ([f"on-{req.sheet}"] if req.sheet else [])
    out = output or named_output(lib, plan.id, techniques, req.layout, req.size, extras)
    check_output(out, png)
    write_outputs(out, render_card(lib, plan, req), png)


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
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def layouts(state: State, as_json: bool) -> None:
    """List the layouts, with their sides and default size.

    \b
    Example:
      booklet layouts --json
    """
    from booklet.layout.spec import list_layouts

    lib = state.library()
    rows = [
        {
            "name": lay.name,
            "kind": lay.kind,
            "sides": lay.sides,
            "size": lay.size,
            "origin": lib.layout_origins[lay.name],
            "description": lay.description,
        }
        for lay in list_layouts(lib)
    ]
    listing(rows, as_json, {})


@cli.command()
@click.argument("routine", required=False, shell_complete=complete_routines)
@click.option(
    "-t",
    "--technique",
    "techniques",
    multiple=True,
    shell_complete=complete_techniques,
    metavar="ID",
    help="Pick techniques in this order instead of a routine (repeatable).",
)
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
    type=click.Choice(["letter", "a4"], case_sensitive=False),
    help="Paper for --impose. Default: a4 for A-sizes, letter otherwise.",
)
@click.option(
    "--creep",
    metavar="LENGTH",
    help="With --impose: move the innermost pages this far toward the fold "
    "(e.g. 0.5mm, up to 5mm), less for outer sheets, to make up for paper thickness.",
)
@click.option("--crop-marks", is_flag=True, help="With --impose: crop marks around each spread.")
@click.option("--png", is_flag=True, help="Also write a PNG preview of each page beside the PDF.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF to write (- for standard output). Default: named after what it holds, e.g. "
    "classic-gift-a5.pdf.",
)
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
    creep: str | None,
    crop_marks: bool,
    png: bool,
    output: Path | None,
) -> None:
    """Render the gift booklet: cover, contents, a page per technique, notes, back cover.

    \b
    Examples:
      booklet book --for Sam --from Alex --message "For Sunday evenings."
      booklet book gentle --size half-letter --impose saddle --sheet letter -o fold.pdf
    """
    from booklet.products.booklet import render_book
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
        "creep": creep,
        "crop_marks": crop_marks,
    }
    req = make_request(book_request, options)
    lib = state.library()
    plan = lib.plan(routine, techniques)
    extras = [f"saddle-{req.sheet}" if req.sheet else "saddle"] if req.impose else []
    out = output or named_output(lib, plan.id, techniques, req.layout, req.size, extras)
    check_output(out, png)
    write_outputs(out, render_book(lib, plan, req), png)


EXAMPLES = ("batch",)


@cli.command()
@click.argument("name", metavar="NAME", type=click.Choice(EXAMPLES))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (- for standard output). Default: NAME.yaml in this folder.",
)
def example(name: str, output: Path | None) -> None:
    """Write an example file to start from: `batch` is a batch of cards and booklets.

    \b
    Example:
      booklet example batch && booklet batch batch.yaml -o out
    """
    from booklet.base.files import read_bounded, write_atomic
    from booklet.data.library import builtin_root

    data = read_bounded(builtin_root() / "examples" / f"{name}.yaml", 256 * 1024)
    out = output or Path(f"{name}.yaml")
    if to_stdout(out):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if out.exists() or out.is_symlink():
        raise BookletError("already exists. Remove it, or give another name with -o.", file=out)
    write_atomic(out, data)
    current_state().say(str(out))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default="out",
    show_default=True,
    help="Folder for the PDFs and manifest.json.",
)
@click.option(
    "--jobs", type=click.IntRange(1, 64), help="Worker processes. Default: the machine's cores."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check every variant and list what would be built; render nothing.",
)
@click.option("--force", is_flag=True, help="Rebuild even the variants that are up to date.")
@click.option("--only", metavar="NAME", help="Only variants with this name (wildcards: * ?).")
@pass_state
def batch(
    state: State,
    file: Path,
    folder: Path,
    jobs: int | None,
    dry_run: bool,
    force: bool,
    only: str | None,
) -> None:
    """Build many cards and booklets from one batch file.

    Re-running skips variants whose inputs and output are unchanged; a failing variant is
    reported and the others still build (exit code 2 if any failed).

    \b
    Example:
      booklet batch examples/batch.yaml -o out --jobs 2
    """
    import sys

    from booklet.batch import runner as batching

    plan = batching.load_batch(file)
    roots = state.library_roots
    if dry_run:
        rows = batching.dry_run(plan, folder, roots, only, force)
        for variant, status, error in rows:
            line = f"{status:<12} {variant.output}"
            click.echo(line + (f": {error}" if error else ""))
        bad = sum(1 for _, status, _ in rows if status == "invalid")
        build = sum(1 for _, status, _ in rows if status == "would build")
        click.echo(
            f"Dry run: {build} to build, {len(rows) - build - bad} unchanged, {bad} invalid."
        )
        if bad:
            raise click.exceptions.Exit(2)
        return
    state = current_state()
    counts = {"built": 0, "skipped": 0, "failed": 0}
    bar = None
    if sys.stderr.isatty() and state.verbosity >= 0:
        bar = click.progressbar(
            length=len(batching.select(plan.variants, only)),
            label="Building",
            file=sys.stderr,
            show_pos=True,
            show_eta=True,
            item_show_func=lambda name: name,
        )
        bar.__enter__()

    def report(result, done: int, total: int) -> None:
        """Progress and failures on standard error: a bar on a terminal, else one line each."""
        counts[result.status] += 1
        if result.status == "failed":
            if bar is not None:
                click.echo("\r\x1b[K", nl=False, err=True)
            click.echo(f"failed  {result.name} ({result.output}): {result.error}", err=True)
        elif bar is None and (state.verbosity > 0 or result.status == "built"):  # noqa: SIM102
            if state.verbosity >= 0:
                plural = "page" if result.pages == 1 else "pages"
                extra = f" ({result.pages} {plural})" if result.status == "built" else ""
                click.echo(f"{result.status:<7} {result.output}{extra}", err=True)
        if bar is not None:
            bar.update(1, result.name)

    import gc

    gc.enable()  # a batch runs long: collect as usual
    try:
        results = batching.run_batch(
            plan,
            folder,
            roots,
            jobs=jobs or batching.default_jobs(),
            force=force,
            only=only,
            report=report,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if state.verbosity >= 0:
        if results and counts["built"] == 0 and counts["failed"] == 0:
            click.echo(f"Nothing to build: all {len(results)} variants are up to date.", err=True)
        else:
            click.echo(
                f"Done: {counts['built']} built, {counts['skipped']} skipped, "
                f"{counts['failed']} failed in {state.elapsed():.1f} s.",
                err=True,
            )
    state.say(str(folder / batching.MANIFEST))
    if counts["failed"]:
        raise click.exceptions.Exit(2)


# --- starting a library ----------------------------------------------------------------------


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Start your own library: an example technique, routine and layout, all commented.

    Nothing is overwritten: if any file already exists, nothing is written.

    \b
    Example:
      booklet init mylib
    """
    from booklet.cli.starter import EXAMPLE_LAYOUT, EXAMPLE_TECHNIQUE, init_library

    for path in init_library(folder):
        click.echo(f"created {path}")
    click.echo("\nNext:")
    click.echo(f"  booklet validate {folder}")
    click.echo(f"  booklet --library {folder} card -t {EXAMPLE_TECHNIQUE} -o my-card.pdf --png")
    click.echo(f"  booklet --library {folder} card my-routine --layout {EXAMPLE_LAYOUT}")


@cli.command()
@click.argument("kind", type=click.Choice(["technique", "routine"]), metavar="KIND")
@click.argument("ident", metavar="ID")
@click.option(
    "--in",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The library folder to add it to.",
)
def new(kind: str, ident: str, root: Path) -> None:
    """Add a commented technique or routine file to a library, ready to edit.

    \b
    Examples:
      booklet new technique shoulder-squeeze --in mylib
      booklet new routine sunday --in mylib
    """
    from booklet.cli.starter import new_file

    path = new_file(kind, ident, root)
    click.echo(f"created {path}")
    click.echo(f"Edit it, then check it with: booklet validate {root}")
