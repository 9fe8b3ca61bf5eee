"""``POST /v1/imports`` without a worker: the upload is streamed, checked and queued, or refused."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from preditiva.api.app import create_app
from tests.support.backends import make_backend

GOOD = b"key,ts,value\nPETR4.SA,2024-01-02,37.5\nPETR4.SA,2024-01-03,37.9\n"
BOUNDARY = "preditiva-test-boundary"


@contextmanager
def api(home: Path, **overrides: object) -> Iterator[tuple[TestClient, Path]]:
    """An API on a fresh embedded platform (no worker), and its uploads folder."""
    with (
        make_backend("embedded", home, **overrides) as backend,
        TestClient(create_app(backend.settings)) as client,
    ):
        yield client, backend.settings.uploads_dir


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    """A client of an API with the default upload limit."""
    with api(tmp_path / "home") as pair:
        yield pair


def upload(client: TestClient, data: bytes, name: str = "prices.csv", **fields: str) -> Any:
    return client.post("/v1/imports", files={"file": (name, data, "text/csv")}, data=fields)


def leftovers(uploads: Path) -> list[str]:
    return sorted(path.name for path in uploads.iterdir()) if uploads.exists() else []


def error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_upload_is_stored_and_answered_with_a_queued_import_job(
    client: tuple[TestClient, Path],
) -> None:
    api_client, uploads = client

    response = upload(api_client, GOOD, "my prices.csv")

    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["state"], job["queue"]) == ("ingest.import_file", "queued", "ingest")
    params = job["params"]
    assert params["format"] == "csv"
    assert params["filename"] == "my prices.csv"
    assert (params["strict"], params["create_series"], params["source"]) == (False, False, "import")
    assert leftovers(uploads) == [params["path"]]
    assert (uploads / params["path"]).read_bytes() == GOOD


def test_form_fields_override_query_parameters(client: tuple[TestClient, Path]) -> None:
    api_client, _ = client

    response = api_client.post(
        "/v1/imports?strict=false&source=query",
        files={"file": ("p.csv", GOOD, "text/csv")},
        data={"strict": "true", "create_series": "1"},
    )

    assert response.status_code == 202, response.text
    params = response.json()["params"]
    assert (params["strict"], params["create_series"], params["source"]) == (True, True, "query")


def test_import_can_be_read_back_before_it_has_a_report(client: tuple[TestClient, Path]) -> None:
    api_client, _ = client
    job_id = upload(api_client, GOOD).json()["id"]

    response = api_client.get(f"/v1/imports/{job_id}")

    assert response.status_code == 200
    assert response.json()["job"]["id"] == job_id
    assert response.json()["report"] is None


def test_reading_a_job_that_is_not_an_import_is_404(client: tuple[TestClient, Path]) -> None:
    api_client, _ = client
    job = api_client.post("/v1/jobs", json={"kind": "diagnostics.sleep"}).json()

    assert api_client.get(f"/v1/imports/{job['id']}").status_code == 404


def test_file_over_the_limit_is_413_and_leaves_no_file(tmp_path: Path) -> None:
    with api(tmp_path / "home", max_upload_mb=0.01) as (api_client, uploads):
        response = upload(api_client, GOOD * 1000)

    assert response.status_code == 413
    assert "0.01 MB limit" in error(response)["message"]
    assert "PREDITIVA_MAX_UPLOAD_MB" in error(response)["message"]
    assert leftovers(uploads) == []


def test_streamed_upload_of_unknown_length_is_cut_off_at_the_limit(tmp_path: Path) -> None:
    def body() -> Iterator[bytes]:
        yield (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=file; filename=big.csv\r\n"
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        for _ in range(100):
            yield GOOD * 100
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    with api(tmp_path / "home", max_upload_mb=0.05) as (api_client, uploads):
        response = api_client.post(
            "/v1/imports",
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )

    assert response.status_code == 413
    assert leftovers(uploads) == []


def test_empty_file_is_422(client: tuple[TestClient, Path]) -> None:
    api_client, uploads = client

    response = upload(api_client, b"")

    assert response.status_code == 422
    assert error(response)["message"] == "the file is empty"
    assert leftovers(uploads) == []


def test_header_without_rows_is_422(client: tuple[TestClient, Path]) -> None:
    api_client, _ = client

    response = upload(api_client, b"key,ts,value\n")

    assert response.status_code == 422
    assert "no rows" in error(response)["message"]


def test_missing_column_is_422_naming_found_and_expected_columns(
    client: tuple[TestClient, Path],
) -> None:
    api_client, uploads = client

    response = upload(api_client, b"key,ts,amount\nA,2024-01-01,1\n")

    assert response.status_code == 422
    message = error(response)["message"]
    assert "no value column" in message
    assert "'key', 'ts', 'amount'" in message
    assert error(response)["details"][0]["field"] == "value"
    assert leftovers(uploads) == []


def test_unknown_extension_is_422_naming_csv_and_parquet(client: tuple[TestClient, Path]) -> None:
    api_client, uploads = client

    response = upload(api_client, GOOD, "prices.xlsx")

    assert response.status_code == 422
    assert ".csv or .parquet" in error(response)["message"]
    assert leftovers(uploads) == []


def test_request_without_a_file_is_422(client: tuple[TestClient, Path]) -> None:
    api_client, _ = client

    response = api_client.post("/v1/imports", data={"strict": "true"}, files={"x": ("", b"")})
    plain = api_client.post("/v1/imports", json={"file": "prices.csv"})

    assert response.status_code == 422
    assert plain.status_code == 422
    assert "multipart/form-data" in error(plain)["message"]


def test_bad_option_is_422_naming_it(client: tuple[TestClient, Path]) -> None:
    api_client, uploads = client

    response = upload(api_client, GOOD, strict="perhaps")

    assert response.status_code == 422
    assert error(response)["details"][0]["field"] == "strict"
    assert leftovers(uploads) == []


def test_unknown_form_field_is_422_so_typos_do_not_pass_silently(
    client: tuple[TestClient, Path],
) -> None:
    api_client, uploads = client

    response = upload(api_client, GOOD, createSeries="true")

    assert response.status_code == 422
    assert error(response)["details"][0]["field"] == "createSeries"
    assert leftovers(uploads) == []
