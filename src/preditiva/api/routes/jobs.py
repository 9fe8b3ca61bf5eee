"""``/v1/jobs``: submit, list, read, cancel, retry and discard background jobs."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from preditiva.api.deps import CeleryDep, SessionDep, SessionFactoryDep, SettingsDep
from preditiva.api.job_answers import publish_and_read, to_read
from preditiva.api.schemas.jobs import JobCreate, JobKindRead, JobPage, JobRead
from preditiva.services import jobs
from preditiva.services.catalogue import KINDS
from preditiva.storage.db.repositories.jobs import JobFilter

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.post("/jobs", status_code=status.HTTP_202_ACCEPTED, response_model=JobRead)
def submit_job(
    body: JobCreate,
    session: SessionDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    settings: SettingsDep,
) -> JobRead:
    """Accept a job: stored first, then published; it stays queued if the broker is down."""
    job = jobs.submit(
        session, kind=body.kind, params=body.params, default_max_attempts=settings.max_attempts
    )
    session.commit()
    return publish_and_read(session, factory, celery, job.id)


@router.get("/jobs", response_model=JobPage)
def list_jobs(
    session: SessionDep,
    state: str | None = None,
    kind: str | None = None,
    queue: str | None = None,
    dead_letter: bool | None = None,
    parent_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=jobs.MAX_PAGE)] = 50,
    cursor: str | None = None,
) -> JobPage:
    """Jobs newest first, filtered; follow ``next_cursor`` for older ones."""
    where = JobFilter(
        state=state, kind=kind, queue=queue, dead_letter=dead_letter, parent_id=parent_id
    )
    page = jobs.list_jobs(session, where=where, limit=limit, cursor=cursor)
    return JobPage(items=[to_read(job) for job in page.items], next_cursor=page.next_cursor)


@router.get("/jobs/{job_id}", response_model=JobRead)
def get_job(job_id: uuid.UUID, session: SessionDep) -> JobRead:
    """One job."""
    return to_read(jobs.get(session, job_id))


@router.post("/jobs/{job_id}/cancel", response_model=JobRead)
def cancel_job(job_id: uuid.UUID, session: SessionDep) -> JobRead:
    """Cancel a queued job, or ask a running one to stop at its next progress step."""
    job = jobs.cancel(session, job_id)
    session.commit()
    return to_read(job)


@router.post("/jobs/{job_id}/retry", status_code=status.HTTP_202_ACCEPTED, response_model=JobRead)
def retry_job(
    job_id: uuid.UUID,
    session: SessionDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    settings: SettingsDep,
) -> JobRead:
    """Run a failed or cancelled job again as a new job (``retry_of`` points back)."""
    job = jobs.retry(session, job_id, default_max_attempts=settings.max_attempts)
    session.commit()
    return publish_and_read(session, factory, celery, job.id)


@router.post("/jobs/{job_id}/discard", response_model=JobRead)
def discard_job(job_id: uuid.UUID, session: SessionDep) -> JobRead:
    """Take a dead letter off the dead-letter list without running it again."""
    job = jobs.discard(session, job_id)
    session.commit()
    return to_read(job)


@router.get("/job-kinds", response_model=list[JobKindRead])
def list_job_kinds() -> list[JobKindRead]:
    """Every kind of job that can be submitted, with its parameters' JSON schema."""
    return [
        JobKindRead(
            name=kind.name,
            description=kind.description,
            queue=kind.queue,
            params_schema=kind.params.model_json_schema(),
        )
        for kind in KINDS.values()
    ]
