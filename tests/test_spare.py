"""The spare render child: forked before a command has read anything, warmed up with imports
while the command parses its line and reads the libraries, then given the render.

It must be a child like any other: the render's limits hold in it, whole, from the moment it
is handed the render; it can write nothing, even while it warms up; its answer is data; it
never outlives its parent, used or not; and where it cannot be made or is not ready, the
render is made as before. Each case runs in a fresh interpreter, as the command does (a
spare is only made by a single-threaded process).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from booklet.base import jail
from booklet.cli.entry import command_of
from tests.helpers import REPO

posix_only = pytest.mark.skipif(not jail.HAS_FORK, reason="the spare is forked (POSIX)")
has_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

PRELUDE = """
import json, os, sys, time
from pathlib import Path
from booklet.base import jail
from booklet.base.jail import MIB, Limits
from tests import jail_tasks
LIMITS = Limits(memory=128 * MIB, cpu=2.0, wall=3.0)
def answer(value):
    print(json.dumps(value), flush=True)
def children():
    return jail_tasks.children_of(os.getpid())
"""
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
LIMITS_CPU = 2.0  # the CPU limit PRELUDE's LIMITS give


def _python(code: str, cwd: Path | None = None, timeout: float = 30) -> list[object]:
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + code],
        cwd=cwd or REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _booklet(cwd: Path, *args: str, **extra: object) -> subprocess.CompletedProcess[str]:
    """`python -m booklet ARGS`, as a person runs it: the spare is made."""
    return subprocess.run(
        [sys.executable, "-m", "booklet", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        **extra,  # type: ignore[call-overload]
    )


def _parent_and_spare(code: str) -> tuple[subprocess.Popen[bytes], int]:
    """A process running PRELUDE + code, which says its spare's pid (`answer(children())`)."""
    process = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + code], cwd=REPO, env=ENV, stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    (pid,) = json.loads(process.stdout.readline())
    return process, pid


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (a container's first process may never reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _gone_with_its_parent(parent: subprocess.Popen[bytes], pid: int, seconds: float) -> bool:
    """Kill the spare's parent outright; whether the spare is gone within `seconds`."""
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    return _wait_gone(pid, seconds)


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _gone(pid)


@posix_only
def test_the_render_runs_in_the_warmed_spare_after_its_steps():
    (spare,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "jail.prepare_spare(jail_tasks.get_ready, 'library', limits=LIMITS)\n"
        "reply = jail.run_in_spare(jail_tasks.what_was_warmed, limits=LIMITS, label='x')\n"
        "answer({**reply, 'parent': os.getpid(), 'left': jail.has_spare()})\n"
    )
    assert spare["warmed"] == ["warm", "library"]
    assert spare["pid"] != spare["parent"]
    assert spare["left"] is False  # one spare, one render


@posix_only
def test_a_render_not_asking_for_the_spare_is_forked_as_before():
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "reply = jail.run(jail_tasks.what_was_warmed, limits=LIMITS, label='x')\n"
        "answer({**reply, 'left': jail.has_spare()})\n"
    )
    assert reply["warmed"] == [] and reply["left"] is True


@posix_only
def test_a_task_that_does_not_pickle_is_made_elsewhere_and_the_spare_waits():
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "try:\n"
        "    jail.run_in_spare(lambda: 'pickled', limits=LIMITS, label='x')\n"
        "except jail.NoSpare:\n"
        "    value = 'elsewhere'\n"
        "later = jail.run_in_spare(jail_tasks.what_was_warmed, limits=LIMITS, label='x')\n"
        "answer({'value': value, 'later': later['warmed']})\n"
    )
    assert reply == {"value": "elsewhere", "later": ["warm"]}


@posix_only
def test_the_render_has_its_whole_cpu_time_after_a_step_that_used_most_of_its_own():
    """Reading a large library in the spare must not eat into the render's limits: a render
    forked after the parent read it had them whole (found by attack: a large library and a
    slow layout were 'stopped after 6 s of work' that had rendered before)."""
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "jail.prepare_spare(jail_tasks.work_for, 1.4, limits=LIMITS)\n"
        "jail_tasks.work_for(1.4)  # the command reads the library too\n"
        "answer(jail.run_in_spare(jail_tasks.work_for, 1.4, limits=LIMITS, label='x'))\n"
    )
    assert reply == "done"


@posix_only
def test_the_render_in_the_spare_has_as_much_cpu_time_as_a_child_forked_for_it():
    """The render's CPU allowance is counted from when it is handed over, to the millisecond,
    however much the spare used before (found by attack: with the kernel's whole-second limit
    a spare that had read a large library had up to a second less than a fresh child, and
    then, counted up, a second more than the 6 s a render is said to have)."""
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "jail.prepare_spare(jail_tasks.work_for, 0.4, limits=LIMITS)\n"
        "jail_tasks.work_for(0.4)  # the command reads the library too\n"
        "spare = jail.run_in_spare(jail_tasks.cpu_left, limits=LIMITS, label='x')\n"
        "fresh = jail.run(jail_tasks.cpu_left, limits=LIMITS, label='x')\n"
        "answer([spare, fresh])\n"
    )
    spare, fresh = reply
    assert abs(spare - LIMITS_CPU) < 0.1 and abs(fresh - LIMITS_CPU) < 0.1, reply


@posix_only
@pytest.mark.skipif(not jail.ENFORCES_ADDRESS_SPACE, reason="address-space limits (Linux)")
def test_the_renders_memory_limit_holds_in_the_spare():
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "try:\n"
        "    jail.run_in_spare(jail_tasks.grab_memory, limits=LIMITS, label=\"layout 'big'\")\n"
        "except jail.Stopped as exc:\n"
        "    answer(str(exc))\n"
    )
    assert reply.startswith("layout 'big': stopped: it needed more than 128 MB of memory")


@posix_only
def test_the_spare_writes_no_file_even_while_it_warms_up(tmp_path):
    """Warming up imports ReportLab, which runs a `reportlab_settings.py` it finds on the path
    (with `python -m`, the folder it is run in): the spare is in the jail from its start."""
    (reply,) = _python(
        "jail.start_spare(jail_tasks.write_in_warm_up)\n"
        "try:\n"
        "    jail.run_in_spare(jail_tasks.write_file, 'x.txt', limits=LIMITS, label='x')\n"
        "    answer('wrote')\n"
        "except Exception as exc:\n"
        "    answer(type(exc).__name__)\n",
        cwd=tmp_path,
    )
    assert reply != "wrote"
    for name in ("warm.txt", "x.txt"):
        assert not (tmp_path / name).exists() or (tmp_path / name).stat().st_size == 0


@posix_only
def test_a_settings_file_in_the_folder_runs_only_in_the_jail(tmp_path):
    (tmp_path / "reportlab_settings.py").write_text(
        "with open('owned.txt', 'w') as f:\n    f.write('ran with no limits')\n"
    )
    done = _booklet(tmp_path, "card", "-o", "c.pdf")
    assert "Traceback" not in done.stderr  # the import fails in the jail, as it did before
    owned = tmp_path / "owned.txt"
    assert not owned.exists() or owned.read_text() == ""


@pytest.mark.parametrize("step", ["spin", "grab_memory", "bug"])
@posix_only
def test_a_step_that_fails_or_runs_away_leaves_the_render_to_be_made_elsewhere_soon(step):
    """A stranger's library that spins, or needs more memory than a render may have, while
    the spare reads it: the spare ends (or is not waited for), and the render goes to a child
    made as before, which is handed the library the command read (found by attack: a library
    of 240 MB, which rendered before, was 'stopped' as the spare read it again)."""
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        f"jail.prepare_spare(jail_tasks.{step}, limits=LIMITS)\n"
        "began = time.monotonic()\n"
        "try:\n"
        "    jail.run_in_spare(jail_tasks.echo, 3, limits=LIMITS, label='x')\n"
        "    answer('in the spare')\n"
        "except jail.NoSpare:\n"
        "    answer({'waited': time.monotonic() - began, 'spare': jail.has_spare()})\n"
    )
    assert reply != "in the spare"
    assert reply["waited"] < 1.5 and reply["spare"] is False


@posix_only
def test_a_late_spare_is_not_waited_for_beyond_its_grace():
    """A spare held up where the command was not (a settings file that sleeps as ReportLab
    loads, found by attack): the render is made elsewhere, with its own limits, half a second
    later, not after the whole of a render's wall-clock limit."""
    (reply,) = _python(
        "jail.start_spare(jail_tasks.sleep_in_warm_up)\n"
        "jail.prepare_spare(jail_tasks.get_ready, 'library', limits=LIMITS)\n"
        "began = time.monotonic()\n"
        "try:\n"
        "    jail.run_in_spare(jail_tasks.echo, 3, limits=LIMITS, label='x')\n"
        "except jail.NoSpare:\n"
        "    answer(time.monotonic() - began)\n"
    )
    assert reply < 1.0


@posix_only
def test_a_stalled_spare_is_waited_for_a_second_at_most_however_long_the_command_took():
    """The wait grows with the command's own time over the same steps, up to a second (found
    by attack: a spare stalled by a settings file cost a large library's reading time again)."""
    (reply,) = _python(
        "jail.start_spare(jail_tasks.sleep_long_in_warm_up)\n"
        "jail.prepare_spare(jail_tasks.get_ready, 'library', limits=LIMITS)\n"
        "time.sleep(3)  # the command reads a large library\n"
        "began = time.monotonic()\n"
        "try:\n"
        "    jail.run_in_spare(jail_tasks.echo, 3, limits=LIMITS, label='x')\n"
        "except jail.NoSpare:\n"
        "    answer(time.monotonic() - began)\n"
    )
    assert 0.9 <= reply < 1.4


@posix_only
def test_a_render_the_spare_cannot_take_is_made_with_the_commands_library():
    """booklet.products.jailed.make: the spare ended reading the library (here: out of memory)
    and the card is made by a child handed the library this process read, as before there
    were spares, with the same bytes."""
    (reply,) = _python(
        "from booklet.products import jailed\n"
        "from booklet.products.card import CardRequest\n"
        "from booklet.data.library import load_library\n"
        "def too_large(roots):  # the library, as the jail's limits would meet it\n"
        "    raise MemoryError\n"
        "jailed.load_library = too_large  # as the spare and the render's child read it\n"
        "jail.start_spare(jail_tasks.warm)\n"
        "render = jailed.Render('card', (), None, 'classic', (), CardRequest())\n"
        "jailed.get_ready(render)\n"
        "library = load_library([])\n"
        "made = jailed.make(render, library)\n"
        "again = jailed.make(render, library)\n"
        "answer({'same': made.data == again.data, 'pdf': made.data[:5].decode()})\n"
    )
    assert reply == {"same": True, "pdf": "%PDF-"}


@posix_only
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity")
def test_on_one_core_there_is_no_spare():
    """It would only take turns with the command, and read a large library twice over."""
    (reply,) = _python(
        "os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})\n"
        "jail.start_spare(jail_tasks.warm)\n"
        "answer(jail.has_spare())\n"
    )
    assert reply is False


@posix_only
@pytest.mark.parametrize("size", [100_000, 2_000_000])
def test_a_large_step_never_makes_the_parent_wait_for_a_busy_spare(size):
    """A step waits in the pipe for a spare still importing (here, asleep): one the pipe holds
    (a library handed over: the pipe is made larger on Linux) is sent at once; a larger one is
    not sent at all, and the spare stays for the render (made ready another way)."""
    started = time.monotonic()
    (reply,) = _python(
        "jail.start_spare(jail_tasks.sleep_in_warm_up)\n"
        "began = time.monotonic()\n"
        f"sent = jail.prepare_spare(jail_tasks.get_ready, 'x' * {size}, limits=LIMITS)\n"
        "answer({'waited': time.monotonic() - began, 'spare': jail.has_spare(), 'sent': sent})\n"
    )
    assert reply["waited"] < 1 and reply["spare"] is True
    assert reply["sent"] is (size == 100_000 and sys.platform.startswith("linux"))
    assert time.monotonic() - started < 10


@posix_only
@has_proc
def test_an_unused_spare_ends_with_its_parent():
    (spares,) = _python("jail.start_spare(jail_tasks.warm)\nanswer(children())\n")
    assert len(spares) == 1
    assert _wait_gone(spares[0], 0.5)


@posix_only
@has_proc
def test_a_spare_whose_parent_is_killed_leaves_by_itself():
    code = "jail.start_spare(jail_tasks.warm)\nanswer(children())\ntime.sleep(60)\n"
    process, pid = _parent_and_spare(code)
    assert not _gone(pid)  # waiting for a task
    assert _gone_with_its_parent(process, pid, 5)


@posix_only
@has_proc
def test_a_spare_whose_parent_dies_as_it_is_born_leaves():
    """A parent gone before its spare asked who its parent was (found by attack: the spare
    took the first process as its parent and lived on)."""
    code = (
        "import signal\n"
        "jail.start_spare(jail_tasks.sleep_long_in_warm_up)\n"
        "answer(children())\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    process, pid = _parent_and_spare(code)
    process.wait()
    assert _wait_gone(pid, 1.0)


@posix_only
@has_proc
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal")
def test_a_spare_held_up_anywhere_dies_with_its_parent():
    """Held up where it waits for nothing of its parent's (a settings file that sleeps as
    ReportLab loads, found by attack), the spare still ends the moment its parent does."""
    code = (
        "jail.start_spare(jail_tasks.sleep_long_in_warm_up)\nanswer(children())\ntime.sleep(60)\n"
    )
    process, pid = _parent_and_spare(code)
    time.sleep(0.3)
    assert _gone_with_its_parent(process, pid, 1.0)


@posix_only
@has_proc
def test_a_spare_whose_parent_is_killed_mid_step_never_starts_the_render():
    """Killed while the spare reads the libraries, the command never hands it the render: the
    spare leaves when the step ends (found by attack: it went on to render, for seconds)."""
    code = (
        "jail.start_spare(jail_tasks.warm)\n"
        "jail.prepare_spare(jail_tasks.work_for, 1.0, limits=LIMITS)\n"
        "answer(children())\n"
        "jail.run_in_spare(jail_tasks.work_for, 1.8, limits=LIMITS, label='x')\n"
    )
    process, pid = _parent_and_spare(code)
    time.sleep(0.3)  # the step is under way, the render waits for it
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _wait_gone(pid, 1.6)


def _few_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (6, 6))


@posix_only
def test_with_no_room_for_a_spare_the_card_is_made_as_before(tmp_path):
    """Too few file descriptors for the spare's pipes (found by attack: a traceback)."""
    done = _booklet(tmp_path, "card", "-o", "c.pdf", preexec_fn=_few_files)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["card"], "card"),
        (["--lang", "es", "card", "-o", "x.pdf"], "card"),
        (["--library", "card", "book"], "book"),
        (["--library=lib", "-q", "book"], "book"),
        (["batch", "card"], "batch"),
        (["--help"], None),
    ],
)
def test_the_command_is_known_before_click_is_loaded(args, command):
    assert command_of(args) == command


@posix_only
def test_a_card_made_through_the_spare_has_the_same_bytes(tmp_path):
    """`python -m booklet card` starts a spare; the in-process command line does not."""
    from click.testing import CliRunner

    from booklet.cli.main import cli

    done = _booklet(tmp_path, "card", "-o", "spare.pdf", "--title", "For Ana")
    assert done.returncode == 0, done.stderr
    here = str(tmp_path / "here.pdf")
    result = CliRunner().invoke(cli, ["card", "-o", here, "--title", "For Ana"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spare.pdf").read_bytes() == (tmp_path / "here.pdf").read_bytes()


@posix_only
def test_a_bad_option_ends_the_command_and_its_spare_at_once(tmp_path):
    started = time.monotonic()
    done = _booklet(tmp_path, "card", "--size", "9x99")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert time.monotonic() - started < 5


HAND_OVER = """
import hashlib
from booklet.products import jailed
from booklet.products.jailed import Render
from booklet.products.requests import CardRequest
from booklet.data.library import load_library
roots = tuple(sys.argv[2:])
def start():
    jail.start_spare(lambda: jailed.warm_up("card"))
    if ROOM is not None:
        jail._spare.room = ROOM  # a pipe too small for the copy
start()
library = load_library([Path(r) for r in roots]).in_language(sys.argv[1])
render = Render("card", roots, sys.argv[1], "classic", (), CardRequest(layout=LAYOUT))
jailed.get_ready(render, library)
seen = jail.run_in_spare(jail_tasks.loaded_modules, ["yaml"], limits=jailed.LIMITS, label="x")
start()
jailed.get_ready(render, library)
via_spare = jailed.make(render, library).data
jail.drop_spare()
forked = jailed.make(render, library).data  # no spare: a child forked with this library
answer({"yaml": bool(seen), "same": via_spare == forked, "size": len(via_spare)})
"""


@pytest.fixture
def layout_on_bedside(tmp_path: Path) -> Path:
    """A user library whose layout extends the built-in bedside card."""
    folder = tmp_path / "lib" / "layouts" / "mine"
    folder.mkdir(parents=True)
    (folder / "layout.yaml").write_text("extends: bedside\nmargin: 0.2in\n")
    return tmp_path / "lib"


@posix_only
@pytest.mark.parametrize(
    ("lang", "layout", "room"),
    [("en", "bedside", None), ("de", "mine", None), ("en", "mine", 4096)],
)
def test_the_spare_is_handed_the_commands_library(layout_on_bedside, lang, layout, room):
    """The command hands its spare a copy of the library it loaded, its layout's YAML read
    ahead (the layouts it extends too): the spare parses none of its own and never loads
    PyYAML. A copy too large for the pipe is not sent: the spare reads the library itself,
    as before. Either way the card is the one a child forked with the library makes."""
    (reply,) = _python(
        f"LAYOUT = {layout!r}\nROOM = {room!r}\n"
        + HAND_OVER.replace("sys.argv[1]", repr(lang)).replace(
            "sys.argv[2:]", repr([str(layout_on_bedside)])
        )
    )
    assert reply["yaml"] is (room is not None)
    assert reply["same"] and reply["size"] > 10_000


LARGE_LIBRARY = """
from booklet.products import jailed
from booklet.products.jailed import Render
from booklet.products.requests import CardRequest
from booklet.data.library import load_library
jail.start_spare(lambda: jailed.warm_up("card"))
jail._spare.room = 4096  # the copy does not fit the pipe
jail.LARGE_STEP = 2048  # and is larger than any pipe holds: as a library of a thousand techniques
library = load_library([])
render = Render("card", (), None, "classic", (), CardRequest())
began = time.monotonic()
jailed.get_ready(render, library)
spare = jail.has_spare()
data = jailed.make(render, library).data
answer({"spare": spare, "size": len(data), "took": time.monotonic() - began})
"""


@posix_only
def test_a_library_too_large_for_any_pipe_is_not_read_twice():
    """Found by attack: a library too large to hand over was read again by the spare after
    the command had read it, and the command then waited out the spare's grace. It goes to a
    child forked with the command's copy at once."""
    (reply,) = _python(LARGE_LIBRARY)
    assert reply["spare"] is False and reply["size"] > 10_000
    assert reply["took"] < 2
