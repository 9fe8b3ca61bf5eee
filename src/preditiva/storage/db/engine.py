"""Engines and sessions: SQLite tuned for several processes, or any SQLAlchemy URL."""

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.errors import BackendUnavailableError
from preditiva.core.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Execution option choosing how a SQLite transaction begins: IMMEDIATE (the default, takes
#: the write lock up front) or DEFERRED (for read-only work, which then never waits on writers).
BEGIN_OPTION = "preditiva_sqlite_begin"

_engines: dict[tuple[str, int], Engine] = {}
_factories: dict[tuple[str, int], sessionmaker[Session]] = {}


def _tune_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, and writes that take the lock up front (no upgrade deadlocks)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def build_engine(url: str) -> Engine:
    """Create an engine for ``url`` with settings fit for the platform's processes."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine)
        return engine
    if url.startswith("postgresql+psycopg"):
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailableError(
                "PostgreSQL needs the psycopg driver: pip install 'preditiva[postgres]'"
            ) from exc
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            connect_args={"connect_timeout": 5},
        )
    return create_engine(url, pool_pre_ping=True)


def get_engine(settings: Settings) -> Engine:
    """Return this process's engine for the configured database, created once per process."""
    key = (settings.effective_database_url, os.getpid())
    if key not in _engines:
        _engines[key] = build_engine(settings.effective_database_url)
    return _engines[key]


def get_session_factory(settings: Settings) -> sessionmaker[Session]:
    """Return this process's session factory for the configured database."""
    key = (settings.effective_database_url, os.getpid())
    if key not in _factories:
        _factories[key] = sessionmaker(get_engine(settings), expire_on_commit=False)
    return _factories[key]


def read_only(session: Session) -> Session:
    """Make ``session``'s next transaction a reader that never waits for SQLite's write lock."""
    session.connection(execution_options={BEGIN_OPTION: "DEFERRED"})
    return session


def dispose_engines() -> None:
    """Forget engines inherited from a parent process without closing its connections."""
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()
    _factories.clear()
