"""The aggregate index of a group: members weigh the same whatever their price level."""

from datetime import UTC, datetime, timedelta

import pytest

from preditiva.services.group_index import aggregate_index, index_key


def _day(number: int) -> datetime:
    """Day ``number`` of January 2024, UTC."""
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=number)


def test_two_flat_members_of_any_price_level_give_a_flat_index_of_100() -> None:
    rows = [(1, _day(d), 10.0) for d in range(5)] + [(2, _day(d), 1000.0) for d in range(5)]
    index = aggregate_index(rows)
    assert list(index.round(6)) == [100.0] * 5


def test_a_member_that_doubles_moves_the_index_by_its_own_relative_change() -> None:
    cheap = [(1, _day(d), 1.0 if d < 2 else 2.0) for d in range(4)]  # mean 1.5
    dear = [(2, _day(d), 500.0) for d in range(4)]
    index = aggregate_index(cheap + dear)
    assert index.iloc[0] == pytest.approx(100 * (1 / 1.5 + 1) / 2)
    assert index.iloc[-1] == pytest.approx(100 * (2 / 1.5 + 1) / 2)


def test_gaps_are_filled_only_inside_a_members_own_history() -> None:
    early = [(1, _day(0), 10.0), (1, _day(3), 10.0)]  # a gap on days 1-2, filled
    late = [(2, _day(2), 50.0), (2, _day(3), 50.0)]  # starts on day 2, nothing before
    index = aggregate_index(early + late)
    assert len(index) == 4 and list(index.round(6)) == [100.0] * 4


def test_no_rows_give_an_empty_index_and_the_key_marks_an_index() -> None:
    assert aggregate_index([]).empty
    assert index_key("catalogue") == "^catalogue"
