"""The command line as Python users expect it: options anywhere, quiet and verbose, completion."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BOOKLET = [sys.executable, "-m", "booklet"]


def test_global_options_after_the_command(run, make_library, tmp_path):
    lib = make_library({"layouts/mine/layout.yaml": "extends: compact\n"})
    before = run("--library", lib, "card", "--layout", "mine", "-o", "a.pdf")
    after = run("card", "--layout", "mine", "-o", "b.pdf", "--library", str(lib))
    assert before.exit_code == after.exit_code == 0, after.output
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_quiet_prints_nothing_and_verbose_says_what_was_made(run, tmp_path):
    quiet = run("-q", "card", "-o", "q.pdf")
    assert quiet.exit_code == 0 and quiet.output == ""
    loud = run("card", "-o", "v.pdf", "-v")
    assert loud.stdout == "v.pdf\n"
    assert loud.stderr.startswith("v.pdf: 2 page(s), ") and " KB, in " in loud.stderr


def test_quiet_and_verbose_together_are_refused(run):
    result = run("-q", "-v", "card")
    assert result.exit_code == 2
    assert "give -q or -v, not both." in result.stderr


def test_default_outputs_say_what_they_hold(run, tmp_path):
    assert run("card", "gentle", "--size", "a5").stdout == "gentle-bedside-a5.pdf\n"
    assert run("card", "-t", "raking", "--layout", "compact").stdout == ("raking-compact-3x5.pdf\n")
    assert run("card", "--sheet", "a4").stdout == "classic-bedside-5x7-on-a4.pdf\n"
    assert run("book").stdout == "classic-gift-a5.pdf\n"


def test_previews_of_a_shorter_pdf_leave_no_stale_pages(run, tmp_path):
    assert run("card", "-o", "c.pdf", "--png").exit_code == 0
    assert (tmp_path / "c-2.png").is_file()
    result = run("card", "--sides", "1", "-o", "c.pdf", "--png")
    assert result.stdout.splitlines() == ["c.pdf", "c-1.png"]
    assert not (tmp_path / "c-2.png").exists()


def _complete(words: str, tmp_path) -> list[str]:
    env = {
        **os.environ,
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        "_BOOKLET_COMPLETE": "bash_complete",
    }
    done = subprocess.run(BOOKLET, env=env, cwd=tmp_path, capture_output=True, text=True)
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("booklet card g", ["gentle"]),
        ("booklet card --layout c", ["compact"]),
        ("booklet card -t p", ["petrissage"]),
        ("booklet card --size a", ["a7", "a6", "a5", "a4"]),
        ("booklet book --layout g", ["gift"]),
        ("booklet diagram r", ["raking"]),
    ],
)
def test_names_complete_in_the_shell(tmp_path, words, expected):
    assert _complete(words, tmp_path) == expected


def test_completion_reads_the_library_given(make_library, tmp_path):
    make_library({"layouts/my-own/layout.yaml": "extends: compact\n"})
    assert _complete("booklet --library lib card --layout my", tmp_path) == ["my-own"]


def test_serve_without_the_web_extra_says_how_to_install_it(run, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    result = run("serve", "--no-browser")
    assert result.exit_code == 2
    assert "pip install 'massage-booklet[web]'" in result.stderr


def test_serve_warns_when_it_listens_beyond_this_computer(run, monkeypatch):
    import booklet.web.server

    calls = []

    def not_served(app, host, port):
        calls.append((host, port))
        app.pool.close()

    monkeypatch.setattr(booklet.web.server, "run", not_served)
    result = run("serve", "--host", "0.0.0.0", "--port", "9911", "--no-browser")
    assert result.exit_code == 0, result.output
    assert "Warning: listening on 0.0.0.0" in result.stderr
    assert calls == [("0.0.0.0", 9911)]


def test_the_lang_help_names_every_built_in_language(run):
    """The help is written by hand (reading the library for --help would slow every start):
    this keeps it true when a language is added."""
    from tests.helpers import REPO

    built_in = sorted(
        p.name for p in (REPO / "techniques").iterdir() if p.is_dir() and len(p.name) == 2
    )
    help_text = " ".join(run("card", "--help").output.split())
    listed = help_text.split("The language to print in: ")[1].split(", or one")[0]
    assert sorted(code.split()[0] for code in listed.split(", ")) == sorted(["en", *built_in])
