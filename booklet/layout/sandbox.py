"""The snippet sandbox: Jinja2's immutable sandbox, with budgets.

Snippets come from strangers. They see plain data only (booklet.layout.context); this is the second
wall. Jinja's sandbox stops them reaching Python's internals; on top of it every snippet render
gets a budget, so none can build a huge string, loop for ever or print megabytes:

- no text or sequence it builds may exceed MAX_TEXT characters or MAX_ITEMS items (checked
  *before* `*`, `%`, `+`, `~`, `join`, `replace`, `format`, padding and the like build it);
- loop iterations, calls, filters and output chunks together may not exceed MAX_STEPS, and the
  render may not take longer than MAX_SECONDS;
- what it prints may not exceed MAX_OUTPUT characters.

Only string methods from a short list may be called (no `int.to_bytes(10**9)`), `lipsum` and
`random` are gone (they would also make output differ from run to run), and snippets are read
with the same bounded reads as every other file.
"""

from __future__ import annotations

import contextvars
import re
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import BlockReference, LoopContext, Macro, Undefined, markup_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer

from booklet.base.errors import BookletError
from booklet.base.files import read_text_bounded

MAX_SNIPPET_BYTES = 64 * 1024
MAX_TEXT = 64 * 1024  # characters in any string a snippet builds
MAX_ITEMS = 10_000  # items in any sequence it builds, or any range
MAX_STEPS = 200_000  # loop iterations + calls + filters + output chunks, per render
MAX_OUTPUT = 64 * 1024  # characters printed by one render
MAX_SECONDS = 2.0
MAX_INT_BITS = 4096
MAX_FORMAT_NUMBER = 9999  # widths and precisions in format patterns

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
)  # not the same bytes from the same inputs
REMOVED_GLOBALS = ("lipsum",)  # random, and an easy way to make megabytes


class SnippetRefused(SecurityError):
    """Something snippets may not do at all; the message says what they may do instead."""


class SnippetLimit(SecurityError):
    """A snippet went over its budget: the message says which limit and what to do."""


class Budget:
    """What one render may still spend."""

    __slots__ = ("steps", "deadline", "output")

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.deadline = time.monotonic() + MAX_SECONDS
        self.output = 0

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


_FORMAT_NUMBER = re.compile(r"\d+")


def _check_pattern(pattern: str) -> None:
    """`"%0999999999d"` or `"{:>999999999}"` would build a huge text from a short pattern."""
    if "*" in pattern and "%" in pattern:
        raise SnippetLimit("'*' widths in format patterns are not allowed. Write the width.")
    for number in _FORMAT_NUMBER.findall(pattern):
        if len(number) > 4 or int(number) > MAX_FORMAT_NUMBER:
            raise SnippetLimit(
                f"the number {number[:12]} in a format pattern is too large; widths and "
                f"precisions go up to {MAX_FORMAT_NUMBER}."
            )


def _check_int(value: int) -> None:
    if value.bit_length() > MAX_INT_BITS:
        raise SnippetLimit("a number it computes is too large. Use smaller numbers.")


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
    result = left**right
    if isinstance(result, int):
        _check_int(result)
    return result


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _check_pattern(left)
        _check_text(len(left) + weight(right))
        result = left % right
        _check_text(len(result))
        return result
    return left % right


def _add(left: Any, right: Any) -> Any:
    lengths = (_sequence_length(left), _sequence_length(right))
    if lengths[0] is not None and lengths[1] is not None:
        if isinstance(left, str):
            _check_text(lengths[0] + lengths[1])
        else:
            _check_items(lengths[0] + lengths[1])
    result = left + right
    if isinstance(result, int) and not isinstance(result, bool):
        _check_int(result)
    return result


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


def _check_str_call(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Before a string method builds its result: would it be too long?"""
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
        items = list(args[0]) if not isinstance(args[0], str) else list(args[0])
        _check_items(len(items))
        _check_text(weight(items) + len(text) * len(items))
    elif name in ("format", "format_map"):
        _check_pattern(text)
        _check_text(len(text) + weight(args) + weight(kwargs))


def _guard_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that first checks what it is given could not make a huge result."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        _budget().charge()
        values = [a for a in args if not _is_runtime(a)]
        numbers = [v for v in [*values[1:], *kwargs.values()] if isinstance(v, int)]
        if any(abs(n) > MAX_TEXT for n in numbers if not isinstance(n, bool)):
            raise SnippetLimit(
                f"the filter '{name}' was given a number over {MAX_TEXT:,}. Use a smaller one."
            )
        value = values[0] if values else None
        if name == "format" and isinstance(value, str):
            _check_pattern(value)
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
        elif name in TEXT_MAKING_FILTERS:
            _check_text(sum(weight(v) for v in [*values, *kwargs.values()]), "what it works on")
        # Every other filter (length, first, sort, map, center with its bounded width, …)
        # returns at most what it was given, which was itself built within the limits.
        result = function(*args, **kwargs)
        if isinstance(result, str):
            _check_text(len(result))
        return result

    guarded.__name__ = getattr(function, "__name__", name)
    # keep Jinja's pass_context / pass_eval_context / pass_environment markers
    if hasattr(function, "jinja_pass_arg"):
        guarded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return guarded


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


# --- the environment ---------------------------------------------------------------------------


class _Budgeted(NodeTransformer):
    """Route every loop's items and every `~` through the budget, at compile time."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("budget_iter"), [node.iter], [], None, None
        ).set_lineno(node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Call(
            nodes.EnvironmentAttribute("budget_concat"), list(node.nodes), [], None, None
        ).set_lineno(node.lineno)


class SnippetSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with budgets. Mappings show their keys as fields and nothing
    else (no methods), and only a short list of string methods may be called."""

    intercepted_binops = frozenset(BINOPS)

    def compile(
        self, source: Any, name: Any = None, filename: Any = None, *args: Any, **kw: Any
    ) -> Any:
        if isinstance(source, str):
            source = self.parse(source, name, filename)
            source = _Budgeted().visit(source)
        return super().compile(source, name, filename, *args, **kw)

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
            _check_str_call(wrapped.__self__, wrapped.__name__, args, kwargs)
        elif isinstance(__obj, types.BuiltinMethodType) and isinstance(method_of, str):
            _check_str_call(method_of, __obj.__name__, args, kwargs)
        elif not isinstance(__obj, Undefined) and not _callable_by_snippets(__obj):
            name = getattr(__obj, "__name__", type(__obj).__name__)
            owner = f" of {type(method_of).__name__}" if method_of is not None else ""
            raise SnippetRefused(
                f"'{name}'{owner} cannot be called from a snippet. Snippets may call macros, "
                "range(), loop() and string methods"
            )
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str):
            _check_text(len(result))
        elif isinstance(result, list | tuple):
            _check_items(len(result))
        return result

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _budget().charge()
        return BINOPS[operator](left, right)

    # what loops, `~` and printing go through (see _Budgeted)

    @staticmethod
    def budget_iter(iterable: Iterable[Any]) -> Iterator[Any]:
        budget = _budget()
        for item in iterable:
            budget.charge()
            yield item

    @staticmethod
    def budget_concat(*parts: Any) -> str:
        _budget().charge()
        _check_text(sum(weight(p) for p in parts))
        return markup_join(parts)

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


_SAFE_FUNCTIONS = (budget_range, SnippetSandbox.budget_iter, SnippetSandbox.budget_concat)


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
