"""Validation: one fixture file per broken case, each with the exact message it must produce."""

from __future__ import annotations

import pytest

from tests.helpers import FIXTURES

BROKEN = FIXTURES / "broken"

# file -> the one line `booklet validate` must print for it (paths relative to fixtures/broken)
CASES = {
    "unknown-field.yaml": [
        "techniques/unknown-field.yaml:4: presure: unknown field 'presure'. Did you mean "
        "'pressure'? Allowed: name, summary, kind, pressure, minutes, steps, short_name, "
        "pressure_note, oil, position, cautions, avoid, source, muscles, video, diagram, lang.",
        "techniques/unknown-field.yaml:1: missing required field 'pressure'. Add it.",
    ],
    "pressure-not-a-level.yaml": [
        "techniques/pressure-not-a-level.yaml:4: pressure: Pressure 'hard' is not a level. "
        "Use one of: light, gentle, moderate, firm, deep."
    ],
    "empty-file.yaml": [
        "techniques/empty-file.yaml: file is empty. Add the fields this file needs."
    ],
    "not-utf8.yaml": [
        "techniques/not-utf8.yaml:1: byte 0xe9 is not UTF-8 text. Save the file as UTF-8."
    ],
    "yaml-syntax-error.yaml": [
        "techniques/yaml-syntax-error.yaml:4: YAML syntax error, column 9: did not find "
        "expected ',' or ']'. Check indentation, colons and quotes."
    ],
    "minutes-not-a-number.yaml": [
        "techniques/minutes-not-a-number.yaml:5: minutes: expected a number, got text "
        "('three'). Write minutes as a number, e.g. 2 or 1.5."
    ],
    "empty-name.yaml": [
        "techniques/empty-name.yaml:1: name: is empty. Write some text or remove the field."
    ],
    "Bad_Id.yaml": [
        "techniques/Bad_Id.yaml:1: 'Bad_Id' is not a valid id: use lower-case letters, digits "
        "and single hyphens (e.g. 'bad-id'). Rename the file."
    ],
    "unknown-kind.yaml": [
        "techniques/unknown-kind.yaml:3: kind: Kind 'tapping' is not known. Use one of: glide, "
        "circle, knead, rake, press, stretch, other."
    ],
    "stroke-crosses-spine.yaml": [
        "techniques/stroke-crosses-spine.yaml:11: diagram.strokes[0]: the glide stroke enters "
        "the spine band near [0.46, 0.51]. Never work on the spine: keep every point, circle "
        "and finger track at x < 0.455 or x > 0.545."
    ],
    "stroke-off-the-back.yaml": [
        "techniques/stroke-off-the-back.yaml:12: diagram.strokes[0].points[1]: [1.3, 0.8] is "
        "off the back: x and y must be between 0 and 1 (x across the back, spine at 0.5; y from "
        "waist 0 to shoulders 1)."
    ],
    "unknown-stroke-kind.yaml": [
        "techniques/unknown-stroke-kind.yaml:11: diagram.strokes[0].kind: Stroke kind 'swirl' "
        "is not known. Use one of: glide, circles, knead, rake, press, alternate."
    ],
    "alias-bomb.yaml": [
        "techniques/alias-bomb.yaml:1: b[0]: YAML aliases (*name) are not supported. Write the "
        "value out in full."
    ],
    "steps-not-a-list.yaml": [
        "techniques/steps-not-a-list.yaml:7: old_steps: unknown field 'old_steps'. Did you mean "
        "'steps'? Allowed: name, summary, kind, pressure, minutes, steps, short_name, "
        "pressure_note, oil, position, cautions, avoid, source, muscles, video, diagram, lang.",
        "techniques/steps-not-a-list.yaml:6: steps: expected a list of text lines, got a "
        "number (42).",
    ],
    # a routine is checked within the library it lies in (this folder): of its techniques,
    # duplicate-id loads (its duplicate is its own problem, reported with that file)
    "routines/unknown-technique.yaml": [
        "techniques/routines/unknown-technique.yaml:3: steps[0]: no technique 'fan-strok'. "
        "Did you mean 'fan-stroke'? Known: circling-hands, duplicate-id, fan-stroke, "
        "petrissage, raking."
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_broken_file_gets_its_exact_message(run, monkeypatch, name):
    monkeypatch.chdir(BROKEN)
    result = run("validate", f"techniques/{name}")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == ["Error: " + CASES[name][0], *CASES[name][1:]]


def test_a_folder_reports_every_problem_in_one_run(run, monkeypatch):
    monkeypatch.chdir(BROKEN)
    result = run("validate", "techniques")
    assert result.exit_code == 2
    lines = result.stderr.removeprefix("Error: ").splitlines()
    expected = [line for name, msgs in CASES.items() if "routines/" not in name for line in msgs]
    for line in expected:
        assert line in lines
    assert any("duplicate-id.yml: id 'duplicate-id' is already defined" in x for x in lines)
    assert any(x.startswith("techniques/routines/unknown-technique.yaml:3:") for x in lines)


def test_builtin_library_is_valid(run, monkeypatch):
    from tests.helpers import REPO

    monkeypatch.chdir(REPO)
    result = run("validate", "techniques/", "layouts/")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")


def test_validate_missing_path(run):
    result = run("validate", "nowhere")
    assert result.exit_code == 2
    assert result.stderr == "Error: nowhere: no such file or folder. Check the path.\n"


def test_a_library_that_does_not_load_still_knows_the_built_in_ones(run, tmp_path):
    """`booklet --library lib validate lib` (or BOOKLET_LIBRARY set to it) with an unfinished
    technique in lib: that technique's problems are reported, and nothing else. The routine's
    built-in techniques and the layout's built-in base are still known (they were reported
    as unknown, hiding the one real problem among false ones)."""
    assert run("init", "lib").exit_code == 0
    assert run("new", "technique", "neck-glide", "--in", "lib").exit_code == 0
    for args in (("--library", "lib", "validate", "lib"), ("validate", "lib")):
        result = run(*args)
        assert result.exit_code == 2, args
        lines = result.stderr.strip().splitlines()
        assert all("neck-glide.yaml" in line for line in lines), (args, lines)
        assert any("summary" in line for line in lines) and any("steps" in line for line in lines)


def test_a_library_with_a_broken_file_still_knows_its_own_good_ones(run, tmp_path):
    """A library whose one technique file is broken (a YAML error), with a layout extending
    another of its own layouts and a routine using the broken technique: only the broken
    file is reported, whether the folder is also named with --library or not (found by
    attack: its own layouts and techniques were reported as unknown)."""
    assert run("init", "lib").exit_code == 0
    for name, base in (("base-book", "gift"), ("child-book", "base-book")):
        folder = tmp_path / "lib" / "layouts" / name
        folder.mkdir(parents=True)
        (folder / "layout.yaml").write_text(f"extends: {base}\nname: {name}\n", "utf-8")
    with (tmp_path / "lib" / "techniques" / "shoulder-glide.yaml").open("a") as f:
        f.write("name: [unclosed\n")
    for args in (("--library", "lib", "validate", "lib"), ("validate", "lib")):
        result = run(*args)
        assert result.exit_code == 2, args
        lines = result.stderr.strip().splitlines()
        assert lines and all("shoulder-glide.yaml" in line for line in lines), (args, lines)


def test_a_routines_folder_is_checked_against_the_librarys_good_techniques(run, tmp_path):
    """`booklet --library lib validate lib/techniques/routines` while another technique of
    lib is unfinished: the routine's own technique is known, and only the unfinished one is
    reported."""
    assert run("init", "lib").exit_code == 0
    assert run("new", "technique", "squeeze", "--in", "lib").exit_code == 0
    result = run("--library", "lib", "validate", "lib/techniques/routines")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines and all("squeeze.yaml" in line for line in lines), lines


@pytest.fixture
def library_with_a_broken_technique(run, tmp_path):
    """The starter library, with a technique file that does not parse (a YAML error) and its
    routine naming it and a technique no library has."""
    assert run("init", "lib").exit_code == 0
    techniques = tmp_path / "lib" / "techniques"
    (techniques / "broken.yaml").write_text("name: [unclosed\n", "utf-8")
    routine = techniques / "routines" / "my-routine.yaml"
    routine.write_text(routine.read_text("utf-8") + "  - broken\n  - nosuch\n", "utf-8")
    return tmp_path / "lib"


def test_a_broken_file_hides_no_layouts_snippet_error(run, library_with_a_broken_technique):
    """A broken technique and a layout snippet that fails when it runs: both are reported in
    one run (found by attack: the layout's trial render was skipped)."""
    title = library_with_a_broken_technique / "layouts" / "my-card" / "title.j2"
    title.write_text("{{ plan.nosuchfield.x }}\n", "utf-8")
    result = run("validate", "lib")
    assert result.exit_code == 2
    assert "broken.yaml:1" in result.stderr or "broken.yaml:2" in result.stderr
    assert "title.j2:1: 'nosuchfield' is not a field here" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--library", "lib", "validate", "lib/techniques/routines/my-routine.yaml"),
        ("--library", "lib/", "validate", "{abs}/lib"),
        ("--library", "lib", "validate", "link"),
        ("validate", "lib", "lib/techniques/broken.yaml", "lib/techniques"),
    ],
)
def test_each_problem_once_however_the_library_is_named(
    run, tmp_path, library_with_a_broken_technique, args
):
    """The library named twice (a relative and an absolute path, a link to it, a file or
    folder inside it as well as the folder): every problem is reported once, and a technique
    whose file is broken is not reported as unknown as well (found by attack)."""
    (tmp_path / "link").symlink_to(library_with_a_broken_technique)
    result = run(*[a.replace("{abs}", str(tmp_path)) for a in args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert "YAML syntax error" in lines[0]
    assert "no technique 'nosuch'" in lines[1]


def test_translations_of_broken_files_are_not_reported_as_orphans(
    run, library_with_a_broken_technique
):
    """A translation of a technique (and a routine) whose English file has problems is not
    "a translation no library has": only the English file's own problem is reported."""
    es = library_with_a_broken_technique / "techniques" / "es"
    (es / "routines").mkdir(parents=True)
    (es / "broken.yaml").write_text("name: Roto\n", "utf-8")
    (es / "routines" / "my-routine.yaml").write_text("title: Mi rutina\n", "utf-8")
    result = run("validate", "lib")
    assert result.exit_code == 2
    assert "which no library has" not in result.stderr


def test_paths_inside_a_library_are_checked_against_that_library(run, tmp_path):
    """A layout extending another of its library's layouts, and a routine using its
    library's technique, pass whether the library, its layouts/ or routines/ folder, or the
    single file is checked; a language folder is checked as a translation."""
    assert run("init", "lib").exit_code == 0
    layouts = tmp_path / "lib" / "layouts"
    for name, base in (("base", "bedside"), ("child", "base")):
        (layouts / name).mkdir()
        (layouts / name / "layout.yaml").write_text(f"extends: {base}\nname: {name}\n", "utf-8")
    es = tmp_path / "lib" / "techniques" / "es"
    es.mkdir()
    (es / "shoulder-glide.yaml").write_text("name: Deslizamiento\n", "utf-8")
    for path in ("lib", "lib/layouts", "lib/layouts/child", "lib/layouts/child/layout.yaml",
                 "lib/techniques/routines", "lib/techniques/routines/my-routine.yaml",
                 "lib/techniques/es"):  # fmt: skip
        result = run("validate", path)
        assert result.exit_code == 0, (path, result.stderr)


def test_translations_and_snippets_are_checked_as_what_they_are(run, tmp_path):
    """A single translation file, a translation's routines folder or its words, and a
    layout's snippet, each checked on its own: as a translation and as a layout, never as an
    English technique or a YAML file (found by attack: false "missing required field"
    errors, and a snippet parsed as YAML); a folder that only looks like a language code
    (new/) outside a techniques folder holds techniques."""
    assert run("init", "lib").exit_code == 0
    es = tmp_path / "lib" / "techniques" / "es"
    (es / "routines").mkdir(parents=True)
    (es / "shoulder-glide.yaml").write_text("name: Deslizamiento\nsummary: Las palmas.\n", "utf-8")
    (es / "routines" / "my-routine.yaml").write_text("title: Mi rutina\n", "utf-8")
    (es / "_words.yaml").write_text("minutes: {one: '{n} minuto', other: '{n} minutos'}\n", "utf-8")
    for path in ("lib/techniques/es/shoulder-glide.yaml", "lib/techniques/es/routines",
                 "lib/techniques/es/_words.yaml", "lib/layouts/my-card/title.j2"):  # fmt: skip
        result = run("validate", path)
        assert result.exit_code == 0, (path, result.stderr)
    new = tmp_path / "proj" / "new"
    new.mkdir(parents=True)
    technique = (tmp_path / "lib" / "techniques" / "shoulder-glide.yaml").read_text("utf-8")
    (new / "shoulder-glide.yaml").write_text(technique + "colour: red\n", "utf-8")
    result = run("validate", "proj/new")
    assert result.exit_code == 2
    assert "colour: unknown field 'colour'" in result.stderr
    assert "translated" not in result.stderr


def test_a_step_naming_a_broken_technique_is_still_checked(run, library_with_a_broken_technique):
    """A routine step naming a technique whose file is broken is not called unknown, but its
    own fields are still checked (found by attack: its out-of-range minutes and unknown
    pressure were hidden until the technique was fixed)."""
    routine = library_with_a_broken_technique / "techniques" / "routines" / "my-routine.yaml"
    routine.write_text(
        "title: Mine\nsteps:\n  - technique: broken\n    minutes: -40\n    pressure: ultra\n",
        "utf-8",
    )
    result = run("validate", "lib")
    assert result.exit_code == 2
    assert "minutes: -40 min is out of range" in result.stderr
    assert "Pressure 'ultra' is not a level" in result.stderr
    assert "no technique 'broken'" not in result.stderr


def test_a_layouts_trial_render_failure_names_its_layout_file(run, tmp_path):
    """A layout whose size cannot hold its card fails its trial render; the problem names the
    layout's layout.yaml (found by attack: it named no file at all)."""
    folder = tmp_path / "lib" / "layouts" / "tiny"
    folder.mkdir(parents=True)
    (folder / "layout.yaml").write_text("extends: bedside\nname: Tiny\nsize: 1x1in\n", "utf-8")
    result = run("validate", "lib")
    assert result.exit_code == 2
    assert (
        "lib/layouts/tiny/layout.yaml: the front of the 'tiny' card does not fit" in result.stderr
    )


def test_a_batch_file_in_a_techniques_folder_is_told_to_move(run, tmp_path):
    """A batch file saved among the techniques: one problem, saying where it belongs, not a
    technique's eight missing fields (found by attack: it was reported as a broken technique
    and, the library then failing to load, the batch check stopped validate short)."""
    assert run("init", "lib").exit_code == 0
    batch = tmp_path / "lib" / "techniques" / "mybatch.yaml"
    batch.write_text(
        'output: "{name}.pdf"\nvariants:\n  - name: a\n    routine: classic\n', "utf-8"
    )
    result = run("validate", "lib")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Error: lib/techniques/mybatch.yaml: is a batch file inside a techniques folder, where "
        "every file is read as a technique. Move it out of techniques/."
    ], lines


def test_blocks_a_layout_lists_wrongly_are_not_also_no_blocks(run, tmp_path):
    """A card layout whose front lists two unknown blocks: each is named, and the layout is
    not also said to have no front blocks (found by attack); an empty list still is."""
    folder = tmp_path / "lib" / "layouts" / "bad"
    folder.mkdir(parents=True)
    layout = folder / "layout.yaml"
    layout.write_text(
        "extends: bedside\nname: Bad\nfront:\n  - block: nosuch\n  - block: alsonot\n"
    )
    result = run("validate", "lib")
    assert result.exit_code == 2
    assert result.stderr.count("is not known") == 2
    assert "has no `front` blocks" not in result.stderr
    layout.write_text("extends: bedside\nname: Bad\nfront: []\n")
    assert "has no `front` blocks" in run("validate", "lib").stderr
