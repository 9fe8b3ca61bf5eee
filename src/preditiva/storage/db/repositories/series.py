"""Queries on series and their tags."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from preditiva.storage.db.models import Series, SeriesTag


def get_by_key(session: Session, key: str) -> Series | None:
    """The series with this key, if any."""
    return session.scalars(select(Series).where(Series.key == key)).one_or_none()


def by_keys(session: Session, keys: Sequence[str]) -> dict[str, Series]:
    """The series among ``keys`` that exist, by key."""
    if not keys:
        return {}
    rows = session.scalars(select(Series).where(Series.key.in_(list(keys)))).all()
    return {row.key: row for row in rows}


def search(
    session: Session,
    *,
    tag: str | None = None,
    kind: str | None = None,
    text: str | None = None,
    stale_before: datetime | None = None,
    with_source: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Series], int]:
    """Series matching every given filter, ordered by key, and how many match in all."""
    query = select(Series)
    if tag is not None:
        query = query.where(Series.id.in_(select(SeriesTag.series_id).where(SeriesTag.tag == tag)))
    if kind is not None:
        query = query.where(Series.kind == kind)
    if text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(Series.key.ilike(pattern, escape="\\"), Series.name.ilike(pattern, escape="\\"))
        )
    if with_source is not None:
        query = query.where(Series.source.is_not(None) if with_source else Series.source.is_(None))
    if stale_before is not None:
        query = query.where(
            Series.source.is_not(None),
            or_(Series.last_success_at.is_(None), Series.last_success_at < stale_before),
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Series.key).limit(limit).offset(offset)).all()
    return rows, int(total)


def set_tags(series: Series, tags: Sequence[str]) -> None:
    """Replace a series' tags."""
    wanted = sorted(set(tags))
    current = {row.tag: row for row in series.tag_rows}
    series.tag_rows = [current.get(tag) or SeriesTag(tag=tag) for tag in wanted]


def keys_with_tag(session: Session, tag: str) -> Sequence[Row[int, str]]:
    """``(id, key)`` of every series carrying ``tag``, by key."""
    query = (
        select(Series.id, Series.key)
        .where(Series.id.in_(select(SeriesTag.series_id).where(SeriesTag.tag == tag)))
        .order_by(Series.key)
    )
    return session.execute(query).all()


def keys_of(session: Session, series_ids: Sequence[int]) -> Sequence[Row[int, str]]:
    """``(id, key)`` of these series."""
    if not series_ids:
        return []
    return session.execute(
        select(Series.id, Series.key).where(Series.id.in_(list(series_ids)))
    ).all()
