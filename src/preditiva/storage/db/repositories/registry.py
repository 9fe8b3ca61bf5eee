"""Queries on the model registry tables: models, versions, aliases and the alias log."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from preditiva.storage.db.models import Model, ModelAlias, ModelAliasEvent, ModelFit, ModelVersion


def get_model(session: Session, name: str, *, for_update: bool = False) -> Model | None:
    """The model called ``name``; locked for a change if asked."""
    query = select(Model).where(Model.name == name)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def list_models(session: Session) -> Sequence[Model]:
    """Every model, by name."""
    return session.scalars(select(Model).order_by(Model.name)).all()


def max_version(session: Session, model_id: int) -> int:
    """The highest version number of a model, 0 when it has none."""
    query = select(func.max(ModelVersion.version)).where(ModelVersion.model_id == model_id)
    return session.scalar(query) or 0


def get_version(session: Session, model_id: int, version: int) -> ModelVersion | None:
    """Version ``version`` of a model."""
    query = select(ModelVersion).where(
        ModelVersion.model_id == model_id, ModelVersion.version == version
    )
    return session.scalars(query).one_or_none()


def get_version_by_id(session: Session, version_id: int) -> ModelVersion | None:
    """The version row with this id."""
    return session.get(ModelVersion, version_id)


def list_versions(session: Session, model_id: int) -> Sequence[ModelVersion]:
    """A model's versions, oldest first."""
    query = select(ModelVersion).where(ModelVersion.model_id == model_id)
    return session.scalars(query.order_by(ModelVersion.version)).all()


def get_alias(session: Session, model_id: int, alias: str) -> ModelAlias | None:
    """The alias row of a model, if set."""
    return session.get(ModelAlias, (model_id, alias))


def list_aliases(session: Session, model_id: int) -> Sequence[ModelAlias]:
    """Every alias of a model, by name."""
    query = select(ModelAlias).where(ModelAlias.model_id == model_id)
    return session.scalars(query.order_by(ModelAlias.alias)).all()


def alias_events(session: Session, model_id: int, alias: str) -> Sequence[ModelAliasEvent]:
    """The promotions and roll-backs of one alias, oldest first."""
    query = select(ModelAliasEvent).where(
        ModelAliasEvent.model_id == model_id, ModelAliasEvent.alias == alias
    )
    return session.scalars(query.order_by(ModelAliasEvent.id)).all()


def version_for_job(session: Session, job_id: uuid.UUID) -> ModelVersion | None:
    """The version a training job created, if it got that far."""
    query = select(ModelVersion).where(ModelVersion.job_id == job_id)
    return session.scalars(query).one_or_none()


def fitted_series_ids(session: Session, version_id: int) -> set[int]:
    """Series that already have a fit row in this version."""
    query = select(ModelFit.series_id).where(ModelFit.version_id == version_id)
    return set(session.scalars(query).all())


def latest_fits(
    session: Session, model_id: int, before_version: int, series_ids: Sequence[int]
) -> dict[int, ModelFit]:
    """Each series' trained fit in the most recent earlier version that has one."""
    if not series_ids:
        return {}
    query = (
        select(ModelFit)
        .join(ModelVersion, ModelVersion.id == ModelFit.version_id)
        .where(
            ModelVersion.model_id == model_id,
            ModelVersion.version < before_version,
            ModelFit.status == "trained",
            ModelFit.series_id.in_(list(series_ids)),
        )
        .order_by(ModelVersion.version.desc())
    )
    found: dict[int, ModelFit] = {}
    for fit in session.scalars(query):
        found.setdefault(fit.series_id, fit)
    return found


def fit_summaries(session: Session, version_id: int) -> Sequence[Row[Any]]:
    """Status, key, reason, carry-over, skill and metrics of every fit of a version."""
    query = select(
        ModelFit.series_key,
        ModelFit.status,
        ModelFit.reason,
        ModelFit.carried_over,
        ModelFit.skill,
        ModelFit.metrics,
        ModelFit.data_fingerprint,
        ModelFit.artifact_uri,
        ModelFit.artifact_sha256,
    ).where(ModelFit.version_id == version_id)
    return session.execute(query.order_by(ModelFit.series_key)).all()


def get_fit(session: Session, version_id: int, series_id: int) -> ModelFit | None:
    """One series' fit in a version."""
    query = select(ModelFit).where(
        ModelFit.version_id == version_id, ModelFit.series_id == series_id
    )
    return session.scalars(query).one_or_none()


def fits_of_version(session: Session, version_id: int) -> Sequence[ModelFit]:
    """Every fit of a version, by series key."""
    query = select(ModelFit).where(ModelFit.version_id == version_id)
    return session.scalars(query.order_by(ModelFit.series_key)).all()


def get_model_by_id(session: Session, model_id: int) -> Model:
    """The model row with this id (it exists: versions cascade with their model)."""
    model = session.get(Model, model_id)
    assert model is not None
    return model
