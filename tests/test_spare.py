"""The spare render child: forked before a command has read anything, warmed up with imports
while the command parses its line and reads the libraries, then given the render.

It must be a child like any other: the render's limits hold in it, its answer is data, and it
never outlives its parent, used or not. Each case runs in a fresh interpreter, as the command
does (a spare is only made by a single-threaded process).
"""

from __future__ import annotations

import json
import os
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

PRELUDE = """
import json, os, sys, time
from booklet.base import jail
from booklet.base.jail import MIB, Limits
from tests import jail_tasks
LIMITS = Limits(memory=128 * MIB, cpu=2.0, wall=3.0)
def answer(value):
    print(json.dumps(value), flush=True)
"""


def _python(code: str, cwd: Path | None = None, timeout: float = 30) -> list[object]:
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + code],
        cwd=cwd or REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _gone(pid: int) -> bool:
    """No such process, or only its zombie (a container's first process may never reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@posix_only
def test_the_render_runs_in_the_warmed_spare_after_its_steps():
    (spare,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "jail.prepare_spare(jail_tasks.get_ready, 'library', limits=LIMITS)\n"
        "reply = jail.run(jail_tasks.what_was_warmed, limits=LIMITS, label='x', spare=True)\n"
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
def test_a_task_that_does_not_pickle_is_forked_and_the_spare_waits():
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "value = jail.run(lambda: 'forked', limits=LIMITS, label='x', spare=True)\n"
        "later = jail.run(jail_tasks.what_was_warmed, limits=LIMITS, label='x', spare=True)\n"
        "answer({'value': value, 'later': later['warmed']})\n"
    )
    assert reply == {"value": "forked", "later": ["warm"]}


@posix_only
@pytest.mark.skipif(not jail.ENFORCES_ADDRESS_SPACE, reason="address-space limits (Linux)")
def test_the_renders_memory_limit_holds_in_the_spare():
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "try:\n"
        "    jail.run(jail_tasks.grab_memory, limits=LIMITS, label=\"layout 'big'\", spare=True)\n"
        "except jail.Stopped as exc:\n"
        "    answer(str(exc))\n"
    )
    assert reply.startswith("layout 'big': stopped: it needed more than 128 MB of memory")


@posix_only
def test_the_spare_writes_no_file(tmp_path):
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "try:\n"
        "    jail.run(jail_tasks.write_file, 'x.txt', limits=LIMITS, label='x', spare=True)\n"
        "    answer('wrote')\n"
        "except Exception as exc:\n"
        "    answer(type(exc).__name__)\n",
        cwd=tmp_path,
    )
    assert reply != "wrote"
    assert not (tmp_path / "x.txt").exists() or (tmp_path / "x.txt").stat().st_size == 0


@posix_only
def test_a_step_that_runs_away_still_ends_in_one_line_in_time():
    """A stranger's library that spins while the spare reads it: its CPU limit ends the spare,
    and the render meets the same problem, or a fresh child does: either way one message,
    in time."""
    started = time.monotonic()
    (reply,) = _python(
        "jail.start_spare(jail_tasks.warm)\n"
        "jail.prepare_spare(jail_tasks.spin, limits=LIMITS)\n"
        "try:\n"
        "    jail.run(jail_tasks.spin, limits=LIMITS, label=\"layout 'evil'\", spare=True)\n"
        "except jail.Stopped as exc:\n"
        "    answer(str(exc))\n"
    )
    assert reply.startswith("layout 'evil': stopped after")
    assert time.monotonic() - started < 10


def _spare_pid(folder: Path) -> int:
    deadline = time.monotonic() + 10
    while not (folder / "spare.pid").exists() or not (folder / "spare.pid").read_text():
        assert time.monotonic() < deadline, "the spare never warmed up"
        time.sleep(0.02)
    return int((folder / "spare.pid").read_text())


@posix_only
def test_an_unused_spare_ends_with_its_parent(tmp_path):
    _python("jail.start_spare(jail_tasks.warm_and_leave_pid)\ntime.sleep(0.5)\n", cwd=tmp_path)
    assert _gone(_spare_pid(tmp_path))


@posix_only
def test_a_spare_whose_parent_is_killed_leaves_by_itself(tmp_path):
    code = "jail.start_spare(jail_tasks.warm_and_leave_pid)\ntime.sleep(60)\n"
    process = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    pid = _spare_pid(tmp_path)
    assert not _gone(pid)  # waiting for a task
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid)


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

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "booklet", "card", "-o", "spare.pdf", "--title", "For Ana"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    here = str(tmp_path / "here.pdf")
    result = CliRunner().invoke(cli, ["card", "-o", here, "--title", "For Ana"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spare.pdf").read_bytes() == (tmp_path / "here.pdf").read_bytes()


@posix_only
def test_a_bad_option_ends_the_command_and_its_spare_at_once(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "booklet", "card", "--size", "9x99"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert time.monotonic() - started < 5
