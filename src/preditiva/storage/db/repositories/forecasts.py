"""Queries behind serving forecasts: aliased models, the registry generation, fits in bulk."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from preditiva.storage.db.models import (
    Model,
    ModelAlias,
    ModelAliasEvent,
    ModelFit,
    ModelVersion,
    Series,
    SeriesTag,
)


def aliased_models(session: Session, alias: str) -> Sequence[Row[Any]]:
    """``(name, target, alias updated_at)`` of every forecast model that has ``alias`` set."""
    query = (
        select(Model.name, Model.target, ModelAlias.updated_at)
        .join(ModelAlias, ModelAlias.model_id == Model.id)
        .where(ModelAlias.alias == alias, Model.task == "forecast")
    )
    return session.execute(query).all()


def generation(session: Session) -> tuple[Any, ...]:
    """Figures that change whenever an alias moves or a version is added or changes status."""
    query = select(
        select(func.count()).select_from(ModelAlias).scalar_subquery(),
        select(func.max(ModelAlias.updated_at)).scalar_subquery(),
        select(func.max(ModelAliasEvent.id)).scalar_subquery(),
        select(func.max(ModelVersion.id)).scalar_subquery(),
        select(func.count())
        .select_from(ModelVersion)
        .where(ModelVersion.status == "ready")
        .scalar_subquery(),
    )
    row = session.execute(query).one()
    return tuple(_plain(value) for value in row)


def _plain(value: Any) -> Any:
    """A value that prints the same on every database (timestamps as ISO text)."""
    return value.isoformat() if isinstance(value, datetime) else value


def series_with_tag(session: Session, tag: str) -> Sequence[Series]:
    """Every series carrying ``tag``, by key."""
    query = select(Series).where(
        Series.id.in_(select(SeriesTag.series_id).where(SeriesTag.tag == tag))
    )
    return session.scalars(query.order_by(Series.key)).all()


def fits_for(session: Session, version_id: int, series_ids: Sequence[int]) -> dict[int, ModelFit]:
    """The fits of these series in one version, by series id."""
    if not series_ids:
        return {}
    query = select(ModelFit).where(
        ModelFit.version_id == version_id, ModelFit.series_id.in_(list(series_ids))
    )
    return {fit.series_id: fit for fit in session.scalars(query)}


def fit_series(session: Session, version_id: int) -> Sequence[Row[int, str]]:
    """``(series_id, series_key)`` of every fit of a version, by key."""
    query = select(ModelFit.series_id, ModelFit.series_key).where(ModelFit.version_id == version_id)
    return session.execute(query.order_by(ModelFit.series_key)).all()
