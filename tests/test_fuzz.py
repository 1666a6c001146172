"""Property tests: any input either works or ends in our own error with a message.

Parsers for techniques, routines, the setting, layout settings and batch files get arbitrary
text and arbitrary YAML-shaped data; cards get arbitrary Unicode in a technique's text.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

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
