"""``POST /v1/models/{name}/predict?mode=async``: a ``predict.rows`` job run by a real worker."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import predictions as trained
from tests.support.platforms import FINISHED, Platform, serving_platform

TABULAR: dict[str, Any] = {"target": {"dataset": "ames"}, "task": "regression", "engine": "linear"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """An embedded platform with one real worker and a tabular model."""
    home = tmp_path_factory.mktemp("predict_jobs")
    with serving_platform("embedded", home, worker_name="predict@embedded") as platform:
        backend = platform.backend
        trained.add_fitted(
            backend.factory,
            backend.settings,
            model="houses",
            fitted=trained.house_regressor(),
            **TABULAR,
        )
        yield platform


def test_an_async_prediction_is_a_job_whose_result_is_the_synchronous_answer(
    platform: Platform,
) -> None:
    body = {"rows": trained.house_rows(3)}

    response = platform.client.post("/v1/models/houses/predict?mode=async", json=body)

    assert response.status_code == 202, response.text
    submitted = response.json()
    assert (submitted["kind"], submitted["queue"]) == ("predict.rows", "predict")
    job = platform.wait_for(submitted["id"], FINISHED)
    assert job["state"] == "succeeded", job["error"]
    synchronous = platform.client.post("/v1/models/houses/predict", json=body)
    assert job["result"] == synchronous.json()


def test_an_async_prediction_checks_the_model_and_rows_count_before_queuing(
    platform: Platform,
) -> None:
    unknown = platform.client.post("/v1/models/nope/predict?mode=async", json={"rows": [{}]})
    no_rows = platform.client.post("/v1/models/houses/predict?mode=async", json={})

    assert unknown.status_code == 404, unknown.text
    assert no_rows.status_code == 422, no_rows.text


def test_an_async_prediction_of_bad_rows_fails_with_each_problem(platform: Platform) -> None:
    row = trained.house_rows(1)[0]
    del row["Lot_Area"]

    response = platform.client.post("/v1/models/houses/predict?mode=async", json={"rows": [row]})

    assert response.status_code == 202, response.text
    job = platform.wait_for(response.json()["id"], FINISHED)
    assert job["state"] == "failed"
    assert "1 problem(s) in the rows" in job["error"]
    assert job["attempts"] == 1
