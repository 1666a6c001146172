"""The docs stay true: the README's commands, CI's test command, every command's help."""

from __future__ import annotations

import re

import pytest

from booklet.cli.main import cli
from tests.helpers import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    return [line.strip() for line in README.splitlines()[:12] if line.startswith("    ")]


def test_readme_opens_with_the_two_commands():
    install, tests = readme_commands()
    assert install.endswith("booklet card")
    assert "pip install ." in install
    assert tests.endswith("pytest")


def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(run, name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert re.search(r"Examples?:\n\s+booklet ", result.output), result.output
    for option in cli.commands[name].params:
        if option.param_type_name == "option":
            assert option.help, f"{name} {option.opts} has no help"


def test_readme_examples_make_a_valid_library_that_renders(run, tmp_path):
    blocks = re.findall(r"```(yaml|jinja)\n(.*?)```", README, re.S)
    yaml_blocks = [text for kind, text in blocks if kind == "yaml"]
    technique = next(t for t in yaml_blocks if t.startswith("name: Shoulder glide"))
    routine = next(t for t in yaml_blocks if t.startswith("title: Evening"))
    layout = next(t for t in yaml_blocks if "extends: bedside" in t)
    batch = next(t for t in yaml_blocks if "variants:" in t and "clients.csv" not in t)
    (tmp_path / "batch.yaml").write_text(batch)
    result = run("batch", tmp_path / "batch.yaml", "--dry-run")
    assert result.exit_code == 0, result.output
    (snippet,) = [text for kind, text in blocks if kind == "jinja"]
    lib = tmp_path / "mylib"
    (lib / "techniques" / "routines").mkdir(parents=True)
    (lib / "layouts" / "my-card").mkdir(parents=True)
    (lib / "techniques" / "shoulder-glide.yaml").write_text(technique)
    (lib / "techniques" / "routines" / "evening.yaml").write_text(routine)
    (lib / "layouts" / "my-card" / "layout.yaml").write_text(layout)
    (lib / "layouts" / "my-card" / "title.j2").write_text(snippet)
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 0, result.output
    result = run("--library", lib, "card", "evening", "--layout", "my-card", "-o", "e.pdf")
    assert result.exit_code == 0, result.output
    from tests.helpers import page_texts

    front = page_texts(tmp_path / "e.pdf")[0]
    assert "For Sam: Evening wind-down" in front and "Shoulder glide" in front


def test_readme_command_reference_matches_the_help():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "cli_reference", REPO / "tools" / "cli_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.updated(README) == README, "run: python tools/cli_reference.py"


def test_gallery_pictures_come_from_the_current_code():
    import importlib.util
    import io

    from PIL import Image, ImageChops, ImageStat

    spec = importlib.util.spec_from_file_location("gallery", REPO / "tools" / "gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, png in module.pictures().items():
        assert f"docs/gallery/{name}" in README
        committed = Image.open(REPO / "docs" / "gallery" / name).convert("RGB")
        fresh = Image.open(io.BytesIO(png)).convert("RGB")
        assert committed.size == fresh.size, f"{name}: run python tools/gallery.py"
        difference = ImageStat.Stat(ImageChops.difference(committed, fresh)).mean
        assert max(difference) < 1.0, f"{name} is out of date: run python tools/gallery.py"


def test_shell_completion_script():
    import os
    import subprocess
    import sys

    env = dict(os.environ, _BOOKLET_COMPLETE="bash_source")
    done = subprocess.run(
        [sys.executable, "-c", "from booklet.cli.entry import main; main()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "complete -o nosort -F" in done.stdout


def test_init_then_card_and_validate_in_a_fresh_folder(run, tmp_path):
    result = run("init", "mylib")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-3:] == [
        "  booklet validate mylib",
        "  booklet --library mylib card -t shoulder-glide -o my-card.pdf --png",
        "  booklet --library mylib card my-routine --layout my-card",
    ]
    assert run("validate", "mylib").exit_code == 0
    card = run("--library", "mylib", "card", "-t", "shoulder-glide", "-o", "x.pdf")
    assert card.exit_code == 0, card.output
    routine = run("--library", "mylib", "card", "my-routine", "--layout", "my-card", "-o", "r.pdf")
    assert routine.exit_code == 0, routine.output
    from tests.helpers import page_texts

    assert "13 minutes, just for you" in page_texts(tmp_path / "r.pdf")[0]
    again = run("init", "mylib")
    assert again.exit_code == 2
    assert again.stderr == (
        "Error: mylib/techniques/shoulder-glide.yaml: already exists; nothing "
        "was written. Choose another name or folder.\n"
    )


def test_every_starter_field_is_explained():
    from booklet.cli.starter import STARTER

    lines = (STARTER / "technique.yaml").read_text().splitlines()
    for before, line in zip(["", *lines], lines, strict=False):
        if line and not line.startswith((" ", "#")) and ":" in line:
            assert "#" in line or before.startswith("#"), f"no comment: {line}"


def test_new_technique_and_routine(run, tmp_path):
    assert run("new", "technique", "shoulder-squeeze", "--in", "lib").exit_code == 0
    assert run("new", "routine", "sunday", "--in", "lib").exit_code == 0
    text = (tmp_path / "lib/techniques/shoulder-squeeze.yaml").read_text()
    assert text.startswith("# A new technique")
    assert "Palms glide" not in text  # no other technique's words to print by mistake
    bad = run("new", "technique", "Bad_Id", "--in", "lib")
    assert bad.exit_code == 2
    assert "'Bad_Id' is not a valid id" in bad.stderr
    again = run("new", "routine", "sunday", "--in", "lib")
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_a_new_technique_is_refused_until_it_is_written(run, tmp_path):
    """`new technique` copies no other technique's instructions: its required words are
    blank, validate names them, and no card is made until they are written."""
    assert run("new", "technique", "my-stroke", "--in", "lib").exit_code == 0
    checked = run("validate", "lib")
    assert checked.exit_code == 2
    assert "lib/techniques/my-stroke.yaml:6: summary: expected text, got nothing." in checked.stderr
    assert "steps: expected a list of text lines, got nothing." in checked.stderr
    assert run("--library", "lib", "card", "-t", "my-stroke").exit_code == 2
    path = tmp_path / "lib/techniques/my-stroke.yaml"
    text = (
        path.read_text()
        .replace("summary:  ", "summary: Palms rest, then glide.  ")
        .replace("steps:  ", "steps: [Rest both palms flat., Glide slowly upwards.]  ")
    )
    path.write_text(text)
    assert run("validate", "lib").exit_code == 0
    assert run("--library", "lib", "card", "-t", "my-stroke", "-o", "c.pdf").exit_code == 0


def test_the_readme_python_example_runs_as_a_doctest(tmp_path, monkeypatch):
    """`python -m doctest README.md`: the Python API as the README shows it, writing a PDF."""
    import doctest

    monkeypatch.chdir(tmp_path)
    failed, tried = doctest.testfile(str(REPO / "README.md"), module_relative=False)
    assert tried >= 8 and failed == 0
