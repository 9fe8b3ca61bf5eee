"""The back ends the platform runs on, made fresh for a test and cleaned up after it."""

import contextlib
import os
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.broker import create_celery
from preditiva.core.settings import Settings
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "PREDITIVA_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PREDITIVA_TEST_REDIS", "redis://127.0.0.1:6379")
AMQP_URL = os.environ.get("PREDITIVA_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
BACKENDS = ("embedded", "postgres+redis", "postgres+rabbitmq")


def fast_settings(home: Path, **overrides: object) -> Settings:
    """Settings for a test: everything under ``home``, fast heartbeats and sweeps."""
    values: dict[str, object] = {
        "home": home,
        "heartbeat_interval": 0.3,
        "sweep_interval": 0.2,
        "job_timeout": 3.0,
        "worker_timeout": 3.0,
        "retry_backoff": 0.1,
        "retry_backoff_max": 0.5,
        "publish_timeout": 1.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def env_for(settings: Settings) -> dict[str, str]:
    """The environment a child process needs to run on these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDITIVA_")}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is not None:
            env[f"PREDITIVA_{name.upper()}"] = str(value)
    return env


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new empty PostgreSQL database, dropped on exit."""
    name = f"preditiva_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Backend:
    """One configured platform: settings, the environment for children, DB and broker handles."""

    name: str
    settings: Settings
    env: dict[str, str]
    factory: sessionmaker[Session]
    celery: Celery


def _purge(settings: Settings) -> None:
    app = create_celery(settings)
    with app.connection_for_write() as connection:
        app.control.purge(connection=connection)


@contextmanager
def make_backend(name: str, home: Path, **overrides: object) -> Iterator[Backend]:
    """A migrated, empty platform of the given kind under ``home``."""
    if name == "embedded":
        settings = fast_settings(home, **overrides)
        upgrade(settings.effective_database_url)
        yield Backend(
            name,
            settings,
            env_for(settings),
            get_session_factory(settings),
            create_celery(settings),
        )
        return
    with fresh_postgres() as database_url:
        if name == "postgres+redis":
            broker = f"{REDIS_URL}/{random.randint(1, 14)}"
            redis.Redis.from_url(broker).flushdb()
        else:
            broker = AMQP_URL
        values = {"database_url": database_url, "broker_url": broker} | overrides
        settings = fast_settings(home, **values)
        _purge(settings)
        upgrade(settings.effective_database_url)
        factory = get_session_factory(settings)
        try:
            yield Backend(name, settings, env_for(settings), factory, create_celery(settings))
        finally:
            factory.kw["bind"].dispose()
            with contextlib.suppress(Exception):  # a test may have left the broker unreachable
                _purge(settings)
