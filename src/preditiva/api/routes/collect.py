"""Collection: ``POST /v1/series/{key}/collect`` and ``POST /v1/collect`` start collector jobs."""

from fastapi import APIRouter, status

from preditiva.api.deps import CeleryDep, SessionDep, SessionFactoryDep, SettingsDep
from preditiva.api.job_answers import publish_and_read
from preditiva.api.schemas.collect import CollectRequest
from preditiva.api.schemas.jobs import JobRead
from preditiva.services import collection, jobs
from preditiva.services.collection_jobs import COLLECT_ALL, COLLECT_SERIES
from preditiva.storage.db.models import Job

router = APIRouter(prefix="/v1", tags=["collection"])


@router.post("/series/{key}/collect", status_code=status.HTTP_202_ACCEPTED, response_model=JobRead)
def collect_series(
    key: str,
    session: SessionDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    settings: SettingsDep,
) -> JobRead:
    """Collect one series now, as a ``data.collect_series`` job (404 unknown, 422 no source)."""
    collection.target_for(session, key)
    job = jobs.submit(
        session,
        kind=COLLECT_SERIES.name,
        params={"key": key},
        default_max_attempts=settings.max_attempts,
    )
    return _publish(session, factory, celery, job)


@router.post("/collect", status_code=status.HTTP_202_ACCEPTED, response_model=JobRead)
def collect_all(
    session: SessionDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    settings: SettingsDep,
    body: CollectRequest | None = None,
) -> JobRead:
    """Collect all series with a source (or a tag's, or some keys) as a ``data.collect_all`` job."""
    request = body or CollectRequest()
    job = jobs.submit(
        session,
        kind=COLLECT_ALL.name,
        params=request.model_dump(),
        default_max_attempts=settings.max_attempts,
    )
    return _publish(session, factory, celery, job)


def _publish(
    session: SessionDep, factory: SessionFactoryDep, celery: CeleryDep, job: Job
) -> JobRead:
    """Commit, publish the job, and answer with it as stored."""
    session.commit()
    return publish_and_read(session, factory, celery, job.id)
