"""Filling series with synthetic history, marked apart and joined to the real data."""

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.clock import utcnow
from preditiva.core.errors import InvalidInputError, SeriesNotFoundError
from preditiva.services import observations, synthetic
from preditiva.services import series as series_service
from preditiva.services.observations import Point
from preditiva.services.synthetic import SyntheticParams, SyntheticReport
from preditiva.storage.db.models import Observation

# data/synthetic.py reads pandas attributes deprecated in pandas 3 (see
# tests/unit/data/test_synthetic.py::test_generating_raises_no_deprecation_warning).

FIRST_REAL = datetime(2024, 3, 1, tzinfo=UTC)


def add_series(
    factory: sessionmaker[Session],
    key: str,
    *,
    tags: Sequence[str] = (),
    real: Sequence[datetime] = (),
    value: float = 80.0,
) -> None:
    """A series with real observations at ``real``, all of ``value``, committed."""
    with factory.begin() as session:
        series = series_service.create(session, key=key, tags=list(tags))
        if real:
            points = [Point(ts=ts, value=value) for ts in real]
            observations.write(session, series, points, source="api")


def daily(start: datetime = FIRST_REAL, periods: int = 10, freq: str = "D") -> list[datetime]:
    return [ts.to_pydatetime() for ts in pd.date_range(start, periods=periods, freq=freq)]


def fill(factory: sessionmaker[Session], key: str, **params: int) -> SyntheticReport:
    with factory.begin() as session:
        request = SyntheticParams(key=key, **params)
        return synthetic.fill(session, series_service.get(session, key), request)


def fill_tag(factory: sessionmaker[Session], tag: str, **params: int) -> list[SyntheticReport]:
    with factory.begin() as session:
        request = SyntheticParams(tag=tag, **params)
        return [synthetic.fill(session, s, request) for s in synthetic.targets(session, request)]


def stored(factory: sessionmaker[Session], key: str) -> list[Observation]:
    """A series' observations, oldest first."""
    with factory() as session:
        series = series_service.get(session, key)
        rows = session.scalars(
            select(Observation).where(Observation.series_id == series.id).order_by(Observation.ts)
        )
        return list(rows)


def synthetic_rows(factory: sessionmaker[Session], key: str) -> list[Observation]:
    return [row for row in stored(factory, key) if row.is_synthetic]


def test_fill_writes_periods_points_marked_synthetic(factory: sessionmaker[Session]) -> None:
    add_series(factory, "shop-1", real=daily())

    report = fill(factory, "shop-1", periods=30)

    rows = synthetic_rows(factory, "shop-1")
    assert report.written == 30
    assert len(rows) == 30
    assert {row.source for row in rows} == {"synthetic"}
    assert all(row.value > 0 for row in rows)
    assert len(stored(factory, "shop-1")) == 40


def test_fill_ends_one_step_before_the_first_real_point(factory: sessionmaker[Session]) -> None:
    add_series(factory, "shop-1", real=daily())

    report = fill(factory, "shop-1", periods=30)

    rows = synthetic_rows(factory, "shop-1")
    assert rows[-1].ts == FIRST_REAL - timedelta(days=1)
    assert rows[0].ts == FIRST_REAL - timedelta(days=30)
    assert {b.ts - a.ts for a, b in itertools.pairwise(rows)} == {timedelta(days=1)}
    assert (report.start, report.end) == (rows[0].ts, rows[-1].ts)


@pytest.mark.parametrize(
    ("freq", "first_real", "expected_end"),
    [
        pytest.param("B", datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 1), id="business"),
        pytest.param(
            "W-MON",
            datetime(2024, 3, 4, tzinfo=UTC),
            datetime(2024, 2, 26),
            id="weekly",
        ),
        pytest.param(
            "MS",
            datetime(2024, 3, 1, tzinfo=UTC),
            datetime(2024, 2, 1),
            id="monthly",
        ),
        pytest.param(
            "QS",
            datetime(2024, 4, 1, tzinfo=UTC),
            datetime(2024, 1, 1),
            id="quarterly",
        ),
        pytest.param(
            "YS",
            datetime(2024, 1, 1, tzinfo=UTC),
            datetime(2023, 1, 1),
            id="yearly",
        ),
        pytest.param(
            "h",
            datetime(2024, 3, 1, 10, tzinfo=UTC),
            datetime(2024, 3, 1, 9),
            id="hourly",
        ),
    ],
)
def test_fill_ends_one_step_before_the_first_real_point_at_every_frequency(
    factory: sessionmaker[Session], freq: str, first_real: datetime, expected_end: datetime
) -> None:
    add_series(factory, "s", real=daily(first_real, periods=12, freq=freq))

    fill(factory, "s", periods=6)

    rows = synthetic_rows(factory, "s")
    assert len(rows) == 6
    assert rows[-1].ts == expected_end.replace(tzinfo=UTC)


def test_with_no_real_data_history_ends_today(factory: sessionmaker[Session]) -> None:
    add_series(factory, "fresh")

    report = fill(factory, "fresh", periods=10)

    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = synthetic_rows(factory, "fresh")
    assert report.written == 10
    assert rows[-1].ts == today
    assert rows[0].ts == today - timedelta(days=9)


def test_synthetic_history_joins_the_level_of_the_first_real_value(
    factory: sessionmaker[Session],
) -> None:
    for number in range(12):
        add_series(factory, f"shop-{number}", tags=["shop"], real=daily())

    fill_tag(factory, "shop", periods=365)

    joins = {
        f"shop-{number}": round(synthetic_rows(factory, f"shop-{number}")[-1].value / 80.0, 3)
        for number in range(12)
    }
    assert {key: ratio for key, ratio in joins.items() if abs(ratio - 1) > 0.1} == {}


def test_filling_twice_with_the_same_seed_writes_nothing_the_second_time(
    factory: sessionmaker[Session],
) -> None:
    add_series(factory, "shop-1", real=daily())
    fill(factory, "shop-1", periods=30, seed=9)
    before = [(row.ts, row.value) for row in synthetic_rows(factory, "shop-1")]

    again = fill(factory, "shop-1", periods=30, seed=9)

    assert again.written == 0
    assert [(row.ts, row.value) for row in synthetic_rows(factory, "shop-1")] == before


def test_filling_again_with_another_seed_replaces_the_values_in_place(
    factory: sessionmaker[Session],
) -> None:
    add_series(factory, "shop-1", real=daily())
    fill(factory, "shop-1", periods=30, seed=1)
    before = [row.value for row in synthetic_rows(factory, "shop-1")]

    again = fill(factory, "shop-1", periods=30, seed=2)

    after = [row.value for row in synthetic_rows(factory, "shop-1")]
    assert again.written == 29  # the last point is anchored at the first real value either way
    assert len(after) == 30
    assert after != before


def test_each_series_gets_its_own_history_from_one_seed(factory: sessionmaker[Session]) -> None:
    add_series(factory, "a", real=daily())
    add_series(factory, "b", real=daily())

    fill(factory, "a", periods=30, seed=4)
    fill(factory, "b", periods=30, seed=4)

    values_a = [row.value for row in synthetic_rows(factory, "a")]
    values_b = [row.value for row in synthetic_rows(factory, "b")]
    assert values_a != values_b


def test_real_observations_are_left_untouched(factory: sessionmaker[Session]) -> None:
    add_series(factory, "shop-1", real=daily(), value=80.0)

    fill(factory, "shop-1", periods=30)

    real = [row for row in stored(factory, "shop-1") if not row.is_synthetic]
    assert [(row.ts, row.value, row.source) for row in real] == [
        (ts, 80.0, "api") for ts in daily()
    ]


def test_a_tag_fills_every_series_with_that_tag(factory: sessionmaker[Session]) -> None:
    for key in ("shop-a", "shop-b", "shop-c"):
        add_series(factory, key, tags=["shop", "br"], real=daily())
    add_series(factory, "other", tags=["br"], real=daily())

    reports = fill_tag(factory, "shop", periods=20)

    assert sorted((report.key, report.written) for report in reports) == [
        ("shop-a", 20),
        ("shop-b", 20),
        ("shop-c", 20),
    ]
    assert all(len(synthetic_rows(factory, key)) == 20 for key in ("shop-a", "shop-b", "shop-c"))
    assert synthetic_rows(factory, "other") == []


def test_a_tag_no_series_carries_is_a_422(factory: sessionmaker[Session]) -> None:
    add_series(factory, "shop-a", tags=["shop"])

    with factory() as session, pytest.raises(InvalidInputError, match="nosuch") as raised:
        synthetic.targets(session, SyntheticParams(tag="nosuch"))

    assert raised.value.status_code == 422


def test_an_unknown_key_is_a_404(factory: sessionmaker[Session]) -> None:
    with factory() as session, pytest.raises(SeriesNotFoundError) as raised:
        synthetic.targets(session, SyntheticParams(key="nosuch"))

    assert raised.value.status_code == 404


@pytest.mark.parametrize("target", [{}, {"key": "shop-1", "tag": "shop"}], ids=["neither", "both"])
def test_params_need_exactly_one_of_key_or_tag(target: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="exactly one of key or tag"):
        SyntheticParams.model_validate(target)
