"""Series-feature models on real daily closes: no look-ahead, baselines beside, pickles."""

import math
import pickle

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import InvalidInputError, SeriesTooShortError, SeriesUnusableError
from preditiva.ml.preparation import prepare_series
from preditiva.ml.series_features import (
    FeatureModelSpec,
    SeriesFeatureModel,
    make_features,
    make_target,
    train_feature_model,
    train_feature_models,
)
from tests.support.real_prices import stock_closes

#: Small ensembles: the tests check behaviour, not accuracy.
QUICK_TREES = {"n_estimators": 20}


@pytest.fixture(scope="module")
def closes() -> "pd.Series[float]":
    """500 daily AAPL closes (2017-2018)."""
    return stock_closes("AAPL", 500)


@pytest.fixture(scope="module")
def regressor(closes: "pd.Series[float]") -> SeriesFeatureModel:
    """LightGBM on the next-step return."""
    return train_feature_model(closes, "regression", "lightgbm", params=QUICK_TREES)


@pytest.fixture(scope="module")
def classifier(closes: "pd.Series[float]") -> SeriesFeatureModel:
    """Logistic regression on going up over five steps."""
    return train_feature_model(closes, "classification", "logistic", horizon=5)


def test_feature_row_for_t_ignores_every_later_price(closes: "pd.Series[float]") -> None:
    changed = closes.copy()
    rng = np.random.default_rng(0)
    changed.iloc[300:] = changed.iloc[300:] * rng.uniform(0.5, 2.0, len(changed) - 300)
    before, after = make_features(closes), make_features(changed)
    pd.testing.assert_frame_equal(before.iloc[:300], after.iloc[:300])
    assert not before.iloc[300:].equals(after.iloc[300:])


def test_features_have_one_row_per_timestamp_and_fill_after_the_warm_up(
    closes: "pd.Series[float]",
) -> None:
    features = make_features(closes)
    assert features.shape == (500, 5 + 2 * 3 + 2)
    assert features.index.equals(closes.index)
    assert {"log_return_10", "distance_to_mean_20", "volatility_5", "day_of_week"} <= set(
        features.columns
    )
    assert features.iloc[:20].isna().any(axis=1).all()
    assert features.iloc[20:].notna().all().all()
    assert features["log_return_1"].iloc[-1] == pytest.approx(
        math.log(closes.iloc[-1] / closes.iloc[-2])
    )


def test_target_is_the_return_or_the_direction_over_the_horizon(
    closes: "pd.Series[float]",
) -> None:
    returns = make_target(closes, "regression", 5)
    direction = make_target(closes, "classification", 5)
    assert returns.iloc[0] == pytest.approx(math.log(closes.iloc[5] / closes.iloc[0]))
    assert returns.iloc[-5:].isna().all() and direction.iloc[-5:].isna().all()
    assert set(direction.dropna().unique()) == {0.0, 1.0}
    assert direction.iloc[0] == float(closes.iloc[5] > closes.iloc[0])


def test_regressor_is_scored_beside_naive_on_time_ordered_folds(
    regressor: SeriesFeatureModel,
) -> None:
    evaluation = regressor.evaluation
    assert evaluation.n_folds == 5 and evaluation.n_predictions > 300
    assert set(evaluation.model) == set(evaluation.baseline) == {"mae", "rmse", "mape"}
    assert evaluation.baseline_name.startswith("naive")
    assert math.isfinite(evaluation.skill)
    assert evaluation.beats_baseline == (evaluation.skill > 0)
    assert evaluation.to_dict()["skill_metric"] == "mae"


def test_regressor_predicts_the_next_value_after_the_history(
    regressor: SeriesFeatureModel, closes: "pd.Series[float]"
) -> None:
    prediction = regressor.predict_latest(closes)
    assert prediction.timestamp > closes.index[-1]
    assert prediction.last_price == closes.iloc[-1]
    assert prediction.value is not None
    assert 0.8 * closes.iloc[-1] < prediction.value < 1.2 * closes.iloc[-1]
    assert prediction.probability_up is None


def test_served_row_is_the_row_the_model_was_trained_on(
    regressor: SeriesFeatureModel, closes: "pd.Series[float]"
) -> None:
    history = closes.iloc[:400]
    prepared = prepare_series(history, freq=regressor.freq).values
    row = make_features(prepared).iloc[[-1]].to_numpy()
    expected = prepared.iloc[-1] * math.exp(regressor.estimator.predict(row)[0])
    assert regressor.predict_latest(history).value == pytest.approx(expected, rel=1e-12)


def test_classifier_gives_a_probability_of_up_and_a_label(
    classifier: SeriesFeatureModel, closes: "pd.Series[float]"
) -> None:
    prediction = classifier.predict_latest(closes)
    assert prediction.probability_up is not None
    assert 0.0 <= prediction.probability_up <= 1.0
    assert prediction.label == int(prediction.probability_up >= 0.5)
    assert prediction.horizon == 5
    evaluation = classifier.evaluation
    assert set(evaluation.model) == {"accuracy", "f1", "roc_auc", "log_loss"}
    assert evaluation.baseline_name.startswith("base rate")
    assert evaluation.skill_metric == "log_loss"


def test_pickle_round_trip_predicts_the_same(
    classifier: SeriesFeatureModel, closes: "pd.Series[float]"
) -> None:
    restored = pickle.loads(pickle.dumps(classifier))
    assert restored.predict_latest(closes) == classifier.predict_latest(closes)
    assert restored.evaluation == classifier.evaluation


def test_several_models_per_series_by_name(closes: "pd.Series[float]") -> None:
    models = train_feature_models(
        closes,
        (
            FeatureModelSpec("regression", "linear"),
            FeatureModelSpec("classification", "random_forest", params=QUICK_TREES),
        ),
    )
    assert list(models) == ["regressor_linear", "classifier_random_forest"]
    assert models["classifier_random_forest"].predict_latest(closes).label in (0, 1)


def test_retraining_on_the_same_data_gives_the_same_prediction(
    regressor: SeriesFeatureModel, closes: "pd.Series[float]"
) -> None:
    again = train_feature_model(closes, "regression", "lightgbm", params=QUICK_TREES)
    assert again.predict_latest(closes) == regressor.predict_latest(closes)


def test_short_series_is_refused_with_the_reason(closes: "pd.Series[float]") -> None:
    with pytest.raises(SeriesTooShortError, match="needs at least 141 observations"):
        train_feature_model(closes.iloc[:100], "regression", "linear")


def test_unknown_algorithm_names_the_choices(closes: "pd.Series[float]") -> None:
    with pytest.raises(InvalidInputError, match="choose one of logistic, random_forest"):
        train_feature_model(closes, "classification", "linear")


def test_non_positive_prices_are_refused(closes: "pd.Series[float]") -> None:
    broken = closes.copy()
    broken.iloc[10] = 0.0
    with pytest.raises(SeriesUnusableError, match="finite positive prices"):
        make_features(broken)
