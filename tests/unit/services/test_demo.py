"""Loading the real demo excerpt shipped with the package, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from preditiva.services import demo
from preditiva.services import series as series_service
from preditiva.services.demo import DemoReport
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.models import Observation
from tests.support.backends import fast_settings, fresh_postgres

SERIES = 72
ROWS = 24_070
STOCKS = ["AAPL", "AMZN", "FB", "GOOG", "MSFT", "^GSPC"]


@dataclass
class Loaded:
    """A database the demo was loaded into once, and what that first load reported."""

    factory: sessionmaker[Session]
    first: DemoReport


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """A fresh database with the demo loaded (loading takes seconds: once per module)."""
    home = tmp_path_factory.mktemp(f"demo_{request.param}") / "home"
    database: AbstractContextManager[str | None] = (
        fresh_postgres() if request.param == "postgresql" else nullcontext(None)
    )
    with database as url:
        settings = fast_settings(home, database_url=url)
        upgrade(settings.effective_database_url)
        factory = get_session_factory(settings)
        with factory.begin() as session:
            first = demo.load(session)
        try:
            yield Loaded(factory, first)
        finally:
            factory.kw["bind"].dispose()


def shipped(name: str) -> Traversable:
    """A file of the demo excerpt as the installed package ships it."""
    return resources.files("preditiva.demo").joinpath(name)


def test_first_load_creates_every_demo_series_and_row(loaded: Loaded) -> None:
    assert loaded.first == DemoReport(
        series_created=SERIES, series_total=SERIES, rows_written=ROWS, rows_total=ROWS
    )
    with loaded.factory() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == ROWS
        sources = session.scalars(select(Observation.source).distinct()).all()
        synthetic = session.scalar(select(func.count()).where(Observation.is_synthetic.is_(True)))
    assert sources == ["demo"]
    assert synthetic == 0


def test_every_demo_series_carries_the_demo_tag(loaded: Loaded) -> None:
    with loaded.factory() as session:
        page = series_service.search(session, tag="demo", limit=500)
        everything = series_service.search(session, limit=500)

    assert page.total == everything.total == SERIES
    assert {"AAPL", "^GSPC"} <= {series.key for series in page.items}


def test_demo_series_get_their_frequency_detected(loaded: Loaded) -> None:
    with loaded.factory() as session:
        page = series_service.search(session, tag="demo", limit=500)
        frequencies = {series.key: series.frequency for series in page.items}

    assert all(frequencies[key] == "B" for key in STOCKS)
    assert {frequencies[key] for key in frequencies if key not in STOCKS} == {"MS"}


def test_stock_series_carry_ohlcv(loaded: Loaded) -> None:
    with loaded.factory() as session:
        for key in STOCKS:
            series = series_service.get(session, key)
            rows = session.scalars(
                select(Observation).where(Observation.series_id == series.id)
            ).all()
            assert len(rows) > 700, key
            for row in rows:
                assert row.open is not None and row.high is not None, (key, row.ts)
                assert row.low is not None and row.volume is not None, (key, row.ts)
                assert row.low <= min(row.open, row.value) <= row.high, (key, row.ts)
                assert row.low <= max(row.open, row.value) <= row.high, (key, row.ts)


def test_loading_again_creates_and_writes_nothing(loaded: Loaded) -> None:
    with loaded.factory.begin() as session:
        again = demo.load(session)

    assert again == DemoReport(
        series_created=0, series_total=SERIES, rows_written=0, rows_total=ROWS
    )
    with loaded.factory() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == ROWS


def test_readme_names_the_origin_and_licence_of_the_data() -> None:
    readme = shipped("README.md").read_text()

    for origin in ("Yahoo Finance", "txhousing", "Australian Bureau of Statistics"):
        assert origin in readme
    assert "licence" in readme.lower()
    for licence in ("GPL-3", "MIT", "CC BY 4.0"):
        assert licence in readme


def test_shipped_excerpt_stays_small() -> None:
    size = sum(len(shipped(name).read_bytes()) for name in ("prices.parquet", "series.json"))

    assert size < 3_000_000
