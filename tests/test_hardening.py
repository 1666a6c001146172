"""Hostile files, full disks and odd text: every failure is our own clear error, files intact."""

from __future__ import annotations

import errno
import os
import time

import pytest

from booklet.base.errors import BookletError
from booklet.data.yamlfile import parse_yaml
from tests.helpers import page_texts, technique_yaml, text_rects


def test_snippet_linking_outside_its_folder_is_refused(run, make_library, tmp_path):
    lib = make_library({"layouts/mine/layout.yaml": "extends: bedside\n"})
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (lib / "layouts" / "mine" / "title.j2").symlink_to(secret)
    result = run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: lib/layouts/mine/title.j2: snippet links to a file outside its layout folder, "
        "which is not allowed. Copy the file into the folder instead.\n"
    )
    assert not (tmp_path / "x.pdf").exists()


def test_full_disk_leaves_the_previous_pdf_and_no_temp_file(run, tmp_path, monkeypatch):
    assert run("card", "-o", "c.pdf").exit_code == 0
    before = (tmp_path / "c.pdf").read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("booklet.base.files.os.fsync", full)
    result = run("card", "gentle", "-o", "c.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: c.pdf: could not write: the disk is full. The previous file, if any, is "
        "unchanged.\n"
    )
    assert (tmp_path / "c.pdf").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pdf"]


def test_bad_glyph_leaves_the_previous_pdf(run, make_library, tmp_path):
    lib = make_library({"techniques/odd.yaml": technique_yaml("Odd \U0001d11e stroke")})
    assert run("card", "-o", "c.pdf").exit_code == 0
    before = (tmp_path / "c.pdf").read_bytes()
    result = run("--library", lib, "card", "-t", "odd", "-o", "c.pdf")
    assert result.exit_code == 2 and "'\U0001d11e' (U+1D11E) cannot be printed" in result.stderr
    assert (tmp_path / "c.pdf").read_bytes() == before


def test_read_only_folder_is_a_clear_error(run, tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    real = os.access
    monkeypatch.setattr(
        "booklet.base.files.os.access",
        lambda p, mode: False if str(p).endswith("locked") else real(p, mode),
    )
    result = run("card", "-o", "locked/c.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: locked/c.pdf: folder 'locked' is not writable. Choose another path.\n"
    )


def test_very_long_words_wrap_inside_the_card(run, make_library, tmp_path):
    word = "Supercalifragilisticexpialidocious" * 3
    lib = make_library({"techniques/long.yaml": technique_yaml("Long", summary=word)})
    result = run("--library", lib, "card", "-t", "long", "--size", "4x6", "-o", "l.pdf")
    assert result.exit_code == 0, result.output
    for left, _, right, _ in text_rects(tmp_path / "l.pdf"):
        assert left >= 8.5 and right <= 288 - 8.5
    assert "Supercalifragilistic" in page_texts(tmp_path / "l.pdf")[0]


def test_control_characters_are_refused_not_printed(run, make_library):
    lib = make_library({"techniques/ctl.yaml": technique_yaml('"Bell\\a stroke"')})
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    assert "name: contains the control character U+0007, which cannot be printed." in result.stderr


def test_limits_on_steps_text_and_file_size(run, make_library, tmp_path):
    many = "".join(f"\n  - Step number {i}." for i in range(60))
    long_text = "word " * 200
    lib = make_library(
        {
            "techniques/many.yaml": technique_yaml("Many", steps=many),
            "techniques/wordy.yaml": technique_yaml("Wordy", summary=long_text),
        }
    )
    (lib / "techniques" / "huge.yaml").write_text("name: x\n" + "# pad\n" * 60000)
    result = run("validate", lib)
    lines = result.stderr.removeprefix("Error: ").splitlines()
    assert result.exit_code == 2
    assert any("huge.yaml: file is 351 KiB; data files are limited to 256 KiB." in x for x in lines)
    assert any("many.yaml:6: steps: has 60 items; the limit is 40." in x for x in lines)
    assert any(
        "wordy.yaml:2: summary: is 999 characters long; the limit is 200." in x for x in lines
    )


def test_deep_nesting_and_alias_bombs_are_refused_fast(tmp_path):
    started = time.perf_counter()
    deep = "a: " + "[" * 200 + "]" * 200
    with pytest.raises(BookletError) as err:
        parse_yaml(deep, tmp_path / "deep.yaml")
    assert "nested more than 24 levels deep" in str(err.value)
    bomb = 'a: &a ["lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(20)
    )
    with pytest.raises(BookletError) as err:
        parse_yaml(bomb, tmp_path / "bomb.yaml")
    assert "YAML aliases (*name) are not supported" in str(err.value)
    assert time.perf_counter() - started < 1.0
