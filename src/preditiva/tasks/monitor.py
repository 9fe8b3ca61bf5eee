"""A background thread that heartbeats for its process and sweeps for lost work."""

import os
import socket
import threading
import time
from collections.abc import Callable

from celery import Celery

from preditiva.core.logging import get_logger
from preditiva.core.settings import Settings
from preditiva.services import dispatch
from preditiva.services import workers as workers_service
from preditiva.storage.db.engine import get_session_factory

log = get_logger(__name__)

#: Shorter hold-ups than this are ordinary load, not a stall worth pausing recovery for.
STALL_FLOOR_SECONDS = 5.0


class WorkerIdentity:
    """What a worker's heartbeat says about it; ``reserved`` is read fresh each beat."""

    def __init__(
        self, name: str, queues: list[str], concurrency: int, reserved: Callable[[], list[str]]
    ) -> None:
        self.name = name
        self.queues = queues
        self.concurrency = concurrency
        self.reserved = reserved


class Monitor(threading.Thread):
    """Heartbeats (for a worker) and sweeps (for workers and the scheduler) until stopped."""

    def __init__(self, app: Celery, settings: Settings, identity: WorkerIdentity | None) -> None:
        super().__init__(name="preditiva-monitor", daemon=True)
        self._app = app
        self._settings = settings
        self._identity = identity
        self._stop_event = threading.Event()
        self._last_sweep = time.monotonic()

    def run(self) -> None:
        """Beat and sweep every interval until :meth:`stop`."""
        interval = min(self._settings.heartbeat_interval, self._settings.sweep_interval)
        beat_every = self._settings.heartbeat_interval
        since_beat = beat_every
        if self._identity is not None:
            self._forget_gone_workers()
        while not self._stop_event.is_set():
            if self._identity is not None and since_beat >= beat_every:
                self._beat(self._identity)
                since_beat = 0.0
            self._sweep()
            self._stop_event.wait(interval)
            since_beat += interval

    def stop(self) -> None:
        """End the loop and, for a worker, record a clean stop."""
        self._stop_event.set()
        if self._identity is not None:
            try:
                with get_session_factory(self._settings).begin() as session:
                    workers_service.stopped(session, self._identity.name)
            except Exception as exc:
                log.warning("could not record worker stop", error=str(exc))

    def _forget_gone_workers(self) -> None:
        try:
            with get_session_factory(self._settings).begin() as session:
                forgotten = workers_service.forget_gone(session)
        except Exception as exc:
            log.warning("could not forget gone workers", error=str(exc))
            return
        if forgotten:
            log.info("forgot workers silent for a week", count=forgotten)

    def _beat(self, identity: WorkerIdentity) -> None:
        try:
            with get_session_factory(self._settings).begin() as session:
                workers_service.heartbeat(
                    session,
                    name=identity.name,
                    hostname=socket.gethostname(),
                    pid=os.getpid(),
                    queues=identity.queues,
                    concurrency=identity.concurrency,
                    reserved=identity.reserved(),
                )
        except Exception as exc:
            log.warning("worker heartbeat failed", error=str(exc))

    def _sweep(self) -> None:
        # If this thread itself was held up (say, a long write locked SQLite), every other
        # process's heartbeats were held up too: judge no run dead until they catch up.
        gap = time.monotonic() - self._last_sweep
        stalled = gap > max(self._settings.job_timeout / 2, STALL_FLOOR_SECONDS)
        if stalled:
            log.info("monitor was stalled; skipping dead-run recovery once", seconds=round(gap, 1))
        try:
            dispatch.sweep(
                get_session_factory(self._settings), self._app, self._settings, recover=not stalled
            )
        except Exception as exc:
            log.warning("sweep failed", error=str(exc))
        self._last_sweep = time.monotonic()
