"""Scores of tabular predictions on one test fold, each defined here.

Regression: ``r2`` (``1 - SS_res / SS_tot`` around the fold's own mean; NaN for a constant
fold), ``mae``, ``rmse`` and ``mape`` (in percent: ``100 · mean |a - p| / |a|`` over the rows
whose actual value is not 0; NaN if there are none).

Classification, from the class probabilities (the predicted class is the most probable):
``accuracy``; ``f1`` (binary: of the second class in sorted order, ``True`` or ``1``;
multiclass: macro average; 0 for a class never predicted); ``roc_auc`` (binary, or one-vs-rest
macro average; NaN when a class is absent from the fold); ``log_loss`` (natural log,
probabilities clipped away from 0 and 1); calibration as ``brier`` (binary: ``mean (p - y)²``
for the second class, from 0 to 1; multiclass: ``mean Σ_k (p_k - y_k)²``, from 0 to 2) and
``ece`` (expected calibration error of the most probable class over 10 equal-width
confidence bins: ``Σ_b n_b / n · |accuracy_b - confidence_b|``, from 0 to 1).
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score, log_loss, roc_auc_score

from preditiva.ml import metrics

FloatArray = npt.NDArray[np.float64]
REGRESSION_METRICS = ("r2", "mae", "rmse", "mape")
CLASSIFICATION_METRICS = ("accuracy", "f1", "roc_auc", "log_loss", "brier", "ece")
CALIBRATION_BINS = 10


def regression_scores(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> dict[str, float]:
    """``r2``, ``mae``, ``rmse`` and ``mape`` (percent) of one fold's predictions."""
    a = np.asarray(actual, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    spread = float(np.sum((a - a.mean()) ** 2))
    r2 = 1.0 - float(np.sum((a - p) ** 2)) / spread if spread > 0 else float("nan")
    nonzero = a != 0
    mape = (
        float(100.0 * np.mean(np.abs(a - p)[nonzero] / np.abs(a[nonzero])))
        if nonzero.any()
        else float("nan")
    )
    return {"r2": r2, "mae": metrics.mae(a, p), "rmse": metrics.rmse(a, p), "mape": mape}


def classification_scores(
    actual: npt.ArrayLike, probabilities: FloatArray, classes: Sequence[Any]
) -> dict[str, float]:
    """Accuracy, F1, ROC AUC, log loss, Brier score and ECE of one fold's probabilities.

    ``probabilities`` has one column per class, in the order of ``classes``.
    """
    labels = np.asarray(classes)
    y = np.asarray(actual)
    proba = np.asarray(probabilities, dtype=np.float64)
    onehot = (y[:, None] == labels[None, :]).astype(np.float64)
    predicted = labels[np.argmax(proba, axis=1)]
    binary = len(labels) == 2
    if binary:
        f1 = f1_score(y, predicted, pos_label=labels[1], average="binary", zero_division=0)
        brier = float(np.mean((proba[:, 1] - onehot[:, 1]) ** 2))
    else:
        f1 = f1_score(y, predicted, labels=labels, average="macro", zero_division=0)
        brier = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
    return {
        "accuracy": float(np.mean(predicted == y)),
        "f1": float(f1),
        "roc_auc": _roc_auc(onehot, proba, binary),
        "log_loss": float(log_loss(y, proba, labels=labels)),
        "brier": brier,
        "ece": expected_calibration_error(onehot, proba),
    }


def expected_calibration_error(onehot: FloatArray, probabilities: FloatArray) -> float:
    """ECE of the most probable class over ``CALIBRATION_BINS`` equal-width bins."""
    confidence = probabilities.max(axis=1)
    correct = onehot[np.arange(len(onehot)), probabilities.argmax(axis=1)]
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(np.int64), CALIBRATION_BINS - 1)
    error = 0.0
    for b in np.unique(bins):
        inside = bins == b
        error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def _roc_auc(onehot: FloatArray, probabilities: FloatArray, binary: bool) -> float:
    """Binary or one-vs-rest macro ROC AUC; NaN when some class is absent from the fold."""
    if not bool(np.all(onehot.any(axis=0))) or not bool(np.all((1 - onehot).any(axis=0))):
        return float("nan")
    if binary:
        return float(roc_auc_score(onehot[:, 1], probabilities[:, 1]))
    return float(roc_auc_score(onehot, probabilities, average="macro"))
