"""Schedule use cases: periodic jobs kept in the database, and turning due ticks into jobs.

A schedule submits a job of ``kind`` with ``params`` either on a five-field cron read in its
IANA ``timezone`` or every ``interval_seconds``. ``next_run_at`` is always stored, so any
number of schedulers can share the table: :func:`run_due` claims each tick with a
compare-and-set on that column, and only the scheduler whose update matched submits the job,
in the same transaction. Ticks missed while no scheduler ran are not replayed: an overdue
schedule runs once and its next run is the first tick after now.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import InvalidInputError, ScheduleExistsError, ScheduleNotFoundError
from preditiva.core.logging import get_logger
from preditiva.core.queues import queue_for
from preditiva.services import jobs
from preditiva.services.catalogue import get_kind
from preditiva.services.schedule_defaults import DEFAULT_SCHEDULES
from preditiva.services.schedule_times import (
    check_cron,
    check_interval,
    next_cron_time,
    next_interval_time,
    zone,
)
from preditiva.storage.db.models import Job, JobState, Schedule
from preditiva.storage.db.repositories import schedules as schedules_repo

log = get_logger(__name__)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
EDITABLE = frozenset(
    {"name", "description", "kind", "params", "cron", "interval_seconds", "timezone", "enabled"}
)
NOT_NULL = ("name", "kind", "timezone", "enabled")
#: Fields whose change moves the next run.
TIMING = ("cron", "interval_seconds", "timezone", "enabled")


def validate_name(name: str) -> str:
    """``name`` if it can name a schedule (it appears in URLs), else a 422."""
    if not NAME_PATTERN.match(name):
        raise InvalidInputError(
            f"invalid schedule name {name!r}: use 1-200 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            details=[{"field": "name", "message": "not a valid schedule name"}],
        )
    return name


def check_timing(
    cron: str | None, interval_seconds: float | None, timezone: str
) -> tuple[str | None, float | None, str]:
    """Validated ``(cron, interval_seconds, timezone)``: exactly one of the first two is set."""
    if (cron is None) == (interval_seconds is None):
        which = "both" if cron is not None else "neither"
        message = f"give exactly one of cron or interval_seconds ({which} given)"
        raise InvalidInputError(
            message,
            details=[
                {"field": "cron", "message": message},
                {"field": "interval_seconds", "message": message},
            ],
        )
    zone(timezone)
    if cron is not None:
        return check_cron(cron), None, timezone
    assert interval_seconds is not None
    return None, check_interval(interval_seconds), timezone


def check_job(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """The params as the job kind reads them, or a 422 naming the kind or the bad param."""
    valid = get_kind(kind).validate(params)
    return valid.model_dump(mode="json", exclude_unset=True)


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The schedule's next run: its first cron tick after ``after``, or last run + interval.

    An interval schedule that never ran is due at ``after`` (now, when it is enabled).
    """
    if schedule.cron is not None:
        return next_cron_time(schedule.cron, schedule.timezone, after)
    assert schedule.interval_seconds is not None
    return next_interval_time(schedule.interval_seconds, schedule.last_run_at, after)


def get(session: Session, name: str, *, for_update: bool = False) -> Schedule:
    """The schedule called ``name``, or a 404."""
    schedule = schedules_repo.get_by_name(session, name, for_update=for_update)
    if schedule is None:
        raise ScheduleNotFoundError(f"no schedule named {name!r}")
    return schedule


def list_schedules(
    session: Session, *, enabled: bool | None = None, kind: str | None = None
) -> list[Schedule]:
    """Every schedule, by name, optionally only enabled (or disabled) ones or one kind."""
    return list(schedules_repo.list_all(session, enabled=enabled, kind=kind))


def create(
    session: Session,
    *,
    name: str,
    kind: str,
    params: dict[str, Any] | None = None,
    cron: str | None = None,
    interval_seconds: float | None = None,
    timezone: str = "UTC",
    enabled: bool = True,
    description: str = "",
    now: datetime | None = None,
) -> Schedule:
    """Add a schedule after checking its timing, job kind and params; 409 if the name is taken."""
    return _add(
        session,
        name=name,
        kind=kind,
        params=check_job(kind, params or {}),
        cron=cron,
        interval_seconds=interval_seconds,
        timezone=timezone,
        enabled=enabled,
        description=description,
        now=now or utcnow(),
    )


def _add(
    session: Session,
    *,
    name: str,
    kind: str,
    params: dict[str, Any],
    cron: str | None,
    interval_seconds: float | None,
    timezone: str,
    enabled: bool,
    description: str,
    now: datetime,
) -> Schedule:
    """Check the name and timing, then insert; the params were checked by the caller."""
    validate_name(name)
    cron, interval_seconds, timezone = check_timing(cron, interval_seconds, timezone)
    if schedules_repo.get_by_name(session, name) is not None:
        raise ScheduleExistsError(f"schedule {name!r} already exists")
    schedule = Schedule(
        name=name,
        description=description,
        kind=kind,
        params=params,
        cron=cron,
        interval_seconds=interval_seconds,
        timezone=timezone,
        enabled=enabled,
        created_at=now,
        updated_at=now,
    )
    schedule.next_run_at = next_run(schedule, now) if enabled else None
    try:
        with session.begin_nested():
            session.add(schedule)
    except IntegrityError:
        raise ScheduleExistsError(f"schedule {name!r} already exists") from None
    return schedule


def update(
    session: Session, name: str, changes: Mapping[str, Any], *, now: datetime | None = None
) -> Schedule:
    """Change the given fields; the next run moves when the timing or enabled flag changes.

    Setting ``cron`` without ``interval_seconds`` turns an interval schedule into a cron one
    (and the other way round). The kind and params are checked again when either changes
    or when the schedule is being enabled; disabling is always allowed.
    """
    unknown = sorted(set(changes) - EDITABLE)
    nulls = [field for field in NOT_NULL if field in changes and changes[field] is None]
    if unknown or nulls:
        details = [{"field": f, "message": "not an editable field"} for f in unknown]
        details += [{"field": f, "message": "may not be null"} for f in nulls]
        raise InvalidInputError(
            f"cannot change schedule fields {', '.join(unknown + nulls)}", details=details
        )
    schedule = get(session, name, for_update=True)
    values = {field: getattr(schedule, field) for field in EDITABLE} | dict(changes)
    values["params"] = values["params"] or {}
    values["description"] = values["description"] or ""
    if changes.get("cron") is not None and "interval_seconds" not in changes:
        values["interval_seconds"] = None
    if changes.get("interval_seconds") is not None and "cron" not in changes:
        values["cron"] = None
    values["cron"], values["interval_seconds"], values["timezone"] = check_timing(
        values["cron"], values["interval_seconds"], values["timezone"]
    )
    enabling = bool(values["enabled"]) and not schedule.enabled
    if "kind" in changes or "params" in changes or enabling:
        values["params"] = check_job(values["kind"], values["params"])
    if values["name"] != schedule.name:
        validate_name(values["name"])
        if schedules_repo.get_by_name(session, values["name"]) is not None:
            raise ScheduleExistsError(f"schedule {values['name']!r} already exists")
    moved = any(values[field] != getattr(schedule, field) for field in TIMING)
    for field, value in values.items():
        setattr(schedule, field, value)
    now = now or utcnow()
    schedule.updated_at = now
    if moved:
        schedule.next_run_at = next_run(schedule, now) if schedule.enabled else None
    session.flush()
    return schedule


def enable(session: Session, name: str, *, now: datetime | None = None) -> Schedule:
    """Turn a schedule on (its kind and params are checked first)."""
    return update(session, name, {"enabled": True}, now=now)


def disable(session: Session, name: str, *, now: datetime | None = None) -> Schedule:
    """Turn a schedule off; it has no next run until enabled again."""
    return update(session, name, {"enabled": False}, now=now)


def delete(session: Session, name: str) -> None:
    """Remove a schedule (the jobs it created stay)."""
    session.delete(get(session, name, for_update=True))
    session.flush()


def run_now(
    session: Session, name: str, *, default_max_attempts: int, now: datetime | None = None
) -> Job:
    """Submit the schedule's job at once, enabled or not; its next tick stays where it was."""
    schedule = get(session, name, for_update=True)
    job = jobs.submit(
        session,
        kind=schedule.kind,
        params=schedule.params,
        default_max_attempts=default_max_attempts,
    )
    schedule.last_run_at = now or utcnow()
    schedule.last_job_id = job.id
    session.flush()
    return job


def run_due(
    session: Session, now: datetime, *, default_max_attempts: int
) -> list[tuple[Schedule, Job]]:
    """Claim every due tick and submit its job; the caller commits, then publishes the jobs.

    A tick is claimed by moving ``next_run_at`` from the value read to the first tick
    strictly after ``now``; a scheduler that read the same value finds it gone and skips.
    """
    ran: list[tuple[Schedule, Job]] = []
    for schedule in schedules_repo.due(session, now):
        assert schedule.next_run_at is not None
        claimed = schedules_repo.claim_tick(
            session,
            schedule.id,
            expected_next_run_at=schedule.next_run_at,
            expected_updated_at=schedule.updated_at,
            values={"last_run_at": now, "next_run_at": _following(schedule, now)},
        )
        if not claimed:
            continue
        tick = schedule.next_run_at
        job = _submit(session, schedule, now, default_max_attempts)
        log.info(
            "schedule tick claimed",
            schedule=schedule.name,
            tick=tick.isoformat(),
            job_id=str(job.id),
        )
        fresh = schedules_repo.get(session, schedule.id)
        assert fresh is not None
        fresh.last_job_id = job.id
        session.flush()
        ran.append((fresh, job))
    return ran


def _following(schedule: Schedule, now: datetime) -> datetime | None:
    """The first tick after a run at ``now``; none if it cannot be computed any more."""
    if schedule.cron is None and schedule.interval_seconds is not None:
        return now + timedelta(seconds=schedule.interval_seconds)
    try:
        return next_run(schedule, now)
    except (InvalidInputError, AssertionError) as exc:  # e.g. a zone gone from tzdata
        log.warning("schedule has no next run; edit it", schedule=schedule.name, error=str(exc))
        return None


def _submit(session: Session, schedule: Schedule, now: datetime, max_attempts: int) -> Job:
    """The tick's job; a kind or params the catalogue now rejects give a job failed at once."""
    try:
        return jobs.submit(
            session, kind=schedule.kind, params=schedule.params, default_max_attempts=max_attempts
        )
    except InvalidInputError as exc:
        problem = exc.message
    log.warning("scheduled job rejected", schedule=schedule.name, error=problem)
    job = Job(
        kind=schedule.kind,
        state=JobState.FAILED,
        queue=queue_for(schedule.kind),
        params=schedule.params,
        max_attempts=max_attempts,
        created_at=now,
        finished_at=now,
        progress=0.0,
        attempts=0,
        dispatch_seq=0,
        dead_letter=False,
        cancel_requested=False,
        error=f"schedule {schedule.name!r} could not submit its job: {problem}",
        message="not run",
    )
    session.add(job)
    session.flush()
    return job


def next_due_at(session: Session) -> datetime | None:
    """When the soonest enabled schedule is next due."""
    return schedules_repo.next_due_at(session)


def ensure_defaults(session: Session, *, now: datetime | None = None) -> list[Schedule]:
    """Create the missing default schedules (disabled); existing ones are left as they are.

    Their params are checked against their job kinds like any schedule's, so a default that
    drifts from its kind fails ``preditiva migrate`` (and the tests) instead of every tick.
    """
    existing = schedules_repo.names(session)
    created: list[Schedule] = []
    for default in DEFAULT_SCHEDULES:
        if default.name in existing:
            continue
        try:
            schedule = _add(
                session,
                name=default.name,
                kind=default.kind,
                params=check_job(default.kind, dict(default.params)),
                cron=default.cron,
                interval_seconds=None,
                timezone=default.timezone,
                enabled=False,
                description=default.description,
                now=now or utcnow(),
            )
        except ScheduleExistsError:
            continue  # another process created it at the same moment
        created.append(schedule)
    return created
