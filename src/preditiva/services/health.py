"""Readiness: does the database answer, does the broker answer, is any worker alive."""

import os
from dataclasses import dataclass, field

from celery import Celery
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.settings import Settings
from preditiva.services.workers import count_alive


@dataclass
class Readiness:
    """Each back end's answer; ready when all are ``ok``."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Whether every check passed."""
        return all(value == "ok" for value in self.checks.values())


def check_database(factory: sessionmaker[Session]) -> str:
    """``ok`` or why the database does not answer."""
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return f"database does not answer: {exc.__class__.__name__}: {exc}"
    return "ok"


def check_broker(app: Celery, settings: Settings) -> str:
    """``ok`` or why the broker does not answer."""
    if settings.broker_is_embedded:
        folder = settings.broker_dir / "queue"
        if folder.is_dir() and os.access(folder, os.W_OK):
            return "ok"
        return f"embedded broker folder {folder} is missing or not writable"
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=settings.publish_timeout)
    except Exception as exc:
        return f"broker {connection.as_uri()} does not answer: {exc}"
    return "ok"


def check_workers(factory: sessionmaker[Session], settings: Settings) -> str:
    """``ok`` or why no worker counts as alive."""
    try:
        with factory() as session:
            alive = count_alive(session, timeout=settings.worker_timeout)
    except Exception as exc:
        return f"cannot read worker heartbeats: {exc.__class__.__name__}"
    if alive:
        return "ok"
    return f"no worker has sent a heartbeat in the last {settings.worker_timeout:g}s"


def readiness(factory: sessionmaker[Session], app: Celery, settings: Settings) -> Readiness:
    """Check every back end the platform needs to do work."""
    return Readiness(
        checks={
            "database": check_database(factory),
            "broker": check_broker(app, settings),
            "workers": check_workers(factory, settings),
        }
    )
