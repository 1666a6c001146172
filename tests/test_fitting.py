"""The one fitting search: wherever it starts and wherever it aims, it finds the largest size
that fits (the first, largest first), or says none does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from booklet.products.fitting import Attempt, body_sizes, largest_fitting


def test_sizes_step_down_in_quarter_points_to_the_minimum():
    assert body_sizes(8.5, 7) == [8.5, 8.25, 8.0, 7.75, 7.5, 7.25, 7.0]
    assert body_sizes(7, 7) == [7.0]


@given(
    count=st.integers(1, 30),
    threshold=st.integers(0, 31),
    start=st.integers(-2, 35),
    aim_at=st.one_of(st.none(), st.integers(-2, 35)),
)
def test_the_answer_does_not_depend_on_where_the_search_starts(count, threshold, start, aim_at):
    sizes = [10 - 0.25 * i for i in range(count)]
    tried = []

    def attempt(size: float) -> Attempt[float]:
        tried.append(size)
        return Attempt(size, sizes.index(size) >= threshold)  # smaller sizes fit

    aim = None if aim_at is None else (lambda tries: aim_at)
    found = largest_fitting(sizes, attempt, start, aim)
    if threshold >= count:
        assert found is None
    else:
        assert found is not None
        assert (found.position, found.size, found.built) == (
            threshold,
            sizes[threshold],
            sizes[threshold],
        )
    assert len(tried) == len(set(tried)) <= count


@given(count=st.integers(2, 30), threshold=st.integers(1, 29), start=st.integers(0, 35))
def test_no_size_is_tried_twice_and_a_true_guess_ends_it_quickly(count, threshold, start):
    """The search only ever tries between the largest size known too large and the smallest
    known to fit: a guess that names the answer ends it with the answer and the size above
    it, after the start (and, from a start that fitted, the size above that)."""
    threshold = min(threshold, count - 1)
    sizes = [10 - 0.25 * i for i in range(count)]
    tried: list[float] = []

    def attempt(size: float) -> Attempt[float]:
        tried.append(size)
        return Attempt(size, sizes.index(size) >= threshold)

    found = largest_fitting(sizes, attempt, start, lambda tries: threshold)
    assert found is not None and found.position == threshold
    assert len(tried) == len(set(tried)) <= 4
    assert (
        tried[-2:]
        in ([sizes[threshold], sizes[threshold - 1]], [sizes[threshold - 1], sizes[threshold]])
        or len(tried) <= 2
    )


def test_a_start_that_fitted_before_takes_two_tries():
    sizes = body_sizes(10, 7)
    tried: list[float] = []

    def attempt(size: float) -> Attempt[float]:
        tried.append(size)
        return Attempt(size, size <= 8.5)

    found = largest_fitting(sizes, attempt, sizes.index(8.5), lambda tries: 0)
    assert found is not None and found.size == 8.5
    assert tried == [8.5, 8.75]


def test_the_default_cards_fit_in_few_tries(monkeypatch):
    """A card's guess uses both tries around the answer: the built-in routines' bedside
    cards, each side searched from scratch (as the page's previews are), take at most eight
    tries a card (stepping on from the first guess took nine for the classic card)."""
    import booklet.products.card.fit as card_fit
    from booklet.data.library import load_library
    from booklet.products.card import CardRequest, render_card

    tries: list[float] = []
    search = card_fit.largest_fitting

    def counted(sizes, attempt, start=0, aim=None):
        return search(sizes, lambda size: tries.append(size) or attempt(size), start, aim)

    monkeypatch.setattr(card_fit, "largest_fitting", counted)
    library = load_library()
    for routine in ("classic", "gentle", "short"):
        tries.clear()
        render_card(library, library.plan(routine), CardRequest())
        assert len(tries) <= 8, (routine, tries)
