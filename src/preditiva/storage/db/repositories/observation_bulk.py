"""Writing many observations at once through each database's bulk path, idempotently.

PostgreSQL: ``COPY`` into a temporary table, then one ``INSERT … SELECT … ON CONFLICT DO
UPDATE … WHERE … IS DISTINCT FROM``. SQLite: one prepared upsert run by ``executemany``.
Either way rows whose values did not change are left alone and not counted.
"""

import io
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy.orm import Session

from preditiva.storage.db.repositories import observations

#: Columns of the tables handed to :func:`upsert_tables`, in order.
COLUMNS = ("series_id", "ts", "value", "open", "high", "low", "volume")
MEASURES = ("value", "open", "high", "low", "volume")
UPDATED = (*MEASURES, "is_synthetic")


def upsert_tables(
    session: Session, tables: Iterable[pa.Table], *, source: str, ingested_at: datetime
) -> int:
    """Insert or update every row of ``tables`` (columns :data:`COLUMNS`); return rows changed.

    The tables must not repeat a ``(series_id, ts)`` pair. Runs in the session's transaction.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _postgres(session, tables, source=source, ingested_at=ingested_at)
    if dialect == "sqlite":
        return _sqlite(session, tables, source=source, ingested_at=ingested_at)
    written = 0
    for table in tables:
        rows = [
            {**row, "source": source, "ingested_at": ingested_at}
            for row in table.select(list(COLUMNS)).to_pylist()
        ]
        written += observations.upsert(session, rows)
    return written


def _csv_bytes(table: pa.Table) -> bytes:
    """A table's rows as headerless CSV, as COPY reads them."""
    buffer = io.BytesIO()
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    pa_csv.write_csv(table.select(list(COLUMNS)), buffer, write_options=options)
    return buffer.getvalue()


def _postgres(
    session: Session, tables: Iterable[pa.Table], *, source: str, ingested_at: datetime
) -> int:
    """COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT."""
    connection = session.connection()
    raw: Any = connection.connection.driver_connection
    stage = f"observation_stage_{uuid.uuid4().hex[:12]}"
    changed = " OR ".join(f"o.{name} IS DISTINCT FROM EXCLUDED.{name}" for name in UPDATED)
    assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*UPDATED, "ingested_at"))
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {stage} (series_id integer NOT NULL, "
        "ts timestamptz NOT NULL, value double precision NOT NULL, open double precision, "
        "high double precision, low double precision, volume double precision) "
        "ON COMMIT DROP"
    )
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {stage} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv)") as copy,
    ):
        for table in tables:
            copy.write(_csv_bytes(table))
    result = connection.exec_driver_sql(
        "INSERT INTO observation AS o (series_id, ts, source, value, open, high, low, "
        "volume, is_synthetic, ingested_at) "
        "SELECT series_id, ts, %(source)s, value, open, high, low, volume, false, "
        f"%(ingested_at)s FROM {stage} "
        f"ON CONFLICT (series_id, ts, source) DO UPDATE SET {assignments} WHERE {changed}",
        {"source": source, "ingested_at": ingested_at},
    )
    connection.exec_driver_sql(f"DROP TABLE {stage}")
    return max(int(result.rowcount), 0)


def _sqlite_rows(table: pa.Table, source: str, ingested: str) -> list[tuple[Any, ...]]:
    """A table's rows as parameter tuples, timestamps in SQLAlchemy's SQLite format."""
    naive = table["ts"].cast(pa.timestamp("us"))  # as text: "YYYY-MM-DD HH:MM:SS.ffffff"
    columns = [
        table["series_id"].to_pylist(),
        naive.cast(pa.string()).to_pylist(),
        repeat(source),
        *(table[name].to_pylist() for name in MEASURES),
        repeat(ingested),
    ]
    return list(zip(*columns, strict=False))


def _sqlite(
    session: Session, tables: Iterable[pa.Table], *, source: str, ingested_at: datetime
) -> int:
    """One prepared upsert run by executemany per batch."""
    connection = session.connection()
    changed = " OR ".join(f"observation.{name} IS NOT excluded.{name}" for name in UPDATED)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in (*UPDATED, "ingested_at"))
    statement = (
        "INSERT INTO observation (series_id, ts, source, value, open, high, low, volume, "
        "is_synthetic, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?) "
        f"ON CONFLICT (series_id, ts, source) DO UPDATE SET {assignments} WHERE {changed}"
    )
    ingested = ingested_at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    written = 0
    for table in tables:
        if not table.num_rows:
            continue
        result = connection.exec_driver_sql(statement, _sqlite_rows(table, source, ingested))
        written += max(int(result.rowcount), 0)
    return written
