"""``data.cleanup_observations`` on SQLite and PostgreSQL: only old rows go."""

from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.clock import utcnow
from preditiva.core.errors import JobParamsInvalidError
from preditiva.core.settings import Settings
from preditiva.services import retention
from preditiva.services import series as series_service
from preditiva.services.catalogue import get_kind
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.models import Observation, Series
from preditiva.storage.db.repositories import observations as observations_repo

KIND = "data.cleanup_observations"


class Context:
    """A job context on the test database that records progress."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        """A context for a first attempt."""
        self.job_id = None
        self.attempt = 1
        self.settings = settings
        self.factory = factory
        self.progress_seen: list[float] = []

    def transaction(self) -> AbstractContextManager[Session]:
        """A committed transaction on the test database."""
        return self.factory.begin()

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record the fraction."""
        self.progress_seen.append(fraction)

    def sleep(self, seconds: float) -> None:
        """Not used by the clean-up."""

    def check_cancelled(self) -> None:
        """Never cancelled."""


@pytest.fixture
def factory(db_settings: Settings) -> sessionmaker[Session]:
    """Sessions on the test database with two series: ``stock`` (tagged market) and ``item``."""
    factory = get_session_factory(db_settings)
    now = utcnow()
    with factory.begin() as session:
        for key, tags in (("stock", ["market"]), ("item", [])):
            series = series_service.create(session, key=key, tags=tags)
            rows = [
                {
                    "series_id": series.id,
                    "ts": now - timedelta(days=days),
                    "source": source,
                    "value": 10.0,
                    "is_synthetic": synthetic,
                }
                for days, source, synthetic in (
                    (800, "yahoo", False),
                    (400, "yahoo", False),
                    (10, "yahoo", False),
                    (900, "synthetic", True),
                )
            ]
            observations_repo.upsert(session, rows)
    return factory


def run(factory: sessionmaker[Session], settings: Settings, **params: Any) -> dict[str, Any]:
    """Run the clean-up job's body in this process; return its result."""
    kind = get_kind(KIND)
    result: dict[str, Any] = kind.run(Context(factory, settings), kind.validate(params))
    return result


def ages(factory: sessionmaker[Session], key: str) -> list[tuple[int, bool]]:
    """(age in days, is synthetic) of a series' observations, oldest first."""
    now = utcnow()
    with factory() as session:
        rows = session.execute(
            select(Observation.ts, Observation.is_synthetic)
            .join(Series, Series.id == Observation.series_id)
            .where(Series.key == key)
            .order_by(Observation.ts)
        ).all()
    return [(round((now - ts).total_seconds() / 86400), synthetic) for ts, synthetic in rows]


def test_cleanup_deletes_real_rows_older_than_the_retention_and_keeps_the_rest(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    result = run(factory, db_settings, retention_days=365)
    assert result["deleted"] == 4  # the 800- and 400-day-old real rows of both series
    assert result["series"] == 2
    for key in ("stock", "item"):
        assert ages(factory, key) == [(900, True), (10, False)]


def test_cleanup_of_a_tag_touches_only_its_series(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    result = run(factory, db_settings, retention_days=365, tag="market")
    assert result["deleted"] == 2
    assert ages(factory, "stock") == [(900, True), (10, False)]
    assert len(ages(factory, "item")) == 4


def test_cleanup_deletes_synthetic_rows_only_when_asked(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    result = run(factory, db_settings, retention_days=365, include_synthetic=True)
    assert result["deleted"] == 6
    assert ages(factory, "item") == [(10, False)]


def test_cleanup_needs_a_retention_of_at_least_one_day() -> None:
    with pytest.raises(JobParamsInvalidError) as caught:
        get_kind(KIND).validate({"retention_days": 0})
    assert caught.value.details[0]["field"] == "params.retention_days"


def test_cleanup_is_registered_on_the_ingest_queue() -> None:
    assert get_kind(KIND) is retention.CLEANUP_OBSERVATIONS
    assert retention.CLEANUP_OBSERVATIONS.queue == "ingest"
