"""Importing price files into observations on SQLite and PostgreSQL: all good rows or nothing."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.errors import JobCancelledError
from preditiva.services import series as series_service
from preditiva.services.imports import ImportOptions, ImportReport, run_import
from preditiva.storage.db.models import Observation, Series
from preditiva.storage.db.repositories import observations as observations_repo

GOOD = (
    "key,ts,value,volume\n"
    "PETR4.SA,2024-01-02,37.5,1000\n"
    "PETR4.SA,2024-01-03,37.9,1200\n"
    "PETR4.SA,2024-01-04,38.1,900\n"
    "VALE3,2024-01-02,61.0,\n"
)


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    """Where imports stage their good rows."""
    return tmp_path / "staging"


def add_series(factory: sessionmaker[Session], *keys: str) -> None:
    with factory.begin() as session:
        for key in keys:
            series_service.create(session, key=key)


def csv_file(tmp_path: Path, body: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def do_import(
    factory: sessionmaker[Session], path: Path, staging: Path, **options: Any
) -> ImportReport:
    return run_import(
        path, transaction=factory.begin, options=ImportOptions(**options), staging_dir=staging
    )


def stored(factory: sessionmaker[Session]) -> list[tuple[str, datetime, float, str]]:
    with factory() as session:
        rows = session.execute(
            select(Series.key, Observation.ts, Observation.value, Observation.source)
            .join(Series, Series.id == Observation.series_id)
            .order_by(Series.key, Observation.ts)
        ).all()
    return [(key, ts, value, source) for key, ts, value, source in rows]


def series_keys(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(Series.key).order_by(Series.key)))


def test_good_file_loads_every_row_and_detects_frequency(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    add_series(factory, "PETR4.SA", "VALE3")

    report = do_import(factory, csv_file(tmp_path, GOOD), staging)

    assert report.outcome == "loaded"
    assert (report.rows_read, report.rows_written, report.rows_unchanged) == (4, 4, 0)
    assert (report.rows_rejected, report.problem_count, report.problems) == (0, 0, [])
    assert stored(factory)[0] == ("PETR4.SA", datetime(2024, 1, 2, tzinfo=UTC), 37.5, "import")
    with factory() as session:
        petr = series_service.get(session, "PETR4.SA")
        assert petr.frequency == "D"
        [first, *_] = observations_repo.fetch_range(session, petr.id)
        assert first.volume == 1000.0
    assert list(staging.iterdir()) == []


def test_bad_rows_are_reported_while_good_rows_load(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    add_series(factory, "A")
    body = "key,ts,value\nA,2024-01-01,1\nA,not-a-date,2\nA,2024-01-03,-5\nA,2024-01-04,4\n"

    report = do_import(factory, csv_file(tmp_path, body), staging)

    assert report.outcome == "partial"
    assert (report.rows_read, report.rows_written, report.rows_rejected) == (4, 2, 2)
    assert report.problem_count == 2
    assert [(p["row"], p["column"]) for p in report.problems] == [(3, "ts"), (4, "value")]
    assert [value for _, _, value, _ in stored(factory)] == [1.0, 4.0]


def test_strict_mode_rejects_the_whole_file_and_creates_nothing(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    body = "key,ts,value\nNEW,2024-01-01,1\nNEW,2024-01-02,0\n"

    report = do_import(factory, csv_file(tmp_path, body), staging, strict=True, create_series=True)

    assert report.outcome == "rejected"
    assert report.strict is True
    assert (report.rows_written, report.rows_rejected, report.problem_count) == (0, 2, 1)
    assert stored(factory) == []
    assert series_keys(factory) == []


def test_importing_the_same_file_twice_changes_nothing(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    add_series(factory, "PETR4.SA", "VALE3")
    path = csv_file(tmp_path, GOOD)
    do_import(factory, path, staging)
    before = stored(factory)

    again = do_import(factory, path, staging)

    assert (again.rows_written, again.rows_unchanged, again.outcome) == (0, 4, "loaded")
    assert stored(factory) == before


def test_reimport_with_a_changed_price_writes_only_that_row(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    add_series(factory, "PETR4.SA", "VALE3")
    do_import(factory, csv_file(tmp_path, GOOD), staging)

    changed = do_import(factory, csv_file(tmp_path, GOOD.replace("37.9", "40.0")), staging)

    assert (changed.rows_written, changed.rows_unchanged) == (1, 3)
    assert ("PETR4.SA", datetime(2024, 1, 3, tzinfo=UTC), 40.0, "import") in stored(factory)


def test_unknown_series_is_one_problem_per_key_and_its_rows_are_skipped(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    add_series(factory, "PETR4.SA")

    report = do_import(factory, csv_file(tmp_path, GOOD), staging)

    assert report.outcome == "partial"
    assert (report.rows_written, report.rows_rejected, report.problem_count) == (3, 1, 1)
    [problem] = report.problems
    assert (problem["row"], problem["column"]) == (5, "key")
    assert "unknown series 'VALE3'" in problem["message"]
    assert "create_series" in problem["message"]
    assert series_keys(factory) == ["PETR4.SA"]


def test_create_series_creates_the_missing_ones(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    add_series(factory, "PETR4.SA")

    report = do_import(factory, csv_file(tmp_path, GOOD), staging, create_series=True)

    assert report.outcome == "loaded"
    assert (report.series_created, report.created_series) == (1, ["VALE3"])
    assert series_keys(factory) == ["PETR4.SA", "VALE3"]
    assert len(stored(factory)) == 4


def test_create_series_refuses_keys_that_cannot_name_a_series(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    body = "key,ts,value\nok-key,2024-01-01,1\nbad key!,2024-01-01,2\n"

    report = do_import(factory, csv_file(tmp_path, body), staging, create_series=True)

    assert series_keys(factory) == ["ok-key"]
    [problem] = report.problems
    assert "invalid series key 'bad key!'" in problem["message"]
    assert report.rows_rejected == 1


def test_wide_file_with_custom_source(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    body = "date,BTC,ETH\n2024-01-01,42000,2300\n2024-01-02,43000,\n"

    report = do_import(
        factory, csv_file(tmp_path, body), staging, create_series=True, source="exchange"
    )

    assert (report.shape, report.file_rows, report.rows_written) == ("wide", 2, 3)
    assert {source for *_, source in stored(factory)} == {"exchange"}


def test_file_of_many_chunks_imports_fully_with_rising_progress(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    lines = [f"S{i % 5},2024-01-01T{i // 60 % 24:02d}:{i % 60:02d}:00,{i + 1}" for i in range(1000)]
    path = csv_file(tmp_path, "key,ts,value\n" + "\n".join(lines) + "\n")
    seen: list[float] = []

    report = run_import(
        path,
        transaction=factory.begin,
        options=ImportOptions(create_series=True, chunk_rows=64),
        staging_dir=staging,
        progress=lambda fraction, _message: seen.append(fraction),
    )

    assert (report.rows_read, report.rows_written, report.series_created) == (1000, 1000, 5)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 1000
    assert len(seen) >= 16
    assert seen == sorted(seen)
    assert seen[-1] == pytest.approx(0.8)


def test_parquet_file_imports(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    path = tmp_path / "prices.parquet"
    stamps = pa.array([datetime(2024, 1, d, tzinfo=UTC) for d in (1, 2)], pa.timestamp("us"))
    pq.write_table(pa.table({"key": ["X", "X"], "ts": stamps, "value": [1.0, 2.0]}), path)

    report = do_import(factory, path, staging, create_series=True)

    assert (report.format, report.rows_written) == ("parquet", 2)


def test_cancel_while_checking_writes_nothing(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    lines = [f"S1,2024-01-01T00:{i // 60:02d}:{i % 60:02d},{i + 1}" for i in range(300)]
    path = csv_file(tmp_path, "key,ts,value\n" + "\n".join(lines) + "\n")
    calls = 0

    def cancel_on_second_chunk() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise JobCancelledError("cancel requested")

    with pytest.raises(JobCancelledError):
        run_import(
            path,
            transaction=factory.begin,
            options=ImportOptions(create_series=True, chunk_rows=100),
            staging_dir=staging,
            check_cancelled=cancel_on_second_chunk,
        )

    assert stored(factory) == []
    assert series_keys(factory) == []
    assert list(staging.iterdir()) == []


@contextmanager
def refusing_value(factory: sessionmaker[Session], value: float) -> Iterator[None]:
    """A real trigger that makes the database refuse any observation with this value."""
    dialect = factory.kw["bind"].dialect.name
    with factory.begin() as session:
        if dialect == "postgresql":
            session.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.value = {value} THEN RAISE EXCEPTION 'refused value'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON observation "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON observation "
                    f"WHEN NEW.value = {value} BEGIN SELECT RAISE(ABORT, 'refused value'); END"
                )
            )
    yield


def test_nothing_is_half_written_when_the_write_fails(
    factory: sessionmaker[Session], tmp_path: Path, staging: Path
) -> None:
    lines = [f"S{i % 4},2024-01-01T00:{i // 60:02d}:{i % 60:02d},{i + 1}" for i in range(400)]
    path = csv_file(tmp_path, "key,ts,value\n" + "\n".join(lines) + "\n")

    with refusing_value(factory, 400), pytest.raises(DatabaseError, match="refused value"):
        do_import(factory, path, staging, create_series=True, chunk_rows=50)

    assert stored(factory) == []
    assert series_keys(factory) == []
    assert list(staging.iterdir()) == []
