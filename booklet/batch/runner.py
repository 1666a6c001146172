"""Batches: many cards and booklets from one file, in parallel, resumable, nothing lost.

A batch file (booklet.batch.batchfile) describes the variants; each is made by the same job
model as `booklet card` or `booklet book`, in jailed workers (booklet.batch.work); the manifest
(booklet.batch.manifest) records every variant, and a re-run skips what is unchanged on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError, Problem, Terminated, ValidationError
from booklet.base.files import (
    folder_lock,
    leftover_temp_files,
    make_folders_within,
    write_atomic,
)
from booklet.batch.batchfile import (  # noqa: F401 (the batch's names, as they were)
    MAX_VARIANTS,
    VARIANT_KEYS,
    BatchPlan,
    expand,
    load_batch,
    output_name,
    select,
)
from booklet.batch.cluster import check_scheduler
from booklet.batch.manifest import (  # noqa: F401
    MANIFEST,
    Result,
    _count_pages,
    is_unchanged,
    library_fingerprint,
    read_manifest,
    variant_fingerprint,
    write_manifest,
)
from booklet.batch.work import (
    Variant,
    make_request,
    run_in_jail,
    with_logo_resolved,
)

__all__ = [
    "MANIFEST",
    "MAX_VARIANTS",
    "VARIANT_KEYS",
    "BatchPlan",
    "Result",
    "check_scheduler",
    "expand",
    "folder_lock",
    "load_batch",
    "make_request",
    "output_name",
    "select",
    "write_manifest",
]


def remove_leftovers(folder: Path) -> int:
    """Temporary files of an earlier run that was killed before it could tidy up."""
    removed = 0
    for path in leftover_temp_files(folder):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


Outcome = tuple[str, bytes | None, str | None, float]  # output, PDF, error, seconds


def run_batch(
    plan: BatchPlan,
    folder: Path,
    roots: list[Path],
    *,
    jobs: int,
    force: bool,
    only: str | None,
    report: Callable[[Result, int, int], None],
    scheduler: str | None = None,
) -> list[Result]:
    """Build every variant not already up to date; always leave a manifest true to the disk."""
    # Everything that can be refused is refused before anything is created: the output
    # folder, its lock and a manifest appear only for a batch that can run.
    if scheduler:
        check_scheduler(scheduler)
    variants = select(plan.variants, only)
    library_print = library_fingerprint([_builtin(), *roots])
    make_output_folder(folder)
    with folder_lock(folder), terminate_as_interrupt():
        remove_leftovers(folder)
        book = Ledger(folder, plan.file, read_manifest(folder), report, len(variants))
        todo = book.skip_unchanged(variants, library_print, force)
        try:
            if scheduler:
                from booklet.batch.cluster import run_on_cluster

                run_on_cluster(todo, scheduler, roots, book.finish, with_logo_resolved)
            else:
                run_in_jail(todo, roots, jobs, book.finish)
        finally:
            book.save()
        return book.done


def make_output_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BookletError(
            f"cannot create the output folder: {exc.strerror or exc}. Choose another -o folder.",
            file=folder,
        ) from None
    if not folder.is_dir():
        raise BookletError("is not a folder. Choose another -o folder.", file=folder)
    if not os.access(folder, os.W_OK):
        raise BookletError("folder is not writable. Choose another -o folder.", file=folder)


class Ledger:
    """A run's results: the earlier manifest's entries that still hold, and each variant's
    outcome as it comes, written here (atomically), recorded, and saved to the manifest at
    least once a second and at the end."""

    def __init__(
        self,
        folder: Path,
        batch: Path,
        previous: dict[str, dict[str, Any]],
        report: Callable[[Result, int, int], None],
        total: int,
    ) -> None:
        self.folder = folder
        self.batch = batch
        self.previous = previous
        self.report = report
        self.total = total
        self.done: list[Result] = []
        self.last_write = time.monotonic()
        self.results: dict[str, Result] = {
            out: Result(
                e["name"],
                out,
                e.get("options", {}),
                e.get("fingerprint", ""),
                "skipped" if e.get("status") == "ok" else "failed",
                e.get("pages"),
                e.get("sha256"),
                e.get("error"),
            )
            for out, e in previous.items()
            if (folder / out).is_file() or e.get("status") != "ok"
        }

    def skip_unchanged(
        self, variants: list[Variant], library_print: str, force: bool
    ) -> list[tuple[Variant, str]]:
        """Record the variants whose file is already what they would make; the rest, with
        their fingerprints, are to do."""
        todo: list[tuple[Variant, str]] = []
        for variant in variants:
            fp = variant_fingerprint(variant, library_print)
            entry = self.previous.get(variant.output)
            target = self.folder / variant.output
            if not force and entry is not None and is_unchanged(entry, fp, target):
                self._record(
                    Result(variant.name, variant.output, variant.options, fp, "skipped",
                           entry["pages"], entry["sha256"])
                )  # fmt: skip
            else:
                todo.append((variant, fp))
        return todo

    def finish(self, variant: Variant, fp: str, outcome: Outcome) -> None:
        """A PDF made in the jail: written here, atomically, then recorded."""
        _, pdf, error, seconds = outcome
        pages: int | None = None
        sha: str | None = None
        if pdf is not None:
            try:
                target = self.folder / variant.output
                make_folders_within(self.folder, target.parent)
                write_atomic(target, pdf)
                pages, sha = _count_pages(pdf), hashlib.sha256(pdf).hexdigest()
            except BookletError as exc:
                error = str(exc)
        status = "failed" if error else "built"
        self._record(
            Result(variant.name, variant.output, variant.options, fp, status, pages, sha, error,
                   seconds)
        )  # fmt: skip

    def _record(self, result: Result) -> None:
        self.results[result.output] = result
        self.done.append(result)
        self.report(result, len(self.done), self.total)
        if result.status != "skipped" and time.monotonic() - self.last_write > 1.0:
            self.save()

    def save(self) -> None:
        write_manifest(self.folder, self.batch, self.results)
        self.last_write = time.monotonic()


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _builtin() -> Path:
    from booklet.data.library import builtin_root

    return builtin_root()


def dry_run(
    plan: BatchPlan, folder: Path, roots: list[Path], only: str | None, force: bool
) -> list[tuple[Variant, str, str | None]]:
    """Check every variant as far as possible without rendering: (variant, state, error)."""
    from booklet.data.library import load_library
    from booklet.layout.spec import load_layout, require_kind

    library = load_library(roots)
    library_print = library_fingerprint([_builtin(), *roots])
    previous = read_manifest(folder)
    rows: list[tuple[Variant, str, str | None]] = []
    for variant in select(plan.variants, only):
        try:
            kind, _, request, _ = make_request(variant, library)
            layout = load_layout(request.layout, library)
            require_kind(layout, kind)
            fp = variant_fingerprint(variant, library_print)
            unchanged = not force and is_unchanged(
                previous.get(variant.output), fp, folder / variant.output
            )
            rows.append((variant, "unchanged" if unchanged else "would build", None))
        except BookletError as exc:
            rows.append((variant, "invalid", str(exc)))
    return rows


def check_batch_file(path: Path, roots: Sequence[Path]) -> list[Problem]:
    """Every problem `booklet batch` would meet before rendering, each at its file and line:
    the file's shape, then each variant's options, routine and layout (`booklet validate`)."""
    from booklet.data.library import load_library_in_part
    from booklet.layout.spec import load_layout, require_kind

    try:
        plan = load_batch(path)
    except ValidationError as exc:
        return exc.problems
    except BookletError as exc:
        return [exc.problem]
    library, _ = load_library_in_part(list(roots))  # its own problems: validate reports them
    problems: list[Problem] = []
    for variant in plan.variants:
        try:
            kind, _, request, _ = make_request(variant, library)
            layout = load_layout(request.layout, library)
            try:
                require_kind(layout, kind)
            except BookletError as exc:
                raise variant.option_error("layout", exc.problem.message) from None
        except BookletError as exc:
            problem = exc.problem
            if problem.file is None:  # an unknown routine, technique or layout
                key = next(
                    (k for k in ("routine", "techniques", "layout") if k in variant.lines), "name"
                )
                problem = problem._replace(file=path, line=variant.lines.get(key))
            problems.append(problem)
    return problems


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
