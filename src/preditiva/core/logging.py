"""Structured logs with structlog: readable on a terminal, JSON when asked."""

import logging
import sys
from typing import Any

import structlog

from preditiva.core.settings import Settings

_process_name = {"name": "preditiva"}


def set_process_name(name: str) -> None:
    """Name this process in every log line (api, worker, scheduler, …), from every thread."""
    _process_name["name"] = name


def _add_process(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    event.setdefault("process", _process_name["name"])
    return event


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        _add_process,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(settings: Settings, *, process: str) -> None:
    """Route structlog and standard logging through one renderer for this process."""
    renderer: Any
    if settings.log_format == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    shared = _shared_processors()
    structlog.configure(
        # dropping a line below the level first spares every other processor's work
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "alembic"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    set_process_name(process)


def get_logger(name: str) -> Any:
    """Return a structlog logger named for its module."""
    return structlog.stdlib.get_logger(name)
