"""The `booklet` program's entry: it starts the render's child early, then runs the command line.

A command that makes one thing (a card, a booklet, a diagram) forks the child its render will run in
before anything else is imported or read: the child imports ReportLab and Jinja2 while this
process imports click and reads the libraries, on the machine's other core (booklet.base.jail,
the spare). Every other command starts as it always has.
"""

from __future__ import annotations

import sys

# command: what its one render makes
MAKES_ONE_THING = {"card": "card", "book": "book", "diagram": "diagram"}
# commands whose process adopts whatever its renders leave behind, to end it (not `serve`,
# which starts a browser that may become its child)
ADOPTS = ("card", "book", "diagram", "batch", "validate")
_TAKES_A_VALUE = ("--library", "--lang")  # the group's options that are followed by a value
_NO_RENDER = ("-h", "--help", "--version")


def command_of(args: list[str]) -> str | None:
    """The command the arguments name (the first word that is not a global option), or None."""
    words = iter(args)
    for word in words:
        if word in _TAKES_A_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main() -> None:
    # A card or booklet is one short-lived process that makes few reference cycles: the cyclic
    # garbage collector only costs it time (about a tenth of a card process). Long-running
    # work turns it back on (see booklet.batch.runner).
    import gc

    gc.disable()
    command = command_of(sys.argv[1:])
    helping = any(a in _NO_RENDER for a in sys.argv[1:])
    if command in (*ADOPTS, "serve") and not helping:
        from booklet.base.confine import undumpable

        undumpable()  # its pipes carry what people asked for: no render reads it in /proc
    if command in ADOPTS and not helping:
        from booklet.base.jail import become_subreaper

        if become_subreaper():
            _ended_by_signals_as_by_exit()
    if command not in MAKES_ONE_THING or helping:
        from booklet.cli.main import cli

        cli(prog_name="booklet")
        return
    from booklet.base.jail import start_spare

    start_spare(lambda: _warm_up(MAKES_ONE_THING[command]))
    from booklet.cli.main import cli

    try:
        cli(prog_name="booklet")
    except SystemExit as done:
        _leave(done)
    _leave(SystemExit(0))


def _leave(done: SystemExit) -> None:
    """End a command that made one thing without the interpreter's teardown, which frees every
    object one at a time (a tenth of a card's process): what is written is flushed and every
    exit handler runs first, as they would. Where a stream cannot be flushed (a reader that
    has gone), Python's own exit deals with it, as before."""
    import atexit
    import os

    code = done.code
    if code is not None and not isinstance(code, int):
        raise done  # a message to print: Python's exit prints it
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: the descriptor was closed before we started
                stream.flush()
    except (OSError, ValueError):
        raise done from None
    atexit._run_exitfuncs()
    os._exit(code or 0)


def _ended_by_signals_as_by_exit() -> None:
    """SIGTERM and SIGHUP (a `timeout`, a closed terminal) end the command as `exit` would:
    its render's child is killed and what the render left behind is ended on the way out,
    where the signals' default action would leave it running. A signal ignored when booklet
    started (`nohup`) stays ignored."""
    import signal

    def leave(number: int, frame: object) -> None:
        raise SystemExit(128 + number)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, leave)


def _warm_up(command: str) -> None:
    from booklet.products.jailed import warm_up

    warm_up(command)
