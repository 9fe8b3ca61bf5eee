"""Reading price files chunk by chunk: layouts, row-level problems, chunking and Parquet."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from preditiva.core.errors import DataValidationError
from preditiva.data.price_files import PriceFile, format_of, inspect
from preditiva.data.price_problems import Problem


def write(tmp_path: Path, text: str, name: str = "prices.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read_all(path: Path, **options: Any) -> tuple[PriceFile, list[dict[str, Any]]]:
    """Every good observation of a file, with the reader (for its problems and counts)."""
    source = PriceFile(path, **options)
    rows: list[dict[str, Any]] = []
    for chunk in source.chunks():
        rows += chunk.observations.to_pylist()
    return source, rows


def problems(source: PriceFile) -> list[tuple[int | None, str | None]]:
    return [(problem.row, problem.column) for problem in source.problems.items]


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_long_csv_yields_one_observation_per_row_with_optional_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "key,ts,value,open,high,low,volume\n"
        "PETR4.SA,2024-01-02,37.5,37,38,36.5,1000\n"
        "VALE3,2024-01-02,61.2,,,,\n",
    )

    source, rows = read_all(path)

    assert source.layout.shape == "long"
    assert [row["key"] for row in rows] == ["PETR4.SA", "VALE3"]
    assert rows[0] | {"ts": None} == {
        "key": "PETR4.SA",
        "ts": None,
        "value": 37.5,
        "open": 37.0,
        "high": 38.0,
        "low": 36.5,
        "volume": 1000.0,
        "row": 2,
    }
    assert (rows[1]["open"], rows[1]["volume"]) == (None, None)
    assert source.problems.total == 0


def test_column_names_are_case_insensitive_with_date_and_close_aliases(tmp_path: Path) -> None:
    path = write(tmp_path, "Symbol,KEY,Date,Close,Adj Close\nx,BTC,2024-01-01,42000,41000\n")

    source, rows = read_all(path)

    assert (source.layout.key, source.layout.ts) == ("KEY", "Date")
    assert source.layout.roles == {"value": "Close"}
    assert source.layout.ignored == ["Symbol", "Adj Close"]
    assert [(row["key"], row["value"]) for row in rows] == [("BTC", 42000.0)]


def test_naive_times_are_utc_and_aware_times_are_converted_to_utc(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "key,timestamp,price\nA,2024-01-02 10:00,1\nA,2024-01-02T10:00:00-03:00,2\n"
        "A,2024-01-03T00:00:00Z,3\n",
    )

    _, rows = read_all(path)

    assert [row["ts"] for row in rows] == [
        datetime(2024, 1, 2, 10, tzinfo=UTC),
        datetime(2024, 1, 2, 13, tzinfo=UTC),
        datetime(2024, 1, 3, tzinfo=UTC),
    ]


def test_wide_csv_yields_one_observation_per_filled_cell(tmp_path: Path) -> None:
    path = write(tmp_path, "date,PETR4.SA,VALE3\n2024-01-02,37.5,61\n2024-01-03,,62\n")

    source, rows = read_all(path)

    assert source.layout.shape == "wide"
    assert source.layout.series == ["PETR4.SA", "VALE3"]
    assert [(row["key"], row["ts"], row["value"], row["row"]) for row in rows] == [
        ("PETR4.SA", day("2024-01-02"), 37.5, 2),
        ("VALE3", day("2024-01-02"), 61.0, 2),
        ("VALE3", day("2024-01-03"), 62.0, 3),
    ]


def test_semicolon_files_accept_decimal_commas(tmp_path: Path) -> None:
    path = write(tmp_path, "key;ts;value\nprod-1;2024-01-02;1.234,56\nprod-1;2024-01-03;7,5\n")

    _, rows = read_all(path)

    assert [row["value"] for row in rows] == [1234.56, 7.5]


def test_windows_1252_files_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, "ts,café\n2024-01-02,3\n", encoding="cp1252")

    source, rows = read_all(path)

    assert source.layout.series == ["café"]
    assert rows[0]["value"] == 3.0


def test_unparsable_date_names_row_column_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, "key,date,value\nA,2024-01-02,1\nA,31/01/2024,2\nA,2024-01-04,3\n")

    source, rows = read_all(path)

    assert len(rows) == 2
    [problem] = source.problems.items
    assert (problem.row, problem.column) == (3, "date")
    assert "unparsable date '31/01/2024'" in problem.message
    assert "ISO 8601" in problem.message


def test_unparsable_number_is_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "key,ts,value,volume\nA,2024-01-02,abc,1\nA,2024-01-03,2,lots\n")

    source, rows = read_all(path)

    assert rows == []
    assert [str(problem) for problem in source.problems.items] == [
        "row 2, column 'value': unreadable number 'abc'",
        "row 3, column 'volume': unreadable number 'lots'",
    ]


@pytest.mark.parametrize("price", ["0", "-3.5"])
def test_non_positive_price_is_a_problem(tmp_path: Path, price: str) -> None:
    path = write(tmp_path, f"key,ts,value\nA,2024-01-02,{price}\n")

    source, rows = read_all(path)

    assert rows == []
    [problem] = source.problems.items
    assert problem.column == "value"
    assert "greater than 0" in problem.message


def test_non_positive_open_high_low_are_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "key,ts,value,open,high,low\nA,2024-01-02,5,0,-1,-2\n")

    source, _ = read_all(path)

    assert problems(source) == [(2, "open"), (2, "high"), (2, "low")]


def test_zero_volume_is_fine_but_negative_volume_is_not(tmp_path: Path) -> None:
    path = write(tmp_path, "key,ts,value,volume\nA,2024-01-02,5,0\nA,2024-01-03,5,-1\n")

    source, rows = read_all(path)

    assert [row["volume"] for row in rows] == [0.0]
    assert problems(source) == [(3, "volume")]
    assert "volume must be 0 or more" in source.problems.items[0].message


def test_missing_key_timestamp_and_value_are_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "key,ts,value\n,2024-01-02,1\nA,,1\nA,2024-01-02,\n,,\n")

    source, rows = read_all(path)

    assert rows == []
    assert [(p.row, p.column, p.message) for p in source.problems.items] == [
        (2, "key", "missing series key"),
        (3, "ts", "missing timestamp"),
        (4, "value", "missing value"),
    ]
    assert source.file_rows == 4


def test_duplicate_key_and_ts_keeps_the_first_and_names_it(tmp_path: Path) -> None:
    text = "key,ts,value\n" + "".join(f"A,2024-01-{d:02d},{d}\n" for d in range(1, 11))
    path = write(tmp_path, text + "B,2024-01-01,1\nA,2024-01-03,99\n")

    source, rows = read_all(path, chunk_rows=4)

    assert len(rows) == 11
    [problem] = source.problems.items
    assert (problem.row, problem.column) == (13, "ts")
    assert "duplicate of row 4" in problem.message
    assert "'A'" in problem.message


def test_duplicate_timestamp_in_a_wide_file_is_reported_per_series(tmp_path: Path) -> None:
    path = write(tmp_path, "ts,A,B\n2024-01-01,1,2\n2024-01-01,3,\n")

    source, rows = read_all(path)

    assert [(row["key"], row["value"]) for row in rows] == [("A", 1.0), ("B", 2.0)]
    assert problems(source) == [(3, "A")]


def test_row_with_wrong_number_of_fields_is_reported_and_later_rows_keep_their_numbers(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "key,ts,value\nA,2024-01-01,1\nA,2024-01-02,2,oops\nA,bad,3\n")

    source, rows = read_all(path)

    assert len(rows) == 1
    assert problems(source) == [(3, None), (4, "ts")]
    assert source.problems.items[0].message == "expected 3 fields, found 4"
    assert source.file_rows == 3


def test_only_the_first_100_problems_are_kept_but_all_are_counted(tmp_path: Path) -> None:
    text = "key,ts,value\n" + "".join(f"A,2024-01-01,bad{i}\n" for i in range(250))

    source, rows = read_all(path=write(tmp_path, text), chunk_rows=30)

    assert rows == []
    assert source.problems.total == 250
    assert len(source.problems.items) == 100
    assert [p.row for p in source.problems.items] == list(range(2, 102))


def test_chunks_never_exceed_the_chunk_size_and_cover_every_row(tmp_path: Path) -> None:
    text = "key,ts,value\n" + "".join(
        f"S{i % 3},2024-01-01T00:{i // 3:02d},{i + 1}\n" for i in range(50)
    )
    source = PriceFile(write(tmp_path, text), chunk_rows=7)

    chunks = list(source.chunks())

    assert [chunk.file_rows for chunk in chunks] == [7] * 7 + [1]
    rows = [row["row"] for chunk in chunks for row in chunk.observations.to_pylist()]
    assert rows == list(range(2, 52))
    assert source.fraction == 1.0


def test_wide_chunks_hold_about_chunk_size_values(tmp_path: Path) -> None:
    text = "ts,A,B,C,D\n" + "".join(f"2024-01-{d:02d},1,2,3,4\n" for d in range(1, 21))
    source = PriceFile(write(tmp_path, text), chunk_rows=8)

    chunks = list(source.chunks())

    assert {chunk.file_rows for chunk in chunks} == {2}
    assert sum(chunk.observations.num_rows for chunk in chunks) == 80


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="the file is empty"):
        inspect(write(tmp_path, ""))


def test_header_without_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="header but no rows"):
        inspect(write(tmp_path, "key,ts,value\n"))


def test_missing_timestamp_column_lists_found_and_expected_columns(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError) as caught:
        inspect(write(tmp_path, "key,when,value\nA,2024-01-01,1\n"))

    message = caught.value.message
    assert "no timestamp column" in message
    assert "'key', 'when', 'value'" in message
    assert "key, ts, value[, open, high, low, volume]" in message
    assert caught.value.details[0]["field"] == "ts"


def test_long_file_without_value_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="no value column"):
        inspect(write(tmp_path, "key,ts,amount\nA,2024-01-01,1\n"))


def test_ohlc_file_without_key_column_is_refused_not_read_as_wide(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="no key column"):
        inspect(write(tmp_path, "date,open,close\n2024-01-01,1,2\n"))


def test_unknown_extension_names_csv_and_parquet() -> None:
    with pytest.raises(DataValidationError, match=r"\.csv or \.parquet"):
        format_of("prices.xlsx")


def test_parquet_long_file_converts_times_and_numbers_rows_by_index(tmp_path: Path) -> None:
    path = tmp_path / "prices.parquet"
    stamps = pa.array([0, 86_400, 172_800], pa.timestamp("s", tz="America/Sao_Paulo"))
    table = pa.table({"Key": ["A", "A", "B"], "ts": stamps, "close": [1.5, float("nan"), 2]})
    pq.write_table(table, path, row_group_size=2)

    source, rows = read_all(path, chunk_rows=2)

    assert [(row["key"], row["ts"], row["value"], row["row"]) for row in rows] == [
        ("A", datetime(1970, 1, 1, tzinfo=UTC), 1.5, 0),
        ("B", datetime(1970, 1, 3, tzinfo=UTC), 2.0, 2),
    ]
    assert source.problems.items == [Problem(1, "close", "missing value")]


def test_parquet_wide_file_with_dates_and_integers(tmp_path: Path) -> None:
    path = tmp_path / "prices.parquet"
    dates = pa.array([datetime(2024, 1, 2).date(), datetime(2024, 1, 3).date()], pa.date32())
    pq.write_table(pa.table({"date": dates, "BTC": [40_000, None], "ETH": [2.5, 3.0]}), path)

    _, rows = read_all(path)

    assert [(row["key"], row["ts"], row["value"]) for row in rows] == [
        ("BTC", day("2024-01-02"), 40_000.0),
        ("ETH", day("2024-01-02"), 2.5),
        ("ETH", day("2024-01-03"), 3.0),
    ]


def test_parquet_column_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prices.parquet"
    pq.write_table(pa.table({"key": ["A"], "ts": [1_700_000_000], "value": [1.0]}), path)

    with pytest.raises(DataValidationError, match="column 'ts' holds int64"):
        inspect(path)
