"""Named sample inputs and their expected pages (tests/samples): the specification of what each
kind of output holds, page by page: its size, trim box and lines of text. After a change that
is meant to alter them, run `python tools/samples.py` and review the diff."""

from __future__ import annotations

import importlib.util
import json
import shlex

import pytest

from tests.helpers import REPO

SAMPLES = sorted(p for p in (REPO / "tests" / "samples").iterdir() if (p / "args.txt").is_file())
_spec = importlib.util.spec_from_file_location("samples_tool", REPO / "tools" / "samples.py")
assert _spec is not None and _spec.loader is not None
samples_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples_tool)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_pages_are_as_expected(run, tmp_path, sample):
    args = shlex.split((sample / "args.txt").read_text(encoding="utf-8"))
    result = run(*args, "-o", "out.pdf")
    assert result.exit_code == 0, result.output
    expected = json.loads((sample / "expected.json").read_text(encoding="utf-8"))
    actual = samples_tool.describe(tmp_path / "out.pdf")
    assert len(actual) == len(expected), "page count"
    for number, (got, want) in enumerate(zip(actual, expected, strict=True), start=1):
        assert got == want, f"{sample.name}, page {number} (run python tools/samples.py if meant)"
