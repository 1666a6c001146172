"""Commands that say what the libraries hold, and check them: techniques, routines, layouts,
show, validate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from booklet.base.errors import BookletError
from booklet.cli.app import (
    State,
    cli,
    complete_ids,
    echo_json,
    pass_state,
    table,
)

if TYPE_CHECKING:
    pass


# --- listing ---------------------------------------------------------------------------------


# A column shown under another name, its values formatted: (heading, format).
Shown = tuple[str, Callable[[Any], object]]


def listing(rows: list[dict[str, Any]], as_json: bool, shown: dict[str, Shown]) -> None:
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
        click.echo(describe.technique(lib.techniques[ident], lib.words))
    elif ident in lib.routines:
        click.echo(describe.routine(lib.plan(ident), lib.routines[ident], lib.words))
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
    from booklet.base.errors import display_path
    from booklet.batch.runner import check_batch_file
    from booklet.products.check import builtin_overrides, check_paths

    notes: list[str] = []
    try:
        count = check_paths(list(paths), state.library_roots, check_batch_file, notes)
    finally:
        for note in notes:
            click.echo(f"Note: {note}", err=True)
    for path, kind, ident in builtin_overrides(list(paths)):
        click.echo(
            f"Note: {display_path(path)} replaces the built-in {kind} '{ident}' wherever this "
            "library is used.",
            err=True,
        )
    library = state.library()
    for code in library.languages:
        lacking = library.in_language(code).in_english
        if lacking:
            shown = "; ".join(lacking[:6]) + (
                f"; and {len(lacking) - 6} more" if len(lacking) > 6 else ""
            )
            click.echo(
                f"Note: language {code} prints these in English: {shown}. "
                f"`booklet languages {code}` lists them all.",
                err=True,
            )
    state.say(f"OK: {count} file(s) valid.")


@cli.command()
@click.argument("code", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def languages(state: State, code: str | None, as_json: bool) -> None:
    """List the languages booklet prints in, and how much of each is translated.

    With CODE, list what that language leaves in English (it prints in English). Add a
    language by giving a library a folder named by its code: see the README's Languages.

    \b
    Examples:
      booklet languages
      booklet --library mylib languages it
    """
    from booklet.data.language import language_name

    lib = state.library()
    if code is not None:
        lacking = lib.in_language(code).in_english
        if as_json:
            echo_json({"code": code, "in_english": lacking})
            return
        click.echo("\n".join(lacking) if lacking else f"{code}: everything is translated.")
        return
    rows = []
    for lang in lib.language_codes:
        translated = lib.in_language(lang)
        english, own = language_name(lang)
        missing = translated.in_english
        techniques_left = sum(1 for m in missing if m.startswith("technique ") and "(" not in m)
        routines_left = sum(1 for m in missing if m.startswith("routine ") and "(" not in m)
        words_left = sum(1 for m in missing if m.startswith("word "))
        rows.append(
            {
                "code": lang,
                "language": english if own == english else f"{english} ({own})",
                "direction": translated.words.direction,
                "techniques": f"{len(lib.techniques) - techniques_left}/{len(lib.techniques)}",
                "routines": f"{len(lib.routines) - routines_left}/{len(lib.routines)}",
                "words": f"{len(lib.english_words) - words_left}/{len(lib.english_words)}",
                "setting": "no" if any(m.startswith("the setting") for m in missing) else "yes",
            }
        )
    listing(rows, as_json, {})


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
