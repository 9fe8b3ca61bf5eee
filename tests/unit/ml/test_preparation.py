"""Regularising a raw price series: order, duplicates, grid, gaps, and length checks."""

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import SeriesTooShortError, SeriesUnusableError
from preditiva.ml.preparation import prepare_series, require_length


def _series(dates: list[str], values: list[float]) -> "pd.Series[float]":
    """A float series on these dates."""
    return pd.Series(values, index=pd.DatetimeIndex(dates), dtype="float64")


def test_gaps_are_forward_filled_and_counted() -> None:
    y = _series(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06"], [1, 2, 5, 6])
    prepared = prepare_series(y, freq="D")
    assert prepared.values.tolist() == [1, 2, 2, 2, 5, 6]
    assert prepared.filled == 2
    assert prepared.values.index.freqstr == "D"


def test_unsorted_duplicates_keep_the_last_value() -> None:
    y = _series(["2024-01-03", "2024-01-01", "2024-01-02", "2024-01-02"], [3, 1, 2, 20])
    prepared = prepare_series(y, freq="D")
    assert prepared.values.tolist() == [1, 20, 3]
    assert prepared.duplicates_dropped == 1


def test_missing_and_infinite_values_are_gaps() -> None:
    y = _series(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"], [1, np.nan, np.inf, 4])
    prepared = prepare_series(y, freq="D")
    assert prepared.values.tolist() == [1, 1, 1, 4]
    assert prepared.filled == 2


def test_mid_month_dates_snap_to_month_start() -> None:
    y = _series(["2024-01-15", "2024-02-14", "2024-03-20", "2024-04-02"], [1, 2, 3, 4])
    prepared = prepare_series(y)
    assert prepared.freq == "MS"
    assert prepared.values.index[0] == pd.Timestamp("2024-01-01")
    assert prepared.snapped == 4


def test_frequency_and_season_length_are_inferred() -> None:
    y = pd.Series(np.arange(30.0), index=pd.bdate_range("2024-01-01", periods=30))
    prepared = prepare_series(y)
    assert (prepared.freq, prepared.season_length) == ("B", 5)


def test_season_length_can_be_given() -> None:
    y = pd.Series(np.arange(30.0), index=pd.date_range("2024-01-01", periods=30))
    assert prepare_series(y, season_length=14).season_length == 14


def test_a_series_without_timestamps_is_refused() -> None:
    with pytest.raises(SeriesUnusableError, match="DatetimeIndex"):
        prepare_series(pd.Series([1.0, 2.0, 3.0]))


def test_a_series_of_text_is_refused() -> None:
    y = pd.Series(["a", "b", "c"], index=pd.date_range("2024-01-01", periods=3))
    with pytest.raises(SeriesUnusableError, match="numeric"):
        prepare_series(y)


def test_an_empty_series_is_too_short() -> None:
    empty = pd.Series([], index=pd.DatetimeIndex([]), dtype="float64")
    with pytest.raises(SeriesTooShortError) as caught:
        prepare_series(empty)
    assert caught.value.reason == "the series has no observations"


def test_two_points_without_a_frequency_are_too_short_with_a_reason() -> None:
    with pytest.raises(SeriesTooShortError, match="pass freq") as caught:
        prepare_series(_series(["2024-01-01", "2024-01-02"], [1, 2]))
    assert (caught.value.length, caught.value.required) == (2, 3)


def test_a_grid_mostly_made_of_filled_points_is_refused() -> None:
    y = _series(["2024-01-01", "2024-02-01", "2024-03-01"], [1, 2, 3])
    with pytest.raises(SeriesUnusableError, match="would be filled"):
        prepare_series(y, freq="D")


def test_require_length_says_what_is_missing() -> None:
    with pytest.raises(SeriesTooShortError) as caught:
        require_length(5, 24, model="seasonal_naive", why="two full seasons of 12")
    assert caught.value.reason == (
        "seasonal_naive needs at least 24 observations (two full seasons of 12); the series has 5"
    )
