"""Which points each rolling-origin window trains and tests on."""

import pytest

from preditiva.core.errors import SeriesTooShortError
from preditiva.ml.windows import Window, rolling_windows


def test_windows_end_at_the_last_point_and_step_by_the_horizon() -> None:
    windows = rolling_windows(10, h=2, n_windows=3)
    assert windows == [
        Window(number=0, train_end=4, test_end=6),
        Window(number=1, train_end=6, test_end=8),
        Window(number=2, train_end=8, test_end=10),
    ]
    assert [(w.test_start, w.horizon) for w in windows] == [(4, 2), (6, 2), (8, 2)]


def test_a_smaller_step_makes_overlapping_test_windows() -> None:
    windows = rolling_windows(10, h=3, n_windows=3, step=1)
    assert [(w.train_end, w.test_end) for w in windows] == [(5, 8), (6, 9), (7, 10)]


def test_too_few_points_for_the_windows_is_too_short_with_the_count() -> None:
    with pytest.raises(SeriesTooShortError) as caught:
        rolling_windows(10, h=3, n_windows=3, min_train=5)
    assert (caught.value.length, caught.value.required) == (10, 5 + 3 + 2 * 3)
    assert "needs 14 observations (5 to train the first window)" in caught.value.reason


def test_exactly_enough_points_is_enough() -> None:
    assert rolling_windows(14, h=3, n_windows=3, min_train=5)[0].train_end == 5
