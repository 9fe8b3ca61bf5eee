"""The FastAPI application factory."""

from fastapi import FastAPI

from preditiva import __version__
from preditiva.api.cached_reads import CachedForecastReads
from preditiva.api.errors import install_error_handlers
from preditiva.api.request_context import RequestContextMiddleware
from preditiva.api.routes import batch_predictions as batch_predictions_routes
from preditiva.api.routes import collect, forecasts, imports, jobs, ops, schedules, series
from preditiva.api.routes import datasets as datasets_routes
from preditiva.api.routes import models as models_routes
from preditiva.api.routes import predictions as predictions_routes
from preditiva.core.broker import get_celery
from preditiva.core.logging import configure_logging
from preditiva.core.settings import Settings, get_settings
from preditiva.storage.db.engine import get_session_factory


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (the environment's when not given)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Preditiva",
        version=__version__,
        description="Price histories in, backtested models out, predictions served over REST.",
    )
    app.state.settings = settings
    app.state.session_factory = get_session_factory(settings)
    app.state.celery = get_celery(settings)
    install_error_handlers(app)
    app.add_middleware(CachedForecastReads)  # inside the request context: ids and logs
    app.add_middleware(RequestContextMiddleware)
    # the hot read paths first: every router ahead of a route is scanned on each request
    app.include_router(forecasts.router)
    app.include_router(predictions_routes.router)
    app.include_router(ops.router)
    app.include_router(jobs.router)
    app.include_router(series.router)
    app.include_router(collect.router)
    app.include_router(schedules.router)
    app.include_router(imports.router)
    app.include_router(datasets_routes.router)
    app.include_router(models_routes.router)
    # last: batch uploads are rare
    app.include_router(batch_predictions_routes.router)
    return app


def create_served_app() -> FastAPI:
    """The app of a ``preditiva api`` process (each of ``--workers``): logging, then the app."""
    settings = get_settings()
    configure_logging(settings, process="api")
    return create_app(settings)
