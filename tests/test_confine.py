"""The kernel's wall (booklet.base.confine): however a render runs (a child of its own, the
command's spare, a batch worker, a page worker), once it may meet a stranger's content the
kernel refuses it what a planted module would try first: a process or program of its own, the
network, changing or removing any file, reaching another process, raising its limits.

Each attack is tried from inside the jail and named in its own case. The same attacks are
tried unconfined too, so each case is known to reach the kernel (a case that could not fail
would prove nothing). And a real `booklet card` and `booklet batch` are made with a planted
move inside their render, to show their renders are confined as they run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from booklet.base import confine, jail
from booklet.base.jail import MIB, Limits, Pool, Stopped
from tests import jail_tasks
from tests.helpers import REPO

can_confine = pytest.mark.skipif(
    not jail.HAS_FORK or confine.program() is None, reason="no seccomp or no libseccomp here"
)
QUICK = Limits(memory=128 * MIB, cpu=3.0, wall=5.0)
KEPT = "booklet's or the user's own file\n"


class Walls:
    """What the attacks aim at: a folder with a file in it, and another process of the user's."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "keep.txt").write_text(KEPT)
        self.victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])

    def args(self) -> tuple[str, int]:
        return str(self.folder), self.victim.pid

    def untouched(self) -> bool:
        keep = self.folder / "keep.txt"
        return (
            sorted(p.name for p in self.folder.iterdir()) == ["keep.txt"]
            and keep.read_text() == KEPT
            and keep.stat().st_mode & 0o777 != 0o777
            and keep.stat().st_mtime > 0
            and self.victim.poll() is None
        )

    def end(self) -> None:
        self.victim.kill()
        self.victim.wait()


@pytest.fixture
def walls(tmp_path: Path) -> Iterator[Walls]:
    target = Walls(tmp_path)
    yield target
    target.end()


@pytest.fixture(scope="module")
def one_off_render(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, Walls]]:
    """The attacks, from one render in a child of its own (jail.run: a card's fallback,
    validate's trials)."""
    target = Walls(tmp_path_factory.mktemp("walls"))
    said = jail.run(jail_tasks.try_the_walls, *target.args(), limits=QUICK, label="x")
    yield said, target
    target.end()


ATTACKS = sorted(
    [
        "start a process", "run a program", "open an internet socket", "open a local socket",
        "create a file", "open a file to write", "open a file to append", "truncate a file",
        "delete a file", "rename a file", "link a file", "make a symbolic link", "make a folder",
        "change a file's mode", "change a file's times", "signal another process",
        "signal its parent", "trace another process", "raise its hard CPU limit",
        "raise its hard memory limit", "use io_uring", "type into the terminal",
        "lower another process's limit", "renice another process", "move another process's CPUs",
        "open a message queue", "make shared memory", "signal another process through a pipe",
        "set an attribute by a newer call", "set a file's attributes by a newer call",
        "set a file's flags", "lock a file", "lease a file", "lock a range of a file",
        "start a thread", "hold hundreds of pipes",
    ]
)  # fmt: skip


@can_confine
@pytest.mark.parametrize("attack", ATTACKS)
def test_a_render_is_refused(one_off_render, attack):
    said, target = one_off_render
    assert set(said) == set(ATTACKS)  # every attack here was tried
    assert said[attack] == "refused"
    assert target.untouched()


@can_confine
def test_the_same_attacks_reach_the_kernel_when_unconfined(walls, monkeypatch):
    """As on a system with no seccomp: each attack is allowed to try (it is done, or fails on
    its own terms), so each case above is refused by the filter and nothing else. Only the
    jail's limits stand: a process it starts stays within them (tests/test_jail.py)."""
    monkeypatch.setattr(confine, "confine", lambda: False)
    said = jail.run(jail_tasks.try_the_walls, *walls.args(), limits=QUICK, label="x")
    refused = sorted(name for name, outcome in said.items() if outcome == "refused")
    # What the jail's limits refuse by themselves: a hard limit set on the way in may be
    # raised only with CAP_SYS_RESOURCE (root, outside many containers), and a render holds
    # 64 descriptors at most.
    by_limits = {
        "raise its hard CPU limit",
        "raise its hard memory limit",
        "hold hundreds of pipes",
    }
    assert set(refused) <= by_limits, said
    assert said["start a process"] == "done" and said["create a file"] == "done"


@can_confine
def test_a_render_keeps_no_capability(walls, monkeypatch):
    """Root's capabilities go with confinement (a root render could otherwise raise its hard
    limits): none is left in any set, whoever started booklet."""
    assert jail.run(jail_tasks.capabilities, limits=QUICK, label="x") == {
        "CapInh": 0, "CapPrm": 0, "CapEff": 0,
    }  # fmt: skip
    monkeypatch.setattr(confine, "confine", lambda: False)
    unconfined = jail.run(jail_tasks.capabilities, limits=QUICK, label="x")
    assert unconfined == jail_tasks.capabilities()  # the test's own, when nothing drops them


@can_confine
@pytest.mark.parametrize("reads", [False, True], ids=["any file", "its libraries"])
def test_a_render_reaches_no_loop_device_or_virtual_machine(tmp_path, reads):
    """Found by attack: /dev/loop-control opened to read made a loop device that outlived the
    render, and /dev/kvm a virtual machine. Landlock keeps it from opening them; where there
    is none, the filter refuses their ioctls."""
    limits = QUICK.reading([str(tmp_path)]) if reads else QUICK
    said = jail.run(jail_tasks.try_the_devices, limits=limits, label="x")
    if not said:
        pytest.skip("no loop-control or kvm device here")
    assert set(said.values()) == {"refused"}, said


@can_confine
@pytest.mark.parametrize("reads", [False, True], ids=["any file", "its libraries"])
def test_a_render_neither_reads_nor_changes_a_terminal(tmp_path, reads):
    """Found by attack: a render opened the user's terminal to read, read what was typed and
    turned its echo off (still off after booklet had left). With Landlock it cannot open a
    terminal at all; without, the filter refuses a terminal's settings."""
    leader, follower = os.openpty()
    try:
        path = os.ttyname(follower)
        limits = QUICK.reading([str(tmp_path)]) if reads else QUICK
        said = jail.run(jail_tasks.try_a_terminal, path, limits=limits, label="x")
    finally:
        os.close(leader)
        os.close(follower)
    assert said["change its settings"] == "refused"
    if reads and jail_tasks.landlock_abi() >= 1:
        assert said["open it"] == "refused"


@can_confine
def test_one_render_cannot_read_anothers_memory():
    """Found by attack: two page renders at once, one read the other's memory (a visitor's name
    and logo) and took its answer from its pipe, through /proc. A render, its worker and the
    command are not dumpable: no other process of the user's reads them there."""
    import threading

    answers: list[str] = []
    holder = threading.Thread(
        target=lambda: answers.append(
            jail.run(jail_tasks.hold_a_secret, 1.5, limits=QUICK, label="x")
        )
    )
    holder.start()
    try:
        deadline = time.monotonic() + 5
        while not (others := jail_tasks.children_of(os.getpid())) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert others, "the first render did not start"
        said = jail.run(jail_tasks.read_memory_of, others[0], limits=QUICK, label="x")
        assert said == "refused"
        parent = jail.run(jail_tasks.read_memory_of, os.getpid(), limits=QUICK, label="x")
        assert parent in ("refused", "done")  # this test's own process may be dumpable
    finally:
        holder.join()
    assert answers == ["a visitor's name and logo"]


@can_confine
def test_a_call_by_another_architectures_number_ends_the_render():
    """x32 numbers (0x40000000 and up) reach the same kernel by another table: a filter that
    judged x86-64 numbers alone would let them through. The process is killed instead."""
    with pytest.raises(Stopped):
        jail.run(jail_tasks.call_another_architecture, limits=QUICK, label="x")


@can_confine
@pytest.mark.parametrize("isolate", [False, True], ids=["batch worker", "page worker"])
def test_a_task_in_a_worker_is_refused(walls, isolate):
    """A batch worker is confined once, after it loaded the library, and runs every task so;
    a page worker confines the child it forks for each visitor's task."""
    with Pool(1, limits=QUICK, start="fork", isolate=isolate) as pool:
        futures = [pool.submit(jail_tasks.try_the_walls, *walls.args(), label="x")]
        said = next(iter(pool.results(futures))).result()
        again = pool.submit(jail_tasks.echo, 2, label="x")  # the worker serves on
        assert next(iter(pool.results([again]))).result()["value"] == 2
    assert set(said) == set(ATTACKS)
    assert {name: outcome for name, outcome in said.items() if outcome != "refused"} == {}
    assert walls.untouched()


SPARE = """
import json, sys
from booklet.base import jail
from booklet.base.jail import MIB, Limits
from tests import jail_tasks
jail.start_spare(jail_tasks.warm)
assert jail.prepare_spare(jail_tasks.get_ready, "library", limits=Limits())
said = jail.run_in_spare(jail_tasks.try_the_walls, sys.argv[1], int(sys.argv[2]),
                         limits=Limits(memory=128 * MIB, cpu=3.0, wall=5.0), label="x")
print(json.dumps(said))
"""


@can_confine
def test_the_spare_is_refused_once_it_is_warm(walls):
    """The command's spare imports freely, then is confined before its steps and render."""
    done = subprocess.run(
        [sys.executable, "-c", SPARE, *map(str, walls.args())], cwd=REPO, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert {name: outcome for name, outcome in said.items() if outcome != "refused"} == {}
    assert walls.untouched()


@can_confine
@pytest.mark.skipif(not jail.ENFORCES_ADDRESS_SPACE, reason="address-space limits (Linux)")
def test_a_task_in_a_reused_worker_cannot_raise_its_memory_limit_past_the_workers():
    """Found while confining: a task in a reused worker could raise its own address-space
    limit to the worker's hard limit, which was none. The hard limit is now the worker's size
    when it started and its room (jail.WORKER_MEMORY_ROOM); a one-off child's is its task's."""
    with Pool(1, limits=QUICK, start="fork") as pool:
        said = next(iter(pool.results([pool.submit(jail_tasks.memory_limit_held, label="x")])))
        said = said.result()
    assert said["hard"] is not None and said["refused"]
    assert said["hard"] <= said["size"] + jail.WORKER_MEMORY_ROOM
    one_off = jail.run(jail_tasks.memory_limit_held, limits=QUICK, label="x")
    assert one_off["refused"] and one_off["hard"] <= one_off["size"] + QUICK.memory


# --- the third attack ---------------------------------------------------------------------------


@pytest.mark.skipif(not jail.HAS_FORK, reason="fork")
def test_an_answer_whose_header_says_too_much_fails_that_render_alone():
    """Found by attack: a 16 MB header of JSON, parsed in the parent, made it hold four times
    the render's memory. A header is 1 MB at most (and a sixteenth of the render's memory)."""
    with pytest.raises(Stopped):
        jail.run(jail_tasks.answer_with_a_long_header, 2 * MIB, limits=QUICK, label="x")


@can_confine
def test_a_render_forgets_the_environment_but_what_it_reads(monkeypatch):
    """Found by attack: a page render could read the server's environment (its tokens)."""
    monkeypatch.setenv("SECRET_TOKEN", "the operator's")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    said = jail.run(jail_tasks.environment, limits=QUICK, label="x")
    assert "SECRET_TOKEN" not in said and "LANG" in said


@can_confine
def test_a_spawned_worker_is_confined_before_its_initializer_reads_the_libraries():
    """Found by attack: a spawned batch worker (a cluster's) ran its initializer, which reads
    the libraries, with no filter and no limit."""
    with Pool(1, limits=QUICK, start="spawn", initializer=jail_tasks.note_confinement) as pool:
        future = pool.submit(jail_tasks.what_the_initializer_saw, label="x")
        assert next(iter(pool.results([future]))).result() == [True]


PLANTED_MODULES = {
    "__future__.py": "all_feature_names = []\nannotations = None\n",
    "typing.py": "",
    "reportlab_settings.py": "",
}


@pytest.mark.parametrize("command", [["--version"], ["card", "-o", "c.pdf"]])
def test_python_m_booklet_imports_nothing_from_the_folder_it_was_started_in(tmp_path, command):
    """Found by attack: `python -m booklet` imported a __future__.py or typing.py left in the
    folder it was started in, before anything was confined (a reportlab_settings.py, in the
    spare). None is imported; each would say so."""
    for name, body in PLANTED_MODULES.items():
        (tmp_path / name).write_text(f"import os\nos.write(2, b'PLANTED {name}\\n')\n{body}")
    done = subprocess.run(
        [sys.executable, "-m", "booklet", *command], cwd=tmp_path, text=True,
        capture_output=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "PLANTED" not in done.stderr


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
def test_a_page_task_inherits_nothing_of_an_earlier_visitors():
    """Found by attack: each page task's child was forked from its worker, whose memory still
    held earlier visitors' forms and answers (freed, not wiped); a render read a visitor's
    e-mail address and note there. Each child is forked from a clean child of the worker,
    made before its first task."""
    head, tail = "alice.secret", "@example.org"  # whole only in the first visitor's task
    with Pool(1, limits=QUICK, start="fork", isolate=True) as pool:
        first = pool.submit(jail_tasks.hold_a_visitors_note, head + tail, label="x")
        assert next(iter(pool.results([first]))).result()["note"] == head + tail
        second = pool.submit(jail_tasks.find_in_own_memory, head, tail, label="x")
        assert next(iter(pool.results([second]))).result() is False
        third = pool.submit(jail_tasks.echo, 3, label="x")  # and it serves on
        assert next(iter(pool.results([third]))).result()["value"] == 3


# --- what a render may read (Landlock) -----------------------------------------------------------

address_space_limits = pytest.mark.skipif(
    not jail.ENFORCES_ADDRESS_SPACE, reason="address-space limits (Linux)"
)
can_restrict_reads = pytest.mark.skipif(
    not sys.platform.startswith("linux") or jail_tasks.landlock_abi() < 1,
    reason="no Landlock here",
)


class Reading:
    """A library the render is given, with a file in it, and a private file beside it that it
    is not; a link inside the library to the private file; and /etc's hostname."""

    def __init__(self, folder: Path) -> None:
        self.library = folder / "library"
        self.library.mkdir()
        (self.library / "technique.yaml").write_text("id: mine\n")
        self.private = folder / "private" / "id_rsa"
        self.private.parent.mkdir()
        self.private.write_text("a key\n")
        (self.library / "link").symlink_to(self.private)

    def paths(self) -> list[str]:
        return [str(self.library / "technique.yaml"), str(self.private),
                str(self.library / "link"), "/etc/hostname"]  # fmt: skip

    def limits(self) -> Limits:
        return QUICK.reading([str(self.library)])


@pytest.fixture
def reading(tmp_path: Path) -> Reading:
    return Reading(tmp_path)


def _reads_as_they_should(reading: Reading, said: dict[str, str]) -> None:
    assert said[str(reading.library / "technique.yaml")] == "done"  # its own library
    assert said["import"] == "done"  # Python's own modules, imported as it renders
    assert said[str(reading.private)] == "refused"
    assert said[str(reading.library / "link")] == "refused"  # not out through a link
    if Path("/etc/hostname").exists():
        assert said["/etc/hostname"] == "refused"


@can_restrict_reads
def test_a_one_off_render_reads_only_its_libraries_and_pythons_own(reading):
    said = jail.run(jail_tasks.try_to_read, reading.paths(), limits=reading.limits(), label="x")
    _reads_as_they_should(reading, said)


@can_restrict_reads
@pytest.mark.parametrize("isolate", [False, True], ids=["batch worker", "page worker"])
def test_a_task_in_a_worker_reads_only_its_libraries(reading, isolate):
    with Pool(1, limits=reading.limits(), start="fork", isolate=isolate) as pool:
        future = pool.submit(jail_tasks.try_to_read, reading.paths(), label="x")
        _reads_as_they_should(reading, next(iter(pool.results([future]))).result())
        again = pool.submit(jail_tasks.try_to_read, reading.paths(), label="x")
        _reads_as_they_should(reading, next(iter(pool.results([again]))).result())


SPARE_READS = """
import json, sys
from booklet.base import jail
from booklet.base.jail import MIB, Limits
from tests import jail_tasks
jail.start_spare(jail_tasks.warm)
limits = Limits(memory=128 * MIB, cpu=3.0, wall=5.0).reading([sys.argv[1]])
said = jail.run_in_spare(jail_tasks.try_to_read, sys.argv[2:], limits=limits, label="x")
print(json.dumps(said))
"""


@can_restrict_reads
def test_the_spare_reads_only_its_libraries_once_handed_its_render(reading):
    done = subprocess.run(
        [sys.executable, "-c", SPARE_READS, str(reading.library), *reading.paths()], cwd=REPO,
        text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    _reads_as_they_should(reading, json.loads(done.stdout))


@can_restrict_reads
@address_space_limits
@pytest.mark.parametrize("isolate", [False, True], ids=["batch worker", "page worker"])
def test_a_worker_narrowed_to_its_libraries_still_holds_each_tasks_memory_limit(reading, isolate):
    """Found while fixing the second attack: a page worker narrowed to its libraries left each
    task's child unable to read its own size in /proc, and so without a memory limit."""
    with Pool(1, limits=reading.limits(), start="fork", isolate=isolate) as pool:
        future = pool.submit(jail_tasks.grab_memory, label="x")
        with pytest.raises(Stopped, match="memory"):
            next(iter(pool.results([future]))).result()


@can_restrict_reads
def test_a_render_given_no_reads_reads_anything_as_before(reading):
    """The jail's own callers that do not say what a render reads (none of booklet's renders)
    are not narrowed: what this case refuses above is refused by the reads it was given."""
    said = jail.run(jail_tasks.try_to_read, reading.paths(), limits=QUICK, label="x")
    assert said[str(reading.private)] == "done"


# --- the second attack --------------------------------------------------------------------------

x86_64 = pytest.mark.skipif(
    __import__("platform").machine() != "x86_64", reason="system calls by their x86-64 numbers"
)
MORE_MOVES = [
    "set a file's version", "watch a folder", "make asynchronous I/O", "make a POSIX timer",
    "read an attribute by its path", "leave its session", "drop its parent-death signal",
    "list the machine's sockets",
]  # fmt: skip


@can_confine
@x86_64
@pytest.mark.parametrize("move", MORE_MOVES)
def test_a_render_is_refused_what_the_second_attack_found(tmp_path, move):
    """An inode's version through a read-only descriptor (EXT4_IOC_SETVERSION); quotas every
    process on the machine shares (AIO contexts, POSIX timers, inotify watches); attributes and
    names beyond what it may read; its session and parent-death signal (it outlived booklet);
    the machine's sockets in /proc/self/net."""
    (tmp_path / "keep.txt").write_text(KEPT)
    limits = QUICK.reading([str(tmp_path)])
    said = jail.run(jail_tasks.more_moves, str(tmp_path), limits=limits, label="x")
    assert said[move] == "refused"
    assert (tmp_path / "keep.txt").read_text() == KEPT


@can_confine
@x86_64
def test_the_second_attacks_moves_reach_the_kernel_when_unconfined(tmp_path, monkeypatch):
    (tmp_path / "keep.txt").write_text(KEPT)
    monkeypatch.setattr(confine, "confine", lambda: False)
    monkeypatch.setattr(confine, "restrict_reads", lambda folders: False)
    said = jail.run(jail_tasks.more_moves, str(tmp_path), limits=QUICK, label="x")
    assert sorted(said) == sorted(MORE_MOVES)
    assert "refused" not in said.values(), said


@can_confine
@pytest.mark.parametrize("isolate", [None, True], ids=["one-off", "page"])
def test_a_render_that_answers_and_lingers_is_not_waited_for(isolate):
    """Found by attack: a render that answered and then slept held its parent (the command, a
    page worker) past every deadline, and lived on after it. It is ended once it answers. (A
    batch worker's task runs in the worker, whose pool ends it at the task's deadline.)"""
    started = time.monotonic()
    if isolate is None:
        said = jail.run(jail_tasks.answer_then_linger, 30, limits=QUICK, label="x")
    else:
        with Pool(1, limits=QUICK, start="fork", isolate=isolate) as pool:
            future = pool.submit(jail_tasks.answer_then_linger, 30, label="x")
            said = next(iter(pool.results([future]))).result()
    assert said == "answered"
    assert time.monotonic() - started < QUICK.wall


@pytest.mark.skipif(not jail.HAS_FORK, reason="fork")
@pytest.mark.parametrize("kind", ["list", "nested", "too large"])
@pytest.mark.parametrize("isolate", [None, False, True], ids=["one-off", "batch", "page"])
def test_an_answer_booklet_cannot_read_fails_that_render_alone(kind, isolate):
    """Found by attack: a header that was a list, or JSON nested past Python's recursion, was
    an AttributeError or RecursionError in the parent (a whole batch ended with no PDF); an
    answer larger than the render's memory would have been held by its parent. Each is that
    render's failure, one line, and the pool serves on."""
    if isolate is None:
        with pytest.raises((jail.ChildFailed, Stopped)):
            jail.run(jail_tasks.answer_in_a_bad_frame, kind, limits=QUICK, label="x")
        return
    with Pool(1, limits=QUICK, start="fork", isolate=isolate) as pool:
        bad = pool.submit(jail_tasks.answer_in_a_bad_frame, kind, label="x")
        with pytest.raises((jail.ChildFailed, Stopped)):
            next(iter(pool.results([bad]))).result()
        good = pool.submit(jail_tasks.echo, 2, label="x")
        assert next(iter(pool.results([good]))).result()["value"] == 2


def test_what_a_render_says_cannot_drive_the_terminal():
    """Found by attack: an error from a render printed its escape sequences raw (a window's
    title, the clipboard, a cleared screen, a line written over). They are written out."""
    from booklet.base.errors import BookletError

    with pytest.raises(BookletError) as raised:
        jail.run(jail_tasks.error_with_escapes, limits=QUICK, label="x")
    said = str(raised.value)
    assert r"\x1b]0;owned\x07" in said and r"\x0dtitle" in said
    assert not any(0x00 <= ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in said)


SPARE_STEP = """
import json, sys
from booklet.base import jail
from booklet.base.jail import MIB, Limits
from tests import jail_tasks
jail.start_spare(jail_tasks.warm)
limits = Limits(memory=128 * MIB, cpu=3.0, wall=5.0).reading([sys.argv[1]])
assert jail.prepare_spare(jail_tasks.read_in_a_step, sys.argv[2:], limits=limits)
said = jail.run_in_spare(jail_tasks.what_the_steps_did, limits=limits, label="x")
print(json.dumps(said))
"""


@can_restrict_reads
def test_the_spare_reads_only_its_libraries_from_its_first_step(reading):
    """Found by attack: a spare handed a library too large to copy read it itself before it
    was narrowed, and a step could lift its memory limit past any render's. Both hold from
    its first step."""
    done = subprocess.run(
        [sys.executable, "-c", SPARE_STEP, str(reading.library), *reading.paths()], cwd=REPO,
        text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    read, memory = json.loads(done.stdout)
    _reads_as_they_should(reading, read)
    assert memory["refused"] and memory["hard"] is not None
    assert memory["hard"] <= memory["size"] + jail.WORKER_MEMORY_ROOM


PYTHONPATH_READS = """
import json, sys
from booklet.base import jail
from booklet.base.jail import Limits
from tests import jail_tasks
said = jail.run(jail_tasks.try_to_read, [sys.argv[1]], limits=Limits().reading([]), label="x")
print(json.dumps(said))
"""


@can_restrict_reads
def test_a_folder_on_the_import_path_is_not_readable_for_being_there(tmp_path):
    """Found by attack: every folder on the import path (a script's own, PYTHONPATH's) was
    readable. Only Python's own, site-packages and the packages a render imports are."""
    secret = tmp_path / "secret.txt"
    secret.write_text("a secret\n")
    done = subprocess.run(
        [sys.executable, "-c", PYTHONPATH_READS, str(secret)], cwd=REPO, text=True,
        env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{tmp_path}"}, capture_output=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert said[str(secret)] == "refused" and said["import"] == "done"


PAGE_WARM = """
import os, sys
from booklet.base import confine
LIBRARY = sys.argv[1]
def planted(event, args):
    # a library's own template, compiled where nothing confines it: the move gets out
    if event == "compile" and str(args[1]).startswith(LIBRARY) and not confine.confined():
        os._exit(99)
sys.addaudithook(planted)
from booklet.base.jail import Pool
from booklet.web import form
limits = form.RENDER_LIMITS.reading([LIBRARY])
with Pool(1, limits=limits, isolate=True, start="fork", initializer=form.init_page_worker,
          initargs=((LIBRARY,),)) as pool:
    job = pool.submit(form.page_task, {"routine": "classic"}, None, False, True, label="x")
    answer = next(iter(pool.results([job]))).result()
    print(answer["name"])
"""


@can_confine
def test_a_page_worker_renders_a_librarys_own_layout_only_in_a_confined_child(tmp_path):
    """Found by attack: a page worker warmed itself up rendering the library's `bedside` before
    any task, where nothing confines it; a library's own `bedside` (its own templates) ran
    there, read any file and stayed for every visitor. It warms up with booklet's own library;
    the library's own templates run only in each task's confined child."""
    layout = tmp_path / "lib" / "layouts" / "bedside"
    layout.mkdir(parents=True)
    (layout / "layout.yaml").write_text("extends: bedside\n", encoding="utf-8")
    (layout / "title.j2").write_text(
        (REPO / "layouts" / "bedside" / "title.j2").read_text(encoding="utf-8"), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-c", PAGE_WARM, str(tmp_path / "lib")], cwd=REPO, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith(".pdf")


# --- the real commands, with a planted move in their render ------------------------------------

PLANTED = """
import os, sys
COMMAND = os.getpid()
MOVE = os.environ["PLANTED_MOVE"]  # read now: a render forgets its environment
def planted(event, args):
    # A template compiled inside a render (a snippet of the layout's): the moment a stranger's
    # code could run. Its first moves: a socket, to send what it finds; a key, to print it.
    if event == "compile" and os.getpid() != COMMAND and str(args[1]).endswith(".j2"):
        import socket
        try:
            if MOVE == "socket":
                socket.socket().close()
            else:
                open(MOVE, "rb").close()
        except OSError:
            return
        os._exit(99)  # it got out: the render ends without an answer
sys.addaudithook(planted)
if sys.argv[1] == "unconfined":
    from booklet.base import confine
    confine.confine = lambda: False
    confine.restrict_reads = lambda folders: False
from booklet.cli.entry import main
sys.argv[1:2] = []
main()
"""


@can_confine
@pytest.mark.parametrize("confined", [True, False], ids=["confined", "unconfined"])
@pytest.mark.parametrize("move", ["socket", "read a key"])
@pytest.mark.parametrize(
    "command",
    [["card"], ["book"], ["batch", "variants.yaml", "--jobs", "2"], ["validate", "lib"]],
    ids=["card", "book", "batch", "validate"],
)
def test_a_planted_move_inside_a_real_render_is_refused(tmp_path, command, move, confined):
    """`booklet card` (its spare) and `booklet batch` (its workers) render confined: the
    planted move (a socket; reading a key beside the folder it was started in) fails and the
    card is made. Unconfined, the same move gets out, and the render is lost (which is how
    this case knows the move was made at all)."""
    if move != "socket" and jail_tasks.landlock_abi() < 1:
        pytest.skip("no Landlock here")
    (tmp_path / "variants.yaml").write_text(
        "variants:\n  - name: one\n  - name: two\n", encoding="utf-8"
    )
    layout = tmp_path / "lib" / "layouts" / "mine"  # validate renders it on trial
    layout.mkdir(parents=True)
    (layout / "layout.yaml").write_text("extends: bedside\n", encoding="utf-8")
    key = tmp_path / ".ssh" / "id_rsa"
    key.parent.mkdir()
    key.write_text("a key\n")
    planted = "socket" if move == "socket" else str(key)
    done = subprocess.run(
        [sys.executable, "-c", PLANTED, "confined" if confined else "unconfined", *command],
        cwd=tmp_path, text=True, capture_output=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), "PLANTED_MOVE": planted},
    )  # fmt: skip
    made = sorted(p.name for p in tmp_path.rglob("*.pdf"))
    if confined:
        assert done.returncode == 0, done.stderr
        assert made or command[0] == "validate", done.stdout
    else:
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
