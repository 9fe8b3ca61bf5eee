"""``/v1/datasets``: upload a tabular CSV or Parquet file with a target column; read them back."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from preditiva.api.deps import SessionDep, SessionFactoryDep, SettingsDep
from preditiva.api.schemas.datasets import (
    DatasetDetail,
    DatasetForm,
    DatasetList,
    DatasetListItem,
    DatasetRead,
    DatasetSummary,
    SchemaRead,
)
from preditiva.api.uploads import ReceivedUpload, form_options, multipart_body, receive_upload
from preditiva.core.errors import PayloadTooLargeError
from preditiva.core.settings import Settings
from preditiva.services import datasets, uploads
from preditiva.storage.db.models import Dataset

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])

ROLES = ("numeric", "categorical", "date", "ignored", "target")
UPLOAD_BODY = multipart_body(
    "A .csv or .parquet file, one row per example.",
    {
        "name": {"type": "string", "description": "Dataset name."},
        "target": {"type": "string", "description": "The column to predict."},
        "task": {"type": "string", "enum": ["regression", "classification"]},
        "strict": {"type": "boolean", "default": False},
    },
    required=("name", "target"),
)


def summary_fields(row: Dataset) -> dict[str, Any]:
    """The fields every view of a version shares."""
    return {
        "name": row.name,
        "version": row.version,
        "target": row.target,
        "task": row.task,
        "filename": row.filename,
        "format": row.file_format,
        "n_rows": row.n_rows,
        "n_rejected": row.n_rejected,
        "n_columns": len(row.schema.get("columns", [])),
        "fingerprint": row.fingerprint,
        "created_at": row.created_at,
    }


def dataset_read(row: Dataset) -> DatasetRead:
    """The API view of one version in full."""
    schema = SchemaRead.model_validate(row.schema)
    roles = {role: [c.name for c in schema.columns if c.role == role] for role in ROLES}
    return DatasetRead.model_validate(
        {
            **summary_fields(row),
            "schema": schema,
            "roles": roles,
            "problem_count": int(row.problems.get("total", 0)),
            "problems": row.problems.get("items", []),
            "artifact_uri": row.artifact_uri,
            "artifact_sha256": row.artifact_sha256,
        }
    )


def _create(
    factory: sessionmaker[Session], settings: Settings, received: ReceivedUpload, form: DatasetForm
) -> DatasetRead:
    """Check and store the upload as the next version, and commit."""
    with factory() as session:
        row = datasets.create_dataset(
            session,
            settings,
            name=form.name,
            upload_path=received.target.path,
            filename=received.filename,
            target=form.target,
            task=form.task,
            strict=form.strict,
        )
        session.commit()
        return dataset_read(row)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DatasetRead,
    openapi_extra=UPLOAD_BODY,
    responses={413: {"description": "The file is over PREDITIVA_MAX_DATASET_MB."}},
)
async def upload_dataset(
    request: Request,
    response: Response,
    settings: SettingsDep,
    factory: SessionFactoryDep,
    name: Annotated[str | None, Query(description="Dataset name.")] = None,
    target: Annotated[str | None, Query(description="The column to predict.")] = None,
    task: Annotated[Literal["regression", "classification"] | None, Query()] = None,
    strict: Annotated[bool | None, Query(description="Reject the file on any problem.")] = None,
) -> DatasetRead:
    """Upload a dataset; 201 with the new version: schema, rows kept and rejected, problems.

    The file streams to disk within ``PREDITIVA_MAX_DATASET_MB`` (413 past it) and is checked
    at once: an unsupported type, an empty or unreadable file, a missing target column or a
    file with no usable feature is a 422. Rows with problems are left out and listed (the
    first 100, with a count), or with ``strict`` the whole file is refused (422). Uploading
    a name again makes its next version.
    """
    try:
        received = await receive_upload(
            request,
            lambda filename: uploads.target_for(settings, filename),
            settings.max_dataset_mb,
        )
    except PayloadTooLargeError:
        raise datasets.too_large(settings.max_dataset_mb) from None
    try:
        form = form_options(
            DatasetForm,
            {"name": name, "target": target, "task": task, "strict": strict},
            received.fields,
            what="dataset upload",
        )
        created = await run_in_threadpool(_create, factory, settings, received, form)
    finally:
        received.target.discard()
    response.headers["Location"] = f"/v1/datasets/{created.name}/versions/{created.version}"
    return created


@router.get("", response_model=DatasetList)
def list_datasets(session: SessionDep) -> DatasetList:
    """Every dataset by name: its latest version and how many versions it has."""
    return DatasetList(
        items=[
            DatasetListItem(**summary_fields(row), versions=count)
            for row, count in datasets.list_datasets(session)
        ]
    )


@router.get("/{name}", response_model=DatasetDetail)
def get_dataset(name: str, session: SessionDep) -> DatasetDetail:
    """A dataset's latest version in full, and every version (oldest first)."""
    rows = datasets.list_versions(session, name)
    latest = dataset_read(rows[-1]).model_dump(by_alias=True)
    versions = [DatasetSummary(**summary_fields(row)) for row in rows]
    return DatasetDetail.model_validate({**latest, "versions": versions})


@router.get("/{name}/versions/{version}", response_model=DatasetRead)
def get_version(name: str, version: int, session: SessionDep) -> DatasetRead:
    """One version of a dataset in full: schema with roles, counts and problems."""
    return dataset_read(datasets.get_dataset(session, name, version))
