"""Commands that start a library: init and new."""

from __future__ import annotations

from pathlib import Path

import click

from booklet.base.errors import BookletError
from booklet.cli.app import State, cli, pass_state

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
@click.option(
    "--override",
    is_flag=True,
    help="Allow an id that a built-in technique or routine already has; yours then replaces "
    "it everywhere this library is used.",
)
@pass_state
def new(state: State, kind: str, ident: str, root: Path, override: bool) -> None:
    """Add a commented technique or routine file to a library, ready to edit.

    \b
    Examples:
      booklet new technique shoulder-squeeze --in mylib
      booklet new routine sunday --in mylib
    """
    from booklet.cli.starter import new_file
    from booklet.data.library import load_library

    builtin = load_library([])
    existing = builtin.techniques if kind == "technique" else builtin.routines
    if ident in existing and not override:
        raise BookletError(
            f"'{ident}' is a built-in {kind}; a new file with that id would replace it in every "
            f"card made with this library. Choose another id, or add --override to replace it "
            "on purpose."
        )
    path = new_file(kind, ident, root)
    click.echo(f"created {path}")
    click.echo(f"Edit it, then check it with: booklet validate {root}")
