"""The scikit-learn and LightGBM estimators a series-feature model can use, by name.

``build_estimator("classification", "lightgbm", {"num_leaves": 7})`` returns a fresh,
unfitted estimator. Every one is seeded and single-threaded (the same data gives the same
model; the machine's cores belong to the workers); linear models standardise their inputs
first, and ``params`` go to the final estimator. Defaults are sized for a few thousand rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from preditiva.core.errors import InvalidInputError

Task = Literal["regression", "classification"]
TASKS: tuple[Task, ...] = ("regression", "classification")

#: Shallow, well-regularised trees: price features carry little signal and much noise.
_FOREST = {
    "n_estimators": 100,
    "min_samples_leaf": 10,
    "max_features": 0.5,
    "random_state": 0,
    "n_jobs": 1,
}
_LIGHTGBM = {
    "n_estimators": 100,
    "learning_rate": 0.03,
    "num_leaves": 7,
    "min_child_samples": 30,
    "reg_lambda": 1.0,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "random_state": 0,
    "n_jobs": 1,
    "verbose": -1,
}


def _linear(params: Mapping[str, Any]) -> Any:
    """Ridge regression on standardised features."""
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), Ridge(**{"alpha": 10.0, **params}))


def _logistic(params: Mapping[str, Any]) -> Any:
    """L2-regularised logistic regression on standardised features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LogisticRegression(**{"C": 0.1, "max_iter": 1000, **params})
    )


def _forest_regressor(params: Mapping[str, Any]) -> Any:
    """Random forest of regression trees."""
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(**{**_FOREST, **params})


def _forest_classifier(params: Mapping[str, Any]) -> Any:
    """Random forest of classification trees."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(**{**_FOREST, **params})


def _lightgbm_regressor(params: Mapping[str, Any]) -> Any:
    """LightGBM gradient-boosted trees, squared loss."""
    from lightgbm import LGBMRegressor

    return LGBMRegressor(**{**_LIGHTGBM, **params})


def _lightgbm_classifier(params: Mapping[str, Any]) -> Any:
    """LightGBM gradient-boosted trees, log loss."""
    from lightgbm import LGBMClassifier

    return LGBMClassifier(**{**_LIGHTGBM, **params})


ESTIMATORS: dict[Task, dict[str, Callable[[Mapping[str, Any]], Any]]] = {
    "regression": {
        "linear": _linear,
        "random_forest": _forest_regressor,
        "lightgbm": _lightgbm_regressor,
    },
    "classification": {
        "logistic": _logistic,
        "random_forest": _forest_classifier,
        "lightgbm": _lightgbm_classifier,
    },
}


def check_task(task: str) -> Task:
    """``task`` if it is one Preditiva knows, else a 422 naming the choices."""
    for known in TASKS:
        if task == known:
            return known
    raise InvalidInputError(f"no task {task!r}; choose one of {', '.join(TASKS)}")


def build_estimator(task: str, algorithm: str, params: Mapping[str, Any] | None = None) -> Any:
    """A fresh, unfitted estimator for ``task`` (see ``ESTIMATORS``) with these parameters."""
    choices = ESTIMATORS[check_task(task)]
    if algorithm not in choices:
        raise InvalidInputError(
            f"no {task} algorithm {algorithm!r}; choose one of {', '.join(choices)}"
        )
    try:
        return choices[algorithm](dict(params or {}))
    except TypeError as error:
        raise InvalidInputError(f"{algorithm}: {error}") from error
