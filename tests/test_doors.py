"""One door: every option of the catalogue, given through the command line, a batch file, the
page's form and the Python API, makes the same PDF, byte for byte.

The command line's flags and the batch's keys are written here from the catalogue itself (its
keys and flags), so an option added to the catalogue without a row in EVERY fails the coverage
test below; the page takes the options it shows as fields of the same names.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from booklet.products.options import BY_KEY, keys_for

LOGO = "logo.png"
IMPOSED = {"impose": "saddle"}
# (product, key, value, the other options it needs to mean anything)
EVERY: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("card", "layout", "compact", {}),
    ("card", "size", "a5", {}),
    ("card", "title", "Sam's evening card", {}),
    ("card", "subtitle", "Sunday evenings", {}),
    ("card", "for", "Sam", {}),
    ("card", "from", "Alex", {}),
    ("card", "message", "For Sunday evenings.", {"for": "Sam"}),
    ("card", "landscape", True, {"size": "a5"}),  # the bedside card turns at A5
    ("card", "sides", "1", {}),
    ("card", "back", "log", {}),
    ("card", "bleed", "3mm", {}),
    ("card", "crop_marks", True, {"bleed": "3mm"}),
    ("card", "sheet", "letter", {}),
    ("card", "flip", "short", {"sheet": "letter"}),
    ("card", "back_offset", "1mm,-0.5mm", {"sheet": "letter"}),
    ("card", "colour", "cmyk", {}),
    ("card", "pdfx", True, {}),
    ("card", "client", "Maria Lopez", {}),
    ("card", "therapist", "Ana Ruiz, LMT", {}),
    ("card", "contact", "555-0100 · ana@example.org", {}),
    ("card", "logo", LOGO, {"therapist": "Ana Ruiz, LMT"}),
    ("card", "date", "2026-11-24", {"client": "Maria Lopez"}),
    ("card", "note", "Go gently on the left shoulder.", {"client": "Maria Lopez"}),
    ("card", "link", "https://example.org/routines/gentle", {}),
    ("card", "max_pressure", "light", {}),
    ("card", "minutes", "12", {}),
    ("book", "layout", "gift", {}),
    ("book", "size", "a6", {}),
    ("book", "title", "Sunday evenings", {}),
    ("book", "subtitle", "Sunday evenings", {}),
    ("book", "for", "Sam", {}),
    ("book", "from", "Alex", {}),
    ("book", "message", "For Sunday evenings.", {"for": "Sam"}),
    ("book", "sign_off", "warmly", {"from": "Alex"}),
    ("book", "bleed", "3mm", {}),
    ("book", "crop_marks", True, {"bleed": "3mm"}),
    ("book", "sheet", "a4", IMPOSED),
    ("book", "impose", "saddle", {}),
    ("book", "fit_sheet", True, {**IMPOSED, "sheet": "a5"}),
    ("book", "paper_thickness", "0.1mm", IMPOSED),
    ("book", "creep", "0.8mm", IMPOSED),
    ("book", "binding", "right", {}),
    ("book", "colour", "cmyk", {}),
    ("book", "pdfx", True, {}),
    ("book", "client", "Maria Lopez", {}),
    ("book", "therapist", "Ana Ruiz, LMT", {}),
    ("book", "contact", "555-0100 · ana@example.org", {}),
    ("book", "logo", LOGO, {"therapist": "Ana Ruiz, LMT"}),
    ("book", "date", "2026-11-24", {"client": "Maria Lopez"}),
    ("book", "note", "Go gently on the left shoulder.", {"client": "Maria Lopez"}),
    ("book", "link", "https://example.org/routines/gentle", {}),
    ("book", "max_pressure", "gentle", {}),
    ("book", "minutes", "15", {}),
]
CASES = {f"{product}-{key}": (product, key, value, extra) for product, key, value, extra in EVERY}
# The booklets take a second each: the quick loop checks the cards; CI checks everything.
PARAMS = [
    pytest.param(case, marks=pytest.mark.slow) if case.startswith("book-") else case
    for case in sorted(CASES)
]


def test_every_option_of_the_catalogue_has_a_row():
    for product in ("card", "book"):
        rows = {key for p, key, _, _ in EVERY if p == product}
        assert rows == set(keys_for(product)), product


def cli_args(options: dict[str, Any]) -> list[str]:
    """The options as flags, as the catalogue names them."""
    args: list[str] = []
    for key, value in options.items():
        flag = BY_KEY[key].flag
        args += [flag] if value is True else [flag, str(value)]
    return args


def yaml_value(value: Any) -> str:
    return "true" if value is True else f'"{value}"'


def page_form(product: str, options: dict[str, Any]) -> tuple[dict[str, str], bool] | None:
    """The options as the page's form sends them, or None where the page cannot say them."""
    form = {"routine": "gentle", "product": product, "lang": "en"}
    for key, value in options.items():
        option = BY_KEY[key]
        if key == "sheet" and product == "card":
            form.update(product="sheet", paper=str(value))
        elif key == "logo":
            continue
        elif not option.page or option.key == "sheet" or value is True:
            return None
        else:
            form[key] = str(value)
    if "sheet" in options and options["sheet"] not in ("letter", "a4"):
        return None
    return form, "logo" in options


@pytest.fixture
def logo_file(tmp_path):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 120), (0, 114, 178)).save(buffer, format="PNG")
    (tmp_path / LOGO).write_bytes(buffer.getvalue())
    return buffer.getvalue()


@pytest.mark.parametrize("case", PARAMS)
def test_every_door_makes_the_same_pdf(run, tmp_path, logo_file, case):
    import booklet
    from booklet.data.library import load_library
    from booklet.web.app import render

    product, key, value, extra = CASES[case]
    options = {**extra, key: value}
    made: dict[str, bytes] = {}

    cli = run(product, "gentle", *cli_args(options), "-o", "cli.pdf")
    assert cli.exit_code == 0, cli.output
    made["command line"] = (tmp_path / "cli.pdf").read_bytes()

    fields = ", ".join(f"{k}: {yaml_value(v)}" for k, v in options.items())
    (tmp_path / "b.yaml").write_text(
        f"variants:\n  - {{name: v, kind: {product}, routine: gentle, {fields}}}\n",
        encoding="utf-8",
    )
    batch = run("batch", "b.yaml", "-o", "out", "--jobs", "1")
    assert batch.exit_code == 0, batch.output
    made["batch"] = (tmp_path / "out" / "v.pdf").read_bytes()

    api = booklet.make(booklet.Job(product, "gentle", options=options))
    made["Python API"] = api.pdf

    on_page = page_form(product if product == "card" else "book", options)
    if on_page is not None:
        form, with_logo = on_page
        pdf, _ = render(load_library([]), form, logo_file if with_logo else None)
        made["page"] = pdf

    first = made["command line"]
    assert {door: pdf == first for door, pdf in made.items()} == {d: True for d in made}


def test_the_page_offers_every_option_it_shows_as_a_field_of_the_same_name():
    from booklet.data.library import load_library
    from booklet.web.form import page_fields

    library = load_library([])
    shown = {f["name"] for f in page_fields(library.page_words, library.words)}
    offered = {o.key for o in BY_KEY.values() if o.page in ("whom", "client")}
    assert shown == offered
