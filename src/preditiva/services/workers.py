"""Worker use cases: heartbeats in, the list of workers out."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.storage.db.repositories import jobs as jobs_repo
from preditiva.storage.db.repositories import workers as workers_repo


@dataclass(frozen=True)
class WorkerStatus:
    """A worker as the API shows it."""

    name: str
    hostname: str
    pid: int
    queues: list[str]
    concurrency: int
    started_at: datetime
    heartbeat_at: datetime
    alive: bool
    running_jobs: list[str]


def heartbeat(
    session: Session,
    *,
    name: str,
    hostname: str,
    pid: int,
    queues: list[str],
    concurrency: int,
    reserved: list[str],
) -> None:
    """Record that a worker is alive and which messages it holds."""
    workers_repo.upsert_heartbeat(
        session,
        name=name,
        hostname=hostname,
        pid=pid,
        queues=queues,
        concurrency=concurrency,
        reserved=reserved,
        now=utcnow(),
    )


def stopped(session: Session, name: str) -> None:
    """Record that a worker shut down."""
    workers_repo.mark_stopped(session, name, utcnow())


def list_workers(
    session: Session, *, timeout: float, include_gone: bool = False
) -> list[WorkerStatus]:
    """Workers with their running jobs; gone ones only when asked."""
    since = utcnow() - timedelta(seconds=timeout)
    running = jobs_repo.running_by_worker(session)
    result = []
    for worker in workers_repo.all_workers(session):
        alive = worker.stopped_at is None and worker.heartbeat_at >= since
        if not alive and not include_gone:
            continue
        result.append(
            WorkerStatus(
                name=worker.name,
                hostname=worker.hostname,
                pid=worker.pid,
                queues=list(worker.queues),
                concurrency=worker.concurrency,
                started_at=worker.started_at,
                heartbeat_at=worker.heartbeat_at,
                alive=alive,
                running_jobs=[str(job_id) for job_id in running.get(worker.name, [])],
            )
        )
    return result


def count_alive(session: Session, *, timeout: float) -> int:
    """How many workers answered within ``timeout`` seconds."""
    return workers_repo.count_alive(session, utcnow() - timedelta(seconds=timeout))


#: Rows of workers silent this long are forgotten when a worker starts.
FORGET_AFTER = timedelta(days=7)


def forget_gone(session: Session) -> int:
    """Forget workers silent for a week (each start of a worker adds a row); return how many."""
    return workers_repo.forget_silent(session, utcnow() - FORGET_AFTER)
