"""The Celery application's configuration and publishing work by task name.

Nothing here imports task code: the API, the CLI and services publish by name, and only
the worker imports :mod:`preditiva.tasks`.
"""

from pathlib import Path
from typing import Any

from celery import Celery
from kombu.entity import Exchange, Queue
from kombu.transport import TRANSPORT_ALIASES

from preditiva.core import embedded_transport
from preditiva.core.queues import QUEUES, queue_for
from preditiva.core.settings import Settings

TRANSPORT_ALIASES[embedded_transport.SCHEME] = "preditiva.core.embedded_transport:Transport"


def embedded_transport_options(settings: Settings) -> dict[str, Any]:
    """Folders and polling of the embedded (filesystem) broker, created if missing."""
    root = settings.broker_dir
    queue_dir, control_dir = root / "queue", root / "control"
    for folder in (queue_dir, control_dir, settings.home / "results"):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(queue_dir),
        "data_folder_out": str(queue_dir),
        "control_folder": str(control_dir),
        "polling_interval": settings.broker_polling_interval,
    }


def _route(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any
) -> dict[str, str]:
    return {"queue": queue_for(name)}


def create_celery(settings: Settings) -> Celery:
    """Build the Celery app for these settings; tasks are registered by the worker only."""
    app = Celery("preditiva", set_as_current=False)
    transport_options: dict[str, Any] = {}
    if settings.broker_is_embedded:
        transport_options = embedded_transport_options(settings)
    elif settings.result_backend is None and settings.effective_result_backend.startswith("file:"):
        Path(settings.effective_result_backend.removeprefix("file://")).mkdir(
            parents=True, exist_ok=True
        )
    app.conf.update(
        broker_url=settings.effective_broker_url,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=settings.publish_timeout,
        result_backend=settings.effective_result_backend,
        result_expires=86400,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        task_queues=[Queue(name, Exchange(name), routing_key=name) for name in QUEUES],
        task_default_queue="default",
        task_routes=(_route,),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=settings.worker_prefetch_multiplier,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_pool_limit=10,
    )
    return app


def publish(app: Celery, task_name: str, *, args: list[Any], task_id: str) -> None:
    """Send one message for ``task_name`` to its queue; raises if the broker does not answer.

    The job row holds the outcome, so the message asks for no Celery result: publishing
    then never waits on the result backend (which blocks for ~20 s on Redis when it is down).
    """
    app.send_task(
        task_name,
        args=args,
        task_id=task_id,
        queue=queue_for(task_name),
        ignore_result=True,
        retry=True,
        retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
    )


_apps: dict[str, Celery] = {}


def get_celery(settings: Settings) -> Celery:
    """Return this process's Celery app for these settings, built once per distinct settings."""
    key = settings.model_dump_json()
    if key not in _apps:
        _apps[key] = create_celery(settings)
    return _apps[key]
