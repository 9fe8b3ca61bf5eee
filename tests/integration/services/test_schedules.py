"""Schedules on SQLite and PostgreSQL: defaults, edits, and each tick claimed exactly once."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.errors import InvalidInputError, ScheduleExistsError
from preditiva.services import schedules
from preditiva.services.schedule_defaults import DEFAULT_SCHEDULES
from preditiva.storage.db.models import Job, JobState, Schedule
from preditiva.storage.db.repositories import schedules as schedules_repo

SLEEP = "diagnostics.sleep"
T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def add(factory: sessionmaker[Session], name: str, **fields: Any) -> Schedule:
    """A committed schedule of diagnostics.sleep, due at ``T0`` unless told otherwise."""
    values: dict[str, Any] = {"kind": SLEEP, "params": {"seconds": 0}, "interval_seconds": 60.0}
    values.update(fields)
    with factory.begin() as session:
        return schedules.create(session, name=name, now=T0, **values)


def job_count(factory: sessionmaker[Session]) -> int:
    """How many jobs exist."""
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Job)) or 0)


def read_due(factory: sessionmaker[Session], now: datetime) -> Schedule:
    """The one due schedule, as a scheduler reads it before claiming."""
    with factory.begin() as session:
        [schedule] = schedules_repo.due(session, now)
    return schedule


def claim(factory: sessionmaker[Session], read: Schedule, now: datetime) -> bool:
    """Try to claim the tick of a schedule as it was read."""
    assert read.next_run_at is not None
    with factory.begin() as session:
        return schedules_repo.claim_tick(
            session,
            read.id,
            expected_next_run_at=read.next_run_at,
            expected_updated_at=read.updated_at,
            values={"last_run_at": now, "next_run_at": now + timedelta(seconds=60)},
        )


def run_due(factory: sessionmaker[Session], now: datetime) -> list[tuple[Schedule, Job]]:
    """One scheduler tick at ``now``, committed."""
    with factory.begin() as session:
        return schedules.run_due(session, now, default_max_attempts=3)


def test_defaults_are_created_disabled_once_and_user_edits_survive(
    factory: sessionmaker[Session],
) -> None:
    with factory.begin() as session:
        created = schedules.ensure_defaults(session)
    assert sorted(s.name for s in created) == sorted(d.name for d in DEFAULT_SCHEDULES)
    assert all(not s.enabled and s.next_run_at is None for s in created)
    with factory.begin() as session:
        schedules.update(session, "observation-cleanup", {"params": {"retention_days": 90}})
        assert schedules.ensure_defaults(session) == []
        cleanup = schedules.get(session, "observation-cleanup")
    assert cleanup.params == {"retention_days": 90}
    assert cleanup.cron == "0 3 * * *"


def test_new_interval_schedule_is_due_at_once_and_cron_schedule_at_its_next_tick(
    factory: sessionmaker[Session],
) -> None:
    interval = add(factory, "every-minute")
    cron = add(factory, "nightly", interval_seconds=None, cron="0 3 * * *", timezone="UTC")
    assert interval.next_run_at == T0
    assert cron.next_run_at == datetime(2030, 1, 2, 3, tzinfo=UTC)


def test_due_schedule_submits_one_job_and_moves_to_the_next_tick(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "every-minute")
    [(schedule, job)] = run_due(factory, T0 + timedelta(seconds=1))
    assert job.kind == SLEEP and job.state == JobState.QUEUED
    assert schedule.last_job_id == job.id
    assert schedule.last_run_at == T0 + timedelta(seconds=1)
    assert schedule.next_run_at == T0 + timedelta(seconds=61)
    assert run_due(factory, T0 + timedelta(seconds=30)) == []


def test_missed_ticks_are_not_replayed_one_by_one(factory: sessionmaker[Session]) -> None:
    add(factory, "every-five", interval_seconds=None, cron="*/5 * * * *")
    late = T0 + timedelta(hours=3, seconds=10)  # 36 ticks missed while no scheduler ran
    assert len(run_due(factory, late)) == 1
    assert run_due(factory, late + timedelta(seconds=1)) == []
    with factory() as session:
        assert schedules.get(session, "every-five").next_run_at == T0 + timedelta(
            hours=3, minutes=5
        )
    assert job_count(factory) == 1


def test_two_schedulers_at_the_same_tick_create_each_job_once(
    factory: sessionmaker[Session],
) -> None:
    for index in range(10):
        add(factory, f"s{index}")
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        """One scheduler's tick, started together with the other's."""
        try:
            with factory.begin() as session:
                barrier.wait(timeout=10)
                ran = schedules.run_due(session, T0 + timedelta(seconds=1), default_max_attempts=3)
                results.append(len(ran))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sum(results) == 10
    assert job_count(factory) == 10


def test_a_scheduler_that_read_a_tick_another_claimed_cannot_claim_it(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "contested")
    now = T0 + timedelta(seconds=1)
    stale = read_due(factory, now)
    assert len(run_due(factory, now)) == 1
    assert not claim(factory, stale, now)
    assert job_count(factory) == 1


def test_a_schedule_edited_after_it_was_read_is_not_claimed_with_stale_values(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "edited")
    now = T0 + timedelta(seconds=1)
    stale = read_due(factory, now)
    with factory.begin() as session:
        schedules.update(session, "edited", {"description": "new"}, now=now)
    assert not claim(factory, stale, now)
    assert len(run_due(factory, now)) == 1


def test_disabled_schedule_does_not_run_and_has_no_next_run(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "off")
    with factory.begin() as session:
        disabled = schedules.disable(session, "off", now=T0)
    assert disabled.next_run_at is None
    assert run_due(factory, T0 + timedelta(days=1)) == []


def test_changing_the_interval_moves_the_next_run_from_the_last_run(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "paced")
    run_due(factory, T0)
    with factory.begin() as session:
        changed = schedules.update(session, "paced", {"interval_seconds": 5}, now=T0)
    assert changed.next_run_at == T0 + timedelta(seconds=5)


def test_setting_a_cron_turns_an_interval_schedule_into_a_cron_one(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "switch")
    with factory.begin() as session:
        changed = schedules.update(session, "switch", {"cron": "0 3 * * *"}, now=T0)
    assert (changed.cron, changed.interval_seconds) == ("0 3 * * *", None)
    assert changed.next_run_at == datetime(2030, 1, 2, 3, tzinfo=UTC)


def test_enabling_a_default_whose_kind_is_not_registered_is_refused(
    factory: sessionmaker[Session],
) -> None:
    with factory.begin() as session:
        session.add(
            Schedule(
                name="future",
                description="",
                kind="data.not_written_yet",
                params={},
                cron="0 * * * *",
                timezone="UTC",
                enabled=False,
                created_at=T0,
                updated_at=T0,
            )
        )
    with factory.begin() as session, pytest.raises(InvalidInputError) as caught:
        schedules.enable(session, "future")
    assert caught.value.details[0]["field"] == "kind"


def test_tick_of_a_schedule_whose_kind_vanished_records_a_failed_job(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "orphan")
    with factory.begin() as session:
        session.execute(update(Schedule).values(kind="data.removed"))
    [(schedule, job)] = run_due(factory, T0)
    assert job.state == JobState.FAILED
    assert "unknown job kind 'data.removed'" in (job.error or "")
    assert schedule.next_run_at == T0 + timedelta(seconds=60)


def test_duplicate_name_is_a_conflict(factory: sessionmaker[Session]) -> None:
    add(factory, "twice")
    with pytest.raises(ScheduleExistsError):
        add(factory, "twice")


def test_run_now_submits_a_job_without_moving_the_next_tick(
    factory: sessionmaker[Session],
) -> None:
    add(factory, "manual", interval_seconds=None, cron="0 3 * * *", enabled=False)
    with factory.begin() as session:
        job = schedules.run_now(session, "manual", default_max_attempts=3, now=T0)
        schedule = schedules.get(session, "manual")
    assert job.state == JobState.QUEUED
    assert schedule.last_job_id == job.id
    assert schedule.next_run_at is None
