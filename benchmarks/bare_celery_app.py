"""A minimal Celery app with one no-op task: the baseline of ``jobs_throughput.py``."""

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from celery import Celery

NOOP = "bare.noop"


def noop() -> dict[str, float]:
    """Do nothing; say when."""
    return {"finished_at": time.time()}


def create_app(
    broker_url: str, result_backend: str, *, broker_dir: str = "", polling_interval: float = 0.1
) -> Celery:
    """A Celery app on this broker and result backend, with Preditiva's prefetch and acks."""
    app = Celery("bare_celery", set_as_current=False)
    transport_options: dict[str, Any] = {}
    if broker_dir:
        queue_dir, control_dir = Path(broker_dir, "queue"), Path(broker_dir, "control")
        for folder in (queue_dir, control_dir):
            folder.mkdir(parents=True, exist_ok=True)
        transport_options = {
            "data_folder_in": str(queue_dir),
            "data_folder_out": str(queue_dir),
            "control_folder": str(control_dir),
            "polling_interval": polling_interval,
        }
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        result_backend=result_backend,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        worker_prefetch_multiplier=1,
    )
    app.task(name=NOOP, shared=False)(noop)
    return app


def app_from_env(env: Mapping[str, str] = os.environ) -> Celery:
    """The app these ``BARE_CELERY_*`` variables describe; the worker's is the environment's."""
    return create_app(
        env.get("BARE_CELERY_BROKER_URL", "filesystem://"),
        env.get("BARE_CELERY_RESULT_BACKEND", ""),
        broker_dir=env.get("BARE_CELERY_BROKER_DIR", ""),
        polling_interval=float(env.get("BARE_CELERY_POLLING_INTERVAL", "0.1")),
    )


app = app_from_env()
