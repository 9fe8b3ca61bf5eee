"""Import bodies: the upload's options and the report an import job leaves as its result."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from preditiva.api.schemas.jobs import JobRead


class ImportOptionsForm(BaseModel):
    """Options sent beside the file, as form fields or query parameters."""

    model_config = ConfigDict(extra="forbid")

    strict: bool = Field(False, description="Reject the whole file if any row has a problem.")
    create_series: bool = Field(False, description="Create series the file names but lacks.")
    source: str = Field(
        "import", min_length=1, max_length=100, description="Source of the observations."
    )


class ImportProblemRead(BaseModel):
    """One problem: CSV row (header = 1) or Parquet row index, the column, and what is wrong."""

    row: int | None
    column: str | None
    message: str


class ImportReportRead(BaseModel):
    """What an import did; ``rows_*`` count observations (in a wide file, one per cell)."""

    file: str
    format: Literal["csv", "parquet"]
    shape: Literal["long", "wide"]
    strict: bool
    source: str
    outcome: Literal["loaded", "partial", "rejected", "nothing_loaded"]
    file_rows: int
    rows_read: int
    rows_written: int
    rows_unchanged: int
    rows_rejected: int
    series_created: int
    created_series: list[str]
    problem_count: int
    problems: list[ImportProblemRead]
    ignored_columns: list[str]
    seconds: float


class ImportRead(BaseModel):
    """An import job and, once it has succeeded, its report."""

    job: JobRead
    report: ImportReportRead | None
