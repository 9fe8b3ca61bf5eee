"""Dependency aliases shared by the routes."""

from collections.abc import Iterator
from typing import Annotated

from celery import Celery
from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.settings import Settings
from preditiva.storage.db.engine import read_only


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory_dep(request: Request) -> sessionmaker[Session]:
    """The app's session factory."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request; the route commits what it changes (GETs only read)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        if request.method in ("GET", "HEAD"):
            read_only(session)
        yield session


def get_celery_dep(request: Request) -> Celery:
    """The Celery app used to publish by task name."""
    app: Celery = request.app.state.celery
    return app


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory_dep)]
CeleryDep = Annotated[Celery, Depends(get_celery_dep)]
