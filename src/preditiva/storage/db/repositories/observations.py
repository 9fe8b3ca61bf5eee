"""Reading and idempotently writing observations, in bulk."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.storage.db.models import Observation

VALUE_COLUMNS = ("value", "open", "high", "low", "volume", "is_synthetic")
BATCH_ROWS = 5_000


def upsert(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert or update rows keyed on (series_id, ts, source); identical rows are left alone.

    Each row needs ``series_id, ts, source, value`` and may carry ``open, high, low, volume,
    is_synthetic, ingested_at``. Returns how many rows were inserted or changed.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Observation.__table__
    statement = insert(Observation)
    excluded = statement.excluded
    changed = None
    for name in VALUE_COLUMNS:
        differs = table.c[name].is_distinct_from(excluded[name])
        changed = differs if changed is None else changed | differs
    upsert_statement = statement.on_conflict_do_update(
        index_elements=["series_id", "ts", "source"],
        set_={
            **{name: excluded[name] for name in VALUE_COLUMNS},
            "ingested_at": excluded.ingested_at,
        },
        where=changed,
    ).returning(Observation.series_id)
    written = 0
    for start in range(0, len(rows), BATCH_ROWS):
        batch = [_complete(row) for row in rows[start : start + BATCH_ROWS]]
        written += len(session.execute(upsert_statement, batch).all())
    return written


def _complete(row: Mapping[str, Any]) -> dict[str, Any]:
    full: dict[str, Any] = {
        "open": None,
        "high": None,
        "low": None,
        "volume": None,
        "is_synthetic": False,
    }
    full.update(row)
    full.setdefault("ingested_at", utcnow())
    return full


def select_range(
    series_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    include_synthetic: bool = True,
) -> Select[Observation]:
    """The query for a series' observations in [start, end], oldest first."""
    query = select(Observation).where(Observation.series_id == series_id)
    if start is not None:
        query = query.where(Observation.ts >= start)
    if end is not None:
        query = query.where(Observation.ts <= end)
    if not include_synthetic:
        query = query.where(Observation.is_synthetic.is_(False))
    return query.order_by(Observation.ts, Observation.source)


def fetch_range(session: Session, series_id: int, **filters: Any) -> Sequence[Observation]:
    """A series' observations in a range, oldest first."""
    return session.scalars(select_range(series_id, **filters)).all()


def count(session: Session, series_id: int) -> int:
    """How many observations a series has."""
    query = select(func.count()).where(Observation.series_id == series_id)
    return int(session.scalar(query) or 0)


def timestamps(session: Session, series_id: int, limit: int = 500) -> list[datetime]:
    """The most recent distinct timestamps of a series (for frequency detection)."""
    query = (
        select(Observation.ts)
        .where(Observation.series_id == series_id)
        .distinct()
        .order_by(Observation.ts.desc())
        .limit(limit)
    )
    return list(session.scalars(query).all())


def values_of(
    session: Session, series_ids: Sequence[int], *, include_synthetic: bool
) -> Sequence[Row[int, datetime, float]]:
    """``(series_id, ts, value)`` of these series, by series then time (all sources)."""
    if not series_ids:
        return []
    query = select(Observation.series_id, Observation.ts, Observation.value).where(
        Observation.series_id.in_(list(series_ids))
    )
    if not include_synthetic:
        query = query.where(Observation.is_synthetic.is_(False))
    return session.execute(
        query.order_by(Observation.series_id, Observation.ts, Observation.source)
    ).all()
