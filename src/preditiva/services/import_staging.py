"""The first half of an import: read and check a file, keeping its good rows in a staging file.

Nothing is written to the database here, so on SQLite other writers (the job's own
progress, heartbeats) go on unhindered while a large file is checked.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from preditiva.core.errors import InvalidInputError
from preditiva.data.price_files import OBSERVATION_SCHEMA, FileFormat, FileLayout, PriceFile
from preditiva.data.price_problems import Problem, ProblemLog
from preditiva.services.series import validate_key
from preditiva.storage.db.repositories import series as series_repo

Transaction = Callable[[], AbstractContextManager[Session]]
Progress = Callable[[float, str | None], None]

LOOKUP_BATCH = 500
STAGED_SCHEMA = OBSERVATION_SCHEMA.remove(OBSERVATION_SCHEMA.get_field_index("row"))


def _nothing(_fraction: float, _message: str | None) -> None:
    """A progress callback that ignores progress."""
    return None


def _never() -> None:
    """A cancellation check that never cancels."""
    return None


@dataclass
class StagedImport:
    """A checked file: its good rows in a Parquet file, the counts, and the series it needs."""

    layout: FileLayout
    path: Path
    problems: ProblemLog
    file_rows: int = 0
    found: int = 0
    rejected: int = 0
    staged: int = 0
    #: every series key the staged rows use
    keys: set[str] = field(default_factory=set)

    def tables(self, batch_rows: int) -> Iterator[pa.Table]:
        """The staged rows, a batch at a time."""
        if not self.staged:
            return
        parquet = pq.ParquetFile(self.path)
        for batch in parquet.iter_batches(batch_size=batch_rows, use_threads=False):
            yield pa.Table.from_batches([batch])

    def recent_timestamps(self, keys: set[str], limit: int) -> dict[str, list[datetime]]:
        """The latest ``limit`` distinct staged timestamps of each of ``keys``."""
        if not self.staged or not keys:
            return {}
        wanted = [("key", "in", sorted(keys))]
        table = pq.read_table(self.path, columns=["key", "ts"], filters=wanted)
        table = table.sort_by([("key", "ascending"), ("ts", "ascending")])
        if not table.num_rows:
            return {}
        names = table["key"].combine_chunks()
        size = len(names)
        changes = pc.not_equal(names.slice(1), names.slice(0, size - 1))
        starts = np.flatnonzero(np.r_[True, changes.to_numpy(zero_copy_only=False)])
        ends = np.r_[starts[1:], size]
        stamps = table["ts"].cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
        return {
            str(name): np.unique(stamps[max(start, end - limit) : end]).tolist()
            for name, start, end in zip(
                names.take(pa.array(starts)).to_pylist(), starts, ends, strict=True
            )
        }

    def discard(self) -> None:
        """Delete the staging file."""
        self.path.unlink(missing_ok=True)


class SeriesKeys:
    """What is known of each key met so far: an existing series, one to create, or refused."""

    def __init__(self, transaction: Transaction, *, create_series: bool) -> None:
        """Start with no key known."""
        self._transaction = transaction
        self._create = create_series
        self.usable: set[str] = set()
        self.refused: dict[str, str] = {}

    def classify(self, keys: list[str]) -> list[str]:
        """Sort out keys not met before; return those newly refused."""
        fresh = [key for key in keys if key not in self.usable and key not in self.refused]
        existing: set[str] = set()
        for start in range(0, len(fresh), LOOKUP_BATCH):
            with self._transaction() as session:
                existing |= set(series_repo.by_keys(session, fresh[start : start + LOOKUP_BATCH]))
        refused = []
        for key in fresh:
            if key in existing:
                self.usable.add(key)
            elif not self._create:
                self.refused[key] = (
                    f"unknown series {key!r}: its rows were skipped; create the series "
                    "first or import with create_series"
                )
                refused.append(key)
            else:
                try:
                    validate_key(key)
                except InvalidInputError as exc:
                    self.refused[key] = f"{exc.message}; its rows were skipped"
                    refused.append(key)
                else:
                    self.usable.add(key)
        return refused


def stage(
    path: Path,
    *,
    fmt: FileFormat | None,
    transaction: Transaction,
    staging_dir: Path,
    chunk_rows: int,
    strict: bool,
    create_series: bool,
    progress: Progress = _nothing,
    check_cancelled: Callable[[], None] = _never,
    share: float = 1.0,
) -> StagedImport:
    """Check every row of ``path``; good rows of known (or creatable) series go to staging.

    In strict mode staging stops at the first problem but checking goes on, so the report
    still counts every problem. ``progress`` runs from 0 to ``share``.
    """
    source = PriceFile(path, fmt, chunk_rows=chunk_rows)
    staging_dir.mkdir(parents=True, exist_ok=True)
    staged = StagedImport(
        source.layout, staging_dir / f".staging-{uuid.uuid4().hex}.parquet", source.problems
    )
    catalogue = SeriesKeys(transaction, create_series=create_series)
    try:
        with pq.ParquetWriter(staged.path, STAGED_SCHEMA) as writer:
            for chunk in source.chunks():
                check_cancelled()
                table = chunk.observations
                refused = catalogue.classify(pc.unique(table["key"]).to_pylist())
                _report_refused(staged, table, refused, catalogue)
                if catalogue.refused:
                    blocked = pc.is_in(table["key"], value_set=pa.array(list(catalogue.refused)))
                    table = table.filter(pc.invert(blocked))
                staged.file_rows += chunk.file_rows
                staged.found += chunk.found
                staged.rejected += chunk.found - table.num_rows
                if not (strict and staged.problems.total):
                    writer.write_table(table.select(STAGED_SCHEMA.names))
                    staged.staged += table.num_rows
                    staged.keys.update(pc.unique(table["key"]).to_pylist())
                progress(
                    share * source.fraction,
                    f"checked {staged.file_rows:,} rows, {staged.problems.total:,} problems",
                )
    except BaseException:
        staged.discard()
        raise
    return staged


def _report_refused(
    staged: StagedImport, table: pa.Table, refused: list[str], catalogue: SeriesKeys
) -> None:
    """One problem per refused key, at the first row that names it."""
    column = staged.layout.key
    for key in refused:
        first = pc.index(table["key"], key).as_py()
        row = table["row"][first].as_py()
        staged.problems.add(Problem(row, column or key, catalogue.refused[key]))
