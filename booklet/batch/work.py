"""A batch variant and its rendering: what the runner hands to the jail, and what a jailed
worker (local, or on a cluster) does with it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from booklet.base.errors import BookletError, ValidationError, shown
from booklet.products.jobs import Job

if TYPE_CHECKING:  # for their names only: a worker imports what it renders with as it needs it
    from booklet.base.jail import Limits
    from booklet.data.library import Library
    from booklet.data.model import Plan
    from booklet.products.fitting import FitHints

# A rendered variant: (output, its PDF or None, an error or None, seconds). Plain data: it comes
# back from a jailed worker or a cluster as it is.
Outcome = tuple[str, bytes | None, str | None, float]


@dataclass(frozen=True)
class Variant:
    name: str
    options: dict[str, Any]
    output: str  # relative to the batch's output folder
    source: str = ""  # the batch file, for messages
    lines: dict[str, int] = field(default_factory=dict)  # where each option was written

    def option_error(self, option: str, reason: str) -> BookletError:
        """A bad option, said the way the batch file's author wrote it: file, line, key."""
        return BookletError(
            reason, file=self.source or None, line=self.lines.get(option), field=option
        )

    @property
    def kind(self) -> str:
        return str(self.options.get("kind", "card"))


# --- turning options into requests ---------------------------------------------------------


JOB_KEYS = ("name", "kind", "routine", "techniques", "lang", "output")  # not request options


def job_of(variant: Variant, roots: Sequence[Path] = (), resolved: bool = False) -> Job:
    """The variant as the one job model every door uses (booklet.products.jobs)."""
    o = variant.options
    options = {k: v for k, v in o.items() if k not in JOB_KEYS}
    if options.get("logo") is not None and not resolved:
        options["logo"] = str(batch_file_beside(variant, "logo", str(options["logo"])))
    techniques = o.get("techniques") or []
    if isinstance(techniques, str):
        techniques = [techniques]
    lang = o.get("lang")
    return Job(
        str(o.get("kind", "card")),
        None if o.get("routine") is None else str(o["routine"]),
        tuple(str(t) for t in techniques),
        None if lang is None else str(lang),
        options,
        tuple(str(r) for r in roots),
    )


def make_request(
    variant: Variant, library: Library, resolved: bool = False
) -> tuple[str, Plan, Any, Library]:
    """(kind, plan, request, library in the variant's language) for one variant, through the
    options catalogue every door uses; a bad option is reported at its line in the batch."""
    from booklet.products.requests import OptionError

    job = job_of(variant, (), resolved)
    try:
        request = job.request()
    except OptionError as exc:
        raise variant.option_error(exc.option, exc.reason) from None
    if job.lang is not None:
        try:
            library = library.in_language(job.lang)
        except ValidationError:  # the language's own files have problems: name them
            raise
        except BookletError as exc:
            raise variant.option_error("lang", exc.problem.message) from None
    try:
        plan = library.plan(job.routine, job.techniques)
    except BookletError as exc:  # an unknown routine or technique, said at its line
        key = "techniques" if job.techniques and "routine" not in variant.options else "routine"
        raise variant.option_error(key, exc.problem.message) from None
    return job.product, plan, request, library


def batch_file_beside(variant: Variant, key: str, value: str) -> Path:
    """A file a batch names (a logo): relative to the batch's folder and inside it, so a
    stranger's batch file cannot pull another file of yours into its PDFs."""
    base = Path(variant.source).parent.resolve() if variant.source else Path.cwd()
    relative = Path(value)
    path = (base / relative).resolve()
    if relative.is_absolute() or ".." in relative.parts or base not in path.parents:
        raise variant.option_error(
            key,
            f"'{shown(value)}' must be a file in the batch file's folder. Move it beside the "
            "batch.",
        )
    return path


@dataclass
class Renderer:
    """What renders a batch's variants in one process: the library, read once, and where
    similar cards' fitting last ended (booklet.products.fitting.FitHints)."""

    library: Library
    hints: FitHints | None = None

    def render(self, variant: Variant, resolved: bool = False) -> bytes:
        """The variant's PDF; `resolved`: its file paths are already where to read them. Made
        by the same function as every other job's, in this (jailed) worker."""
        from booklet.products.jailed import made_with
        from booklet.products.jobs import render_of
        from booklet.products.requests import OptionError

        kind, _, request, library = make_request(variant, self.library, resolved)
        job = job_of(variant, (), resolved)
        try:
            made = made_with(library, render_of(job, request), self.hints)
        except OptionError as exc:  # an option that only rendering finds wrong (a sheet too small)
            raise variant.option_error(exc.option, exc.reason) from None
        larger = made["facts"].get("larger_than_its_own")
        if larger is not None:  # a batch prints in bulk: its sizes are never changed unasked
            raise variant.option_error("size", larger)  # it names a size that fits
        return bytes(made["data"])


def renderer_for(roots: Sequence[Path]) -> Renderer:
    from booklet.data.library import load_library
    from booklet.products.fitting import FitHints

    return Renderer(load_library(list(roots)), FitHints())


# --- running ---------------------------------------------------------------------------------

# This process's renderer: a jail worker makes it once (or inherits the parent's, where workers
# are forked), the way a process pool hands state to its tasks.
_RENDERER: Renderer | None = None
_RENDERER_ROOTS: tuple[str, ...] | None = None


def init_worker(roots: list[str]) -> None:
    """Each worker loads the library once and renders many variants with it."""
    global _RENDERER, _RENDERER_ROOTS
    import gc

    gc.enable()  # a worker runs many variants: collect as usual
    if _RENDERER is None or tuple(roots) != _RENDERER_ROOTS:
        _RENDERER = renderer_for([Path(r) for r in roots])
        _RENDERER_ROOTS = tuple(roots)


def render_variant(variant: Variant) -> dict[str, Any]:
    """In the jail: one variant's PDF (its file paths already resolved), and how long it took."""
    started = time.perf_counter()
    if _RENDERER is None:
        raise RuntimeError("no renderer in this worker")
    pdf = _RENDERER.render(variant, resolved=True)
    return {"pdf": pdf, "seconds": time.perf_counter() - started}


def variant_label(variant: Variant) -> str:
    """How a stopped variant is named: by its layout, as a one-off render is."""
    kind = variant.options.get("kind", "card")
    default = "gift" if kind == "book" else "bedside"
    return f"layout '{shown(variant.options.get('layout') or default)}'"


def variant_limits(variant: Variant, limits: Limits) -> Limits:
    """A variant's limits: its batch's (`limits`), with more memory for a logo."""
    from booklet.products.jailed import LOGO_ALLOWANCE

    if variant.options.get("logo") is not None:
        return limits.more_memory(LOGO_ALLOWANCE)
    return limits


def batch_limits(roots: list[str], variants: list[Variant]) -> Limits:
    """What every variant's render may use: a worker reads only the batch's libraries and
    the logos its variants name (the same for all: a worker narrows what it reads for good)."""
    from booklet.products.jailed import LIMITS

    logos = [str(v.options["logo"]) for v in variants if v.options.get("logo") is not None]
    return LIMITS.reading([*roots, *(logo for logo in logos if Path(logo).is_file())])


def outcome_of(variant: Variant, future: Any, seconds: float) -> Outcome:
    """A finished task as (output, pdf or None, error or None, seconds)."""
    from booklet.base.jail import ChildFailed

    try:
        reply = future.result()
        return variant.output, bytes(reply["pdf"]), None, float(reply["seconds"])
    except BookletError as exc:
        return variant.output, None, str(exc), seconds
    except ChildFailed as exc:  # a bug: one variant fails, the rest go on
        return variant.output, None, f"internal error: {exc}", seconds
    except Exception as exc:
        return variant.output, None, f"internal error: {type(exc).__name__}: {exc}", seconds


def run_in_jail(
    todo: list[tuple[Variant, str]],
    roots: list[Path],
    jobs: int,
    finish: Callable[[Variant, str, Outcome], None],
) -> None:
    """Render every variant in jailed workers (booklet.base.jail.Pool) and hand each outcome
    to `finish`, which writes the PDF here. On Ctrl-C, what has not started is cancelled and
    what runs is finished and handed over too, so the manifest matches the disk."""
    from booklet.base.jail import Pool

    resolved: list[tuple[Variant, str]] = []
    for variant, fp in todo:
        try:
            resolved.append((with_logo_resolved(variant), fp))
        except BookletError as exc:  # a bad logo path fails its variant here, not the batch
            finish(variant, fp, (variant.output, None, str(exc), 0.0))
    if not resolved:
        return
    root_names = [str(r) for r in roots]
    init_worker(root_names)  # forked workers inherit the library, loaded once
    limits = batch_limits(root_names, [variant for variant, _ in resolved])
    pool = Pool(min(jobs, len(resolved)), limits=limits, initializer=init_worker,
                initargs=(root_names,))  # fmt: skip
    started = time.perf_counter()
    futures: dict[Any, tuple[Variant, str]] = {}
    handed: set[Any] = set()

    def hand_over(future: Any) -> None:
        """Write and record one outcome; marked as handed over only once both are done, so
        a Ctrl-C in between hands it over again (the same bytes, recorded once)."""
        variant, fp = futures[future]
        finish(variant, fp, outcome_of(variant, future, time.perf_counter() - started))
        handed.add(future)

    writer = Writer(hand_over)
    try:
        for variant, fp in resolved:
            future = pool.submit(
                render_variant,
                variant,
                label=variant_label(variant),
                limits=variant_limits(variant, limits),
            )
            futures[future] = (variant, fp)
        for future in pool.results(list(futures)):
            writer.put(future)
        writer.close()
    except BaseException:
        writer.stop()  # the file being written is finished; what waits is handed over below
        pool.drain(list(futures))
        for future in futures:
            if future.done() and not future.cancelled() and future not in handed:
                with contextlib.suppress(Exception):
                    hand_over(future)
        raise
    finally:
        pool.close()


class Writer:
    """Hands each finished render to the ledger (write the PDF, flush it to disk, record it) in
    a thread of its own, in the order they finished, so the thread that drives the pool keeps
    every worker fed while the disk catches up: a file's flush can take longer than a card.
    One thread only ever hands over, so the ledger is never written from two at once."""

    def __init__(self, hand_over: Callable[[Any], None]) -> None:
        import queue
        import threading

        self.hand_over = hand_over
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="booklet-batch-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            future = self.queue.get()
            if future is None or self.stopping:
                return
            if self.error is None:  # after a failure, the rest is left to the caller
                try:
                    self.hand_over(future)
                except BaseException as exc:
                    self.error = exc

    def put(self, future: Any) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(future)

    def close(self) -> None:
        """Wait until everything put is handed over; raise what went wrong doing it."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Finish the hand-over under way and leave the rest (its caller hands it over)."""
        self.stopping = True
        self.queue.put(None)
        self.thread.join()


def with_logo_resolved(variant: Variant) -> Variant:
    """The variant with its logo named by the path the worker will read."""
    logo = variant.options.get("logo")
    if logo is None:
        return variant
    path = batch_file_beside(variant, "logo", str(logo))
    return Variant(
        variant.name, {**variant.options, "logo": str(path)}, variant.output, variant.source,
        variant.lines,
    )  # fmt: skip
