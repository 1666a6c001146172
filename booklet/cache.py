"""What booklet keeps between runs, in one folder: compiled snippets and parsed data files.

Reading the YAML library and compiling snippets is a quarter of a card's start-up, and their
results only change when the files do. Every entry is keyed by the exact contents it was made
from and by booklet's own code, so an edit is never missed; a damaged, missing or unwritable
cache only costs time, never an error. BOOKLET_CACHE=DIR moves it, BOOKLET_CACHE=off turns it
off, and deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from functools import cache
from pathlib import Path
from typing import Any

from booklet import __version__

# booklet's modules whose code decides what a cached value holds.
_SHAPING_MODULES = ("model", "validate", "datafile", "library", "layouts", "fonts", "cache")


def folder() -> Path | None:
    """$BOOKLET_CACHE, else the user's cache folder; None when caching is off or impossible."""
    setting = os.environ.get("BOOKLET_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = Path.home() / ".cache"
        except RuntimeError:  # no home folder: no cache
            return None
    return Path(base) / "booklet"


def ready_folder() -> Path | None:
    """The cache folder, created if need be, private to the user, or None."""
    where = folder()
    if where is None:
        return None
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return where if _private(where) else None


def _private(where: Path) -> bool:
    """Cached entries are code and pickles: use a folder only if nobody else can write to it."""
    try:
        stat = where.stat()
    except OSError:
        return False
    if stat.st_mode & 0o022:
        return False
    return not hasattr(os, "getuid") or stat.st_uid == os.getuid()


@cache
def code_stamp() -> str:
    """booklet's version and the size and time of the modules that shape cached data: an
    edited module (in a checkout) or another Python never reads an older entry."""
    package = Path(__file__).parent
    parts = [__version__, sys.version, pickle.format_version]
    for name in _SHAPING_MODULES:
        try:
            stat = (package / f"{name}.py").stat()
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:missing")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def content_key(files: list[Path]) -> str | None:
    """A key for data made from these files: their names and bytes, and booklet's code. None
    if a file cannot be read (the uncached path then reports it properly)."""
    digest = hashlib.sha256(code_stamp().encode())
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        digest.update(f"\0{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:32]


def load(name: str) -> Any | None:
    where = folder()
    if where is None or not _private(where):
        return None
    try:
        with open(where / f"{name}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, damaged or from another booklet: compute it afresh
        return None


def store(name: str, value: Any) -> None:
    where = ready_folder()
    if where is None:
        return
    target = where / f"{name}.pickle"
    temp = where / f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with open(temp, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except Exception:  # a cache that cannot be written only costs time
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return
    _prune(where)


MAX_ENTRIES = 200


def _prune(where: Path) -> None:
    """Every edit to a library makes a new entry; keep the newest, so the folder stays small."""
    with contextlib.suppress(OSError):
        entries = [e for e in os.scandir(where) if e.name.endswith(".pickle")]
        if len(entries) > MAX_ENTRIES:
            entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
            for old in entries[MAX_ENTRIES:]:
                with contextlib.suppress(OSError):
                    os.unlink(old.path)
