"""Queries behind serving predictions: the series-feature models of a series."""

from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from preditiva.storage.db.models import Model, ModelAlias, ModelVersion

FEATURE_TASKS = ("regression", "classification")


def series_models(
    session: Session, key: str, alias: str
) -> Sequence[tuple[Model, ModelVersion | None]]:
    """Each regression or classification model targeting series ``key``, with ``alias``'s version.

    The target is JSON, compared here rather than in SQL so SQLite and PostgreSQL agree.
    """
    query = (
        select(Model, ModelVersion)
        .outerjoin(ModelAlias, and_(ModelAlias.model_id == Model.id, ModelAlias.alias == alias))
        .outerjoin(ModelVersion, ModelVersion.id == ModelAlias.version_id)
        .where(Model.task.in_(FEATURE_TASKS))
        .order_by(Model.name)
    )
    return [
        (model, version)
        for model, version in session.execute(query).all()
        if model.target == {"series": key}
    ]
