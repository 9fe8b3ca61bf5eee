"""Reading files of rows to predict: headers, chunks, numbers, skipped lines, reading ahead."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from preditiva.core.errors import DataValidationError
from preditiva.data.prediction_files import inspect_rows, read_ahead, read_chunks


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_csv_is_read_in_chunks_with_numbers_converted_and_row_positions(tmp_path: Path) -> None:
    lines = ["id,area,kind", *(f"r{i},{i}.5,flat" for i in range(10))]
    file = inspect_rows(write_csv(tmp_path / "rows.csv", "\n".join(lines) + "\n"))

    chunks = list(
        read_chunks(file, ["area", "kind"], chunk_rows=4, numeric=["area"], id_column="id")
    )

    assert [len(c.frame) for c in chunks] == [4, 4, 2]
    assert [c.first_row for c in chunks] == [0, 4, 8]
    assert chunks[0].frame["area"].dtype == "float64"
    assert chunks[1].frame["area"].tolist() == [4.5, 5.5, 6.5, 7.5]
    assert chunks[2].ids is not None and chunks[2].ids.to_pylist() == ["r8", "r9"]
    assert chunks[-1].fraction == 1.0


def test_a_number_column_with_text_in_a_chunk_stays_text_for_that_chunk(tmp_path: Path) -> None:
    body = "area\n1\n2\nbig\n4\n"
    file = inspect_rows(write_csv(tmp_path / "rows.csv", body))

    first, second = read_chunks(file, ["area"], chunk_rows=2, numeric=["area"])

    assert first.frame["area"].tolist() == [1.0, 2.0]
    assert second.frame["area"].tolist() == ["big", "4"]


def test_blank_cells_are_null_not_text(tmp_path: Path) -> None:
    file = inspect_rows(write_csv(tmp_path / "rows.csv", "area,kind\n,\n2,flat\n"))

    (chunk,) = read_chunks(file, ["area", "kind"], chunk_rows=10, numeric=["area"])

    assert chunk.frame["area"].isna().tolist() == [True, False]
    assert chunk.frame["kind"].isna().tolist() == [True, False]


def test_lines_with_the_wrong_number_of_fields_are_skipped_with_their_line(tmp_path: Path) -> None:
    file = inspect_rows(write_csv(tmp_path / "rows.csv", "a,b\n1,2\n3\n4,5\n6,7,8\n"))

    chunks = list(read_chunks(file, ["a", "b"], chunk_rows=10))

    assert sum(len(c.frame) for c in chunks) == 2
    skipped = [line for chunk in chunks for line in chunk.skipped]
    assert [(s.line, s.expected, s.found) for s in skipped] == [(3, 2, 1), (5, 2, 3)]
    assert skipped[0].message == "expected 2 fields, found 1; the line was skipped"


def test_parquet_is_read_in_batches_with_its_own_types(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": range(5), "area": [1.0, 2, 3, 4, 5], "kind": list("abcde")})
    frame.to_parquet(tmp_path / "rows.parquet")
    file = inspect_rows(tmp_path / "rows.parquet")

    chunks = list(read_chunks(file, ["area", "kind"], chunk_rows=2, id_column="id"))

    assert (file.format, file.rows) == ("parquet", 5)
    assert [c.first_row for c in chunks] == [0, 2, 4]
    assert [c.fraction for c in chunks] == [0.4, 0.8, 1.0]
    assert chunks[0].ids is not None and chunks[0].ids.type == pa.int64()
    assert chunks[2].frame["kind"].tolist() == ["e"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("header.csv", b"a,b\n", "no rows"),
        ("twice.csv", b"a,a\n1,2\n", "used twice"),
        ("broken.parquet", b"not parquet at all", "cannot read the file as Parquet"),
        ("rows.txt", b"a\n1\n", "unsupported file type"),
    ],
)
def test_unusable_files_are_a_422_saying_why(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(DataValidationError, match=message):
        inspect_rows(path)


def test_a_parquet_file_without_rows_is_refused(tmp_path: Path) -> None:
    pq.write_table(pa.table({"a": pa.array([], pa.int64())}), tmp_path / "none.parquet")

    with pytest.raises(DataValidationError, match="no rows"):
        inspect_rows(tmp_path / "none.parquet")


def test_read_ahead_yields_everything_in_order() -> None:
    assert list(read_ahead(iter(range(50)))) == list(range(50))


def test_read_ahead_raises_the_readers_error_in_the_consumer() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("bad block")

    items = read_ahead(broken())

    assert next(items) == 1
    with pytest.raises(ValueError, match="bad block"):
        next(items)


def test_read_ahead_stops_the_reader_when_the_consumer_stops() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            number = 0
            while True:
                yield number
                number += 1
        finally:
            closed.set()

    items = read_ahead(endless())
    assert next(items) == 0
    items.close()

    assert closed.wait(5)


def test_numbers_may_use_a_decimal_comma_in_a_semicolon_file(tmp_path: Path) -> None:
    file = inspect_rows(write_csv(tmp_path / "rows.csv", "area;kind\n1.234,5;a\n7;b\n"))

    (chunk,) = read_chunks(file, ["area", "kind"], chunk_rows=10, numeric=["area"])

    assert chunk.frame["area"].tolist() == [1234.5, 7.0]
