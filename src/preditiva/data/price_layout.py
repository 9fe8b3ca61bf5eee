"""Recognising a price file: its format, delimiter, encoding and which column plays which role."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from preditiva.core.errors import DataValidationError
from preditiva.data.price_values import is_key_type, is_number_type, is_timestamp_type

FileFormat = Literal["csv", "parquet"]
Shape = Literal["long", "wide"]

FORMATS: dict[str, FileFormat] = {".csv": "csv", ".parquet": "parquet"}
TS_NAMES = ("ts", "timestamp", "datetime", "date")
KEY_NAMES = ("key", "series_key", "series")
VALUE_NAMES = ("value", "close", "price")
OPTIONAL = ("open", "high", "low", "volume")
RESERVED = (*VALUE_NAMES, *OPTIONAL)
SAMPLE_BYTES = 64 * 1024
EXPECTED = (
    "expected long format (key, ts, value[, open, high, low, volume]) or wide format "
    "(ts, then one column per series key); ts may be called date or timestamp, "
    "value may be called close or price"
)


@dataclass(frozen=True)
class FileLayout:
    """How to read a price file and what each of its columns means."""

    format: FileFormat
    shape: Shape
    columns: list[str]
    ts: str
    key: str | None = None
    #: role (value, open, high, low, volume) -> column name, long format only
    roles: dict[str, str] = field(default_factory=dict)
    #: one series key per column, wide format only
    series: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    delimiter: str = ","
    encoding: str = "utf8"

    @property
    def used(self) -> list[str]:
        """The columns the import reads."""
        if self.shape == "wide":
            return [self.ts, *self.series]
        return [name for name in (self.key, self.ts, *self.roles.values()) if name is not None]

    @property
    def decimal_comma(self) -> bool:
        """Whether numbers may use a decimal comma (files separated by ``;``)."""
        return self.delimiter == ";"

    def as_dict(self) -> dict[str, Any]:
        """The layout as plain values, for reports."""
        return {
            "format": self.format,
            "shape": self.shape,
            "ts": self.ts,
            "key": self.key,
            "roles": dict(self.roles),
            "series": list(self.series),
            "ignored": list(self.ignored),
        }


def file_error(message: str, field_name: str = "file") -> DataValidationError:
    """A whole-file problem (empty, unreadable, missing column), a 422."""
    return DataValidationError(message, details=[{"field": field_name, "message": message}])


def format_of(name: str) -> FileFormat:
    """The format named by a file's extension, or a 422 naming the ones supported."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        shown = repr(suffix) if suffix else "no extension"
        raise file_error(
            f"unsupported file type ({shown}): upload a .csv or .parquet file", "filename"
        )
    return FORMATS[suffix]


def sniff_csv(path: Path) -> tuple[str, str]:
    """The delimiter (``,``, ``;`` or tab) and encoding (UTF-8, else cp1252) of a CSV file."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise file_error("the file is empty")
    encoding = "utf8"
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:
            encoding = "cp1252"
        text = sample.decode("cp1252", errors="replace")
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    delimiter = max(counts, key=lambda sep: counts[sep])
    return (delimiter if counts[delimiter] else ","), encoding


def csv_options(
    layout_or_delimiter: "FileLayout | str",
    encoding: str = "utf8",
    *,
    block_size: int = 1 << 20,
    on_invalid: Callable[[Any], str] | None = None,
    text_columns: list[str] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``pyarrow.csv.open_csv``: every used column read as text."""
    if isinstance(layout_or_delimiter, FileLayout):
        delimiter, encoding = layout_or_delimiter.delimiter, layout_or_delimiter.encoding
    else:
        delimiter = layout_or_delimiter
    convert = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(text_columns or [], pa.string()),
        include_columns=text_columns,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    return {
        "read_options": pa_csv.ReadOptions(
            use_threads=False, block_size=block_size, encoding=encoding
        ),
        "parse_options": pa_csv.ParseOptions(
            delimiter=delimiter, invalid_row_handler=on_invalid or (lambda _row: "skip")
        ),
        "convert_options": convert,
    }


def _csv_schema(path: Path, delimiter: str, encoding: str) -> pa.Schema:
    """The column names Arrow reads from a CSV header."""
    try:
        reader = pa_csv.open_csv(
            path, **csv_options(delimiter, encoding, block_size=SAMPLE_BYTES * 4)
        )
    except pa.ArrowInvalid as exc:
        if "Empty CSV" in str(exc):
            raise file_error("the file is empty") from None
        raise file_error(f"cannot read the file as CSV: {exc}") from None
    schema: pa.Schema = reader.schema
    reader.close()
    return schema


def _parquet_schema(path: Path) -> tuple[pa.Schema, int]:
    """A Parquet file's schema and row count, or a 422 if it is not Parquet."""
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise file_error(f"cannot read the file as Parquet: {exc}") from None
    return parquet.schema_arrow, parquet.metadata.num_rows


def _pick(found: dict[str, str], names: tuple[str, ...], role: str) -> str | None:
    """The column playing a role, by the first of its names present."""
    present = [found[name] for name in names if name in found]
    if len(present) > 1 and role != "value":
        raise file_error(
            f"ambiguous {role} column: {', '.join(present)} all name one; keep only one",
            "columns",
        )
    return present[0] if present else None


def _unnamed(name: str) -> bool:
    """Whether a column has no real name (blank, or a pandas index)."""
    return not name.strip() or name.startswith("Unnamed: ")


def roles_of(columns: list[str], fmt: FileFormat, delimiter: str, encoding: str) -> FileLayout:
    """Decide long or wide from the header and map columns to roles, or a 422 saying why not."""
    listed = ", ".join(repr(name) for name in columns) or "none"
    lowered: dict[str, str] = {}
    for name in columns:
        folded = name.strip().lower()
        if folded in lowered and not _unnamed(name):
            raise file_error(f"column {name!r} appears more than once", "columns")
        lowered.setdefault(folded, name)
    ts = _pick(lowered, TS_NAMES, "timestamp")
    if ts is None:
        raise file_error(f"missing column: no timestamp column (found {listed}); {EXPECTED}", "ts")
    key = _pick(lowered, KEY_NAMES, "key")
    if key is not None:
        value = _pick(lowered, VALUE_NAMES, "value")
        if value is None:
            raise file_error(
                f"missing column: no value column (found {listed}); {EXPECTED}", "value"
            )
        roles = {"value": value} | {role: lowered[role] for role in OPTIONAL if role in lowered}
        used = {key, ts, *roles.values()}
        ignored = [name for name in columns if name not in used]
        return FileLayout(
            format=fmt,
            shape="long",
            columns=columns,
            ts=ts,
            key=key,
            roles=roles,
            ignored=ignored,
            delimiter=delimiter,
            encoding=encoding,
        )
    reserved = [name for name in columns if name.strip().lower() in RESERVED]
    if reserved:
        raise file_error(
            f"missing column: no key column, yet {', '.join(map(repr, reserved))} look like "
            f"long format (found {listed}); add a key column naming each row's series, "
            f"or use one column per series key; {EXPECTED}",
            "key",
        )
    series = [name for name in columns if name != ts and not _unnamed(name)]
    if not series:
        raise file_error(
            f"missing column: no series columns beside {ts!r} (found {listed}); {EXPECTED}",
            "columns",
        )
    ignored = [name for name in columns if name != ts and _unnamed(name)]
    return FileLayout(
        format=fmt,
        shape="wide",
        columns=columns,
        ts=ts,
        series=series,
        ignored=ignored,
        delimiter=delimiter,
        encoding=encoding,
    )


def _check_types(layout: FileLayout, schema: pa.Schema) -> None:
    """Refuse typed (Parquet) columns that cannot hold what their role needs."""
    checks: list[tuple[str, Callable[[pa.DataType], bool], str]] = [
        (layout.ts, is_timestamp_type, "a timestamp, a date or ISO 8601 text")
    ]
    if layout.key is not None:
        checks.append((layout.key, is_key_type, "text"))
    numeric = list(layout.roles.values()) if layout.shape == "long" else layout.series
    checks += [(name, is_number_type, "numbers") for name in numeric]
    for name, accepts, wanted in checks:
        data_type = schema.field(name).type
        if pa.types.is_dictionary(data_type):
            data_type = data_type.value_type
        if not accepts(data_type):
            raise file_error(f"column {name!r} holds {data_type}; expected {wanted}", name)


def inspect(path: Path, fmt: FileFormat | None = None) -> FileLayout:
    """Read just the header (and first rows) of a file: its layout, or a 422 if unusable."""
    fmt = fmt or format_of(path.name)
    if not path.exists() or path.stat().st_size == 0:
        raise file_error("the file is empty")
    if fmt == "parquet":
        schema, rows = _parquet_schema(path)
        layout = roles_of(list(schema.names), fmt, ",", "utf8")
        _check_types(layout, schema)
        if rows == 0:
            raise file_error("the file has columns but no rows")
        return layout
    delimiter, encoding = sniff_csv(path)
    names = list(_csv_schema(path, delimiter, encoding).names)
    layout = roles_of(names, fmt, delimiter, encoding)
    if not _csv_has_rows(path, layout):
        raise file_error("the file has a header but no rows")
    return layout


def _csv_has_rows(path: Path, layout: FileLayout, batches: int = 4) -> bool:
    """Whether the first few blocks hold a row (past them, assume so: the import will tell)."""
    reader = pa_csv.open_csv(
        path, **csv_options(layout, block_size=SAMPLE_BYTES * 4, text_columns=layout.used)
    )
    try:
        for seen, batch in enumerate(reader):
            if batch.num_rows or seen + 1 >= batches:
                return True
    except pa.ArrowInvalid as exc:
        raise file_error(f"cannot read the file as CSV: {exc}") from None
    finally:
        reader.close()
    return False
