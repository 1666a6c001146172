"""One request model: a batch variant and the same options on the command line give the same
PDF, byte for byte, or the same error, named the way each user wrote the option."""

from __future__ import annotations

import re

import pytest

# (name, kind, batch options as YAML flow mapping, command-line arguments)
SAME_PDF = [
    ("quoted-false-landscape", "card", '{landscape: "false"}', []),
    ("landscape-a5", "card", "{landscape: true, size: a5}", ["--landscape", "--size", "a5"]),
    ("quoted-no-crop-marks", "card", '{crop_marks: "no", bleed: 3mm}', ["--bleed", "3mm"]),
    ("crop-marks-yes", "card", '{crop_marks: "yes", bleed: 3mm}',
     ["--bleed", "3mm", "--crop-marks"]),
    ("one-side-as-text", "card", '{sides: "1", layout: bedside}', ["--sides", "1"]),
    ("title-spaces-folded", "card", '{title: "  For   Sam  "}', ["--title", "For Sam"]),
    ("sheet-and-offset", "card", "{sheet: A4, back_offset: '1mm,-0.5mm'}",
     ["--sheet", "a4", "--back-offset", "1mm,-0.5mm"]),
    ("book-dedicated", "book", "{for: Sam, from: Alex, message: Sundays}",
     ["--for", "Sam", "--from", "Alex", "--message", "Sundays"]),
    ("book-imposed", "book", "{impose: saddle, sheet: a4, creep: 0.3mm}",
     ["--impose", "saddle", "--sheet", "a4", "--creep", "0.3mm"]),
    ("card-cmyk", "card", "{colour: CMYK, sheet: letter}",
     ["--colour", "cmyk", "--sheet", "letter"]),
    ("book-print-shop", "book", "{bleed: 3mm, crop_marks: yes, colour: cmyk}",
     ["--bleed", "3mm", "--crop-marks", "--colour", "cmyk"]),
    ("book-paper", "book", "{impose: saddle, paper_thickness: 0.1mm, fit_sheet: true}",
     ["--impose", "saddle", "--paper-thickness", "0.1mm", "--fit-sheet"]),
]  # fmt: skip

SAME_ERROR = [
    ("bleed-too-large", "card", "{bleed: 3in}", ["--bleed", "3in"], "bleed"),
    ("bleed-without-unit", "card", "{bleed: 3}", ["--bleed", "3"], "bleed"),
    ("blank-title", "card", '{title: " "}', ["--title", " "], "title"),
    ("creep-without-impose", "book", "{creep: 1mm}", ["--creep", "1mm"], "creep"),
    ("unknown-size", "card", "{size: 4x}", ["--size", "4x"], "size"),
    ("three-sides", "card", "{sides: 3}", ["--sides", "3"], "sides"),
    ("colour-rgbk", "card", "{colour: rgbk}", ["--colour", "rgbk"], "colour"),
    (
        "paper-too-thick",
        "book",
        "{impose: saddle, paper_thickness: 1mm}",
        ["--impose", "saddle", "--paper-thickness", "1mm"],
        "paper_thickness",
    ),
    ("bad-offset", "card", "{back_offset: 1mm}", ["--back-offset", "1mm"], "back_offset"),
]


def run_both(run, tmp_path, kind, options, args):
    """The options as one batch variant, and as command-line arguments."""
    inner = options.strip()[1:-1]
    (tmp_path / "b.yaml").write_text(
        f"defaults: {{kind: {kind}, routine: gentle}}\nvariants:\n"
        f"  - {{name: v, output: v.pdf, {inner}}}\n"
    )
    batch = run("batch", "b.yaml", "-o", "out", "--jobs", "1")
    cli = run(kind, "gentle", *args, "-o", "cli.pdf")
    return batch, cli


@pytest.mark.parametrize(
    ("name", "kind", "options", "args"), SAME_PDF, ids=[c[0] for c in SAME_PDF]
)
def test_batch_and_command_line_make_the_same_pdf(run, tmp_path, name, kind, options, args):
    batch, cli = run_both(run, tmp_path, kind, options, args)
    assert batch.exit_code == 0, batch.output
    assert cli.exit_code == 0, cli.output
    assert (tmp_path / "out" / "v.pdf").read_bytes() == (tmp_path / "cli.pdf").read_bytes()


@pytest.mark.parametrize(
    ("name", "kind", "options", "args", "key"), SAME_ERROR, ids=[c[0] for c in SAME_ERROR]
)
def test_batch_and_command_line_give_the_same_error(run, tmp_path, name, kind, options, args, key):
    batch, cli = run_both(run, tmp_path, kind, options, args)
    assert batch.exit_code == cli.exit_code == 2
    flag = "--" + key.replace("_", "-")
    cli_error = cli.stderr.splitlines()[-1]
    match = re.fullmatch(rf"Error: {flag}: (.+)", cli_error)
    assert match, cli_error
    failed = next(line for line in batch.output.splitlines() if line.startswith("failed"))
    batch_match = re.fullmatch(rf"failed  v \(v\.pdf\): b\.yaml:3: {key}: (.+)", failed)
    assert batch_match, failed
    assert batch_match.group(1) == match.group(1)
    assert "--" not in failed  # the batch user never typed a flag
