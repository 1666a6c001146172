"""The built-in library, user libraries stacked over it, and the listing commands."""

from __future__ import annotations

import json
import re

from booklet.data.library import load_library
from booklet.data.model import PRESSURE_LEVELS, plan_routine, pressure_rank
from tests.helpers import REPO, technique_yaml

FOUR = {"fan-stroke", "circling-hands", "petrissage", "raking"}


def test_techniques_json_lists_the_four_with_pressure(run):
    result = run("techniques", "--json")
    assert result.exit_code == 0
    data = {t["id"]: t for t in json.loads(result.output)}
    assert set(data) == FOUR
    assert {t["pressure"] for t in data.values()} <= set(PRESSURE_LEVELS)
    assert data["fan-stroke"]["pressure"] == "moderate"
    assert data["circling-hands"]["pressure"] == "gentle"
    assert all(t["origin"] == "built-in" for t in data.values())


def test_routines_table_shows_classic_with_total(run):
    result = run("routines")
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if x.startswith("classic "))
    assert re.search(r"\b4\s+20\s+built-in$", line), line


def test_builtin_routines_meet_their_briefs():
    lib = load_library()
    plans = {rid: plan_routine(r, lib.techniques) for rid, r in lib.routines.items()}
    assert {s.technique.id for s in plans["classic"].steps} == FOUR
    assert 18 <= plans["classic"].total_minutes <= 22
    assert 8 <= plans["short"].total_minutes <= 12
    assert max(pressure_rank(s.pressure) for s in plans["gentle"].steps) <= pressure_rank("gentle")


def test_every_builtin_technique_is_complete_and_avoids_the_spine():
    lib = load_library()
    for tech in lib.techniques.values():
        assert tech.avoids_spine, tech.id
        assert tech.steps and tech.cautions and tech.summary and tech.pressure_note, tech.id
        assert tech.diagram is not None and tech.diagram.strokes, tech.id
        assert tech.source, tech.id
    setting = lib.require_setting()
    assert "spine" in setting.spine_warning.lower()
    assert "substitute" in setting.disclaimer.lower()


def test_no_sentence_is_copied_from_the_source_page():
    """Facts, not sentences: no run of eight words from the source appears in our data."""
    source = REPO.parent / "shared" / "reference" / "000_3c2c147ec41aafe6.txt"
    if not source.exists():  # the reference sits beside the clone in CI and on dev machines
        import pytest

        pytest.skip("shared/reference is not beside this checkout")
    words = re.findall(r"[a-z']+", source.read_text(encoding="utf-8").lower())
    runs = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
    for path in [*REPO.glob("techniques/**/*.yaml"), *REPO.glob("layouts/**/*")]:
        if path.is_file():
            ours = re.findall(r"[a-z']+", path.read_text(encoding="utf-8").lower())
            mine = {" ".join(ours[i : i + 8]) for i in range(len(ours) - 7)}
            assert not (mine & runs), (path, sorted(mine & runs)[:3])


def test_user_library_overrides_builtin_and_shows_origin(run, make_library):
    lib = make_library(
        {
            "techniques/raking.yaml": technique_yaml("My raking"),
            "techniques/neck-glide.yaml": technique_yaml("Neck glide"),
            "techniques/routines/evening.yaml": """
                title: Evening
                steps: [neck-glide, raking, fan-stroke]
            """,
        }
    )
    result = run("--library", lib, "techniques", "--json")
    assert result.exit_code == 0, result.output
    data = {t["id"]: t for t in json.loads(result.output)}
    assert data["raking"]["name"] == "My raking"
    assert data["raking"]["origin"] == str(lib)
    assert data["neck-glide"]["origin"] == str(lib)
    assert data["fan-stroke"]["origin"] == "built-in"
    routines = run("--library", lib, "routines", "--json")
    evening = next(r for r in json.loads(routines.output) if r["id"] == "evening")
    assert evening["total_minutes"] == 3 + 3 + 5


def test_later_library_wins_and_env_var_is_read(run, make_library, monkeypatch):
    first = make_library({"techniques/raking.yaml": technique_yaml("First")}, "one")
    second = make_library({"techniques/raking.yaml": technique_yaml("Second")}, "two")
    result = run("--library", first, "--library", second, "show", "raking")
    assert result.output.startswith("Second")
    import os

    monkeypatch.setenv("BOOKLET_LIBRARY", f"{first}{os.pathsep}{second}")
    result = run("show", "raking")
    assert result.output.startswith("Second"), result.output


def test_broken_user_library_is_reported_not_crashed(run, make_library):
    lib = make_library({"techniques/bad.yaml": technique_yaml(pressure="hard")})
    result = run("--library", lib, "techniques")
    assert result.exit_code == 2
    assert "bad.yaml:4: pressure: Pressure 'hard' is not a level." in result.stderr


def test_missing_library_folder(run):
    result = run("--library", "nope", "techniques")
    assert result.exit_code == 2
    assert "nope: library folder not found" in result.stderr


def test_show_technique_and_routine(run):
    tech = run("show", "petrissage")
    assert tech.exit_code == 0
    assert "Pétrissage" in tech.output and "##... gentle" in tech.output
    routine = run("show", "classic")
    assert "Total  20 minutes" in routine.output


def test_show_speaks_the_language_asked_for(run):
    """`show` in --lang's words: labels, levels, zones and lists (not "dorsal ancho and
    trapecio")."""
    tech = run("show", "fan-stroke", "--lang", "es")
    assert tech.exit_code == 0
    assert "Presión:" in tech.output and "Pressure" not in tech.output
    assert "Trabaja:   dorsal ancho y trapecio" in tech.output
    assert "Dónde no presionar  columna" in tech.output
    routine = run("--lang", "de", "show", "classic")
    assert "Gesamt  20 Minuten" in routine.output


def test_show_unknown_suggests(run):
    result = run("show", "rakin")
    assert result.exit_code == 2
    assert "no technique or routine 'rakin'. Did you mean 'raking'?" in result.stderr


def test_version_and_module_entry_point():
    import subprocess
    import sys

    from booklet import __version__

    done = subprocess.run(
        [sys.executable, "-m", "booklet", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"booklet, version {__version__}"


def test_internal_error_is_short_and_debug_shows_traceback(run, monkeypatch):
    import booklet.data.library

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(booklet.data.library, "load_library", boom)
    result = run("techniques")
    assert result.exit_code == 1
    assert "internal error: RuntimeError: kaboom" in result.stderr
    assert "Traceback" not in result.output
    import pytest

    with pytest.raises(RuntimeError):
        run("--debug", "techniques")
