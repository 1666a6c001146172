"""Shared fixtures: a CLI runner, PDF readers and rasterizers, user-library builders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from booklet.cli import cli


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke the CLI in a temporary folder; returns click's Result."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOOKLET_LIBRARY", raising=False)
    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def make_library(tmp_path):
    """Write a user library from {relative path: text} and return its folder."""

    def make(files: dict[str, str], name: str = "lib") -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        root.mkdir(exist_ok=True)
        return root

    return make
