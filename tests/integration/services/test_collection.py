"""Collecting into the database: idempotent writes, health, failures kept apart, staleness."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.errors import InvalidInputError, SeriesNotFoundError
from preditiva.core.settings import Settings
from preditiva.data.collectors import Collectors, RateLimiter
from preditiva.services import collection
from preditiva.services import series as series_service
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.models import Observation, Series
from preditiva.storage.db.repositories import observations as observations_repo
from tests.support.fake_services import (
    FakeServices,
    error,
    running_fake_services,
    settings_overrides,
)

CHART = "/v8/finance/chart/PETR4.SA"


@pytest.fixture(scope="module")
def services() -> Iterator[FakeServices]:
    """One fake-services server for the module."""
    with running_fake_services() as services:
        yield services


@pytest.fixture
def settings(db_settings: Settings, services: FakeServices) -> Settings:
    """Migrated settings on SQLite, then PostgreSQL, collecting from the fake services."""
    services.reset()
    return db_settings.model_copy(update=settings_overrides(services))


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the test database."""
    return get_session_factory(settings)


@pytest.fixture
def collectors(settings: Settings) -> Iterator[Collectors]:
    """Collectors for the settings, with their own rate limiter."""
    with Collectors(collection.collector_config(settings), limiter=RateLimiter()) as collectors:
        yield collectors


def add(
    factory: sessionmaker[Session], key: str, source: str | None, tags: list[str] | None = None
) -> None:
    """Add a series to the catalogue (a bad source is stored as an older release could have)."""
    with factory.begin() as session:
        series = series_service.create(session, key=key, tags=tags)
        series.source = source


def read(factory: sessionmaker[Session], key: str) -> Series:
    """A series as stored now."""
    with factory() as session:
        return series_service.get(session, key)


def stored(factory: sessionmaker[Session], key: str) -> list[Observation]:
    """A series' observations, oldest first."""
    with factory() as session:
        return list(observations_repo.fetch_range(session, series_service.get(session, key).id))


def test_collecting_twice_writes_once_then_reports_unchanged(
    factory: sessionmaker[Session], collectors: Collectors
) -> None:
    add(factory, "PETR4.SA", "yahoo:PETR4.SA")

    first = collection.collect_batch(factory.begin, collectors)
    second = collection.collect_batch(factory.begin, collectors)

    assert [(o.key, o.status, o.received, o.written) for o in first.outcomes] == [
        ("PETR4.SA", "collected", 4, 4)
    ]
    assert [(o.key, o.status, o.written) for o in second.outcomes] == [("PETR4.SA", "unchanged", 0)]
    rows = stored(factory, "PETR4.SA")
    assert [(r.source, r.value, r.is_synthetic) for r in rows] == [
        ("yahoo", 37.51, False),
        ("yahoo", 37.35, False),
        ("yahoo", 37.21, False),
        ("yahoo", 37.05, False),
    ]
    assert rows[0].volume == 41234500.0
    assert read(factory, "PETR4.SA").frequency is not None


def test_a_success_records_the_attempt_and_resets_failures(
    factory: sessionmaker[Session], collectors: Collectors, services: FakeServices
) -> None:
    add(factory, "PETR4.SA", "yahoo:PETR4.SA")
    services.script(CHART, *[error(503)] * 3)
    collection.collect_batch(factory.begin, collectors)

    collection.collect_batch(factory.begin, collectors)

    series = read(factory, "PETR4.SA")
    assert series.consecutive_failures == 0
    assert series.last_success_at is not None
    assert series.last_attempt_at == series.last_success_at
    assert series.last_error is not None and "HTTP 503" in series.last_error
    assert series.last_error_at is not None and series.last_error_at < series.last_success_at


def test_failures_are_counted_with_the_last_error(
    factory: sessionmaker[Session], collectors: Collectors, services: FakeServices
) -> None:
    add(factory, "PETR4.SA", "yahoo:PETR4.SA")
    services.script(CHART, *[error(500)] * 3, error(403, '{"message": "blocked"}'))

    first = collection.collect_batch(factory.begin, collectors)
    second = collection.collect_batch(factory.begin, collectors)

    assert first.outcomes[0].status == second.outcomes[0].status == "failed"
    series = read(factory, "PETR4.SA")
    assert series.consecutive_failures == 2
    assert series.last_success_at is None
    assert series.last_error == (
        "yahoo:PETR4.SA: HTTP 403 Forbidden from "
        f'{services.base_url.removeprefix("http://")}: {{"message": "blocked"}}'
    )
    assert series.last_attempt_at == series.last_error_at
    assert stored(factory, "PETR4.SA") == []


def test_one_failing_series_never_stops_the_others(
    factory: sessionmaker[Session], collectors: Collectors, services: FakeServices
) -> None:
    add(factory, "A-YAHOO", "yahoo:PETR4.SA")
    add(factory, "B-DELISTED", "yahoo:NOPE3.SA")
    add(factory, "C-CSV", f"csv:{services.url('/files/prices.csv')}#ts=date,value=close")
    add(factory, "D-BAD-SOURCE", "bloomberg:PETR4")
    add(factory, "E-OFFERS", 'mercadolivre:"furadeira bosch"')
    add(factory, "F-MANUAL", None)

    report = collection.collect_batch(factory.begin, collectors, concurrency=3)

    assert [(o.key, o.status) for o in report.outcomes] == [
        ("A-YAHOO", "collected"),
        ("B-DELISTED", "failed"),
        ("C-CSV", "collected"),
        ("D-BAD-SOURCE", "failed"),
        ("E-OFFERS", "collected"),
    ]
    errors = {o.key: o.error for o in report.outcomes if o.error}
    assert "No data found, symbol may be delisted" in (errors["B-DELISTED"] or "")
    assert "unknown collector scheme 'bloomberg'" in (errors["D-BAD-SOURCE"] or "")
    assert report.as_dict()["collected"] == 3
    assert report.as_dict()["failed"] == 2
    assert [r.source for r in stored(factory, "E-OFFERS")] == ["mercadolivre"]
    assert [r.source for r in stored(factory, "C-CSV")] == ["csv"] * 3
    assert read(factory, "D-BAD-SOURCE").consecutive_failures == 1


def test_keys_and_tags_choose_the_series(
    factory: sessionmaker[Session], collectors: Collectors
) -> None:
    add(factory, "PETR4.SA", "yahoo:PETR4.SA", tags=["b3"])
    add(factory, "VALE3.SA", "yahoo:VALE3.SA", tags=["b3"])
    add(factory, "MANUAL", None, tags=["b3"])

    by_tag = collection.collect_batch(factory.begin, collectors, tag="b3")
    by_keys = collection.collect_batch(
        factory.begin, collectors, keys=["PETR4.SA", "GHOST", "MANUAL"]
    )
    both = collection.collect_batch(factory.begin, collectors, tag="other", keys=["PETR4.SA"])

    assert [o.key for o in by_tag.outcomes] == ["PETR4.SA", "VALE3.SA"]
    assert [(o.key, o.status, o.error) for o in by_keys.outcomes] == [
        ("GHOST", "failed", "no series with key 'GHOST'"),
        ("MANUAL", "failed", "the series has no source"),
        ("PETR4.SA", "unchanged", None),
    ]
    assert both.outcomes == []


def test_progress_is_reported_once_per_series(
    factory: sessionmaker[Session], collectors: Collectors
) -> None:
    add(factory, "PETR4.SA", "yahoo:PETR4.SA")
    add(factory, "VALE3.SA", "yahoo:VALE3.SA")
    seen: list[tuple[str, int, int]] = []

    collection.collect_batch(
        factory.begin,
        collectors,
        keys=["GHOST", "PETR4.SA", "VALE3.SA"],
        on_outcome=lambda outcome, done, total: seen.append((outcome.key, done, total)),
    )

    assert seen[0] == ("GHOST", 1, 3)
    assert sorted(seen[1:]) == [("PETR4.SA", 2, 3), ("VALE3.SA", 3, 3)] or sorted(seen[1:]) == [
        ("PETR4.SA", 3, 3),
        ("VALE3.SA", 2, 3),
    ]


def test_stale_series_are_those_with_a_source_and_no_recent_success(
    factory: sessionmaker[Session], collectors: Collectors
) -> None:
    add(factory, "PETR4.SA", "yahoo:PETR4.SA")
    add(factory, "VALE3.SA", "yahoo:VALE3.SA")
    add(factory, "MANUAL", None)

    def stale() -> list[str]:
        with factory() as session:
            page = series_service.search(session, stale=True, stale_after=timedelta(hours=1))
            return [series.key for series in page.items]

    assert stale() == ["PETR4.SA", "VALE3.SA"]
    collection.collect_batch(factory.begin, collectors)
    assert stale() == ["VALE3.SA"]


def test_collect_one_refuses_an_unknown_series_or_one_without_source(
    factory: sessionmaker[Session], collectors: Collectors
) -> None:
    add(factory, "MANUAL", None)

    with pytest.raises(SeriesNotFoundError):
        collection.collect_one(factory.begin, collectors, "GHOST")
    with pytest.raises(InvalidInputError, match="has no source"):
        collection.collect_one(factory.begin, collectors, "MANUAL")


def test_collect_one_returns_a_failure_as_its_outcome(
    factory: sessionmaker[Session], collectors: Collectors, services: FakeServices
) -> None:
    add(factory, "PETR4.SA", "yahoo:PETR4.SA")
    services.script(CHART, *[error(502)] * 3)

    outcome = collection.collect_one(factory.begin, collectors, "PETR4.SA")

    assert outcome.status == "failed"
    assert outcome.transient
    assert read(factory, "PETR4.SA").consecutive_failures == 1


def test_collect_one_records_a_source_no_collector_takes(
    factory: sessionmaker[Session], collectors: Collectors
) -> None:
    add(factory, "ODD", "bloomberg:PETR4")

    outcome = collection.collect_one(factory.begin, collectors, "ODD")

    assert (outcome.status, outcome.transient) == ("failed", False)
    assert "unknown collector scheme 'bloomberg'" in (read(factory, "ODD").last_error or "")
