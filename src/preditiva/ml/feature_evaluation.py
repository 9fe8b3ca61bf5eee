"""Time-ordered evaluation of a series-feature model beside its baseline, on the same rows.

* **Folds.** ``TimeSeriesSplit``: each fold trains on every row before its test block, never
  shuffled, with a gap of ``horizon - 1`` rows so that no training target reaches past the
  first test row's own time (the target of row ``t`` is read at ``t + horizon``).
* **Baselines.** Regression: naive, the price stays where it is (a zero return).
  Classification: the training part's share of ups as the probability, its majority class
  as the label.
* **Metrics**, pooled over the test rows of every fold. Regression, on prices (predicted
  returns turned back into values): MAE, RMSE and MAPE in percent. Classification, on "up":
  accuracy, F1, ROC AUC (NaN when the test rows hold one class only) and log loss.
* **Skill** is ``1 - model / baseline`` of the MAE (regression) or of the log loss
  (classification, a proper score of the probabilities the model serves): above 0 the model
  beats its baseline, and ``beats_baseline`` says so plainly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from preditiva.core.errors import SeriesUnusableError
from preditiva.ml.feature_estimators import Task

FloatArray = npt.NDArray[np.float64]
#: Probabilities are kept this far from 0 and 1 when scoring the log loss.
PROBABILITY_CLIP = 1e-6


@dataclass(frozen=True)
class FeatureEvaluation:
    """Out-of-sample metrics of a model and of its baseline, pooled over time-ordered folds."""

    task: Task
    n_folds: int
    n_predictions: int
    model: Mapping[str, float]
    baseline: Mapping[str, float]
    baseline_name: str
    skill_metric: str

    @property
    def skill(self) -> float:
        """``1 - model / baseline`` of ``skill_metric``: positive beats the baseline."""
        model, baseline = self.model[self.skill_metric], self.baseline[self.skill_metric]
        if not (math.isfinite(model) and math.isfinite(baseline)) or baseline <= 0:
            return math.nan
        return 1.0 - model / baseline

    @property
    def beats_baseline(self) -> bool:
        """True only when the model's score is strictly better than the baseline's."""
        return self.skill > 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures (NaN becomes None)."""
        return {
            "task": self.task,
            "n_folds": self.n_folds,
            "n_predictions": self.n_predictions,
            "model": {name: _plain(value) for name, value in self.model.items()},
            "baseline": {name: _plain(value) for name, value in self.baseline.items()},
            "baseline_name": self.baseline_name,
            "skill_metric": self.skill_metric,
            "skill": _plain(self.skill),
            "beats_baseline": self.beats_baseline,
        }


def evaluate_folds(
    features: FloatArray,
    target: FloatArray,
    current: FloatArray,
    *,
    task: Task,
    factory: Callable[[], Any],
    horizon: int,
    n_folds: int,
) -> FeatureEvaluation:
    """Fit a fresh estimator per fold on the earlier rows and score the next block of rows.

    ``target`` is the log return over the horizon (regression) or 1/0 for up/not up;
    ``current`` is each row's price, to turn returns back into prices.
    """
    from sklearn.model_selection import TimeSeriesSplit

    splitter = TimeSeriesSplit(n_splits=n_folds, gap=horizon - 1)
    predicted: list[FloatArray] = []
    baseline: list[FloatArray] = []
    tested: list[npt.NDArray[np.intp]] = []
    for fold, (train, test) in enumerate(splitter.split(features), start=1):
        estimator = factory()
        estimator.fit(features[train], target[train])
        if task == "regression":
            predicted.append(np.asarray(estimator.predict(features[test]), dtype=np.float64))
            baseline.append(np.zeros(len(test)))
        else:
            share_up = float(np.mean(target[train]))
            if share_up in (0.0, 1.0):
                raise SeriesUnusableError(
                    f"fold {fold}: the training rows only ever go {'up' if share_up else 'down'}"
                    " over the horizon, so there is nothing to classify"
                )
            predicted.append(up_probability(estimator, features[test]))
            baseline.append(np.full(len(test), share_up))
        tested.append(test)
    rows = np.concatenate(tested)
    model_output, baseline_output = np.concatenate(predicted), np.concatenate(baseline)
    if task == "regression":
        actual = current[rows] * np.exp(target[rows])
        model_scores = regression_scores(actual, current[rows] * np.exp(model_output))
        baseline_scores = regression_scores(actual, current[rows])
        return FeatureEvaluation(
            task=task,
            n_folds=n_folds,
            n_predictions=len(rows),
            model=model_scores,
            baseline=baseline_scores,
            baseline_name="naive (last price)",
            skill_metric="mae",
        )
    labels = target[rows]
    return FeatureEvaluation(
        task=task,
        n_folds=n_folds,
        n_predictions=len(rows),
        model=classification_scores(labels, model_output),
        baseline=classification_scores(labels, baseline_output),
        baseline_name="base rate (training share of ups; majority class)",
        skill_metric="log_loss",
    )


def up_probability(estimator: Any, features: FloatArray) -> FloatArray:
    """The fitted classifier's probability of class 1 ("up") for each row."""
    classes = list(estimator.classes_)
    probabilities = np.asarray(estimator.predict_proba(features), dtype=np.float64)
    return probabilities[:, classes.index(1)]


def regression_scores(actual: FloatArray, predicted: FloatArray) -> dict[str, float]:
    """MAE, RMSE and MAPE (percent) of predicted prices."""
    errors = actual - predicted
    return {
        "mae": float(np.mean(np.abs(errors))),
        "rmse": float(np.sqrt(np.mean(errors**2))),
        "mape": float(100.0 * np.mean(np.abs(errors) / np.abs(actual))),
    }


def classification_scores(labels: FloatArray, probability_up: FloatArray) -> dict[str, float]:
    """Accuracy, F1 of "up", ROC AUC and log loss of the probabilities of going up."""
    from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score

    predicted = (probability_up >= 0.5).astype(np.float64)
    clipped = np.clip(probability_up, PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    both = len(np.unique(labels)) == 2
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "f1": float(f1_score(labels, predicted, zero_division=0.0)),
        "roc_auc": float(roc_auc_score(labels, probability_up)) if both else math.nan,
        "log_loss": float(log_loss(labels, clipped, labels=[0.0, 1.0])),
    }


def _plain(value: float) -> float | None:
    """A float for JSON: NaN becomes None."""
    return None if math.isnan(value) else float(value)
