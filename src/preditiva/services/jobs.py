"""Job use cases: submit, read, list, cancel, retry and discard."""

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import InvalidInputError, JobNotFoundError, JobStateError
from preditiva.core.queues import QUEUES
from preditiva.services import fanout
from preditiva.services.catalogue import get_kind
from preditiva.storage.db.models import Job, JobState
from preditiva.storage.db.repositories import jobs as jobs_repo
from preditiva.storage.db.repositories.jobs import JobFilter

MAX_PAGE = 500


@dataclass(frozen=True)
class JobPage:
    """One page of jobs and the cursor of the next, if there is one."""

    items: Sequence[Job]
    next_cursor: str | None


@dataclass(frozen=True)
class QueueStats:
    """How much work one queue holds."""

    name: str
    queued: int
    running: int
    failed_last_hour: int


def submit(
    session: Session,
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    default_max_attempts: int,
    parent_id: uuid.UUID | None = None,
    retry_of: uuid.UUID | None = None,
) -> Job:
    """Validate and record a new queued job; the caller commits, then publishes it."""
    spec = get_kind(kind)
    valid = spec.validate(params or {})
    job = Job(
        kind=spec.name,
        state=JobState.QUEUED,
        queue=spec.queue,
        params=valid.model_dump(mode="json"),
        max_attempts=spec.max_attempts or default_max_attempts,
        parent_id=parent_id,
        retry_of=retry_of,
        created_at=utcnow(),
        progress=0.0,
        attempts=0,
        dispatch_seq=0,
        dead_letter=False,
        cancel_requested=False,
    )
    session.add(job)
    session.flush()
    return job


def get(session: Session, job_id: uuid.UUID) -> Job:
    """Return the job, or raise a 404."""
    job = jobs_repo.get(session, job_id)
    if job is None:
        raise JobNotFoundError(f"no job with id {job_id}")
    return job


def encode_cursor(job: Job) -> str:
    """An opaque cursor pointing just after ``job`` in newest-first order."""
    raw = f"{job.created_at.isoformat()}|{job.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """Read a cursor made by :func:`encode_cursor`, or raise a 422."""
    invalid = InvalidInputError(
        "cursor is not valid; use the next_cursor of a previous page",
        details=[{"field": "cursor", "message": "not a cursor this API issued"}],
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, job_id = base64.urlsafe_b64decode(padded).decode().split("|")
        created_at = datetime.fromisoformat(created)
        identifier = uuid.UUID(job_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if created_at.tzinfo is None:
        raise invalid
    return created_at, identifier


def list_jobs(
    session: Session, *, where: JobFilter, limit: int = 50, cursor: str | None = None
) -> JobPage:
    """Return one page of jobs, newest first."""
    if where.state is not None and where.state not in set(JobState):
        raise InvalidInputError(
            f"unknown state {where.state!r}",
            details=[{"field": "state", "message": f"must be one of: {', '.join(JobState)}"}],
        )
    limit = max(1, min(limit, MAX_PAGE))
    after = decode_cursor(cursor) if cursor else None
    items = jobs_repo.list_page(session, where=where, limit=limit + 1, after=after)
    if len(items) > limit:
        return JobPage(items=items[:limit], next_cursor=encode_cursor(items[limit - 1]))
    return JobPage(items=items, next_cursor=None)


def cancel(session: Session, job_id: uuid.UUID) -> Job:
    """Cancel a queued job now, or ask a running one to stop at its next step."""
    job = get(session, job_id)
    if job.state == JobState.QUEUED and jobs_repo.cancel_queued(session, job_id, utcnow()):
        return _reload(session, job_id)
    if job.state == JobState.RUNNING and jobs_repo.request_cancel(session, job_id):
        fanout.cancel_children(session, job_id)
        return _reload(session, job_id)
    job = _reload(session, job_id)
    if job.state in (JobState.QUEUED, JobState.RUNNING):
        return cancel(session, job_id)
    raise JobStateError(f"job {job_id} is already {job.state}; only queued or running jobs cancel")


def retry(session: Session, job_id: uuid.UUID, *, default_max_attempts: int) -> Job:
    """Run a failed or cancelled job again, as a new job that points back at it."""
    old = get(session, job_id)
    if old.state not in (JobState.FAILED, JobState.CANCELLED):
        raise JobStateError(
            f"job {job_id} is {old.state}; only failed or cancelled jobs can be retried"
        )
    old.dead_letter = False
    return submit(
        session,
        kind=old.kind,
        params=old.params,
        default_max_attempts=default_max_attempts,
        parent_id=old.parent_id,
        retry_of=old.id,
    )


def discard(session: Session, job_id: uuid.UUID) -> Job:
    """Take a dead letter off the dead-letter list without running it again."""
    job = get(session, job_id)
    if not job.dead_letter:
        raise JobStateError(f"job {job_id} is not a dead letter")
    job.dead_letter = False
    session.flush()
    return job


def queue_stats(session: Session) -> list[QueueStats]:
    """Queued, running and recently failed jobs for every queue."""
    live = jobs_repo.count_by_queue_and_state(session, states=[JobState.QUEUED, JobState.RUNNING])
    failed = jobs_repo.count_by_queue_and_state(
        session, states=[JobState.FAILED], finished_after=utcnow() - timedelta(hours=1)
    )
    names = list(QUEUES) + sorted({queue for queue, _ in live} - set(QUEUES))
    return [
        QueueStats(
            name=name,
            queued=live.get((name, JobState.QUEUED), 0),
            running=live.get((name, JobState.RUNNING), 0),
            failed_last_hour=failed.get((name, JobState.FAILED), 0),
        )
        for name in names
    ]


def _reload(session: Session, job_id: uuid.UUID) -> Job:
    job = session.get(Job, job_id, populate_existing=True)
    assert job is not None
    return job
