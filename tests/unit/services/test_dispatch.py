"""Publishing queued jobs, and recovering work that a silent worker or the broker lost."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.broker import create_celery
from preditiva.core.clock import utcnow
from preditiva.core.errors import InvalidInputError
from preditiva.core.settings import Settings
from preditiva.services import dispatch, job_runs, jobs, workers
from preditiva.storage.db.models import Job, JobState, Worker
from preditiva.storage.db.repositories import jobs as jobs_repo
from preditiva.storage.db.repositories.jobs import JobFilter

WORKER = "worker-1@host"


def new_job(factory: sessionmaker[Session], *, max_attempts: int = 3) -> uuid.UUID:
    """A queued diagnostics.sleep job, committed and not published."""
    with factory.begin() as session:
        job = jobs.submit(session, kind="diagnostics.sleep", default_max_attempts=max_attempts)
        return job.id


def published_job(factory: sessionmaker[Session], *, max_attempts: int = 3) -> uuid.UUID:
    """A queued job whose message went out (as far as the row knows)."""
    job_id = new_job(factory, max_attempts=max_attempts)
    with factory.begin() as session:
        assert jobs_repo.claim_dispatch(session, job_id, utcnow()) is not None
    return job_id


def running_job(factory: sessionmaker[Session], *, max_attempts: int = 3) -> uuid.UUID:
    """A job started by WORKER."""
    job_id = published_job(factory, max_attempts=max_attempts)
    with factory.begin() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job_runs.start(session, job_id, job.dispatch_seq, worker=WORKER) is not None
    return job_id


def set_job(factory: sessionmaker[Session], job_id: uuid.UUID, **values: Any) -> None:
    with factory.begin() as session:
        job = session.get(Job, job_id)
        assert job is not None
        for name, value in values.items():
            setattr(job, name, value)


def load(factory: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def recover(factory: sessionmaker[Session], settings: Settings) -> dispatch.SweepReport:
    with factory.begin() as session:
        return dispatch.recover_lost_work(session, settings)


def ago(seconds: float) -> datetime:
    return utcnow() - timedelta(seconds=seconds)


def beat(factory: sessionmaker[Session], *, reserved: list[str], age: float = 0.0) -> None:
    """Record WORKER's heartbeat holding ``reserved``, ``age`` seconds old."""
    with factory.begin() as session:
        workers.heartbeat(
            session,
            name=WORKER,
            hostname="host",
            pid=4242,
            queues=["default"],
            concurrency=1,
            reserved=reserved,
        )
    with factory.begin() as session:
        worker = session.get(Worker, WORKER)
        assert worker is not None
        worker.heartbeat_at = ago(age)


# Publishing


def test_publish_jobs_claims_and_sends_a_queued_job(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = new_job(factory)

    sent = dispatch.publish_jobs(factory, create_celery(db_settings), [job_id])

    assert sent == 1
    job = load(factory, job_id)
    assert job.published_at is not None
    assert job.dispatch_seq == 1
    assert len(list((db_settings.broker_dir / "queue").glob("*.msg"))) == 1


def test_publish_jobs_skips_a_job_already_published(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = published_job(factory)

    sent = dispatch.publish_jobs(factory, create_celery(db_settings), [job_id])

    assert sent == 0
    assert load(factory, job_id).dispatch_seq == 1


# Runs whose worker went silent


def test_recover_requeues_a_run_silent_longer_than_job_timeout(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = running_job(factory)
    set_job(factory, job_id, heartbeat_at=ago(db_settings.job_timeout + 1))

    report = recover(factory, db_settings)

    assert report.rerun == [str(job_id)]
    job = load(factory, job_id)
    assert job.state == JobState.QUEUED
    assert job.published_at is None
    assert job.worker is None
    assert WORKER in (job.message or "")


def test_recover_leaves_a_run_that_beat_recently(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = running_job(factory)
    set_job(factory, job_id, heartbeat_at=ago(db_settings.job_timeout / 3))

    report = recover(factory, db_settings)

    assert report.rerun == []
    assert report.dead == []
    job = load(factory, job_id)
    assert job.state == JobState.RUNNING
    assert job.worker == WORKER


def test_recover_dead_letters_a_silent_run_with_no_attempts_left(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = running_job(factory, max_attempts=1)
    set_job(factory, job_id, heartbeat_at=ago(db_settings.job_timeout + 1))

    report = recover(factory, db_settings)

    assert report.dead == [str(job_id)]
    assert report.rerun == []
    job = load(factory, job_id)
    assert job.state == JobState.FAILED
    assert job.dead_letter is True
    assert job.finished_at is not None
    assert job.error is not None


def test_recover_cancels_a_silent_run_whose_cancel_was_requested(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = running_job(factory)
    with factory.begin() as session:
        jobs.cancel(session, job_id)
    set_job(factory, job_id, heartbeat_at=ago(db_settings.job_timeout + 1))

    report = recover(factory, db_settings)

    assert report.rerun == []
    assert report.dead == []
    job = load(factory, job_id)
    assert job.state == JobState.CANCELLED
    assert job.finished_at is not None


def test_requeued_run_is_due_for_dispatch_again(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = running_job(factory)
    set_job(factory, job_id, heartbeat_at=ago(db_settings.job_timeout + 1))
    recover(factory, db_settings)

    with factory() as session:
        due = jobs_repo.due_for_dispatch(session, utcnow(), 10)

    assert list(due) == [job_id]


# Messages a silent worker held


def test_recover_releases_jobs_reserved_by_a_silent_worker(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = published_job(factory)
    beat(factory, reserved=[str(job_id)], age=db_settings.worker_timeout + 1)

    report = recover(factory, db_settings)

    assert report.released == 1
    assert load(factory, job_id).published_at is None
    with factory() as session:
        worker = session.get(Worker, WORKER)
        assert worker is not None
        assert worker.reserved == []


def test_recover_keeps_jobs_reserved_by_a_live_worker(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = published_job(factory)
    beat(factory, reserved=[str(job_id)], age=0.0)

    report = recover(factory, db_settings)

    assert report.released == 0
    assert load(factory, job_id).published_at is not None


# Messages the broker may have lost


def test_recover_releases_jobs_published_longer_ago_than_republish_after(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    stale, fresh = published_job(factory), published_job(factory)
    set_job(factory, stale, published_at=ago(db_settings.republish_after + 1))

    report = recover(factory, db_settings)

    assert report.released == 1
    assert load(factory, stale).published_at is None
    assert load(factory, fresh).published_at is not None


# Listing (jobs service)


def test_list_jobs_rejects_an_unknown_state(factory: sessionmaker[Session]) -> None:
    with factory() as session, pytest.raises(InvalidInputError) as raised:
        jobs.list_jobs(session, where=JobFilter(state="sleeping"))

    assert raised.value.status_code == 422
    assert [detail["field"] for detail in raised.value.details] == ["state"]
