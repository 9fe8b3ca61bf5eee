"""Reading the timestamps and numbers that price documents write."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from preditiva.data.collectors.values import parse_number, parse_timestamp

MARCH_1 = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-01",
        "2024-03-01T00:00:00",
        "2024-03-01T00:00:00Z",
        "2024-02-29T21:00:00-03:00",
        1709251200,
        1709251200000,
        "1709251200",
        date(2024, 3, 1),
        datetime(2024, 2, 29, 21, tzinfo=timezone(timedelta(hours=-3))),
    ],
)
def test_timestamps_become_aware_utc(raw: object) -> None:
    assert parse_timestamp(raw) == MARCH_1


@pytest.mark.parametrize("raw", ["yesterday", "", None, True, float("nan")])
def test_what_is_not_a_timestamp_is_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="not a timestamp"):
        parse_timestamp(raw)


def test_numbers_from_json_and_text() -> None:
    assert parse_number(37) == 37.0
    assert parse_number(" 37.5 ") == 37.5
    assert parse_number("1.234,56", decimal=",") == 1234.56
    assert parse_number(None) is None
    assert parse_number("") is None
    assert parse_number(float("nan")) is None


@pytest.mark.parametrize("raw", ["n/a", True, [1], "inf"])
def test_what_is_not_a_number_is_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_number(raw)
