"""Property tests: any input either works or ends in our own error with a message.

Parsers for techniques, routines, the setting, layout settings and batch files get arbitrary
text and arbitrary YAML-shaped data; cards get arbitrary Unicode in a technique's text; the
snippet sandbox gets random snippets, hostile ones among them.
"""

from __future__ import annotations

import itertools
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from jinja2 import TemplateError

from booklet.base.errors import BookletError, Problem
from booklet.batch.runner import load_batch, make_request
from booklet.data.library import load_library
from booklet.data.schema import (
    STROKE_FIELDS,
    TECHNIQUE_OPTIONAL,
    TECHNIQUE_REQUIRED,
    parse_routine,
    parse_setting,
    parse_technique,
)
from booklet.data.yamlfile import parse_yaml
from booklet.layout.sandbox import MAX_OUTPUT, MAX_SECONDS, render, snippet_environment
from booklet.products.card import CardRequest, render_card
from booklet.products.check import check_layout_folder

LIBRARY = load_library()
KEYS = [
    *TECHNIQUE_REQUIRED,
    *TECHNIQUE_OPTIONAL,
    *STROKE_FIELDS,
    "title",
    "steps",
    "strokes",
    "variants",
    "defaults",
    "output",
    "name",
    "routine",
    "size",
    "layout",
    "extends",
    "front",
    "back",
    "block",
    "template",
    "colours",
    "margin",
    "sides",
    "spine_warning",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=40)
    | st.sampled_from(["glide", "gentle", "spine", "classic", "4x6", "bedside", "raking"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=25,
)
documents = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), values, max_size=10)


def parse_all(text: str, name: str = "fuzz.yaml") -> None:
    path = Path(name)
    try:
        doc = parse_yaml(text, path)
    except BookletError as exc:
        assert str(exc)
        return
    problems: list[Problem] = []
    parse_technique(doc, problems, "fuzz")
    parse_routine(doc, problems, "fuzz", LIBRARY.techniques)
    parse_setting(doc, problems)
    assert all(isinstance(p, Problem) and str(p) for p in problems)


@given(st.text(max_size=300))
def test_any_text_parses_or_fails_cleanly(text):
    parse_all(text)


@given(documents)
def test_any_yaml_data_is_validated_without_crashing(data):
    parse_all(yaml.safe_dump(data, allow_unicode=True))


@given(documents)
def test_any_layout_settings_are_validated_without_crashing(data):
    with tempfile.TemporaryDirectory() as folder:
        layout = Path(folder) / "fuzzed"
        layout.mkdir()
        (layout / "layout.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
        problems = check_layout_folder(layout, LIBRARY)
        assert all(str(p) for p in problems)


@given(
    st.dictionaries(st.sampled_from(["variants", "defaults", "output"]), values, max_size=3)
    | st.fixed_dictionaries({"variants": st.lists(documents, min_size=1, max_size=4)})
)
@example({"variants": [{"name": None, "output": None}]})  # once crashed the loader
@example({"variants": [{"name": "x", "output": "{name.__class__}"}]})
@example({"variants": [{"name": "x", "output": "{"}]})
def test_any_batch_file_is_refused_or_its_variants_checked(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "batch.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        try:
            plan = load_batch(path)
        except BookletError as exc:
            assert str(exc)
            return
        for variant in plan.variants[:5]:
            try:
                make_request(variant, LIBRARY)
            except BookletError as exc:
                assert str(exc)


@given(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=200))
def test_any_unicode_in_a_technique_renders_or_says_why(name, summary):
    text = yaml.safe_dump(
        {
            "name": name,
            "summary": summary,
            "kind": "glide",
            "pressure": "gentle",
            "minutes": 3,
            "steps": ["Glide."],
            "avoid": ["spine"],
        },
        allow_unicode=True,
    )
    problems: list[Problem] = []
    try:
        doc = parse_yaml(text, Path("fuzzed.yaml"))
    except BookletError:
        return
    tech = parse_technique(doc, problems, "fuzz")
    if tech is None:
        assert problems
        return
    from booklet.data.model import plan_techniques

    try:
        pdf = render_card(LIBRARY, plan_techniques([tech]), CardRequest(layout="compact"))
    except BookletError as exc:
        assert str(exc)
        return
    assert pdf.startswith(b"%PDF")


# --- snippets: whatever a stranger writes renders, or stops in the sandbox's own words --------
#
# Random snippets built from Jinja's own filters, operators, string methods, literals both
# ordinary and hostile (huge counts and widths, long texts), and nested set, filter, macro,
# call, for and if blocks, rendered through the real sandbox. Each must give text or one of the
# errors the CLI reports as the snippet's (never MemoryError, RecursionError or a compiler's
# SyntaxError), within about 2 s, with what Python allocated meanwhile staying small.

SNIPPET_FILTERS = sorted(snippet_environment((), {}).filters)
TEXT_FILTERS = ["upper", "lower", "title", "trim", "striptags", "e", "indent", "wordwrap"]
STRING_METHODS = ["format", "join", "replace", "center", "split", "upper", "zfill", "to_bytes"]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "~", "and", "or", "in", "==", "<"]
LITERALS = [
    *('"a"', '"ab c"', '""', '"%s"', '"%*d"', '"{}"', '"{0:>{1}}"', '"{0}{0}"', '"%9999s"'),
    *('"<b>"', '"\U0001f600"', '"a.com www.b.org"', '"upper"', '"list"', '"batch"', '"center"'),
    *("0", "1", "3", "-2", "2.5", "9999", "65536", "999999999", "10**6", "none", "true"),
    *("[1, 2, 3]", '["a", "b"]', "[[1], [2, 3]]", '{"k": "v"}', '(1, "a")', "[]"),
    *("range(5)", "range(10000)", "range(100000)", '"a" * 60000', '"\U0001f600" * 65536'),
    *("plan", "plan.title", "plan.steps", "words", "n"),
]
SNIPPET_CONTEXT = {
    "plan": MappingProxyType(
        {
            "title": "Classic back massage",
            "steps": (MappingProxyType({"note": "slowly", "times": "3x"}),) * 3,
            "total_minutes": 20,
        }
    ),
    "words": MappingProxyType({"lang": "en", "minutes": "minutes"}),
    "n": 3,
}


def _fill(pattern: str) -> Callable[[Any], str]:
    """`pattern` with each § replaced by the next of the parts a strategy drew."""

    def fill(parts: Any) -> str:
        pieces = pattern.split("§")
        drawn = [str(p) for p in (parts if isinstance(parts, tuple) else (parts,))]
        return "".join(piece + part for piece, part in zip(pieces, [*drawn, ""], strict=True))

    return fill


def _call(parts: tuple[str, str, list[str], str]) -> str:
    value, name, arguments, keyword = parts
    return f"({value})|{name}({', '.join([*arguments, keyword] if keyword else arguments)})"


literals = st.sampled_from(LITERALS)
expressions = st.recursive(
    literals,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(_fill("(§ § §)")),
        st.tuples(
            inner,
            st.sampled_from(SNIPPET_FILTERS),
            st.lists(inner, max_size=3),
            st.just("") | st.sampled_from(["start=[]", "indent=65536", 'rel="x" * 50000']),
        ).map(_call),
        st.tuples(
            inner, st.sampled_from(STRING_METHODS), st.lists(inner, max_size=2).map(", ".join)
        ).map(_fill("(§).§(§)")),
        st.tuples(inner, inner).map(_fill("[§, §]")),
        st.tuples(inner, inner).map(_fill("(§)[§]")),
        inner.map(_fill("(§)[1:]")),
        st.tuples(inner, inner, inner).map(_fill("(§ if § else §)")),
    ),
    max_leaves=6,
)
snippets = st.recursive(
    st.one_of(
        st.sampled_from(["x", "\n", "<b>y</b>", "{{ n }}"]),
        expressions.map(_fill("{{ § }}")),
        expressions.map(_fill("{% set v = § %}{{ v }}")),
    ),
    lambda body: st.one_of(
        st.tuples(expressions, body).map(_fill("{% for n in § %}§{% endfor %}")),
        body.map(_fill("{% set v %}§{% endset %}{{ v|length }}{{ v }}")),
        st.tuples(st.sampled_from(TEXT_FILTERS), body).map(_fill("{% filter § %}§{% endfilter %}")),
        body.map(_fill("{% macro m(n) %}§{% endmacro %}{{ m(3) }}{{ m(1) }}")),
        body.map(
            _fill(
                "{% macro c() %}{{ caller() }}{{ caller() }}{% endmacro %}"
                "{% call c() %}§{% endcall %}"
            )
        ),
        st.tuples(expressions, body, body).map(_fill("{% if § %}§{% else %}§{% endif %}")),
        st.lists(body, min_size=2, max_size=3).map("".join),
    ),
    max_leaves=5,
)
# what the CLI says as the snippet's own error (booklet.layout.spec.render_snippet): Jinja's and
# the sandbox's, and a wrong expression's ("the snippet failed: TypeError: …")
SNIPPETS_OWN_ERRORS = (TemplateError, BookletError, TypeError, ValueError, ArithmeticError)
SNIPPETS_OWN_ERRORS += (LookupError, AttributeError)
SNIPPETS_OWN_ERRORS += (AssertionError,)  # how Jinja's `truncate` checks its arguments
_SNIPPET_FOLDER = Path(tempfile.mkdtemp(prefix="booklet-fuzz-snippets-"))
_snippet_count = itertools.count()


@given(snippets)
@example('{% set x %}{% for i in range(10000) %}{{ "a" * 30000 }}{% endfor %}{% endset %}')
@example('{{ range(10000)|batch(1)|map("batch", 65536, 0)|map("list")|list|length }}')
@example("{{ range(5000)|batch(1)|list|sum(start=[]) }}")
@example('{{ "{0:>{1}}".format("a", 999999999) }}')
@example("{% for a in [1] %}" * 25 + "x" + "{% endfor %}" * 25)
@example("{{ " + "1" * 5000 + " }}")
@example('{{ ("a")|truncate(0) }}')
def test_any_snippet_renders_or_stops_in_the_sandbox_quickly_and_small(snippet):
    name = f"s{next(_snippet_count)}.j2"
    (_SNIPPET_FOLDER / name).write_text(snippet, encoding="utf-8")
    env = snippet_environment((_SNIPPET_FOLDER,), {})  # a fresh one: no cached snippets
    tracemalloc.start()
    started = time.monotonic()
    try:
        text = render(env, name, SNIPPET_CONTEXT)
    except SNIPPETS_OWN_ERRORS as exc:
        assert str(exc) or isinstance(exc, TemplateError), repr(exc)
    else:
        assert len(text) <= MAX_OUTPUT
    finally:
        took = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        (_SNIPPET_FOLDER / name).unlink()
    assert took < MAX_SECONDS + 0.5, f"{took:.1f} s: {snippet!r}"
    assert peak < 40 << 20, f"{peak >> 20} MB: {snippet!r}"
