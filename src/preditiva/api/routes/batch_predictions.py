"""Batch prediction: upload a file of rows to a tabular model, download the job's result file."""

import uuid
from typing import Annotated

from celery import Celery
from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from preditiva.api.deps import CeleryDep, SessionDep, SessionFactoryDep, SettingsDep
from preditiva.api.job_answers import publish_and_read
from preditiva.api.schemas.jobs import JobRead
from preditiva.api.uploads import ReceivedUpload, multipart_body, receive_upload
from preditiva.core.settings import Settings
from preditiva.services import batch_predictions, registry, uploads
from preditiva.services.batch_predictions import BatchModel
from preditiva.services.batch_results import MEDIA_TYPES, ResultFormat, read_result
from preditiva.storage.artifacts import get_store

router = APIRouter(prefix="/v1", tags=["batch predictions"])

UPLOAD_BODY = multipart_body("A .csv or .parquet file with the model's features.")
VERSION_HELP = "A version number or an alias; champion by default."
ID_HELP = "Column copied into the result to name each row; a column called id by default."


def _resolve(
    factory: sessionmaker[Session], settings: Settings, name: str, version: str | None
) -> BatchModel:
    """The version to predict with and its verified model (404, 409 or 422 if unusable)."""
    with factory() as session:
        return batch_predictions.resolve_model(
            session, get_store(settings), name, registry.version_ref(version)
        )


def _accept(
    factory: sessionmaker[Session],
    celery: Celery,
    settings: Settings,
    received: ReceivedUpload,
    model: BatchModel,
    output: ResultFormat,
    id_column: str | None,
) -> JobRead:
    """Check the file's header, record the job, commit, then publish it.

    Until the job is committed the upload is deleted on any error; after, it is the job's.
    """
    with factory() as session:
        try:
            job = batch_predictions.accept(
                session,
                received.target,
                settings=settings,
                model=model,
                filename=received.filename,
                output=output,
                id_column=id_column,
            )
            session.commit()
        except BaseException:
            received.target.discard()
            raise
        return publish_and_read(session, factory, celery, job.id)


@router.post(
    "/models/{name}/predict-batch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRead,
    openapi_extra=UPLOAD_BODY,
    responses={
        404: {"description": "No such model or version."},
        409: {"description": "The model has no champion (ask for ?version=)."},
        413: {"description": "The file is over PREDITIVA_MAX_UPLOAD_MB."},
        422: {"description": "Not a tabular model, or the file lacks some feature columns."},
    },
)
async def predict_batch(
    name: str,
    request: Request,
    settings: SettingsDep,
    factory: SessionFactoryDep,
    celery: CeleryDep,
    version: Annotated[str | None, Query(description=VERSION_HELP)] = None,
    format: Annotated[ResultFormat, Query(description="Format of the result file.")] = "parquet",
    id_column: Annotated[str | None, Query(description=ID_HELP, max_length=300)] = None,
) -> JobRead:
    """Upload rows to predict; answers 202 with the ``predict.batch`` job predicting them.

    The model and version are checked before the upload is read, and the file's header
    against the model's features before the job is queued (a missing column is a 422
    listing it). The file streams to disk, never whole in memory. Follow the job at
    ``GET /v1/jobs/{id}``; once it succeeds, ``GET /v1/jobs/{id}/result`` is the file.
    """
    model = await run_in_threadpool(_resolve, factory, settings, name, version)
    received = await receive_upload(
        request, lambda filename: uploads.target_for(settings, filename), settings.max_upload_mb
    )
    return await run_in_threadpool(
        _accept, factory, celery, settings, received, model, format, id_column
    )


@router.get(
    "/jobs/{job_id}/result",
    response_class=Response,
    responses={
        200: {
            "description": "The result file of a batch prediction.",
            "content": {MEDIA_TYPES["parquet"]: {}, MEDIA_TYPES["csv"]: {}},
        },
        404: {"description": "No such job, or it has no result file (failed, other kind)."},
        409: {"description": "The job is still queued or running."},
    },
)
def get_job_result(job_id: uuid.UUID, session: SessionDep) -> Response:
    """Download the result file of a succeeded ``predict.batch`` job (streamed)."""
    found = batch_predictions.result_of(session, job_id)
    if found.local_path is not None:
        return FileResponse(found.local_path, media_type=found.media_type, filename=found.filename)
    return StreamingResponse(
        read_result(found.uri),
        media_type=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
