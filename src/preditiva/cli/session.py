"""What CLI commands share: settings, a database session, the Celery app."""

from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.broker import get_celery
from preditiva.core.settings import Settings, get_settings
from preditiva.storage.db.engine import get_session_factory


def settings() -> Settings:
    """The settings of this invocation."""
    return get_settings()


def factory() -> sessionmaker[Session]:
    """The session factory for the configured database."""
    return get_session_factory(get_settings())


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session committed when the block ends without error."""
    with factory().begin() as session:
        yield session


def celery() -> Celery:
    """The Celery app used to publish by task name."""
    return get_celery(get_settings())
