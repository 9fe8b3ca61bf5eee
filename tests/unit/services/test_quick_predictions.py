"""Which predictions are answered without a thread: a few rows to a loaded LightGBM model."""

from pathlib import Path
from typing import Any

import pytest

from preditiva.core.settings import Settings
from preditiva.services.forecast_cache import ModelCache
from preditiva.services.prediction_inputs import PredictInput
from preditiva.services.predictions import QUICK_ROWS, ResolvedVersion, answers_quickly
from preditiva.storage.artifacts import get_store
from tests.support import predictions as trained


def _resolved(uri: str, sha256: str, kind: str = "tabular") -> ResolvedVersion:
    """A ready tabular version holding the artifact ``uri``."""
    return ResolvedVersion(
        model="houses",
        version=1,
        version_id=1,
        task="regression",
        kind=kind,
        engine="lightgbm",
        horizon=1,
        target={"dataset": "ames"},
        params={},
        artifact_uri=uri,
        artifact_sha256=sha256,
        trained_at=None,
    )


@pytest.fixture
def models(tmp_path: Path) -> ModelCache:
    """A model cache over an empty local store."""
    return ModelCache(get_store(Settings(home=tmp_path / "home")))


def _saved(models: ModelCache, fitted: Any, key: str) -> ResolvedVersion:
    """``fitted`` saved in the cache's store (not loaded yet)."""
    uri, sha256 = models.store.save_model(fitted, key)
    return _resolved(uri, sha256)


def test_a_few_rows_to_a_loaded_lightgbm_model_are_quick(models: ModelCache) -> None:
    resolved = _saved(models, trained.house_lightgbm(), "lgbm.pkl")
    one = PredictInput(rows=trained.house_rows(1))

    assert not answers_quickly(models, resolved, one)  # not loaded: reading it is slow
    assert resolved.artifact_uri and resolved.artifact_sha256
    models.load(resolved.artifact_uri, resolved.artifact_sha256)

    assert answers_quickly(models, resolved, one)
    assert answers_quickly(models, resolved, PredictInput(rows=trained.house_rows(QUICK_ROWS)))
    many = PredictInput(rows=trained.house_rows(QUICK_ROWS + 1))
    assert not answers_quickly(models, resolved, many)


def test_scikit_learn_pipelines_and_other_kinds_take_a_thread(models: ModelCache) -> None:
    linear = _saved(models, trained.house_regressor(), "linear.pkl")
    assert linear.artifact_uri and linear.artifact_sha256
    models.load(linear.artifact_uri, linear.artifact_sha256)
    one = PredictInput(rows=trained.house_rows(1))

    assert not trained.house_regressor().reads_one_matrix
    assert not answers_quickly(models, linear, one)
    series = _resolved(linear.artifact_uri, linear.artifact_sha256, kind="series_feature")
    assert not answers_quickly(models, series, PredictInput(history=[1.0, 2.0]))
