"""The sandbox's own wall, one named case each: what an attacker found could build gigabytes or
take a minute inside one snippet render, or crash the compiler, must stop in the sandbox itself,
cheaply and at once, in one line naming the snippet's file and line (whatever jail the render
also runs in).

Each case puts its harm on line 2 or 3 of the snippet, so the line the error names is checked
too. The memory cases run again in a fresh process under a 600 MB address-space limit, and must
still end in the sandbox's own words, having grown the process by well under 50 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from jinja2 import Environment

from booklet.layout.sandbox import (
    MAX_BUILT,
    MAX_DEPTH,
    MAX_ELIFS,
    MAX_NESTING,
    MAX_NODES,
    render,
    snippet_environment,
)

STOPPED = "the snippet was stopped: "
CAPTURED = STOPPED + "what a {% set %} or {% filter %} block, a macro or a call captures would"
TOO_MANY_ITEMS = STOPPED + "a list it builds would have more than 10,000 items"
BUILT_TOO_MUCH = STOPPED + f"it built more than {MAX_BUILT >> 20} MB of texts and lists in all"
TOO_DEEP = (
    f"the snippet nests blocks ({{% for %}}, {{% if %}}, macros and the like) more than "
    f"{MAX_NESTING} deep"
)
EMOJI = "\U0001f600"  # four bytes a character in a Python string
PRINT_30000_10000_TIMES = '{% for i in range(10000) %}{{ "a" * 30000 }}{% endfor %}'


def _nested(opening: str, closing: str, times: int, inner: str = "x") -> str:
    return "".join(opening.replace("#", str(i)) for i in range(times)) + inner + closing * times


# name: (snippet, the line the error names, what it says, whether memory was at stake)
WALLS: dict[str, tuple[str, int, str, bool]] = {
    "set-block-capture": (
        "{{ plan.title }}\n{% set x %}\n" + PRINT_30000_10000_TIMES + "\n{% endset %}{{ x }}",
        3,
        CAPTURED,
        True,
    ),
    "map-batch-nested": (
        "{{ plan.title }}\n\n"
        '{{ range(10000)|batch(1)|map("batch", 65536, 0)|map("list")|list|length }}',
        3,
        TOO_MANY_ITEMS,
        True,
    ),
    "filter-block": (
        f"{{{{ plan.title }}}}\n{{% filter upper %}}\n{PRINT_30000_10000_TIMES}\n{{% endfilter %}}",
        3,
        CAPTURED,
        True,
    ),
    "macro-body": (
        f"{{% macro m() %}}\n{PRINT_30000_10000_TIMES}\n{{% endmacro %}}\n{{{{ m()|length }}}}",
        2,
        CAPTURED,
        True,
    ),
    "call-block-caller": (
        "{% macro m() %}{{ caller()|length }}{% endmacro %}\n"
        f"{{% call m() %}}\n{PRINT_30000_10000_TIMES}{{% endcall %}}",
        3,
        CAPTURED,
        True,
    ),
    "format-width-argument": (
        '{{ plan.title }}\n{{ "{0:>{1}}".format("a", 999999999) }}',
        2,
        STOPPED + "replacement fields inside a format spec ('{0:>{1}}') are not allowed",
        True,
    ),
    "percent-star-width": (
        '{{ plan.title }}\n{{ "%*d" % (999999999, 1) }}',
        2,
        STOPPED + "'*' widths in format patterns are not allowed. Write the width.",
        True,
    ),
    "sum-of-lists": (
        "{{ plan.title }}\n{{ range(5000)|batch(1)|list|sum(start=[])|length }}",
        2,
        "refused by the template sandbox: the filter 'sum' adds numbers only",
        False,
    ),
    "nested-for-25": (
        "{{ plan.title }}\n" + _nested("{% for i# in [1] %}\n", "{% endfor %}", 25),
        MAX_NESTING + 2,
        TOO_DEEP,
        False,
    ),
    "nested-if-200": (
        "{{ plan.title }}\n" + _nested("{% if 1 %}\n", "{% endif %}", 200),
        MAX_NESTING + 2,
        TOO_DEEP,
        False,
    ),
    "long-number-literal": (
        "{{ plan.title }}\n\n{{ " + "1" * 5000 + " }}",
        3,
        "a number in the snippet is too long: numbers go up to 1,233 digits",
        False,
    ),
    # the same holes, found next to them
    "many-short-texts": (  # each within the limits; together 26 MB, or 500 MB in 64 KiB
        "{{ plan.title }}\n"
        + "".join(f"{{% set a{i} = {EMOJI!r} * 65536 %}}\n" for i in range(100)),
        1 + (MAX_BUILT // sys.getsizeof(EMOJI * 65536) + 1),  # the statement over the budget
        BUILT_TOO_MUCH,
        True,
    ),
    "map-center-list": (
        '{{ plan.title }}\n{{ range(10000)|map("string")|map("center", 60000)|list|length }}',
        2,
        BUILT_TOO_MUCH,
        True,
    ),
    "list-grows-in-a-namespace": (
        "{% set ns = namespace(l=[]) %}\n{% for i in range(10000) %}\n"
        '{% set ns.l = ns.l + ["a" * 60000 ~ i] %}{% endfor %}{{ ns.l|length }}',
        3,
        STOPPED + "a list it builds would be longer than 65,536 characters",
        True,
    ),
    "slices-of-a-text": (
        f"{{% set s = {EMOJI!r} * 65536 %}}\n"
        + "".join(f"{{% set a{i} = s[1:] %}}\n" for i in range(100)),
        1 + (MAX_BUILT - sys.getsizeof(EMOJI * 65536)) // sys.getsizeof(EMOJI * 65535) + 1,
        BUILT_TOO_MUCH,
        True,
    ),
    "deep-tuple-hashed": (  # a chain of 200,000 one-item tuples: hashing it crashed Python
        "{% set ns = namespace(t=()) %}\n{% for i in range(5000) %}\n"
        + "{% set ns.t = (((((ns.t,),),),),) %}" * 40
        + "\n{% endfor %}{{ {ns.t: 1} }}",
        3,
        BUILT_TOO_MUCH,
        False,
    ),
    "format-repeated-field": (
        '{{ plan.title }}\n{{ ("{0}" * 20000).format("a" * 60000) }}',
        2,
        STOPPED + "a text it builds would be longer than 65,536 characters",
        True,
    ),
    "format-many-widths": (
        '{{ plan.title }}\n{{ ("%9999s" * 6000) % (("a",) * 6000) }}',
        2,
        STOPPED + "a text it builds would be longer than 65,536 characters",
        True,
    ),
    "tojson-indent": (
        "{{ plan.title }}\n{{ range(1000)|list|tojson(indent=65536) }}",
        2,
        STOPPED + "the filter 'tojson' indents by at most 8 spaces",
        True,
    ),
    "urlize-rel": (
        '{{ plan.title }}\n{{ ("www.a.com " * 1000)|urlize(rel="x" * 50000) }}',
        2,
        STOPPED + "a text it builds would be longer than 65,536 characters",
        True,
    ),
    "block-called-as-a-function": (  # self.b() gathers all the block prints in one go
        "{% set x = self.b() %}{{ x|length }}\n{% block b %}\n"
        + PRINT_30000_10000_TIMES
        + "{% endblock %}",
        3,
        STOPPED + "it printed more than 65,536 characters",
        True,
    ),
    "deep-brackets": (
        "{{ plan.title }}\n\n{{ " + "(" * 300 + "1" + ")" * 300 + " }}",
        3,
        "the snippet is nested too deeply to compile. Flatten it.",
        False,
    ),
    "long-filter-chain": (
        "{{ plan.title }}\n{{ 1" + "|string" * 400 + " }}",
        2,
        f"the snippet nests expressions and blocks more than {MAX_DEPTH} deep",
        False,
    ),
    "many-macros": (  # compiling 64 KiB of them took 1 s and 55 MB
        "{{ plan.title }}\n"
        + "".join(f"{{% macro m{i}(a) %}}{{{{ a }}}}{{% endmacro %}}\n" for i in range(1400)),
        2 + (MAX_NODES - 4) // 6,  # where it goes over: four parts before, six to a macro
        f"the snippet is too long: it has more than {MAX_NODES:,} parts",
        True,
    ),
    "elif-5000": (
        "{{ plan.title }}\n{% if 1 %}" + "{% elif 1 %}" * 5000 + "{% endif %}",
        2,
        f"the snippet has more than {MAX_ELIFS} {{% elif %}} after one {{% if %}}",
        False,
    ),
}
COMPILE_TIME = ["nested-for-25", "nested-if-200", "long-number-literal", "deep-brackets"]
COMPILE_TIME += ["long-filter-chain", "elif-5000", "many-macros"]
MEMORY = sorted(name for name, (*_, memory) in WALLS.items() if memory)


def _write_layout(root: Path, snippet: str) -> Path:
    """make_library dedents; these snippets are written as they are."""
    lib = root / "lib"
    (lib / "layouts" / "mine").mkdir(parents=True)
    (lib / "layouts" / "mine" / "layout.yaml").write_text("extends: bedside\n")
    (lib / "layouts" / "mine" / "title.j2").write_text(snippet + "\n", encoding="utf-8")
    return lib


@pytest.mark.parametrize("case", list(WALLS))
def test_the_sandbox_stops_it_in_one_line_naming_the_line(run, tmp_path, case):
    snippet, line, expected, _ = WALLS[case]
    lib = _write_layout(tmp_path, snippet)
    started = time.monotonic()
    result = run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf")
    took = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: lib/layouts/mine/title.j2:{line}: "), result.stderr
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert took < 2, f"{case} took {took:.1f} s"
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("case", COMPILE_TIME)
def test_validate_reports_what_cannot_be_compiled(run, tmp_path, case):
    snippet, line, expected, _ = WALLS[case]
    lib = _write_layout(tmp_path, snippet)
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    problem = [row for row in result.stderr.splitlines() if "title.j2" in row]
    assert len(problem) == 1, result.stderr
    assert f"lib/layouts/mine/title.j2:{line}: " in problem[0]
    assert expected in problem[0]


_LIMIT = 600 << 20


def _run_limited(tmp_path: Path, lib: Path) -> tuple[int, str, int]:
    """`booklet card` in a fresh process under a 600 MB address-space limit: its exit code, what
    it said, and its peak resident memory in KiB."""
    code = (
        f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({_LIMIT}, {_LIMIT})); "
        "from booklet.cli.entry import main; main()"
    )
    args = ["--library", str(lib), "card", "--layout", "mine", "-o", "x.pdf"]
    with open(tmp_path / "err.txt", "w") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, (tmp_path / "err.txt").read_text(), usage.ru_maxrss


@pytest.fixture(scope="module")
def resting_memory(tmp_path_factory):
    """Peak memory of a fresh process whose snippet stops at once, in KiB."""
    folder = tmp_path_factory.mktemp("resting")
    lib = _write_layout(folder, "{{ plan.title }}\n{{ 1 // 0 }}")
    code, said, peak = _run_limited(folder, lib)
    assert code == 2, said
    return peak


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs wait4 for a child's peak memory")
@pytest.mark.parametrize("case", MEMORY)
def test_in_a_fresh_small_process_it_is_the_sandbox_that_stops_it(tmp_path, resting_memory, case):
    snippet, line, expected, _ = WALLS[case]
    lib = _write_layout(tmp_path, snippet)
    started = time.monotonic()
    code, said, peak = _run_limited(tmp_path, lib)
    assert time.monotonic() - started < 10
    assert code == 2, said
    assert expected in said, said
    assert "MemoryError" not in said and "internal error" not in said
    grew = (peak - resting_memory) / 1024
    assert grew < 50, f"{case}: the process grew by {grew:.0f} MB"
    assert not (tmp_path / "x.pdf").exists()


def _depth(source: str) -> int:
    """How deep the sandbox counts a snippet's parts (booklet.layout.sandbox.check_shape)."""
    stack, deepest = [(Environment().parse(source), 1)], 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def _at_the_limit(make: Callable[[int], str]) -> str:
    """The snippet `make` builds with as many levels as the sandbox allows."""
    levels = 1
    while _depth(make(levels + 1)) <= MAX_DEPTH and levels < MAX_DEPTH:
        levels += 1
    return make(levels)


AT_THE_LIMITS = {
    "brackets": lambda n: "{{ " + "(" * n + "plan.title" + ")" * n + " }}",
    "lists": lambda n: "{{ " + "[" * n + "plan.title" + "]" * n + "|length }}",
    "filters": lambda n: "{{ plan.title" + "|string" * n + " }}",
    "sums": lambda n: "{{ plan.title" + ' + "a"' * n + " }}",
    "nots": lambda n: "{{ " + "not " * n + "plan.title }}",
    "calls": lambda n: "{{ " + '"<{}>".format(' * n + "plan.title" + ")" * n + " }}",
    "conditions": lambda n: "{{ plan.title" + " if plan else 1" * n + " }}",
}


@pytest.mark.parametrize("case", list(AT_THE_LIMITS))
def test_a_snippet_at_the_limits_compiles_and_renders_from_the_command_line(run, tmp_path, case):
    """The limits are below where Jinja's parser and Python's compiler give up, with the stack
    the command line leaves them: nothing allowed ends in an error."""
    snippet = _at_the_limit(AT_THE_LIMITS[case])
    lib = _write_layout(tmp_path, snippet)
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 0, result.output


def test_a_snippet_of_blocks_nested_as_deep_as_allowed_compiles(run, tmp_path):
    blocks = _nested("{% for i# in [1] %}{% if 1 %}", "{% endif %}{% endfor %}", MAX_NESTING // 2)
    lib = _write_layout(tmp_path, blocks)
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 0, result.output


def test_a_snippet_of_as_many_parts_as_allowed_compiles(run, tmp_path):
    def parts(source: str) -> int:
        stack, count = [Environment().parse(source)], 0
        while stack:
            count += 1
            stack.extend(stack.pop().iter_child_nodes())
        return count

    unit = '{% if plan %}{{ "" }}{% endif %}'  # prints nothing: the card still fits
    each = parts(unit * 2) - parts(unit)
    times = (MAX_NODES - (parts(unit) - each)) // each
    assert MAX_NODES - each < parts(unit * times) <= MAX_NODES
    lib = _write_layout(tmp_path, unit * times)
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 0, result.output


# --- and ordinary snippets still work ------------------------------------------------------

ORDINARY = {
    "set-block": ("{% set x %}a{{ 1 }}b{% endset %}{{ x|upper }}", "A1B"),
    "filter-block": ("{% filter upper %}abc{% endfilter %}", "ABC"),
    "macro-and-caller": (
        "{% macro m(n) %}<{{ caller() }}{{ n }}>{% endmacro %}{% call m(2) %}x{% endcall %}",
        "<x2>",
    ),
    "batch": ('{{ range(5)|batch(2, 0)|map("join", "")|join(",") }}', "01,23,40"),
    "slice": ('{{ range(5)|slice(2)|map("length")|join(",") }}', "3,2"),
    "sum": ("{{ [1, 2.5, 3]|sum(start=1) }}", "7.5"),
    "join-a-stream": (
        '{{ range(3)|map("string")|join(",") }} {{ "-".join(range(2)|map("string")) }}',
        "0,1,2 0-1",
    ),
    "format-widths": ('{{ "{:>5}|{:.2f}".format("ab", 1.5) }}', "   ab|1.50"),
    "format-names": ('{{ "{a}{a}".format(a="x") }} {{ "{a}".format_map({"a": 1}) }}', "xx 1"),
    "percent": ('{{ "%-4s|%03d" % ("ab", 7) }}', "ab  |007"),
    "percent-mapping": ('{{ "%(a)s-%(a)s" % {"a": "b"} }}', "b-b"),
    "format-filter": ('{{ "%s, %s"|format("a", "b") }}', "a, b"),
    "tojson-indent": ("{{ [1]|tojson(indent=2) }}", "[\n  1\n]"),
    "urlize": (
        '{{ "see www.a.com"|urlize(rel="x") }}',
        'see <a href="https://www.a.com" rel="noopener x">www.a.com</a>',
    ),
    "slices": ('{{ "abcdef"[1:3] }}{{ [1, 2, 3][1:]|join }}', "bc23"),
    "nested-just-enough": (_nested("{% if 1 %}", "{% endif %}", MAX_NESTING), "x"),
    "long-elif": ("{% if 0 %}" + "{% elif 0 %}" * MAX_ELIFS + "{% else %}x{% endif %}", "x"),
    "long-number": ("{{ " + "9" * 1233 + " > 1 }}", "True"),
    "numbers-in-the-text": ('{{ "Call 0123456789 about %s" % "x" }}', "Call 0123456789 about x"),
}


@pytest.mark.parametrize("case", list(ORDINARY))
def test_ordinary_snippets_pass_the_walls(tmp_path, case):
    snippet, expected = ORDINARY[case]
    (tmp_path / "s.j2").write_text(snippet, encoding="utf-8")
    env = snippet_environment((tmp_path,), {})
    assert render(env, "s.j2", {}) == expected
