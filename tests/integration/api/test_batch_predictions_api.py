"""``POST /v1/models/{name}/predict-batch`` and ``GET /v1/jobs/{id}/result`` without a worker.

One SQLite platform serves the module: jobs stay queued, so everything checked before
queueing and every answer about a result that is not there yet is visible here.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from preditiva.api.app import create_app
from preditiva.core.settings import Settings
from preditiva.services import registry
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.models import Job
from tests.support.backends import fast_settings
from tests.support.batch_models import add_model, regressor, rows_to_predict


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Settings]]:
    """An API on a migrated SQLite database with the tabular model ``prices`` and a forecaster."""
    settings = fast_settings(tmp_path_factory.mktemp("batch_api") / "home")
    upgrade(settings.effective_database_url)
    factory = get_session_factory(settings)
    add_model(factory, settings, "prices", regressor())
    with factory.begin() as session:
        registry.define(session, name="walk", engine="naive", horizon=7, target={"tag": "x"})
    with TestClient(create_app(settings)) as client:
        yield client, settings
    factory.kw["bind"].dispose()


@pytest.fixture
def client(app_client: tuple[TestClient, Settings]) -> Iterator[TestClient]:
    """The module's client; the jobs a test made are deleted after it."""
    client, settings = app_client
    yield client
    with get_session_factory(settings).begin() as session:
        session.execute(delete(Job))


@pytest.fixture
def uploads(app_client: tuple[TestClient, Settings]) -> Path:
    """The folder uploads are staged in."""
    return app_client[1].uploads_dir


def upload(
    client: TestClient, model: str, body: bytes, name: str = "rows.csv", **query: str
) -> Any:
    """Send ``body`` as the file to predict."""
    return client.post(
        f"/v1/models/{model}/predict-batch", params=query, files={"file": (name, body, "text/csv")}
    )


def csv_rows(count: int, drop: tuple[str, ...] = ()) -> bytes:
    """``count`` rows to predict as CSV bytes, without the ``drop`` columns."""
    return rows_to_predict(count).drop(columns=list(drop)).to_csv(index=False).encode()


def message(response: Any, status: int) -> str:
    """The error message of an answer with this status."""
    assert response.status_code == status, response.text
    text: str = response.json()["error"]["message"]
    return text


def test_an_upload_is_staged_and_queued_as_a_predict_batch_job(
    client: TestClient, uploads: Path
) -> None:
    response = upload(client, "prices", csv_rows(30), format="csv")

    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["queue"], job["state"]) == ("predict.batch", "predict", "queued")
    params = job["params"]
    assert (params["model"], params["version"], params["output"]) == ("prices", 1, "csv")
    assert (params["format"], params["id_column"], params["filename"]) == ("csv", "id", "rows.csv")
    assert (uploads / params["path"]).is_file()


def test_a_missing_column_is_a_422_before_queueing_and_the_upload_is_dropped(
    client: TestClient, uploads: Path
) -> None:
    before = set(uploads.iterdir())

    response = upload(client, "prices", csv_rows(5, drop=("kind",)))

    assert message(response, 422) == "the file lacks 1 of the model's 4 feature columns: kind"
    assert {"field": "kind", "message": "missing column"} in response.json()["error"]["details"]
    assert client.get("/v1/jobs", params={"kind": "predict.batch"}).json()["items"] == []
    assert set(uploads.iterdir()) == before


def test_an_unreadable_file_is_a_422(client: TestClient) -> None:
    response = upload(client, "prices", b"this is not parquet", name="rows.parquet")

    assert "cannot read the file as Parquet" in message(response, 422)


def test_an_unknown_model_is_a_404(client: TestClient) -> None:
    assert "no model named 'nope'" in message(upload(client, "nope", csv_rows(3)), 404)


def test_an_unknown_version_is_a_404(client: TestClient) -> None:
    response = upload(client, "prices", csv_rows(3), version="7")

    assert "has no version 7" in message(response, 404)


def test_a_forecaster_is_a_422_naming_the_models_that_can_batch(client: TestClient) -> None:
    text = message(upload(client, "walk", csv_rows(3)), 422)

    assert "is a forecast model of tag 'x'" in text
    assert text.endswith("Tabular models: prices")


def test_the_result_of_a_queued_job_is_a_409(client: TestClient) -> None:
    job_id = upload(client, "prices", csv_rows(3)).json()["id"]

    text = message(client.get(f"/v1/jobs/{job_id}/result"), 409)

    assert f"job {job_id} is queued" in text and "once it has succeeded" in text


def test_a_job_of_another_kind_has_no_result_file(client: TestClient) -> None:
    job_id = client.post("/v1/jobs", json={"kind": "diagnostics.sleep"}).json()["id"]

    text = message(client.get(f"/v1/jobs/{job_id}/result"), 404)

    assert "only predict.batch jobs make a result file" in text


def test_an_unknown_job_has_no_result(client: TestClient) -> None:
    response = client.get("/v1/jobs/00000000-0000-0000-0000-000000000000/result")

    assert "no job with id" in message(response, 404)
