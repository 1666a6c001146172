"""Languages and scripts: the built-in translations, the fallback to English, and text in
Greek, Cyrillic, Latin Extended, Hebrew, Arabic and Devanagari, shaped and in its direction."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.helpers import FIXTURES, rasterize, text_rects

SCRIPTS = FIXTURES / "scripts"
# The spine, as each language says it; and English words that must not print there.
SPINE = {"es": "columna", "de": "Wirbelsäule", "fr": "colonne", "pt": "coluna"}
ENGLISH = ("minutes", "pressure", "spine", "ask how it feels", "Steps", "Contents", "Take care")
OWN = {"fr": {"minutes"}}  # a French word too


def extracted(path) -> str:
    """The text as poppler reads it, bidi marks dropped."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub("[\u202a-\u202e\u200e\u200f]", "", out.stdout)


@pytest.mark.parametrize("lang", sorted(SPINE))
@pytest.mark.parametrize("product", ["card", "book"])
def test_built_in_languages_print_no_english(run, tmp_path, lang, product):
    out = tmp_path / f"{product}-{lang}.pdf"
    result = run("--lang", lang, product, "-o", str(out))
    assert result.exit_code == 0, result.output
    text = extracted(out)
    assert SPINE[lang] in text
    for word in ENGLISH:
        if word not in OWN.get(lang, ()):
            assert not re.search(rf"\b{word}\b", text, re.IGNORECASE), f"{word!r} in {lang}"


def test_lang_is_accepted_after_the_command_and_names_a_known_language(run, tmp_path):
    result = run("card", "--lang", "es", "-o", str(tmp_path / "c.pdf"))
    assert result.exit_code == 0
    result = run("card", "--lang", "ess", "-o", str(tmp_path / "d.pdf"))
    assert result.exit_code == 2
    assert "--lang" in result.stderr and "Did you mean 'es'" in result.stderr
    assert "Traceback" not in result.output


def test_untranslated_technique_prints_in_english_with_a_note(run, make_library, tmp_path):
    from tests.helpers import technique_yaml

    lib = make_library({"techniques/palm-press.yaml": technique_yaml("Palm press")})
    out = tmp_path / "c.pdf"
    result = run(
        "--library",
        str(lib),
        "--lang",
        "es",
        "card",
        "-t",
        "palm-press",
        "-t",
        "raking",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "no es text yet for technique palm-press" in result.stderr
    text = extracted(out)
    assert "Palm press" in text and "Rastrillo" in text


def test_a_library_adds_a_language_and_validate_lists_what_it_lacks(run, make_library, tmp_path):
    lib = make_library(
        {
            "techniques/it/_words.yaml": "minutes: {one: '{n} minuto', other: '{n} minuti'}\n",
            "techniques/it/raking.yaml": "name: Rastrello\nsummary: Dita a rastrello.\n"
            "steps: [Passa le dita.]\n",
        }
    )
    out = tmp_path / "c.pdf"
    result = run("--library", str(lib), "--lang", "it", "card", "-t", "raking", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Rastrello" in extracted(out) and "4 minuti" in extracted(out)
    listed = run("--library", str(lib), "languages")
    assert listed.exit_code == 0
    assert re.search(r"^it\s.*Italian", listed.output, re.MULTILINE)
    assert "raking" not in listed.output.split("it ", 1)[1].split("\n")[1]
    detail = run("--library", str(lib), "languages", "it")
    assert "fan-stroke" in detail.output and "pressure_label" in detail.output


def test_a_translation_that_loses_a_placeholder_is_refused(run, make_library, tmp_path):
    lib = make_library({"techniques/it/_words.yaml": "for_client: Per il cliente\n"})
    result = run("--library", str(lib), "validate", str(lib))
    assert result.exit_code == 2
    assert "_words.yaml:1: for_client: lost {name}" in result.stderr


@pytest.mark.parametrize(
    ("technique", "words"),
    [
        ("greek-stroke", "σπονδυλική στήλη"),
        ("russian-stroke", "позвоночник"),
        ("polish-stroke", "kręgosłupa"),
        ("hebrew-stroke", "כפות הידיים"),
        ("arabic-stroke", "العمود الفقري"),
        ("hindi-stroke", "रीढ़"),
    ],
)
@pytest.mark.parametrize("product", ["card", "book"])
def test_every_script_prints_and_extracts(run, tmp_path, technique, words, product):
    out = tmp_path / f"{technique}.pdf"
    result = run("--library", str(SCRIPTS), product, "-t", technique, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert words in extracted(out)


def test_hebrew_on_the_compact_card_is_set_right_to_left(run, tmp_path):
    out = tmp_path / "he.pdf"
    result = run(
        "--library",
        str(SCRIPTS),
        "card",
        "-t",
        "hebrew-stroke",
        "--layout",
        "compact",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    image = rasterize(out, dpi=72, grey=True)
    width = image.width
    # The summary's short last line ("3 פעמים.") ends at the right margin, far from the left.
    rects = text_rects(out)
    short = [r for r in rects if r[2] - r[0] < width * 0.25 and r[1] > image.height * 0.3]
    assert short, rects
    assert any(r[0] > width * 0.6 and width - r[2] < 20 for r in short), short


def test_arabic_letters_join(run, tmp_path):
    """Shaped, a word is narrower than its letters set apart: joining forms are used."""
    from booklet.text.fonts import face
    from booklet.text.paragraph import unit_width

    face("BookletArabic")
    word = "العمود"
    from reportlab.pdfbase.pdfmetrics import stringWidth

    assert unit_width(word, "BookletArabic") < stringWidth(word, "BookletArabic", 1) * 0.95


def test_same_inputs_same_bytes_in_arabic(run, tmp_path):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (a, b):
        result = run("--library", str(SCRIPTS), "card", "-t", "arabic-stroke", "-o", str(out))
        assert result.exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_batch_variants_choose_their_language(run, tmp_path):
    batch = tmp_path / "b.yaml"
    batch.write_text(
        "variants:\n  - name: es\n    lang: es\n  - name: pt\n    lang: pt\n    kind: book\n"
        "  - name: bad\n    lang: xx\n",
        encoding="utf-8",
    )
    result = run("batch", str(batch), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "b.yaml:8: lang: no language 'xx'" in result.output + result.stderr
    assert "columna" in extracted(tmp_path / "out" / "es.pdf")
    assert "coluna" in extracted(tmp_path / "out" / "pt.pdf")


def accent_extent(path) -> tuple[int, int]:
    """Left and right of the accent-blue marks below the title rule (the step's number badge
    and the gauge's filled boxes), in pixels at 72 dpi."""
    image = rasterize(path, dpi=72)
    pixels = image.load()
    marks: dict[int, list[int]] = {}
    for y in range(image.height):
        for x in range(image.width):
            r, _, b = pixels[x, y]
            if b > 110 and r < 90 and b - r > 60:
                marks.setdefault(y, []).append(x)
    xs = [x for row in marks.values() if len(row) < image.width * 0.5 for x in row]  # no rules
    assert xs, "no accent marks"
    return min(xs), max(xs)


@pytest.mark.parametrize(("lang", "side"), [("he", "right"), (None, "left")])
def test_a_right_to_left_language_puts_badges_and_gauges_on_the_right(run, tmp_path, lang, side):
    out = tmp_path / "card.pdf"
    args = ["--library", str(SCRIPTS), *(["--lang", lang] if lang else [])]
    result = run(*args, "card", "-t", "hebrew-stroke", "--layout", "compact", "-o", str(out))
    assert result.exit_code == 0, result.output
    width = rasterize(out, dpi=72).width
    left, right = accent_extent(out)
    if side == "right":
        assert left > width * 0.75, (left, right)
    else:
        assert right < width * 0.25, (left, right)
    text = extracted(out)
    assert ("לחץ עדין" in text) == (lang == "he")  # the gauge's words, from the catalogue


def test_a_right_to_left_key_is_drawn_in_its_own_script(run, tmp_path):
    """The key's Hebrew labels go through the text engine: extractable, and not the Latin
    face's empty boxes."""
    out = tmp_path / "card.pdf"
    result = run("--library", str(SCRIPTS), "--lang", "he", "card", "-o", str(out))
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    back = PdfReader(out).pages[1]
    text = re.sub("[\u202a-\u202e\u200e\u200f]", "", back.extract_text())
    assert "סדר הליטופים" in extracted(out) or "סדר הליטופים" in text
    fonts = {
        str(f["/BaseFont"]) for f in back["/Resources"]["/Font"].values() if "/BaseFont" in f
    }
    assert any("Hebrew" in f for f in fonts), fonts
