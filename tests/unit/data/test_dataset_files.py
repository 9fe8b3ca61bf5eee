"""Reading dataset files whole: text columns (blank and NA missing), row numbers, refusals."""

from pathlib import Path

import pandas as pd
import pytest

from preditiva.core.errors import DataValidationError
from preditiva.data.dataset_files import read_dataset


def test_csv_columns_are_read_as_text_so_types_are_decided_later(tmp_path: Path) -> None:
    path = tmp_path / "homes.csv"
    path.write_text("size,price\n50,100\n60,lots\n,NA\n")

    read = read_dataset(path)

    assert read.frame["size"].tolist() == ["50", "60", None]
    assert read.frame["price"].tolist() == ["100", "lots", None]
    assert read.rows.tolist() == [2, 3, 4]


def test_rows_with_the_wrong_number_of_fields_are_skipped_and_numbered(tmp_path: Path) -> None:
    path = tmp_path / "homes.csv"
    path.write_text("size,price\n50,100\n1,2,3\n60,110\n70\n80,130\n")

    read = read_dataset(path)

    assert read.frame["size"].tolist() == ["50", "60", "80"]
    assert read.rows.tolist() == [2, 4, 6]
    assert read.malformed_count == 2
    assert [(p["row"], p["message"]) for p in read.malformed] == [
        (3, "expected 2 fields, found 3"),
        (5, "expected 2 fields, found 1"),
    ]


def test_semicolon_files_may_use_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "homes.csv"
    path.write_text("size;price;kind\n50,5;1.234,5;a,b\n60;99;c\n", encoding="cp1252")

    read = read_dataset(path)

    assert read.frame["size"].tolist() == ["50.5", "60"]
    assert read.frame["price"].tolist() == ["1234.5", "99"]
    assert read.frame["kind"].tolist() == ["a,b", "c"]


def test_parquet_keeps_its_types_and_numbers_rows_from_zero(tmp_path: Path) -> None:
    path = tmp_path / "homes.parquet"
    pd.DataFrame(
        {"size": [50, 60], "sold": pd.to_datetime(["2024-01-02", "2024-02-03"])}
    ).to_parquet(path)

    read = read_dataset(path)

    assert str(read.frame["size"].dtype) == "int64"
    assert str(read.frame["sold"].dtype).startswith("datetime64")
    assert read.rows.tolist() == [0, 1]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"  \n\n", "the file is empty"),
        ("header.csv", b"size,price\n", "a header but no rows"),
        ("bad.parquet", b"PAR1 nonsense", "cannot read the file as Parquet"),
    ],
)
def test_unusable_files_are_refused_saying_why(
    tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(DataValidationError, match=words):
        read_dataset(path)
