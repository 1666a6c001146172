"""Tasks for the jail's tests: module-level, so a spawned worker can import them by name."""

from __future__ import annotations

import os
import time

from booklet.base.errors import BookletError, ValidationError
from booklet.products.requests import OptionError


def echo(value):
    return {"value": value, "bytes": b"%PDF-" + str(value).encode()}


def spin():
    while True:
        pass


def sleep_for(seconds: float):
    time.sleep(seconds)
    return "woke"


def grab_memory():
    return len(b"x" * (1 << 31))


def quadratic_sum():
    """One C call that runs for minutes: summing lists concatenates them again and again."""
    return len(sum([[i] for i in range(400_000)], []))


def work_for(cpu_seconds: float):
    started = time.process_time()
    while time.process_time() - started < cpu_seconds:
        pass
    return "done"


def option_error():
    raise OptionError("bleed", "3in is more than 0.5in. Use 0 to 0.5in.")


def many_problems():
    from booklet.base.errors import Problem

    raise ValidationError([Problem("first", "a.yaml", 3, "steps"), Problem("second", "b.yaml")])


def booklet_error():
    raise BookletError("no such thing.", file="x.yaml", line=2, field="name")


def bug():
    return 1 / 0


class NotData:
    def __reduce__(self):  # pickle would run this in whoever unpickles it
        return (os.system, ("echo owned > owned.txt",))


def not_data():
    return NotData()


def open_descriptors():
    """What each descriptor this process holds points at."""
    found = []
    for fd in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            found.append("(gone)")
    return found


def write_file(path: str):
    with open(path, "w") as handle:
        handle.write("written from the jail")
    return "wrote"


WARMED: list[str] = []


def warm() -> None:
    """A spare's warm-up: leaves a mark only the process that ran it has."""
    WARMED.append("warm")


def get_ready(word: str) -> None:
    WARMED.append(word)


def what_was_warmed() -> dict:
    return {"pid": os.getpid(), "warmed": list(WARMED)}


def sleep_in_warm_up() -> None:
    """A spare's warm-up that takes its time (not CPU): the spare is busy, not reading."""
    time.sleep(3)


def write_in_warm_up() -> None:
    with open("warm.txt", "w") as handle:
        handle.write("written while warming up")


def sleep_long_in_warm_up() -> None:
    time.sleep(10)


def cpu_left() -> float:
    """Seconds of CPU this process may still use before its allowance ends it."""
    import signal

    return signal.getitimer(signal.ITIMER_PROF)[0]


def leave_a_spinner() -> int:
    """Start a process of its own, in a session of its own, that raises its CPU limit as far
    as it may and spins: what a planted module in the jail could do. Its pid."""
    import resource

    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            _, hard = resource.getrlimit(resource.RLIMIT_CPU)
            resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
            import signal

            signal.setitimer(signal.ITIMER_PROF, 0)
            while True:
                pass
        finally:
            os._exit(0)
    return pid


def import_reportlab() -> None:
    import reportlab.rl_config  # noqa: F401  # reads reportlab_settings from the path


def cpu_limit_held() -> dict:
    """The CPU limit this process (and whatever it starts) holds, and whether raising it past
    its hard limit is refused."""
    import resource

    hard, refused = _hard_limit(resource.RLIMIT_CPU)
    used = resource.getrusage(resource.RUSAGE_SELF)
    return {"hard": hard, "used": used.ru_utime + used.ru_stime, "refused": refused}


def _hard_limit(which: int) -> tuple[int | None, bool]:
    """A limit's hard value (None: none), and whether raising it to none is refused."""
    import resource

    soft, hard = resource.getrlimit(which)
    try:
        resource.setrlimit(which, (soft, resource.RLIM_INFINITY))
        refused = False
    except (ValueError, OSError):
        refused = True
    return (None if hard == resource.RLIM_INFINITY else hard), refused


def pid_after_work(cpu_seconds: float) -> int:
    work_for(cpu_seconds)
    return os.getpid()


def loaded_modules(names: list[str]) -> list[str]:
    """Which of these modules this process has loaded."""
    import sys

    return [name for name in names if name in sys.modules]


def leave_a_chain(port: int) -> int:
    """Start a process that leaves the session and forks on in a chain, each generation saying
    its pid (UDP, to `port`), spinning a little, then forking its successor and leaving: no
    one process's CPU limit bounds them all (found by attack). The first one's pid."""
    import resource
    import socket

    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            say = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for _ in range(200):
                _, hard = resource.getrlimit(resource.RLIMIT_CPU)
                resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
                say.sendto(str(os.getpid()).encode(), ("127.0.0.1", port))
                work_for(0.05)
                if os.fork() != 0:
                    os._exit(0)
        finally:
            os._exit(0)
    return pid


def leave_a_deep_chain(port: int, depth: int) -> int:
    """Start a process that leaves the session and starts a chain `depth` deep, each one
    waiting on the next: only the first ever comes to the command when its parent ends, one
    generation a round (found by attack: 64 rounds, and the rest lived on). The deepest says
    its pid (UDP, to `port`) every 50 ms."""
    import socket

    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            for _ in range(depth):
                if os.fork() != 0:
                    os.wait()
                    os._exit(0)
            say = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            while True:
                say.sendto(str(os.getpid()).encode(), ("127.0.0.1", port))
                time.sleep(0.05)
        finally:
            os._exit(0)
    return pid


def children_of(parent: int) -> list[int]:
    """The pids whose parent is `parent`, from /proc (Linux)."""
    from pathlib import Path

    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == str(parent):
                found.append(int(entry.name))
    return found


def chain_fast_then_wait(seconds: float) -> str:
    """Start a chain that forks as fast as it can, each generation leaving at once (each
    comes to the adopting command to die there), then wait `seconds` before answering."""
    if os.fork() == 0:
        try:
            os.setsid()
            while True:
                if os.fork() != 0:
                    os._exit(0)
        finally:
            os._exit(0)
    time.sleep(seconds)
    return "done"


def _attempt(action) -> str:
    """What the kernel said to one attempt: "refused" (EPERM, or ENOSYS where a call is made
    "not here"), "done", or the error it met otherwise (the call was allowed to try)."""
    import errno

    try:
        action()
    except OSError as error:
        if error.errno in (errno.EPERM, errno.ENOSYS, errno.EACCES):
            return "refused"
        return errno.errorcode.get(error.errno or 0, str(error))
    except ValueError as error:  # resource.setrlimit's word for EPERM
        return "refused" if "not allowed" in str(error) else f"ValueError: {error}"
    except RuntimeError as error:  # threading's word for EPERM or EAGAIN from clone
        return "refused" if "can't start new thread" in str(error) else f"RuntimeError: {error}"
    return "done"


def _fork_and_leave() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _socket(family: int) -> None:
    import socket

    socket.socket(family, socket.SOCK_STREAM).close()


def _raise_hard_limit(which: int) -> None:
    import resource

    soft, hard = resource.getrlimit(which)
    if hard == resource.RLIM_INFINITY:
        raise RuntimeError("no hard limit to raise")
    resource.setrlimit(which, (soft, hard + (1 << 30)))


def _io_uring() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, all zero
    fd = libc.syscall(425, 4, params)  # io_uring_setup
    if fd < 0:
        raise OSError(ctypes.get_errno(), "io_uring_setup")
    os.close(fd)


def _ptrace(pid: int) -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, pid, 0, 0) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
    os.waitpid(pid, 0)  # stopped by the attach
    libc.ptrace(17, pid, 0, 0)  # PTRACE_DETACH


def _message_queue() -> None:
    import ctypes

    librt = ctypes.CDLL("librt.so.1", use_errno=True)
    fd = librt.mq_open(b"/booklet-probe", os.O_RDWR | os.O_CREAT, 0o600, None)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "mq_open")
    os.close(fd)
    librt.mq_unlink(b"/booklet-probe")


def _shared_memory() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    segment = libc.shmget(0, 4096, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
    if segment < 0:
        raise OSError(ctypes.get_errno(), "shmget")
    libc.shmctl(segment, 0, None)  # IPC_RMID


def _sigio_to(pid: int) -> None:
    """Ask the kernel to signal `pid` when a pipe of its own has data (F_SETOWN), with a
    signal whose default is to do nothing (SIGURG), and write to the pipe."""
    import fcntl
    import signal

    read_end, write_end = os.pipe()
    try:
        fcntl.fcntl(read_end, fcntl.F_SETOWN, pid)
        fcntl.fcntl(read_end, 10, signal.SIGURG)  # F_SETSIG
        fcntl.fcntl(read_end, fcntl.F_SETFL, fcntl.fcntl(read_end, fcntl.F_GETFL) | os.O_ASYNC)
        os.write(write_end, b"x")
    finally:
        os.close(read_end)
        os.close(write_end)


def _newer_call(number: int, *args: object) -> None:
    """A call by its number (setxattrat, file_setattr: newer than libseccomp 2.5 knows)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(number, *args) != 0:
        raise OSError(ctypes.get_errno(), f"call {number}")


def _file_flags(path: str) -> None:
    """Set a file's flags (FS_IOC_SETFLAGS) to what they are, through a read-only descriptor."""
    import array
    import fcntl

    fd = os.open(path, os.O_RDONLY)
    try:
        flags = array.array("l", [0])
        fcntl.ioctl(fd, 0x80086601, flags)  # FS_IOC_GETFLAGS
        fcntl.ioctl(fd, 0x40086602, flags)  # FS_IOC_SETFLAGS
    finally:
        os.close(fd)


def _lock(path: str, how: str) -> None:
    import fcntl
    import struct

    fd = os.open(path, os.O_RDONLY)
    try:
        if how == "flock":
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        elif how == "lease":
            fcntl.fcntl(fd, 1024, fcntl.F_RDLCK)  # F_SETLEASE
        else:
            fcntl.fcntl(fd, fcntl.F_SETLK, struct.pack("hhqqi", fcntl.F_RDLCK, 0, 0, 0, 0))
    finally:
        os.close(fd)


def _thread() -> None:
    import threading

    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()


def _many_pipes(count: int) -> None:
    import errno

    held = []
    try:
        for _ in range(count):
            held.extend(os.pipe())
    except OSError as error:
        if error.errno == errno.EMFILE:
            raise OSError(errno.EPERM, f"{len(held)} descriptors at most") from None
        raise
    finally:
        for fd in held:
            os.close(fd)


def try_the_walls(folder: str, victim: int) -> dict[str, str]:
    """A planted module's first moves, each tried once: what the kernel said to each. `folder`
    holds keep.txt (booklet's or the user's file); `victim` is another process of the user's."""
    import fcntl
    import resource
    import socket

    keep = os.path.join(folder, "keep.txt")
    made = os.path.join(folder, "made")
    return {
        "start a process": _attempt(_fork_and_leave),
        "run a program": _attempt(lambda: os.execv("/nonexistent/booklet-probe", ["probe"])),
        "open an internet socket": _attempt(lambda: _socket(socket.AF_INET)),
        "open a local socket": _attempt(lambda: _socket(socket.AF_UNIX)),
        "create a file": _attempt(lambda: open(made, "x").close()),
        "open a file to write": _attempt(lambda: open(keep, "r+").close()),
        "open a file to append": _attempt(lambda: open(keep, "a").close()),
        "truncate a file": _attempt(lambda: os.truncate(keep, 0)),
        "delete a file": _attempt(lambda: os.unlink(keep)),
        "rename a file": _attempt(lambda: os.rename(keep, made)),
        "link a file": _attempt(lambda: os.link(keep, made)),
        "make a symbolic link": _attempt(lambda: os.symlink(keep, made)),
        "make a folder": _attempt(lambda: os.mkdir(made)),
        "change a file's mode": _attempt(lambda: os.chmod(keep, 0o777)),
        "change a file's times": _attempt(lambda: os.utime(keep, (0, 0))),
        "signal another process": _attempt(lambda: os.kill(victim, 0)),
        "signal its parent": _attempt(lambda: os.kill(os.getppid(), 0)),
        "trace another process": _attempt(lambda: _ptrace(victim)),
        "raise its hard CPU limit": _attempt(lambda: _raise_hard_limit(resource.RLIMIT_CPU)),
        "raise its hard memory limit": _attempt(lambda: _raise_hard_limit(resource.RLIMIT_AS)),
        "use io_uring": _attempt(_io_uring),
        "type into the terminal": _attempt(lambda: fcntl.ioctl(0, 0x5412, b"x")),  # TIOCSTI
        "lower another process's limit": _attempt(
            lambda: resource.prlimit(victim, resource.RLIMIT_CPU, (1, 1))
        ),
        "renice another process": _attempt(lambda: os.setpriority(os.PRIO_PROCESS, victim, 19)),
        "move another process's CPUs": _attempt(lambda: os.sched_setaffinity(victim, {0})),
        "open a message queue": _attempt(_message_queue),
        "make shared memory": _attempt(_shared_memory),
        "signal another process through a pipe": _attempt(lambda: _sigio_to(victim)),
        "set an attribute by a newer call": _attempt(
            lambda: _newer_call(463, -100, keep.encode(), 0, b"user.booklet", None, 0)
        ),
        "set a file's attributes by a newer call": _attempt(
            lambda: _newer_call(469, -100, keep.encode(), None, 0, 0)
        ),
        "set a file's flags": _attempt(lambda: _file_flags(keep)),
        "lock a file": _attempt(lambda: _lock(keep, "flock")),
        "lease a file": _attempt(lambda: _lock(keep, "lease")),
        "lock a range of a file": _attempt(lambda: _lock(keep, "range")),
        "start a thread": _attempt(_thread),
        "hold hundreds of pipes": _attempt(lambda: _many_pipes(200)),
    }


def call_another_architecture() -> str:
    """A system call by its x32 number, which a filter for x86-64 alone would not judge."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).syscall(0x40000000 | 57)  # x32 fork
    return "survived"


def memory_limit_held() -> dict:
    """This process's hard address-space limit, its size now, and whether raising the limit
    past it is refused."""
    import resource

    hard, refused = _hard_limit(resource.RLIMIT_AS)
    with open("/proc/self/statm", "rb") as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    return {"hard": hard, "size": size, "refused": refused}


def capabilities() -> dict[str, int]:
    """This process's capability sets (Linux's /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return {
            key: int(value, 16)
            for key, value in (line.split(":") for line in status if line.startswith("Cap"))
            if key in ("CapInh", "CapPrm", "CapEff")
        }


def try_to_read(paths: list[str]) -> dict[str, str]:
    """What the kernel said to reading each file, and to importing a module not yet loaded."""
    import importlib

    def read(path: str) -> None:
        with open(path, "rb") as handle:
            handle.read(16)

    said = {path: _attempt(lambda path=path: read(path)) for path in paths}
    said["import"] = _attempt(lambda: importlib.import_module("wave"))
    return said


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, or 0 where it has none."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return 0
    return max(0, int(ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1)))


def read_memory_of(pid: int) -> str:
    """Read another process's memory and descriptors through /proc: what the kernel said."""
    said = _attempt(lambda: open(f"/proc/{pid}/mem", "rb").close())
    fds = _attempt(lambda: open(f"/proc/{pid}/fd/0", "rb").close())  # its descriptors, reopened
    return said if said == fds else f"{said}, {fds}"


def hold_a_secret(seconds: float) -> str:
    secret = "a visitor's name and logo"
    time.sleep(seconds)
    return secret


def try_the_devices() -> dict[str, str]:
    """Devices a planted module would reach for: loop devices, a virtual machine. Only ever
    tried confined (unconfined, they would make a loop device or a machine)."""
    import fcntl

    def device(path: str, request: int) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.ioctl(fd, request, 0)
        finally:
            os.close(fd)

    said = {}
    if os.path.exists("/dev/loop-control"):
        said["make a loop device"] = _attempt(lambda: device("/dev/loop-control", 0x4C82))
    if os.path.exists("/dev/kvm"):
        said["make a virtual machine"] = _attempt(lambda: device("/dev/kvm", 0xAE01))
    return said


def try_a_terminal(path: str) -> dict[str, str]:
    """A terminal a planted module would reach for: what it types, and its settings."""
    import termios

    said = {"open it": _attempt(lambda: os.close(os.open(path, os.O_RDONLY | os.O_NOCTTY)))}

    def echo_off() -> None:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
        try:
            settings = termios.tcgetattr(fd)
            termios.tcsetattr(fd, termios.TCSANOW, settings)
        except termios.error as error:  # not an OSError, though it carries one's errno
            raise OSError(*error.args) from None
        finally:
            os.close(fd)

    said["change its settings"] = _attempt(echo_off)
    return said


def _answer_pipe() -> int:
    """The descriptor a render answers on: its one pipe besides 0, 1 and 2."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
                return fd
        except OSError:  # the descriptor listdir itself had open
            continue
    raise RuntimeError("no answer pipe")


def answer_then_linger(seconds: float) -> str:
    """Answer at once, on the render's own pipe, and then stay: what a planted module could do
    to hold its parent (which used to wait for it) past every deadline."""
    from booklet.base.jail import _write_all, encode

    _write_all(_answer_pipe(), encode({"ok": "answered"}))
    time.sleep(seconds)
    return "never sent"


def answer_in_a_bad_frame(kind: str) -> str:
    """An answer frame booklet cannot read: a list for a header, JSON nested deeper than any
    parser goes, or more bytes than the render's memory."""
    import struct

    if kind == "list":
        header = b"[]"
    elif kind == "nested":
        header = b"[" * 100_000 + b"]" * 100_000
    else:
        header = b'{"blobs": [1073741824], "value": null}'
    os.write(_answer_pipe(), struct.pack(">Q", len(header)) + header)
    time.sleep(5)
    return "never sent"


def error_with_escapes() -> None:
    from booklet.base.errors import BookletError

    raise BookletError("bad\x1b]0;owned\x07\x1b[2J\rtitle", field="title\x1b[31m")


def more_moves(folder: str) -> dict[str, str]:
    """Moves the second attack found, each tried once."""
    import array
    import ctypes
    import fcntl

    keep = os.path.join(folder, "keep.txt")
    libc = ctypes.CDLL(None, use_errno=True)

    def call(number: int, *args: object) -> None:
        result = libc.syscall(number, *args)
        if result < 0:
            raise OSError(ctypes.get_errno(), f"call {number}")
        if number in (253, 294):  # inotify: close what it made
            os.close(result)

    def version() -> None:
        fd = os.open(keep, os.O_RDONLY)
        try:
            value = array.array("l", [0])
            fcntl.ioctl(fd, 0x80086603, value)  # EXT4_IOC_GETVERSION
            fcntl.ioctl(fd, 0x40086604, value)  # EXT4_IOC_SETVERSION, to what it is
        finally:
            os.close(fd)

    def aio() -> None:
        context = ctypes.c_ulong(0)
        call(206, 1, ctypes.byref(context))  # io_setup
        call(207, context)  # io_destroy

    def timer() -> None:
        timer_id = ctypes.c_int(0)
        call(222, 1, None, ctypes.byref(timer_id))  # timer_create(CLOCK_MONOTONIC)
        call(226, timer_id)  # timer_delete

    def net() -> None:
        with open("/proc/self/net/tcp", "rb") as handle:
            handle.read(16)

    return {
        "set a file's version": _attempt(version),
        "watch a folder": _attempt(lambda: call(294, 0)),  # inotify_init1
        "make asynchronous I/O": _attempt(aio),
        "make a POSIX timer": _attempt(timer),
        "read an attribute by its path": _attempt(lambda: os.getxattr(keep, "user.booklet")),
        "leave its session": _attempt(os.setsid),
        "drop its parent-death signal": _attempt(lambda: call(157, 1, 0, 0, 0)),  # prctl
        "list the machine's sockets": _attempt(net),
    }


STEPS: list[object] = []


def read_in_a_step(paths: list[str]) -> None:
    """A spare's step that tries to read, and to raise its memory limit: kept for its task."""
    STEPS.append(try_to_read(paths))
    STEPS.append(memory_limit_held())


def what_the_steps_did() -> list[object]:
    return STEPS


def answer_with_a_long_header(size: int) -> str:
    """A header of `size` bytes of JSON, more than any answer says."""
    import struct

    header = b'{"blobs": [], "value": "' + b"x" * size + b'"}'
    os.write(_answer_pipe(), struct.pack(">Q", len(header)) + header)
    time.sleep(5)
    return "never sent"


def environment() -> list[str]:
    return sorted(os.environ)


SEEN_AT_START: list[bool] = []


def note_confinement() -> None:
    """A worker's initializer that notes whether it runs confined."""
    from booklet.base import confine

    SEEN_AT_START.append(confine.confined())


def what_the_initializer_saw() -> list[bool]:
    return SEEN_AT_START


def hold_a_visitors_note(note: str) -> dict[str, str]:
    """A page task whose form and answer carry a visitor's words."""
    return {"pdf": f"%PDF-1.7 for {note}", "note": note}


def find_in_own_memory(head: str, tail: str) -> bool:
    """Whether `head` followed by `tail` is anywhere in this process's readable memory: what a
    render's child inherited from the process it was forked from. (Given in two halves: the
    whole must never be in this process but by inheritance.)"""
    import ctypes

    first, second = head.encode(), tail.encode()
    with open("/proc/self/maps", encoding="ascii") as maps:
        regions = [line.split() for line in maps]
    for region in regions:
        start, end = (int(x, 16) for x in region[0].split("-"))
        name = region[5] if len(region) > 5 else ""
        if "r" not in region[1] or name in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
            continue
        data = ctypes.string_at(start, end - start)
        at = data.find(first)
        while at >= 0:
            if data[at + len(first) : at + len(first) + len(second)] == second:
                return True
            at = data.find(first, at + 1)
    return False
