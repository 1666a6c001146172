"""The first wall: renders run in a child under limits the operating system enforces.

Each case is one way a render could run away (time, memory, one long C call, a crash) or
reach out (descriptors, files, pickled answers); each must end as one clear line, in time,
with the parent unharmed. The end-to-end cases make `booklet card` and `booklet batch` meet a
render that runs away, with the real command and its real limits (shortened where noted).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from booklet.base import confine, jail
from booklet.base.errors import BookletError, ValidationError
from booklet.base.jail import MIB, ChildFailed, Limits, Pool, Stopped
from booklet.products.requests import OptionError
from tests import jail_tasks
from tests.helpers import REPO, run_measured

posix_only = pytest.mark.skipif(not jail.HAS_FORK, reason="needs fork and rlimits (POSIX)")
linux_only = pytest.mark.skipif(
    not jail.ENFORCES_ADDRESS_SPACE, reason="the kernel enforces address-space limits on Linux"
)
QUICK = Limits(memory=128 * MIB, cpu=2.0, wall=2.0)
# The attacks below start processes from inside a render: where the kernel confines renders
# (booklet.base.confine, tests/test_confine.py) it refuses them at once. These cases test the
# walls behind it, as on a system with no seccomp, so they run unconfined.
UNCONFINED = "from booklet.base import confine\nconfine.confine = lambda: False\n"


@pytest.fixture
def unconfined(monkeypatch):
    """Renders run as where the kernel cannot confine them: the jail's limits alone."""
    monkeypatch.setattr(confine, "confine", lambda: False)


# --- one render in a child ---------------------------------------------------------------------


@posix_only
@pytest.mark.slow
def test_a_render_that_never_ends_is_stopped_at_its_deadline():
    started = time.monotonic()
    with pytest.raises(Stopped) as stopped:
        jail.run(jail_tasks.sleep_for, 60, limits=QUICK, label="layout 'evil'")
    assert time.monotonic() - started < 4
    assert str(stopped.value).startswith("layout 'evil': stopped after 2 s, the time limit")


@posix_only
@pytest.mark.slow
def test_a_render_that_spins_is_stopped_by_its_cpu_limit_or_deadline():
    started = time.monotonic()
    with pytest.raises(Stopped, match="layout 'evil': stopped after 2 s"):
        jail.run(jail_tasks.spin, limits=QUICK, label="layout 'evil'")
    assert time.monotonic() - started < 4


@posix_only
def test_a_render_is_stopped_at_its_cpu_allowance_to_the_millisecond():
    """The allowance is a profiling timer from when the task starts, not the kernel's
    whole-second limit on all the process has used (which let a render run up to a second
    past what the message says)."""
    limits = Limits(memory=128 * MIB, cpu=1.0, wall=5.0)
    started = time.monotonic()
    with pytest.raises(Stopped, match="layout 'evil': stopped after 1 s of work"):
        jail.run(jail_tasks.spin, limits=limits, label="layout 'evil'")
    assert time.monotonic() - started < 1.6


@posix_only
def test_the_cpu_allowance_holds_though_its_signals_came_ignored_and_blocked(tmp_path):
    """A command started with SIGPROF ignored and blocked (`trap '' PROF`, found by attack):
    the child sets them back, and the render stops at its allowance, not at the wall clock."""
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGPROF, signal.SIG_IGN)\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF, signal.SIGXCPU})\n"
        "from booklet.base import jail\n"
        "from booklet.base.jail import MIB, Limits\n"
        "from tests import jail_tasks\n"
        "began = time.monotonic()\n"
        "try:\n"
        "    jail.run(jail_tasks.spin, limits=Limits(128 * MIB, 1.0, 5.0), label='x')\n"
        "except jail.Stopped as exc:\n"
        "    print(f'{time.monotonic() - began:.2f} {exc}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    seconds, message = done.stdout.split(" ", 1)
    assert message.startswith("x: stopped after 1 s of work"), done.stdout + done.stderr
    assert float(seconds) < 1.8


@posix_only
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_process_started_in_the_jail_cannot_raise_its_way_out_of_the_cpu_limit(unconfined):
    """What a render starts inherits a CPU limit it cannot raise (found by attack: a planted
    module forked, left the session, raised its limit and spun on after the command)."""
    pid = jail.run(jail_tasks.leave_a_spinner, limits=QUICK, label="x")
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                break
            if state == "Z":
                break
            time.sleep(0.1)
        else:
            pytest.fail("the process a render started is still running")
    finally:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


@posix_only
def test_a_reused_worker_and_what_it_starts_hold_a_cpu_limit_they_cannot_raise():
    """Found by attack: a planted module that forked and detached inside a reused batch worker
    raised its CPU limit to infinity (the worker's hard limit) and spun on after the batch. A
    worker's hard limit is its lifetime's CPU (jail.WORKER_CPU), and nothing raises it."""
    with Pool(1, limits=QUICK, start="fork") as pool:
        held = next(iter(pool.results([pool.submit(jail_tasks.cpu_limit_held, label="x")])))
        held = held.result()
    assert held["hard"] is not None and held["refused"]
    assert held["hard"] <= held["used"] + jail.WORKER_CPU + 1


@posix_only
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_spinner_left_by_a_reused_worker_is_ended_within_the_workers_cpu(monkeypatch, unconfined):
    """The same attack end to end, with the worker's lifetime shortened to 3 s of CPU: the
    detached spinner is ended by the kernel, however long the batch runs on."""
    monkeypatch.setattr(jail, "WORKER_CPU", 3)
    monkeypatch.setattr(jail, "WORKER_TASK_ROOM", 2)
    with Pool(1, limits=QUICK, start="fork") as pool:
        future = pool.submit(jail_tasks.leave_a_spinner, label="x")
        pid = next(iter(pool.results([future]))).result()
    try:
        assert _wait_ended(pid, 12), "the spinner a reused worker left is still running"
    finally:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _wait_ended(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


@posix_only
def test_a_worker_near_its_cpu_lifetime_is_replaced_and_every_task_still_has_its_allowance(
    monkeypatch,
):
    """A worker leaves once less than a task's room is left of its lifetime's CPU; the pool
    replaces it, and the tasks after it run whole in the new one."""
    monkeypatch.setattr(jail, "WORKER_CPU", 3)
    monkeypatch.setattr(jail, "WORKER_TASK_ROOM", 2)
    with Pool(1, limits=QUICK, start="fork") as pool:
        futures = [pool.submit(jail_tasks.pid_after_work, 0.6, label="x") for _ in range(7)]
        pids = [f.result() for f in pool.results(futures)]
    assert len(set(pids)) >= 2  # replaced on the way, not stopped
    assert pids == sorted(pids, key=pids.index)  # each worker's tasks in a row


class ChainListener:
    """Hears the pids a chain of processes says (jail_tasks.leave_a_chain)."""

    def __init__(self) -> None:
        import socket

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.05)
        self.port = self.socket.getsockname()[1]
        self.pids: list[int] = []

    def listen(self, seconds: float) -> list[int]:
        """The pids heard within `seconds`."""
        heard: list[int] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                heard.append(int(self.socket.recv(64)))
            except OSError:
                continue
        self.pids += heard
        return heard

    def quiet(self) -> bool:
        """Whether, a moment from now, nothing says its pid any more."""
        self.listen(0.3)
        return self.listen(0.8) == []

    def end_all(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.socket.close()


@pytest.fixture
def chain_listener():
    listener = ChainListener()
    yield listener
    listener.end_all()


@posix_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper (Linux)")
@pytest.mark.parametrize("isolate", [False, True], ids=["batch worker", "page worker"])
def test_a_chain_of_processes_a_task_leaves_ends_with_the_task(chain_listener, isolate, unconfined):
    """Found by attack: a task's process left its session and forked on in a chain, each
    generation with a CPU limit of its own, living on after the pool and the command. The
    worker adopts whatever its tasks leave (a child subreaper) and ends it once a task is
    done: nothing says its pid a moment later."""
    with Pool(1, limits=QUICK, start="fork", isolate=isolate) as pool:
        future = pool.submit(jail_tasks.leave_a_chain, chain_listener.port, label="x")
        next(iter(pool.results([future]))).result()
        assert chain_listener.quiet()  # the chain has ended
        second = pool.submit(jail_tasks.echo, 2, label="x")  # the worker serves on
        assert next(iter(pool.results([second]))).result()["value"] == 2
    assert all(_wait_ended(pid, 1.0) for pid in chain_listener.pids)


ADOPTING_COMMAND = (
    UNCONFINED
    + """
import sys
from booklet.base import jail
from booklet.base.jail import MIB, Limits
from tests import jail_tasks
jail.become_subreaper()
jail.run(jail_tasks.leave_a_chain, int(sys.argv[1]), limits=Limits(cpu=2.0, wall=3.0), label="x")
print("done", flush=True)
import time
time.sleep(float(sys.argv[2]))
"""
)


@posix_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper (Linux)")
def test_a_chain_a_one_off_render_leaves_ends_when_the_render_does(chain_listener):
    """The same attack through `jail.run` (a card's fallback, validate's trial): the command
    adopts what its render's child leaves and ends it when the render is done."""
    with _rendered(ADOPTING_COMMAND, chain_listener.port, 3):
        assert chain_listener.quiet()  # ended while the command still runs


DEEP_CHAIN_COMMAND = (
    UNCONFINED
    + """
import sys, time
from booklet.base import jail
from booklet.base.jail import Limits
from booklet.cli.entry import _ended_by_signals_as_by_exit
from tests import jail_tasks
assert jail.become_subreaper()
_ended_by_signals_as_by_exit()
port, depth = int(sys.argv[1]), int(sys.argv[2])
jail.run(jail_tasks.leave_a_deep_chain, port, depth, limits=Limits(cpu=2.0, wall=3.0), label="x")
print("done", flush=True)
time.sleep(float(sys.argv[3]))
"""
)


@contextlib.contextmanager
def _rendered(code: str, *args: object) -> Iterator[subprocess.Popen[str]]:
    """A command (python -c code args) once it has said its render is done; killed after."""
    command = subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)], cwd=REPO, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert command.stdout is not None and command.stdout.readline().strip() == "done"
        yield command
    finally:
        command.kill()
        command.wait()


@posix_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper (Linux)")
def test_a_deep_chain_a_render_leaves_ends_with_the_render(chain_listener):
    """Found by attack: a chain 150 deep, each process waiting on the next, came to the
    command one generation a sweep; 64 sweeps ended 64 and the rest lived on. Every process
    below a stray is stopped and ended at once."""
    with _rendered(DEEP_CHAIN_COMMAND, chain_listener.port, 150, 3):
        assert chain_listener.quiet()


@posix_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper (Linux)")
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_a_command_ended_by_a_signal_ends_what_its_render_left(chain_listener, signal_name):
    """Found by attack: `timeout` (SIGTERM) or a closed terminal (SIGHUP) ended the command by
    the signal's default action, and what its render left ran on. It now leaves as by exit."""
    with _rendered(DEEP_CHAIN_COMMAND, chain_listener.port, 3, 30) as command:
        command.send_signal(getattr(signal, signal_name))
        assert command.wait(10) == 128 + getattr(signal, signal_name)
        assert chain_listener.quiet()


ZOMBIES_COMMAND = (
    UNCONFINED
    + """
import os, threading, time
from booklet.base import jail
from booklet.base.jail import Limits
from tests import jail_tasks
assert jail.become_subreaper()
most = 0
def count():
    global most
    while not done.is_set():
        most = max(most, len(jail_tasks.children_of(os.getpid())))
        time.sleep(0.05)
done = threading.Event()
threading.Thread(target=count, daemon=True).start()
jail.run(jail_tasks.chain_fast_then_wait, 1.5, limits=Limits(cpu=2.0, wall=4.0), label="x")
done.set()
print("most", most, "left", len(jail_tasks.children_of(os.getpid())), flush=True)
"""
)


@posix_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper (Linux)")
def test_what_a_render_leaves_is_ended_while_the_command_waits_for_it():
    """Found by attack: a chain that forks as fast as it can left its dead in the adopting
    command by the thousand (a few thousand a second) until the render ended, which could run
    the machine out of process ids within one render's time. The command ends and reaps them
    every tenth of a second while it waits."""
    done = subprocess.run([sys.executable, "-c", ZOMBIES_COMMAND], cwd=REPO, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    _, most, _, left = done.stdout.split()
    assert int(left) == 0
    assert int(most) < 1000, most


@posix_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper (Linux)")
def test_a_command_that_already_has_children_adopts_none(tmp_path):
    """Found by attack: `sh -c "job & exec booklet card"` keeps the shell's job as booklet's
    child, and booklet ended it with the render's strays. A command started with children of
    its own does not adopt (and so ends none of them)."""
    script = f"sleep 30 & exec {sys.executable} -m booklet card -o {tmp_path / 'c.pdf'}"
    shell = subprocess.Popen(
        ["sh", "-c", script], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    sleeper = None
    try:
        deadline = time.monotonic() + 10
        while sleeper is None and time.monotonic() < deadline:
            found = [pid for pid in _children_of(shell.pid) if "sleep" in _command_line(pid)]
            sleeper = found[0] if found else None
            time.sleep(0.02)
        assert sleeper is not None
        assert shell.wait(30) == 0
        assert (tmp_path / "c.pdf").is_file()
        assert not _wait_ended(sleeper, 0.5)  # the job lives on
    finally:
        shell.kill()
        if sleeper is not None:
            with contextlib.suppress(OSError):
                os.kill(sleeper, signal.SIGKILL)


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@posix_only
def test_a_task_in_a_page_worker_holds_none_of_the_workers_pipes():
    """Found by attack: the child a page worker runs each task in kept the worker's own task
    and answer pipes, so a process it left could read the next visitor's form and answer in
    the worker's name. It holds only its own answer's pipe."""
    with Pool(1, limits=QUICK, start="fork", isolate=True) as pool:
        future = pool.submit(jail_tasks.open_descriptors, label="x")
        targets = next(iter(pool.results([future]))).result()
    assert targets[:3] == ["/dev/null"] * 3
    assert sum(t.startswith("pipe:") for t in targets) == 1


WORKER_LIFETIME = """
import resource
from booklet.base import jail
from booklet.base.jail import Limits, Pool
from tests import jail_tasks
{setup}
with Pool(1, limits=Limits(cpu=2.0, wall=3.0), start="fork", initializer=jail_tasks.work_for,
          initargs=({init},)) as pool:
    futures = [pool.submit(jail_tasks.pid_after_work, 0.05, label="x") for _ in range(4)]
    print(len({{f.result() for f in pool.results(futures)}}))
"""


@posix_only
@pytest.mark.parametrize("inherited", [False, True], ids=["slow start", "lower limit given"])
def test_a_workers_cpu_lifetime_is_not_spent_before_its_first_task(inherited):
    """Found by attack: the worker's lifetime CPU was counted from before its initializer (a
    page worker reads every language first), and a lower limit it was started with (`ulimit
    -t`) left it always near its end: a fresh worker for every task. Neither now."""
    if inherited:  # started under `ulimit -t 25`, with the lifetime and room as they are
        setup, init = "resource.setrlimit(resource.RLIMIT_CPU, (25, 25))", 0.0
    else:  # a lifetime of 3 s (2 s of room), and an initializer that takes 2.2 s
        setup, init = "jail.WORKER_CPU, jail.WORKER_TASK_ROOM = 3, 2", 2.2
    code = WORKER_LIFETIME.format(setup=setup, init=init)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"  # one worker served them all


ORPHAN_PARENT = {
    "run": "jail.run(jail_tasks.sleep_for, 30, limits=LONG, label='x')",
    "worker": (
        "with Pool(1, limits=LONG, start='fork') as pool:\n"
        "    list(pool.results([pool.submit(jail_tasks.sleep_for, 30, label='x')]))"
    ),
}


@posix_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal")
@pytest.mark.parametrize("child", sorted(ORPHAN_PARENT))
def test_a_render_child_whose_parent_is_killed_ends_at_once(child):
    """A render's child (or a batch's worker) whose command is killed outright ends with it,
    not when its own limits run out (found in review: only the spare did)."""
    code = (
        "import sys\nfrom booklet.base import jail\nfrom booklet.base.jail import MIB, Limits, "
        "Pool\nfrom tests import jail_tasks\n"
        "LONG = Limits(memory=128 * MIB, cpu=30.0, wall=60.0)\n" + ORPHAN_PARENT[child]
    )
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env={**os.environ,
                              "PYTHONPATH": str(REPO)})  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        kids: list[int] = []
        while not kids and time.monotonic() < deadline:
            time.sleep(0.1)
            kids = _children_of(parent.pid)
        assert kids, "no child was started"
        time.sleep(0.3)  # the child is in its task
        parent.kill()
        parent.wait()
        assert all(_wait_ended(pid, 1.5) for pid in kids)
    finally:
        parent.kill()
        for pid in _children_of(parent.pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


_children_of = jail_tasks.children_of


@posix_only
@pytest.mark.skipif(sys.version_info < (3, 11), reason="python -P")
def test_a_spawned_worker_does_not_import_from_the_folder_it_was_started_in(tmp_path):
    """The page's workers are spawned: a reportlab_settings.py in the folder `booklet serve`
    was started in ran in them before any limit was set (found by attack)."""
    (tmp_path / "reportlab_settings.py").write_text(
        "with open('owned.txt', 'w') as f:\n    f.write('ran with no limits')\n"
    )
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        with Pool(1, limits=QUICK, start="spawn", initializer=jail_tasks.import_reportlab) as pool:
            pool.start_thread()
            assert pool.submit(jail_tasks.echo, 1, label="x").result(timeout=20)["value"] == 1
    finally:
        os.chdir(here)
    assert not (tmp_path / "owned.txt").exists()


@posix_only
def test_one_c_call_that_runs_for_minutes_is_stopped():
    """`…|sum(start=[])` was one quadratic C call of 24 to 69 s: no budget checked between
    Python calls can stop it; the jail does."""
    started = time.monotonic()
    with pytest.raises(Stopped, match="stopped after 2 s"):
        jail.run(jail_tasks.quadratic_sum, limits=QUICK, label="layout 'evil'")
    assert time.monotonic() - started < 4


@linux_only
def test_a_render_that_grabs_memory_is_stopped_at_its_limit():
    with pytest.raises(Stopped) as stopped:
        jail.run(jail_tasks.grab_memory, limits=QUICK, label="layout 'evil'")
    assert "needed more than 128 MB of memory, the limit for one render" in str(stopped.value)


@posix_only
def test_our_errors_cross_the_jail_as_themselves():
    with pytest.raises(OptionError) as option:
        jail.run(jail_tasks.option_error, limits=QUICK, label="x")
    assert (option.value.option, option.value.reason) == (
        "bleed",
        "3in is more than 0.5in. Use 0 to 0.5in.",
    )
    with pytest.raises(ValidationError) as many:
        jail.run(jail_tasks.many_problems, limits=QUICK, label="x")
    assert [str(p) for p in many.value.problems] == ["a.yaml:3: steps: first", "b.yaml: second"]
    with pytest.raises(BookletError, match=r"^x.yaml:2: name: no such thing.$"):
        jail.run(jail_tasks.booklet_error, limits=QUICK, label="x")


@posix_only
def test_a_bug_in_the_child_is_named_with_its_traceback():
    with pytest.raises(ChildFailed) as failed:
        jail.run(jail_tasks.bug, limits=QUICK, label="x")
    assert str(failed.value) == "ZeroDivisionError: division by zero"
    assert "jail_tasks.py" in failed.value.child_traceback


@posix_only
def test_the_answer_is_data_never_pickle(tmp_path, monkeypatch):
    """A child cannot make its parent run anything: only JSON and byte strings come back."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ChildFailed, match="a jail answer cannot hold NotData"):
        jail.run(jail_tasks.not_data, limits=QUICK, label="x")
    assert not (tmp_path / "owned.txt").exists()
    assert jail.run(jail_tasks.echo, 7, limits=QUICK, label="x") == {
        "value": 7,
        "bytes": b"%PDF-7",
    }


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_the_child_keeps_no_descriptor_but_its_pipe(tmp_path):
    with open(tmp_path / "secret.txt", "w") as held:
        held.write("held open by the parent")
        held.flush()
        targets = jail.run(jail_tasks.open_descriptors, limits=QUICK, label="x")
    # 0, 1 and 2 (the null device), the answer's pipe, and the one listing /proc/self/fd
    assert targets[:3] == ["/dev/null"] * 3
    assert len(targets) <= 5
    assert not any("secret.txt" in t for t in targets)


@posix_only
def test_the_child_writes_no_file(tmp_path):
    target = tmp_path / "written.txt"
    with pytest.raises((Stopped, BookletError, ChildFailed)):
        jail.run(jail_tasks.write_file, str(target), limits=QUICK, label="x")
    assert not target.exists() or target.read_text() == ""


# --- pools of workers --------------------------------------------------------------------------


@posix_only
def test_a_killed_worker_fails_its_task_alone_and_is_replaced():
    with Pool(2, limits=QUICK) as pool:
        futures = [pool.submit(jail_tasks.spin, label="layout 'evil'")]
        futures += [pool.submit(jail_tasks.echo, i, label="ok") for i in range(8)]
        futures.append(pool.submit(jail_tasks.grab_memory, label="layout 'greedy'"))
        futures += [pool.submit(jail_tasks.echo, i, label="ok") for i in range(8, 12)]
        done = list(pool.results(futures))
    assert len(done) == len(futures)
    with pytest.raises(Stopped, match="layout 'evil': stopped after 2 s"):
        futures[0].result()
    if jail.ENFORCES_ADDRESS_SPACE:
        with pytest.raises(Stopped, match="layout 'greedy': stopped: it needed more than"):
            futures[9].result()
    values = [f.result()["value"] for f in futures if f not in (futures[0], futures[9])]
    assert sorted(values) == list(range(12))


@posix_only
def test_the_parent_looks_at_each_answer_once_however_many_wait(monkeypatch):
    """`results` yields every task once, those done before it was called too, and never looks
    over all the futures each turn: a 1008-card batch's parent spent a second doing that."""
    from concurrent.futures import Future

    looked = [0]
    real = Future.done

    def counted(self):
        looked[0] += 1
        return real(self)

    with Pool(2, limits=QUICK) as pool:
        early = pool.submit(jail_tasks.echo, -1, label="early")
        next(pool.results([early]))
        futures = [early] + [pool.submit(jail_tasks.echo, i, label="ok") for i in range(300)]
        monkeypatch.setattr(Future, "done", counted)
        done = list(pool.results(futures))
    assert len(done) == len(futures) and set(done) == set(futures)
    assert sorted(f.result()["value"] for f in done) == list(range(-1, 300))
    assert looked[0] < 2 * len(futures)


@posix_only
def test_ctrl_c_while_an_answer_is_handed_over_stays_a_ctrl_c():
    """Found by attack: a Ctrl-C landing while a finished task's future ran its callbacks was
    turned into an internal error (the future, already finished, refused the exception)."""
    from concurrent.futures import Future

    def interrupted(future: Future) -> None:
        raise KeyboardInterrupt

    with Pool(1, limits=QUICK) as pool:
        futures = [pool.submit(jail_tasks.echo, i, label="ok") for i in range(3)]
        futures[1].add_done_callback(interrupted)
        with pytest.raises(KeyboardInterrupt):
            list(pool.results(futures))
        pool.drain(futures)
    assert futures[1].result()["value"] == 1  # its answer was kept


@posix_only
@pytest.mark.slow
def test_limits_are_rearmed_for_every_task_of_a_reused_worker():
    """Five tasks of 0.7 s of work each in one worker whose limit is 2 s a task: all finish,
    because the CPU limit counts from where each task starts."""
    limits = Limits(memory=128 * MIB, cpu=2.0, wall=4.0)
    with Pool(1, limits=limits) as pool:
        futures = [pool.submit(jail_tasks.work_for, 0.7, label="x") for _ in range(5)]
        assert [f.result() for f in pool.results(futures)] == ["done"] * 5


@posix_only
@pytest.mark.slow
def test_a_spawned_pool_driven_by_a_thread_works_as_a_forked_one(monkeypatch):
    """The page and Dask's daemon workers use spawned workers and a thread of their own."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    with Pool(2, limits=QUICK, start="spawn", isolate=True, backlog=4) as pool:
        pool.start_thread()
        slow = pool.submit(jail_tasks.sleep_for, 60, label="layout 'slow'")
        quick = [pool.submit(jail_tasks.echo, i, label="ok") for i in range(4)]
        assert [f.result(timeout=20)["value"] for f in quick] == [0, 1, 2, 3]
        with pytest.raises(Stopped, match="layout 'slow': stopped after 2 s"):
            slow.result(timeout=20)


@posix_only
def test_a_full_backlog_is_busy_at_once():
    from booklet.base.jail import Busy

    with Pool(1, limits=QUICK, backlog=1) as pool:
        pool.submit(jail_tasks.sleep_for, 1, label="a")
        pool.submit(jail_tasks.sleep_for, 1, label="b")
        with pytest.raises(Busy, match="every worker is busy"):
            pool.submit(jail_tasks.sleep_for, 1, label="c")


# --- the commands meet a render that runs away -------------------------------------------------

RUNAWAY = """
import sys
import booklet.products.card as card
import booklet.products.jailed as jailed
from booklet.base.jail import Limits
MODE = sys.argv.pop(1)
real = card.render_card
def runaway(library, plan, request, *rest):  # rest: hints, notes
    if MODE == "memory":
        return len(b"x" * (3 << 30))
    if MODE == "time" or request.title == "Runaway":
        while True:
            pass
    return real(library, plan, request, *rest)
card.render_card = runaway
if MODE != "memory":
    jailed.LIMITS = Limits(memory=jailed.LIMITS.memory, cpu=2.0, wall=3.0)
from booklet.cli.entry import main
main()
"""


def _runaway(mode: str, args: list[str], cwd: Path):
    return run_measured(
        [sys.executable, "-c", RUNAWAY, mode, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@posix_only
@pytest.mark.parametrize("mode", ["time", "memory"])
def test_a_card_whose_render_runs_away_is_one_line_in_time_and_memory(tmp_path, mode):
    done = _runaway(mode, ["card", "-o", "c.pdf"], tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Error: layout 'bedside': stopped")
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.seconds < 10
    assert done.peak_mb < 250, done.peak_mb
    assert not (tmp_path / "c.pdf").exists()
    if mode == "memory" and jail.ENFORCES_ADDRESS_SPACE:
        assert "needed more than 192 MB of memory" in done.stderr


@posix_only
@pytest.mark.slow
def test_a_batch_variant_that_runs_away_fails_alone(tmp_path):
    (tmp_path / "b.yaml").write_text(
        "variants:\n"
        "  - {name: a, title: First}\n"
        "  - {name: b, title: Runaway}\n"
        "  - {name: c, title: Third}\n"
        "  - {name: d, title: Fourth}\n"
    )
    done = _runaway("batch", ["batch", "b.yaml", "-o", "out", "--jobs", "2"], tmp_path)
    assert done.seconds < 10
    assert done.returncode == 2, done.stderr
    # the 2 s of CPU or the 3 s deadline, whichever comes first: a runaway that gets both
    # cores' share to itself meets the CPU limit, one that shares them the deadline
    stopped = re.search(
        r"failed  b \(b\.pdf\): layout 'bedside': stopped after (2 s of work|3 s)", done.stderr
    )
    assert stopped, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == ["a.pdf", "c.pdf", "d.pdf"]
    assert done.peak_mb < 250, done.peak_mb


@posix_only
@pytest.mark.parametrize("how", ["pool", "run"])
def test_ctrl_c_as_a_child_is_born_is_its_parents(monkeypatch, how):
    """Ctrl-C that reaches a child before it has set Ctrl-C aside (a worker forked to replace
    another just as a batch is interrupted) killed it, failing the task it was given, and the
    manifest listed a file that was never written. Ctrl-C is held back across the fork: the
    child drops it, and the task is done."""
    import signal

    real = jail._detach

    def ctrl_c_first(keep):
        os.kill(os.getpid(), signal.SIGINT)  # arrives before the child ignores it
        real(keep)

    monkeypatch.setattr(jail, "_detach", ctrl_c_first)
    if how == "run":
        assert jail.run(jail_tasks.echo, "kept", limits=Limits(), label="t")["value"] == "kept"
        return
    with Pool(1, start="fork") as pool:
        future = pool.submit(jail_tasks.echo, "kept", label="t")
        assert next(pool.results([future])).result()["value"] == "kept"
