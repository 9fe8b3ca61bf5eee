"""Resampling observations to day, week or month with last, mean or OHLC."""

import math

import pandas as pd

from preditiva.data.resampling import COLUMNS, resample

NAN = float("nan")


def observations(*rows: tuple[object, ...]) -> pd.DataFrame:
    """A frame of observations from ``(ts, value[, open, high, low, volume[, synthetic]])``."""
    records = []
    for row in rows:
        ts, value, *rest = row
        ohlcv = [*rest[:4], *[None] * (4 - len(rest[:4]))]
        synthetic = bool(rest[4]) if len(rest) > 4 else False
        records.append([pd.Timestamp(str(ts), tz="UTC"), value, *ohlcv, synthetic])
    frame = pd.DataFrame(records, columns=COLUMNS)
    for column in ("value", "open", "high", "low", "volume"):
        frame[column] = frame[column].astype("float64")
    return frame


def stamps(frame: pd.DataFrame) -> list[str]:
    return [ts.strftime("%Y-%m-%d") for ts in frame["ts"]]


def test_day_last_keeps_the_latest_value_of_each_day() -> None:
    frame = observations(
        ("2024-01-01 09:00", 10.0),
        ("2024-01-01 17:00", 12.0),
        ("2024-01-02 09:00", 11.0),
    )

    result = resample(frame, "day", "last")

    assert stamps(result) == ["2024-01-01", "2024-01-02"]
    assert result["value"].tolist() == [12.0, 11.0]


def test_last_means_latest_in_time_even_when_rows_come_unordered() -> None:
    frame = observations(("2024-01-01 17:00", 12.0), ("2024-01-01 09:00", 10.0))

    result = resample(frame, "day", "last")

    assert result["value"].tolist() == [12.0]


def test_weeks_start_on_monday() -> None:
    frame = observations(
        ("2024-01-03", 1.0),  # Wednesday
        ("2024-01-07 23:00", 2.0),  # Sunday, still the week of Monday 1 January
        ("2024-01-08", 3.0),  # Monday opens a new week
        ("2024-01-14", 4.0),  # Sunday
    )

    result = resample(frame, "week", "last")

    assert stamps(result) == ["2024-01-01", "2024-01-08"]
    assert all(ts.day_of_week == 0 for ts in result["ts"])
    assert result["value"].tolist() == [2.0, 4.0]


def test_month_mean_averages_each_calendar_month() -> None:
    frame = observations(
        ("2024-01-01", 10.0),
        ("2024-01-31 23:59", 20.0),
        ("2024-02-01", 30.0),
        ("2024-02-29", 50.0),
    )

    result = resample(frame, "month", "mean")

    assert stamps(result) == ["2024-01-01", "2024-02-01"]
    assert result["value"].tolist() == [15.0, 40.0]


def test_last_and_mean_leave_the_ohlc_columns_empty() -> None:
    frame = observations(("2024-01-01", 10.0, 9.0, 11.0, 8.0, 100.0))

    result = resample(frame, "day", "mean")

    assert result[["open", "high", "low", "volume"]].isna().all().all()


def test_ohlc_takes_first_open_highest_high_lowest_low_last_close_and_summed_volume() -> None:
    frame = observations(
        ("2024-01-01 09:00", 10.0, 9.5, 10.5, 9.0, 100.0),
        ("2024-01-01 12:00", 14.0),  # a bare value above every high counts as a high
        ("2024-01-01 14:00", 8.5),  # and one below every low counts as a low
        ("2024-01-01 16:00", 11.0, 11.5, 13.0, 10.8, 50.0),
    )

    result = resample(frame, "day", "ohlc")

    row = result.iloc[0]
    assert len(result) == 1
    assert (row["open"], row["high"], row["low"], row["value"]) == (9.5, 14.0, 8.5, 11.0)
    assert row["volume"] == 150.0


def test_ohlc_open_falls_back_to_the_first_value_when_it_has_no_open() -> None:
    frame = observations(("2024-01-01 09:00", 10.0), ("2024-01-01 16:00", 11.0, 10.2))

    result = resample(frame, "day", "ohlc")

    assert result["open"].tolist() == [10.0]


def test_ohlc_period_without_volumes_has_no_volume_rather_than_zero() -> None:
    frame = observations(("2024-01-01", 10.0), ("2024-01-02", 11.0, 11.0, 11.0, 11.0, 5.0))

    result = resample(frame, "day", "ohlc")

    assert math.isnan(result["volume"].iloc[0])
    assert result["volume"].iloc[1] == 5.0


def test_periods_without_data_are_dropped() -> None:
    frame = observations(("2024-01-15", 1.0), ("2024-04-15", 2.0))

    for how in ("last", "mean", "ohlc"):
        result = resample(frame, "month", how)
        assert stamps(result) == ["2024-01-01", "2024-04-01"], how


def test_period_is_synthetic_when_any_of_its_points_is() -> None:
    frame = observations(
        ("2024-01-01", 1.0, None, None, None, None, True),
        ("2024-01-02", 2.0),
        ("2024-01-09", 3.0),
        ("2024-01-10", 4.0),
    )

    result = resample(frame, "week", "last")

    assert result["is_synthetic"].tolist() == [True, False]
    assert result["is_synthetic"].dtype == bool


def test_empty_frame_resamples_to_an_empty_frame_with_the_columns() -> None:
    result = resample(observations(), "week", "ohlc")

    assert result.empty
    assert list(result.columns) == COLUMNS
