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

    aim = None if aim_at is None else (lambda first: aim_at)
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
    assert len(tried) <= count + 1
