"""Observation rows become one series per id, the last source winning at a shared time."""

from datetime import UTC, datetime, timedelta

import pandas as pd

from preditiva.services.training import _histories

DAY = timedelta(days=1)
START = datetime(2024, 1, 1, tzinfo=UTC)


def test_rows_become_one_series_per_id_with_naive_utc_times() -> None:
    rows = [(7, START + n * DAY, 10.0 + n) for n in range(3)]
    rows += [(9, datetime(2024, 2, 1, 12), 5.0)]  # a naive time is taken as UTC

    histories = _histories(rows)

    assert sorted(histories) == [7, 9]
    expected = pd.Series(
        [10.0, 11.0, 12.0],
        index=pd.DatetimeIndex(pd.date_range("2024-01-01", periods=3), name="ts"),
    )
    pd.testing.assert_series_equal(histories[7], expected, check_names=False, check_freq=False)
    assert histories[9].index[0] == pd.Timestamp("2024-02-01 12:00")


def test_the_last_source_wins_when_two_share_a_time() -> None:
    rows = [(1, START, 1.0), (1, START, 2.0), (1, START + DAY, 3.0), (2, START, 4.0)]

    histories = _histories(rows)

    assert histories[1].tolist() == [2.0, 3.0]
    assert histories[2].tolist() == [4.0]


def test_no_rows_no_series() -> None:
    assert _histories([]) == {}
