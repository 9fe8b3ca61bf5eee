"""Frequency codes: canonical spelling, inference from an index, season lengths."""

import pandas as pd
import pytest

from preditiva.ml.frequency import (
    default_horizon_for,
    infer_frequency,
    normalise_frequency,
    season_length_for,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("M", "ME"), ("H", "h"), ("W-SUN", "W"), ("QS-OCT", "QS"), ("QE-MAR", "QE"), ("A", "YE")],
)
def test_aliases_are_normalised(given: str, expected: str) -> None:
    assert normalise_frequency(given) == expected


@pytest.mark.parametrize(
    ("freq", "season"),
    [("D", 7), ("B", 5), ("W", 52), ("W-WED", 52), ("MS", 12), ("QS", 4), ("h", 24), ("YS", 1)],
)
def test_season_length_by_frequency(freq: str, season: int) -> None:
    assert season_length_for(freq) == season


def test_unknown_frequency_has_no_season_and_a_default_horizon() -> None:
    assert season_length_for("min") == 1
    assert default_horizon_for("min") == 10


@pytest.mark.parametrize("freq", ["h", "D", "B", "W-WED", "MS", "ME", "QS", "YS"])
def test_regular_index_frequency_is_read_back(freq: str) -> None:
    index = pd.DatetimeIndex(list(pd.date_range("2020-01-01", periods=30, freq=freq)))
    assert index.freq is None
    assert infer_frequency(index) == normalise_frequency(freq)


def test_daily_index_with_gaps_is_daily() -> None:
    index = pd.date_range("2020-01-01", periods=60, freq="D").delete([5, 6, 20])
    assert infer_frequency(index) == "D"


def test_trading_days_with_holidays_are_business_days() -> None:
    index = pd.bdate_range("2020-01-01", periods=120).delete([10, 50, 90])
    assert infer_frequency(index) == "B"


def test_months_with_a_missing_month_are_month_starts() -> None:
    index = pd.date_range("2020-01-01", periods=24, freq="MS").delete(7)
    assert infer_frequency(index) == "MS"


def test_fewer_than_three_timestamps_cannot_be_read() -> None:
    assert infer_frequency(pd.date_range("2020-01-01", periods=2)) is None
