"""The command's frame: the group and its global options, the state commands share, errors
turned into one line, and shell completion of names."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from booklet.base.errors import BookletError, Terminated
from booklet.base.version import __version__

if TYPE_CHECKING:
    from booklet.data.library import Library


class UserError(click.ClickException):
    """Our own error, shown as a message with exit code 2 (bad input), never a traceback."""

    exit_code = 2


class InternalError(click.ClickException):
    exit_code = 1


class BookletGroup(click.Group):
    """The `booklet` command: every error is one line, exit code 2 for bad input, and every
    command takes the common options too (`booklet card --lang es -q`)."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.params.extend(common_parameters(environment=False))
        super().add_command(cmd, name)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise UserError(usage_line(exc)) from None

    def invoke(self, ctx: click.Context) -> Any:
        from booklet.products.requests import OptionError

        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # click's own (an unknown option): one line too
            raise UserError(usage_line(exc)) from None
        except OptionError as exc:
            raise UserError(option_line(exc)) from None
        except BookletError as exc:
            raise UserError(str(exc)) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Terminated:
            click.echo("Stopped (SIGTERM).", err=True)
            raise click.exceptions.Exit(143) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            # `booklet techniques | head`: the reader has gone; stop quietly, as a shell
            # command killed by SIGPIPE would (no message, exit 141).
            silence_stdout()
            raise click.exceptions.Exit(141) from None
        except OSError as exc:
            if not _written_to_a_stream(exc):
                raise InternalError(_internal(ctx, exc)) from None
            silence_stdout()
            raise UserError(stdout_problem(exc)) from None
        except Exception as exc:
            raise InternalError(_internal(ctx, exc)) from None


def option_line(exc: Any) -> str:
    """A bad option, as the command line names it: `--bleed: 3in is more than 0.5in. …`."""
    from booklet.products.options import BY_KEY

    option = BY_KEY.get(exc.option)
    flag = option.flag if option is not None else "--" + exc.option.replace("_", "-")
    return f"{flag}: {exc.reason}"


def usage_line(exc: click.UsageError) -> str:
    """click's message for a usage mistake, in booklet's shape (`--port: 0 is not in the
    range…`), with where to look, on one line."""
    missing = isinstance(exc, click.MissingParameter)
    if isinstance(exc, click.BadParameter) and exc.param is not None and not missing:
        name = (
            exc.param.opts[0]
            if isinstance(exc.param, click.Option)
            else exc.param.human_readable_name
        )
        message = f"{name}: {exc.message}"
    else:
        message = exc.format_message()
    message = " ".join(message.split())
    context = exc.ctx
    words = context.command_path.split()[1:] if context is not None else []
    return f"{message} See `{' '.join(['booklet', *words])} --help`."


def _internal(ctx: click.Context, exc: Exception) -> str:
    """The one line for a bug; with --debug, the traceback instead (the error goes on up)."""
    state = ctx.find_object(State)
    if state is not None and state.debug:
        child_traceback = getattr(exc, "child_traceback", "")
        if child_traceback:  # a bug inside the jail: its own traceback
            click.echo(child_traceback, err=True, nl=False)
        raise exc
    return (
        f"internal error: {type(exc).__name__}: {exc}. This is a bug in booklet; "
        "run again with --debug for the details and report it."
    )


# Errors of a write to standard output that the user can act on (a pipe whose reader has
# gone is not one: that ends quietly, as above).
_STREAM_ERRORS = {
    errno.ENOSPC: "the disk is full",
    getattr(errno, "EDQUOT", errno.ENOSPC): "the disk quota is used up",
    errno.EFBIG: "the file it goes to is too large",
    errno.EBADF: "it is closed or open only for reading",
    errno.EIO: "an input/output error",
}


def stdout_problem(exc: OSError) -> str:
    reason = _STREAM_ERRORS.get(exc.errno or 0) or exc.strerror or str(exc)
    return (
        f"could not write to standard output: {reason}. Give a file name with -o, or send "
        "the output somewhere else."
    )


def _written_to_a_stream(exc: OSError) -> bool:
    """An error of writing to standard output: raised by click.echo (or booklet's own
    write_stdout), with no file name of its own, and of a kind the user can act on."""
    if exc.errno not in _STREAM_ERRORS or exc.filename is not None:
        return False
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name in ("echo", "write_stdout")


def silence_stdout() -> None:
    """Point standard output at the null device, so the flush Python makes at exit does not
    fail again (and print a traceback) after booklet has said what went wrong."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass  # no real standard output (a test's in-memory one, or none at all)


@dataclass
class State:
    library_roots: list[Path] = field(default_factory=list)
    debug: bool = False
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    lang: str | None = None
    _library: Library | None = None

    started: float = field(default_factory=lambda: __import__("time").perf_counter())
    _noted: set[str] = field(default_factory=set)

    def elapsed(self) -> float:
        import time

        return time.perf_counter() - self.started

    def say(self, message: str) -> None:
        """A result (what was written) on standard output, unless -q."""
        if self.verbosity >= 0:
            click.echo(message)

    def note(self, message: str) -> None:
        """Something the user should know, on standard error, unless -q."""
        if self.verbosity >= 0:
            click.echo(f"Note: {message}", err=True)

    def detail(self, message: str) -> None:
        """More about what happened, on standard error, with -v."""
        if self.verbosity > 0:
            click.echo(message, err=True)

    def library(self, lang: str | None = None) -> Library:
        """The libraries, in the language asked for (--lang, or a batch variant's `lang`);
        what that language leaves in English is said once, on standard error."""
        if self._library is None:
            from booklet.data.library import load_library

            self._library = load_library(self.library_roots)
        chosen = lang or self.lang
        if not chosen:
            return self._library
        from booklet.base.errors import ValidationError

        try:
            translated = self._library.in_language(chosen)
        except ValidationError:  # the language's own files have problems: name them
            raise
        except BookletError as exc:
            from booklet.products.requests import OptionError

            raise OptionError("lang", exc.problem.message) from None
        if translated.in_english and self.verbosity >= 0 and chosen not in self._noted:
            self._noted.add(chosen)
            shown = ", ".join(translated.in_english[:4])
            more = len(translated.in_english) - 4
            shown += f" and {more} more" if more > 0 else ""
            click.echo(
                f"Note: no {chosen} text yet for {shown}; where used, they print in English. "
                "`booklet validate` lists every one.",
                err=True,
            )
        return translated


pass_state = click.make_pass_decorator(State)


# --- completion: names from the libraries the command line names -----------------------------


def _completion_library(ctx: click.Context) -> Library | None:
    from booklet.data.library import library_paths_from_env, load_library

    state = ctx.find_object(State)
    roots = list(state.library_roots if state is not None else ()) or library_paths_from_env()
    try:
        return load_library([Path(r) for r in roots])
    except BookletError:
        return None


def _complete(names: Any) -> Any:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        library = _completion_library(ctx)
        if library is None:
            return []
        return sorted(n for n in names(library) if n.startswith(incomplete))

    return complete


complete_routines = _complete(lambda lib: lib.routines)
complete_techniques = _complete(lambda lib: lib.techniques)
complete_layouts = _complete(lambda lib: lib.layouts)
complete_ids = _complete(lambda lib: [*lib.techniques, *lib.routines])


def complete_sizes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from booklet.base.units import NAMED_SIZES

    return [n for n in NAMED_SIZES if n.startswith(incomplete.lower())]


def current_state() -> State:
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(State) if ctx is not None else None
    return state if state is not None else State()


# The options every command takes, declared once: on the group (`booklet --lang es card`) and
# on each command (`booklet card --lang es`). The group's also read the environment.
COMMON_HELP = {
    "library": "A user library folder stacked over the built-in one (repeatable; later wins by "
    "id). Also read from BOOKLET_LIBRARY, folders separated by the path separator.",
    "lang": "The language to print in: en (the default), ar, de, es, fr, he, pt, or one a library "
    "adds. See `booklet languages`. Also read from BOOKLET_LANG.",
    "debug": "Show the full traceback of an internal error.",
    "quiet": "Print only errors.",
    "verbose": "Also say what was made: pages, size, time.",
}


def _state(ctx: click.Context) -> State:
    state = ctx.find_object(State)
    if state is None:  # the group's own options: State does not exist yet
        state = ctx.ensure_object(State)
    return state


def _set_libraries(ctx: click.Context, _: click.Parameter, value: tuple[Path, ...]) -> None:
    if value:
        state = _state(ctx)
        state.library_roots = [*state.library_roots, *value]
        state._library = None


def _set_lang(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value:
        _state(ctx).lang = language_code(value)


def _set_debug(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        _state(ctx).debug = True


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value:
        return
    state = _state(ctx)
    wanted = -1 if param.name == "quiet" else 1
    if state.verbosity == -wanted:
        raise click.UsageError("give -q or -v, not both.")
    state.verbosity = wanted


def language_code(value: str) -> str:
    """A language as people write it (`ES`, `pt_BR`) as booklet names it (`es`, `pt-br`)."""
    return value.strip().lower().replace("_", "-")


def common_parameters(environment: bool) -> list[click.Parameter]:
    """--library, --lang, --debug, -q and -v, as parameters that update the shared State."""
    return [
        click.Option(
            ["--library", "libraries"], multiple=True, metavar="DIR",
            type=click.Path(file_okay=False, path_type=Path), expose_value=False,
            callback=_set_libraries, help=COMMON_HELP["library"],
            envvar="BOOKLET_LIBRARY" if environment else None,
        ),
        click.Option(
            ["--lang"], metavar="CODE", expose_value=False, callback=_set_lang,
            help=COMMON_HELP["lang"], envvar="BOOKLET_LANG" if environment else None,
        ),
        click.Option(["--debug"], is_flag=True, expose_value=False, callback=_set_debug,
                     help=COMMON_HELP["debug"]),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False,
                     callback=_set_verbosity, help=COMMON_HELP["quiet"]),
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False,
                     callback=_set_verbosity, help=COMMON_HELP["verbose"]),
    ]  # fmt: skip


@click.group(
    cls=BookletGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="booklet")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Print-ready back-massage routine cards and gift booklets.

    \b
    Example:
      booklet card                      # the classic routine on a 5x7 in card
      booklet techniques                # what the library holds
    """
    ctx.ensure_object(State)


cli.params.extend(common_parameters(environment=True))


def echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
