"""``POST /v1/models`` for regression and classification: defaults, and mistakes refused at once."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from preditiva.api.app import create_app
from preditiva.storage.db.migrate import upgrade
from tests.support.backends import fast_settings

ROWS = [
    f"{50 + i},{'flat' if i % 2 else 'house'},{100 + 3 * i}.5,{'dear' if i >= 20 else 'cheap'}"
    for i in range(40)
]
HOMES = ("size,kind,price,label\n" + "\n".join(ROWS) + "\n").encode()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An API on SQLite with datasets ``homes`` (target price) and ``labels`` (target label)."""
    settings = fast_settings(tmp_path_factory.mktemp("tasks") / "home")
    upgrade(settings.effective_database_url)
    with TestClient(create_app(settings)) as client:
        for name, target in (("homes", "price"), ("labels", "label")):
            response = client.post(
                "/v1/datasets",
                files={"file": ("homes.csv", HOMES)},
                data={"name": name, "target": target},
            )
            assert response.status_code == 201, response.text
        yield client


def define(client: TestClient, **body: Any) -> httpx.Response:
    return client.post("/v1/models", json=body)


def error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_a_model_on_a_dataset_gets_lightgbm_and_a_horizon_of_one_by_default(
    client: TestClient,
) -> None:
    response = define(client, name="homes-gbm", task="regression", target={"dataset": "homes"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["task"], body["engine"], body["horizon"]) == ("regression", "lightgbm", 1)
    assert body["skill"]["verdict"] == "not trained yet: skill unknown"


def test_a_forecast_keeps_its_defaults(client: TestClient) -> None:
    response = define(client, name="forecast-defaults", target={"tag": "phones"})

    assert response.status_code == 201, response.text
    assert (response.json()["engine"], response.json()["horizon"]) == ("auto", 30)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"task": "regression", "target": {"dataset": "nowhere"}},
            "target.dataset",
            "no dataset 'nowhere'; upload it with POST /v1/datasets",
        ),
        (
            {
                "task": "regression",
                "target": {"dataset": "homes"},
                "params": {"dataset_version": 2},
            },
            "target.dataset",
            "dataset 'homes' has no version 2",
        ),
        (
            {"task": "regression", "target": {"dataset": "labels"}},
            "task",
            "holds labels (object); define a classification model",
        ),
        (
            {
                "task": "regression",
                "engine": "linear",
                "target": {"dataset": "homes"},
                "params": {"depth": 3},
            },
            "params.depth",
            "unknown parameter(s) for linear: depth",
        ),
        (
            {"task": "classification", "target": {"dataset": "labels"}, "params": {"cv_folds": 1}},
            "params.cv_folds",
            "invalid training options",
        ),
        (
            {
                "task": "classification",
                "engine": "logistic",
                "target": {"series": "X"},
                "params": {"lags": [0]},
            },
            "params.lags.0",
            "invalid training options",
        ),
        (
            {"task": "classification", "engine": "ets", "target": {"dataset": "labels"}},
            None,
            "no classification algorithm 'ets'",
        ),
    ],
)
def test_mistakes_are_refused_when_the_model_is_defined(
    client: TestClient, body: dict[str, Any], field: str | None, words: str
) -> None:
    response = define(client, name="refused", **body)

    assert response.status_code == 422, response.text
    assert words in error(response)["message"]
    if field is not None:
        assert error(response)["details"][0]["field"] == field
    assert client.get("/v1/models/refused").status_code == 404
