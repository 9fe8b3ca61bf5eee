"""Shared fixtures: fresh SQLite and PostgreSQL databases, settings and sessions, logging."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.settings import Settings
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from tests.support.backends import fast_settings, fresh_postgres
from tests.support.logging_state import saved_logging

pytest_plugins = ("tests.support.s3_server",)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    with fresh_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Migrated settings on SQLite, then on PostgreSQL (embedded broker either way)."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    settings = fast_settings(tmp_path / "home", database_url=url)
    upgrade(settings.effective_database_url)
    return settings


@pytest.fixture
def factory(db_settings: Settings) -> sessionmaker[Session]:
    """Sessions on the migrated ``db_settings`` database."""
    return get_session_factory(db_settings)


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Undo what ``configure_logging`` does to this process's logging and structlog."""
    with saved_logging():
        yield
