"""The `booklet` command: parse options, call one library function, turn our errors into messages.

Heavy modules (ReportLab, Jinja2, YAML) are imported inside the commands that need them, so
`booklet --help` and the listing commands start fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from booklet import __version__
from booklet.errors import BookletError

if TYPE_CHECKING:
    from booklet.library import Library


class UserError(click.ClickException):
    """Our own error, shown as a message with exit code 2 (bad input), never a traceback."""

    exit_code = 2


class InternalError(click.ClickException):
    exit_code = 1


class BookletGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BookletError as exc:
            raise UserError(str(exc)) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
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
    _library: Library | None = None

    def library(self) -> Library:
        if self._library is None:
            from booklet.library import load_library

            self._library = load_library(self.library_roots)
        return self._library


pass_state = click.make_pass_decorator(State)


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
@click.pass_context
def cli(ctx: click.Context, libraries: tuple[Path, ...], debug: bool) -> None:
    """Print-ready back-massage routine cards and gift booklets.

    \b
    Example:
      booklet card                      # the classic routine on a 4x6 in card
      booklet techniques                # what the library holds
    """
    ctx.obj = State(list(libraries), debug)


def main() -> None:
    cli(prog_name="booklet")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


# --- listing ---------------------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def techniques(state: State, as_json: bool) -> None:
    """List the techniques in the library.

    \b
    Example:
      booklet techniques --json
    """
    from booklet.model import format_minutes

    lib = state.library()
    items = [lib.techniques[k] for k in sorted(lib.techniques)]
    if as_json:
        echo_json(
            [
                {
                    "id": t.id,
                    "name": t.name,
                    "kind": t.kind,
                    "pressure": t.pressure,
                    "minutes": t.minutes,
                    "origin": t.origin,
                }
                for t in items
            ]
        )
        return
    rows = [[t.id, t.name, t.kind, t.pressure, format_minutes(t.minutes), t.origin] for t in items]
    click.echo(table(rows, ["id", "name", "kind", "pressure", "min", "origin"]))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def routines(state: State, as_json: bool) -> None:
    """List the routines in the library, with their total time.

    \b
    Example:
      booklet routines
    """
    from booklet.model import format_minutes, plan_routine

    lib = state.library()
    plans = [
        (lib.routines[k], plan_routine(lib.routines[k], lib.techniques))
        for k in sorted(lib.routines)
    ]
    if as_json:
        echo_json(
            [
                {
                    "id": r.id,
                    "title": r.title,
                    "steps": [s.technique.id for s in p.steps],
                    "total_minutes": p.total_minutes,
                    "origin": r.origin,
                }
                for r, p in plans
            ]
        )
        return
    rows = [
        [r.id, r.title, str(len(p.steps)), format_minutes(p.total_minutes), r.origin]
        for r, p in plans
    ]
    click.echo(table(rows, ["id", "title", "steps", "min", "origin"]))


@cli.command()
@click.argument("ident", metavar="ID")
@pass_state
def show(state: State, ident: str) -> None:
    """Show one technique or routine in full.

    \b
    Example:
      booklet show fan-stroke
    """
    from booklet import describe

    lib = state.library()
    if ident in lib.techniques:
        click.echo(describe.technique(lib.techniques[ident]))
    elif ident in lib.routines:
        click.echo(describe.routine(lib.plan(ident), lib.routines[ident]))
    else:
        from booklet.validate import did_you_mean

        known = sorted(lib.techniques) + sorted(lib.routines)
        raise BookletError(
            f"no technique or routine '{ident}'.{did_you_mean(ident, known)} "
            "See `booklet techniques` and `booklet routines`."
        )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_state
def validate(state: State, paths: tuple[Path, ...]) -> None:
    """Check technique, routine, layout and setting files; report every problem at once.

    PATHS are files or folders (a library folder, its techniques/ or layouts/, or single
    files). Exits 0 when everything is valid, 2 otherwise.

    \b
    Example:
      booklet validate techniques/ mylib/
    """
    from booklet.checks import check_paths

    count = check_paths(list(paths), state.library_roots)
    click.echo(f"OK: {count} file(s) valid.")
