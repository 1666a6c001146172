"""Batches on a Dask cluster: workers render and return PDF bytes, this process writes them.

The user's libraries (their techniques, routines, layouts) and any logo a variant names travel
to the workers as data, once per batch (scattered to every worker), so workers need booklet
installed and nothing else: no shared folder. Each worker unpacks the bundle into a private
temporary folder once, reads the library from it, and keeps that renderer for the batch. Writing,
the manifest, skipping unchanged files and failure isolation stay here, exactly as for the local
pool (booklet.batch.runner): the PDFs are the same bytes either way.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError
from booklet.base.files import read_bounded

MAX_BUNDLE_FILE = 4 * 1024 * 1024
MAX_BUNDLE = 64 * 1024 * 1024
FONT_SUFFIXES = (".ttf", ".otf")  # a layout's own font file (font: FILE)
LIBRARY_SUFFIXES = (".yaml", ".yml", ".j2", *FONT_SUFFIXES)


def read_limit(path: Path, limit: int) -> int:
    """How much of a library file to read: fonts are larger than data files."""
    from booklet.text.fonts import MAX_FONT_BYTES

    return MAX_FONT_BYTES if path.suffix.lower() in FONT_SUFFIXES else limit


# On a worker: the renderer made from each bundle it has seen (by the bundle's hash).
_RENDERERS: dict[str, Any] = {}


def bundle_of(roots: list[Path], logos: list[str]) -> dict[str, Any]:
    """The user's library files and the logos, as {relative path: bytes}, read with bounds."""
    files: dict[str, bytes] = {}
    total = 0
    for index, root in enumerate(roots):
        for sub in ("techniques", "layouts"):
            folder = root / sub
            if not folder.is_dir():
                continue
            for where, dirs, names in os.walk(folder):
                dirs.sort()
                for name in sorted(names):
                    if not name.lower().endswith(LIBRARY_SUFFIXES):
                        continue
                    path = Path(where) / name
                    limit = read_limit(path, MAX_BUNDLE_FILE)
                    data = read_bounded(path, limit, kind="library files")
                    files[f"root{index}/{path.relative_to(root).as_posix()}"] = data
                    total += len(data)
    for logo in sorted(set(logos)):
        data = read_bounded(Path(logo), MAX_BUNDLE_FILE, kind="logo images")
        files[f"logos/{hashlib.sha256(logo.encode()).hexdigest()[:16]}"] = data
        total += len(data)
    if total > MAX_BUNDLE:
        raise BookletError(
            f"the libraries and logos come to {total // 1_000_000} MB; the limit for a cluster "
            f"batch is {MAX_BUNDLE // 1_000_000} MB. Trim the library."
        )
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return {"id": digest.hexdigest(), "roots": len(roots), "files": files}


def logo_key(logo: str) -> str:
    return f"logos/{hashlib.sha256(logo.encode()).hexdigest()[:16]}"


def _renderer(
    bundle: dict[str, Any], renderer_for: Callable[[list[Path]], Any]
) -> tuple[Any, Path]:
    """This worker's renderer for the bundle, unpacked once into a private folder."""
    known = _RENDERERS.get(bundle["id"])
    if known is not None:
        return known
    folder = Path(tempfile.mkdtemp(prefix="booklet-bundle-"))
    for name, data in bundle["files"].items():
        target = (folder / name).resolve()
        if folder.resolve() not in target.parents:  # names are ours, but check anyway
            raise BookletError(f"bundle file '{name}' would land outside its folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    roots = [folder / f"root{i}" for i in range(bundle["roots"])]
    made = (renderer_for([r for r in roots if r.is_dir()]), folder)
    _RENDERERS[bundle["id"]] = made
    return made


def render_chunk(
    bundle: dict[str, Any], variants: list[Any], renderer_for: Callable[[list[Path]], Any]
) -> list[tuple]:
    """On a worker: each variant's (output, pdf or None, error or None, seconds). Never
    raises for one variant: a broken one must not stop the others."""
    out: list[tuple[str, bytes | None, str | None, float]] = []
    for variant in variants:
        started = time.perf_counter()
        try:
            renderer, folder = _renderer(bundle, renderer_for)
            logo = variant.options.get("logo")
            if logo is not None:  # the client read it; here it is in the bundle
                options = {**variant.options, "logo": str(folder / logo_key(str(logo)))}
                variant = type(variant)(
                    variant.name, options, variant.output, variant.source, variant.lines
                )
            pdf = renderer.render(variant, resolved=True)
            out.append((variant.output, pdf, None, time.perf_counter() - started))
        except BookletError as exc:
            out.append((variant.output, None, str(exc), time.perf_counter() - started))
        except Exception as exc:
            message = f"internal error: {type(exc).__name__}: {exc}"
            out.append((variant.output, None, message, time.perf_counter() - started))
    return out


def run_on_cluster(
    todo: list[tuple[Any, str]],
    address: str,
    roots: list[Path],
    finish: Callable[[Any, str, tuple], None],
    resolve_logo: Callable[[Any], str | None],
    renderer_for: Callable[[list[Path]], Any],
) -> None:
    """Send the variants to the scheduler at `address` in chunks; `finish` writes each
    returned PDF and records it, as the local pool's workers do. `renderer_for` makes a
    worker's renderer from library folders (it travels by reference: workers import it)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise BookletError(
            "running on a cluster needs Dask: pip install 'massage-booklet[cluster]'."
        ) from None
    logos, ready = [], []
    for variant, fp in todo:
        try:
            logo = resolve_logo(variant)
        except BookletError as exc:  # a bad logo path fails its variant here, not the batch
            finish(variant, fp, (variant.output, None, str(exc), 0.0))
            continue
        if logo is not None:
            logos.append(logo)
            variant = type(variant)(
                variant.name, {**variant.options, "logo": logo}, variant.output,
                variant.source, variant.lines,
            )  # fmt: skip
        ready.append((variant, fp))
    if not ready:
        return
    bundle = bundle_of(roots, logos)
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise BookletError(
            f"cannot reach the Dask scheduler at {address}: {exc}. Start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS`, then try again."
        ) from None
    futures: dict[Any, list[tuple[Any, str]]] = {}
    try:
        shared = client.scatter(bundle, broadcast=True)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = max(1, min(32, len(ready) // (workers * 8)))
        for i in range(0, len(ready), size):
            chunk = ready[i : i + size]
            variants = [v for v, _ in chunk]
            future = client.submit(render_chunk, shared, variants, renderer_for, pure=False)
            futures[future] = chunk
        for future in as_completed(futures):
            for (variant, fp), outcome in zip(futures.pop(future), future.result(), strict=True):
                finish(variant, fp, outcome)
    except BaseException:
        for future in futures:  # Ctrl-C: whatever has not run is cancelled; what ran is kept
            future.cancel()
        raise
    finally:
        client.close()
