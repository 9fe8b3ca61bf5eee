"""Read-side registry queries: aliases and versions of many models at once, fit pages."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from preditiva.storage.db.models import ModelAlias, ModelFit, ModelVersion


def aliases_of(session: Session, model_ids: Sequence[int]) -> Sequence[ModelAlias]:
    """Every alias of these models, by model and alias name."""
    if not model_ids:
        return []
    query = select(ModelAlias).where(ModelAlias.model_id.in_(list(model_ids)))
    return session.scalars(query.order_by(ModelAlias.model_id, ModelAlias.alias)).all()


def versions_by_id(session: Session, version_ids: Sequence[int]) -> dict[int, ModelVersion]:
    """These version rows, by id."""
    if not version_ids:
        return {}
    query = select(ModelVersion).where(ModelVersion.id.in_(list(version_ids)))
    return {row.id: row for row in session.scalars(query)}


def latest_versions(session: Session, model_ids: Sequence[int]) -> dict[int, ModelVersion]:
    """Each model's highest-numbered version, by model id (models without one are left out)."""
    if not model_ids:
        return {}
    highest = (
        select(ModelVersion.model_id, func.max(ModelVersion.version).label("number"))
        .where(ModelVersion.model_id.in_(list(model_ids)))
        .group_by(ModelVersion.model_id)
        .subquery()
    )
    query = select(ModelVersion).join(
        highest,
        (ModelVersion.model_id == highest.c.model_id) & (ModelVersion.version == highest.c.number),
    )
    return {row.model_id: row for row in session.scalars(query)}


def fit_counts(session: Session, version_id: int) -> dict[tuple[str, bool], int]:
    """How many fits of a version have each (status, carried over) pair."""
    query = (
        select(ModelFit.status, ModelFit.carried_over, func.count())
        .where(ModelFit.version_id == version_id)
        .group_by(ModelFit.status, ModelFit.carried_over)
    )
    return {(status, bool(carried)): int(n) for status, carried, n in session.execute(query)}


def fit_page(
    session: Session,
    version_id: int,
    *,
    status: str | None = None,
    carried_over: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[ModelFit], int]:
    """A version's fits by series key, without their backtests and forecasts, and the total."""
    query = select(ModelFit).where(ModelFit.version_id == version_id)
    if status is not None:
        query = query.where(ModelFit.status == status)
    if carried_over is not None:
        query = query.where(ModelFit.carried_over == carried_over)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(defer(ModelFit.backtest), defer(ModelFit.forecast))
        .order_by(ModelFit.series_key)
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, int(total)
