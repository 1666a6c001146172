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
    assert "Palm press" in text and "Rastrillado" in text


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
    fonts = {str(f["/BaseFont"]) for f in back["/Resources"]["/Font"].values() if "/BaseFont" in f}
    assert any("Hebrew" in f for f in fonts), fonts


@pytest.mark.parametrize(
    ("lang", "title", "subtitle"),
    [
        ("es", "Mi rutina", "solo para ti"),
        ("fr", "Ma séance", "rien que pour vous"),
        ("de", "Mein Ablauf", "nur für Sie"),
        ("pt", "Minha rotina", "só para você"),
        ("he", "הרצף שלי", "רק בשבילך"),
        ("ar", "روتيني الخاص", "لك وحدك"),
    ],
)
def test_init_writes_the_starter_library_in_the_language(run, tmp_path, lang, title, subtitle):
    result = run("init", "lib", "--lang", lang)
    assert result.exit_code == 0, result.output
    assert f"--lang {lang} card my-routine" in result.output
    technique = (tmp_path / "lib" / "techniques" / "shoulder-glide.yaml").read_text("utf-8")
    assert f"lang: {lang}" in technique
    assert run("validate", "lib").exit_code == 0
    out = tmp_path / "c.pdf"
    made = run("--library", "lib", "--lang", lang, "card", "my-routine", "--layout", "my-card",
               "-o", str(out))  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "shoulder-glide" not in made.stderr  # written in the language: nothing left over
    text = extracted(out)
    assert title in text and subtitle in text
    assert "minutes," not in text or lang == "fr"


def test_init_refuses_a_language_it_has_no_starter_files_in(run, tmp_path):
    result = run("init", "lib", "--lang", "nl")
    assert result.exit_code == 2
    assert "lang: the starter files are not written in 'nl'" in result.stderr
    assert not (tmp_path / "lib").exists()


CJK = FIXTURES / "cjk"


@pytest.mark.parametrize(("product", "layout"), [("card", "cjk-card"), ("book", "cjk-book")])
def test_a_layout_font_file_prints_chinese(run, tmp_path, product, layout):
    """No CJK face ships; a layout names a TrueType file in its folder (font: FILE) and the
    text prints in it, with Latin from Booklet Text: no empty boxes anywhere."""
    out = tmp_path / f"{product}.pdf"
    args = ("--library", str(CJK), product, "-t", "chinese-stroke", "--layout", layout)
    result = run(*args, "-o", str(out))
    assert result.exit_code == 0, result.output
    text = extracted(out)
    for words in ("扇形推法", "双手从下背部向上滑到肩膀", "Never press on the spine"):
        assert words in text, words
    from pypdf import PdfReader

    fonts = {
        str(f.get_object()["/BaseFont"]).split("+")[-1]
        for page in PdfReader(out).pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert any(f.startswith("DroidSansFallback-") for f in fonts), fonts  # -: the file's hash


def test_a_layout_font_file_must_be_a_font_inside_its_folder(run, tmp_path):
    layout = tmp_path / "lib" / "layouts" / "mine"
    layout.mkdir(parents=True)
    (tmp_path / "outside.ttf").write_bytes(b"not a font")
    (layout / "broken.ttf").write_bytes(b"not a font at all")
    (layout / "link.ttf").symlink_to(layout / "broken.ttf")  # even a link within the folder
    (layout / "away.ttf").symlink_to(tmp_path / "outside.ttf")
    with (layout / "huge.ttf").open("wb") as huge:  # sparse: 41 MB that takes no disk
        huge.truncate(41 * 1024 * 1024)
    cases = {
        "../../../outside.ttf": "is outside the layout's folder",
        "away.ttf": "is outside the layout's folder",
        "link.ttf": "is not a regular file",
        "missing.ttf": "is not a regular file",
        "huge.ttf": "is larger than 40 MB",
        "broken.ttf": "is not a TrueType font file: it does not begin as one",  # its own bytes
    }
    for value, message in cases.items():
        (layout / "layout.yaml").write_text(f"extends: bedside\nfont: {value}\n", "utf-8")
        result = run("--library", "lib", "card", "--layout", "mine", "-o", "c.pdf")
        assert result.exit_code == 2, value
        assert f"layout.yaml:2: font: '{value}' {message}" in result.stderr, result.stderr
    checked = run("validate", "lib")  # validate reads the layout's font file too
    assert checked.exit_code == 2
    assert "font: 'broken.ttf' is not a TrueType font file" in checked.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "c.pdf").exists()


def test_a_diagram_file_has_its_legend_in_the_language(run, tmp_path):
    out = tmp_path / "d.pdf"
    result = run("--lang", "es", "diagram", "petrissage", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = extracted(out)
    assert "columna: sin presión" in text and "spine" not in text


def test_a_right_to_left_layout_sets_untranslated_latin_text_right(run, make_library, tmp_path):
    """An English technique name in a right-to-left layout (a Yiddish library that translates
    one word) sits beside its badge, at the right."""
    out = tmp_path / "card.pdf"
    lib = make_library({"techniques/yi/_words.yaml": "do_not_massage: ניט מאַסאַזשירן\n"})
    result = run("--library", str(lib), "--lang", "yi", "card", "-t", "raking", "-o", str(out))
    assert result.exit_code == 0, result.output
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(out.read_bytes())[0]
    text = page.get_textpage()
    width = page.get_width()
    found = text.search("Raking", match_case=True).get_next()
    assert found is not None
    left, _, right, _ = text.get_charbox(found[0] + found[1] - 1)
    assert right > width * 0.8, (right, width)


def test_every_built_in_language_has_starter_files():
    """`booklet init --lang X` works for each language booklet prints in: a language added to
    the built-in library without starter files fails here."""
    from booklet.cli.starter import STARTER, STARTER_LANGUAGES
    from booklet.data.library import load_library

    built_in = set(load_library().language_codes)
    assert set(STARTER_LANGUAGES) == built_in
    for lang in built_in - {"en"}:
        assert {p.name for p in (STARTER / lang).iterdir()} == {
            "technique.yaml",
            "technique-new.yaml",
            "routine.yaml",
            "layout.yaml",
            "title.j2",
        }, lang


@pytest.mark.parametrize(("lang", "one_step"), [("he", "שלב אחד"), ("ar", "خطوة واحدة")])
def test_one_and_two_are_said_in_words_where_the_language_does(run, tmp_path, lang, one_step):
    """Hebrew and Arabic say one step and two minutes in words ("שלב אחד", "دقيقتان"), not
    with a numeral before a singular noun ("1 שלב", "2 دقيقة", which Arabic's dual makes
    wrong): a one-technique card's subtitle says it so."""
    out = tmp_path / "one.pdf"
    result = run("--lang", lang, "card", "--layout", "compact", "-t", "fan-stroke", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert one_step in extracted(out)
    from booklet.data.library import load_library

    words = load_library().in_language(lang).words
    assert not any(words.count(key, n).startswith(str(n)) for key in ("minutes", "steps_count",
                   "strokes_count") for n in (1, 2))  # fmt: skip
