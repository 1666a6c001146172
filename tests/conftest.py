"""Shared fixtures: a CLI runner, PDF readers and rasterizers, user-library builders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from booklet.cli.main import cli


@pytest.fixture(autouse=True)
def every_pdf_written_is_valid(tmp_path):
    """After each test, every PDF it left in its folder must pass `qpdf --check`."""
    yield
    import shutil

    from tests.helpers import qpdf_check

    if shutil.which("qpdf") is None and not __import__("os").environ.get("CI"):
        return
    for pdf in sorted(tmp_path.rglob("*.pdf")):
        if pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-":
            qpdf_check(pdf)


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


# Fuzzing profiles: "ci" is quick and derandomized (a fixed seed, same cases every run); run the
# long one on demand with BOOKLET_FUZZ=long pytest tests/test_fuzz.py
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "long",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(__import__("os").environ.get("BOOKLET_FUZZ", "ci"))
