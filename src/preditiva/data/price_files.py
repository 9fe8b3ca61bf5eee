"""Streaming a CSV or Parquet price file chunk by chunk into checked observations.

A file is never read whole: CSV comes block by block (``pyarrow.csv.open_csv``), Parquet
batch by batch (``ParquetFile.iter_batches``), and each chunk of rows is checked and handed
on before the next is read. Row numbers in problems count the CSV header as row 1; for
Parquet they are the 0-based row index.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from preditiva.data.price_layout import (
    FileFormat,
    FileLayout,
    csv_options,
    file_error,
    format_of,
    inspect,
)
from preditiva.data.price_problems import (
    BoolArray,
    ChunkProblems,
    DuplicateTracker,
    IntArray,
    ProblemLog,
)
from preditiva.data.price_values import (
    DATE_HINT,
    TS_TYPE,
    ParsedNumbers,
    ParsedTimes,
    blank,
    keys,
    numbers,
    timestamps,
)

DEFAULT_CHUNK_ROWS = 100_000
#: CSV block size; Arrow's reader reads ~35 blocks ahead, so this bounds its buffers (~9 MiB).
BLOCK_BYTES = 256 * 1024
OBSERVATION_SCHEMA = pa.schema(
    [
        ("key", pa.string()),
        ("ts", TS_TYPE),
        ("value", pa.float64()),
        ("open", pa.float64()),
        ("high", pa.float64()),
        ("low", pa.float64()),
        ("volume", pa.float64()),
        ("row", pa.int64()),
    ]
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "OBSERVATION_SCHEMA",
    "FileFormat",
    "FileLayout",
    "PriceChunk",
    "PriceFile",
    "format_of",
    "inspect",
]


@dataclass(frozen=True)
class PriceChunk:
    """The checked observations of some consecutive rows, and how many were turned away."""

    observations: pa.Table
    file_rows: int
    found: int
    rejected: int


def iso(micros: int) -> str:
    """A UTC timestamp in microseconds as ISO 8601 text."""
    return (EPOCH + timedelta(microseconds=micros)).isoformat().replace("+00:00", "Z")


def _rechunk(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    """Regroup batches of any length into tables of exactly ``size`` rows (the last shorter)."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        while batch.num_rows:
            take = min(size - count, batch.num_rows)
            pending.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count == size:
                yield pa.Table.from_batches(pending)
                pending, count = [], 0
    if count:
        yield pa.Table.from_batches(pending)


def _number_problem(column: ParsedNumbers, index: int) -> str:
    """Message for a cell that is not a number."""
    return f"unreadable number {column.raw_text(index)!r}"


def _date_problem(column: ParsedTimes, index: int) -> str:
    """Message for a cell that is not a date."""
    return f"unparsable date {column.raw_text(index)!r}: {DATE_HINT}"


def _positive_problem(column: ParsedNumbers, index: int) -> str:
    """Message for a price that is not above 0."""
    return f"prices must be greater than 0, got {column.values[index]:g}"


def _volume_problem(column: ParsedNumbers, index: int) -> str:
    """Message for a negative volume."""
    return f"volume must be 0 or more, got {column.values[index]:g}"


def _fixed(message: str, _index: int) -> str:
    """A message that does not depend on the row."""
    return message


class PriceFile:
    """A price file read in chunks; ``problems`` fills as chunks are checked."""

    def __init__(
        self,
        path: Path,
        fmt: FileFormat | None = None,
        *,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        problems: ProblemLog | None = None,
    ) -> None:
        """Recognise the file's layout (a 422 if unusable); nothing else is read yet."""
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        self.path = path
        self.layout = inspect(path, fmt)
        self.problems = problems if problems is not None else ProblemLog()
        self.fraction = 0.0
        self.file_rows = 0
        width = len(self.layout.series) if self.layout.shape == "wide" else 1
        self._chunk_rows = max(1, chunk_rows // width)
        self._duplicates = DuplicateTracker()
        self._skipped: list[tuple[int, int, int]] = []
        self._parsed = 0
        self._fetched_rows = 0
        self._fetched_bytes = 0
        self._total = 1
        header = sum(len(name) + 1 for name in self.layout.columns)
        self._block_size = max(BLOCK_BYTES, 64 * header)
        self._reported = 0

    def chunks(self) -> Iterator[PriceChunk]:
        """Checked chunks in file order; rows with problems are left out and counted."""
        tables = self._parquet_tables() if self.layout.format == "parquet" else self._csv_tables()
        for table in _rechunk(tables, self._chunk_rows):
            rows = self._row_numbers(table.num_rows)
            problems = ChunkProblems(self.problems, rows)
            ragged = self._take_skipped(int(rows[-1]), problems)
            if self.layout.shape == "long":
                good, found, rejected = self._long(table, rows, problems)
            else:
                good, found, rejected = self._wide(table, rows, problems)
            problems.flush()
            self.file_rows += table.num_rows + ragged
            self.fraction = self._fraction_done()
            yield PriceChunk(good, table.num_rows + ragged, found + ragged, rejected + ragged)
        problems = ChunkProblems(self.problems, np.zeros(0, dtype=np.int64))
        ragged = self._take_skipped(None, problems)
        problems.flush()
        if ragged:
            self.file_rows += ragged
            yield PriceChunk(OBSERVATION_SCHEMA.empty_table(), ragged, ragged, ragged)
        self.fraction = 1.0

    # Reading

    def _fraction_done(self) -> float:
        """Share of the file checked: rows done over rows expected (from bytes per row so far)."""
        if not self._fetched_rows:
            return 0.0
        if self.layout.format == "parquet":
            expected = float(self._total)
        else:
            expected = self._fetched_rows * self._total / max(self._fetched_bytes, 1)
        return min(self._parsed / max(expected, 1.0), 1.0)

    def _csv_tables(self) -> Iterator[pa.RecordBatch]:
        """CSV blocks as record batches, every used column as text."""
        self._total = max(self.path.stat().st_size, 1)
        with self.path.open("rb") as handle:
            options = csv_options(
                self.layout,
                block_size=self._block_size,
                on_invalid=self._skip_invalid,
                text_columns=self.layout.used,
            )
            try:
                reader = pa_csv.open_csv(handle, **options)
                for batch in reader:  # one batch per block
                    self._fetched_rows += batch.num_rows
                    self._fetched_bytes = min(self._fetched_bytes + self._block_size, self._total)
                    yield batch
            except pa.ArrowInvalid as exc:
                after = self._parsed + len(self._skipped) + 1
                raise file_error(f"cannot read the CSV past row {after}: {exc}") from None

    def _parquet_tables(self) -> Iterator[pa.RecordBatch]:
        """Parquet batches of the used columns."""
        parquet = pq.ParquetFile(self.path)
        self._total = max(parquet.metadata.num_rows, 1)
        for batch in parquet.iter_batches(
            batch_size=self._chunk_rows, columns=self.layout.used, use_threads=False
        ):
            self._fetched_rows += batch.num_rows
            yield batch

    def _skip_invalid(self, row: Any) -> str:
        """Remember a row with the wrong number of fields, and skip it."""
        self._skipped.append((int(row.number or 0), row.expected_columns, row.actual_columns))
        return "skip"

    def _row_numbers(self, count: int) -> IntArray:
        """Row numbers of the next ``count`` parsed rows (CSV: header is 1, skipped rows count)."""
        index = np.arange(self._parsed, self._parsed + count, dtype=np.int64)
        self._parsed += count
        if self.layout.format == "parquet":
            return index
        if not self._skipped:
            return index + 2
        lines = np.sort(np.asarray([line for line, _, _ in self._skipped], dtype=np.int64))
        below = lines - 2 - np.arange(lines.size, dtype=np.int64)
        return index + 2 + np.searchsorted(below, index, side="right")

    def _take_skipped(self, through: int | None, problems: ChunkProblems) -> int:
        """Report malformed CSV rows not yet reported, up to row ``through`` (all if None)."""
        start = end = self._reported
        while end < len(self._skipped) and (through is None or self._skipped[end][0] <= through):
            line, expected, actual = self._skipped[end]
            problems.add_one(line, None, f"expected {expected} fields, found {actual}")
            end += 1
        self._reported = end
        return end - start

    # Checking

    def _long(
        self, table: pa.Table, rows: IntArray, problems: ChunkProblems
    ) -> tuple[pa.Table, int, int]:
        """Check ``key, ts, value[, open, high, low, volume]`` rows."""
        layout = self.layout
        assert layout.key is not None
        active = ~np.logical_and.reduce([blank(table[name]) for name in layout.used])
        key_text, has_key = keys(table[layout.key])
        ts = timestamps(table[layout.ts])
        measured = {
            role: numbers(table[name], decimal_comma=layout.decimal_comma)
            for role, name in layout.roles.items()
        }
        value = measured["value"]
        problems.add(active & ~has_key, layout.key, partial(_fixed, "missing series key"))
        problems.add(active & ~ts.present, layout.ts, partial(_fixed, "missing timestamp"))
        problems.add(ts.bad, layout.ts, partial(_date_problem, ts))
        problems.add(
            active & ~value.present, layout.roles["value"], partial(_fixed, "missing value")
        )
        rejected = active & ~(has_key & ts.present & ~ts.bad & value.present)
        for role, parsed in measured.items():
            name = layout.roles[role]
            readable = parsed.present & ~parsed.bad
            problems.add(parsed.bad, name, partial(_number_problem, parsed))
            if role == "volume":
                wrong = readable & (parsed.values < 0)
                problems.add(wrong, name, partial(_volume_problem, parsed))
            else:
                wrong = readable & ~(parsed.values > 0)
                problems.add(wrong, name, partial(_positive_problem, parsed))
            rejected |= parsed.bad | wrong
        accepted = active & ~rejected
        picked = np.flatnonzero(accepted)
        picked_keys = key_text.take(pa.array(picked))
        encoded = picked_keys.dictionary_encode()
        key_ids = self._duplicates.key_ids(encoded.dictionary.to_pylist())
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        first = np.zeros(table.num_rows, dtype=np.int64)
        first[picked] = self._duplicates.check(key_ids[codes], ts.values[picked], rows[picked])

        def duplicate(index: int) -> str:
            """Message for a repeated (key, ts)."""
            return (
                f"duplicate of row {first[index]}: same key {key_text[index].as_py()!r} "
                f"and ts {iso(int(ts.values[index]))}; the first is kept"
            )

        duplicated = first > 0
        problems.add(duplicated, layout.ts, duplicate)
        accepted &= ~duplicated
        columns = {
            "key": key_text.filter(pa.array(accepted)),
            "ts": pa.array(ts.values[accepted]).cast(TS_TYPE),
        }
        for role in ("value", "open", "high", "low", "volume"):
            column = measured.get(role)
            kept = column.values[accepted] if column else np.full(int(accepted.sum()), np.nan)
            columns[role] = pa.array(kept, type=pa.float64(), from_pandas=True)
        columns["row"] = pa.array(rows[accepted])
        good = pa.table(columns, schema=OBSERVATION_SCHEMA)
        found = int(active.sum())
        return good, found, found - good.num_rows

    def _wide(
        self, table: pa.Table, rows: IntArray, problems: ChunkProblems
    ) -> tuple[pa.Table, int, int]:
        """Check ``ts, <key>, <key>, ...`` rows: one observation per filled cell."""
        layout = self.layout
        ts = timestamps(table[layout.ts])
        cells = [numbers(table[name], decimal_comma=layout.decimal_comma) for name in layout.series]
        present = np.column_stack([cell.present | cell.bad for cell in cells])
        any_cell = present.any(axis=1)
        problems.add(any_cell & ~ts.present, layout.ts, partial(_fixed, "missing timestamp"))
        problems.add(ts.bad, layout.ts, partial(_date_problem, ts))
        ts_ok = ts.present & ~ts.bad
        accepted = np.zeros(present.shape, dtype=bool)
        for column, (name, cell) in enumerate(zip(layout.series, cells, strict=True)):
            wrong: BoolArray = cell.present & ~cell.bad & ~(cell.values > 0)
            problems.add(ts_ok & cell.bad, name, partial(_number_problem, cell))
            problems.add(ts_ok & wrong, name, partial(_positive_problem, cell))
            accepted[:, column] = ts_ok & cell.present & ~cell.bad & ~wrong
        series_ids = self._duplicates.key_ids(layout.series)
        flat = np.flatnonzero(accepted)
        at_row, at_column = np.divmod(flat, len(layout.series))
        first = np.zeros(present.shape, dtype=np.int64)
        first.flat[flat] = self._duplicates.check(
            series_ids[at_column], ts.values[at_row], rows[at_row]
        )
        for column, name in enumerate(layout.series):
            earlier = first[:, column]

            def duplicate(index: int, earlier: IntArray = earlier) -> str:
                """Message for a repeated (key, ts)."""
                return (
                    f"duplicate of row {earlier[index]}: same ts {iso(int(ts.values[index]))}"
                    "; the first is kept"
                )

            problems.add(earlier > 0, name, duplicate)
        accepted &= first == 0
        flat = np.flatnonzero(accepted)
        at_row, at_column = np.divmod(flat, len(layout.series))
        values = np.column_stack([cell.values for cell in cells]).flat[flat]
        nothing = pa.nulls(flat.size, pa.float64())
        good = pa.table(
            {
                "key": pa.array(layout.series, pa.string()).take(pa.array(at_column)),
                "ts": pa.array(ts.values[at_row]).cast(TS_TYPE),
                "value": pa.array(values, type=pa.float64()),
                "open": nothing,
                "high": nothing,
                "low": nothing,
                "volume": nothing,
                "row": pa.array(rows[at_row]),
            },
            schema=OBSERVATION_SCHEMA,
        )
        found = int(present.sum())
        return good, found, found - good.num_rows
