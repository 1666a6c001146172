"""Writing files so that nothing is ever half-written: temp file in the same folder, then rename."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from booklet.errors import BookletError


def check_target(path: Path) -> None:
    """Fail early, before any rendering, when the output cannot be written."""
    if path.is_dir():
        raise BookletError("is a folder. Give a file name, e.g. card.pdf.", file=path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise BookletError(
            f"folder '{parent}' does not exist. Create it first or choose another path.",
            file=path,
        )
    if not os.access(parent, os.W_OK):
        raise BookletError(f"folder '{parent}' is not writable. Choose another path.", file=path)


def _file_mode(path: Path) -> int:
    """Keep an existing file's mode; a new file gets 0666 less the umask, like open() does."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _create_temp(parent: Path, name: str) -> tuple[int, Path]:
    """A new, exclusive file beside the target (what tempfile.mkstemp does, without importing
    tempfile and its dependencies into every run)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = parent / f".{name}.{os.urandom(4).hex()}.tmp"
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise BookletError("could not create a temporary file beside it.", file=parent / name)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step; on any failure the old file stays as it was."""
    check_target(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = _create_temp(parent, path.name)
    try:
        os.fchmod(fd, _file_mode(path))  # the umask applied at creation; give the usual mode
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        raise BookletError(
            f"could not write: {reason}. The previous file, if any, is unchanged.", file=path
        ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
