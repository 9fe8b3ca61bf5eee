"""Alembic migrations on an empty SQLite and an empty PostgreSQL database."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.storage.db.engine import build_engine
from preditiva.storage.db.migrate import alembic_config, upgrade
from preditiva.storage.db.models import Base, Worker
from tests.support.backends import fast_settings as make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with no tables, on SQLite, then on PostgreSQL."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    return make_settings(tmp_path / "home", database_url=url).effective_database_url


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    """An engine on that database, disposed afterwards."""
    engine = build_engine(empty_url)
    yield engine
    engine.dispose()


def head_revision(url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None
    return head


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_database_starts_without_tables(engine: Engine) -> None:
    assert inspect(engine).get_table_names() == []


def test_upgrade_from_empty_creates_job_and_worker_tables(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)

    tables = set(inspect(engine).get_table_names())
    assert {"job", "worker", "alembic_version"} <= tables


def test_upgrade_from_empty_records_the_head_revision(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)

    assert version_rows(engine) == [head_revision(empty_url)]


def test_upgrade_twice_keeps_one_version_row_and_the_data(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)
    with Session(engine) as session, session.begin():
        now = utcnow()
        session.add(
            Worker(
                name="w1",
                hostname="h",
                pid=1,
                queues=["default"],
                concurrency=1,
                reserved=[],
                started_at=now,
                heartbeat_at=now,
            )
        )

    upgrade(empty_url)

    assert version_rows(engine) == [head_revision(empty_url)]
    with Session(engine) as session:
        assert session.scalars(select(Worker.name)).all() == ["w1"]


def test_models_and_migrations_agree(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    assert diff == []
