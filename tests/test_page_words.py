"""The page's words catalogue (techniques/_page.yaml and each language's own) and what a
message may hold: symbols and emoji print, anything else is named in plain words."""

from __future__ import annotations

import pytest

from booklet.data.language import words_shape
from booklet.data.library import load_library
from tests.helpers import page_texts, pdf_reader

BUILT_IN = ("de", "es", "fr", "pt")


def flat(values, prefix=""):
    """Every text of a catalogue, by its dotted key."""
    out = {}
    for key, value in values.items():
        if words_shape(value) == "group":
            out |= flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize("code", BUILT_IN)
def test_every_built_in_language_says_every_page_word_itself(code):
    library = load_library([])
    english = flat(library.english_page)
    own = flat(library.languages[code].page)
    assert set(own) == set(english), set(english) ^ set(own)
    names = ("sizes.", "sheets.", "said")  # sizes, sheets and "{label}: {message}" may be
    same = [k for k, v in own.items() if v == english[k] and not k.startswith(names)]
    assert same == [], same


def test_the_page_words_are_the_ones_the_page_asks_for():
    """Every catalogue option the page shows has a label, in English, and the page's
    English words say what the catalogue says."""
    from booklet.products.options import CATALOGUE

    labels = load_library([]).english_page["labels"]
    for option in CATALOGUE:
        if option.page:
            assert option.key in labels or option.key == "sheet", option.key
            assert labels.get(option.key, option.label) == option.label, option.key


def test_a_new_option_reaches_the_page_through_the_catalogue_alone():
    """An option with no page words yet shows its catalogue label and hint, in English."""
    from booklet.data.language import Words
    from booklet.products.options import BY_KEY
    from booklet.web.form import page_fields

    bare = Words("en", {}, {})
    fields = {f["name"]: f for f in page_fields(bare, bare)}
    assert fields["sign_off"]["label"] == BY_KEY["sign_off"].label == "Sign-off"
    assert fields["title"]["hint"] == BY_KEY["title"].hint


@pytest.mark.parametrize(("code", "line"), [
    ("en", "Message: \U0001d11e cannot be printed; please remove it."),
    ("fr", "Petit mot\u00a0: \U0001d11e ne peut pas être imprimé\u202f; veuillez le retirer."),
    ("de", "Widmung: Das Zeichen \U0001d11e lässt sich nicht drucken; bitte entfernen Sie es."),
])  # fmt: skip
def test_a_message_at_its_field_is_joined_to_its_label_as_the_language_writes(code, line):
    from booklet.products.requests import UnprintableError
    from booklet.web.form import said

    words = load_library([]).in_language(code).page_words
    assert said(UnprintableError("message", "\U0001d11e"), words).line == line


def test_a_language_folder_brings_its_page_words_and_validate_checks_them(
    run, make_library, tmp_path
):
    lib = make_library(
        {
            "techniques/it/_page.yaml": (
                "heading: Crea una scheda per il massaggio\n"
                "labels: {for: Per, form: Da}\n"
                'position: "Posto"\n'
            )
        }
    )
    result = run("--library", str(lib), "validate", str(lib))
    assert result.exit_code == 2
    assert "_page.yaml:2: labels.form: unknown key 'form'" in result.stderr
    assert "_page.yaml:3: position: lost {name}" in result.stderr
    good = make_library({"techniques/it/_page.yaml": "labels: {for: Per}\n"}, name="good")
    italian = load_library([good]).in_language("it").page_words
    assert italian.item("labels", "for") == "Per"
    assert italian.item("labels", "from") == "From"  # what it lacks shows in English


@pytest.mark.parametrize("message", ["❤️ ☺ ✿ ★ ✓", "😀 👍🏽 🌸 🦄"], ids=["symbols", "pictographs"])
def test_symbols_and_emoji_in_a_message_print_as_themselves(run, tmp_path, message):
    result = run("card", "--message", message, "-o", "m.pdf")
    assert result.exit_code == 0, result.output
    front = page_texts(tmp_path / "m.pdf")[0]
    for char in message.replace(" ", "").replace("\ufe0f", "").replace("\U0001f3fd", ""):
        assert char in front, char
    front_fonts = pdf_reader(tmp_path / "m.pdf").pages[0]["/Resources"]["/Font"].values()
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1].split("-")[0] for font in front_fonts
    }
    assert fonts & {"BookletSymbols", "BookletEmoji"}, fonts


def test_a_skin_tone_draws_nothing_in_one_colour(tmp_path):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from booklet.text.fonts import charmap, face

    emoji = face("BookletEmoji")
    assert "\U0001f3fd" in charmap(emoji) and stringWidth("\U0001f3fd", emoji, 10) == 0


@pytest.mark.parametrize(
    ("option", "flag"), [("message", "--message"), ("for", "--for"), ("title", "--title")]
)
def test_a_character_nothing_can_print_is_named_in_plain_words(run, option, flag):
    result = run("card", flag, "Play it \U0001d11e", "-o", "x.pdf")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {flag}: \U0001d11e cannot be printed; please remove it.\n"


def test_the_emoji_face_is_trimmed_and_licensed():
    from booklet.text.fonts import PACKAGED_FONTS

    assert (PACKAGED_FONTS / "BookletEmoji-Regular.ttf").stat().st_size < 800_000
    for licence in ("LICENSE-Noto-Emoji.txt", "LICENSE-Noto-Sans-Symbols-2.txt"):
        assert "SIL Open Font License" in (PACKAGED_FONTS / licence).read_text()


def test_the_readme_names_every_field_the_page_posts():
    """The page's fields are its interface: each is in the README's table of them."""
    import re

    from booklet.products.options import CATALOGUE
    from tests.helpers import REPO

    readme = (REPO / "README.md").read_text()
    table = readme.split("### The page's fields")[1].split("\n## ")[0]
    named = set(re.findall(r"`([a-z_-]+)`", table))
    fields = {"paper" if o.key == "sheet" else o.key for o in CATALOGUE if o.page}
    assert fields | {"lang", "routine", "product"} <= named, fields - named
