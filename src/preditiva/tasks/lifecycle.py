"""Celery signal handlers: logging, forked processes, worker and scheduler monitors."""

from typing import Any

from celery import Celery, signals

from preditiva.core.logging import configure_logging, set_process_name
from preditiva.core.settings import get_settings
from preditiva.storage.db.engine import dispose_engines
from preditiva.tasks.monitor import Monitor, WorkerIdentity

_monitors: list[Monitor] = []


def _job_ids_held() -> list[str]:
    from celery.worker import state

    active = {request.id for request in state.active_requests}
    return sorted(
        request.id.split(".", 1)[0]
        for request in list(state.reserved_requests)
        if request.id not in active and "." in request.id
    )


def connect(app: Celery) -> None:
    """Connect this module's handlers to Celery's signals for ``app``."""

    def _setup_logging(**_: Any) -> None:
        configure_logging(get_settings(), process="worker")

    def _forked(**_: Any) -> None:
        dispose_engines()

    def _worker_ready(sender: Any, **_: Any) -> None:
        queues = sorted(queue.name for queue in sender.task_consumer.queues)
        concurrency = int(
            getattr(sender.pool, "num_processes", None) or sender.controller.concurrency
        )
        identity = WorkerIdentity(sender.hostname, queues, concurrency, _job_ids_held)
        _start(Monitor(app, get_settings(), identity))

    def _beat_ready(**_: Any) -> None:
        set_process_name("scheduler")
        _start(Monitor(app, get_settings(), None))

    def _worker_shutdown(**_: Any) -> None:
        while _monitors:
            _monitors.pop().stop()

    signals.setup_logging.connect(_setup_logging, weak=False)
    signals.worker_process_init.connect(_forked, weak=False)
    signals.worker_ready.connect(_worker_ready, weak=False)
    signals.beat_init.connect(_beat_ready, weak=False)
    signals.worker_shutdown.connect(_worker_shutdown, weak=False)


def _start(monitor: Monitor) -> None:
    _monitors.append(monitor)
    monitor.start()
