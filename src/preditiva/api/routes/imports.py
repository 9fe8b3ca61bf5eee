"""``/v1/imports``: upload a CSV or Parquet price file; it is imported by an ingest job."""

import uuid
from typing import Annotated

from celery import Celery
from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from preditiva.api.deps import CeleryDep, SessionDep, SessionFactoryDep, SettingsDep
from preditiva.api.job_answers import publish_and_read, to_read
from preditiva.api.schemas.imports import ImportOptionsForm, ImportRead, ImportReportRead
from preditiva.api.schemas.jobs import JobRead
from preditiva.api.uploads import ReceivedUpload, form_options, multipart_body, receive_upload
from preditiva.core.errors import JobNotFoundError
from preditiva.core.settings import Settings
from preditiva.services import jobs, uploads
from preditiva.services.import_job import IMPORT_FILE
from preditiva.storage.db.models import JobState

router = APIRouter(prefix="/v1", tags=["imports"])

UPLOAD_BODY = multipart_body(
    "A .csv or .parquet file, long or wide format.",
    {
        "strict": {"type": "boolean", "default": False},
        "create_series": {"type": "boolean", "default": False},
        "source": {"type": "string", "default": "import"},
    },
)


def _accept(
    factory: sessionmaker[Session],
    celery: Celery,
    settings: Settings,
    received: ReceivedUpload,
    options: ImportOptionsForm,
) -> JobRead:
    """Check the file's header, record the job, commit, then publish it.

    Until the job is committed the upload is deleted on any error; after, it is the job's.
    """
    with factory() as session:
        try:
            job = uploads.accept(
                session,
                received.target,
                settings=settings,
                filename=received.filename,
                strict=options.strict,
                create_series=options.create_series,
                source=options.source,
            )
            session.commit()
        except BaseException:
            received.target.discard()
            raise
        return publish_and_read(session, factory, celery, job.id)


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRead,
    openapi_extra=UPLOAD_BODY,
    responses={413: {"description": "The file is over PREDITIVA_MAX_UPLOAD_MB."}},
)
async def create_import(
    request: Request,
    settings: SettingsDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    strict: Annotated[bool | None, Query(description="Reject the file on any problem.")] = None,
    create_series: Annotated[bool | None, Query(description="Create missing series.")] = None,
    source: Annotated[str | None, Query(description="Source of the observations.")] = None,
) -> JobRead:
    """Upload a price file; answers 202 with the ``ingest.import_file`` job doing the import.

    The file streams to disk (never whole in memory). An unsupported type, an empty file or
    a header without the needed columns is a 422 at once; rows are checked by the job, whose
    ``result`` is the report (see ``GET /v1/imports/{job_id}``).
    """
    received = await receive_upload(
        request, lambda name: uploads.target_for(settings, name), settings.max_upload_mb
    )
    try:
        options = form_options(
            ImportOptionsForm,
            {"strict": strict, "create_series": create_series, "source": source},
            received.fields,
            what="import options",
        )
    except BaseException:
        received.target.discard()
        raise
    return await run_in_threadpool(_accept, factory, celery, settings, received, options)


@router.get("/imports/{job_id}", response_model=ImportRead)
def get_import(job_id: uuid.UUID, session: SessionDep) -> ImportRead:
    """An import job and, once it succeeded, its report (counts and first 100 problems)."""
    job = jobs.get(session, job_id)
    if job.kind != IMPORT_FILE.name:
        raise JobNotFoundError(f"no import job with id {job_id}")
    report = None
    if job.state == JobState.SUCCEEDED and job.result:
        report = ImportReportRead.model_validate(job.result)
    return ImportRead(job=to_read(job), report=report)
