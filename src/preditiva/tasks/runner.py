"""Running one job inside a worker process: claim, heartbeat, progress, and the ending."""

import os
import threading
import time
import traceback
import uuid
from contextlib import AbstractContextManager
from typing import Any

import structlog
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import JobCancelledError, TransientJobError
from preditiva.core.logging import get_logger
from preditiva.core.settings import Settings, get_settings
from preditiva.services import fanout, job_runs
from preditiva.services.catalogue import get_kind
from preditiva.services.job_kind import AwaitChildren
from preditiva.services.job_runs import RunStart
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.repositories import jobs as jobs_repo

log = get_logger(__name__)

PROGRESS_MIN_INTERVAL = 0.2
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientJobError,
    ConnectionError,
    TimeoutError,
)


class ActiveRuns:
    """The runs executing in this process, kept alive by one heartbeat thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[uuid.UUID, threading.Event] = {}
        self._thread: threading.Thread | None = None
        self._pid = 0

    def add(self, job_id: uuid.UUID, settings: Settings) -> threading.Event:
        """Track a run and make sure this process's heartbeat thread is going."""
        event = threading.Event()
        with self._lock:
            self._runs[job_id] = event
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._beat, args=(settings,), name="job-heartbeat", daemon=True
                )
                self._thread.start()
        return event

    def remove(self, job_id: uuid.UUID) -> None:
        """Stop tracking a run."""
        with self._lock:
            self._runs.pop(job_id, None)

    def _beat(self, settings: Settings) -> None:
        factory = get_session_factory(settings)
        while True:
            time.sleep(settings.heartbeat_interval)
            with self._lock:
                runs = dict(self._runs)
            if not runs:
                continue
            try:
                with factory.begin() as session:
                    jobs_repo.touch_runs(session, list(runs), utcnow())
                    for job_id in jobs_repo.cancel_requested(session, list(runs)):
                        runs[job_id].set()
            except Exception as exc:
                log.warning("job heartbeat failed", error=str(exc))


ACTIVE = ActiveRuns()


class RunContext:
    """The :class:`~preditiva.services.job_kind.JobContext` of one run."""

    def __init__(self, run: RunStart, settings: Settings, cancel: threading.Event) -> None:
        self.job_id = run.job_id
        self.attempt = run.attempt
        self.settings = settings
        self._run = run
        self._factory = get_session_factory(settings)
        self._cancel = cancel
        self._last_write = 0.0
        self.last_message: str | None = None

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress at most every 0.2 s (success records the last), then honour a cancel."""
        if message is not None:
            self.last_message = message
        now = time.monotonic()
        if now - self._last_write >= PROGRESS_MIN_INTERVAL:
            self._last_write = now
            with self._factory.begin() as session:
                if job_runs.record_progress(session, self._run, fraction, message):
                    self._cancel.set()
        self.check_cancelled()

    def transaction(self) -> AbstractContextManager[Session]:
        """A session committed when the block ends, rolled back on error."""
        return self._factory.begin()

    def sleep(self, seconds: float) -> None:
        """Wait up to ``seconds``; a cancel ends the wait and the job."""
        if self._cancel.wait(seconds):
            raise JobCancelledError("cancel requested")

    def check_cancelled(self) -> None:
        """Raise if a cancel was requested."""
        if self._cancel.is_set():
            raise JobCancelledError("cancel requested")


def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
    return f"{exc.__class__.__name__}: {exc}{where}"


def run_job(job_id: str, seq: int, *, worker: str) -> Any:
    """Execute the job for this message, unless its row says another run owns it."""
    settings = get_settings()
    factory = get_session_factory(settings)
    identifier = uuid.UUID(job_id)
    with structlog.contextvars.bound_contextvars(job_id=job_id):
        with factory.begin() as session:
            run = job_runs.start(session, identifier, seq, worker=worker)
        if run is None:
            log.info("message ignored: job was cancelled, taken or re-sent", seq=seq)
            return None
        kind = get_kind(run.kind)
        cancel = ACTIVE.add(identifier, settings)
        log.info("job started", kind=run.kind, attempt=run.attempt)
        context = RunContext(run, settings, cancel)
        try:
            result = kind.run(context, kind.params.model_validate(run.params))
        except JobCancelledError:
            with factory.begin() as session:
                job_runs.cancelled(session, run)
            log.info("job cancelled")
            return _settle_parent(run, settings)
        except TRANSIENT_ERRORS as exc:
            with factory.begin() as session:
                retrying = job_runs.fail_transiently(session, run, _describe(exc), settings)
            log.warning("job failed transiently", error=str(exc), retrying=retrying)
            return None if retrying else _settle_parent(run, settings)
        except Exception as exc:
            with factory.begin() as session:
                job_runs.fail(session, run, _describe(exc))
            log.exception("job failed")
            return _settle_parent(run, settings)
        finally:
            ACTIVE.remove(identifier)
        if isinstance(result, AwaitChildren):
            with factory.begin() as session:
                job_runs.await_children(session, run, result.message)
            with factory.begin() as session:
                fanout.settle(session, settings, run.job_id)
            log.info("job waits for its children", message=result.message)
            return None
        with factory.begin() as session:
            job_runs.succeed(session, run, result, message=context.last_message)
        log.info("job succeeded")
        _settle_parent(run, settings)
        return result


def _settle_parent(run: RunStart, settings: Settings) -> None:
    """A child job ended: move its parent's progress on, and finish it if it was the last."""
    if run.parent_id is None:
        return
    with get_session_factory(settings).begin() as session:
        fanout.settle(session, settings, run.parent_id)
