"""Queries on the schedule table, including the compare-and-set that claims one tick."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from preditiva.storage.db.models import Schedule


def get_by_name(session: Session, name: str, *, for_update: bool = False) -> Schedule | None:
    """The schedule called ``name``, fresh from the database; locked for a change if asked."""
    query = select(Schedule).where(Schedule.name == name)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def get(session: Session, schedule_id: int) -> Schedule | None:
    """The schedule with this id, re-read from the database."""
    return session.get(Schedule, schedule_id, populate_existing=True)


def list_all(
    session: Session, *, enabled: bool | None = None, kind: str | None = None
) -> Sequence[Schedule]:
    """Every schedule matching the filters, by name."""
    query = select(Schedule)
    if enabled is not None:
        query = query.where(Schedule.enabled.is_(enabled))
    if kind is not None:
        query = query.where(Schedule.kind == kind)
    return session.scalars(query.order_by(Schedule.name)).all()


def due(session: Session, now: datetime) -> Sequence[Schedule]:
    """Enabled schedules whose next run is at or before ``now``, most overdue first."""
    query = (
        select(Schedule)
        .where(
            Schedule.enabled.is_(True),
            Schedule.next_run_at.is_not(None),
            Schedule.next_run_at <= now,
        )
        .order_by(Schedule.next_run_at, Schedule.id)
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).all()


def claim_tick(
    session: Session,
    schedule_id: int,
    *,
    expected_next_run_at: datetime,
    expected_updated_at: datetime,
    values: dict[str, Any],
) -> bool:
    """Take the tick ``expected_next_run_at`` of a schedule unless someone moved or edited it.

    Only one of several schedulers that read the same row can succeed: the others find
    ``next_run_at`` already moved on (PostgreSQL re-checks the condition after the winner
    commits; SQLite runs the writers one after the other).
    """
    statement = (
        update(Schedule)
        .where(
            Schedule.id == schedule_id,
            Schedule.enabled.is_(True),
            Schedule.next_run_at == expected_next_run_at,
            Schedule.updated_at == expected_updated_at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(session.execute(statement), "rowcount", 0))


def next_due_at(session: Session) -> datetime | None:
    """When the soonest enabled schedule is next due, if any is."""
    query = select(func.min(Schedule.next_run_at)).where(Schedule.enabled.is_(True))
    value = session.scalar(query)
    return value if isinstance(value, datetime) else None


def names(session: Session) -> set[str]:
    """The names of every schedule."""
    return set(session.scalars(select(Schedule.name)).all())
