"""Queries that delete observations past a retention period, one series at a time."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from preditiva.storage.db.models import Observation, Series, SeriesTag


def series_ids(session: Session, *, tag: str | None = None) -> Sequence[int]:
    """Ids of every series, or of those with ``tag``, in id order."""
    query = select(Series.id)
    if tag is not None:
        query = query.where(Series.id.in_(select(SeriesTag.series_id).where(SeriesTag.tag == tag)))
    return session.scalars(query.order_by(Series.id)).all()


def delete_before(
    session: Session, series_id: int, cutoff: datetime, *, include_synthetic: bool
) -> int:
    """Delete a series' observations timestamped before ``cutoff``; return how many went."""
    statement = delete(Observation).where(
        Observation.series_id == series_id, Observation.ts < cutoff
    )
    if not include_synthetic:
        statement = statement.where(Observation.is_synthetic.is_(False))
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
