"""K-fold cross-validation of a tabular pipeline, with a baseline fitted on the very same folds.

Folds are shuffled with a fixed seed (stratified by class for classification). On each fold a
fresh copy of the pipeline and the baseline are fitted on the training part and scored on the
test part (``scores``); the figures kept are the means over folds. The baseline predicts the
training mean (regression) or the training class shares, so always the majority class
(classification). Skill is ``1 - RMSE_model / RMSE_baseline`` for regression and
``1 - log_loss_model / log_loss_baseline`` for classification: above 0 the model beats the
baseline.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.model_selection import KFold, StratifiedKFold

from preditiva.ml.tabular.schema import Task
from preditiva.ml.tabular.scores import classification_scores, regression_scores
from preditiva.ml.tabular.values import AnySeries

SEED = 0
BASELINES = {"regression": "mean", "classification": "prior"}
PRIMARY = {"regression": "rmse", "classification": "log_loss"}


@dataclass(frozen=True)
class CrossValidation:
    """Mean scores of a model and of its baseline over the same folds, and each fold's."""

    task: Task
    n_folds: int
    metrics: dict[str, float]
    baseline: dict[str, float]
    folds: tuple[dict[str, float], ...]
    baseline_folds: tuple[dict[str, float], ...]

    @property
    def baseline_name(self) -> str:
        """``mean`` (regression) or ``prior`` (classification: the training class shares)."""
        return BASELINES[self.task]

    @property
    def primary(self) -> str:
        """The loss skill is measured on: ``rmse`` or ``log_loss``."""
        return PRIMARY[self.task]

    @property
    def skill(self) -> float:
        """``1 - loss_model / loss_baseline`` on the primary loss; NaN when undefined."""
        model, baseline = self.metrics[self.primary], self.baseline[self.primary]
        if not baseline > 0 or math.isnan(model):
            return float("nan")
        return 1.0 - model / baseline

    @property
    def beats_baseline(self) -> bool:
        """True only when the model's primary loss is strictly below the baseline's."""
        return self.skill > 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures (NaN becomes None), as a model version stores them."""
        return {
            "task": self.task,
            "n_folds": self.n_folds,
            "metrics": _plain(self.metrics),
            "baseline": {"name": self.baseline_name, "metrics": _plain(self.baseline)},
            "skill": _number(self.skill),
            "skill_measure": f"1 - {self.primary} / baseline {self.primary}",
            "beats_baseline": self.beats_baseline,
            "folds": [
                {"model": _plain(model), "baseline": _plain(baseline)}
                for model, baseline in zip(self.folds, self.baseline_folds, strict=True)
            ],
        }


def cross_validate(
    pipeline: Any,
    features: pd.DataFrame,
    target: AnySeries,
    *,
    task: Task,
    classes: Sequence[Any] = (),
    n_folds: int = 5,
) -> CrossValidation:
    """Score fresh copies of ``pipeline`` and of the baseline on the same ``n_folds`` folds."""
    y = target.to_numpy()
    if task == "classification":
        splits = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=SEED).split(
            features, y
        )
    else:
        splits = KFold(n_splits=n_folds, shuffle=True, random_state=SEED).split(features)
    model_scores: list[dict[str, float]] = []
    baseline_scores: list[dict[str, float]] = []
    for train, test in splits:
        for estimator, kept in (
            (clone(pipeline), model_scores),
            (_baseline(task), baseline_scores),
        ):
            estimator.fit(features.iloc[train], y[train])
            kept.append(_score(estimator, features.iloc[test], y[test], task, classes))
    return CrossValidation(
        task=task,
        n_folds=n_folds,
        metrics=_mean(model_scores),
        baseline=_mean(baseline_scores),
        folds=tuple(model_scores),
        baseline_folds=tuple(baseline_scores),
    )


def class_probabilities(estimator: Any, features: pd.DataFrame, classes: Sequence[Any]) -> Any:
    """``predict_proba`` with one column per class of ``classes`` (0 for a class not learnt)."""
    return aligned_probabilities(estimator.predict_proba(features), estimator.classes_, classes)


def aligned_probabilities(proba: Any, learnt: Sequence[Any], classes: Sequence[Any]) -> Any:
    """Probabilities of the ``learnt`` classes as one column per class of ``classes`` (0 if new)."""
    learnt = list(learnt)
    columns = [learnt.index(label) if label in learnt else -1 for label in classes]
    aligned = np.zeros((len(proba), len(classes)), dtype=np.float64)
    for position, column in enumerate(columns):
        if column >= 0:
            aligned[:, position] = proba[:, column]
    return aligned


def _baseline(task: Task) -> Any:
    """The unfitted baseline of the task."""
    if task == "classification":
        return DummyClassifier(strategy="prior")
    return DummyRegressor(strategy="mean")


def _score(
    estimator: Any, features: pd.DataFrame, actual: Any, task: Task, classes: Sequence[Any]
) -> dict[str, float]:
    """One fold's scores of a fitted estimator."""
    if task == "classification":
        return classification_scores(
            actual, class_probabilities(estimator, features, classes), classes
        )
    return regression_scores(actual, estimator.predict(features))


def _mean(folds: list[dict[str, float]]) -> dict[str, float]:
    """Each metric's mean over the folds, ignoring folds where it is NaN."""
    names = folds[0].keys()
    means: dict[str, float] = {}
    for name in names:
        values = np.array([fold[name] for fold in folds], dtype=np.float64)
        finite = values[~np.isnan(values)]
        means[name] = float(finite.mean()) if finite.size else float("nan")
    return means


def _number(value: float) -> float | None:
    """A float, or None for NaN."""
    return None if math.isnan(value) else value


def _plain(scores: dict[str, float]) -> dict[str, float | None]:
    """Scores with NaN as None."""
    return {name: _number(value) for name, value in scores.items()}
