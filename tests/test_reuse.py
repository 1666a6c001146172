"""Reuse within a process, never from disk: what one card measured, the next card of a batch
(or the next preview) finds again, and the bytes are the same as when made afresh."""

from __future__ import annotations

import subprocess
import sys

import pytest

from booklet.data.library import load_library
from booklet.products.card import CardRequest, render_card
from booklet.text import breaking

FRESH = """
import sys
from booklet.data.library import load_library
from booklet.products.card import CardRequest, render_card
library = load_library([]).in_language(sys.argv[1])
request = CardRequest(title=sys.argv[3]) if len(sys.argv) > 3 else CardRequest()
sys.stdout.buffer.write(render_card(library, library.plan(sys.argv[2]), request))
"""


@pytest.fixture
def greedy_calls(monkeypatch):
    """How many times lines are broken afresh (booklet.text.breaking._greedy, counted)."""
    calls = [0]
    real = breaking._greedy

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(breaking, "_greedy", counted)
    breaking._broken.cache_clear()
    breaking._words_of.cache_clear()
    return calls


def test_the_second_card_of_a_batch_breaks_no_line_again(greedy_calls):
    library = load_library([])
    render_card(library, library.plan("classic"), CardRequest(title="For Ana"))
    first = greedy_calls[0]
    render_card(library, library.plan("classic"), CardRequest(title="For Ben"))
    again = greedy_calls[0] - first
    assert first > 50 and again < first / 10  # only the new title is broken afresh


def test_the_caches_are_bounded_and_in_memory():
    for cached in (breaking._broken, breaking._words_of):
        assert cached.cache_info().maxsize is not None and cached.cache_info().maxsize <= 4096


@pytest.mark.parametrize(
    ("lang", "routine", "before"),
    [("en", "gentle", "classic"), ("es", "classic", "short"), ("de", "short", "gentle")],
)
def test_a_card_after_others_has_the_bytes_of_one_made_afresh(lang, routine, before, tmp_path):
    """Whatever a process made before, a card's bytes are those of a fresh process."""
    library = load_library([]).in_language(lang)
    for size in ("5x7", "a5"):
        render_card(library, library.plan(before), CardRequest(size=size))
    here = render_card(library, library.plan(routine), CardRequest())
    fresh = subprocess.run(
        [sys.executable, "-c", FRESH, lang, routine], capture_output=True, check=True, cwd=tmp_path
    ).stdout
    assert here == fresh and here.startswith(b"%PDF-")


@pytest.fixture
def balanced_frame():
    """A booklet page's frame with a balance that has recorded blocks on a page."""
    from booklet.products.booklet.balance import Balance, BalancedFrame

    frame = BalancedFrame(0, 0, 300, 500, 0, 0, 0, 0, id="right")
    frame.balance = Balance(line=12.0)
    frame.balance.gaps[1] = [1.0, 0.5]
    return frame


def test_the_frame_copied_to_measure_a_group_shares_its_balance(balanced_frame):
    """ReportLab copies the frame for every group kept together; the balance is shared, not
    copied (it held every block placed so far), and the rest is a copy as before."""
    import copy

    clone = copy.deepcopy(balanced_frame)
    assert clone is not balanced_frame and clone.balance is balanced_frame.balance
    assert clone.__dict__.keys() == balanced_frame.__dict__.keys()
    assert clone._y == balanced_frame._y and clone.id == "right"
    clone._y -= 100  # measuring in the copy moves nothing in the frame itself
    assert balanced_frame._y != clone._y


FRESH_BOOK = """
import sys
from booklet.data.library import load_library
from booklet.products.booklet import BookRequest, render_book
library = load_library([]).in_language(sys.argv[1])
sys.stdout.buffer.write(render_book(library, library.plan(sys.argv[2]), BookRequest()))
"""


@pytest.mark.parametrize(("lang", "before"), [("ar", "he"), ("he", "ar")])
def test_a_shaped_booklet_after_others_has_the_bytes_of_one_made_afresh(lang, before, tmp_path):
    """A glyph no character maps to (an Arabic joining form) gets a private code from its
    glyph id, not in the order the process first met it: a batch worker that made other
    languages first writes the bytes a fresh process writes."""
    from booklet.products.booklet import BookRequest, render_book

    base = load_library([])
    for other in ("en", before):
        library = base.in_language(other)
        render_card(library, library.plan("gentle"), CardRequest())
        render_book(library, library.plan("short"), BookRequest())
    library = base.in_language(lang)
    here = render_book(library, library.plan("classic"), BookRequest())
    fresh = subprocess.run(
        [sys.executable, "-c", FRESH_BOOK, lang, "classic"],
        capture_output=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert here == fresh and here.startswith(b"%PDF-")


@pytest.fixture
def compressions(monkeypatch):
    """How many streams zlib really compresses (the remembered ones are not counted)."""
    import zlib

    import reportlab.pdfbase.pdfdoc as pdfdoc

    from booklet.text.fonts import register

    register("sans")  # booklet's zlib is in place
    calls = [0]

    class Counted:
        @staticmethod
        def compress(data, level):
            calls[0] += 1
            return zlib.compress(data, level)

    fresh = type(pdfdoc.zlib)(pdfdoc.zlib.level)  # remembering nothing yet
    fresh._zlib = Counted
    monkeypatch.setattr(pdfdoc, "zlib", fresh)
    return calls


def test_the_next_card_of_a_batch_compresses_only_what_changed(compressions, tmp_path):
    """A card for the next client repeats its back side, fonts and character maps: only the
    side with the name is compressed again, and the bytes are those of a fresh process. (The
    names use their letters in the same order, so the fonts' subsets are the same.)"""
    library = load_library([])
    render_card(library, library.plan("classic"), CardRequest(title="For Ana"))
    first = compressions[0]
    here = render_card(library, library.plan("classic"), CardRequest(title="For Anna"))
    again = compressions[0] - first
    assert first >= 6 and again == 1
    fresh = subprocess.run(
        [sys.executable, "-c", FRESH, "en", "classic", "For Anna"],
        capture_output=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert here == fresh
