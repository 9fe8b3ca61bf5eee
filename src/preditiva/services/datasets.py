"""Datasets: tabular uploads with a target column, each upload of a name a new version.

``create_dataset`` reads a CSV or Parquet file, infers its schema, checks every row
(``dataset_checks``), writes the good rows as Parquet to the artifact store under
``datasets/<name>/v<n>-<sha16>.parquet`` and records the version; ``load_frame`` reads
them back, refused if the artifact's SHA-256 differs from the one recorded. Services never
commit; the caller deletes its uploaded file.
"""

import io
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from preditiva.core.errors import (
    DatasetNotFoundError,
    DatasetVersionConflictError,
    InvalidInputError,
    NothingToTrainError,
    PayloadTooLargeError,
)
from preditiva.core.settings import Settings
from preditiva.data.dataset_files import read_dataset
from preditiva.data.price_layout import format_of
from preditiva.ml.tabular.values import to_labels
from preditiva.services.dataset_checks import CheckedDataset, check_dataset
from preditiva.storage.artifacts import get_store, sha256_of
from preditiva.storage.db.models import Dataset
from preditiva.storage.db.repositories import datasets as repo

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
UPLOAD_HINT = "upload it with POST /v1/datasets or preditiva datasets upload"


def check_name(name: str) -> str:
    """``name`` if it can name a dataset (and an artifact folder), else a 422."""
    if not NAME_PATTERN.match(name):
        raise InvalidInputError(
            f"invalid dataset name {name!r}: use letters, digits, '.', '_', '-' (up to 200)",
            details=[{"field": "name", "message": "invalid name"}],
        )
    return name


def create_dataset(
    session: Session,
    settings: Settings,
    *,
    name: str,
    upload_path: Path,
    filename: str,
    target: str,
    task: str | None = None,
    strict: bool = False,
) -> Dataset:
    """Check the file at ``upload_path`` and store its good rows as the next version of ``name``.

    422 when the file is empty, unreadable, lacks the target column or (strict) has a problem;
    413 over ``PREDITIVA_MAX_DATASET_MB``; 409 if another upload took the version meanwhile.
    """
    check_name(name)
    if not target.strip():
        raise InvalidInputError(
            "name the target column", details=[{"field": "target", "message": "empty"}]
        )
    _check_size(upload_path, settings.max_dataset_mb)
    fmt = format_of(filename)
    checked = check_dataset(
        read_dataset(upload_path, fmt), target=target, task=task, strict=strict, filename=filename
    )
    data = parquet_bytes(checked.frame)
    digest = sha256_of(data)
    number = repo.max_version(session, name) + 1
    uri, _ = get_store(settings).put(data, f"datasets/{name}/v{number}-{digest[:16]}.parquet")
    row = _row(name, number, checked, filename=filename[:300], fmt=fmt)
    row.artifact_uri, row.artifact_sha256 = uri, digest
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise DatasetVersionConflictError(
            f"another upload of dataset {name!r} became version {number} first; upload again"
        ) from exc
    return row


def _row(name: str, number: int, checked: CheckedDataset, *, filename: str, fmt: str) -> Dataset:
    """The version row of a checked upload (artifact fields left to fill)."""
    schema = checked.schema
    return Dataset(
        name=name,
        version=number,
        target=schema.target,
        task=schema.task,
        schema=schema.to_dict(),
        filename=filename,
        file_format=fmt,
        n_rows=len(checked.frame),
        n_rejected=checked.rejected,
        problems={"total": checked.problem_count, "items": checked.problems},
        fingerprint=checked.fingerprint,
    )


def too_large(limit_mb: float) -> PayloadTooLargeError:
    """The 413 for a dataset file over ``PREDITIVA_MAX_DATASET_MB``."""
    return PayloadTooLargeError(
        f"the file is larger than the {limit_mb:g} MB dataset limit; upload fewer rows or "
        "raise PREDITIVA_MAX_DATASET_MB",
        details=[{"field": "file", "message": f"larger than {limit_mb:g} MB"}],
    )


def _check_size(path: Path, limit_mb: float) -> None:
    """413 when the file is over the dataset size limit."""
    if path.exists() and path.stat().st_size > limit_mb * 2**20:
        raise too_large(limit_mb)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as Parquet; an object column Arrow cannot type is stored as text."""
    arrays = []
    for name in frame.columns:
        try:
            arrays.append(pa.array(frame[name], from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array(to_labels(frame[name]), type=pa.string(), from_pandas=True))
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=[str(n) for n in frame.columns]), buffer)
    return buffer.getvalue()


def get_dataset(session: Session, name: str, version: int | None = None) -> Dataset:
    """Version ``version`` of dataset ``name`` (the latest when None), or a 404."""
    row = repo.latest(session, name) if version is None else repo.get(session, name, version)
    if row is None:
        if version is None or repo.latest(session, name) is None:
            raise DatasetNotFoundError(f"no dataset {name!r}; {UPLOAD_HINT}")
        raise DatasetNotFoundError(f"dataset {name!r} has no version {version}")
    return row


def list_datasets(session: Session) -> list[tuple[Dataset, int]]:
    """The latest version of every dataset, by name, with how many versions it has."""
    return list(repo.latest_of_each(session))


def list_versions(session: Session, name: str) -> list[Dataset]:
    """Every version of dataset ``name``, oldest first, or a 404."""
    rows = list(repo.versions(session, name))
    if not rows:
        raise DatasetNotFoundError(f"no dataset {name!r}; {UPLOAD_HINT}")
    return rows


def for_training(session: Session, name: str, version: int | None = None) -> Dataset:
    """The dataset version a model trains on; a 422 (nothing to train) when there is none."""
    try:
        return get_dataset(session, name, version)
    except DatasetNotFoundError as exc:
        raise NothingToTrainError(
            exc.message, details=[{"field": "target.dataset", "message": "no such dataset"}]
        ) from exc


def read_rows(settings: Settings, uri: str, sha256: str) -> pd.DataFrame:
    """A stored dataset's rows, read only after the artifact's SHA-256 matched."""
    return pd.read_parquet(io.BytesIO(get_store(settings).get(uri, sha256)))


def load_frame(
    session: Session, settings: Settings, name: str, version: int | None = None
) -> pd.DataFrame:
    """The rows of dataset ``name`` (latest version unless given), SHA-256 verified."""
    row = get_dataset(session, name, version)
    return read_rows(settings, row.artifact_uri, row.artifact_sha256)
