"""Start-up stays lean: what each kind of command imports (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import atexit, json, sys
from booklet.cli.entry import main
heavy = ("reportlab", "reportlab.platypus", "jinja2", "yaml", "PIL", "uharfbuzz", "pyphen", "bidi")
def said():  # at exit: a command that made one thing leaves without returning
    print(json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr, flush=True)
atexit.register(said)
sys.argv = ["booklet", *sys.argv[1:]]
main()
"""


def imported(*args: str, cwd) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [("--help",), ("card", "--help"), ("batch", "--help")])
def test_help_imports_no_engine(args, tmp_path):
    assert imported(*args, cwd=tmp_path) == []


def test_listing_reads_data_without_reportlab(tmp_path):
    assert "reportlab" not in imported("techniques", cwd=tmp_path)


CARD_PROBE = """
import json, sys
from booklet.data.library import load_library
from booklet.products.card import CardRequest, render_card
library = load_library([])
render_card(library, library.plan("classic"), CardRequest())
heavy = ("reportlab", "reportlab.platypus", "jinja2", "yaml", "PIL")
print(json.dumps([m for m in heavy if m in sys.modules]))
"""


def test_a_card_needs_no_platypus(tmp_path):
    """Cards set their own text; only booklets use ReportLab's platypus (measured where the
    card is drawn: the jail's child renders it, so the probe draws one in a fresh process)."""
    done = subprocess.run(
        [sys.executable, "-c", CARD_PROBE], capture_output=True, text=True, cwd=tmp_path
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "reportlab" in loaded and "jinja2" in loaded
    assert "reportlab.platypus" not in loaded


def test_the_command_line_draws_nothing_itself(tmp_path):
    """`booklet card` leaves the drawing to the jail: the parent never imports ReportLab."""
    loaded = imported("card", "-o", "c.pdf", cwd=tmp_path)
    assert "reportlab" not in loaded
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF-")


# --- loading only what the job needs -----------------------------------------------------------


@pytest.fixture
def files_read(monkeypatch):
    """The YAML files the library reads, in order (booklet.data.library's reader, watched)."""
    import booklet.data.library as library_module

    read: list[str] = []
    real = library_module.load_yaml

    def watched(path, *args, **kwargs):
        read.append(path.relative_to(path.parents[2]).as_posix() if len(path.parents) > 2 else path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(library_module, "load_yaml", watched)
    return read


def language_of(relative: str) -> str | None:
    """The language folder a library file sits in (techniques/es/...), or None for English."""
    parts = relative.split("/")
    return next((p for p in parts if len(p) == 2 and p.isalpha() and p.islower()), None)


def test_an_english_library_reads_no_translation(files_read):
    from booklet.data.library import load_library

    library = load_library([])
    assert files_read and {language_of(f) for f in files_read} == {None}
    assert set(library.languages) >= {"es", "fr", "de", "pt"}  # known from the folders alone


def test_spanish_reads_its_own_files_and_no_other_language(files_read):
    from booklet.data.library import load_library

    library = load_library([])
    before = len(files_read)
    spanish = library.in_language("es")
    assert {language_of(f) for f in files_read[before:]} == {"es"}
    assert spanish.plan("classic").title != library.plan("classic").title
    library.in_language("es")  # parsed once: asking again reads nothing
    assert len({f for f in files_read[before:]}) == len(files_read[before:])


@pytest.fixture
def broken_french(make_library):
    """A user library whose French words file is not YAML at all."""
    return make_library({"techniques/fr/_words.yaml": "title: [unclosed\n"})


def test_a_broken_language_stops_only_that_language(broken_french):
    from booklet.base.errors import ValidationError
    from booklet.data.library import load_library

    library = load_library([broken_french])
    assert library.in_language("es").lang == "es"
    with pytest.raises(ValidationError) as raised:
        library.in_language("fr")
    assert "_words.yaml" in str(raised.value)
    with pytest.raises(ValidationError):  # what validate reads: every language, now
        load_library([broken_french], every_language=True)


def test_a_broken_language_is_named_on_the_command_line(run, broken_french, tmp_path):
    result = run("--library", str(broken_french), "--lang", "fr", "card", "-o",
                 str(tmp_path / "c.pdf"))  # fmt: skip
    assert result.exit_code == 2
    assert "_words.yaml" in result.output and "--lang" not in result.output
    assert (
        run("--library", str(broken_french), "card", "-o", str(tmp_path / "e.pdf")).exit_code == 0
    )


FACES_PROBE = """
import json, sys
from booklet.data.library import load_library
from booklet.products.card import CardRequest, render_card
import booklet.text.fonts as fonts
library = load_library([]).in_language(sys.argv[1])
render_card(library, library.plan("classic"), CardRequest())
print(json.dumps(sorted(fonts._REGISTERED)))
"""


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_latin_card_opens_no_script_face(lang, tmp_path):
    """The Arabic, Hebrew and Devanagari faces are parsed only for text that needs them."""
    done = subprocess.run(
        [sys.executable, "-c", FACES_PROBE, lang], capture_output=True, text=True, cwd=tmp_path
    )
    opened = json.loads(done.stdout.strip().splitlines()[-1])
    assert opened and not [f for f in opened if f.startswith(("BookletArabic", "BookletHebrew",
                                                              "BookletDevanagari"))]  # fmt: skip


def test_a_broken_language_fails_only_its_variants_in_a_batch(run, broken_french, tmp_path):
    """A batch reads a language when a variant asks for it: the French variant fails naming
    the file, the English one builds."""
    import json as json_module

    batch = tmp_path / "b.yaml"
    batch.write_text(
        "output: '{name}.pdf'\nvariants:\n  - {name: en, routine: short}\n"
        "  - {name: fr, routine: short, lang: fr}\n"
    )
    result = run("--library", str(broken_french), "batch", str(batch), "-o", str(tmp_path / "o"))
    entries = json_module.loads((tmp_path / "o" / "manifest.json").read_text())["variants"]
    status = {e["output"]: (e["status"], e.get("error") or "") for e in entries}
    assert result.exit_code != 0
    assert status["en.pdf"][0] == "ok" and (tmp_path / "o" / "en.pdf").is_file()
    assert status["fr.pdf"][0] == "failed" and "_words.yaml" in status["fr.pdf"][1]


def test_the_page_refuses_to_start_on_a_broken_language(broken_french):
    """The page serves every language, so it reads them all before it starts, as before."""
    from booklet.base.errors import ValidationError
    from booklet.web.app import create_app

    with pytest.raises(ValidationError, match="_words.yaml"):
        create_app([broken_french], 8123)


JAILED_PROBE = """
import hashlib, json, sys
from booklet.products.jailed import Render, library_of, made_with
from booklet.products.requests import CardRequest
made = {}
for lang in sys.argv[1:]:
    reply = made_with(library_of((), lang), Render("card", (), lang, "classic", (), CardRequest()))
    made[lang] = [hashlib.sha256(reply["data"]).hexdigest(), "uharfbuzz" in sys.modules]
print(json.dumps(made))
"""


def test_harfbuzz_is_loaded_only_for_a_script_that_needs_it(tmp_path):
    """A render in the jail loads ReportLab without HarfBuzz (7 MB, 15 ms) until a script
    face needs shaping; the shaped card is then the one a process with HarfBuzz from the
    start makes."""

    def probe(*langs: str) -> dict[str, list]:
        done = subprocess.run(
            [sys.executable, "-c", JAILED_PROBE, *langs],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    latin_first = probe("en", "ar")
    assert latin_first["en"][1] is False  # English: no HarfBuzz
    assert latin_first["ar"][1] is True  # Arabic: brought in for its face
    shaped_first = probe("ar", "en")
    assert latin_first["ar"][0] == shaped_first["ar"][0]
    assert latin_first["en"][0] == shaped_first["en"][0]


PILLOW_PROBE = """
import hashlib, json, sys
if sys.argv[1] == "pillow first":
    import PIL.Image
from booklet.products.jailed import Render, library_of, made_with
from booklet.products.requests import CardRequest, Personal
made = {}
for name, logo in (("plain", None), ("logo", open(sys.argv[2], "rb").read())):
    request = CardRequest(personal=Personal(client="Maria Lopez", logo_image=logo))
    reply = made_with(library_of((), None), Render("card", (), None, "classic", (), request))
    made[name] = [hashlib.sha256(reply["data"]).hexdigest(), "PIL.Image" in sys.modules,
                  b"/Subtype /Image" in reply["data"]]
print(json.dumps(made))
"""


def test_pillow_is_loaded_only_for_a_card_with_a_picture(tmp_path):
    """ReportLab imports Pillow (and tempfile) at its top; in the jail they are deferred
    (booklet.base.internals.Deferred) until a picture is drawn: a card without a logo never
    loads Pillow, and one with a logo is the card a process with Pillow from the start makes."""
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (600, 300), (30, 90, 160)).save(logo)

    def probe(order: str) -> dict[str, list]:
        done = subprocess.run(
            [sys.executable, "-c", PILLOW_PROBE, order, str(logo)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    deferred, loaded = probe("deferred"), probe("pillow first")
    assert deferred["plain"][1] is False  # no picture: no Pillow
    assert deferred["logo"][1:] == [True, True]  # the logo brought it in, and is drawn
    assert deferred["plain"][0] == loaded["plain"][0]
    assert deferred["logo"][0] == loaded["logo"][0]


BOOK_FACES_PROBE = """
import json, re, sys
from booklet.products.jailed import Render, library_of, made_with
from booklet.products.requests import BookRequest
from booklet.text import fonts
render = Render("book", (), None, "classic", (), BookRequest())
pdf = made_with(library_of((), None), render)["data"]
import pikepdf, io
printed = set()
with pikepdf.open(io.BytesIO(pdf)) as doc:
    for page in doc.pages:
        for font in page.Resources.get("/Font", {}).values():
            printed.add(str(font.BaseFont).split("+")[-1].removesuffix("-Regular"))
print(json.dumps({"read": sorted(fonts._REGISTERED), "printed": sorted(printed)}))
"""


def test_a_booklet_reads_only_the_faces_it_prints(tmp_path):
    """Each face ReportLab reads is about a megabyte the process keeps: the default booklet
    reads the faces it prints and no other (the display family's regular is never printed)."""
    done = subprocess.run(
        [sys.executable, "-c", BOOK_FACES_PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    faces = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(faces["read"]) == set(faces["printed"]), faces
