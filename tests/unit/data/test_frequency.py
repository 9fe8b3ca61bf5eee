"""Detecting a series' frequency from its timestamps."""

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from preditiva.data.frequency import detect_frequency


def regular(freq: str, periods: int = 40, start: str = "2024-01-01") -> list[datetime]:
    """``periods`` aware UTC timestamps spaced by the pandas alias ``freq``."""
    index = pd.date_range(start, periods=periods, freq=freq, tz="UTC")
    return [ts.to_pydatetime() for ts in index]


@pytest.mark.parametrize(
    ("freq", "expected"),
    [
        ("h", "h"),
        ("D", "D"),
        ("B", "B"),
        ("W-MON", "W"),
        ("MS", "MS"),
        ("ME", "MS"),
        ("QS", "QS"),
        ("YS", "YS"),
    ],
)
def test_regular_series_frequency_is_detected(freq: str, expected: str) -> None:
    assert detect_frequency(regular(freq)) == expected


def test_daily_series_that_includes_weekends_is_daily_not_business_days() -> None:
    assert detect_frequency(regular("D", periods=30)) == "D"


def test_weekday_series_with_a_holiday_gap_is_still_business_days() -> None:
    days = regular("B", periods=60)
    del days[10]  # a holiday

    assert detect_frequency(days) == "B"


def test_daily_series_with_a_few_missing_days_is_still_daily() -> None:
    days = regular("D", periods=60)
    del days[5], days[20], days[40]

    assert detect_frequency(days) == "D"


def test_order_duplicates_and_time_zones_do_not_change_the_answer() -> None:
    days = regular("D", periods=20)
    shifted = [day.astimezone(timezone(timedelta(hours=-3))) for day in days]
    mixed = list(reversed(shifted)) + days[:5]

    assert detect_frequency(mixed) == "D"


@pytest.mark.parametrize("count", [0, 1, 2])
def test_fewer_than_three_points_have_no_frequency(count: int) -> None:
    assert detect_frequency(regular("D", periods=count)) is None


def test_points_all_at_one_moment_have_no_frequency() -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)

    assert detect_frequency([moment, moment, moment]) is None
