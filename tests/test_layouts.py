"""User layouts: extends, snippets in a sandbox, and the errors template authors see."""

from __future__ import annotations

import pytest

from tests.helpers import page_texts


@pytest.fixture
def layout_lib(make_library):
    def make(snippet: str, settings: str = "extends: bedside\n"):
        return make_library(
            {"layouts/mine/layout.yaml": settings, "layouts/mine/title.j2": snippet}
        )

    return make


PLAN_FIELDS = "description, id, steps, techniques, title, total_minutes, uses_oil"
SNIPPET_ERRORS = {
    "{{ ''.__class__.__mro__[1].__subclasses__() }}": "layouts/mine/title.j2:1: refused by the "
    "template sandbox: access to attribute '__class__' of 'str' object is unsafe. Snippets may "
    "only read fields.",
    "{{ plan.title }}\n{{ plan.nope }}": "layouts/mine/title.j2:2: 'nope' is not a field here "
    f"(fields: {PLAN_FIELDS}). See the README for the fields snippets can use.",
    "{% include '../../../../etc/passwd' %}": "layouts/mine/title.j2:1: snippet "
    "'../../../../etc/passwd' was not found. A snippet can include only files in its layout's "
    "folder or the layouts it extends.",
    "{{ plan.title ": "lib/layouts/mine/title.j2:1: template syntax error: unexpected end of "
    "template, expected 'end of print statement'.",
    # records are read-only mappings: their keys are fields, and they have no methods
    "{{ plan.count }}": "layouts/mine/title.j2:1: 'count' is not a field here "
    f"(fields: {PLAN_FIELDS}). See the README for the fields snippets can use.",
    "{{ plan.items() }}": "layouts/mine/title.j2:1: 'items' is not a field here "
    f"(fields: {PLAN_FIELDS}). See the README for the fields snippets can use.",
    "{{ plan[1] }}": "layouts/mine/title.j2:1: '1' is not a field here "
    f"(fields: {PLAN_FIELDS}). See the README for the fields snippets can use.",
    "{{ plan.title }}\n{{ 1 / 0 }}": "layouts/mine/title.j2:2: the snippet failed: "
    "ZeroDivisionError: division by zero. Fix the expression.",
}


@pytest.mark.parametrize("snippet", sorted(SNIPPET_ERRORS))
def test_hostile_or_broken_snippets_fail_clearly_and_write_nothing(
    run, layout_lib, tmp_path, snippet
):
    lib = layout_lib(snippet)
    result = run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    expected = SNIPPET_ERRORS[snippet]
    if not expected.startswith("lib/"):
        expected = "lib/" + expected
    assert result.stderr == f"Error: {expected}\n"
    assert not (tmp_path / "x.pdf").exists()


def test_user_layout_extends_builtin_and_overrides_a_snippet(run, layout_lib, tmp_path):
    lib = layout_lib("For Sam: {{ plan.title }}\n{{ plan.total_minutes|minutes }} min")
    result = run("--library", lib, "card", "--layout", "mine", "-o", "m.pdf")
    assert result.exit_code == 0, result.output
    front, back = page_texts(tmp_path / "m.pdf")
    assert "For Sam: Classic back massage" in front
    assert "The hatched band is the spine." in back  # inherited from bedside
    listing = run("--library", lib, "layouts")
    assert any(
        line.startswith("mine ") and str(lib) in line for line in listing.output.splitlines()
    )


def test_layout_settings_are_validated_together(run, make_library):
    lib = make_library(
        {
            "layouts/mine/layout.yaml": """
                extends: bedside
                margin: 1mm
                colours: {accent: blue}
                front: [title, {block: text, template: nope.j2}, {block: wiggle}]
            """
        }
    )
    result = run("validate", lib)
    assert result.exit_code == 2
    lines = result.stderr.removeprefix("Error: ").splitlines()
    assert lines == [
        "lib/layouts/mine/layout.yaml:3: margin: 1mm is inside the 3 mm laminating safe zone. "
        "Use 3mm or more.",
        "lib/layouts/mine/layout.yaml:4: colours.accent: colour 'blue' is not a hex colour. "
        "Write it like '#0072B2'.",
        "lib/layouts/mine/layout.yaml:5: front[2].block: Block kind 'wiggle' is not known. Use "
        "one of: title, text, steps, diagrams, key, warning, list, rule, space, client, link, log.",
        "lib/layouts/mine/layout.yaml:5: front[1]: snippet 'nope.j2' was not found in "
        "lib/layouts/mine or the layouts it extends. Create it or fix the name.",
    ]


def test_extends_loop_and_unknown_base(run, make_library):
    lib = make_library(
        {
            "layouts/a/layout.yaml": "extends: b\n",
            "layouts/b/layout.yaml": "extends: a\n",
            "layouts/c/layout.yaml": "extends: bedsid\n",
        }
    )
    result = run("--library", lib, "card", "--layout", "a", "-o", "x.pdf")
    assert result.exit_code == 2
    assert "layouts extend each other in a loop (a -> b -> a)" in result.stderr
    result = run("--library", lib, "card", "--layout", "c", "-o", "x.pdf")
    assert "extends 'bedsid', which is not a layout. Did you mean 'bedside'?" in result.stderr


def test_layout_extending_its_own_name_builds_on_the_builtin(run, make_library, tmp_path):
    lib = make_library(
        {
            "layouts/bedside/layout.yaml": "extends: bedside\nsides: 1\n",
            "layouts/bedside/title.j2": "My own {{ plan.title }}\n",
        }
    )
    result = run("--library", lib, "card", "-o", "own.pdf")
    assert result.exit_code == 0, result.output
    (front,) = page_texts(tmp_path / "own.pdf")
    assert "My own Classic back massage" in front


def test_user_text_cannot_inject_markup_through_a_snippet(run, make_library, tmp_path):
    lib = make_library(
        {
            "techniques/routines/odd.yaml": """
                title: "Tom & Jerry's <i>routine</i> <img src='x.png'/>"
                steps: [raking]
            """
        }
    )
    result = run("--library", lib, "card", "odd", "--layout", "compact", "-o", "o.pdf")
    assert result.exit_code == 0, result.output
    text = " ".join(page_texts(tmp_path / "o.pdf")[0].split())
    # printed as it was written (its quotes set as English sets them), never read as markup
    assert "Tom & Jerry’s <i>routine</i> <img src=‘x.png’/>" in text


def test_a_booklet_layout_refuses_card_only_settings(run, make_library):
    lib = make_library({"layouts/mine/layout.yaml": "extends: gift\nlandscape: true\nsides: 2\n"})
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    assert "landscape: applies to card layouts only; a booklet layout has no landscape." in (
        result.stderr
    )
    assert "sides: applies to card layouts only" in result.stderr


def test_every_block_kind_has_exactly_one_builder():
    """Block kinds are declared once (booklet.layout.blocks); the card registers a builder per
    kind by the same name, and refuses a second one or one for an undeclared kind."""
    from booklet.layout.blocks import BLOCK_OPTIONS, KINDS
    from booklet.products.card.blocks import BUILDERS, builds

    assert set(BUILDERS) == set(KINDS)
    assert all(option in BLOCK_OPTIONS for kind in KINDS.values() for option in kind.options)
    with pytest.raises(ValueError, match="two builders"):
        builds("title")(BUILDERS["title"])
    with pytest.raises(ValueError, match="no block kind 'chart'"):
        builds("chart")(BUILDERS["title"])


def test_a_block_that_reads_a_snippet_cannot_be_left_without_one(run, make_library):
    """`template: null` once reached the renderer as no file at all: an internal error."""
    lib = make_library(
        {"layouts/mine/layout.yaml": "extends: bedside\nfront:\n  - {block: log, template: null}\n"}
    )
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    assert "front[0]: a log block needs `template: NAME.j2`." in result.stderr


def test_validate_tries_a_layout_in_every_language(run, make_library):
    """Found in review: validate rendered a layout in English only, so a snippet that breaks
    in another language (here, only right to left) passed, and broke the Hebrew and Arabic
    cards. Each language is tried; its problems name it, and the snippet file."""
    lib = make_library(
        {
            "layouts/mine/layout.yaml": "extends: bedside\n",
            "layouts/mine/title.j2": (
                '{% if words.direction == "rtl" %}{{ words.nothing_here.x }}{% endif %}'
                "{{ plan.title }}\n"
            ),
        }
    )
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(": in ")[1].split(":")[0] for line in lines] == [
        "Arabic (--lang ar)",
        "Hebrew (--lang he)",
    ]
    assert all("layouts/mine/title.j2:1: in " in line for line in lines)
    assert all("'nothing_here' is not a field here" in line for line in lines)
    made = run("--library", lib, "card", "--layout", "mine", "-o", "en.pdf")
    assert made.exit_code == 0, made.stderr  # English, as before, is fine


def test_validate_lets_a_longer_language_make_its_card_larger(run):
    """The compact card's own 3x5 holds English only; in French or German it is made larger
    and says so. validate does not call that a problem of the layout (the built-in layouts
    pass in every language)."""
    from booklet.data.library import builtin_root

    layouts = builtin_root() / "layouts"
    result = run("validate", str(layouts / "compact"), str(layouts / "bedside"))
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def book_layout_and_empty_languages(make_library):
    """Found by attack: a two-line booklet layout and sixty empty language folders, which
    validate tried one after another in one child until it ran out of memory."""
    files = {"layouts/my-book/layout.yaml": "extends: gift\n"}
    codes = [a + b for a in "klmnqsvwxyz" for b in "abcdefgh"][:60]
    files |= {f"techniques/{code}/.keep": "" for code in codes}
    return make_library(files)


def test_validate_skips_languages_with_no_text_of_their_own(run, book_layout_and_empty_languages):
    """A language folder with nothing in it prints as English does: not tried again."""
    lib = book_layout_and_empty_languages
    result = run("--library", lib, "validate", lib / "layouts" / "my-book")
    assert result.exit_code == 0, result.stderr
    assert "OK: 1 file(s) valid." in result.stdout


def test_validate_says_which_languages_its_time_left_untried(run, make_library, monkeypatch):
    """The languages share a time budget (booklet.products.jailed.TRIAL_BUDGET); any left
    untried are named in a note, not passed over in silence."""
    from booklet.products import jailed

    monkeypatch.setattr(jailed, "TRIAL_BUDGET", 0.0)
    lib = make_library({"layouts/mine/layout.yaml": "extends: bedside\n"})
    result = run("--library", lib, "validate", lib / "layouts" / "mine")
    assert result.exit_code == 0, result.stderr
    assert (
        "was tried in 1 of its 7 languages within the 0 s validate gives them; not in ar, de, "
        "es, fr, he, pt. Try one with `booklet --library lib --lang CODE card --layout mine`."
    ) in " ".join(result.stderr.split())


def test_validate_gives_all_its_layouts_one_budget_and_names_the_product(
    run, make_library, monkeypatch
):
    """Found by attack: the budget was each layout's (N slow layouts took N times as long),
    and the advice said `card` for a booklet layout."""
    from booklet.products import jailed

    ticks = iter([False] * 6 + [True] * 100)  # the first layout's six languages, then out
    monkeypatch.setattr(jailed.TrialClock, "out", lambda self: next(ticks))
    lib = make_library(
        {"layouts/a/layout.yaml": "extends: bedside\n", "layouts/b/layout.yaml": "extends: gift\n"}
    )
    result = run("--library", lib, "validate", lib / "layouts" / "a", lib / "layouts" / "b")
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "layouts/a was tried" not in said
    assert "layouts/b was tried in 1 of its 7 languages" in said
    assert "`booklet --library lib --lang CODE book --layout b`" in said


def test_a_translation_with_problems_is_reported_once(run, make_library):
    """Found by attack: a broken translation's problem was reported by the file check and again
    by the layout's trial in that language."""
    lib = make_library(
        {
            "layouts/mine/layout.yaml": "extends: bedside\n",
            "techniques/de/fan-stroke.yaml": "name: [1, 2\n",
        }
    )
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    assert "fan-stroke.yaml" in result.stderr
    assert "(--lang de)" not in result.stderr
    assert result.stderr.count("fan-stroke.yaml") == 1
    # and the layout's trial says it left German out, checked alone
    alone = run("--library", lib, "validate", lib / "layouts" / "mine")
    assert "was not tried in de: its files have problems." in " ".join(alone.stderr.split())
