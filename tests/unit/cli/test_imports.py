"""``preditiva import FILE`` through Typer's runner, in-process on an embedded database."""

from pathlib import Path

from sqlalchemy import func, select

from preditiva.storage.db.models import Observation, Series
from tests.support.backends import Backend
from tests.support.cli import Invoke

GOOD = "key,ts,value\nPETR4.SA,2024-01-02,37.5\nPETR4.SA,2024-01-03,37.9\n"


def count(platform: Backend, model: type[Observation] | type[Series]) -> int:
    with platform.factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def csv_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(body)
    return path


def test_import_loads_the_file_and_prints_the_counts(
    cli: Invoke, platform: Backend, tmp_path: Path
) -> None:
    result = cli("import", str(csv_file(tmp_path, GOOD)), "--create-series")

    assert result.exit_code == 0, result.output
    assert "prices.csv (csv, long format): loaded" in result.output
    assert "written (new or changed)  2" in result.output
    assert "series created            1" in result.output
    assert count(platform, Observation) == 2


def test_problems_are_listed_in_a_table_and_good_rows_still_load(
    cli: Invoke, platform: Backend, tmp_path: Path
) -> None:
    body = GOOD + "PETR4.SA,2024-01-04,-1\n"

    result = cli("import", str(csv_file(tmp_path, body)), "--create-series")

    assert result.exit_code == 0, result.output
    assert "partial" in result.output
    assert "prices must be greater than 0, got -1" in result.output
    assert count(platform, Observation) == 2


def test_strict_rejection_exits_2_and_writes_nothing(
    cli: Invoke, platform: Backend, tmp_path: Path
) -> None:
    body = GOOD + "PETR4.SA,someday,1\n"

    result = cli("import", str(csv_file(tmp_path, body)), "--strict", "--create-series")

    assert result.exit_code == 2
    assert "nothing was written" in result.output
    assert (count(platform, Observation), count(platform, Series)) == (0, 0)


def test_unknown_series_without_create_series_exits_2(
    cli: Invoke, platform: Backend, tmp_path: Path
) -> None:
    result = cli("import", str(csv_file(tmp_path, GOOD)), "--source", "broker")

    assert result.exit_code == 2
    assert "unknown series 'PETR4.SA'" in result.output
    assert count(platform, Observation) == 0


def test_missing_column_exits_2_with_a_clear_message(cli: Invoke, tmp_path: Path) -> None:
    result = cli("import", str(csv_file(tmp_path, "key,value\nA,1\n")))

    assert result.exit_code == 2
    assert "no timestamp column" in result.output
