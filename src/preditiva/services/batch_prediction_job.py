"""The ``predict.batch`` job: predict every row of an uploaded file into a result file.

The version's model is loaded once (its artifact's SHA-256 verified), the file is read in
chunks of ``PREDITIVA_PREDICT_CHUNK_ROWS`` rows (the next chunk is read while this one is
predicted), and each chunk's predictions are appended to the result file, with progress
after every chunk; a cancel is honoured between chunks. A row whose values do not read gets
a null prediction and says why in the ``error`` column; the others are predicted as usual.
The result file has the input's id column (or ``row``, the row's position from 0), then
``prediction``, then ``probability_<class>`` for a classifier, then ``error``.
"""

import contextlib
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from preditiva.core.errors import (
    DataValidationError,
    InvalidInputError,
    JobCancelledError,
    ModelNotTabularError,
    ModelVersionStateError,
)
from preditiva.data.prediction_files import RowChunk, RowFile, inspect_rows, read_ahead, read_chunks
from preditiva.ml.tabular import DatasetSchema, TabularModel
from preditiva.ml.tabular.batch_rows import failed, row_errors
from preditiva.services import registry
from preditiva.services.batch_results import ResultFormat, ResultWriter
from preditiva.services.import_job import UPLOAD_NAME_PATTERN
from preditiva.services.job_kind import JobContext, JobKind
from preditiva.storage.artifacts import get_store

ROW_COLUMN = "row"
PREDICTION_COLUMN = "prediction"
ERROR_COLUMN = "error"
PROBABILITY_PREFIX = "probability_"
ID_NAMES = ("id",)
#: Rows with a problem listed in the job's result (all are in the file's error column).
SHOWN_PROBLEMS = 20
MISSING_SHOWN = 10


class PredictBatchParams(BaseModel):
    """Parameters of ``predict.batch``."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(..., min_length=1, max_length=200, description="Name of the model.")
    version: int = Field(..., ge=1, description="The version number, resolved when queued.")
    version_id: int = Field(..., ge=1, description="The version's row id (it must not change).")
    path: str = Field(
        ...,
        pattern=UPLOAD_NAME_PATTERN,
        description="Name of the uploaded file in <PREDITIVA_HOME>/uploads (no folders).",
    )
    format: Literal["csv", "parquet"] | None = Field(
        None, description="The upload's format; taken from its name when not given."
    )
    output: ResultFormat = Field("parquet", description="Format of the result file.")
    id_column: str | None = Field(
        None, max_length=300, description="Input column copied into the result to name rows."
    )
    filename: str | None = Field(None, max_length=300, description="The upload's own name.")
    chunk_rows: int | None = Field(
        None, ge=1, description="Rows per chunk; PREDITIVA_PREDICT_CHUNK_ROWS when not given."
    )


@dataclass(frozen=True)
class ColumnPlan:
    """Which of a file's columns feed the model, which names rows, which are left alone."""

    features: tuple[str, ...]
    numeric: tuple[str, ...]
    id_column: str | None
    ignored: tuple[str, ...]


def plan_columns(file: RowFile, schema: DatasetSchema, id_column: str | None) -> ColumnPlan:
    """Match the file's columns to the model's features: a 422 listing any that are missing.

    Other columns are ignored (and listed as unknown when some feature is missing, since a
    misspelt name is the usual cause). The id column is ``id_column``, else one named ``id``.
    """
    present = set(file.columns)
    chosen = id_column or next((c for c in file.columns if c.lower() in ID_NAMES), None)
    missing = [name for name in schema.features if name not in present]
    known = {*schema.features, *schema.ignored, schema.target}
    unknown = [name for name in file.columns if name not in known and name != chosen]
    if missing:
        shown = ", ".join(missing[:MISSING_SHOWN]) + (" …" if len(missing) > MISSING_SHOWN else "")
        raise DataValidationError(
            f"the file lacks {len(missing)} of the model's {len(schema.features)} feature "
            f"columns: {shown}",
            details=[{"field": name, "message": "missing column"} for name in missing]
            + [
                {"field": name, "message": "unknown column: not one the model was trained on"}
                for name in unknown
            ],
        )
    if id_column is not None and id_column not in present:
        raise InvalidInputError(
            f"no column {id_column!r} in the file to use as the id column",
            details=[{"field": "id_column", "message": "not a column of the file"}],
        )
    if chosen is not None and (
        chosen in (PREDICTION_COLUMN, ERROR_COLUMN) or chosen.startswith(PROBABILITY_PREFIX)
    ):
        raise InvalidInputError(
            f"the id column {chosen!r} has the name of a result column; rename it",
            details=[{"field": "id_column", "message": "clashes with a result column"}],
        )
    return ColumnPlan(
        features=schema.features,
        numeric=schema.numeric,
        id_column=chosen,
        ignored=tuple(c for c in file.columns if c not in schema.features and c != chosen),
    )


def as_tabular(fitted: Any, name: str) -> TabularModel:
    """The loaded artifact if it is a tabular model, else a 422."""
    if not isinstance(fitted, TabularModel):
        raise ModelNotTabularError(
            f"model {name!r} did not store a tabular model; batch prediction needs a "
            "regression or classification model trained on a dataset"
        )
    return fitted


def _output_schema(model: TabularModel, id_field: pa.Field) -> pa.Schema:
    """The result file's columns: id (or row), prediction, class probabilities, error."""
    if model.task == "regression":
        prediction: pa.DataType = pa.float64()
    else:
        prediction = pa.array(list(model.classes)).type
    fields = [id_field, pa.field(PREDICTION_COLUMN, prediction)]
    fields += [pa.field(f"{PROBABILITY_PREFIX}{label}", pa.float64()) for label in model.classes]
    return pa.schema([*fields, pa.field(ERROR_COLUMN, pa.string())])


@dataclass
class _Tally:
    """Counts and the first problems, gathered chunk by chunk."""

    rows: int = 0
    failed: int = 0
    skipped_lines: int = 0
    problems: list[dict[str, Any]] | None = None

    def note(self, problem: dict[str, Any]) -> None:
        """Keep a problem while fewer than ``SHOWN_PROBLEMS`` are kept."""
        if self.problems is None:
            self.problems = []
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(problem)


def predict_chunk(
    model: TabularModel, chunk: RowChunk, plan: ColumnPlan, tally: _Tally
) -> pa.Table | None:
    """The result rows of one chunk (None if it has no rows); counts go to ``tally``."""
    for line in chunk.skipped:
        tally.skipped_lines += 1
        tally.note({"row": None, "line": line.line, "error": line.message})
    size = len(chunk.frame)
    if not size:
        return None
    errors = row_errors(chunk.frame, model.schema)
    bad = failed(errors)
    answer = model.predict(chunk.frame)
    if chunk.ids is not None and plan.id_column is not None:
        columns: dict[str, pa.Array] = {plan.id_column: chunk.ids}
    else:
        rows = np.arange(chunk.first_row, chunk.first_row + size, dtype=np.int64)
        columns = {ROW_COLUMN: pa.array(rows)}
    mask = bad if bad.any() else None
    columns[PREDICTION_COLUMN] = pa.array(answer.values, mask=mask)
    if answer.probabilities is not None:
        for label, shares in zip(model.classes, answer.probabilities.to_numpy().T, strict=True):
            columns[f"{PROBABILITY_PREFIX}{label}"] = pa.array(shares, mask=mask)
    columns[ERROR_COLUMN] = pa.array(errors, type=pa.string())
    tally.rows += size
    if mask is not None:
        positions = np.flatnonzero(bad)
        tally.failed += int(positions.size)
        for position in positions[: max(0, SHOWN_PROBLEMS - len(tally.problems or []))]:
            problem: dict[str, Any] = {"row": chunk.first_row + int(position)}
            if chunk.ids is not None and plan.id_column is not None:
                problem["id"] = chunk.ids[int(position)].as_py()
            tally.note(problem | {"error": errors[position]})
    return pa.table(columns)


def predict_batch(ctx: JobContext, params: PredictBatchParams) -> dict[str, Any]:
    """Predict the upload into a result file; the upload is removed once done or cancelled."""
    started = time.perf_counter()
    upload = ctx.settings.uploads_dir / params.path
    if not upload.is_file():
        raise InvalidInputError(f"no uploaded file {params.path!r} in {ctx.settings.uploads_dir}")
    store = get_store(ctx.settings)
    with ctx.transaction() as session:
        version = registry.get_version(session, params.model, params.version)
        if version.id != params.version_id or not version.artifact_uri:
            raise ModelVersionStateError(
                f"version {params.version} of {params.model!r} is not the one this job was "
                "queued for, or has no artifact"
            )
        uri, sha256 = version.artifact_uri, version.artifact_sha256 or ""
    model = as_tabular(store.load_model(uri, sha256), params.model)
    name = params.filename or params.path
    ctx.progress(0.0, f"predicting {name} with {params.model} v{params.version}")
    file = inspect_rows(upload, params.format)
    plan = plan_columns(file, model.schema, params.id_column)
    writer = ResultWriter(store, ctx.job_id, params.output)
    tally = _Tally()
    chunks = read_chunks(
        file,
        plan.features,
        chunk_rows=params.chunk_rows or ctx.settings.predict_chunk_rows,
        numeric=plan.numeric,
        id_column=plan.id_column,
    )
    id_field = pa.field(plan.id_column or ROW_COLUMN, pa.string() if plan.id_column else pa.int64())
    try:
        with contextlib.closing(read_ahead(chunks)) as ahead:
            for chunk in ahead:
                table = predict_chunk(model, chunk, plan, tally)
                if table is not None:
                    writer.write(table)
                ctx.progress(chunk.fraction, _summary(tally))
        writer.close(_output_schema(model, id_field))
    except JobCancelledError:
        writer.discard()
        upload.unlink(missing_ok=True)
        raise
    except BaseException:
        writer.discard()
        raise
    upload.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    with contextlib.suppress(JobCancelledError):  # the file is complete: too late to cancel
        ctx.progress(1.0, _summary(tally))
    return _result(params, model, plan, tally, writer, seconds)


def _rows(count: int, noun: str = "row") -> str:
    """``1 row``, ``2,000 rows``."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _summary(tally: _Tally) -> str:
    """One line on the rows done so far."""
    text = f"{tally.rows:,} rows predicted, {tally.failed:,} with invalid values"
    if tally.skipped_lines:
        text += f", {tally.skipped_lines:,} malformed lines skipped"
    return text


def _result(
    params: PredictBatchParams,
    model: TabularModel,
    plan: ColumnPlan,
    tally: _Tally,
    writer: ResultWriter,
    seconds: float,
) -> dict[str, Any]:
    """The job's result: counts, where the file is, speed, and the first problems."""
    notes = []
    if tally.failed:
        notes.append(
            f"{_rows(tally.failed)} had values that do not read: their prediction is null and "
            "the error column says why; the other rows were predicted"
        )
    if tally.skipped_lines:
        notes.append(
            f"{_rows(tally.skipped_lines, 'CSV line')} had the wrong number of fields and "
            "are not in the result file"
        )
    note = ". ".join(notes) if notes else "every row was predicted"
    return {
        "model": params.model,
        "version": params.version,
        "task": model.task,
        "rows": tally.rows,
        "predicted_rows": tally.rows - tally.failed,
        "failed_rows": tally.failed,
        "skipped_lines": tally.skipped_lines,
        "note": note,
        "problems": tally.problems or [],
        "result_uri": writer.uri,
        "format": params.output,
        "id_column": plan.id_column or ROW_COLUMN,
        "ignored_columns": list(plan.ignored),
        "seconds": round(seconds, 3),
        "rows_per_second": round(tally.rows / seconds, 1) if seconds > 0 else None,
    }


PREDICT_BATCH = JobKind(
    name="predict.batch",
    description=(
        "Predict every row of an uploaded CSV or Parquet file with a tabular model, in "
        "chunks, into a result file (GET /v1/jobs/{id}/result)."
    ),
    params=PredictBatchParams,
    run=predict_batch,
)
