"""Reading a tabular dataset file (CSV or Parquet) whole, with each row's number in the file.

Every CSV column is read as text: what a column holds is decided later, by the dataset's
schema, so a bad value far down a file is one row's problem, never a failure to read it.
Files separated by ``;`` may use decimal commas (``1.234,5`` reads as ``1234.5``). Rows with
the wrong number of fields are skipped and reported. As in price imports, CSV rows are
numbered with the header as row 1; Parquet rows by their 0-based index.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from preditiva.data.price_layout import FileFormat, file_error, format_of, sniff_csv

IntArray = npt.NDArray[np.int64]
#: Malformed CSV rows reported one by one; the rest are only counted.
MAX_LISTED = 100
#: A number written with a decimal comma, thousands optionally grouped by points.
DECIMAL_COMMA = r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$"
HEADER_BYTES = 1 << 20


@dataclass(frozen=True, eq=False)
class DatasetFile:
    """A file's rows as a frame, each row's number in the file, and the rows that were skipped."""

    frame: pd.DataFrame
    format: FileFormat
    #: the file row number of each frame row (CSV: header is 1; Parquet: 0-based)
    rows: IntArray
    #: ``{"row", "field", "message"}`` of the first malformed rows skipped
    malformed: tuple[dict[str, Any], ...] = ()
    malformed_count: int = 0


def read_dataset(path: Path, fmt: FileFormat | None = None) -> DatasetFile:
    """Read ``path`` whole; a 422 naming the problem if it is empty, headless or unreadable."""
    fmt = fmt or format_of(path.name)
    if not path.exists() or path.stat().st_size == 0:
        raise file_error("the file is empty")
    if fmt == "parquet":
        return _read_parquet(path)
    return _read_csv(path)


def _read_parquet(path: Path) -> DatasetFile:
    """Every row and column of a Parquet file."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise file_error(f"cannot read the file as Parquet: {exc}") from None
    if table.num_columns == 0:
        raise file_error("the file has no columns")
    if table.num_rows == 0:
        raise file_error("the file has columns but no rows")
    frame = table.to_pandas()
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    return DatasetFile(frame, "parquet", np.arange(len(frame), dtype=np.int64))


def _read_csv(path: Path) -> DatasetFile:
    """Every row of a CSV file as text, malformed rows skipped and counted."""
    delimiter, encoding = sniff_csv(path)
    skipped: list[tuple[int, int, int]] = []

    def skip(row: Any) -> str:
        """Remember a row with the wrong number of fields, and leave it out."""
        skipped.append((int(row.number or 0), row.expected_columns, row.actual_columns))
        return "skip"

    read = pa_csv.ReadOptions(use_threads=False, encoding=encoding, block_size=HEADER_BYTES)
    parse = pa_csv.ParseOptions(delimiter=delimiter, invalid_row_handler=skip)
    try:
        names = _header(path, read, delimiter)
        table = pa_csv.read_csv(
            path,
            read_options=read,
            parse_options=parse,
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, UnicodeError) as exc:
        raise file_error(f"cannot read the file as CSV: {exc}") from None
    if table.num_rows == 0 and not skipped:
        raise file_error("the file has a header but no rows")
    if delimiter == ";":
        table = _decimal_points(table)
    malformed = [
        {"row": line, "field": None, "message": f"expected {expected} fields, found {actual}"}
        for line, expected, actual in sorted(skipped)[:MAX_LISTED]
    ]
    return DatasetFile(
        table.to_pandas(),
        "csv",
        _row_numbers(table.num_rows, [line for line, _, _ in skipped]),
        tuple(malformed),
        len(skipped),
    )


def _header(path: Path, read: pa_csv.ReadOptions, delimiter: str) -> list[str]:
    """The column names of a CSV file's header."""
    reader = pa_csv.open_csv(
        path,
        read_options=read,
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, invalid_row_handler=lambda _row: "skip"
        ),
    )
    try:
        return list(reader.schema.names)
    finally:
        reader.close()


def _decimal_points(table: pa.Table) -> pa.Table:
    """Text cells written with a decimal comma rewritten with a point, grouping points dropped."""
    columns = []
    for column in table.columns:
        matches = pc.fill_null(pc.match_substring_regex(column, DECIMAL_COMMA), False)
        if not pc.any(matches).as_py():
            columns.append(column)
            continue
        swapped = pc.replace_substring(pc.replace_substring(column, ".", ""), ",", ".")
        columns.append(pc.if_else(matches, swapped, column))
    return pa.Table.from_arrays(columns, names=table.column_names)


def _row_numbers(count: int, skipped_lines: list[int]) -> IntArray:
    """File row numbers of ``count`` parsed rows (header is 1; skipped rows take their number)."""
    index = np.arange(count, dtype=np.int64)
    if not skipped_lines:
        return index + 2
    lines = np.sort(np.asarray(skipped_lines, dtype=np.int64))
    below = lines - 2 - np.arange(lines.size, dtype=np.int64)
    return index + 2 + np.searchsorted(below, index, side="right").astype(np.int64)
