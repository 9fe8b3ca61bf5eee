"""Queries on the worker table."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from preditiva.storage.db.models import Worker


def upsert_heartbeat(
    session: Session,
    *,
    name: str,
    hostname: str,
    pid: int,
    queues: list[str],
    concurrency: int,
    reserved: list[str],
    now: datetime,
) -> None:
    """Create or refresh a worker's row."""
    worker = session.get(Worker, name)
    if worker is None or worker.pid != pid or worker.stopped_at is not None:
        if worker is None:
            worker = Worker(name=name)
            session.add(worker)
        worker.started_at = now
        worker.stopped_at = None
    worker.hostname = hostname
    worker.pid = pid
    worker.queues = queues
    worker.concurrency = concurrency
    worker.reserved = reserved
    worker.heartbeat_at = now


def mark_stopped(session: Session, name: str, now: datetime) -> None:
    """Record that a worker shut down cleanly."""
    worker = session.get(Worker, name)
    if worker is not None:
        worker.stopped_at = now
        worker.reserved = []


def all_workers(session: Session) -> Sequence[Worker]:
    """Every worker ever seen, most recently heard from first."""
    return session.scalars(select(Worker).order_by(Worker.heartbeat_at.desc())).all()


def silent_with_reservations(session: Session, before: datetime) -> Sequence[Worker]:
    """Workers gone silent before ``before`` that still held messages."""
    query = select(Worker).where(Worker.heartbeat_at < before, Worker.stopped_at.is_(None))
    return [w for w in session.scalars(query).all() if w.reserved]


def count_alive(session: Session, since: datetime) -> int:
    """How many workers have sent a heartbeat since ``since`` and not stopped."""
    query = select(Worker.name).where(Worker.heartbeat_at >= since, Worker.stopped_at.is_(None))
    return len(session.scalars(query).all())


def forget_silent(session: Session, before: datetime) -> int:
    """Delete the rows of workers not heard from since ``before``; return how many."""
    result = session.execute(delete(Worker).where(Worker.heartbeat_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
