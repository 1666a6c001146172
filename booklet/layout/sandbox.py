"""The snippet sandbox: Jinja2's immutable sandbox, with budgets.

Snippets come from strangers. They see plain data only (booklet.layout.context); this is the second
wall. Jinja's sandbox stops them reaching Python's internals; on top of it every snippet render
gets a budget, so none can build a huge string, loop for ever or print megabytes:

- no text or list it builds may exceed MAX_TEXT characters or MAX_ITEMS items, counting the
  items of the lists inside it (checked *before* `*`, `%`, `+`, `~`, `join`, `replace`, `format`,
  padding, batches and the like build it, and again on what every filter, call, operator,
  slice and list written with values returns, and every item a filter hands on);
- what a `{% set %}` or `{% filter %}` block, a macro or a call block captures is charged piece
  by piece as it is written, and no snippet, block or imported module may print more than
  MAX_OUTPUT characters;
- all it builds together, every text and list, may not exceed MAX_BUILT bytes: many short texts
  add up as surely as one long one;
- loop iterations, calls, filters and output chunks together may not exceed MAX_STEPS, and the
  render may not take longer than MAX_SECONDS;
- a snippet may not have more than MAX_NODES parts (compiling costs memory for each), nest
  blocks more than MAX_NESTING deep, or expressions and blocks more than MAX_DEPTH, nor write a
  number longer than MAX_INT_BITS: checked on what the parser read, before anything is
  compiled.

Only string methods from a short list may be called (no `int.to_bytes(10**9)`), `lipsum` and
`random` are gone (they would also make output differ from run to run), and snippets are read
with the same bounded reads as every other file.
"""

from __future__ import annotations

import contextvars
import re
import string
import sys
import time
import types
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, Template, TemplateNotFound, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.parser import Parser
from jinja2.runtime import BlockReference, LoopContext, Macro, Undefined, markup_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer

from booklet.base.errors import BookletError
from booklet.base.files import read_text_bounded

MAX_SNIPPET_BYTES = 64 * 1024
MAX_TEXT = 64 * 1024  # characters in any string a snippet builds
MAX_ITEMS = 10_000  # items in any sequence it builds (with those of the lists inside), or range
MAX_STEPS = 200_000  # loop iterations + calls + filters + output chunks, per render
MAX_OUTPUT = 64 * 1024  # characters printed by one render
MAX_BUILT = 8 * 1024 * 1024  # bytes of text and lists built by one render, all told
MAX_SECONDS = 2.0
MAX_INT_BITS = 4096
MAX_FORMAT_NUMBER = 9999  # widths and precisions in format patterns
MAX_JSON_INDENT = 8  # spaces `tojson` may indent by
MAX_NESTING = 10  # blocks ({% for %}, {% if %}, macros, …) inside one another
MAX_DEPTH = 50  # blocks, statements and expressions inside one another, all told
MAX_NODES = 2_000  # names, values, operators, filters and tags: compiling costs memory for each
MAX_ELIFS = 100  # `{% elif %}` after one `{% if %}`: Python nests each inside the one before
SLOT_BYTES = 64  # what one item of a list a snippet builds costs, with room for a small value
CONTAINERS = (list, tuple, set, frozenset, dict)

SAFE_STR_METHODS = frozenset(
    (
        "capitalize",
        "casefold",
        "center",
        "count",
        "endswith",
        "find",
        "format",
        "format_map",
        "isalnum",
        "isalpha",
        "isdecimal",
        "isdigit",
        "islower",
        "isnumeric",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "ljust",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "replace",
        "rfind",
        "rjust",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
        "zfill",
    )
)
REMOVED_FILTERS = ("random",)
# Filters that turn whatever they are given into text: a large list would become a large text.
TEXT_MAKING_FILTERS = frozenset(
    ("string", "tojson", "pprint", "escape", "e", "forceescape", "urlize", "xmlattr", "safe")
    + ("capitalize", "title", "upper", "lower", "trim", "striptags", "format", "list")
    + ("urlencode",)
)  # not the same bytes from the same inputs
# Filters whose items are what they were given, or what other (checked) filters made of it.
PASSING_FILTERS = frozenset(
    ("map", "select", "reject", "selectattr", "rejectattr", "unique", "reverse")
)
REMOVED_GLOBALS = ("lipsum",)  # random, and an easy way to make megabytes


class SnippetRefused(SecurityError):
    """Something snippets may not do at all; the message says what they may do instead."""


class SnippetLimit(SecurityError):
    """A snippet went over its budget: the message says which limit and what to do."""


class SnippetTooComplex(TemplateSyntaxError):
    """A snippet nests too deeply or writes too long a number to be compiled: found before it
    is, with the line, and said as what to change."""


class Budget:
    """What one render may still spend."""

    __slots__ = ("steps", "deadline", "output", "built")

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.deadline = time.monotonic() + MAX_SECONDS
        self.output = 0
        self.built = 0

    def charge(self, units: int = 1) -> None:
        self.steps -= units
        if self.steps < 0:
            raise SnippetLimit(
                f"it did more than {MAX_STEPS:,} loop steps and calls. Snippets make short "
                "text; remove the long or nested loops."
            )
        if time.monotonic() > self.deadline:
            raise SnippetLimit(
                f"it ran longer than {MAX_SECONDS:g} seconds. Snippets make short text; "
                "remove the long or nested loops."
            )

    def build(self, size: int) -> None:
        """Texts and lists it has built, all told: many short ones add up as one long one."""
        self.built += size
        if self.built > MAX_BUILT:
            raise SnippetLimit(
                f"it built more than {MAX_BUILT >> 20} MB of texts and lists in all. Snippets "
                "make short text; build fewer and shorter texts and lists."
            )


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "booklet_snippet_budget", default=None
)


def _budget() -> Budget:
    budget = _BUDGET.get()
    # Outside a render (Jinja folding constants while it compiles) each call gets its own.
    return budget if budget is not None else Budget()


# --- sizes -------------------------------------------------------------------------------------


def weight(value: Any, limit: int = MAX_TEXT) -> int:
    """About how many characters `value` makes as text, counting no further than past
    `limit`: cheap enough to ask before every filter and every printed value."""
    if isinstance(value, str):  # by far the most common: answer at once
        return len(value)
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += max(1, item.bit_length() * 3 // 10 + 1)
        elif isinstance(item, float):
            total += 24
        elif isinstance(item, range):
            total += len(item) * (len(str(max(abs(item.start), abs(item.stop)))) + 2)
        elif isinstance(item, Mapping):
            total += 4 * len(item)
            if len(item) > limit:
                break
            for key, val in item.items():
                stack.append(key)
                stack.append(val)
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 * len(item)
            if len(item) > limit:
                break
            stack.extend(item)
        else:
            total += 32
    return total


def measure(value: Any) -> tuple[int, int]:
    """The items of a list a snippet built, with those of the lists inside it, and the text in
    them: counting no further than past MAX_ITEMS and MAX_TEXT. Mappings it was given count as
    one item each (they are the snippet's data, not something it built)."""
    items = text = 0
    stack = [value]
    while stack and items <= MAX_ITEMS and text <= MAX_TEXT:
        item = stack.pop()
        if isinstance(item, str):
            text += len(item)
        elif isinstance(item, CONTAINERS):
            items += len(item)
            if len(item) > MAX_ITEMS:
                break
            stack.extend(item.values() if isinstance(item, dict) else item)
            if isinstance(item, dict):
                stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            text += max(1, item.bit_length() * 3 // 10 + 1)
        else:
            text += 1
    return items, text


def footprint(value: Any, limit: int = MAX_BUILT) -> int:
    """About how many bytes a value a snippet just built takes: its text, or a slot for each
    item of its lists, and of the lists inside them, with room for a small value in each
    (texts inside were counted where they were built); counting no further than past `limit`."""
    if isinstance(value, str):
        return sys.getsizeof(value)
    if not isinstance(value, CONTAINERS):
        return 0
    total = 0
    stack: list[Any] = [value]
    while stack and total <= limit:
        item = stack.pop()
        inner = list(item.values()) + list(item) if isinstance(item, dict) else item
        total += SLOT_BYTES * (len(inner) + 1)
        stack.extend(v for v in inner if isinstance(v, CONTAINERS))
    return total


def _too_long(what: str) -> SnippetLimit:
    return SnippetLimit(
        f"{what} would be longer than {MAX_TEXT:,} characters. Snippets make short text; "
        "remove the repetition."
    )


def _check_text(size: int, what: str = "a text it builds") -> None:
    if size > MAX_TEXT:
        raise _too_long(what)


def _check_items(count: int) -> None:
    if count > MAX_ITEMS:
        raise SnippetLimit(
            f"a list it builds would have more than {MAX_ITEMS:,} items. Use fewer items."
        )


def _check_int(value: int) -> None:
    if value.bit_length() > MAX_INT_BITS:
        raise SnippetLimit("a number it computes is too large. Use smaller numbers.")


def _built(value: Any) -> Any:
    """What a filter, a call or an operator has just built: within the limits? Then charge it to
    the render's budget for all it builds."""
    if isinstance(value, str):
        _check_text(len(value))
    elif isinstance(value, CONTAINERS):
        items, text = measure(value)
        _check_items(items)
        _check_text(text, "a list it builds")
    elif isinstance(value, int) and not isinstance(value, bool):
        _check_int(value)
        return value
    else:
        return value
    _budget().build(footprint(value))
    return value


# --- format patterns ---------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)", re.S)


def _format_number(number: str) -> int:
    """A width or precision in a pattern: `"%0999999999d"` or `"{:>999999999}"` would build a
    huge text from a short pattern."""
    if len(number.lstrip("0")) > 4 or int(number) > MAX_FORMAT_NUMBER:
        raise SnippetLimit(
            f"the number {number[:12]} in a format pattern is too large; widths and "
            f"precisions go up to {MAX_FORMAT_NUMBER}."
        )
    return int(number)


def _percent_fields(pattern: str) -> Iterator[tuple[str | None, int, str]]:
    """The conversions of a `%` pattern as Python reads them: (mapping key or None, width plus
    precision, conversion type); `%%` comes as a type '%'."""
    start = pattern.find("%")
    while start >= 0:
        at = start + 1
        key = None
        if pattern.startswith("(", at):  # `%(name)s`: the key may hold balanced brackets
            depth, end = 1, at + 1
            while end < len(pattern) and depth:
                depth += {"(": 1, ")": -1}.get(pattern[end], 0)
                end += 1
            key, at = pattern[at + 1 : end - 1], end
        spec = _PERCENT_SPEC.match(pattern, at)
        assert spec is not None  # every group may be empty
        flags, width, precision, kind = spec.groups()
        if "*" in (width, precision):
            raise SnippetLimit("'*' widths in format patterns are not allowed. Write the width.")
        numbers = [n for n in (width, precision) if n]
        if width and flags.endswith("0"):  # the zero flag, then the width: one number to read
            numbers[0] = "0" * (len(flags) - len(flags.rstrip("0"))) + width
        yield key, sum(_format_number(n) for n in numbers), kind
        start = pattern.find("%", spec.end())


def _percent_size(pattern: str, values: Any) -> int:
    """About how long `pattern % values` would be, before it is built: the pattern's own text,
    then for each conversion its width, its precision and the value it shows."""
    if isinstance(values, Mapping):
        positional: tuple[Any, ...] = ()
    else:
        positional = values if isinstance(values, tuple) else (values,)
    widest = max(
        (weight(v) for v in (values.values() if isinstance(values, Mapping) else ())), default=0
    )
    total = len(pattern)
    index = 0
    for key, width, kind in _percent_fields(pattern):
        if kind == "%":
            continue
        if key is not None:
            shown = weight(values[key]) if isinstance(values, Mapping) and key in values else widest
        else:
            shown = weight(positional[index]) if index < len(positional) else 0
            index += 1
        total += width + shown
        if total > MAX_TEXT:
            break
    return total


def _format_fields(pattern: str) -> Iterator[tuple[str, int]]:
    """The replacement fields of a `str.format` pattern: (field name, width plus precision)."""
    for _, field, spec, _ in string.Formatter().parse(pattern):
        if field is None:
            continue
        if spec and "{" in spec:
            raise SnippetLimit(
                "replacement fields inside a format spec ('{0:>{1}}') are not allowed. Write "
                "the width."
            )
        yield field, sum(_format_number(n) for n in _DIGITS.findall(spec or ""))


def _format_size(pattern: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int:
    """About how long `pattern.format(*args, **kwargs)` would be, before it is built."""
    widest = max((weight(v) for v in (*args, *kwargs.values())), default=0)
    total = len(pattern)
    auto = 0
    for field, width in _format_fields(pattern):
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if name == "":
            name, auto = str(auto), auto + 1
        if name.isdigit():
            shown = weight(args[int(name)]) if int(name) < len(args) else widest
        else:
            shown = weight(kwargs[name]) if name in kwargs else widest
        total += width + shown
        if total > MAX_TEXT:
            break
    return total


# --- operators, methods and filters ------------------------------------------------------------


def _sequence_length(value: Any) -> int | None:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value)
    return None


def _multiply(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        length = _sequence_length(seq)
        if length is not None and isinstance(count, int) and not isinstance(count, bool):
            total = length * max(count, 0)
            if isinstance(seq, str):
                _check_text(total)
            else:
                _check_items(total)
                _check_text(weight(seq) * max(count, 0), "a list it builds")
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and left.bit_length() + right.bit_length() > MAX_INT_BITS
    ):
        raise SnippetLimit("a number it computes is too large. Use smaller numbers.")
    return left * right


def _power(left: Any, right: Any) -> Any:
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and abs(left) > 1
        and right > 0
        and left.bit_length() * right > MAX_INT_BITS
    ):
        raise SnippetLimit("a number it computes is too large. Use smaller numbers.")
    return left**right


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _check_text(_percent_size(left, right))
    return left % right


def _add(left: Any, right: Any) -> Any:
    lengths = (_sequence_length(left), _sequence_length(right))
    if lengths[0] is not None and lengths[1] is not None:
        if isinstance(left, str):
            _check_text(lengths[0] + lengths[1])
        else:
            _check_items(lengths[0] + lengths[1])
    return left + right


BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "*": _multiply,
    "**": _power,
    "%": _modulo,
    "+": _add,
}


def _check_replace(text: str, old: Any, new: Any) -> None:
    if isinstance(old, str) and isinstance(new, str):
        count = len(text) + 1 if old == "" else text.count(old)
        _check_text(len(text) + count * max(0, len(new) - len(old)))


def _check_str_call(
    text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """Before a string method builds its result: would it be too long? The arguments to call
    it with (what an iterator given to `join` held, gathered)."""
    if name not in SAFE_STR_METHODS:
        raise SnippetRefused(
            f"the string method '{name}' is not available to snippets. Use a filter instead."
        )
    if name in ("center", "ljust", "rjust", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int):
            _check_text(width)
    elif name == "replace":
        old, new = (list(args) + ["", ""])[:2]
        _check_replace(text, old, new)
    elif name == "join" and args:
        items = args[0] if isinstance(args[0], list | tuple) else list(args[0])
        args = (items, *args[1:])  # an iterator is used up by looking: join what was seen
        _check_items(len(items))
        _check_text(weight(items) + len(text) * len(items))
    elif name == "format":
        _check_text(_format_size(text, args, kwargs))
    elif name == "format_map":
        mapping = args[0] if args and isinstance(args[0], Mapping) else {}
        _check_text(_format_size(text, (), mapping))
    return args


def _argument(values: list[Any], kwargs: dict[str, Any], index: int, name: str) -> Any:
    """A filter's argument, given by place (after the value) or by name."""
    return values[index] if len(values) > index else kwargs.get(name)


def _check_filter(name: str, values: list[Any], kwargs: dict[str, Any]) -> None:
    """Before a filter builds its result: could it be too large?"""
    value = values[0] if values else None
    if name == "join":
        items = list(value) if value is not None and not isinstance(value, str) else []
        separator = next((v for v in values[1:] if isinstance(v, str)), "")
        separator = kwargs.get("d", separator)
        _check_items(len(items))
        _check_text(weight(items) + len(str(separator)) * len(items))
    elif name == "replace" and isinstance(value, str):
        old = values[1] if len(values) > 1 else ""
        new = values[2] if len(values) > 2 else ""
        _check_replace(value, old, new)
    elif name == "indent" and isinstance(value, str):
        width = values[1] if len(values) > 1 else kwargs.get("width", 4)
        width_size = width if isinstance(width, int) else len(str(width))
        _check_text(len(value) + (value.count("\n") + 1) * width_size)
    elif name == "wordwrap" and isinstance(value, str):
        width = values[1] if len(values) > 1 else kwargs.get("width", 79)
        wrap = values[4] if len(values) > 4 else kwargs.get("wrapstring") or "\n"
        lines = len(value) // max(1, width if isinstance(width, int) else 1) + 1
        _check_text(len(value) + lines * len(str(wrap)))
    elif name in ("batch", "slice"):
        # `batch` pads its last list to the full count with one C call; `slice` makes that
        # many lists
        count = _argument(values, kwargs, 1, "linecount" if name == "batch" else "slices")
        if isinstance(count, int):
            _check_items(count)
            fill = _argument(values, kwargs, 2, "fill_with")
            if fill is not None and name == "batch":
                _check_text(weight(fill) * count, "a list it builds")
    elif name == "sum":
        # `sum(start=[])` adds lists or texts in one quadratic C call: numbers only
        start = _argument(values, kwargs, 2, "start")
        if start is not None and not isinstance(start, int | float):
            raise SnippetRefused(
                "the filter 'sum' adds numbers only. Join texts with 'join', and lists with '+'"
            )
    elif name == "tojson":
        indent = _argument(values, kwargs, 1, "indent")
        size = indent if isinstance(indent, int) else len(str(indent or ""))
        if size > MAX_JSON_INDENT:
            raise SnippetLimit(
                f"the filter 'tojson' indents by at most {MAX_JSON_INDENT} spaces. Use fewer."
            )
    elif name == "urlize" and isinstance(value, str):
        # `rel` and `target` go into every link it makes, and there may be a link a word
        extra = sum(len(str(kwargs.get(k) or "")) for k in ("rel", "target", "extra_schemes"))
        extra += sum(len(str(v)) for v in values[2:] if isinstance(v, str))
        words = value.count(" ") + value.count("\n") + 1
        _check_text(3 * len(value) + words * extra)
    if name == "format" and isinstance(value, str):
        _check_text(_percent_size(value, kwargs or tuple(values[1:])))
    elif name in TEXT_MAKING_FILTERS:
        _check_text(sum(weight(v) for v in [*values, *kwargs.values()]), "what it works on")
    # Every other filter (length, first, sort, map, center with its bounded width, …)
    # returns at most what it was given, which was itself built within the limits; what each
    # returns, or hands on item by item, is checked again below.


def _guard_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that first checks what it is given could not make a huge result, and then
    checks and charges what it made."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        _budget().charge()
        values = [a for a in args if not _is_runtime(a)]
        numbers = [v for v in [*values[1:], *kwargs.values()] if isinstance(v, int)]
        if any(abs(n) > MAX_TEXT for n in numbers if not isinstance(n, bool)):
            raise SnippetLimit(
                f"the filter '{name}' was given a number over {MAX_TEXT:,}. Use a smaller one."
            )
        if name == "join" and values and isinstance(values[0], Iterator):
            # checked item by item as it is gathered (see _stream), then checked whole, and
            # joined: not gathered again from an iterator the check has used up
            items = list(values[0])
            args = tuple(items if a is values[0] else a for a in args)
            values[0] = items
        _check_filter(name, values, kwargs)
        result = function(*args, **kwargs)
        if values and result is values[0]:
            return result
        if isinstance(result, Iterator) and not isinstance(result, str):
            return _stream(name, result)
        return _built(result)

    guarded.__name__ = getattr(function, "__name__", name)
    # keep Jinja's pass_context / pass_eval_context / pass_environment markers
    if hasattr(function, "jinja_pass_arg"):
        guarded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return guarded


def _stream(name: str, items: Iterator[Any]) -> Iterator[Any]:
    """What a filter hands on item by item (`map`, `batch`, `slice`, `select`, …): each item is a
    step, no filter hands on more than MAX_ITEMS, and what it builds (the lists of `batch` and
    `slice`) is checked and charged as it comes, not once some C call has gathered them all."""
    budget = _budget()
    builds = name not in PASSING_FILTERS
    for count, item in enumerate(items, 1):
        if count > MAX_ITEMS:
            raise SnippetLimit(
                f"the filter '{name}' would hand on more than {MAX_ITEMS:,} items. Use fewer items."
            )
        budget.charge()
        if builds:
            _built(item)
        yield item


def _is_runtime(value: Any) -> bool:
    """Jinja passes its own context or environment first to some filters."""
    from jinja2.environment import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return isinstance(value, Context | EvalContext | Environment)


def budget_range(*args: int) -> range:
    numbers = range(*args)
    _check_items(len(numbers))
    return numbers


# --- what snippets capture and print -----------------------------------------------------------


class CaptureBuffer(list[str]):
    """What a `{% set %}` or `{% filter %}` block, a macro, a call block or `caller()` captures,
    charged piece by piece as it is written, not once it is whole."""

    __slots__ = ("size",)

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def append(self, piece: str) -> None:
        budget = _budget()
        budget.charge()
        self.size += len(piece)
        if self.size > MAX_TEXT:
            raise _too_long("what a {% set %} or {% filter %} block, a macro or a call captures")
        budget.build(sys.getsizeof(piece))
        super().append(piece)

    def extend(self, pieces: Iterable[str]) -> None:
        for piece in pieces:
            self.append(piece)


class _BudgetedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every buffer a snippet captures into a CaptureBuffer."""

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.capture_buffer()")


def _bounded_output(render: Callable[[Any], Iterator[str]]) -> Callable[[Any], Iterator[str]]:
    """A template's or block's render function that stops past MAX_OUTPUT characters: also
    where Jinja gathers all it prints in one go (an imported module, `self.block()`)."""

    def bounded(context: Any) -> Iterator[str]:
        pieces = render(context)
        budget = _budget()
        printed = 0
        for piece in pieces:
            printed += len(piece)
            if printed > MAX_OUTPUT:
                stop = SnippetLimit(
                    f"it printed more than {MAX_OUTPUT:,} characters. Snippets make short text."
                )
                if isinstance(pieces, Generator):
                    pieces.throw(stop)  # raised at the snippet's own line
                raise stop
            budget.build(sys.getsizeof(piece))
            yield piece

    return bounded


class BudgetedTemplate(Template):
    """A compiled snippet whose render functions are bounded (see _bounded_output)."""

    @classmethod
    def _from_namespace(cls, environment: Any, namespace: Any, globals: Any) -> Template:
        template = super()._from_namespace(environment, namespace, globals)
        template.root_render_func = _bounded_output(template.root_render_func)
        template.blocks = {name: _bounded_output(f) for name, f in template.blocks.items()}
        return template


# --- what a snippet may nest -------------------------------------------------------------------

BLOCK_NODES = (
    nodes.For,
    nodes.If,
    nodes.Macro,
    nodes.CallBlock,
    nodes.FilterBlock,
    nodes.With,
    nodes.AssignBlock,
    nodes.Block,
    nodes.Scope,
    nodes.OverlayScope,
    nodes.ScopedEvalContextModifier,
)
TOO_LONG_NUMBER = (
    "a number in the snippet is too long: numbers go up to "
    f"{MAX_INT_BITS * 30103 // 100000:,} digits. Use a smaller number"
)
TOO_DEEP = "the snippet is nested too deeply to compile. Flatten it"


def check_shape(template: nodes.Template, name: str | None, filename: str | None) -> None:
    """Before Jinja and Python compile a snippet (and fail with their own errors, or run out of
    stack): not nested too deeply, no number too long. Walked without recursion."""
    stack: list[tuple[nodes.Node, int, int]] = [(template, 0, 0)]
    count = 0
    while stack:
        node, depth, nesting = stack.pop()
        depth += 1
        count += 1
        nesting += isinstance(node, BLOCK_NODES)
        problem = None
        if count > MAX_NODES:
            problem = (
                f"the snippet is too long: it has more than {MAX_NODES:,} parts (names, values, "
                "filters, tags). Snippets make short text; split it into snippets"
            )
        elif nesting > MAX_NESTING:
            problem = (
                f"the snippet nests blocks ({{% for %}}, {{% if %}}, macros and the like) more "
                f"than {MAX_NESTING} deep. Flatten it, or split it into snippets"
            )
        elif depth > MAX_DEPTH:
            problem = (
                f"the snippet nests expressions and blocks more than {MAX_DEPTH} deep. Flatten "
                "it, giving parts names with {% set %}"
            )
        elif isinstance(node, nodes.If) and len(node.elif_) > MAX_ELIFS:
            problem = (
                f"the snippet has more than {MAX_ELIFS} {{% elif %}} after one {{% if %}}. Look "
                "the value up in a mapping instead"
            )
        elif (
            isinstance(node, nodes.Const)
            and isinstance(node.value, int)
            and node.value.bit_length() > MAX_INT_BITS
        ):
            problem = TOO_LONG_NUMBER
        if problem:
            raise SnippetTooComplex(problem, node.lineno or 1, name, filename)
        # in the order they were written: "too long" points where it went over
        children = list(node.iter_child_nodes())
        stack.extend((child, depth, nesting) for child in reversed(children))


def _deepest_line(template: nodes.Template) -> int:
    """The line of the deepest node: where to point when compiling fails for depth."""
    stack: list[tuple[nodes.Node, int]] = [(template, 0)]
    deepest = (0, 1)
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, (depth, node.lineno or 1))
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest[1]


def _template_line(python: str, line: int | None) -> int:
    """The snippet's line for a line of the Python Jinja generated (its `debug_info`)."""
    found = re.search(r"^debug_info = '([\d=&]*)'$", python, re.M)
    best = 1
    for pair in found.group(1).split("&") if found and found.group(1) else []:
        template_line, code_line = (int(n) for n in pair.split("="))
        if line is not None and code_line <= line:
            best = template_line
    return best


class _Budgeted(NodeTransformer):
    """Route every loop's items and every `~` through the budget, at compile time."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("budget_iter"), [node.iter], [], None, None
        ).set_lineno(node.lineno)
        return node

    def visit_Getitem(self, node: nodes.Getitem) -> nodes.Node:
        self.generic_visit(node)
        if not isinstance(node.arg, nodes.Slice):
            return node  # an item: through the sandbox's getitem
        # Jinja slices in plain Python: `text[1:]` is a copy, charged like any text built
        bounds = [node.arg.start, node.arg.stop, node.arg.step]
        return nodes.Call(
            nodes.EnvironmentAttribute("budget_slice"),
            [node.node, *(b if b is not None else nodes.Const(None) for b in bounds)],
            [],
            None,
            None,
        ).set_lineno(node.lineno)

    def visit_List(self, node: nodes.List) -> nodes.Node:
        return self._literal(node, node.items)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        if node.ctx != "load":  # `{% for a, b in … %}`, `{% set a, b = … %}`
            return self.generic_visit(node)
        return self._literal(node, node.items)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        return self._literal(node, [part for pair in node.items for part in (pair.key, pair.value)])

    def _literal(self, node: nodes.Expr, items: list[nodes.Expr]) -> nodes.Node:
        """`[x]`, `(x,)` and `{"k": x}` built from values: checked like any list built
        (`{% set ns.t = (ns.t,) %}` in a loop nests tuples past what hashing one survives)."""
        self.generic_visit(node)
        if all(isinstance(item, nodes.Const) for item in items):
            return node  # as written in the snippet, which is short
        return nodes.Call(
            nodes.EnvironmentAttribute("budget_literal"), [node], [], None, None
        ).set_lineno(node.lineno)

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Call(
            nodes.EnvironmentAttribute("budget_concat"), list(node.nodes), [], None, None
        ).set_lineno(node.lineno)


# --- the environment ---------------------------------------------------------------------------


class SnippetSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with budgets. Mappings show their keys as fields and nothing
    else (no methods), and only a short list of string methods may be called."""

    intercepted_binops = frozenset(BINOPS)
    code_generator_class = _BudgetedCodeGenerator
    template_class = BudgetedTemplate

    # compiling: the shape checked on what the parser read, and whatever is still too much for
    # Jinja's or Python's compiler said as the snippet's error, with its line

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        parser = None
        try:
            parser = Parser(self, source, name, filename)
            template = parser.parse()
        except (RecursionError, MemoryError):
            line = parser.stream.current.lineno if parser else 1
            raise SnippetTooComplex(TOO_DEEP, line, name, filename) from None
        except ValueError:  # Python's limit on the digits of a number it reads
            line = parser.stream.current.lineno if parser else 1
            raise SnippetTooComplex(TOO_LONG_NUMBER, line, name, filename) from None
        check_shape(template, name, filename)
        budgeted = _Budgeted().visit(template)
        assert isinstance(budgeted, nodes.Template)
        return budgeted

    def _generate(
        self,
        source: nodes.Template,
        name: str | None,
        filename: str | None,
        defer_init: bool = False,
    ) -> str:
        try:
            return super()._generate(source, name, filename, defer_init=defer_init)
        except (RecursionError, MemoryError):
            raise SnippetTooComplex(TOO_DEEP, _deepest_line(source), name, filename) from None

    def _compile(self, source: str, filename: str) -> types.CodeType:
        try:
            return super()._compile(source, filename)
        except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
            line = _template_line(source, getattr(exc, "lineno", None))
            raise SnippetTooComplex(TOO_DEEP, line, None, filename) from None

    # attributes and items

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            if attribute in obj:
                return obj[attribute]
            return self._no_field(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Mapping):
            if isinstance(argument, str) and argument in obj:
                return obj[argument]
            return self._no_field(obj, str(argument))
        return super().getitem(obj, argument)

    def _no_field(self, obj: Mapping[Any, Any], name: str) -> Any:
        fields = ", ".join(sorted(str(k) for k in obj)) or "none"
        return self.undefined(
            hint=f"'{name}' is not a field here (fields: {fields})", obj=obj, name=name
        )

    # calls and operators

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _budget().charge()
        method_of = getattr(__obj, "__self__", None)
        wrapped: Any = getattr(__obj, "__wrapped__", None)
        if isinstance(getattr(wrapped, "__self__", None), str):  # the sandbox's str.format
            args = _check_str_call(wrapped.__self__, wrapped.__name__, args, kwargs)
        elif isinstance(__obj, types.BuiltinMethodType) and isinstance(method_of, str):
            args = _check_str_call(method_of, __obj.__name__, args, kwargs)
        elif isinstance(__obj, Macro):
            # what a macro gathers of its arguments (`varargs`, `kwargs`) is a tuple it builds
            if __obj.catch_varargs:
                _built(args[len(__obj.arguments) :])
            if __obj.catch_kwargs:
                _built(kwargs)
        elif not isinstance(__obj, Undefined) and not _callable_by_snippets(__obj):
            name = getattr(__obj, "__name__", type(__obj).__name__)
            owner = f" of {type(method_of).__name__}" if method_of is not None else ""
            raise SnippetRefused(
                f"'{name}'{owner} cannot be called from a snippet. Snippets may call macros, "
                "range(), loop() and string methods"
            )
        return _built(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _budget().charge()
        return _built(BINOPS[operator](left, right))

    # what loops, `~`, captures and printing go through (see _Budgeted, _BudgetedCodeGenerator)

    capture_buffer = CaptureBuffer

    @staticmethod
    def budget_iter(iterable: Iterable[Any]) -> Iterator[Any]:
        budget = _budget()
        for item in iterable:
            budget.charge()
            yield item

    @staticmethod
    def budget_slice(value: Any, start: Any, stop: Any, step: Any) -> Any:
        """`value[start:stop:step]`: a copy, checked and charged as a call's result (`{% set a
        = text[1:] %}` a thousand times is a lot of text)."""
        return value[start:stop:step]

    @staticmethod
    def budget_literal(value: Any) -> Any:
        """A list, tuple or mapping written in the snippet: checked and charged as a call's
        result."""
        return value

    @staticmethod
    def budget_concat(*parts: Any) -> str:
        _budget().charge()
        _check_text(sum(weight(p) for p in parts))
        return markup_join(parts)  # charged as a call's result

    @staticmethod
    def budget_finalize(value: Any) -> Any:
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise _too_long("a value it prints")
            return value
        _check_text(weight(value), "a value it prints")
        return value


def _callable_by_snippets(obj: Any) -> bool:
    if isinstance(obj, Macro | LoopContext | Joiner | Namespace | BlockReference):
        return True
    if obj in _SAFE_FUNCTIONS or obj is Namespace or obj is Cycler or obj is dict:
        return True
    owner = getattr(obj, "__self__", None)
    return isinstance(owner, LoopContext | Cycler | Joiner)


_SAFE_FUNCTIONS = (
    budget_range,
    SnippetSandbox.budget_iter,
    SnippetSandbox.budget_concat,
    SnippetSandbox.budget_slice,
    SnippetSandbox.budget_literal,
)


class SnippetLoader(BaseLoader):
    """Snippets from the layout's folders only: no `..`, no absolute names, no links that lead
    out of the folders, and each read bounded like every other file."""

    def __init__(self, folders: tuple[Path, ...]) -> None:
        self.folders = folders
        self.roots = [f.resolve() for f in folders]

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        parts = template.replace("\\", "/").split("/")
        if template.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise TemplateNotFound(template)
        for folder in self.folders:
            path = folder.joinpath(*parts)
            if not path.is_file():
                continue
            real = path.resolve()
            if not any(real.is_relative_to(root) for root in self.roots):
                raise BookletError(
                    "snippet links to a file outside its layout folder, which is not allowed. "
                    "Copy the file into the folder instead.",
                    file=path,
                )
            source = read_text_bounded(path, MAX_SNIPPET_BYTES, kind="snippets")
            return source, str(path), lambda: True
        raise TemplateNotFound(template)


def snippet_environment(
    folders: tuple[Path, ...], filters: dict[str, Callable[..., Any]]
) -> SnippetSandbox:
    env = SnippetSandbox(
        loader=SnippetLoader(folders),
        autoescape=True,  # every value is escaped into paragraph markup: `<` and `&` stay text
        undefined=StrictUndefined,
        trim_blocks=False,  # a line ending in {% endif %} keeps its line break
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        optimized=False,  # no constant folding at compile time, outside any budget
        finalize=SnippetSandbox.budget_finalize,
    )
    env.globals["range"] = budget_range
    for name in REMOVED_GLOBALS:
        env.globals.pop(name, None)
    for name in REMOVED_FILTERS:
        env.filters.pop(name, None)
    env.filters.update(filters)
    env.filters = {name: _guard_filter(name, f) for name, f in env.filters.items()}
    return env


def render(env: SnippetSandbox, name: str, context: dict[str, Any]) -> str:
    """Render with a fresh budget, stopping as soon as the output is too long."""
    template = env.get_template(name)
    budget = Budget()
    token = _BUDGET.set(budget)
    try:
        pieces = []
        for piece in template.generate(context):
            budget.charge()
            budget.output += len(piece)
            if budget.output > MAX_OUTPUT:
                raise SnippetLimit(
                    f"it printed more than {MAX_OUTPUT:,} characters. Snippets make short text."
                )
            pieces.append(piece)
        return "".join(pieces)
    finally:
        _BUDGET.reset(token)
