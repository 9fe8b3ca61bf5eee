"""Importing a CSV or Parquet price file into observations: all its good rows, or nothing.

Two halves: :func:`~preditiva.services.import_staging.stage` reads and checks the file
without touching the database's write lock; then :func:`write_staged` writes every good row
in the one transaction the caller provides (the job or the CLI command commits it).
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.data.frequency import detect_frequency
from preditiva.data.price_files import DEFAULT_CHUNK_ROWS, FileFormat, inspect
from preditiva.data.price_layout import FileLayout
from preditiva.services import series as series_service
from preditiva.services.import_staging import (
    LOOKUP_BATCH,
    Progress,
    StagedImport,
    Transaction,
    stage,
)
from preditiva.storage.db.models import Series
from preditiva.storage.db.repositories import observation_bulk
from preditiva.storage.db.repositories import observations as observations_repo
from preditiva.storage.db.repositories import series as series_repo

DEFAULT_SOURCE = "import"
CHECK_SHARE = 0.8
WRITE_BATCH_ROWS = 100_000
MAX_LISTED = 100
FREQUENCY_SAMPLE = 200

Outcome = Literal["loaded", "partial", "rejected", "nothing_loaded"]


@dataclass(frozen=True)
class ImportOptions:
    """How to import: strict or lenient, whether to create series, the observations' source."""

    strict: bool = False
    create_series: bool = False
    source: str = DEFAULT_SOURCE
    chunk_rows: int = DEFAULT_CHUNK_ROWS


@dataclass
class ImportReport:
    """What an import did; ``rows_*`` count observations (in a wide file, one per cell)."""

    file: str
    format: str
    shape: str
    strict: bool
    source: str
    outcome: Outcome
    file_rows: int
    rows_read: int
    rows_written: int
    rows_unchanged: int
    rows_rejected: int
    series_created: int
    problem_count: int
    problems: list[dict[str, Any]]
    created_series: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        """Good observations now in the database (written or already there)."""
        return self.rows_written + self.rows_unchanged

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values (the import job's result)."""
        return asdict(self)


@dataclass(frozen=True)
class WriteResult:
    """What writing staged rows changed."""

    written: int
    created: list[str]


def _nothing(_fraction: float, _message: str | None) -> None:
    """A progress callback that ignores progress."""
    return None


def _never() -> None:
    """A cancellation check that never cancels."""
    return None


def check_file(path: Path, fmt: FileFormat | None = None) -> FileLayout:
    """Read just a file's header and first rows: its layout, or a 422 saying what is wrong."""
    return inspect(path, fmt)


def run_import(
    path: Path,
    *,
    transaction: Transaction,
    options: ImportOptions,
    fmt: FileFormat | None = None,
    staging_dir: Path,
    filename: str | None = None,
    progress: Progress = _nothing,
    check_cancelled: Callable[[], None] = _never,
) -> ImportReport:
    """Check ``path``, then write its good rows in one ``transaction()``, or nothing at all.

    ``progress`` goes from 0 to 0.8 while checking and says when writing starts; it is not
    called once the write has committed (a cancel then would come too late to honour).
    """
    started = time.monotonic()
    staged = stage(
        path,
        fmt=fmt,
        transaction=transaction,
        staging_dir=staging_dir,
        chunk_rows=options.chunk_rows,
        strict=options.strict,
        create_series=options.create_series,
        progress=progress,
        check_cancelled=check_cancelled,
        share=CHECK_SHARE,
    )
    try:
        rejected = options.strict and staged.problems.total > 0
        result = WriteResult(0, [])
        if staged.staged and not rejected:
            check_cancelled()
            progress(CHECK_SHARE, f"writing {staged.staged:,} observations")
            with transaction() as session:
                result = write_staged(session, staged, options)
        return _report(staged, options, result, rejected, filename or path.name, started)
    finally:
        staged.discard()


def write_staged(session: Session, staged: StagedImport, options: ImportOptions) -> WriteResult:
    """Create missing series, upsert every staged row and fill in unknown frequencies."""
    found = _series_for(session, sorted(staged.keys), create=options.create_series)
    created = [key for key, (_, new) in found.items() if new]
    key_list = list(found)
    ids = pa.array([found[key][0].id for key in key_list], pa.int64())
    value_set = pa.array(key_list, pa.string())

    def with_ids() -> Any:
        """Staged batches with each key replaced by its series id."""
        for table in staged.tables(WRITE_BATCH_ROWS):
            series_id = ids.take(pc.index_in(table["key"], value_set=value_set))
            yield table.drop_columns(["key"]).add_column(0, "series_id", series_id)

    written = observation_bulk.upsert_tables(
        session, with_ids(), source=options.source, ingested_at=utcnow()
    )
    _fill_frequencies(session, staged, {key: series for key, (series, _) in found.items()})
    return WriteResult(written, created)


def _series_for(
    session: Session, keys: Sequence[str], *, create: bool
) -> dict[str, tuple[Series, bool]]:
    """Each key's series and whether it was created now."""
    found: dict[str, tuple[Series, bool]] = {}
    for start in range(0, len(keys), LOOKUP_BATCH):
        batch = list(keys[start : start + LOOKUP_BATCH])
        existing = series_repo.by_keys(session, batch)
        found |= {key: (row, False) for key, row in existing.items()}
        missing = [key for key in batch if key not in existing]
        if missing:
            made = series_service.ensure(session, missing, create_missing=create)
            found |= {key: (row, True) for key, row in made.items()}
    return found


def _fill_frequencies(session: Session, staged: StagedImport, touched: dict[str, Series]) -> None:
    """Detect the frequency of touched series that have none, from the file's timestamps.

    The file's own timestamps are used (no query per series); a series the file gives fewer
    than three timestamps is judged from what the database holds.
    """
    pending = {key: series for key, series in touched.items() if series.frequency is None}
    if not pending:
        return
    recent = staged.recent_timestamps(set(pending), FREQUENCY_SAMPLE)
    for key, series in pending.items():
        sample = recent.get(key, [])
        if len(sample) < 3:
            sample = observations_repo.timestamps(session, series.id, FREQUENCY_SAMPLE)
        series.frequency = detect_frequency(sample)
    session.flush()


def _outcome(staged: StagedImport, rejected: bool, loaded: int) -> Outcome:
    """One word for how the import went."""
    if rejected:
        return "rejected"
    if not loaded:
        return "nothing_loaded"
    return "partial" if staged.problems.total else "loaded"


def _report(
    staged: StagedImport,
    options: ImportOptions,
    result: WriteResult,
    rejected: bool,
    name: str,
    started: float,
) -> ImportReport:
    """The report of a staged (and maybe written) import."""
    loaded = 0 if rejected else staged.staged
    problems = sorted(staged.problems.items, key=lambda item: (item.row is not None, item.row))
    return ImportReport(
        file=name,
        format=staged.layout.format,
        shape=staged.layout.shape,
        strict=options.strict,
        source=options.source,
        outcome=_outcome(staged, rejected, loaded),
        file_rows=staged.file_rows,
        rows_read=staged.found,
        rows_written=result.written,
        rows_unchanged=loaded - result.written,
        rows_rejected=staged.found - loaded,
        series_created=len(result.created),
        created_series=result.created[:MAX_LISTED],
        problem_count=staged.problems.total,
        problems=[problem.as_dict() for problem in problems],
        ignored_columns=list(staged.layout.ignored),
        seconds=round(time.monotonic() - started, 3),
    )
