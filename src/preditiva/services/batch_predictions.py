"""Batch prediction use cases: pick the version, check an upload, queue it, find its result.

Entry points call :func:`resolve_model` before taking the file (an unknown model is a 404,
a forecaster a 422, without reading a byte of the upload), then :func:`accept` checks the
file's header against the model's features and queues ``predict.batch``; the job's result
names the result file, which :func:`result_of` finds for download.
"""

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from preditiva.core.errors import (
    JobStateError,
    ModelNotTabularError,
    ModelVersionStateError,
    ResultNotFoundError,
)
from preditiva.core.settings import Settings
from preditiva.data.prediction_files import inspect_rows
from preditiva.ml.tabular import TabularModel
from preditiva.services import jobs, predictions, registry
from preditiva.services.batch_prediction_job import PREDICT_BATCH, as_tabular, plan_columns
from preditiva.services.batch_results import ResultFile, ResultFormat, find_result
from preditiva.services.uploads import UploadTarget, target_for
from preditiva.storage.artifacts import ArtifactStore
from preditiva.storage.db.models import Job, JobState

__all__ = [
    "BatchModel",
    "accept",
    "resolve_model",
    "result_of",
    "stage_copy",
    "tabular_models",
]


@dataclass(frozen=True, eq=False)
class BatchModel:
    """The version a batch is predicted with, and its loaded (verified) model."""

    name: str
    version: int
    version_id: int
    model: TabularModel


def tabular_models(session: Session) -> list[str]:
    """The names of the models that can predict a batch (tabular ones)."""
    return [
        model.name
        for model in registry.list_models(session)
        if predictions.model_kind(model.task, model.target) == "tabular"
    ]


def resolve_model(
    session: Session, store: ArtifactStore, name: str, ref: int | str = registry.CHAMPION
) -> BatchModel:
    """Version ``ref`` of tabular model ``name`` and its model: 404, 409, or 422 if not tabular."""
    model = registry.get_model(session, name)
    if predictions.model_kind(model.task, model.target) != "tabular":
        able = tabular_models(session)
        listed = ", ".join(able[:20]) if able else "none is defined yet"
        raise ModelNotTabularError(
            f"model {name!r} is a {model.task} model of {_target_text(model.target)}; batch "
            "prediction needs a tabular model (regression or classification trained on a "
            f"dataset). Tabular models: {listed}",
            details=[{"field": "name", "message": "not a tabular model"}],
        )
    resolved = predictions.resolve(session, name, ref)
    if not resolved.artifact_uri or not resolved.artifact_sha256:
        raise ModelVersionStateError(f"version {resolved.version} of {name!r} has no artifact")
    fitted = store.load_model(resolved.artifact_uri, resolved.artifact_sha256)
    return BatchModel(name, resolved.version, resolved.version_id, as_tabular(fitted, name))


def _target_text(target: dict[str, object]) -> str:
    """``series 'PETR4'`` from ``{"series": "PETR4"}``."""
    return ", ".join(f"{kind} {value!r}" for kind, value in target.items()) or "nothing"


def stage_copy(settings: Settings, source: Path) -> UploadTarget:
    """Copy a local file into the uploads folder, as an upload would arrive (CLI)."""
    target = target_for(settings, source.name)
    try:
        shutil.copyfile(source, target.partial)
        target.partial.rename(target.path)
    except BaseException:
        target.discard()
        raise
    return target


def accept(
    session: Session,
    target: UploadTarget,
    *,
    settings: Settings,
    model: BatchModel,
    filename: str,
    output: ResultFormat = "parquet",
    id_column: str | None = None,
) -> Job:
    """Check the upload's header against the model's features (a 422), then queue the job."""
    file = inspect_rows(target.path, target.format)
    plan = plan_columns(file, model.model.schema, id_column)
    return jobs.submit(
        session,
        kind=PREDICT_BATCH.name,
        params={
            "model": model.name,
            "version": model.version,
            "version_id": model.version_id,
            "path": target.path.name,
            "format": target.format,
            "output": output,
            "id_column": plan.id_column,
            "filename": filename[:300],
        },
        default_max_attempts=settings.max_attempts,
    )


def result_of(session: Session, job_id: uuid.UUID) -> ResultFile:
    """The result file of a batch prediction job: 404 if none (yet), 409 while it runs."""
    job = jobs.get(session, job_id)
    if job.kind != PREDICT_BATCH.name:
        raise ResultNotFoundError(
            f"job {job_id} is a {job.kind} job; only {PREDICT_BATCH.name} jobs make a result "
            "file (GET /v1/jobs/{id} shows its result)"
        )
    if job.state in (JobState.QUEUED, JobState.RUNNING):
        raise JobStateError(
            f"job {job_id} is {job.state} ({job.progress:.0%} done); its result file can be "
            "downloaded once it has succeeded"
        )
    if job.state != JobState.SUCCEEDED or not isinstance(job.result, dict):
        why = f": {job.error}" if job.error else ""
        raise ResultNotFoundError(f"job {job_id} {job.state} and made no result file{why}")
    return find_result(job_id, job.result)
