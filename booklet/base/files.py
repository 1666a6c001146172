"""Reading and writing files the careful way: every read bounded before it starts, every write
atomic, to a regular file, never through a link booklet did not expect.

Files come from strangers (a layout from a forum, a batch a colleague sent), so a read first
opens the file without blocking (a FIFO must not hang us), checks on the open handle that it is
a regular file within the size limit, and then reads at most that much. A write goes to a new
temporary file beside the target and is renamed over it; the old file survives any failure.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from booklet.base.errors import BookletError

TEMP_PREFIX = ".booklet-"
TEMP_SUFFIX = ".tmp"


# --- reading -----------------------------------------------------------------------------------


def _too_large(path: Path, size: int, limit: int, kind: str) -> BookletError:
    shown = f"{size // 1024} KiB" if size >= 1024 else f"{size} bytes"
    return BookletError(
        f"file is {shown}; {kind} are limited to {limit // 1024} KiB. Split it into smaller files.",
        file=path,
    )


def read_bounded(path: Path, limit: int, *, kind: str = "data files") -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or a BookletError naming it."""
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise BookletError("file not found. Check the path.", file=path) from None
    except IsADirectoryError:
        raise BookletError("is a folder, not a file.", file=path) from None
    except OSError as exc:
        raise BookletError(f"cannot read: {exc.strerror or exc}.", file=path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise BookletError("is a folder, not a file.", file=path)
        if not stat.S_ISREG(info.st_mode):
            raise BookletError(
                "is not a regular file (a device, pipe or socket). Give a file.", file=path
            )
        if info.st_size > limit:
            raise _too_large(path, info.st_size, limit, kind)
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            except OSError as exc:
                raise BookletError(f"cannot read: {exc.strerror or exc}.", file=path) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew after we looked
                raise _too_large(path, total, limit, kind)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_bounded(path: Path, limit: int, *, kind: str = "data files") -> str:
    """A UTF-8 file (a BOM is allowed), bounded as read_bounded; bad bytes name their line."""
    raw = read_bounded(path, limit, kind=kind)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BookletError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8 text. Save the file as UTF-8.",
            file=path,
            line=line,
        ) from None


def sha256_of_regular_file(path: Path, limit: int = 256 << 20) -> str | None:
    """The SHA-256 of a regular file (not a link, pipe or device), or None: used to ask "is
    this still the file we wrote?", where anything odd simply means no."""
    import hashlib

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        digest = hashlib.sha256()
        total = 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                return None
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def read_start(path: Path, size: int) -> bytes | None:
    """The first `size` bytes of a regular file (not a link, pipe or device), or None: for
    asking what a file is, where anything odd simply means "not what we look for"."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks: list[bytes] = []
        total = 0
        while total < size and (chunk := os.read(fd, size - total)):
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


# --- walking -----------------------------------------------------------------------------------

MAX_WALK_DEPTH = 32  # folders inside folders: a library needs three or four
MAX_WALK_ENTRIES = 100_000  # files and folders looked at under one root
MAX_WALK_FILES = 10_000  # files found


def walk_files(
    root: Path,
    suffixes: tuple[str, ...],
    *,
    max_depth: int = MAX_WALK_DEPTH,
    max_entries: int = MAX_WALK_ENTRIES,
    max_files: int = MAX_WALK_FILES,
) -> list[Path]:
    """The files under `root` whose names end in one of `suffixes` (any case), sorted. Links
    are not followed, the walk is a loop (no recursion to run out of), and it stops with a
    BookletError naming the folder at a depth, a count of entries or of files no library
    needs. A folder that cannot be read is passed over, as os.walk does."""
    found: list[Path] = []
    pending: list[tuple[Path, int]] = [(root, 0)]
    seen = 0
    while pending:
        folder, depth = pending.pop()
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    seen += 1
                    if seen > max_entries:
                        raise BookletError(
                            f"holds more than {max_entries} files and folders; booklet looks "
                            "at no more. Keep only the library's own files here.",
                            file=root,
                        )
                    path = Path(entry.path)
                    if entry.is_dir(follow_symlinks=False):
                        if depth + 1 > max_depth:
                            top = root / path.relative_to(root).parts[0]
                            raise BookletError(
                                f"has folders nested more than {max_depth} levels deep; booklet "
                                "reads no deeper. Move the files up, or remove the folders.",
                                file=top,
                            )
                        pending.append((path, depth + 1))
                    elif entry.name.lower().endswith(suffixes):
                        found.append(path)
                        if len(found) > max_files:
                            raise BookletError(
                                f"holds more than {max_files} library files; booklet reads no "
                                "more. Split the library.",
                                file=root,
                            )
        except OSError:
            continue
    return sorted(found)


# --- writing -----------------------------------------------------------------------------------


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def check_target(path: Path) -> None:
    """Fail early, before any rendering, when the output cannot or must not be written: booklet
    replaces only a regular file (or makes a new one), never a device, pipe, folder or link."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise BookletError(f"cannot write here: {exc.strerror or exc}.", file=path) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise BookletError("is a folder. Give a file name, e.g. card.pdf.", file=path)
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise BookletError(
            "is a symbolic link; booklet does not write through links. Give the real file's "
            "path (or - for standard output).",
            file=path,
        )
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise BookletError(
            f"is {_kind_of(info.st_mode)}, not a regular file; booklet only replaces regular "
            "files. Give another file name (or - for standard output).",
            file=path,
        )
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
        return os.lstat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _create_temp(parent: Path, target: Path) -> tuple[int, Path]:
    """A new, exclusive file beside the target. Its name does not grow with the target's (a
    long output name must still leave room) and marks it as booklet's, so a later run can
    clean up after one that was killed."""
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_BINARY", 0)
    )
    for _ in range(100):
        tmp = parent / f"{TEMP_PREFIX}{os.urandom(6).hex()}{TEMP_SUFFIX}"
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise _write_error(target, exc) from None
    raise BookletError("could not create a temporary file beside it.", file=target)


def _write_error(path: Path, exc: OSError) -> BookletError:
    if exc.errno == errno.ENOSPC:
        reason = "the disk is full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "permission denied (the folder is read-only for you)"
    elif exc.errno == errno.ENAMETOOLONG:
        reason = "the file name is too long for this file system"
    else:
        reason = exc.strerror or str(exc)
    return BookletError(
        f"could not write: {reason}. The previous file, if any, is unchanged.", file=path
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step; on any failure the old file stays as it was."""
    check_target(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = _create_temp(parent, path)
    try:
        with contextlib.suppress(OSError, AttributeError):  # no fchmod on Windows
            os.fchmod(fd, _file_mode(path))  # the umask applied at creation; give the usual mode
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        check_target(path)  # still a regular file or absent, right before the rename
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _write_error(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def make_folders_within(root: Path, folder: Path) -> None:
    """Create `folder` under `root`, refusing any part of the way that is a link or not a
    folder: a batch writes only inside its own output folder."""
    try:
        relative = folder.relative_to(root)
    except ValueError:
        raise BookletError("is outside the output folder.", file=folder) from None
    current = root
    for part in relative.parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            try:
                os.mkdir(current)
            except FileExistsError:
                pass
            except OSError as exc:
                raise _write_error(current, exc) from None
            info = os.lstat(current)
        except OSError as exc:
            raise _write_error(current, exc) from None
        if stat.S_ISLNK(info.st_mode):
            raise BookletError(
                "is a symbolic link inside the output folder; booklet does not write through "
                "links there. Remove the link or choose another -o folder.",
                file=current,
            )
        if not stat.S_ISDIR(info.st_mode):
            raise BookletError(
                "is in the way: it is a file where a folder is needed. Rename one of them.",
                file=current,
            )


def leftover_temp_files(root: Path, *, limit: int = 100_000) -> Iterator[Path]:
    """booklet's own temporary files under `root` (not following links), left by a run that
    was killed before it could remove them."""
    pending = [root]
    seen = 0
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > limit:
                return
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
            elif (
                entry.name.startswith(TEMP_PREFIX)
                and entry.name.endswith(TEMP_SUFFIX)
                and entry.is_file(follow_symlinks=False)
            ):
                yield Path(entry.path)


# --- locking an output folder -----------------------------------------------------------------


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """One batch at a time per output folder, so the manifest is never written by two. The
    lock is the folder's own (flock on the folder itself, where the system has it): no file is
    left among the user's, and no lock file can be replaced by a link or unlinked while another
    run holds it. The lock goes with this process; the jail's workers hold nothing of it."""
    try:
        import fcntl
    except ImportError:  # Windows: a lock file outside the user's folder
        with _lock_file_elsewhere(folder):
            yield
        return
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(folder, flags)
    except OSError as exc:
        raise BookletError(f"cannot lock the folder: {exc.strerror or exc}.", file=folder) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BookletError(
                "another batch is writing to this folder. Wait for it to finish, or choose "
                "another -o folder.",
                file=folder,
            ) from None
        except OSError as exc:
            raise BookletError(
                f"cannot lock the folder: {exc.strerror or exc}.", file=folder
            ) from None
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _lock_file_elsewhere(folder: Path) -> Iterator[None]:
    """Where there is no flock: filelock's lock file, named after the folder, in the system's
    temporary folder (never among the user's files, and never removed while held)."""
    import tempfile

    from filelock import FileLock, Timeout

    locks = Path(tempfile.gettempdir()) / "booklet-locks"
    locks.mkdir(exist_ok=True)
    import hashlib

    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:32]
    lock = FileLock(str(locks / f"{name}.lock"), blocking=False)
    try:
        lock.acquire()
    except Timeout:
        raise BookletError(
            "another batch is writing to this folder. Wait for it to finish, or choose "
            "another -o folder.",
            file=folder,
        ) from None
    try:
        yield
    finally:
        lock.release()
