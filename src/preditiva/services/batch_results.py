"""Result files of batch predictions: written chunk by chunk to the artifact store, read back.

A job's file is ``predictions/<job id>.parquet`` (or ``.csv``) under the artifact store, so
it lives wherever models do (a local folder, S3) and the API can serve it from any machine.
It is written as chunks arrive and is only announced (in the job's result) once complete.
"""

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from preditiva.core.errors import ResultNotFoundError
from preditiva.storage.artifacts import ArtifactStore, open_url, store_errors, store_failure

ResultFormat = Literal["parquet", "csv"]
RESULT_FORMATS: tuple[ResultFormat, ...] = ("parquet", "csv")
MEDIA_TYPES: dict[str, str] = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv; charset=utf-8",
}
READ_BYTES = 1 << 20


def result_key(job_id: uuid.UUID, fmt: ResultFormat) -> str:
    """Where in the artifact store a job's result file goes."""
    return f"predictions/{job_id}.{fmt}"


class ResultWriter:
    """Tables of predictions appended to one Parquet or CSV file in the artifact store."""

    def __init__(self, store: ArtifactStore, job_id: uuid.UUID, fmt: ResultFormat) -> None:
        """Nothing is opened until the first table arrives."""
        self.uri = store.uri_for(result_key(job_id, fmt))
        self.format = fmt
        self._fs, self._path = open_url(self.uri)
        self._handle: IO[bytes] | None = None
        self._writer: Any = None
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table) -> None:
        """Append ``table``; later tables are cast to the first one's column types."""
        if self._writer is None:
            self._open(table.schema)
        assert self._schema is not None
        if not table.schema.equals(self._schema):
            table = table.cast(self._schema)
        self._writer.write_table(table)

    def close(self, empty_schema: pa.Schema) -> None:
        """Finish the file (an empty one of ``empty_schema`` when nothing was written)."""
        if self._writer is None:
            self._open(empty_schema)
        try:
            self._writer.close()
            assert self._handle is not None
            self._handle.close()
        except store_errors() as exc:
            raise store_failure(self.uri, exc, action="write") from exc
        finally:
            self._writer = self._handle = None

    def discard(self) -> None:
        """Stop writing and delete what was written (after a cancel or a failure)."""
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.close()
        with contextlib.suppress(Exception):
            if self._handle is not None:
                self._handle.close()
        self._writer = self._handle = None
        with contextlib.suppress(Exception):
            if self._fs.exists(self._path):
                self._fs.rm(self._path)

    def _open(self, schema: pa.Schema) -> None:
        """Open the file and its Parquet or CSV writer."""
        try:
            if isinstance(self._fs, LocalFileSystem):
                self._fs.makedirs(self._path.rsplit("/", 1)[0], exist_ok=True)
            self._handle = self._fs.open(self._path, "wb")
        except store_errors() as exc:
            raise store_failure(self.uri, exc, action="write") from exc
        self._schema = schema
        if self.format == "parquet":
            self._writer = pq.ParquetWriter(self._handle, schema, compression="zstd")
        else:
            self._writer = pa_csv.CSVWriter(self._handle, schema)


@dataclass(frozen=True)
class ResultFile:
    """A finished result file: where it is, what it is, and (when on this disk) its path."""

    uri: str
    format: ResultFormat
    media_type: str
    filename: str
    local_path: Path | None


def find_result(job_id: uuid.UUID, result: dict[str, Any]) -> ResultFile:
    """The file a succeeded batch job's ``result`` names; 404 if it is gone."""
    uri = str(result["result_uri"])
    fmt: ResultFormat = "csv" if result.get("format") == "csv" else "parquet"
    fs, path = open_url(uri)
    try:
        exists = bool(fs.exists(path))
    except store_errors() as exc:
        raise store_failure(uri, exc, action="read") from exc
    if not exists:
        raise ResultNotFoundError(
            f"the result file of job {job_id} is gone ({uri}); run the prediction again"
        )
    local = Path(path) if isinstance(fs, LocalFileSystem) else None
    return ResultFile(uri, fmt, MEDIA_TYPES[fmt], f"predictions-{job_id}.{fmt}", local)


def read_result(uri: str) -> Iterator[bytes]:
    """The bytes of a result file, 1 MiB at a time."""
    fs, path = open_url(uri)
    with fs.open(path, "rb") as handle:
        while block := handle.read(READ_BYTES):
            yield block


def copy_result(uri: str, destination: Path) -> int:
    """Copy a result file to ``destination`` (written whole, then renamed); return its size."""
    partial = destination.with_name(destination.name + ".part")
    size = 0
    try:
        with partial.open("wb") as out:
            for block in read_result(uri):
                out.write(block)
                size += len(block)
        partial.replace(destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return size
