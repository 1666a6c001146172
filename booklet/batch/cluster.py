"""Batches on a Dask cluster: workers render and return PDF bytes, this process writes them.

The user's libraries (their techniques, routines, layouts, language folders and font files) and
any logo a variant names travel to the workers as data, once per batch (scattered to every
worker), so workers need booklet installed and nothing else: no shared folder.

A bundle holds exactly what the local pool would read, read with the same bounds: no link is
followed while it is made. A link that stays inside its library travels as the file it names;
a link that leads outside travels as a link to nowhere the worker will read, so the worker
refuses it as the local pool does. The sizes are added up from the folder before a byte is
read.

On a worker, each bundle is unpacked once into a private temporary folder and rendered by a
jail (booklet.base.jail) of its own: spawned processes, since Dask's workers are daemons with
threads. The folder goes when a newer bundle arrives, when the batch ends, and when the worker
process exits. Writing, the manifest, skipping unchanged files and failure isolation stay here,
exactly as for the local pool: the PDFs are the same bytes either way.

The client unpickles what the cluster sends back (that is how Dask returns results), so a
cluster must be one you trust; `--scheduler`'s help and the README say so.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError, shown
from booklet.base.files import read_bounded
from booklet.batch.work import (
    Outcome,
    Variant,
    init_worker,
    outcome_of,
    render_variant,
    variant_label,
    variant_limits,
)

MAX_BUNDLE_FILE = 4 * 1024 * 1024
MAX_BUNDLE = 64 * 1024 * 1024
MAX_BUNDLE_FILES = 20_000
MAX_DEPTH = 32  # folders inside a library's techniques/ or layouts/
FONT_SUFFIXES = (".ttf", ".otf")  # a layout's own font file (font: FILE)
LIBRARY_SUFFIXES = (".yaml", ".yml", ".j2", *FONT_SUFFIXES)
OUTSIDE = "outside"  # a link that leads out of its library: re-made as a link to nowhere


def read_limit(path: Path, limit: int) -> int:
    """How much of a library file to read: fonts are larger than data files."""
    from booklet.text.fonts import MAX_FONT_BYTES

    return MAX_FONT_BYTES if path.suffix.lower() in FONT_SUFFIXES else limit


# --- the client: making a bundle ---------------------------------------------------------------


def library_entries(root: Path) -> list[tuple[str, Path, os.stat_result]]:
    """Every library file under `root` (its techniques and layouts), found without following
    a link, as (name relative to the root, path, lstat): links are listed as links."""
    found: list[tuple[str, Path, os.stat_result]] = []
    for sub in ("techniques", "layouts"):
        top = root / sub
        try:
            if not stat.S_ISDIR(os.lstat(top).st_mode):
                continue
        except OSError:
            continue
        pending: list[tuple[Path, int]] = [(top, 0)]
        while pending:
            folder, depth = pending.pop()
            if depth > MAX_DEPTH:
                raise BookletError(
                    f"folders are nested more than {MAX_DEPTH} deep. Flatten the library.",
                    file=folder,
                )
            try:
                names = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                raise BookletError(
                    f"cannot read this folder: {exc.strerror or exc}.", file=folder
                ) from None
            for entry in names:
                info = entry.stat(follow_symlinks=False)
                path = Path(entry.path)
                if stat.S_ISDIR(info.st_mode):
                    pending.append((path, depth + 1))
                elif entry.name.lower().endswith(LIBRARY_SUFFIXES) and (
                    stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)
                ):
                    found.append((path.relative_to(root).as_posix(), path, info))
                if len(found) > MAX_BUNDLE_FILES:
                    raise BookletError(
                        f"holds more than {MAX_BUNDLE_FILES:,} library files. Split it.",
                        file=root,
                    )
    return found


def _link_target(path: Path, root: Path) -> Path | None:
    """Where a link inside a library leads, if that is a regular file inside the same
    library; None if it leads anywhere else."""
    try:
        real = path.resolve(strict=True)
        inside = real.is_relative_to(root.resolve(strict=True))
        return real if inside and stat.S_ISREG(os.stat(real).st_mode) else None
    except (OSError, RuntimeError):
        return None


def bundle_of(roots: list[Path], logos: list[str]) -> dict[str, Any]:
    """The user's library files and the logos as {name: bytes}, plus the links that lead
    out of their library (by name); every size is added up before anything is read."""
    planned: list[tuple[str, Path, int]] = []  # (name, the file to read, its limit)
    outside: list[str] = []
    total = 0
    for index, root in enumerate(roots):
        for name, path, info in library_entries(root):
            source = path
            if stat.S_ISLNK(info.st_mode):
                target = _link_target(path, root)
                if target is None:
                    outside.append(f"root{index}/{name}")
                    continue
                source = target
                info = os.stat(target)
            limit = read_limit(path, MAX_BUNDLE_FILE)
            total += min(info.st_size, limit + 1)
            planned.append((f"root{index}/{name}", source, limit))
    for logo in sorted(set(logos)):
        with contextlib.suppress(OSError):
            total += min(os.stat(logo).st_size, MAX_BUNDLE_FILE + 1)
        planned.append((logo_key(logo), Path(logo), MAX_BUNDLE_FILE))
    if total > MAX_BUNDLE:
        raise BookletError(
            f"the libraries and logos come to {total // 1_000_000} MB; the limit for a cluster "
            f"batch is {MAX_BUNDLE // 1_000_000} MB. Trim the library."
        )
    files: dict[str, bytes] = {}
    read = 0
    for name, source, limit in planned:
        kind = "logo images" if name.startswith("logos/") else "library files"
        data = read_bounded(source, limit, kind=kind)
        read += len(data)
        if read > MAX_BUNDLE:  # a file grew after it was measured
            raise BookletError(
                f"the libraries and logos grew past {MAX_BUNDLE // 1_000_000} MB while they "
                "were read. Run the batch again."
            )
        files[name] = data
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    for name in sorted(outside):
        digest.update(name.encode() + b"\0" + OUTSIDE.encode())
    return {"id": digest.hexdigest(), "roots": len(roots), "files": files, "outside": outside}


def logo_key(logo: str) -> str:
    return f"logos/{hashlib.sha256(logo.encode()).hexdigest()[:16]}"


# --- a worker: unpacking, rendering in its own jail, and tidying up ----------------------------


class _Unpacked:
    """A bundle unpacked on this worker, with the jail that renders from it."""

    def __init__(self, bundle: dict[str, Any], threads: int) -> None:
        from booklet.base.jail import Pool
        from booklet.products.jailed import LIMITS

        self.folder = Path(tempfile.mkdtemp(prefix="booklet-bundle-"))
        try:
            unpack(bundle, self.folder)
            roots = [self.folder / f"root{i}" for i in range(int(bundle["roots"]))]
            names = [str(r) for r in roots if r.is_dir()]
            self.limits = LIMITS.reading([str(self.folder)])  # the bundle: libraries and logos
            self.pool = Pool(
                threads, limits=self.limits, start="spawn", initializer=init_worker,
                initargs=(names,),
            )  # fmt: skip
            self.pool.start_thread()
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.pool.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def unpack(bundle: dict[str, Any], folder: Path) -> None:
    """Write the bundle's files under `folder`: every name must stay inside it, and each
    link that led out of its library becomes a link to a file outside the libraries."""
    base = folder.resolve()
    nowhere = base / "outside-the-library"
    nowhere.write_bytes(b"")
    items = [(name, data) for name, data in bundle["files"].items()]
    items += [(name, None) for name in bundle.get("outside", [])]
    for name, data in items:
        target = (base / name).resolve()
        if base not in target.parents or not name.startswith(("root", "logos/")):
            raise BookletError(f"bundle file '{name}' would land outside its folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            os.symlink(nowhere, target)
        else:
            target.write_bytes(data)


_UNPACKED: dict[str, _Unpacked] = {}
_UNPACKING = threading.Lock()


def _unpacked(bundle: dict[str, Any]) -> _Unpacked:
    """This worker's jail for the bundle, made once; older bundles' folders go."""
    with _UNPACKING:
        known = _UNPACKED.get(bundle["id"])
        if known is not None:
            return known
        for ident in list(_UNPACKED):
            _UNPACKED.pop(ident).remove()
        made = _Unpacked(bundle, _worker_threads())
        _UNPACKED[bundle["id"]] = made
        return made


def forget_bundles() -> int:
    """Remove every unpacked bundle on this worker (the client asks when a batch ends)."""
    with _UNPACKING:
        count = len(_UNPACKED)
        for ident in list(_UNPACKED):
            _UNPACKED.pop(ident).remove()
        return count


atexit.register(forget_bundles)


def _worker_threads() -> int:
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except Exception:
        return 1


def render_chunk(bundle: dict[str, Any], variants: list[Variant]) -> list[Outcome]:
    """On a worker: each variant's (output, pdf or None, error or None, seconds), rendered
    in the jail. Never raises for one variant: a broken one must not stop the others."""
    started = time.perf_counter()
    try:
        unpacked = _unpacked(bundle)
    except BookletError as exc:
        return [(v.output, None, str(exc), 0.0) for v in variants]
    futures = []
    for variant in variants:
        logo = variant.options.get("logo")
        if logo is not None:  # the client read it; here it is in the bundle
            options = {**variant.options, "logo": str(unpacked.folder / logo_key(str(logo)))}
            variant = Variant(variant.name, options, variant.output, variant.source, variant.lines)
        futures.append(
            (
                variant,
                unpacked.pool.submit(
                    render_variant,
                    variant,
                    label=variant_label(variant),
                    limits=variant_limits(variant, unpacked.limits),
                ),
            )
        )
    out: list[Outcome] = []
    for variant, future in futures:
        with contextlib.suppress(Exception):
            future.exception()  # wait; the outcome below says what happened
        out.append(outcome_of(variant, future, time.perf_counter() - started))
    return out


# --- the client: sending the work --------------------------------------------------------------


_SCHEDULER = re.compile(
    r"(?:(?:tcp|tls)://)?"  # Dask's own protocols; a bare HOST:PORT is tcp
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,252}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])"
    r":(?P<port>[0-9]{1,5})"
)


def check_scheduler(address: str) -> None:
    """A Dask scheduler's address, and Dask to reach it with: checked before the batch creates
    anything, so a typo or a missing install leaves no folder, lock or manifest behind."""
    match = _SCHEDULER.fullmatch(address)
    if match is None or not 0 < int(match["port"]) < 65536:
        raise BookletError(
            f"'{shown(address)}' is not a scheduler address; write tcp://HOST:PORT, such as "
            "tcp://10.0.0.5:8786.",
            field="--scheduler",
        )
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise BookletError(
            "running on a cluster needs Dask, which is not installed: "
            "pip install 'massage-booklet[cluster]'.",
            field="--scheduler",
        ) from None


def run_on_cluster(
    todo: list[tuple[Any, str]],
    address: str,
    roots: list[Path],
    finish: Callable[[Any, str, Outcome], None],
    resolve: Callable[[Any], Any],
) -> None:
    """Send the variants to the scheduler at `address` in chunks; `finish` writes each
    returned PDF and records it, as for the local pool. `resolve` gives a variant its logo's
    path, or raises for a logo it may not read."""
    check_scheduler(address)
    from distributed import Client, as_completed

    logos, ready = [], []
    for variant, fp in todo:
        try:
            variant = resolve(variant)
        except BookletError as exc:  # a bad logo path fails its variant here, not the batch
            finish(variant, fp, (variant.output, None, str(exc), 0.0))
            continue
        if variant.options.get("logo") is not None:
            logos.append(str(variant.options["logo"]))
        ready.append((variant, fp))
    if not ready:
        return
    bundle = bundle_of(roots, logos)
    quiet_dask_logs()
    reachable(address)
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise BookletError(
            f"cannot reach the Dask scheduler at {address}: {exc}. Start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS`, then try again."
        ) from None
    futures: dict[Any, list[tuple[Any, str]]] = {}
    finished = 0
    current: tuple[Any, str, tuple[Any, ...]] | None = None
    try:
        shared = client.scatter(bundle, broadcast=True)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = max(1, min(32, len(ready) // (workers * 8)))
        for i in range(0, len(ready), size):
            chunk = ready[i : i + size]
            variants = [v for v, _ in chunk]
            future = client.submit(render_chunk, shared, variants, pure=False)
            futures[future] = chunk
        waiting = as_completed(futures)
        alone_since: float | None = None
        while futures:
            batch = waiting.next_batch(block=False)
            if not batch:
                alone_since = _check_workers(client, address, alone_since)
                time.sleep(0.1)
                continue
            for future in batch:
                if future.status == "cancelled":  # by the cluster: it lost the work
                    raise ConnectionError("the cluster cancelled the work")
                chunk = futures.pop(future)
                for (variant, fp), outcome in zip(
                    chunk, _chunk_outcome(future, chunk), strict=True
                ):
                    current = (variant, fp, outcome)
                    finish(variant, fp, outcome)
                    current = None
                    finished += 1
    except (KeyboardInterrupt, BookletError):
        for future in futures:  # Ctrl-C: whatever has not run is cancelled; what ran is kept
            future.cancel()
        if current is not None:  # written but perhaps not recorded: again (the same bytes)
            with contextlib.suppress(Exception):
                finish(*current)
        raise
    except Exception as exc:  # the scheduler went away mid-batch
        for future in futures:
            future.cancel()
        raise _stopped_answering(address, exc, finished, len(ready)) from None
    finally:
        with contextlib.suppress(Exception):
            client.run(forget_bundles)
        with contextlib.suppress(Exception):
            client.close(timeout=2)


def quiet_dask_logs() -> None:
    """Dask logs a lost scheduler with tracebacks; the batch says it in one line instead."""
    import logging

    names = [n for n in logging.root.manager.loggerDict if n.startswith("distributed")]
    for name in ["distributed", "tornado", "asyncio", *names]:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def reachable(address: str) -> None:
    """A scheduler that refuses the connection is said at once, not after Dask's retries."""
    import socket

    match = _SCHEDULER.fullmatch(address)
    if match is None:
        return
    host = match["host"].strip("[]")
    try:
        with socket.create_connection((host, int(match["port"])), timeout=5):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    raise BookletError(
        f"cannot reach the Dask scheduler at {address}: {reason}. Start one with "
        "`dask scheduler` and workers with `dask worker ADDRESS`, then try again."
    )


NO_WORKERS_GRACE = 20.0  # seconds a batch waits for a worker to come (back) before it stops


def _check_workers(client: Any, address: str, alone_since: float | None) -> float | None:
    """With no worker connected for NO_WORKERS_GRACE seconds, the batch stops: nothing would
    ever render what is left."""
    if client.status not in ("running", "connecting"):
        raise ConnectionError("the client lost the scheduler")
    if client.scheduler_info().get("workers"):
        return None
    now = time.monotonic()
    if alone_since is None:
        return now
    if now - alone_since > NO_WORKERS_GRACE:
        raise BookletError(
            f"no Dask worker has been connected to {address} for {NO_WORKERS_GRACE:g} s, so "
            "nothing is left to render the rest. Start workers with `dask worker ADDRESS`, "
            "then run the batch again to build what is missing."
        )
    return alone_since


def _chunk_outcome(future: Any, chunk: list[tuple[Any, str]]) -> list[Outcome]:
    """A chunk's outcomes; a chunk whose worker died fails its variants, not the batch."""
    try:
        return list(future.result())
    except Exception as exc:
        why = f"the cluster worker rendering it stopped ({type(exc).__name__}). Run again."
        return [(variant.output, None, why, 0.0) for variant, _ in chunk]


def _stopped_answering(address: str, exc: BaseException, finished: int, total: int) -> BookletError:
    return BookletError(
        f"the Dask cluster at {address} stopped before the batch was done (a worker or the "
        f"scheduler went away: {type(exc).__name__}); {finished} variants were built and "
        f"recorded, {total - finished} were not. Check the scheduler and workers, then run "
        "the batch again to build the rest."
    )
