"""The API process's forecast serving state: answer and model caches kept fresh by a watcher.

Cached answers are dropped within ``PREDITIVA_RELOAD_INTERVAL`` seconds of a registry change
(a promotion, a roll-back, a new version) by the watcher thread that the forecasts router's
lifespan starts; ``POST /v1/models/reload`` drops them at once. Each process has its own.
"""

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from preditiva.core.settings import Settings
from preditiva.services.forecast_cache import AnswerCache, ModelCache, RegistryWatcher
from preditiva.services.forecasts import registry_generation
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.engine import read_only

_create_lock = threading.Lock()


@dataclass(frozen=True)
class Encoded:
    """An answer ready to send: body bytes and media type."""

    body: bytes
    media_type: str


class ForecastServing:
    """The caches of one API process and the thread that keeps them fresh."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session]) -> None:
        """Caches for ``settings``' artifact store; a watcher polling every reload interval."""
        self.settings = settings
        self.factory = factory
        self.answers: AnswerCache[Encoded] = AnswerCache()
        self.models = ModelCache(get_store(settings))
        self.watcher = RegistryWatcher(self.check, settings.reload_interval)

    def generation(self) -> str:
        """The registry generation, read now."""
        with self.factory() as session:
            read_only(session)
            return registry_generation(session)

    def check(self) -> str:
        """Read the generation; drop the cached answers if it changed."""
        generation = self.generation()
        self.answers.sync(generation)
        return generation

    def reload(self) -> str:
        """Drop every cached answer and model now; return the generation served from now on."""
        generation = self.generation()
        self.answers.clear(generation)
        self.models.clear()
        return generation

    async def ensure_fresh(self) -> None:
        """Without a running watcher (no lifespan), check the generation when it is due."""
        if not self.watcher.alive and self.answers.stale(self.settings.reload_interval):
            await run_in_threadpool(self.check)


def serving_of(app: FastAPI) -> ForecastServing:
    """The app's serving state, made on first use."""
    serving: ForecastServing | None = getattr(app.state, "forecast_serving", None)
    if serving is None:
        with _create_lock:
            serving = getattr(app.state, "forecast_serving", None)
            if serving is None:
                serving = ForecastServing(app.state.settings, app.state.session_factory)
                app.state.forecast_serving = serving
    return serving


@asynccontextmanager
async def serving_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the registry watcher while the app serves."""
    serving = serving_of(app)
    serving.watcher.start()
    try:
        yield
    finally:
        serving.watcher.stop()


async def get_serving(request: Request) -> ForecastServing:
    """The serving state (an async dependency: no thread hop on the cached path)."""
    return serving_of(request.app)


ServingDep = Annotated[ForecastServing, Depends(get_serving)]
