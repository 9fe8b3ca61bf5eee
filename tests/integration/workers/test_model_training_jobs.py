"""Regression and classification models trained by a real worker: on a dataset, on a series."""

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from preditiva.ml.series_features import SeriesFeatureModel
from preditiva.ml.tabular import TabularModel
from preditiva.services import registry
from preditiva.storage.artifacts import get_store
from tests.support.platforms import Platform, serving_platform
from tests.support.real_prices import SHARED_DATA, stock_closes

AMES_SAMPLE = 800


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """An embedded platform with one worker."""
    home = tmp_path_factory.mktemp("model-training")
    with serving_platform("embedded", home, worker_name="models@embedded") as platform:
        yield platform


@pytest.fixture(scope="module")
def ames() -> pd.DataFrame:
    """A fixed sample of Ames sales (for speed)."""
    frame = pd.read_parquet(Path(SHARED_DATA) / "house_prices_ames.parquet")
    return frame.sample(AMES_SAMPLE, random_state=0).reset_index(drop=True)


def _upload(platform: Platform, frame: pd.DataFrame, name: str, target: str) -> dict[str, object]:
    """Upload ``frame`` as a Parquet dataset through the API."""
    data = io.BytesIO()
    frame.to_parquet(data)
    response = platform.client.post(
        "/v1/datasets",
        files={"file": (f"{name}.parquet", data.getvalue())},
        data={"name": name, "target": target},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_tabular_model_trains_on_a_dataset_beside_the_mean_baseline(
    platform: Platform, ames: pd.DataFrame
) -> None:
    dataset = _upload(platform, ames, "ames", "Sale_Price")
    response = platform.client.post(
        "/v1/models",
        json={
            "name": "ames-linear",
            "task": "regression",
            "engine": "linear",
            "target": {"dataset": "ames"},
            "params": {"cv_folds": 3},
            "train": True,
        },
    )
    assert response.status_code == 201, response.text

    job = platform.wait_for(response.json()["job"]["id"], {"succeeded", "failed"}, timeout=60)

    assert job["state"] == "succeeded", job
    result = job["result"]
    assert (result["model"], result["version"], result["promoted"]) == ("ames-linear", 1, True)
    assert (result["dataset"], result["dataset_version"], result["n_rows"]) == ("ames", 1, 800)
    assert result["cv"]["r2"] > 0.6
    assert result["skill_vs_baseline"] > 0.4 and result["beats_baseline"] is True
    assert result["verdict"].startswith("R² 0.")
    assert "better than the mean baseline" in result["verdict"]
    assert 0 < len(result["feature_importances"]) <= 30
    shown = platform.client.get("/v1/models/ames-linear").json()
    assert (shown["task"], shown["champion"]["version"]) == ("regression", 1)
    assert shown["skill"]["baseline"] == "mean" and shown["skill"]["beats_naive"] is True
    with platform.backend.factory() as session:
        version = registry.get_version(session, "ames-linear", "champion")
        fitted = registry.load_version(session, get_store(platform.backend.settings), "ames-linear")
    assert version.data_fingerprint == dataset["fingerprint"]
    assert version.params["dataset_version"] == 1 and version.params["cv_folds"] == 3
    assert version.job_id is not None and str(version.job_id) == job["id"]
    assert isinstance(fitted, TabularModel)
    rows = ames.drop(columns="Sale_Price").head(3).to_dict("records")
    assert fitted.predict_rows(rows).values.shape == (3,)


def test_a_series_feature_classifier_trains_on_real_prices(platform: Platform) -> None:
    closes = stock_closes("AAPL", last=400)
    points = [{"ts": ts.isoformat(), "value": float(v)} for ts, v in closes.items()]
    assert platform.client.post("/v1/series", json={"key": "AAPL"}).status_code == 201
    stored = platform.client.post("/v1/series/AAPL/observations", json={"observations": points})
    assert stored.status_code == 200, stored.text
    response = platform.client.post(
        "/v1/models",
        json={
            "name": "aapl-up",
            "task": "classification",
            "engine": "logistic",
            "target": {"series": "AAPL"},
            "params": {"n_folds": 3},
            "train": True,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["horizon"] == 1

    job = platform.wait_for(response.json()["job"]["id"], {"succeeded", "failed"}, timeout=60)

    assert job["state"] == "succeeded", job
    result = job["result"]
    assert (result["kind"], result["series_key"], result["n_obs"]) == (
        "series_features",
        "AAPL",
        400,
    )
    assert result["baseline_kind"] == "base_rate" and result["skill_metric"] == "log_loss"
    assert 0.0 <= result["cv"]["accuracy"] <= 1.0
    assert "the base-rate baseline (share of ups)" in result["verdict"]
    with platform.backend.factory() as session:
        fitted = registry.load_version(session, get_store(platform.backend.settings), "aapl-up")
    assert isinstance(fitted, SeriesFeatureModel)
    prediction = fitted.predict_latest(closes.set_axis(pd.DatetimeIndex(closes.index)))
    assert prediction.probability_up is not None and 0 <= prediction.probability_up <= 1
