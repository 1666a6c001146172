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

    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
        refused = False
    except (ValueError, OSError):
        refused = True
    used = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "hard": None if hard == resource.RLIM_INFINITY else hard,
        "used": used.ru_utime + used.ru_stime,
        "refused": refused,
    }


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
