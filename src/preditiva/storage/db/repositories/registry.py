"""Queries on the model registry tables: models, versions, aliases and the alias log."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preditiva.storage.db.models import Model, ModelAlias, ModelAliasEvent, ModelVersion


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
