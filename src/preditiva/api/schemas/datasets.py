"""Dataset bodies: the upload's fields, a version with its schema and problems, listings."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["numeric", "categorical", "date", "ignored", "target"]


class DatasetForm(BaseModel):
    """Fields sent beside the file, as form fields or query parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200, description="Dataset name.")
    target: str = Field(..., min_length=1, max_length=500, description="The column to predict.")
    task: Literal["regression", "classification"] | None = Field(
        None, description="Override the task inferred from the target column."
    )
    strict: bool = Field(False, description="Reject the whole file if any row has a problem.")


class ColumnRead(BaseModel):
    """One column: its role, dtype, share missing, distinct values, and why it is ignored."""

    name: str
    role: Role
    dtype: str
    missing_share: float
    cardinality: int
    reason: str | None


class SchemaRead(BaseModel):
    """Every column in file order, the target and the task it calls for."""

    target: str
    task: Literal["regression", "classification"]
    n_rows: int
    columns: list[ColumnRead]


class DatasetProblemRead(BaseModel):
    """One problem: CSV row (header = 1) or Parquet row index, the column, and what is wrong."""

    row: int | None
    field: str | None
    message: str


class DatasetSummary(BaseModel):
    """One version of a dataset, without its schema and problems."""

    name: str
    version: int
    target: str
    task: str
    filename: str
    format: str
    n_rows: int = Field(..., description="Rows stored (the good ones).")
    n_rejected: int = Field(..., description="Rows left out for a problem.")
    n_columns: int
    fingerprint: str = Field(..., description="SHA-256 of the stored rows' names, types, values.")
    created_at: datetime


class DatasetRead(DatasetSummary):
    """One version in full: schema with each column's role, and the first 100 problems."""

    data_schema: SchemaRead = Field(..., alias="schema")
    roles: dict[str, list[str]] = Field(..., description="Role → columns, in file order.")
    problem_count: int
    problems: list[DatasetProblemRead]
    artifact_uri: str
    artifact_sha256: str


class DatasetListItem(DatasetSummary):
    """A dataset's latest version and how many versions it has."""

    versions: int


class DatasetList(BaseModel):
    """Every dataset, by name."""

    items: list[DatasetListItem]


class DatasetDetail(DatasetRead):
    """A dataset's latest version in full, and every version, oldest first."""

    versions: list[DatasetSummary]
