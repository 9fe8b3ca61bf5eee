"""The worker side of a job: starting a run, reporting progress, and how it ends."""

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.settings import Settings
from preditiva.storage.db.models import Job, JobState
from preditiva.storage.db.repositories import jobs as jobs_repo

MESSAGE_MAX = 500


@dataclass(frozen=True)
class RunStart:
    """A run that won the right to execute a job."""

    job_id: uuid.UUID
    seq: int
    kind: str
    params: dict[str, Any]
    attempt: int
    parent_id: uuid.UUID | None = None


def start(session: Session, job_id: uuid.UUID, seq: int, *, worker: str) -> RunStart | None:
    """Claim the job for this message; None if it was cancelled, taken or superseded."""
    if not jobs_repo.start_run(session, job_id, seq, worker=worker, now=utcnow()):
        return None
    job = session.get(Job, job_id, populate_existing=True)
    assert job is not None
    return RunStart(job_id, seq, job.kind, dict(job.params), job.attempts, job.parent_id)


def record_progress(session: Session, run: RunStart, fraction: float, message: str | None) -> bool:
    """Store progress; return whether a cancel was requested."""
    values: dict[str, Any] = {"progress": min(max(fraction, 0.0), 1.0), "heartbeat_at": utcnow()}
    if message is not None:
        values["message"] = message[:MESSAGE_MAX]
    jobs_repo.update_run(session, run.job_id, run.seq, values)
    return run.job_id in jobs_repo.cancel_requested(session, [run.job_id])


def succeed(session: Session, run: RunStart, result: Any, *, message: str | None = None) -> None:
    """End the run with its result (and its last progress message, if any)."""
    values: dict[str, Any] = {
        "state": JobState.SUCCEEDED,
        "result": to_jsonable_python(result, fallback=str),
        "progress": 1.0,
        "finished_at": utcnow(),
        "error": None,
    }
    if message is not None:
        values["message"] = message[:MESSAGE_MAX]
    jobs_repo.update_run(session, run.job_id, run.seq, values)


def await_children(session: Session, run: RunStart, message: str) -> None:
    """Leave the run ``running`` while its child jobs work; the last one to end settles it."""
    jobs_repo.update_run(
        session, run.job_id, run.seq, {"message": message[:MESSAGE_MAX], "heartbeat_at": utcnow()}
    )


def cancelled(session: Session, run: RunStart) -> None:
    """End the run as cancelled."""
    jobs_repo.update_run(
        session,
        run.job_id,
        run.seq,
        {
            "state": JobState.CANCELLED,
            "finished_at": utcnow(),
            "message": "cancelled while running",
        },
    )


def fail(session: Session, run: RunStart, error: str) -> None:
    """End the run as failed for good (not retried)."""
    jobs_repo.update_run(
        session,
        run.job_id,
        run.seq,
        {"state": JobState.FAILED, "finished_at": utcnow(), "error": error},
    )


def backoff_delay(attempt: int, settings: Settings) -> float:
    """Exponential back-off with full jitter for the retry after ``attempt``."""
    ceiling = min(settings.retry_backoff_max, settings.retry_backoff * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def fail_transiently(session: Session, run: RunStart, error: str, settings: Settings) -> bool:
    """Schedule a retry with back-off, or dead-letter the job; return whether it retries."""
    job = session.get(Job, run.job_id, populate_existing=True)
    assert job is not None
    now = utcnow()
    if job.attempts < job.max_attempts:
        delay = backoff_delay(job.attempts, settings)
        jobs_repo.update_run(
            session,
            run.job_id,
            run.seq,
            {
                "state": JobState.QUEUED,
                "published_at": None,
                "run_after": now + timedelta(seconds=delay),
                "error": error,
                "worker": None,
                "message": f"attempt {job.attempts} of {job.max_attempts} failed; "
                f"retrying in {delay:.1f}s"[:MESSAGE_MAX],
            },
        )
        return True
    jobs_repo.update_run(
        session,
        run.job_id,
        run.seq,
        {
            "state": JobState.FAILED,
            "dead_letter": True,
            "finished_at": now,
            "error": error,
            "message": f"gave up after {job.attempts} attempts",
        },
    )
    return False
