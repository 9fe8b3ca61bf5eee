"""``/v1/models``: define, list and train models; promote, roll back and archive versions."""

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from preditiva.api.deps import CeleryDep, SessionDep, SessionFactoryDep, SettingsDep
from preditiva.api.job_answers import publish_and_read
from preditiva.api.schemas.jobs import JobRead
from preditiva.api.schemas.models import (
    AliasRequest,
    FitCountsRead,
    FitPage,
    FitRead,
    ModelCreate,
    ModelDefined,
    ModelList,
    ModelRead,
    SkillRead,
    TrainRequest,
    VersionDetailRead,
    VersionList,
    VersionRead,
)
from preditiva.services import model_jobs, model_views, registry
from preditiva.services.model_views import ModelView, Skill, VersionView
from preditiva.storage.db.models import ModelFit

router = APIRouter(prefix="/v1/models", tags=["models"])


def skill_read(skill: Skill) -> SkillRead:
    """The API view of a skill block."""
    return SkillRead(
        skill_vs_naive=skill.skill_vs_naive,
        beats_naive=skill.beats_naive,
        beats_naive_share=skill.beats_naive_share,
        verdict=skill.verdict,
        baseline=skill.baseline,
    )


def version_read(view: VersionView) -> VersionRead:
    """The API view of a version."""
    row = view.version
    return VersionRead(
        version=row.version,
        status=row.status,
        aliases=view.aliases,
        skill=skill_read(view.skill),
        metrics=row.metrics,
        params=row.params,
        data_fingerprint=row.data_fingerprint,
        library_versions=row.library_versions,
        trained_at=row.trained_at,
        training_seconds=row.training_seconds,
        artifact_uri=row.artifact_uri,
        artifact_sha256=row.artifact_sha256,
        job_id=row.job_id,
        created_at=row.created_at,
    )


def model_read(view: ModelView) -> ModelRead:
    """The API view of a model."""
    model = view.model
    return ModelRead(
        name=model.name,
        task=model.task,
        engine=model.engine,
        horizon=model.horizon,
        target=model.target,
        params=model.params,
        description=model.description,
        created_at=model.created_at,
        updated_at=model.updated_at,
        aliases=view.aliases,
        skill=skill_read(view.skill),
        skill_version=view.skill_version,
        champion=version_read(view.champion) if view.champion else None,
        latest=version_read(view.latest) if view.latest else None,
    )


def fit_read(fit: ModelFit) -> FitRead:
    """The API view of one series' fit."""
    return FitRead(
        series_key=fit.series_key,
        status=fit.status,
        reason=fit.reason,
        carried_over=fit.carried_over,
        skill=skill_read(model_views.fit_skill(fit)),
        metrics=fit.metrics,
        n_obs=fit.n_obs,
        data_end=fit.data_end,
        engine_detail=fit.engine_detail,
        trained_at=fit.trained_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ModelDefined)
def define_model(
    body: ModelCreate,
    session: SessionDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    settings: SettingsDep,
) -> ModelDefined:
    """Define a model (409 if the name is taken, 422 naming a bad engine, target or param).

    With ``train`` its first ``train.model`` job is submitted too and shown as ``job``; a
    broker that is down leaves it queued (``published`` false) for the sweeper.
    """
    defined = model_jobs.define_model(
        session, **body.model_dump(), default_max_attempts=settings.max_attempts
    )
    session.commit()
    job = publish_and_read(session, factory, celery, defined.job.id) if defined.job else None
    view = model_views.model_view(session, defined.model.name)
    return ModelDefined(**model_read(view).model_dump(), job=job)


@router.get("", response_model=ModelList)
def list_models(session: SessionDep) -> ModelList:
    """Every model by name, with its champion version and its skill against naive."""
    return ModelList(items=[model_read(view) for view in model_views.list_models(session)])


@router.get("/{name}", response_model=ModelRead)
def get_model(name: str, session: SessionDep) -> ModelRead:
    """One model: recipe, aliases, champion and latest versions, skill against naive."""
    return model_read(model_views.model_view(session, name))


@router.get("/{name}/versions", response_model=VersionList)
def list_versions(name: str, session: SessionDep) -> VersionList:
    """A model's versions, oldest first, each with its metrics, skill and aliases."""
    views = model_views.version_views(session, name)
    return VersionList(model=name, items=[version_read(view) for view in views])


@router.get("/{name}/versions/{ref}", response_model=VersionDetailRead)
def get_version(name: str, ref: str, session: SessionDep) -> VersionDetailRead:
    """Version ``ref`` (a number, or an alias such as ``champion``) with its fits counted."""
    view, counts = model_views.version_detail(session, name, registry.version_ref(ref))
    return VersionDetailRead(
        **version_read(view).model_dump(),
        fits=FitCountsRead(**asdict(counts)),
        backtest=view.version.backtest,
    )


@router.get("/{name}/versions/{ref}/fits", response_model=FitPage)
def list_fits(
    name: str,
    ref: str,
    session: SessionDep,
    fit_status: Annotated[
        Literal["trained", "skipped", "failed"] | None,
        Query(alias="status", description="Only fits that ended so."),
    ] = None,
    carried_over: Annotated[
        bool | None, Query(description="Only fits carried over unchanged (or only new ones).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=model_views.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FitPage:
    """A version's series by key: how each ended, why it was skipped, its skill."""
    page = model_views.fit_page(
        session,
        name,
        registry.version_ref(ref),
        status=fit_status,
        carried_over=carried_over,
        limit=limit,
        offset=offset,
    )
    return FitPage(
        items=[fit_read(fit) for fit in page.items], total=page.total, limit=limit, offset=offset
    )


@router.post("/{name}/train", status_code=status.HTTP_202_ACCEPTED, response_model=JobRead)
def train_model(
    name: str,
    session: SessionDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    settings: SettingsDep,
    body: TrainRequest | None = None,
) -> JobRead:
    """Submit a ``train.model`` job making the next version (404 unknown model, 422 no series)."""
    options = body or TrainRequest()
    job = model_jobs.submit_training(
        session, name, **options.model_dump(), default_max_attempts=settings.max_attempts
    )
    session.commit()
    return publish_and_read(session, factory, celery, job.id)


@router.post("/{name}/versions/{version}/promote", response_model=VersionRead)
def promote_version(
    name: str, version: int, session: SessionDep, body: AliasRequest | None = None
) -> VersionRead:
    """Point an alias (``champion`` by default) at a ready version (409 if not ready)."""
    alias = (body or AliasRequest()).alias
    row = registry.promote(session, name, version, alias=alias)
    session.commit()
    return version_read(model_views.version_view(session, row))


@router.post("/{name}/rollback", response_model=VersionRead)
def rollback_alias(name: str, session: SessionDep, body: AliasRequest | None = None) -> VersionRead:
    """Point an alias back at the version it pointed at before (409 if there is none)."""
    alias = (body or AliasRequest()).alias
    row = registry.rollback(session, name, alias=alias)
    session.commit()
    return version_read(model_views.version_view(session, row))


@router.post("/{name}/versions/{version}/archive", response_model=VersionRead)
def archive_version(name: str, version: int, session: SessionDep) -> VersionRead:
    """Archive a version no alias points at (409 if one does)."""
    row = registry.archive(session, name, version)
    session.commit()
    return version_read(model_views.version_view(session, row))
