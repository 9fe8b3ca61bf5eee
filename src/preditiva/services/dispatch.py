"""Getting queued jobs to the broker, and recovering work the broker or a worker lost.

This module owns its transactions: publishing is a claim committed before the message is
sent, undone if the broker does not take it.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.broker import publish
from preditiva.core.clock import utcnow
from preditiva.core.logging import get_logger
from preditiva.core.settings import Settings
from preditiva.services import fanout
from preditiva.storage.db.models import JobState
from preditiva.storage.db.repositories import jobs as jobs_repo
from preditiva.storage.db.repositories import workers as workers_repo

log = get_logger(__name__)

SWEEP_BATCH = 500


def task_id(job_id: uuid.UUID, seq: int) -> str:
    """The Celery task id of a job's ``seq``-th message."""
    return f"{job_id}.{seq}"


def publish_jobs(factory: sessionmaker[Session], app: Celery, job_ids: Iterable[uuid.UUID]) -> int:
    """Publish these queued jobs; those the broker refuses stay queued for the next sweep."""
    sent = 0
    for job_id in job_ids:
        with factory.begin() as session:
            dispatch = jobs_repo.claim_dispatch(session, job_id, utcnow())
        if dispatch is None:
            continue
        try:
            publish(
                app,
                dispatch.kind,
                args=[str(dispatch.id), dispatch.seq],
                task_id=task_id(dispatch.id, dispatch.seq),
            )
        except Exception as exc:
            with factory.begin() as session:
                jobs_repo.unclaim_dispatch(session, job_id, dispatch.seq)
            log.warning("broker unavailable; job stays queued", job_id=str(job_id), error=str(exc))
            break
        sent += 1
    return sent


@dataclass
class SweepReport:
    """What one sweep did."""

    rerun: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    released: int = 0
    published: int = 0
    settled: int = 0

    def __bool__(self) -> bool:
        return bool(self.rerun or self.dead or self.released or self.published or self.settled)


def recover_lost_work(session: Session, settings: Settings) -> SweepReport:
    """Re-queue runs whose worker went silent and messages a dead worker held."""
    now = utcnow()
    report = SweepReport()
    silent_since = now - timedelta(seconds=settings.job_timeout)
    for job in jobs_repo.silent_runs(session, silent_since):
        seq, job_id = job.dispatch_seq, job.id
        if job.cancel_requested:
            values = {
                "state": JobState.CANCELLED,
                "finished_at": now,
                "message": "cancelled (its worker stopped answering)",
            }
        elif job.attempts < job.max_attempts:
            values = {
                "state": JobState.QUEUED,
                "published_at": None,
                "worker": None,
                "message": f"worker {job.worker} went silent; running again",
            }
            report.rerun.append(str(job_id))
        else:
            values = {
                "state": JobState.FAILED,
                "dead_letter": True,
                "finished_at": now,
                "error": f"worker lost on each of {job.attempts} attempts",
            }
            report.dead.append(str(job_id))
        jobs_repo.update_run(session, job_id, seq, values)
    worker_since = now - timedelta(seconds=settings.worker_timeout)
    for worker in workers_repo.silent_with_reservations(session, worker_since):
        ids = [uuid.UUID(job_id) for job_id in worker.reserved]
        report.released += jobs_repo.release_queued(session, ids)
        worker.reserved = []
    stale = jobs_repo.stale_published(session, now - timedelta(seconds=settings.republish_after))
    report.released += jobs_repo.release_queued(session, stale)
    return report


def sweep(
    factory: sessionmaker[Session], app: Celery, settings: Settings, *, recover: bool = True
) -> SweepReport:
    """Recover lost work (unless told not to), then publish every queued job that is due."""
    report = SweepReport()
    if recover:
        report_settled = fanout.settle_all(factory, settings)
        with factory.begin() as session:
            report = recover_lost_work(session, settings)
        report.settled = report_settled
    with factory() as session:
        due = jobs_repo.due_for_dispatch(session, utcnow(), SWEEP_BATCH)
    report.published = publish_jobs(factory, app, due)
    if report:
        log.info(
            "sweep",
            rerun=report.rerun,
            dead=report.dead,
            released=report.released,
            published=report.published,
            settled=report.settled,
        )
    return report
