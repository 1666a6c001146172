"""Render the README's gallery from the current code: card sides and booklet pages as PNGs.

    python tools/gallery.py            # writes docs/gallery/*.png

tests/test_docs.py renders the same pictures and compares them with the committed ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "gallery"
DPI = 90


def pictures() -> dict[str, bytes]:
    """File name -> PNG bytes, for every picture in the gallery."""
    from booklet.data.library import load_library
    from booklet.press.preview import pdf_to_pngs
    from booklet.products.booklet import BookRequest, build_book
    from booklet.products.card import CardRequest, render_card
    from booklet.products.options import card_request

    library = load_library()
    card = pdf_to_pngs(render_card(library, library.plan("classic"), CardRequest()), DPI)
    compact = pdf_to_pngs(
        render_card(library, library.plan("short"), CardRequest(layout="compact")), DPI
    )
    book, info = build_book(
        library, library.plan("classic"), BookRequest(for_name="Sam", from_name="Alex")
    )
    pages = pdf_to_pngs(book, DPI)
    maria = card_request(  # the first row of examples/clients.csv, with its defaults
        {
            "client": "Maria Lopez",
            "date": "2026-11-24",
            "max_pressure": "gentle",
            "minutes": "15",
            "note": "Go gently on the left shoulder; stop if the tingling comes back.",
            "therapist": "Ana Ruiz, LMT",
            "contact": "555-0100 · ana@example.org",
        }
    )
    handout = pdf_to_pngs(render_card(library, library.plan("gentle"), maria), DPI)
    spanish = library.in_language("es")
    card_es = pdf_to_pngs(render_card(spanish, spanish.plan("classic"), CardRequest()), DPI)
    scripts = load_library([Path(__file__).resolve().parent.parent / "tests/fixtures/scripts"])
    arabic = pdf_to_pngs(
        render_card(
            scripts,
            scripts.plan(None, ["arabic-stroke"]),
            CardRequest(layout="compact", size="4x6"),
        ),
        DPI,
    )
    hebrew = scripts.in_language("he")  # the test catalogue: a right-to-left layout
    card_he = pdf_to_pngs(
        render_card(hebrew, hebrew.plan(None, ["hebrew-stroke"]), CardRequest(size="4x6")), DPI
    )
    return {
        "card-front.png": card[0],
        "card-back.png": card[1],
        "compact-card.png": compact[0],
        "booklet-cover.png": pages[0],
        "booklet-technique.png": pages[info.sections["t-petrissage"] - 1],
        "booklet-technique-words.png": pages[info.sections["t-petrissage"]],
        "booklet-routine.png": pages[info.sections["routine"] - 1],
        "handout-front.png": handout[0],
        "card-front-es.png": card_es[0],
        "card-arabic.png": arabic[0],
        "card-hebrew-rtl.png": card_he[0],
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, png in pictures().items():
        (OUT / name).write_bytes(png)
        print(OUT / name)


if __name__ == "__main__":
    sys.exit(main())
