"""The ``ingest.import_file`` job: import an uploaded price file, with progress and cancel."""

import contextlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from preditiva.core.errors import InvalidInputError, JobCancelledError
from preditiva.services.imports import DEFAULT_SOURCE, ImportOptions, ImportReport, run_import
from preditiva.services.job_kind import JobContext, JobKind

UPLOAD_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"


class ImportFileParams(BaseModel):
    """Parameters of ``ingest.import_file``."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        ...,
        pattern=UPLOAD_NAME_PATTERN,
        description="Name of the uploaded file in <PREDITIVA_HOME>/uploads (no folders).",
    )
    format: Literal["csv", "parquet"] | None = Field(
        None, description="csv or parquet; taken from the file name when not given."
    )
    strict: bool = Field(False, description="Reject the whole file if any row has a problem.")
    create_series: bool = Field(False, description="Create series the file names but lacks.")
    source: str = Field(
        DEFAULT_SOURCE, min_length=1, max_length=100, description="Source of the observations."
    )
    filename: str | None = Field(
        None, max_length=300, description="The file's name where it came from, for the report."
    )
    keep_file: bool = Field(False, description="Keep the upload after a successful import.")


def summary(report: ImportReport) -> str:
    """One line on what an import did."""
    if report.outcome == "rejected":
        return f"rejected (strict): {report.problem_count:,} problems, nothing written"
    return (
        f"{report.rows_written:,} written, {report.rows_unchanged:,} unchanged, "
        f"{report.rows_rejected:,} rejected, {report.problem_count:,} problems"
    )


def import_file(ctx: JobContext, params: ImportFileParams) -> dict[str, Any]:
    """Import the upload; its report is the job's result. The upload is removed once done."""
    uploads = ctx.settings.uploads_dir
    path = uploads / params.path
    if not path.is_file():
        raise InvalidInputError(f"no uploaded file {params.path!r} in {uploads}")
    options = ImportOptions(
        strict=params.strict,
        create_series=params.create_series,
        source=params.source,
        chunk_rows=ctx.settings.import_chunk_rows,
    )
    ctx.progress(0.0, f"checking {params.filename or params.path}")
    report = run_import(
        path,
        fmt=params.format,
        transaction=ctx.transaction,
        options=options,
        staging_dir=uploads,
        filename=params.filename or params.path,
        progress=ctx.progress,
        check_cancelled=ctx.check_cancelled,
    )
    with contextlib.suppress(JobCancelledError):  # committed: a cancel now comes too late
        ctx.progress(1.0, summary(report))
    if not params.keep_file:
        path.unlink(missing_ok=True)
    return report.as_dict()


IMPORT_FILE = JobKind(
    name="ingest.import_file",
    description=(
        "Import an uploaded CSV or Parquet price file (long or wide) into observations; "
        "the result is a report with row-level problems."
    ),
    params=ImportFileParams,
    run=import_file,
)
