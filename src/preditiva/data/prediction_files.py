"""Reading a CSV or Parquet file of rows to predict, chunk by chunk, never whole.

CSV is read block by block with every used column as text (``pyarrow.csv.open_csv``), so an
odd value far down the file cannot break the reader; number columns are then converted by
Arrow when every value of the chunk reads (the usual case), and left as text for the caller
to check cell by cell when one does not. Parquet is read batch by batch
(``ParquetFile.iter_batches``) in its own types. A CSV line with the wrong number of fields
is skipped and reported with its line number (the header is line 1); in a file separated by
``;`` numbers may use a decimal comma, as in datasets. :func:`read_ahead`
reads the next chunk in a background thread while the caller works on the current one.
"""

import queue
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from preditiva.data.dataset_files import DECIMAL_COMMA
from preditiva.data.price_layout import FileFormat, file_error, format_of, sniff_csv

__all__ = [
    "FileFormat",
    "RowChunk",
    "RowFile",
    "SkippedLine",
    "format_of",
    "inspect_rows",
    "read_ahead",
    "read_chunks",
]

#: CSV block size: big enough that Arrow's per-block work is small beside the parsing.
BLOCK_BYTES = 4 << 20
HEADER_BYTES = 1 << 20

T = TypeVar("T")


@dataclass(frozen=True)
class RowFile:
    """A readable file of rows: its format, columns, CSV dialect and (Parquet) row count."""

    path: Path
    format: FileFormat
    columns: tuple[str, ...]
    delimiter: str = ","
    encoding: str = "utf8"
    rows: int | None = None


@dataclass(frozen=True)
class SkippedLine:
    """A CSV line left out because it has the wrong number of fields."""

    line: int | None
    expected: int
    found: int

    @property
    def message(self) -> str:
        """What was wrong with the line."""
        return f"expected {self.expected} fields, found {self.found}; the line was skipped"


@dataclass(frozen=True)
class RowChunk:
    """Consecutive rows of the file as a frame, with where they start and how far reading is."""

    frame: pd.DataFrame
    ids: pa.Array | None
    first_row: int
    fraction: float
    skipped: tuple[SkippedLine, ...] = field(default_factory=tuple)


def inspect_rows(path: Path, fmt: FileFormat | None = None) -> RowFile:
    """Read only the header (and, for CSV, the first block): a 422 if unreadable or empty."""
    fmt = fmt or format_of(path.name)
    if fmt == "parquet":
        return _inspect_parquet(path)
    delimiter, encoding = sniff_csv(path)
    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(
                use_threads=False, block_size=HEADER_BYTES, encoding=encoding
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=lambda _row: "skip"
            ),
        )
        columns = tuple(reader.schema.names)
        first = next(iter(reader), None)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise file_error(f"cannot read the file as CSV: {exc}") from None
    if first is None or first.num_rows == 0:
        raise file_error("the file has a header but no rows")
    return RowFile(path, "csv", _unique(columns), delimiter, encoding)


def _inspect_parquet(path: Path) -> RowFile:
    """The columns and row count of a Parquet file, from its footer."""
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (pa.ArrowInvalid, OSError) as exc:
        raise file_error(f"cannot read the file as Parquet: {exc}") from None
    if metadata.num_rows == 0:
        raise file_error("the file has no rows")
    return RowFile(path, "parquet", _unique(tuple(schema.names)), rows=metadata.num_rows)


def _unique(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The column names, refused (422) when one is used twice."""
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise file_error(f"column names used twice: {', '.join(repeated)}", repeated[0])
    return columns


def read_chunks(
    file: RowFile,
    columns: Sequence[str],
    *,
    chunk_rows: int,
    numeric: Sequence[str] = (),
    id_column: str | None = None,
) -> Iterator[RowChunk]:
    """``columns`` of the file in frames of ``chunk_rows`` rows (the last shorter).

    Text in the ``numeric`` columns is converted to float64 when the whole chunk reads;
    ``id_column`` is passed through as Arrow values, untouched.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    wanted = list(dict.fromkeys([*columns, *([id_column] if id_column else [])]))
    skipped: list[SkippedLine] = []
    if file.format == "parquet":
        tables: Generator[tuple[pa.Table, float], None, None] = _parquet_tables(
            file, wanted, chunk_rows
        )
    else:
        tables = _csv_tables(file, wanted, chunk_rows, skipped)
    first_row = 0
    reported = 0
    try:
        for table, fraction in tables:
            ids = table[id_column].combine_chunks() if id_column else None
            features = _as_numbers(table.select(list(columns)), numeric, file.delimiter == ";")
            found = tuple(skipped[reported:])
            reported = len(skipped)
            yield RowChunk(features.to_pandas(split_blocks=True), ids, first_row, fraction, found)
            first_row += table.num_rows
    finally:
        tables.close()
    if len(skipped) > reported:
        empty = pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
        yield RowChunk(empty, None, first_row, 1.0, tuple(skipped[reported:]))


def _parquet_tables(
    file: RowFile, columns: list[str], chunk_rows: int
) -> Generator[tuple[pa.Table, float], None, None]:
    """Parquet batches of ``chunk_rows`` rows, with the share of the file read."""
    parquet = pq.ParquetFile(file.path)
    total = max(parquet.metadata.num_rows, 1)
    done = 0
    try:
        for batch in parquet.iter_batches(batch_size=chunk_rows, columns=columns):
            done += batch.num_rows
            yield pa.Table.from_batches([batch]), min(done / total, 1.0)
    except (pa.ArrowInvalid, OSError) as exc:
        raise file_error(f"cannot read the Parquet file past row {done}: {exc}") from None
    finally:
        parquet.close()


def _csv_tables(
    file: RowFile, columns: list[str], chunk_rows: int, skipped: list[SkippedLine]
) -> Generator[tuple[pa.Table, float], None, None]:
    """CSV blocks regrouped into ``chunk_rows`` rows, every column as text."""
    size = max(file.path.stat().st_size, 1)

    def skip(row: Any) -> str:
        """Remember a line with the wrong number of fields, and skip it."""
        skipped.append(SkippedLine(row.number, row.expected_columns, row.actual_columns))
        return "skip"

    with pa.OSFile(str(file.path), "rb") as handle:
        try:
            reader = pa_csv.open_csv(
                handle,
                read_options=pa_csv.ReadOptions(
                    use_threads=False, block_size=BLOCK_BYTES, encoding=file.encoding
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=file.delimiter, invalid_row_handler=skip
                ),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=columns,
                    column_types=dict.fromkeys(columns, pa.string()),
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
            blocks = [0]

            def counted() -> Iterator[pa.RecordBatch]:
                """The reader's batches (one per block), counted."""
                for batch in reader:
                    blocks[0] += 1
                    yield batch

            for table in _regroup(counted(), chunk_rows):
                yield table, min(blocks[0] * BLOCK_BYTES / size, 1.0)
        except pa.ArrowInvalid as exc:
            raise file_error(f"cannot read the CSV file: {exc}") from None


def _regroup(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    """Batches of any length regrouped into tables of exactly ``size`` rows (the last shorter)."""
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


def _as_numbers(table: pa.Table, numeric: Sequence[str], decimal_comma: bool) -> pa.Table:
    """Text ``numeric`` columns as float64 where every value reads (Arrow's fast cast).

    In a file separated by ``;``, numbers may be written ``1.234,5`` (as datasets read them).
    """
    for name in numeric:
        position = table.schema.get_field_index(name)
        column = table.column(position)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        if decimal_comma:
            column = _decimal_points(column)
            table = table.set_column(position, name, column)
        try:
            numbers = pc.cast(column, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue  # some value does not read: the caller checks this column cell by cell
        table = table.set_column(position, name, numbers)
    return table


def _decimal_points(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells written with a decimal comma rewritten with a point, grouping points dropped."""
    matches = pc.fill_null(pc.match_substring_regex(column, DECIMAL_COMMA), False)
    if not pc.any(matches).as_py():
        return column
    swapped = pc.replace_substring(pc.replace_substring(column, ".", ""), ",", ".")
    return pc.if_else(matches, swapped, column)


def read_ahead(items: Iterator[T], depth: int = 1) -> Generator[T, None, None]:
    """``items``, each produced in a background thread while the consumer uses the last.

    Arrow parses and converts without holding the GIL, so reading the next chunk overlaps
    with predicting this one. An error while reading is raised in the consumer; when the
    consumer stops early (a cancel), the thread stops at its next item.
    """
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        """Put every item, then the end (or the error), on the queue."""
        try:
            for item in items:
                if not _put(handoff, ("item", item), stop):
                    return
            _put(handoff, ("end", None), stop)
        except BaseException as exc:
            _put(handoff, ("error", exc), stop)
        finally:
            close = getattr(items, "close", None)
            if callable(close):
                close()

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def _put(
    handoff: "queue.Queue[tuple[str, Any]]", entry: tuple[str, Any], stop: threading.Event
) -> bool:
    """Put ``entry`` unless ``stop`` is set first; return whether it was put."""
    while not stop.is_set():
        try:
            handoff.put(entry, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
