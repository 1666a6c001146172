"""What users met when the doors drifted apart (issue "One door"), one named test each."""

from __future__ import annotations

import pytest

from tests.helpers import page_texts


def test_the_default_names_of_different_products_differ(run, tmp_path):
    """`booklet card --lang es` used to replace the English card."""
    outputs = [
        run("card").stdout.strip(),
        run("card", "--lang", "es").stdout.strip(),
        run("card", "--client", "Maria Lopez").stdout.strip(),
        run("card", "--sides", "1").stdout.strip(),
        run("card", "--back", "log").stdout.strip(),
        run("card", "--colour", "cmyk").stdout.strip(),
        run("card", "--bleed", "3mm").stdout.strip(),
        run("book", "--for", "Sam").stdout.strip(),
    ]
    assert outputs == [
        "classic-bedside-5x7.pdf",
        "classic-bedside-5x7-es.pdf",
        "classic-bedside-5x7-client-Maria-Lopez.pdf",
        "classic-bedside-5x7-front-only.pdf",
        "classic-bedside-5x7-back-log.pdf",
        "classic-bedside-5x7-cmyk.pdf",
        "classic-bedside-5x7-bleed-3mm.pdf",
        "classic-gift-a5-for-Sam.pdf",
    ]
    assert all((tmp_path / name).is_file() for name in outputs)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["card", "--size", "4x"], "Error: --size: '4x' is not known."),
        (["card", "--bleed", "3in"], "Error: --bleed: 3in is more than 0.5in."),
        (["card", "--date", "24/11/2026"], "Error: --date: '24/11/2026' is not a date."),
        (["card", "--link", "ftp://x.org"], "Error: --link: 'ftp://x.org' "),
        (["card", "--minutes", "0"], "Error: --minutes: '0' is not a number from 1 to 240."),
        (["card", "--sheet", "legal"], "Error: --sheet: 'legal' is not one of: letter, a4,"),
        (["card", "-o", "."], "Error: -o: File '.' is a directory. See `booklet card --help`."),
        (["--lang", "xx", "card"], "Error: --lang: no language 'xx'."),
        (["card", "nope"], "Error: no routine 'nope'."),
    ],
    ids=["size", "bleed", "date", "link", "minutes", "sheet", "output-folder", "lang", "routine"],
)
def test_every_error_is_one_line_in_one_shape(run, args, line):
    result = run(*args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(line), result.stderr


def test_a_value_that_looks_like_a_flag_is_the_value(run, tmp_path):
    """`book --message -v -o m.pdf` was read as verbose, with a routine named m.pdf."""
    result = run("book", "--message", "-v", "-o", "m.pdf")
    assert result.exit_code == 0, result.output
    assert "-v" in "".join(page_texts(tmp_path / "m.pdf"))


def test_common_options_work_after_the_command(run, tmp_path):
    result = run("card", "--lang", "ES", "-q", "-o", "es.pdf")
    assert result.exit_code == 0 and result.output == ""
    assert "Masaje de espalda" in page_texts(tmp_path / "es.pdf")[0]


def test_quiet_quiets_init_new_and_notes(run):
    assert run("-q", "init", "lib").output == ""
    assert run("new", "routine", "sunday", "--in", "lib", "-q").output == ""
    imposed = run("book", "--impose", "saddle", "--paper-thickness", "0.1mm", "-q")
    assert imposed.exit_code == 0 and imposed.output == ""
    loud = run("book", "--impose", "saddle", "--paper-thickness", "0.1mm", "-o", "b.pdf")
    assert "Note: creep:" in loud.stderr


def test_max_pressure_help_names_every_level_it_takes(run):
    text = " ".join(run("card", "--help").stdout.split())
    assert "light, gentle, moderate, firm, deep" in text


def test_show_suggests_by_part_of_a_name(run):
    result = run("show", "fan")
    assert result.exit_code == 2
    assert "Did you mean 'fan-stroke'?" in result.stderr


def test_init_into_a_path_through_a_file_is_one_line(run, tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    result = run("init", "afile/lib")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: afile: is a file, not a folder; nothing was written. Choose another folder.\n"
    )


def test_the_example_batch_names_the_file_it_is_written_to(run, tmp_path):
    assert run("example", "batch").exit_code == 0
    text = (tmp_path / "batch.yaml").read_text()
    assert "booklet batch batch.yaml -o out" in text
    assert "examples/batch.yaml" not in text


def test_calibrate_speaks_the_language_asked_for(run, tmp_path):
    assert run("calibrate", "--lang", "de", "-o", "c.pdf").exit_code == 0
    front, back = page_texts(tmp_path / "c.pdf")
    assert "Test der Duplex-Ausrichtung: Vorderseite" in front
    assert "Rückseite" in back and "Duplex alignment" not in front + back
