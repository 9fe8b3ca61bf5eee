"""Operations: health, readiness, queues and workers."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from preditiva import __version__
from preditiva.api.deps import CeleryDep, SessionDep, SessionFactoryDep, SettingsDep
from preditiva.api.schemas.jobs import QueueRead, WorkerRead
from preditiva.services import health, jobs, workers

router = APIRouter(tags=["operations"])


@router.get("/health")
def get_health() -> dict[str, str]:
    """The API process is alive."""
    return {"status": "ok", "version": __version__}


@router.get("/ready", responses={503: {"description": "a back end is missing"}})
def get_ready(factory: SessionFactoryDep, celery: CeleryDep, settings: SettingsDep) -> JSONResponse:
    """Database, broker and at least one worker answer; 503 names what is missing."""
    result = health.readiness(factory, celery, settings)
    return JSONResponse(
        {"status": "ready" if result.ready else "unavailable", "checks": result.checks},
        status_code=200 if result.ready else 503,
    )


@router.get("/v1/queues", response_model=list[QueueRead])
def list_queues(session: SessionDep) -> list[QueueRead]:
    """Per queue: jobs queued, running, and failed in the last hour."""
    return [
        QueueRead.model_validate(stats, from_attributes=True) for stats in jobs.queue_stats(session)
    ]


@router.get("/v1/workers", response_model=list[WorkerRead])
def list_workers(
    session: SessionDep, settings: SettingsDep, include_gone: bool = False
) -> list[WorkerRead]:
    """Workers from their heartbeats: queues, last heartbeat, running jobs."""
    return [
        WorkerRead.model_validate(status, from_attributes=True)
        for status in workers.list_workers(
            session, timeout=settings.worker_timeout, include_gone=include_gone
        )
    ]
