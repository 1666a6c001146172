"""Writing files so that nothing is ever half-written: temp file in the same folder, then rename."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
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


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step; on any failure the old file stays as it was."""
    check_target(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        os.fchmod(fd, _file_mode(path))  # mkstemp makes 0600; give the usual permissions
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
