"""Queries on the job table, including the compare-and-set updates that move its state."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from preditiva.storage.db.models import Job, JobState


@dataclass(frozen=True)
class JobFilter:
    """What a job listing is narrowed to."""

    state: str | None = None
    kind: str | None = None
    queue: str | None = None
    dead_letter: bool | None = None
    parent_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Dispatch:
    """A job ready to be published: what the message needs."""

    id: uuid.UUID
    kind: str
    seq: int


def get(session: Session, job_id: uuid.UUID) -> Job | None:
    """Return the job with this id, if any."""
    return session.get(Job, job_id)


def list_page(
    session: Session,
    *,
    where: JobFilter,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> Sequence[Job]:
    """Return up to ``limit`` jobs, newest first, strictly older than the ``after`` cursor."""
    query = select(Job)
    for column, value in (
        (Job.state, where.state),
        (Job.kind, where.kind),
        (Job.queue, where.queue),
        (Job.dead_letter, where.dead_letter),
        (Job.parent_id, where.parent_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        created_at, job_id = after
        query = query.where(
            or_(Job.created_at < created_at, and_(Job.created_at == created_at, Job.id < job_id))
        )
    query = query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    return session.scalars(query).all()


def _cas(
    session: Session, job_id: uuid.UUID, conditions: list[Any], values: dict[str, Any]
) -> bool:
    """Update the job only if ``conditions`` hold; return whether it did."""
    statement = update(Job).where(Job.id == job_id, *conditions).values(**values)
    result = session.execute(statement.execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


def claim_dispatch(session: Session, job_id: uuid.UUID, now: datetime) -> Dispatch | None:
    """Mark an unpublished queued job as published under a new sequence number."""
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.state != JobState.QUEUED or job.published_at is not None:
        return None
    seq = job.dispatch_seq + 1
    claimed = _cas(
        session,
        job_id,
        [
            Job.state == JobState.QUEUED,
            Job.published_at.is_(None),
            Job.dispatch_seq == job.dispatch_seq,
        ],
        {"published_at": now, "dispatch_seq": seq},
    )
    return Dispatch(job_id, job.kind, seq) if claimed else None


def unclaim_dispatch(session: Session, job_id: uuid.UUID, seq: int) -> None:
    """Undo a dispatch claim whose message could not be sent."""
    _cas(
        session,
        job_id,
        [Job.dispatch_seq == seq, Job.state == JobState.QUEUED],
        {"published_at": None},
    )


def due_for_dispatch(session: Session, now: datetime, limit: int) -> Sequence[uuid.UUID]:
    """Ids of queued jobs not yet published whose retry delay (if any) has passed."""
    query = (
        select(Job.id)
        .where(
            Job.state == JobState.QUEUED,
            Job.published_at.is_(None),
            or_(Job.run_after.is_(None), Job.run_after <= now),
        )
        .order_by(Job.created_at)
        .limit(limit)
    )
    return session.scalars(query).all()


def start_run(session: Session, job_id: uuid.UUID, seq: int, *, worker: str, now: datetime) -> bool:
    """Move a queued job to running for the message with this sequence number."""
    return _cas(
        session,
        job_id,
        [Job.state == JobState.QUEUED, Job.dispatch_seq == seq],
        {
            "state": JobState.RUNNING,
            "attempts": Job.attempts + 1,
            "worker": worker,
            "started_at": now,
            "heartbeat_at": now,
            "progress": 0.0,
            "run_after": None,
        },
    )


def update_run(session: Session, job_id: uuid.UUID, seq: int, values: dict[str, Any]) -> bool:
    """Change a running job, only if this run (sequence number) still owns it."""
    return _cas(session, job_id, [Job.state == JobState.RUNNING, Job.dispatch_seq == seq], values)


def cancel_requested(session: Session, job_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The subset of these jobs whose cancellation was asked for."""
    if not job_ids:
        return set()
    query = select(Job.id).where(Job.id.in_(job_ids), Job.cancel_requested.is_(True))
    return set(session.scalars(query).all())


def touch_runs(session: Session, job_ids: Sequence[uuid.UUID], now: datetime) -> None:
    """Record that these running jobs are alive."""
    if job_ids:
        session.execute(
            update(Job)
            .where(Job.id.in_(job_ids), Job.state == JobState.RUNNING)
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )


def silent_runs(session: Session, before: datetime) -> Sequence[Job]:
    """Running jobs whose last sign of life is older than ``before``.

    A parent waiting for child jobs is alive while any child is queued or running.
    """
    child = aliased(Job)
    waiting = (
        select(child.id)
        .where(child.parent_id == Job.id, child.state.in_((JobState.QUEUED, JobState.RUNNING)))
        .exists()
    )
    query = select(Job).where(Job.state == JobState.RUNNING, Job.heartbeat_at < before, ~waiting)
    return session.scalars(query).all()


def release_queued(session: Session, job_ids: Sequence[uuid.UUID]) -> int:
    """Mark published queued jobs as unpublished so the next sweep sends them again."""
    if not job_ids:
        return 0
    result = session.execute(
        update(Job)
        .where(Job.id.in_(job_ids), Job.state == JobState.QUEUED, Job.published_at.is_not(None))
        .values(published_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def stale_published(session: Session, before: datetime) -> Sequence[uuid.UUID]:
    """Queued jobs published before ``before`` that no worker has started."""
    query = select(Job.id).where(Job.state == JobState.QUEUED, Job.published_at < before)
    return session.scalars(query).all()


def request_cancel(session: Session, job_id: uuid.UUID) -> bool:
    """Flag a running job for cooperative cancellation."""
    return _cas(session, job_id, [Job.state == JobState.RUNNING], {"cancel_requested": True})


def cancel_queued(session: Session, job_id: uuid.UUID, now: datetime) -> bool:
    """Cancel a job that has not started; its message, if any, will be ignored."""
    return _cas(
        session,
        job_id,
        [Job.state == JobState.QUEUED],
        {"state": JobState.CANCELLED, "finished_at": now, "message": "cancelled before it started"},
    )


def running_by_worker(session: Session) -> dict[str, list[uuid.UUID]]:
    """Running job ids grouped by the worker that runs them."""
    rows = session.execute(
        select(Job.worker, Job.id).where(Job.state == JobState.RUNNING, Job.worker.is_not(None))
    )
    grouped: dict[str, list[uuid.UUID]] = {}
    for worker, job_id in rows:
        grouped.setdefault(worker or "", []).append(job_id)
    return grouped


def count_by_queue_and_state(
    session: Session, *, states: Sequence[str], finished_after: datetime | None = None
) -> dict[tuple[str, str], int]:
    """Number of jobs per (queue, state) among ``states``, optionally finished recently."""
    query = select(Job.queue, Job.state, func.count()).where(Job.state.in_(states))
    if finished_after is not None:
        query = query.where(Job.finished_at >= finished_after)
    query = query.group_by(Job.queue, Job.state)
    return {(queue, state): count for queue, state, count in session.execute(query)}


UNFINISHED = (JobState.QUEUED, JobState.RUNNING)


def children_counts(session: Session, parent_id: uuid.UUID) -> dict[str, int]:
    """How many children of a job are in each state."""
    query = select(Job.state, func.count()).where(Job.parent_id == parent_id).group_by(Job.state)
    return {str(state): int(count) for state, count in session.execute(query).all()}


def unfinished_children(session: Session, parent_id: uuid.UUID) -> Sequence[Job]:
    """Children of a job that are queued or running."""
    query = select(Job).where(Job.parent_id == parent_id, Job.state.in_(UNFINISHED))
    return session.scalars(query).all()


def lock(session: Session, job_id: uuid.UUID) -> Job | None:
    """The job, re-read and locked for the rest of the transaction (PostgreSQL)."""
    query = select(Job).where(Job.id == job_id).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def settled_parents(session: Session) -> Sequence[uuid.UUID]:
    """Running jobs that have children, none of them queued or running any more."""
    child = aliased(Job)
    has_children = select(child.id).where(child.parent_id == Job.id).exists()
    has_unfinished = (
        select(child.id).where(child.parent_id == Job.id, child.state.in_(UNFINISHED)).exists()
    )
    query = select(Job.id).where(Job.state == JobState.RUNNING, has_children, ~has_unfinished)
    return session.scalars(query).all()
