"""The first wall: every render of a stranger's content runs in a child process under limits the
operating system enforces, so nothing inside it (a C call that runs for minutes, a parser that
takes gigabytes) can take the machine or the other renders with it.

Two ways in, one child protocol:

- `run(task, *args)`: one render in a child of its own (forked where the platform has fork:
  a millisecond or two, with everything already imported and loaded; spawned elsewhere).
- `Pool`: long-lived workers for batches, the page and cluster workers. Each task re-arms the
  worker's limits; a worker that is killed or outgrows its memory is replaced, and only its task
  fails. With `isolate=True` each task runs in a child forked from a clean child the warm
  worker made before its first task, so no task can leave anything behind for the next, nor
  find what an earlier one left in the worker's memory (the page, where tasks come from
  different people).

The child gets no file descriptors but its pipes (stdin, stdout and stderr go to the null
device), may not write files, and has an address-space limit (memory), a CPU-time limit and,
from its parent, a wall-clock deadline after which it is killed. On Linux it is also confined
(booklet.base.confine) before it touches a stranger's content: the kernel refuses it new
processes, programs, sockets, changes to any file and signals to other processes. Its answer
comes back as data only: JSON and byte strings, never pickle, so a child cannot make its parent
run anything. The parent turns a killed child into one line that names what was being made and
the limit.

What each platform enforces (the README says it too):

- Linux: address space, CPU time, no file writes, the deadline; confined by a seccomp filter
  where libseccomp is installed (nearly every distribution has it).
- macOS: CPU time, no file writes and the deadline; the kernel ignores address-space limits.
- Windows (no fork): a spawned worker in a Job Object with a memory limit, and the deadline.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import json
import math
import os
import select
import signal
import struct
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from booklet.base import confine
from booklet.base.errors import BookletError, from_wire, printable, to_wire, wire_type

if TYPE_CHECKING:  # a pool's futures; a single render (the command line) needs none
    from concurrent.futures import Future

MIB = 1024 * 1024
MAX_REPLY = 512 * MIB  # what a child may send back: a few PDFs and pictures
MAX_HEADER = 1 * MIB  # an answer's JSON: what it says and its byte strings' sizes
_HEADER = struct.Struct(">Q")
_BLOB = "\x00blob"
HAS_FORK = hasattr(os, "fork") and sys.platform != "win32"
ENFORCES_ADDRESS_SPACE = sys.platform.startswith("linux") or sys.platform.startswith("freebsd")


class Limits(NamedTuple):
    """What one render may use. `memory` is what it may add to its process, in bytes; `reads`,
    the folders and files it may read from besides Python's and booklet's own (None: any;
    booklet.base.confine.restrict_reads)."""

    memory: int = 192 * MIB
    cpu: float = 6.0
    wall: float = 8.0
    reads: tuple[str, ...] | None = None

    def more_memory(self, extra: int) -> Limits:
        return self._replace(memory=self.memory + extra)

    def reading(self, paths: Iterable[str | os.PathLike[str]]) -> Limits:
        """These limits, with the render reading only `paths` of what strangers wrote."""
        return self._replace(reads=tuple(sorted({os.fspath(p) for p in paths})))


@wire_type
class Stopped(BookletError):
    """A render the jail stopped: it ran too long, needed too much memory, or crashed."""


class ChildFailed(RuntimeError):
    """A bug (not bad input) inside the child: its exception type, message and traceback."""

    def __init__(self, message: str, child_traceback: str = "") -> None:
        super().__init__(message)
        self.child_traceback = child_traceback


class Busy(BookletError):
    """Every worker is busy and the queue is full."""


# --- the answer, as data -----------------------------------------------------------------------


def encode(value: Any) -> bytes:
    """`value` (None, bool, numbers, text, bytes, and lists and text-keyed dicts of them) as
    one frame: a JSON header, then the byte strings it holds, in order."""
    blobs: list[bytes] = []

    def plain(item: Any) -> Any:
        if isinstance(item, bytes | bytearray | memoryview):
            blobs.append(bytes(item))
            return {_BLOB: len(blobs) - 1}
        if item is None or isinstance(item, bool | int | float | str):
            return item
        if isinstance(item, list | tuple):
            return [plain(i) for i in item]
        if isinstance(item, dict):
            return {str(k): plain(v) for k, v in item.items()}
        raise TypeError(f"a jail answer cannot hold {type(item).__name__}")

    header = json.dumps(
        {"value": plain(value), "blobs": [len(b) for b in blobs]}, ensure_ascii=True
    ).encode("ascii")
    return b"".join([_HEADER.pack(len(header)), header, *blobs])


def _decoded(frame: tuple[bytes, bytes]) -> Any:
    """A child's answer as data; one booklet cannot read is a failure of that render alone."""
    try:
        return decode(*frame)
    except Exception:
        raise ChildFailed("the render sent back an answer booklet does not understand") from None


def decode(header: bytes, body: bytes) -> Any:
    """The inverse of encode, from the frame's JSON header and the bytes after it."""
    meta = json.loads(header)
    sizes = meta["blobs"]
    if not isinstance(sizes, list) or sum(sizes) != len(body):
        raise ValueError("a jail answer's sizes do not add up")
    blobs, at = [], 0
    for size in sizes:
        blobs.append(body[at : at + size])
        at += size

    def restore(item: Any) -> Any:
        if isinstance(item, list):
            return [restore(i) for i in item]
        if isinstance(item, dict):
            if set(item) == {_BLOB}:
                return blobs[item[_BLOB]]
            return {k: restore(v) for k, v in item.items()}
        return item

    return restore(meta["value"])


def _reply_of(task: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    """Run the task; its value, our own error, or a bug, as a frame."""
    try:
        return encode({"ok": task(*args)})
    except BookletError as exc:
        return encode({"error": to_wire(exc)})
    except MemoryError:
        return encode({"stopped": "memory"})
    except RecursionError:
        return encode({"stopped": "depth"})
    except BaseException as exc:  # a bug: named, with its traceback for --debug
        text = "".join(traceback.format_exception(exc))
        return encode({"bug": f"{type(exc).__name__}: {exc}", "traceback": text})


# --- limits inside the child -------------------------------------------------------------------


def _vm_size() -> int:
    """This process's address space now (Linux), or 0 where it cannot be read."""
    from pathlib import Path

    from booklet.base.files import read_bounded

    try:
        statm = read_bounded(Path("/proc/self/statm"), 4096)
        return int(statm.split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (BookletError, OSError, ValueError, IndexError):
        return 0


def _cpu_used() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


_CPU_SIGNALS = {getattr(signal, n) for n in ("SIGPROF", "SIGXCPU") if hasattr(signal, n)}


def arm(limits: Limits, *, last: bool = False) -> None:
    """Set this process's limits for the task it is about to run (again, in a reused worker):
    CPU time from what it has used so far, address space from what it holds now. `last`: no
    other task follows in this process, so its CPU and address-space limits are made ones
    that nothing in it, or anything it starts, can raise."""
    if sys.platform == "win32":
        return
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The allowance, to the millisecond, from now: a profiling timer, whose signal ends the
    # process even inside one long C call (the same for a fresh child, a reused worker and a
    # spare that read the libraries first). Its signal and the kernel's acts as it should
    # whatever the process inherited (ignored or blocked: found by attack). The kernel's CPU
    # limit, in whole seconds, stands just behind it, should the timer still be lost.
    with contextlib.suppress(ValueError, OSError):
        for number in _CPU_SIGNALS:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _CPU_SIGNALS)
    signal.setitimer(signal.ITIMER_PROF, limits.cpu)
    soft_cpu = math.ceil(_cpu_used() + limits.cpu + 0.05)
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    if hard_cpu == resource.RLIM_INFINITY or soft_cpu < hard_cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (soft_cpu, soft_cpu if last else hard_cpu))
    if ENFORCES_ADDRESS_SPACE:
        now = _vm_size()
        if now:
            _, hard_as = resource.getrlimit(resource.RLIMIT_AS)
            soft_as = now + limits.memory
            if hard_as == resource.RLIM_INFINITY or soft_as < hard_as:
                resource.setrlimit(resource.RLIMIT_AS, (soft_as, soft_as if last else hard_as))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # writes nothing to any file


def disarm() -> None:
    """A reused worker between tasks: no limit but the ones it started with."""
    if sys.platform == "win32":
        return
    import resource

    signal.setitimer(signal.ITIMER_PROF, 0)
    for which in (resource.RLIMIT_CPU, resource.RLIMIT_AS):
        with contextlib.suppress(ValueError, OSError):
            _, hard = resource.getrlimit(which)
            resource.setrlimit(which, (hard, hard))


def _render_here(
    task: Callable[..., Any], args: tuple[Any, ...], limits: Limits, answer_fd: int, parent: int
) -> NoReturn:
    """The rest of a render child's life, once it holds its answer's pipe alone: its limits
    for good, its parent's end as its own, the kernel's wall, the task, its answer; gone."""
    code = 0
    try:
        gc.disable()
        arm(limits, last=True)
        _end_with_parent(parent)
        _confine(limits)
        _write_all(answer_fd, _reply_of(task, args))
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _confine(limits: Limits) -> None:
    """A render's process, confined for good before it runs its task (booklet.base.confine)."""
    _limit_kernel_resources(RENDER_FILES)
    confine.confine()
    if limits.reads is not None:
        confine.restrict_reads(limits.reads)


# Descriptors a render's process may hold at once: its pipes, the null device and a file or two
# it reads; a pipe's buffer is kernel memory no address-space limit counts.
RENDER_FILES = 64
RENDER_SIGNALS = 64  # signals queued for it at once (its CPU timer's is one)


def _limit_kernel_resources(most: int) -> None:
    """At most `most` descriptors, and none of the kernel's memory that other processes share
    a quota of: queued signals, message queues, locked pages."""
    if sys.platform == "win32":
        return
    import resource

    for which, limit in (
        (resource.RLIMIT_NOFILE, most),
        (getattr(resource, "RLIMIT_SIGPENDING", None), RENDER_SIGNALS),
        (getattr(resource, "RLIMIT_MSGQUEUE", None), 0),
        (getattr(resource, "RLIMIT_MEMLOCK", None), 0),
    ):
        if which is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            soft, hard = resource.getrlimit(which)
            if hard == resource.RLIM_INFINITY or limit < hard:
                resource.setrlimit(which, (min(soft, limit), limit))


def _fork() -> tuple[int, set[int]]:
    """os.fork with Ctrl-C held back across it, and the signal mask to restore. A child that
    met Ctrl-C before it had set it aside (`_detach`) died of its parent's KeyboardInterrupt,
    failing the task it was given (a worker forked to replace another as a batch was
    interrupted); held back, the child drops it as it ignores it, and only the parent, whose
    Ctrl-C it is, acts on it. The child restores the mask once detached (`_unhold`)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    pid = os.fork()
    if pid != 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return pid, held


def _unhold(held: set[int]) -> None:
    signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _detach(keep: tuple[int, ...]) -> None:
    """A child keeps only its pipes: the null device on 0, 1 and 2, every other descriptor
    closed; Ctrl-C and SIGTERM are its parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(AttributeError, ValueError, OSError):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        if fd not in keep:
            os.dup2(null, fd)
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(low, fd)
        low = fd + 1
    with contextlib.suppress(OSError, ValueError):
        os.closerange(low, _max_fd())
    if null >= 3 and null not in keep:
        with contextlib.suppress(OSError):
            os.close(null)


def _max_fd() -> int:
    try:
        return max(256, min(os.sysconf("SC_OPEN_MAX"), 1 << 16))
    except (ValueError, OSError):
        return 1024


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# --- reading an answer with a deadline ---------------------------------------------------------


class _Reply(NamedTuple):
    frame: tuple[bytes, bytes] | None  # the JSON header and the bytes after it
    timed_out: bool


SWEEP_EVERY = 0.1  # seconds between sweeps while an adopting process waits for a render


def _read_exact(fd: int, size: int, deadline: float) -> bytes | None:
    """`size` bytes from `fd`, or None at end of file; TimeoutError past the deadline. A
    process that adopts what renders leave ends it while it waits, too: a chain that forks
    fast would otherwise leave its dead here by the thousand until the render ends."""
    chunks: list[bytes] = []
    need = size
    while need > 0:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sweeping = adopting()
        ready, _, _ = select.select([fd], [], [], min(left, SWEEP_EVERY) if sweeping else left)
        if not ready:
            if not sweeping or time.monotonic() >= deadline:
                raise TimeoutError
            _end_strays_here()
            continue
        chunk = os.read(fd, min(need, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        need -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float, most: int = MAX_REPLY) -> _Reply:
    """One answer, read by the deadline: none (a failed answer) if it is not one booklet
    reads, or its bytes are more than `most` (a render sends back no more than its memory
    holds: what it sends, its parent holds)."""
    try:
        head = _read_exact(fd, _HEADER.size, deadline)
        if head is None:
            return _Reply(None, False)
        (length,) = _HEADER.unpack(head)
        if length > min(MAX_HEADER, most // 16):  # its JSON, parsed here, takes many times it
            return _Reply(None, False)
        header = _read_exact(fd, length, deadline)
        if header is None:
            return _Reply(None, False)
        sizes = json.loads(header).get("blobs", [])
        if (
            not isinstance(sizes, list)
            or not all(isinstance(s, int) and s >= 0 for s in sizes)
            or sum(sizes) > min(most, MAX_REPLY)
        ):
            return _Reply(None, False)
        body = _read_exact(fd, sum(sizes), deadline) if sizes else b""
        if body is None:
            return _Reply(None, False)
        return _Reply((header, body), False)
    except TimeoutError:
        return _Reply(None, True)
    except Exception:  # not an answer: a list for a header, JSON nested past recursion, ...
        return _Reply(None, False)


# --- what the parent says ----------------------------------------------------------------------


def _megabytes(limit: int) -> str:
    return f"{limit // MIB} MB"


def stopped_message(label: str, why: str, limits: Limits) -> str:
    """One line for a render the jail stopped, naming what was being made and the limit."""
    fix = "Simplify the layout, font or picture that causes it, or leave it out."
    if why == "time":
        return (
            f"{label}: stopped after {limits.wall:g} s, the time limit for one render. "
            f"Something in it takes too long. {fix}"
        )
    if why == "cpu":
        return (
            f"{label}: stopped after {limits.cpu:g} s of work, the limit for one render. "
            f"Something in it takes too long. {fix}"
        )
    if why == "memory":
        return (
            f"{label}: stopped: it needed more than {_megabytes(limits.memory)} of memory, "
            f"the limit for one render. {fix}"
        )
    if why == "depth":
        return f"{label}: stopped: something in it is nested too deeply. {fix}"
    return (
        f"{label}: stopped: the render ended abnormally ({why}), most likely by going over "
        f"its memory limit of {_megabytes(limits.memory)}. {fix}"
    )


def _why_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number in (getattr(signal, "SIGXCPU", -1), getattr(signal, "SIGPROF", -1)):
            return "cpu"
        if number == signal.SIGKILL:
            return "killed"
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
    return f"exit status {os.WEXITSTATUS(status)}" if os.WIFEXITED(status) else "unknown"


def outcome(reply: Any, label: str, limits: Limits) -> Any:
    """The task's value from a decoded answer, or the exception it stands for."""
    if not isinstance(reply, dict):
        raise ChildFailed("the render sent back an answer booklet does not understand")
    if "ok" in reply:
        return reply["ok"]
    if "error" in reply:
        raise from_wire(reply["error"])
    if "stopped" in reply:
        raise Stopped(stopped_message(label, str(reply["stopped"]), limits))
    raise ChildFailed(
        printable(str(reply.get("bug", "unknown"))),
        "\n".join(map(printable, str(reply.get("traceback", "")).split("\n"))),
    )


# --- one render in a child of its own ----------------------------------------------------------


def run(task: Callable[..., Any], *args: Any, limits: Limits, label: str) -> Any:
    """task(*args) in a child under `limits`; its value, or its BookletError, raised here as
    if it had run here. `label` names what is being made ("layout 'mine'") in a stop message.
    `task` and `args` must pickle (they travel to a spawned child where there is no fork)."""
    if not HAS_FORK:
        with Pool(1, limits=limits) as pool:
            return pool.submit(task, *args, label=label).result()
    confine.program()  # compiled here once; each child only loads it
    read_end, write_end = os.pipe()
    gc.collect(0)
    gc.freeze()  # the child shares these objects' pages instead of copying them
    parent = os.getpid()
    pid, held = _fork()
    if pid == 0:  # the child: never returns
        try:
            os.close(read_end)
            _detach((write_end,))
            _unhold(held)
        except BaseException:
            os._exit(70)
        _render_here(task, args, limits, write_end, parent)
    gc.unfreeze()
    os.close(write_end)
    try:
        return _answer(pid, read_end, limits, label)
    finally:
        _end_strays_here()


def _answer(pid: int, read_end: int, limits: Limits, label: str) -> Any:
    """The child's one answer, read by the deadline (or it is killed), and the child reaped."""
    _RENDERING.add(pid)
    try:
        reply = _read_frame(read_end, time.monotonic() + limits.wall, limits.memory)
    except BaseException:
        _kill(pid)
        raise
    finally:
        _RENDERING.discard(pid)
        os.close(read_end)
    status = _reap(pid, kill=True)  # answered or not: a child that lingers is not waited for
    if reply.timed_out:
        raise Stopped(stopped_message(label, "time", limits))
    if reply.frame is None:
        raise Stopped(stopped_message(label, _why_it_ended(status), limits))
    return outcome(_decoded(reply.frame), label, limits)


# --- a spare child, readying itself while the parent reads its input ---------------------------
#
# A command that makes one thing spends its first tens of milliseconds importing its command
# line and reading the libraries, and its render's child then spends as long again importing
# ReportLab and Jinja2. On two cores those can overlap: the command forks a spare before it has
# read anything a stranger wrote; the spare arms the limits at once and imports what renders
# need (`warm`, our own modules), and then runs the steps the parent sends it to get ready with
# (`prepare_spare`: reading the libraries, as the parent does for its own checks), each under
# fresh limits, saying when each is done. The parent hands it the render (`run`) only once it
# has said so, so the render starts with the whole of its limits, as a child forked at that
# moment would; a spare that is not ready within the render's wall-clock limit, or that ended
# (a library too large for its limits), is killed and a child is forked as before.

_READY = b"R"  # the spare's word that a step is done
_ROOM = 32 * 1024  # a frame no larger than this fits the pipe at once, whatever the spare does
_PIPE = 1 << 18  # on Linux the spare's task pipe is made this large, for a library handed over
LARGE_STEP = _PIPE  # a step larger than any spare's pipe holds
# How long a spare that has not said its steps are done is waited for: a grace, and half as
# long again as the parent took over the same steps, at most a second.
_GRACE = 0.25
_LONGEST = 1.0


class NoSpare(Exception):
    """The spare could not take the task (there is none, it ended, or it is late): make it
    the way it was made before there were spares."""


class _Spare:
    __slots__ = ("pid", "tasks", "replies", "steps", "asked", "room")

    def __init__(self, pid: int, tasks: int, replies: int, room: int) -> None:
        self.pid = pid
        self.tasks = tasks  # the parent writes steps and the task here
        self.replies = replies  # and reads each step's word and the one answer here
        self.steps = 0  # steps sent that the spare has not yet said are done
        self.asked = 0.0  # when the first of them was sent
        self.room = room  # bytes of steps the pipe still holds, however busy the spare is


_spare: _Spare | None = None


def start_spare(warm: Callable[[], None], limits: Limits | None = None) -> None:
    """Fork a spare render child now, which arms `limits` and runs `warm` (imports) at once,
    then waits for the next `run`. Only where fork exists, only from a single-threaded
    process, one at a time; where the system cannot make one, there is none. A spare never
    used is killed when this process ends."""
    global _spare
    if not HAS_FORK or _spare is not None or threading.active_count() > 1 or _one_core():
        return
    try:
        task_read, task_write = os.pipe()
    except OSError:
        return
    room = _pipe_room(task_write)
    try:
        reply_read, reply_write = os.pipe()
    except OSError:
        os.close(task_read)
        os.close(task_write)
        return
    parent = os.getpid()  # taken here: a child asking after the fork may ask too late
    try:
        pid, held = _fork()
    except OSError:
        for fd in (task_read, task_write, reply_read, reply_write):
            os.close(fd)
        return
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(task_write)
            os.close(reply_read)
            _detach((task_read, reply_write))
            _unhold(held)
            gc.disable()
            arm(limits or Limits())  # whatever an import runs, it runs in the jail
            _cap_cpu(SPARE_CPU)
            _end_with_parent(parent)
            with contextlib.suppress(Exception):
                warm()
            _cap_memory(_vm_size() + WORKER_MEMORY_ROOM)  # no step raises its own past it
            _limit_kernel_resources(RENDER_FILES)
            confine.confine()  # before anything a stranger wrote reaches it
            _spare_serves(task_read, reply_write, parent)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    os.close(task_read)
    os.close(reply_write)
    _spare = _Spare(pid, task_write, reply_read, room)
    import atexit

    atexit.register(drop_spare)


SPARE_CPU = 30  # seconds of CPU a spare and anything it starts may ever use, steps and render


def _pipe_room(fd: int) -> int:
    """How many bytes the pipe holds unread: made larger on Linux (F_SETPIPE_SZ), so the
    libraries a command hands its spare wait there while the spare is still importing."""
    if not sys.platform.startswith("linux"):
        return _ROOM
    try:
        import fcntl

        fcntl.fcntl(fd, 1031, _PIPE)  # F_SETPIPE_SZ
        return max(_ROOM, int(fcntl.fcntl(fd, 1032)) // 2)  # F_GETPIPE_SZ, with a margin
    except (ImportError, OSError, ValueError):
        return _ROOM


def _cap_cpu(seconds: int) -> float | None:
    """A CPU limit no process this one starts can raise past `seconds` more than it has used:
    its steps (or tasks) each get their own allowance within it. The limit, in this process's
    CPU seconds (None where there is none)."""
    if sys.platform == "win32":
        return None
    import resource

    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        cap = math.ceil(_cpu_used()) + seconds
        if hard == resource.RLIM_INFINITY or cap < hard:
            below = cap if soft == resource.RLIM_INFINITY else min(soft, cap)
            resource.setrlimit(resource.RLIMIT_CPU, (below, cap))
            return float(cap)
        return None  # a lower limit it was started with stands, and ends it when it must
    except (ValueError, OSError):
        return None


def _cap_memory(most: int) -> None:
    """An address-space limit no task in this process can raise past `most` bytes (each task's
    own limit, set by `arm`, is lower)."""
    if not ENFORCES_ADDRESS_SPACE or most <= WORKER_MEMORY_ROOM:
        return
    import resource

    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or most < hard:
            below = most if soft == resource.RLIM_INFINITY else min(soft, most)
            resource.setrlimit(resource.RLIMIT_AS, (below, most))


def _one_core() -> bool:
    """Whether this process has one core's worth of time only (its CPU set, or a container's
    CPU quota): a spare would only take turns with it, reading the libraries twice over."""
    try:
        cores = float(len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        cores = float(os.cpu_count() or 1)
    quota = _cpu_quota()
    return min(cores, quota if quota is not None else cores) < 2


def _cpu_quota() -> float | None:
    """The CPU time a container may use, in cores (cgroup v2's cpu.max or v1's CFS quota), or
    None where there is no quota."""
    from pathlib import Path

    from booklet.base.files import read_bounded

    for quota, period in (
        ("/sys/fs/cgroup/cpu.max", ""),
        ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    ):
        try:
            words = read_bounded(Path(quota), 64).split()
            if period:
                words += read_bounded(Path(period), 64).split()
            if not words or words[0] in (b"max", b"-1"):
                return None
            return int(words[0]) / max(1, int(words[1]))
        except (BookletError, OSError, ValueError, IndexError):
            continue
    return None


def _end_with_parent(parent: int) -> None:
    """Ask the kernel to kill this spare when its parent ends (Linux), so a spare held up in
    a step never outlives the command that made it; and leave now if it already has."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


# --- what a render's processes leave behind ------------------------------------------------------
#
# A process a render starts can leave its session and fork on in a chain, each generation with
# a CPU limit of its own: no limit on one process bounds them all. A process that is a child
# subreaper (Linux) is given every descendant whose parent ended, however it left; booklet's own
# processes (the command, each worker) are, and end every such stray once a render is done.

_SUBREAPER = 0  # the process that adopts what its renders leave (become_subreaper), by pid


def adopting() -> bool:
    """Whether this process adopts what its renders leave (a child forked from one does not:
    the kernel does not pass it on)."""
    return os.getpid() == _SUBREAPER


def become_subreaper() -> bool:
    """Make this process the one that adopts every descendant whose parent ends (Linux's
    PR_SET_CHILD_SUBREAPER), so it can end them (end_strays). Only for a process booklet owns:
    the command, a worker; never one that embeds booklet, or that already has children (a
    shell's background job kept across `exec booklet`): their children are not booklet's to
    end, and cannot be told from strays. Whether it now is."""
    global _SUBREAPER
    if adopting() or not sys.platform.startswith("linux") or _children():
        return adopting()
    with contextlib.suppress(Exception):
        import ctypes

        if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0:
            _SUBREAPER = os.getpid()
            import atexit

            atexit.register(_end_all_strays)  # among the last: nothing made outlives it
    return adopting()


def _end_all_strays() -> None:
    if adopting():
        end_strays()


def _children() -> list[int]:
    """This process's children (Linux's /proc/self/task/*/children); where that cannot be
    read whole, from every process's parent (`_descendants`)."""
    from pathlib import Path

    from booklet.base.files import read_bounded

    found: list[int] = []
    try:
        threads = os.listdir("/proc/self/task")
    except OSError:
        return found
    for thread in threads:
        try:
            listing = read_bounded(Path(f"/proc/self/task/{thread}/children"), 1 << 20)
            found += [int(pid) for pid in listing.split()]
        except (BookletError, OSError, ValueError):
            return _descendants({os.getpid()}, children_only=True)
    return found


def _descendants(roots: set[int], *, children_only: bool = False) -> list[int]:
    """Every process below `roots` (or only their children), from each process's parent in
    /proc/PID/stat."""
    from pathlib import Path

    from booklet.base.files import read_bounded

    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = read_bounded(Path(f"/proc/{entry}/stat"), 4096)
            parent = int(stat.rsplit(b")", 1)[1].split()[1])
        except (BookletError, OSError, ValueError, IndexError):
            continue
        parents.setdefault(parent, []).append(int(entry))
    found: list[int] = []
    level = list(roots)
    while level:
        below = [child for pid in level for child in parents.get(pid, [])]
        found += below
        if children_only:
            break
        level = below
    return found


STRAYS_TIME = 5.0  # seconds end_strays keeps at it, at most (a chain thousands deep)


def end_strays(keep: frozenset[int] | set[int] = frozenset()) -> int:
    """In a subreaper, end every child but those in `keep`, and every process below them:
    what renders left, however deep or fast it forks. Each round stops them all (SIGSTOP) so
    none forks on, then kills them; whatever they had started comes here as they end, for the
    next round, until none is left. Each child reaped. How many were ended."""
    ended = 0
    give_up = time.monotonic() + STRAYS_TIME
    while time.monotonic() < give_up:
        strays = [pid for pid in _children() if pid not in keep]
        if not strays:
            break
        below = _descendants(set(strays))  # only when there are strays: a walk of /proc
        for number in (signal.SIGSTOP, signal.SIGKILL):
            for pid in (*strays, *below):
                with contextlib.suppress(OSError):
                    os.kill(pid, number)
        for pid in strays:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        ended += len(strays) + len(below)
    return ended


_RENDERING: set[int] = set()  # render children this process is waiting on: never strays


def _end_strays_here() -> None:
    """After a render in this process's child (or a worker's replacement): end what it left,
    keeping the children booklet made and still uses (a spare, a pool's workers)."""
    if not adopting():
        return
    keep = {_spare.pid} if _spare is not None else set()
    keep |= _RENDERING
    for pool in list(_POOLS):
        keep |= {worker.pid for worker in pool.workers}
    end_strays(keep)


def _spare_serves(task_fd: int, reply_fd: int, parent: int) -> None:
    """The spare's life: steps to get ready with, each said done, then one task, answered; or
    the end of its pipe (or of its parent), and it leaves. A step that fails ends it too: the
    task then goes to a child made as before, which needs no such step."""
    reading = False  # whether what it reads is narrowed: at its first step, or its task
    while True:
        message = _read_task(task_fd)
        if message is None or os.getppid() != parent:
            return
        (function, final), args, limits = message
        arm(limits, last=final)
        if limits.reads is not None and not reading:
            reading = confine.restrict_reads(limits.reads) or True
        if final:
            _write_all(reply_fd, _reply_of(function, args))
            return
        try:
            function(*args)
        except BaseException:
            return
        arm(limits)  # waiting for the next frame on a fresh allowance, not the step's last
        _write_all(reply_fd, _READY)


def prepare_spare(step: Callable[..., Any], *args: Any, limits: Limits) -> bool:
    """Ask the spare, if there is one, to run `step(*args)` under `limits` before its task:
    loading what the render will need, or taking what this process has loaded. Nothing comes
    back but its word that it is done; a step that fails ends the spare (its task then goes
    to a child made as before). Whether the step was sent: a step larger than the pipe still
    holds is not (it would wait there for a spare still importing), and the spare stays."""
    spare = _spare
    if spare is None:
        return False
    try:
        frame = _task_frame((step, False), args, limits)
    except Exception:  # a step that does not pickle: the spare is not made ready with it
        return False
    if len(frame) > spare.room:
        return False
    try:
        _write_all(spare.tasks, frame)
    except OSError:
        drop_spare()
        return False
    spare.room -= len(frame)
    if not spare.steps:
        spare.asked = time.monotonic()
    spare.steps += 1
    return True


def run_in_spare(task: Callable[..., Any], *args: Any, limits: Limits, label: str) -> Any:
    """task(*args) in the spare `start_spare` made, as `run` would run it in a child of its
    own; NoSpare if the spare cannot take it."""
    taken = _take_spare(task, args, limits)
    if taken is None:
        raise NoSpare
    try:
        return _answer(*taken, limits, label)
    finally:
        _end_strays_here()


def _take_spare(
    task: Callable[..., Any], args: tuple[Any, ...], limits: Limits
) -> tuple[int, int] | None:
    """Hand the task to the spare once it has said its steps are done: its pid and the pipe
    its answer comes on. None if there is no spare, the task does not pickle, or the spare has
    ended or is late (it is killed). Late is later than a grace and half as long again as this
    process, which did the same steps for its own checks, took to reach here since it asked
    for them, and at most a second: a spare not keeping up with the steps as this process did
    is not waited for, so the task, made another way, is not delayed much."""
    global _spare
    spare = _spare
    if spare is None:
        return None
    try:
        frame = _task_frame((task, True), args, limits)
    except Exception:  # a task that does not pickle: a child is forked for it instead
        return None
    _spare = None
    _RENDERING.add(spare.pid)  # while it is waited for, it is no stray
    try:
        now = time.monotonic()
        wait = min(_GRACE + (now - spare.asked) / 2, _LONGEST)
        if spare.steps and not _spare_ready(spare, now + wait):
            _end_spare(spare)
            return None
        _write_all(spare.tasks, frame)  # the spare is reading: it takes it all
        os.close(spare.tasks)
    except OSError:
        _end_spare(spare)
        return None
    except BaseException:
        _end_spare(spare)
        raise
    finally:
        _RENDERING.discard(spare.pid)
    return spare.pid, spare.replies


def _spare_ready(spare: _Spare, deadline: float) -> bool:
    """Whether the spare says each step it was sent is done, by the deadline."""
    try:
        words = _read_exact(spare.replies, spare.steps, deadline)
    except TimeoutError:
        return False
    return words == _READY * spare.steps


def has_spare() -> bool:
    return _spare is not None


def drop_spare() -> None:
    """Kill and reap the spare, if there is one (at exit, or when it is not wanted)."""
    global _spare
    spare, _spare = _spare, None
    if spare is not None:
        _end_spare(spare)


def _end_spare(spare: _Spare) -> None:
    for fd in (spare.tasks, spare.replies):
        with contextlib.suppress(OSError):
            os.close(fd)
    _kill(spare.pid)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, ChildProcessError, OSError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _reap(pid: int, kill: bool) -> int:
    """Wait for a child that has answered (it is exiting) or kill one that has not."""
    if kill:
        with contextlib.suppress(ProcessLookupError, OSError):
            os.kill(pid, signal.SIGKILL)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return 0
    return status


# --- long-lived workers ------------------------------------------------------------------------


def _task_frame(task: Any, args: tuple[Any, ...], limits: Limits) -> bytes:
    """A task for a worker: from the parent, which the worker trusts, so pickle is fine here."""
    import pickle

    data = pickle.dumps((task, args, tuple(limits)), protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _read_task(fd: int) -> tuple[Any, tuple[Any, ...], Limits] | None:
    head = _read_blocking(fd, _HEADER.size)
    if head is None:
        return None
    (length,) = _HEADER.unpack(head)
    data = _read_blocking(fd, length)
    if data is None:
        return None
    import pickle

    task, args, limits = pickle.loads(data)
    return task, args, Limits(*limits)


def _read_blocking(fd: int, size: int) -> bytes | None:
    chunks, need = [], size
    while need:
        chunk = os.read(fd, min(need, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        need -= len(chunk)
    return b"".join(chunks)


RECYCLE_GROWTH = 256 * MIB  # a worker that has grown this much since it started is replaced
# A worker that runs each task in a child of its own stops a late child itself; the pool waits
# this much longer before it kills the worker (a worker stuck in something else).
ISOLATED_GRACE = 2.0
# A reused worker, and anything a task in it starts, may use this much CPU in all: a process a
# planted module forks and detaches cannot raise its limit past it. The worker leaves (and is
# replaced) while a task's whole allowance still fits under it: every few thousand cards.
WORKER_CPU = 60
WORKER_TASK_ROOM = 30  # the most CPU one task in a reused worker is ever allowed
# And this much address space over what it held when it started, in all: room for its growth
# before it is replaced and for the largest task (a render, a logo, previews).
WORKER_MEMORY_ROOM = RECYCLE_GROWTH + 512 * MIB


def serve(
    task_fd: int,
    reply_fd: int,
    isolate: bool,
    init: tuple[Any, ...] | None,
    reads: tuple[str, ...] | None = None,
) -> None:
    """A worker's life: run tasks until the parent closes the pipe. Each reply is one frame;
    a worker that grew too large, or has used its CPU but a task's room, says so after its
    reply and leaves (the pool replaces it). `reads`, its pool's: what it may read from the
    start, its initializer included (it loads the libraries)."""
    adopts = become_subreaper()  # whatever a task's processes leave becomes this one's child
    confine.undumpable()  # a spawned worker too: its pipes carry the next task
    # What it may read is narrowed from the start where it runs its tasks itself; a worker
    # that forks a child for each task leaves that to each child (a narrowing holds in every
    # child too, where each one's own /proc/self would be out of reach).
    isolating = isolate and HAS_FORK
    reading = reads is not None and not isolating and confine.restrict_reads(reads)
    if not isolating:  # its tasks run in it: it starts nothing from here on, and is confined
        # before its initializer reads the libraries (a spawned worker's, found by attack);
        # the initializer may take a lifetime's CPU of its own, and the tasks theirs after it
        _cap_cpu(2 * WORKER_CPU)
        _cap_memory(_vm_size() + WORKER_MEMORY_ROOM)
        _limit_kernel_resources(RENDER_FILES)
        confine.confine()
    if init is not None:
        initializer, initargs = init
        initializer(*initargs)
    cap = _cap_cpu(WORKER_CPU)  # from here: the initializer's time is not the tasks'
    base = _vm_size()
    zygote = _Zygote.start() if isolating else None
    while True:
        task = _read_task(task_fd)
        if task is None:
            return
        function, args, limits = task
        lost = False
        if zygote is not None:
            reply, lost = zygote.run(function, args, limits)
        elif isolating:
            reply = _in_grandchild(function, args, limits)
        else:
            if limits.reads is not None and not reading:  # its pool's: the same for every task
                reading = confine.restrict_reads(limits.reads) or True
            arm(limits)
            try:
                reply = _reply_of(function, args)
            finally:
                disarm()
        if adopts:  # a worker has no child of its own between tasks but its clean one
            end_strays({zygote.pid} if zygote is not None else set())
        leaving = bool(base) and _vm_size() - base > RECYCLE_GROWTH
        leaving |= cap is not None and _cpu_used() > cap - WORKER_TASK_ROOM
        leaving |= lost  # its clean child is gone: a new worker makes another
        _write_all(reply_fd, (b"R" if leaving else b"K") + reply)
        if leaving:
            return


class _Zygote:
    """A page worker's clean child. Forked once, when the worker has warmed up and before it
    is handed any task, it forks each task's child in its turn: no task's child inherits what
    earlier tasks left in the worker's memory (found by attack: a render read an earlier
    visitor's name, note and PDF there). The worker writes the task to the child and reads
    its answer; the clean child sees neither, only "fork one" and "how did it end"."""

    def __init__(self, pid: int, sock: Any) -> None:
        self.pid, self.sock = pid, sock

    @classmethod
    def start(cls) -> _Zygote | None:
        import socket

        if not hasattr(socket, "send_fds"):
            return None
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        gc.collect()
        gc.freeze()  # its children share these pages
        worker = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                mine.close()
                _detach((theirs.fileno(),))
                gc.disable()
                _end_with_parent(worker)
                _zygote_serves(theirs, worker)
            except BaseException:
                code = 70
            finally:
                os._exit(code)
        gc.unfreeze()
        theirs.close()
        _RENDERING.add(pid)  # never taken for a stray while the worker waits for an answer
        return cls(pid, mine)

    def run(
        self, function: Callable[..., Any], args: tuple[Any, ...], limits: Limits
    ) -> tuple[bytes, bool]:
        """The task in a fresh child of the clean one: its answer's frame, and whether the
        clean child is lost (the worker then leaves, and the pool starts another)."""
        import socket

        try:
            self.sock.sendall(b"F")
            data, fds, _, _ = socket.recv_fds(self.sock, 4, 2)
        except OSError:
            return encode({"stopped": "exit"}), True
        if len(data) != 4 or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            return encode({"stopped": "exit"}), True
        (pid,) = struct.unpack(">i", data)
        task_fd, reply_fd = fds
        try:
            with contextlib.suppress(OSError):  # a child that ended early: its answer says so
                _write_all(task_fd, _task_frame(function, args, limits))
        finally:
            os.close(task_fd)
        try:
            reply = _read_frame(reply_fd, time.monotonic() + limits.wall, limits.memory)
        finally:
            os.close(reply_fd)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)  # answered or not: a child that lingers is ended
        try:
            self.sock.sendall(b"S" + struct.pack(">i", pid))
            answer = _recv_exact(self.sock, 4)
        except OSError:
            answer = None
        status = struct.unpack(">i", answer)[0] if answer else 0
        if reply.frame is None:
            why = "time" if reply.timed_out else _why_it_ended(status)
            return encode({"stopped": why}), answer is None
        header, body = reply.frame
        return _HEADER.pack(len(header)) + header + body, answer is None


def _recv_exact(sock: Any, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _zygote_serves(sock: Any, worker: int) -> None:
    """The clean child's life: fork a task's child when asked (and hand the worker its two
    pipes), say how one ended when asked; leave with the worker."""
    import socket

    me = os.getpid()
    while True:
        word = sock.recv(1)
        if not word or os.getppid() != worker:
            return
        if word == b"S":
            asked = _recv_exact(sock, 4)
            if asked is None:
                return
            try:
                _, status = os.waitpid(struct.unpack(">i", asked)[0], 0)
            except ChildProcessError:
                status = 0
            sock.sendall(struct.pack(">i", status))
            continue
        task_read, task_write = os.pipe()
        reply_read, reply_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                os.close(task_write)
                os.close(reply_read)
                _detach((task_read, reply_write))
                _end_with_parent(me)
                message = _read_task(task_read)
                os.close(task_read)  # its one pipe is its answer's, as a child of `run` has
            except BaseException:
                os._exit(70)
            if message is None:
                os._exit(0)
            function, args, limits = message
            _render_here(function, args, limits, reply_write, me)
        os.close(task_read)
        os.close(reply_write)
        try:
            socket.send_fds(sock, [struct.pack(">i", pid)], [task_write, reply_read])
        finally:
            os.close(task_write)
            os.close(reply_read)


def _in_grandchild(function: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> bytes:
    """One task in a child of the worker: whatever it does goes when it ends."""
    confine.program()
    read_end, write_end = os.pipe()
    gc.freeze()
    worker = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            _detach((write_end,))  # not the worker's pipes: the next visitor's task comes there
        except BaseException:
            os._exit(70)
        _render_here(function, args, limits, write_end, worker)
    gc.unfreeze()
    os.close(write_end)
    _RENDERING.add(pid)
    try:
        # The worker keeps the deadline itself (the pool's is later: ISOLATED_GRACE), so it
        # lives on to end whatever the task's child left behind.
        reply = _read_frame(read_end, time.monotonic() + limits.wall, limits.memory)
    finally:
        _RENDERING.discard(pid)
        os.close(read_end)
    status = _reap(pid, kill=True)  # answered or not: a child that lingers is not waited for
    if reply.frame is None:
        return encode({"stopped": "time" if reply.timed_out else _why_it_ended(status)})
    header, body = reply.frame
    return _HEADER.pack(len(header)) + header + body


def _worker_main() -> None:
    """`python -m booklet.base.jail`: a spawned worker, talking on its stdin and stdout."""
    task_fd = os.dup(0)
    reply_fd = os.dup(1)
    _detach((task_fd, reply_fd))
    init_frame = _read_blocking(task_fd, _HEADER.size)
    if init_frame is None:
        return
    (length,) = _HEADER.unpack(init_frame)
    import pickle

    settings = pickle.loads(_read_blocking(task_fd, length) or b"")
    serve(task_fd, reply_fd, settings["isolate"], settings["init"], settings.get("reads"))


class _Job(NamedTuple):
    task: Callable[..., Any]
    args: tuple[Any, ...]
    label: str
    limits: Limits
    future: Future[Any]


class _Worker:
    """One worker process, its two pipes, and the tasks sent to it (it runs them in order:
    the next one waits in the pipe, so the worker never idles while its parent writes)."""

    def __init__(self, pool: Pool) -> None:
        self.jobs: collections.deque[_Job] = collections.deque()
        self.head_started = 0.0  # when the task it is running began (as far as we can tell)
        self.isolated = pool.isolate
        task_read, task_write = os.pipe()
        reply_read, reply_write = os.pipe()
        self.process: Any = None
        if pool.start == "fork":
            parent = os.getpid()
            pid, held = _fork()
            if pid == 0:
                code = 0
                try:
                    os.close(task_write)
                    os.close(reply_read)
                    with contextlib.suppress(OSError):
                        os.setpgid(0, 0)
                    _detach((task_read, reply_write))
                    _unhold(held)
                    _end_with_parent(parent)  # forked by the thread that lives as long as it
                    serve(task_read, reply_write, pool.isolate, pool.init, pool.limits.reads)
                except BaseException:
                    code = 70
                finally:
                    os._exit(code)
            self.pid = pid
        else:
            import subprocess

            # -P: not the folder it was started in first on the import path, where a
            # stranger's file (a reportlab_settings.py) would run before any limit is set;
            # booklet itself from where this process has it
            safe_path = ["-P"] if sys.version_info >= (3, 11) else []
            home = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            paths = [home, *filter(None, [os.environ.get("PYTHONPATH")])]
            self.process = subprocess.Popen(
                [sys.executable, *safe_path, "-m", "booklet.base.jail"],
                env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
                stdin=task_read,
                stdout=reply_write,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                start_new_session=sys.platform != "win32",
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
            self.pid = self.process.pid
            _windows_job(self.process, pool.limits)
        os.close(task_read)
        os.close(reply_write)
        self.task_fd = task_write
        self.reply_fd = reply_read
        if pool.start != "fork":
            settings = {"isolate": pool.isolate, "init": pool.init, "reads": pool.limits.reads}
            import pickle

            data = pickle.dumps(settings, protocol=pickle.HIGHEST_PROTOCOL)
            _write_all(self.task_fd, _HEADER.pack(len(data)) + data)

    @property
    def deadline(self) -> float:
        grace = ISOLATED_GRACE if self.isolated else 0.0
        return self.head_started + self.jobs[0].limits.wall + grace

    def send(self, job: _Job) -> None:
        if not self.jobs:
            self.head_started = time.monotonic()
        self.jobs.append(job)
        _write_all(self.task_fd, _task_frame(job.task, job.args, job.limits))

    def stop(self) -> int:
        """Kill the worker (and any grandchild) and return how it ended."""
        for fd in (self.task_fd, self.reply_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.process is not None:
            with contextlib.suppress(OSError):
                if sys.platform == "win32":
                    self.process.kill()
                else:
                    os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            code = self.process.returncode or 0
            return (-code) & 0x7F if code < 0 else (code & 0xFF) << 8
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(self.pid, signal.SIGKILL)
        return _reap(self.pid, kill=True)

    def close(self) -> None:
        """Let an idle worker go: it reads end of file and leaves."""
        with contextlib.suppress(OSError):
            os.close(self.task_fd)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if self.process is not None:
                if self.process.poll() is not None:
                    break
            else:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    with contextlib.suppress(OSError):
                        os.close(self.reply_fd)
                    return
            time.sleep(0.005)
        self.stop()


def _windows_job(process: Any, limits: Limits) -> None:
    """On Windows, the worker goes into a Job Object with a memory limit (no rlimits there)."""
    if sys.platform != "win32":
        return
    import ctypes
    from ctypes import wintypes

    class _Basic(ctypes.Structure):
        _fields_ = [
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", wintypes.DWORD),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", wintypes.DWORD),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", wintypes.DWORD),
            ("SchedulingClass", wintypes.DWORD),
        ]

    class _Io(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint64) for name in ("r", "w", "o", "rb", "wb", "ob")]

    class _Extended(ctypes.Structure):
        _fields_ = [
            ("BasicLimitInformation", _Basic),
            ("IoInfo", _Io),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        ]

    kernel = getattr(ctypes, "windll").kernel32  # noqa: B009 (Windows only)
    job = kernel.CreateJobObjectW(None, None)
    info = _Extended()
    info.BasicLimitInformation.LimitFlags = 0x100 | 0x2000  # process memory, kill on close
    info.ProcessMemoryLimit = 256 * MIB + limits.memory
    kernel.SetInformationJobObject(job, 9, ctypes.byref(info), ctypes.sizeof(info))
    kernel.AssignProcessToJobObject(job, int(process._handle))
    process._booklet_job = job  # keep the handle: closing it kills the worker


class Pool:
    """Workers that render tasks under limits, each task in a fresh set of limits.

    `submit` is safe from any thread and returns a Future; `results` drives the pool from the
    calling thread for a batch; `start_thread` lets a thread drive it for a server. A task
    whose worker is killed (time, memory, a crash) fails alone with one line; the worker is
    replaced and the tasks queued behind it go to the others. At most `backlog` tasks wait:
    more is `Busy` at once."""

    DEPTH = 2  # tasks in a worker's pipe at once: one running, the next ready

    def __init__(
        self,
        workers: int,
        *,
        limits: Limits | None = None,
        isolate: bool = False,
        initializer: Callable[..., Any] | None = None,
        initargs: tuple[Any, ...] = (),
        start: str | None = None,
        backlog: int | None = None,
    ) -> None:
        self.size = max(1, workers)
        self.limits = limits or Limits()
        self.isolate = isolate
        self.init = (initializer, initargs) if initializer is not None else None
        single_threaded = threading.active_count() == 1
        self.start = start or ("fork" if HAS_FORK and single_threaded else "spawn")
        self.backlog = backlog
        self.depth = 1 if backlog is not None else self.DEPTH  # a server: who waits is fair
        self.waiting: collections.deque[_Job] = collections.deque()
        self.pending = 0
        self.lock = threading.Lock()
        self.workers: list[_Worker] = []
        self.closed = False
        self.thread: threading.Thread | None = None
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_write, False)
        for _ in range(self.size):
            self.workers.append(_Worker(self))
        _POOLS.add(self)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def submit(
        self, task: Callable[..., Any], *args: Any, label: str, limits: Limits | None = None
    ) -> Future[Any]:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        with self.lock:
            if self.closed:
                raise RuntimeError("the pool is closed")
            if self.backlog is not None and self.pending >= self.size + self.backlog:
                raise Busy("every worker is busy. Try again in a moment.")
            self.pending += 1
            self.waiting.append(_Job(task, args, label, limits or self.limits, future))
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self.wake_write, b"!")
        return future

    def busy(self) -> int:
        """Tasks waiting or running."""
        return self.pending

    def _next_job(self) -> _Job | None:
        with self.lock:
            while self.waiting:
                job = self.waiting.popleft()
                if job.future.running() or job.future.set_running_or_notify_cancel():
                    return job
                self.pending -= 1
        return None

    def _dispatch(self) -> None:
        for depth in range(1, self.depth + 1):  # first every worker one task, then a second
            for worker in list(self.workers):
                if len(worker.jobs) >= depth or worker not in self.workers:
                    continue
                job = self._next_job()
                if job is None:
                    return
                try:
                    worker.send(job)
                except OSError:  # it had left: its tasks go to its replacement
                    self._replace(worker, None, "gone")

    def _settled(self) -> None:
        with self.lock:
            self.pending -= 1

    def _replace(self, worker: _Worker, failed: _Job | None, why: str) -> None:
        """Kill the worker; `failed` fails with `why`, its other tasks wait for another."""
        status = worker.stop()
        if worker in self.workers:
            self.workers.remove(worker)
        requeue = [job for job in worker.jobs if job is not failed]
        worker.jobs.clear()
        with self.lock:
            self.waiting.extendleft(reversed(requeue))
        if failed is not None:
            reason = why if why != "exit" else _why_it_ended(status)
            failed.future.set_exception(
                Stopped(stopped_message(failed.label, reason, failed.limits))
            )
            self._settled()
        if not self.closed:
            self.workers.append(_Worker(self))
        _end_strays_here()  # what a killed worker's tasks left came to this process

    def pump(self, timeout: float) -> None:
        """One turn: hand waiting tasks to workers, collect answers, enforce deadlines."""
        self._dispatch()
        busy = {w.reply_fd: w for w in self.workers if w.jobs}
        wait = timeout
        if busy:
            soonest = min(w.deadline for w in busy.values())
            wait = max(0.0, min(timeout, soonest - time.monotonic()))
        try:
            ready, _, _ = select.select([self.wake_read, *busy], [], [], wait)
        except InterruptedError:
            ready = []
        if self.wake_read in ready:
            with contextlib.suppress(BlockingIOError, OSError):
                os.read(self.wake_read, 4096)
        for fd in ready:
            worker = busy.get(fd)
            if worker is not None and worker in self.workers:
                self._collect(worker)
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.jobs and now >= worker.deadline:
                self._replace(worker, worker.jobs[0], "time")
        self._dispatch()

    def _collect(self, worker: _Worker) -> None:
        job = worker.jobs[0]
        try:
            status = _read_exact(worker.reply_fd, 1, worker.deadline)
        except TimeoutError:
            status = None
        reply = (
            _read_frame(worker.reply_fd, worker.deadline, job.limits.memory)
            if status
            else _Reply(None, False)
        )
        if reply.frame is None:
            self._replace(worker, job, "time" if reply.timed_out else "exit")
            return
        worker.jobs.popleft()
        worker.head_started = time.monotonic()  # the next task starts as this one ends
        try:
            answer = outcome(_decoded(reply.frame), job.label, job.limits)
        except BaseException as exc:
            job.future.set_exception(exc)
        else:  # outside the try: a Ctrl-C while it runs its callbacks stays a Ctrl-C
            job.future.set_result(answer)
        self._settled()
        if status == b"R":  # it grew too large and has left: a fresh one takes its place
            self._replace(worker, None, "recycled")

    def results(self, futures: list[Future[Any]]) -> Iterator[Future[Any]]:
        """Drive the pool from this thread, yielding each future as it finishes. Each one
        says so itself (a done callback), so a turn costs the same with ten tasks left or a
        thousand: looking over every future each turn made a large batch's parent quadratic."""
        finished: collections.deque[Future[Any]] = collections.deque()
        for future in futures:  # one already done calls back at once
            future.add_done_callback(finished.append)
        left = len(futures)
        while left:
            while finished:
                left -= 1
                yield finished.popleft()
            if left:
                self.pump(0.5)

    def drain(self, futures: list[Future[Any]]) -> None:
        """After Ctrl-C: cancel what has not started, let what runs finish (or hit its
        deadline), so every answer that arrives can still be recorded."""
        with self.lock:
            queued = list(self.waiting)
            self.waiting.clear()
            self.pending -= len(queued)
        for job in queued:
            job.future.cancel()
        for future in futures:
            future.cancel()
        while any(w.jobs for w in self.workers):
            for worker in self.workers:  # only the task each worker is running goes on
                while len(worker.jobs) > 1:
                    worker.jobs.pop().future.cancel()
            self.pump(0.2)

    def start_thread(self) -> None:
        """Let a thread of its own drive the pool (a server, a cluster worker)."""

        def loop() -> None:
            while not self.closed:
                try:
                    self.pump(1.0)
                except Exception:  # never let the loop die; a broken worker is replaced
                    time.sleep(0.05)

        self.thread = threading.Thread(target=loop, name="booklet-jail", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            os.write(self.wake_write, b"!")
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=5)
        for worker in self.workers:
            if worker.jobs:
                for job in worker.jobs:
                    job.future.cancel()
                worker.stop()
            else:
                worker.close()
        self.workers.clear()
        with self.lock:
            while self.waiting:
                self.waiting.popleft().future.cancel()
        for fd in (self.wake_read, self.wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)
        _POOLS.discard(self)
        _end_strays_here()


_POOLS: weakref.WeakSet[Pool] = weakref.WeakSet()  # this process's pools, whose workers it keeps


if __name__ == "__main__":
    _worker_main()
