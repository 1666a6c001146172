"""Commands that start a library: init and new."""

from __future__ import annotations

from pathlib import Path

import click

from booklet.base.errors import BookletError
from booklet.cli.app import State, cli, pass_state

# --- starting a library ----------------------------------------------------------------------


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@pass_state
def init(state: State, folder: Path) -> None:
    """Start your own library: an example technique, routine and layout, all commented.

    With --lang (any language booklet prints in: see `booklet languages`) the examples and
    their comments are in that language, and the technique and routine say so (`lang:`).
    Nothing is overwritten: if any file already exists, nothing is written.

    \b
    Examples:
      booklet init mylib
      booklet init mylib --lang es
    """
    from booklet.cli.starter import EXAMPLE_LAYOUT, EXAMPLE_TECHNIQUE, init_library

    for path in init_library(folder, state.lang):
        state.say(f"created {path}")
    lang = f" --lang {state.lang}" if state.lang and state.lang != "en" else ""
    state.say("\nNext:")
    state.say(f"  booklet validate {folder}")
    state.say(
        f"  booklet --library {folder}{lang} card -t {EXAMPLE_TECHNIQUE} -o my-card.pdf --png"
    )
    state.say(f"  booklet --library {folder}{lang} card my-routine --layout {EXAMPLE_LAYOUT}")


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
    """Add a commented technique or routine file to a library, ready to edit (in the
    language --lang names, when the starter files are written in it).

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
    path = new_file(kind, ident, root, state.lang)
    state.say(f"created {path}")
    state.say(f"Fill it in, then check it with: booklet validate {root}")
