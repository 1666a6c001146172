"""The docs stay true: the README's commands, CI's test command, every command's help."""

from __future__ import annotations

import re

import pytest

from booklet.cli import cli
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
    technique = next(t for t in yaml_blocks if t.startswith("name: Neck glide"))
    routine = next(t for t in yaml_blocks if t.startswith("title: Evening"))
    layout = next(t for t in yaml_blocks if "extends: bedside" in t)
    batch = next(t for t in yaml_blocks if "variants:" in t)
    (tmp_path / "batch.yaml").write_text(batch)
    result = run("batch", tmp_path / "batch.yaml", "--dry-run")
    assert result.exit_code == 0, result.output
    (snippet,) = [text for kind, text in blocks if kind == "jinja"]
    lib = tmp_path / "mylib"
    (lib / "techniques" / "routines").mkdir(parents=True)
    (lib / "layouts" / "my-card").mkdir(parents=True)
    (lib / "techniques" / "neck-glide.yaml").write_text(technique)
    (lib / "techniques" / "routines" / "evening.yaml").write_text(routine)
    (lib / "layouts" / "my-card" / "layout.yaml").write_text(layout)
    (lib / "layouts" / "my-card" / "title.j2").write_text(snippet)
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 0, result.output
    result = run("--library", lib, "card", "evening", "--layout", "my-card", "-o", "e.pdf")
    assert result.exit_code == 0, result.output
    from tests.helpers import page_texts

    front = page_texts(tmp_path / "e.pdf")[0]
    assert "For Sam: Evening wind-down" in front and "Neck glide" in front
