"""The worker side of a job's life: claiming a run, ending it, retrying with back-off."""

import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.clock import utcnow
from preditiva.core.settings import Settings
from preditiva.services import job_runs, jobs
from preditiva.services.job_runs import RunStart
from preditiva.storage.db.models import Job, JobState
from preditiva.storage.db.repositories import jobs as jobs_repo
from tests.support.backends import fast_settings as make_settings

WORKER = "worker-1@host"


def new_job(factory: sessionmaker[Session], *, max_attempts: int = 3) -> uuid.UUID:
    """A queued diagnostics.sleep job, committed."""
    with factory.begin() as session:
        job = jobs.submit(
            session,
            kind="diagnostics.sleep",
            params={"seconds": 0},
            default_max_attempts=max_attempts,
        )
        return job.id


def publish(factory: sessionmaker[Session], job_id: uuid.UUID) -> int:
    """Claim the job's next dispatch, as publishing does; return its sequence number."""
    with factory.begin() as session:
        claimed = jobs_repo.claim_dispatch(session, job_id, utcnow())
    assert claimed is not None
    return claimed.seq


def start(factory: sessionmaker[Session], job_id: uuid.UUID, seq: int) -> RunStart | None:
    with factory.begin() as session:
        return job_runs.start(session, job_id, seq, worker=WORKER)


def started(factory: sessionmaker[Session], *, max_attempts: int = 3) -> RunStart:
    """A job published and started once."""
    job_id = new_job(factory, max_attempts=max_attempts)
    run = start(factory, job_id, publish(factory, job_id))
    assert run is not None
    return run


def load(factory: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


# Starting


def test_start_claims_the_job_for_its_dispatch(factory: sessionmaker[Session]) -> None:
    job_id = new_job(factory)
    seq = publish(factory, job_id)
    before = utcnow()

    run = start(factory, job_id, seq)

    assert run == RunStart(job_id, seq, "diagnostics.sleep", load(factory, job_id).params, 1)
    job = load(factory, job_id)
    assert job.state == JobState.RUNNING
    assert job.attempts == 1
    assert job.worker == WORKER
    assert job.started_at is not None
    assert job.started_at >= before
    assert job.heartbeat_at == job.started_at


def test_start_twice_with_the_same_seq_claims_only_once(factory: sessionmaker[Session]) -> None:
    job_id = new_job(factory)
    seq = publish(factory, job_id)
    assert start(factory, job_id, seq) is not None

    assert start(factory, job_id, seq) is None
    assert load(factory, job_id).attempts == 1


def test_start_with_a_stale_seq_claims_nothing(factory: sessionmaker[Session]) -> None:
    job_id = new_job(factory)
    publish(factory, job_id)
    with factory.begin() as session:
        jobs_repo.unclaim_dispatch(session, job_id, 1)
    current = publish(factory, job_id)
    assert current == 2

    assert start(factory, job_id, 1) is None
    job = load(factory, job_id)
    assert job.state == JobState.QUEUED
    assert job.attempts == 0
    assert start(factory, job_id, current) is not None


def test_start_of_a_cancelled_job_claims_nothing(factory: sessionmaker[Session]) -> None:
    job_id = new_job(factory)
    seq = publish(factory, job_id)
    with factory.begin() as session:
        jobs.cancel(session, job_id)

    assert start(factory, job_id, seq) is None
    assert load(factory, job_id).state == JobState.CANCELLED


# Ending


def test_succeed_stores_the_result_and_finishes(factory: sessionmaker[Session]) -> None:
    run = started(factory)

    with factory.begin() as session:
        job_runs.succeed(session, run, {"slept": 0})

    job = load(factory, run.job_id)
    assert job.state == JobState.SUCCEEDED
    assert job.result == {"slept": 0}
    assert job.progress == 1.0
    assert job.finished_at is not None
    assert job.error is None


def test_succeed_of_a_superseded_run_changes_nothing(factory: sessionmaker[Session]) -> None:
    run = started(factory)
    stale = RunStart(run.job_id, run.seq - 1, run.kind, run.params, run.attempt)

    with factory.begin() as session:
        job_runs.succeed(session, stale, {"slept": 0})

    job = load(factory, run.job_id)
    assert job.state == JobState.RUNNING
    assert job.finished_at is None


def test_fail_ends_the_job_failed_without_dead_letter(factory: sessionmaker[Session]) -> None:
    run = started(factory)

    with factory.begin() as session:
        job_runs.fail(session, run, "ValueError: broken")

    job = load(factory, run.job_id)
    assert job.state == JobState.FAILED
    assert job.error == "ValueError: broken"
    assert job.finished_at is not None
    assert job.dead_letter is False


def test_cancelled_ends_the_job_cancelled(factory: sessionmaker[Session]) -> None:
    run = started(factory)

    with factory.begin() as session:
        job_runs.cancelled(session, run)

    job = load(factory, run.job_id)
    assert job.state == JobState.CANCELLED
    assert job.finished_at is not None


def test_record_progress_stores_it_and_reports_a_cancel_request(
    factory: sessionmaker[Session],
) -> None:
    run = started(factory)

    with factory.begin() as session:
        first = job_runs.record_progress(session, run, 0.25, "step 1")
    with factory.begin() as session:
        jobs.cancel(session, run.job_id)
    with factory.begin() as session:
        second = job_runs.record_progress(session, run, 1.5, None)

    assert (first, second) == (False, True)
    job = load(factory, run.job_id)
    assert job.progress == 1.0
    assert job.message == "step 1"


# Transient failures


def test_fail_transiently_requeues_with_a_delay(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    run = started(factory, max_attempts=3)
    before = utcnow()

    with factory.begin() as session:
        retrying = job_runs.fail_transiently(session, run, "ConnectionError: blip", db_settings)

    assert retrying is True
    job = load(factory, run.job_id)
    assert job.state == JobState.QUEUED
    assert job.error == "ConnectionError: blip"
    assert job.published_at is None
    assert job.worker is None
    assert job.finished_at is None
    assert job.dead_letter is False
    assert job.run_after is not None
    delay = (job.run_after - before).total_seconds()
    assert db_settings.retry_backoff / 2 <= delay
    assert delay <= db_settings.retry_backoff + (utcnow() - before).total_seconds()


def test_fail_transiently_on_the_last_attempt_dead_letters(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    run = started(factory, max_attempts=1)

    with factory.begin() as session:
        retrying = job_runs.fail_transiently(session, run, "TimeoutError: slow", db_settings)

    assert retrying is False
    job = load(factory, run.job_id)
    assert job.state == JobState.FAILED
    assert job.dead_letter is True
    assert job.error == "TimeoutError: slow"
    assert job.finished_at is not None


def test_transient_failures_dead_letter_when_attempts_reach_max(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    run = started(factory, max_attempts=2)
    with factory.begin() as session:
        assert job_runs.fail_transiently(session, run, "first", db_settings) is True
    second = start(factory, run.job_id, publish(factory, run.job_id))
    assert second is not None
    assert second.attempt == 2

    with factory.begin() as session:
        retrying = job_runs.fail_transiently(session, second, "second", db_settings)

    assert retrying is False
    job = load(factory, run.job_id)
    assert (job.state, job.dead_letter, job.attempts, job.error) == (
        JobState.FAILED,
        True,
        2,
        "second",
    )


# Back-off


@pytest.fixture
def backoff_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, retry_backoff=1.0, retry_backoff_max=10.0)


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0)])
def test_backoff_delay_stays_between_half_ceiling_and_ceiling(
    backoff_settings: Settings, attempt: int, ceiling: float
) -> None:
    delays = [job_runs.backoff_delay(attempt, backoff_settings) for _ in range(200)]

    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)


def test_backoff_delay_grows_exponentially(backoff_settings: Settings) -> None:
    samples = {
        n: [job_runs.backoff_delay(n, backoff_settings) for _ in range(100)] for n in (1, 2, 3, 4)
    }

    for attempt in (1, 2, 3):
        assert min(samples[attempt + 1]) >= max(samples[attempt])


@pytest.mark.parametrize("attempt", [5, 8, 30])
def test_backoff_delay_never_exceeds_retry_backoff_max(
    backoff_settings: Settings, attempt: int
) -> None:
    delays = [job_runs.backoff_delay(attempt, backoff_settings) for _ in range(200)]

    assert all(5.0 <= delay <= backoff_settings.retry_backoff_max for delay in delays)
