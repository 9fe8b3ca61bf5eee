"""``/v1/datasets``: tabular uploads checked at once, stored as versions, read back."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from preditiva.api.app import create_app
from preditiva.core.settings import Settings
from preditiva.services import datasets
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from tests.support.backends import fast_settings

AMES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "house_prices_ames.parquet"
SMALL = b"size,rooms,kind,price\n" + b"50,2,flat,100\n80,3,house,170\n65,2,flat,130\n" * 10


def _settings(tmp_path: Path, database_url: str | None = None, **overrides: object) -> Settings:
    """Migrated settings under ``tmp_path``."""
    settings = fast_settings(tmp_path / "home", database_url=database_url, **overrides)
    upgrade(settings.effective_database_url)
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A fresh SQLite platform (uploads are checked in the request: no worker needed)."""
    return _settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of the API on ``settings``."""
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def ames_csv() -> bytes:
    """The first 300 Ames sales as CSV."""
    return pd.read_parquet(AMES).head(300).to_csv(index=False).encode()


def upload(client: TestClient, data: bytes, filename: str, **fields: str) -> httpx.Response:
    return client.post("/v1/datasets", files={"file": (filename, data)}, data=fields)


def error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def leftovers(settings: Settings) -> list[str]:
    uploads = settings.uploads_dir
    return sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []


def test_parquet_upload_answers_201_with_schema_and_stores_the_rows(
    client: TestClient, settings: Settings
) -> None:
    response = upload(client, AMES.read_bytes(), "ames.parquet", name="ames", target="Sale_Price")

    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/datasets/ames/versions/1"
    body = response.json()
    assert (body["name"], body["version"], body["task"], body["format"]) == (
        "ames",
        1,
        "regression",
        "parquet",
    )
    assert (body["n_rows"], body["n_rejected"], body["problem_count"]) == (2930, 0, 0)
    assert body["roles"]["target"] == ["Sale_Price"]
    assert {"Gr_Liv_Area", "Year_Built"} <= set(body["roles"]["numeric"])
    assert "Neighborhood" in body["roles"]["categorical"]
    assert len(body["schema"]["columns"]) == body["n_columns"] == 74
    assert (
        body["artifact_uri"].endswith(".parquet") and "/datasets/ames/v1-" in body["artifact_uri"]
    )
    with get_session_factory(settings)() as session:
        frame = datasets.load_frame(session, settings, "ames")
    assert frame.shape == (2930, 74)
    assert leftovers(settings) == []


def test_csv_rows_with_problems_are_left_out_and_listed_by_file_row(
    client: TestClient, ames_csv: bytes
) -> None:
    lines = ames_csv.decode().splitlines()
    header = lines[0].split(",")
    price, area = header.index("Sale_Price"), header.index("Lot_Area")

    def spoil(line_number: int, column: int, value: str) -> None:
        cells = lines[line_number - 1].split(",")
        cells[column] = value
        lines[line_number - 1] = ",".join(cells)

    spoil(5, price, "")  # file row 5: no target
    spoil(9, area, "lots")  # file row 9: not a number
    lines[11] = "1,2,3"  # file row 12: wrong number of fields
    data = ("\n".join(lines) + "\n").encode()

    response = upload(client, data, "ames.csv", name="ames-csv", target="Sale_Price")

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["n_rows"], body["n_rejected"], body["problem_count"]) == (297, 3, 3)
    assert [(p["row"], p["field"]) for p in body["problems"]] == [
        (5, "Sale_Price"),
        (9, "Lot_Area"),
        (12, None),
    ]
    assert "target value missing" in body["problems"][0]["message"]
    assert "lots" in body["problems"][1]["message"]
    assert "expected 74 fields, found 3" in body["problems"][2]["message"]
    numeric = {c["name"]: c["dtype"] for c in body["schema"]["columns"]}
    assert numeric["Lot_Area"] == "float64"


def test_strict_mode_refuses_the_whole_file_and_stores_nothing(
    client: TestClient, settings: Settings
) -> None:
    data = SMALL + b"70,two,flat,150\n"

    response = upload(client, data, "homes.csv", name="homes", target="price", strict="true")

    assert response.status_code == 422
    assert error(response)["message"].startswith("strict mode: 1 problem(s) in homes.csv")
    assert error(response)["details"] == [
        {"row": 32, "field": "rooms", "message": "expected a number, got text 'two'"}
    ]
    assert client.get("/v1/datasets/homes").status_code == 404
    assert leftovers(settings) == []


@pytest.mark.parametrize(
    ("filename", "data", "fields", "field", "words"),
    [
        ("empty.csv", b"", {}, "file", "the file is empty"),
        ("header.csv", b"size,price\n", {}, "file", "header but no rows"),
        ("broken.parquet", b"not parquet at all", {}, "file", "cannot read the file as Parquet"),
        ("homes.txt", SMALL, {}, "filename", "upload a .csv or .parquet file"),
        ("homes.csv", SMALL, {"target": "Price"}, "target", "did you mean 'price'?"),
        ("homes.csv", SMALL, {"name": "bad name"}, "name", "invalid dataset name"),
        ("homes.csv", SMALL, {"task": "forecast"}, "task", "invalid dataset upload"),
    ],
)
def test_unusable_uploads_are_422_naming_the_problem(
    client: TestClient,
    settings: Settings,
    filename: str,
    data: bytes,
    fields: dict[str, str],
    field: str,
    words: str,
) -> None:
    response = upload(client, data, filename, **({"name": "homes", "target": "price"} | fields))

    assert response.status_code == 422, response.text
    assert words in error(response)["message"]
    assert error(response)["details"][0]["field"] == field
    assert leftovers(settings) == []


def test_semicolon_csv_with_decimal_commas_reads_numbers(client: TestClient) -> None:
    data = b"area;kind;price\n" + b"".join(
        f"{50 + i},5;{'flat' if i % 2 else 'house'};1.{i:03d},25\n".encode() for i in range(30)
    )

    response = upload(client, data, "homes.csv", name="homes", target="price")

    assert response.status_code == 201, response.text
    dtypes = {c["name"]: (c["role"], c["dtype"]) for c in response.json()["schema"]["columns"]}
    assert dtypes["area"] == ("numeric", "float64")
    assert dtypes["price"] == ("target", "float64")


def test_a_file_over_the_dataset_limit_is_413(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, max_dataset_mb=0.001))) as client:
        response = upload(client, SMALL * 50, "homes.csv", name="homes", target="price")

    assert response.status_code == 413
    assert "PREDITIVA_MAX_DATASET_MB" in error(response)["message"]


def test_uploading_a_name_again_makes_version_2_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    settings = _settings(tmp_path, postgres_url)
    parquet = io.BytesIO()
    pd.read_csv(io.BytesIO(SMALL)).to_parquet(parquet)
    with TestClient(create_app(settings)) as client:
        first = upload(client, SMALL, "homes.csv", name="homes", target="price")
        second = upload(client, parquet.getvalue(), "homes.parquet", name="homes", target="price")
        listing = client.get("/v1/datasets").json()["items"]
        detail = client.get("/v1/datasets/homes").json()
        old = client.get("/v1/datasets/homes/versions/1")
        missing = client.get("/v1/datasets/homes/versions/3")
        unknown = client.get("/v1/datasets/nobody")

    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert second.json()["version"] == 2
    assert [(item["name"], item["version"], item["versions"]) for item in listing] == [
        ("homes", 2, 2)
    ]
    assert (detail["version"], detail["format"]) == (2, "parquet")
    assert [(v["version"], v["format"]) for v in detail["versions"]] == [(1, "csv"), (2, "parquet")]
    assert old.status_code == 200 and old.json()["format"] == "csv"
    assert missing.status_code == 404 and "no version 3" in error(missing)["message"]
    assert unknown.status_code == 404 and "POST /v1/datasets" in error(unknown)["message"]
