"""The batch command: many cards and booklets from one file, with progress on standard error."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from booklet.base.errors import shown
from booklet.cli.app import (
    State,
    cli,
    current_state,
    pass_state,
)

if TYPE_CHECKING:
    from booklet.batch.manifest import Result


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
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Render on a Dask cluster (e.g. tcp://10.0.0.5:8786) instead of local processes; "
    "needs the cluster extra: pip install 'massage-booklet[cluster]'. Only for a cluster you "
    "trust: its results come back pickled.",
)
@pass_state
def batch(
    state: State,
    file: Path,
    folder: Path,
    jobs: int | None,
    dry_run: bool,
    force: bool,
    only: str | None,
    scheduler: str | None,
) -> None:
    """Build many cards and booklets from one batch file.

    Re-running skips variants whose inputs and output are unchanged; a failing variant is
    reported and the others still build (exit code 2 if any failed).

    \b
    Examples:
      booklet batch examples/batch.yaml -o out --jobs 2
      booklet batch clients.yaml -o handouts --scheduler tcp://127.0.0.1:8786
    """

    from booklet.batch import runner as batching

    if scheduler is not None:  # before the batch file is read, and before anything is made
        batching.check_scheduler(scheduler)
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

    def report(result: Result, done: int, total: int) -> None:
        """Progress and failures on standard error: a bar on a terminal, else one line each."""
        counts[result.status] += 1
        if result.status == "failed":
            if bar is not None:
                click.echo("\r\x1b[K", nl=False, err=True)
            name, output = shown(result.name), shown(result.output, 80)
            click.echo(f"failed  {name} ({output}): {result.error}", err=True)
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
            scheduler=scheduler,
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
