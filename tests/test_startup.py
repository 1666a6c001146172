"""Start-up stays lean: what each kind of command imports (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from booklet.cli.main import main
sys.argv = ["booklet", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = ("reportlab", "reportlab.platypus", "jinja2", "yaml", "PIL")
print(json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr)
"""


def imported(*args: str, cwd) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [("--help",), ("card", "--help"), ("batch", "--help")])
def test_help_imports_no_engine(args, tmp_path):
    assert imported(*args, cwd=tmp_path) == []


def test_listing_reads_data_without_reportlab(tmp_path):
    assert "reportlab" not in imported("techniques", cwd=tmp_path)


CARD_PROBE = """
import json, sys
from booklet.data.library import load_library
from booklet.products.card import CardRequest, render_card
library = load_library([])
render_card(library, library.plan("classic"), CardRequest())
heavy = ("reportlab", "reportlab.platypus", "jinja2", "yaml", "PIL")
print(json.dumps([m for m in heavy if m in sys.modules]))
"""


def test_a_card_needs_no_platypus(tmp_path):
    """Cards set their own text; only booklets use ReportLab's platypus (measured where the
    card is drawn: the jail's child renders it, so the probe draws one in a fresh process)."""
    done = subprocess.run(
        [sys.executable, "-c", CARD_PROBE], capture_output=True, text=True, cwd=tmp_path
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "reportlab" in loaded and "jinja2" in loaded
    assert "reportlab.platypus" not in loaded


def test_the_command_line_draws_nothing_itself(tmp_path):
    """`booklet card` leaves the drawing to the jail: the parent never imports ReportLab."""
    loaded = imported("card", "-o", "c.pdf", cwd=tmp_path)
    assert "reportlab" not in loaded
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF-")
