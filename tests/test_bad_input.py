"""Every command's answer to bad input, in one reviewable table: arguments, exit code, message.

Each row runs in an empty folder (with `bad-batch.yaml`, a batch whose variants are a number).
The message is the last line the command prints to stderr; none of them is a traceback.
"""

from __future__ import annotations

import shlex

import pytest

TABLE = [
    (
        "techniques --jsn",
        2,
        "Error: No such option '--jsn'. Did you mean '--json'? See `booklet techniques --help`.",
    ),
    (
        "routines extra",
        2,
        "Error: Got unexpected extra argument (extra) See `booklet routines --help`.",
    ),
    (
        "languages xx",
        2,
        "Error: lang: no language 'xx'. Known: en, ar, de, es, fr, he, pt. See "
        "`booklet languages`; to add one, see the README's Languages section.",
    ),
    ("show", 2, "Error: Missing argument 'ID'. See `booklet show --help`."),
    (
        "show nope",
        2,
        "Error: no technique or routine 'nope'. See `booklet techniques` and `booklet routines`.",
    ),
    ("validate", 2, "Error: Missing argument 'PATHS...'. See `booklet validate --help`."),
    ("validate missing.yaml", 2, "Error: missing.yaml: no such file or folder. Check the path."),
    (
        "layouts --json x",
        2,
        "Error: Got unexpected extra argument (x) See `booklet layouts --help`.",
    ),
    ("diagram", 2, "Error: Missing argument 'TECHNIQUE'. See `booklet diagram --help`."),
    (
        "serve --port 0",
        2,
        "Error: --port: 0 is not in the range 1<=x<=65535. See `booklet serve --help`.",
    ),
    (
        "example brochure",
        2,
        "Error: NAME: 'brochure' is not one of 'batch', 'clients'. See `booklet example --help`.",
    ),
    (
        "example batch -o bad-batch.yaml",
        2,
        "Error: bad-batch.yaml: already exists. Remove it, or give another name with -o.",
    ),
    (
        "diagram raking -o x.txt",
        2,
        "Error: x.txt: cannot tell the format from 'x.txt'. End the name in .pdf, .png or .svg.",
    ),
    ("diagram raking --size 0.1in", 2, "Error: --size must be between 0.5in and 20in."),
    (
        "diagram raking --size big",
        2,
        "Error: --size: length 'big' is not a length. Write a number with a "
        "unit: 0.125in, 3mm, 9pt or 1cm. See `booklet diagram --help`.",
    ),
    (
        "card nope",
        2,
        "Error: no routine 'nope'. Known: classic, gentle, short. See `booklet routines`.",
    ),
    (
        "card --size 4x",
        2,
        "Error: --size: '4x' is not known. Use 3x5, 4x6, 5x7, a7, a6, a5, "
        "half-letter, or WxH with units such as 100x150mm.",
    ),
    (
        "card --bleed 2in",
        2,
        "Error: --bleed: 2in is more than 0.5in. Use 0 to 0.5in.",
    ),
    (
        "card --bleed lots",
        2,
        "Error: --bleed: 'lots' is not a length. Write a number with a "
        "unit: 0.125in, 3mm, 9pt or 1cm.",
    ),
    ("card --sides 3", 2, "Error: --sides: '3' is not 1 or 2. Use 1 or 2."),
    (
        "card --sheet legal",
        2,
        "Error: --sheet: 'legal' is not one of: letter, a4, a3, tabloid, a5. Use one of those.",
    ),
    (
        "card --layout gift",
        2,
        "Error: layout 'gift' is a booklet layout, not a card layout. Choose a card layout such "
        "as bedside (see the layouts list).",
    ),
    (
        "card --back-offset 1mm",
        2,
        "Error: --back-offset: '1mm' needs two lengths, X,Y, such as 1mm,-0.5mm.",
    ),
    (
        "card -t raking -t nope",
        2,
        "Error: no technique 'nope'. Known: circling-hands, fan-stroke, petrissage, raking. See "
        "`booklet techniques`.",
    ),
    (
        "card --layout large-print --size 3x5",
        2,
        "Error: the front of the 'large-print' card does not fit on 3x5: it needs 1356 pt of "
        "height but has 335 pt, even at the smallest legible size (16 pt). Use a larger size "
        "(e.g. letter), fewer techniques, or another layout (compact fits more).",
    ),
    (
        "book --layout bedside",
        2,
        "Error: layout 'bedside' is a card layout, not a booklet layout. Choose a booklet layout "
        "such as gift (see the layouts list).",
    ),
    (
        "book --impose fold",
        2,
        "Error: --impose: 'fold' is not one of: saddle. Use one of those.",
    ),
    (
        "book --creep 1mm",
        2,
        "Error: --creep: applies only to a booklet imposed for saddle "
        "stitching; impose the booklet (saddle) or leave it out.",
    ),
    (
        "book --size 1x1in",
        2,
        "Error: a booklet page of 1.00 x 1.00 in is too small to read; use at least 2.5 x 3.25 in "
        "(A7 or larger).",
    ),
    (
        "book --message ''",
        2,
        "Error: --message: is empty. Give some text or leave it out.",
    ),
    ("batch missing.yaml", 2, "Error: missing.yaml: file not found. Check the path."),
    (
        "batch bad-batch.yaml",
        2,
        "Error: bad-batch.yaml:1: variants: expected a list of variants or a CSV file's name, "
        "got a number (3).",
    ),
    (
        "calibrate --sheet a3",
        2,
        "Error: --sheet: 'a3' is not one of 'letter', 'a4'. See `booklet calibrate --help`.",
    ),
    ("init", 2, "Error: Missing argument 'FOLDER'. See `booklet init --help`."),
    (
        "init bad-batch.yaml",
        2,
        "Error: FOLDER: Directory 'bad-batch.yaml' is a file. See `booklet init --help`.",
    ),
    (
        "new thing x",
        2,
        "Error: KIND: 'thing' is not one of 'technique', 'routine'. See `booklet new --help`.",
    ),
    (
        "new technique Bad_Id",
        2,
        "Error: 'Bad_Id' is not a valid id: use lower-case letters, digits and single hyphens "
        "(e.g. 'bad-id'). Choose another id.",
    ),
    (
        "--library nowhere techniques",
        2,
        "Error: nowhere: library folder not found. Create it with `booklet init` or fix the path.",
    ),
]


@pytest.mark.parametrize(("args", "code", "message"), TABLE, ids=[row[0] for row in TABLE])
def test_bad_input(run, tmp_path, args, code, message):
    (tmp_path / "bad-batch.yaml").write_text("variants: 3\n")
    result = run(*shlex.split(args))
    assert result.exit_code == code
    assert result.stderr.rstrip("\n").splitlines()[-1] == message
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.pdf"))  # nothing written


def test_the_table_covers_every_command():
    from booklet.cli.main import cli

    covered = {shlex.split(args)[0] for args, _, _ in TABLE}
    assert set(cli.commands) <= covered


def test_the_least_booklet_size_is_said_as_it_is(run):
    """2.5 x 3.2 in is refused as too small, and the message names the least size exactly
    (3.25 in, not the 3.2 it was rounded down to, which would itself be refused)."""
    result = run("book", "--size", "2.5x3.2in", "-o", "x.pdf")
    assert result.exit_code == 2
    assert "use at least 2.5 x 3.25 in (A7 or larger)." in result.stderr
    assert run("book", "--size", "a7", "-o", "y.pdf").exit_code == 0
