"""Batch prediction end to end on a real worker: API upload → job → result, and the CLI."""

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from preditiva.core.settings import get_settings
from tests.support.batch_models import add_model, classifier, regressor, rows_to_predict
from tests.support.cli import point_cli_at
from tests.support.platforms import FINISHED, Platform, serving_platform

CHUNK_ROWS = 100


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """An embedded platform whose worker predicts in chunks of 100 rows, with two models."""
    home = tmp_path_factory.mktemp("batch_predictions")
    with serving_platform(
        "embedded", home, worker_name="batch@embedded", predict_chunk_rows=CHUNK_ROWS
    ) as platform:
        backend = platform.backend
        add_model(backend.factory, backend.settings, "prices", regressor())
        add_model(backend.factory, backend.settings, "tiers", classifier())
        yield platform


def test_an_upload_is_predicted_by_the_worker_and_its_result_downloaded(
    platform: Platform,
) -> None:
    frame = rows_to_predict(450)
    body = frame.to_csv(index=False).encode()

    response = platform.client.post(
        "/v1/models/prices/predict-batch", files={"file": ("houses.csv", body, "text/csv")}
    )
    assert response.status_code == 202, response.text
    job = platform.wait_for(response.json()["id"], FINISHED, timeout=60)

    assert job["state"] == "succeeded", job["error"]
    assert (job["progress"], job["result"]["rows"], job["result"]["failed_rows"]) == (1.0, 450, 0)
    assert "450 rows predicted" in job["message"]
    download = platform.client.get(f"/v1/jobs/{job['id']}/result")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/vnd.apache.parquet"
    assert f"predictions-{job['id']}.parquet" in download.headers["content-disposition"]
    written = pd.read_parquet(io.BytesIO(download.content))
    assert written["id"].tolist() == frame["id"].tolist()
    np.testing.assert_allclose(written["prediction"], regressor().predict(frame).values)
    assert list(platform.backend.settings.uploads_dir.iterdir()) == []


def test_the_cli_predicts_a_file_on_the_worker_and_writes_the_result(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = rows_to_predict(250)
    frame.to_parquet(tmp_path / "houses.parquet")
    invoke = point_cli_at(monkeypatch, platform.backend.settings)

    try:
        outcome = invoke(
            "predict", "tiers", str(tmp_path / "houses.parquet"), "-o", str(tmp_path / "out.csv")
        )
    finally:
        get_settings.cache_clear()

    assert outcome.exit_code == 0, outcome.output
    assert "250 rows predicted by tiers v1" in outcome.output
    written = pd.read_csv(tmp_path / "out.csv")
    assert list(written.columns) == [
        "id",
        "prediction",
        "probability_no",
        "probability_yes",
        "error",
    ]
    assert written["prediction"].tolist() == classifier().predict(frame).values.tolist()
