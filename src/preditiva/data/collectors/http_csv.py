"""``csv:<url>[#<options>]``: prices from any URL that answers CSV with a header row.

Options after ``#``, comma-separated ``name=value``:

* ``ts=<column>`` and ``value=<column>`` (default ``ts`` and ``value``), and optionally
  ``open=``, ``high=``, ``low=``, ``volume=`` columns; names match exactly, else ignoring case;
* ``sep=`` the delimiter: ``;``, ``|``, ``tab`` or ``comma`` (the default);
* ``decimal=comma`` for numbers written ``1.234,56``.

Example: ``csv:https://example.com/p.csv#ts=date,value=close,sep=;,decimal=comma``.
Timestamps are ISO 8601 dates or date-times (naive ones are UTC) or epoch seconds; rows
whose value is empty are skipped; an unreadable cell fails the run naming row and column.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from preditiva.core.errors import CollectorError, SourceInvalidError
from preditiva.data.collectors.base import Collector, Point, SourceRef
from preditiva.data.collectors.http_json import split_target
from preditiva.data.collectors.values import parse_number, parse_timestamp

COLUMN_OPTIONS = ("ts", "value", "open", "high", "low", "volume")
SEPARATORS = {"comma": ",", ";": ";", "semicolon": ";", "|": "|", "pipe": "|", "tab": "\t"}
DECIMALS = {".": ".", "dot": ".", "comma": ","}


@dataclass(frozen=True)
class CsvLayout:
    """Which columns hold what, and how the file writes its delimiter and decimals."""

    columns: dict[str, str] = field(default_factory=lambda: {"ts": "ts", "value": "value"})
    delimiter: str = ","
    decimal: str = "."


def parse_layout(source: SourceRef) -> tuple[str, CsvLayout]:
    """The URL and the layout named after ``#``; SourceInvalidError if an option is wrong."""
    url, options = split_target(source)
    columns = {"ts": "ts", "value": "value"}
    delimiter, decimal = ",", "."
    for option in filter(None, (part.strip() for part in options.split(","))):
        name, sep, value = (piece.strip() for piece in option.partition("="))
        if not sep or not value:
            raise SourceInvalidError(f"source {source.raw!r}: option {option!r} needs a value")
        if name in COLUMN_OPTIONS:
            columns[name] = value
        elif name == "sep" and value in SEPARATORS:
            delimiter = SEPARATORS[value]
        elif name == "decimal" and value in DECIMALS:
            decimal = DECIMALS[value]
        else:
            raise SourceInvalidError(
                f"source {source.raw!r}: unknown option {option!r}; use "
                f"{', '.join(COLUMN_OPTIONS)}=<column>, sep=; | tab | comma, decimal=comma"
            )
    return url, CsvLayout(columns, delimiter, decimal)


class HttpCsvCollector(Collector):
    """Points read from the columns of a CSV document."""

    scheme = "csv"

    @classmethod
    def check_target(cls, source: SourceRef) -> None:
        """The URL must be http(s) and the options known."""
        parse_layout(source)

    def collect(
        self, source: SourceRef, *, since: datetime | None = None, now: datetime
    ) -> list[Point]:
        """Fetch the file and read one point per row with a value."""
        url, layout = parse_layout(source)
        response = self.http.get(url, source=str(source))
        return read_points(_text(response), layout, source=str(source))


def _text(response: httpx.Response) -> str:
    """The body as text: UTF-8 (with or without BOM), else Latin-1."""
    try:
        return response.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return response.content.decode("latin-1")


def read_points(text: str, layout: CsvLayout, *, source: str) -> list[Point]:
    """The points in a CSV text; CollectorError names a missing column or a bad cell."""
    reader = csv.reader(io.StringIO(text), delimiter=layout.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise CollectorError(source, "malformed CSV: the document is empty") from None
    except csv.Error as exc:
        raise CollectorError(source, f"malformed CSV: {exc}") from None
    positions = _positions([name.strip() for name in header], layout, source)
    points: dict[datetime, Point] = {}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise CollectorError(
                    source,
                    f"malformed CSV: line {reader.line_num} has {len(row)} cells, "
                    f"the header {len(header)}",
                )
            cells = {name: row[index] for name, index in positions.items()}
            point = _point(cells, layout, source=source, line=reader.line_num)
            if point is not None:
                points[point.ts] = point
    except csv.Error as exc:
        raise CollectorError(source, f"malformed CSV at line {reader.line_num}: {exc}") from None
    return sorted(points.values(), key=lambda point: point.ts)


def _positions(header: list[str], layout: CsvLayout, source: str) -> dict[str, int]:
    """Where each wanted column is in the header; CollectorError if one is missing."""
    folded = {name.lower(): index for index, name in reversed(list(enumerate(header)))}
    positions: dict[str, int] = {}
    for option, column in layout.columns.items():
        if column in header:
            positions[option] = header.index(column)
        elif column.lower() in folded:
            positions[option] = folded[column.lower()]
        else:
            raise CollectorError(
                source,
                f"malformed CSV: no {column!r} column for {option} (columns: {', '.join(header)})",
            )
    return positions


def _point(cells: dict[str, str], layout: CsvLayout, *, source: str, line: int) -> Point | None:
    """The point of one row, or None when its value is empty."""
    numbers: dict[str, float | None] = {}
    for name in ("value", "open", "high", "low", "volume"):
        try:
            numbers[name] = parse_number(cells.get(name), decimal=layout.decimal)
        except ValueError as exc:
            raise CollectorError(
                source, f"malformed CSV: line {line}, column {layout.columns[name]!r}: {exc}"
            ) from None
    value = numbers["value"]
    if value is None:
        return None
    try:
        ts = parse_timestamp(cells["ts"])
    except ValueError as exc:
        column = layout.columns["ts"]
        raise CollectorError(
            source, f"malformed CSV: line {line}, column {column!r}: {exc}"
        ) from None
    return Point(
        ts=ts,
        value=value,
        open=numbers["open"],
        high=numbers["high"],
        low=numbers["low"],
        volume=numbers["volume"],
    )
