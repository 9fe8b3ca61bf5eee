"""The fold scores, checked on small cases worked out by hand."""

import numpy as np
import pytest

from preditiva.ml.tabular.scores import classification_scores, regression_scores


def test_regression_scores_skip_zero_actuals_in_mape() -> None:
    scores = regression_scores([100.0, 200.0, 0.0], [110.0, 180.0, 5.0])

    assert scores["mae"] == pytest.approx(35 / 3)
    assert scores["rmse"] == pytest.approx(np.sqrt((100 + 400 + 25) / 3))
    assert scores["mape"] == pytest.approx(10.0)
    assert scores["r2"] == pytest.approx(1 - 525 / 20_000)


def test_binary_scores_use_the_second_class_as_positive() -> None:
    actual = np.array(["no", "yes", "yes", "no"], dtype=object)
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])

    scores = classification_scores(actual, probabilities, ("no", "yes"))

    assert scores["accuracy"] == pytest.approx(0.75)
    assert scores["f1"] == pytest.approx(2 / 3)
    assert scores["roc_auc"] == pytest.approx(1.0)
    assert scores["brier"] == pytest.approx((0.01 + 0.04 + 0.36 + 0.09) / 4)
    assert scores["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.7])), rel=1e-9)
    # confidences 0.9, 0.8, 0.6, 0.7 fall in four bins; only the 0.6 one is wrong
    assert scores["ece"] == pytest.approx((0.1 + 0.2 + 0.6 + 0.3) / 4)


def test_multiclass_brier_sums_over_classes() -> None:
    actual = np.array([0, 1, 2])
    probabilities = np.array([[1.0, 0.0, 0.0], [0.4, 0.6, 0.0], [0.0, 0.0, 1.0]])

    scores = classification_scores(actual, probabilities, (0, 1, 2))

    assert scores["brier"] == pytest.approx((0 + 0.16 + 0.16 + 0) / 3)
    assert scores["accuracy"] == pytest.approx(1.0)
