"""Tabular algorithms by (task, name), each building a scikit-learn Pipeline that preprocesses.

Every pipeline is ``features`` (``TabularFeatures``) → ``preprocess`` → ``model``:

=============================  ==================================================  ===========
task: name                     preprocess                                          importance
=============================  ==================================================  ===========
regression: linear (ridge)     median imputation + scaling; one-hot categories     coef_spread
classification: logistic       the same                                            coef_spread
either: random_forest          median imputation; ordinal categories               impurity
regression: gradient_boosting  the same                                            impurity
either: lightgbm               none (NaN native); native pandas categoricals       gain
=============================  ==================================================  ===========

One-hot and ordinal encoders group categories seen in fewer than ``MIN_CATEGORY_ROWS``
training rows, and treat categories never seen as all-zero (one-hot) or as missing (ordinal,
LightGBM). Hyper-parameters are the estimator's own (``alpha``, ``n_estimators``, …) over the
defaults below; ``random_state`` is fixed at 0 unless given.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from preditiva.core.errors import InvalidInputError
from preditiva.ml.tabular.features import (
    CategoryCodes,
    TabularFeatures,
    categorical_outputs,
    numeric_outputs,
    one_hot_name,
)
from preditiva.ml.tabular.schema import TASKS, DatasetSchema, Task

Preprocessing = Literal["scaled_one_hot", "ordinal", "native"]
Importance = Literal["coef_spread", "impurity", "gain"]

#: Categories seen in fewer training rows than this are grouped as one "infrequent" category.
MIN_CATEGORY_ROWS = 5
RANDOM_STATE = 0
ALIASES = {"ridge": "linear"}
_LIGHTGBM_DEFAULTS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "n_jobs": 1,
    "verbose": -1,
    "importance_type": "gain",
}


@dataclass(frozen=True)
class Algorithm:
    """One algorithm for one task: its estimator, preprocessing, importances and defaults."""

    task: Task
    name: str
    estimator: Callable[..., Any]
    preprocessing: Preprocessing
    importance: Importance
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def build(self, schema: DatasetSchema, params: Mapping[str, Any] | None = None) -> Pipeline:
        """An unfitted pipeline for this schema; unknown or invalid parameters are refused."""
        model = self.model(params)
        return Pipeline(
            [
                ("features", TabularFeatures.for_schema(schema)),
                ("preprocess", _preprocess(self.preprocessing, schema)),
                ("model", model),
            ]
        )

    def settings(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The estimator's arguments: defaults, ``random_state``, then ``params``; checked."""
        known = set(self.estimator().get_params(deep=False)) | set(self.defaults)
        unknown = sorted(set(params or {}) - known)
        if unknown:
            raise InvalidInputError(
                f"unknown parameter(s) for {self.name}: {', '.join(unknown)}",
                details=[
                    {"field": f"params.{key}", "message": f"not a parameter of {self.name}"}
                    for key in unknown
                ],
            )
        settings = {**self.defaults, **(params or {})}
        if "random_state" in known:
            settings.setdefault("random_state", RANDOM_STATE)
        return settings

    def model(self, params: Mapping[str, Any] | None = None) -> Any:
        """The unfitted estimator with ``settings(params)``; invalid values are refused."""
        model = self.estimator(**self.settings(params))
        _check_values(model, self.name)
        return model


ALGORITHMS: dict[tuple[Task, str], Algorithm] = {
    (algorithm.task, algorithm.name): algorithm
    for algorithm in (
        Algorithm("regression", "linear", Ridge, "scaled_one_hot", "coef_spread", {"alpha": 1.0}),
        Algorithm(
            "regression",
            "random_forest",
            RandomForestRegressor,
            "ordinal",
            "impurity",
            {"n_estimators": 100, "max_features": 0.33, "n_jobs": 1},
        ),
        Algorithm(
            "regression",
            "gradient_boosting",
            GradientBoostingRegressor,
            "ordinal",
            "impurity",
            {"n_estimators": 200, "learning_rate": 0.1, "max_depth": 3, "subsample": 0.8},
        ),
        Algorithm("regression", "lightgbm", LGBMRegressor, "native", "gain", _LIGHTGBM_DEFAULTS),
        Algorithm(
            "classification",
            "logistic",
            LogisticRegression,
            "scaled_one_hot",
            "coef_spread",
            {"C": 1.0, "max_iter": 2000},
        ),
        Algorithm(
            "classification",
            "random_forest",
            RandomForestClassifier,
            "ordinal",
            "impurity",
            {"n_estimators": 100, "n_jobs": 1},
        ),
        Algorithm(
            "classification", "lightgbm", LGBMClassifier, "native", "gain", _LIGHTGBM_DEFAULTS
        ),
    )
}


def algorithm_names(task: Task) -> tuple[str, ...]:
    """The algorithms of a task, aliases included, in registry order."""
    names = [name for (kind, name) in ALGORITHMS if kind == task]
    return (*names, *(alias for alias, name in ALIASES.items() if name in names))


def get_algorithm(task: str, name: str) -> Algorithm:
    """The algorithm of this name for this task; InvalidInputError lists the valid ones."""
    if task not in TASKS:
        raise InvalidInputError(
            f"unknown task {task!r}",
            details=[{"field": "task", "message": f"must be one of: {', '.join(TASKS)}"}],
        )
    key = (task, ALIASES.get(name, name))
    if key not in ALGORITHMS:
        valid = ", ".join(algorithm_names(key[0]))
        raise InvalidInputError(
            f"unknown {task} algorithm {name!r}; choose one of: {valid}",
            details=[{"field": "algorithm", "message": f"must be one of: {valid}"}],
        )
    return ALGORITHMS[key]


def build_pipeline(
    schema: DatasetSchema, algorithm: str, params: Mapping[str, Any] | None = None
) -> Pipeline:
    """An unfitted pipeline of ``algorithm`` for the schema's task and features."""
    return get_algorithm(schema.task, algorithm).build(schema, params)


def _preprocess(kind: Preprocessing, schema: DatasetSchema) -> Any:
    """The step between ``TabularFeatures`` and the model."""
    numeric, categorical = numeric_outputs(schema), categorical_outputs(schema)
    if kind == "native":
        return CategoryCodes(categorical=tuple(categorical))
    imputer = SimpleImputer(strategy="median", keep_empty_features=True)
    if kind == "scaled_one_hot":
        numbers: Any = make_pipeline(imputer, StandardScaler())
        categories: Any = OneHotEncoder(
            handle_unknown="ignore",
            min_frequency=MIN_CATEGORY_ROWS,
            feature_name_combiner=one_hot_name,
        )
    else:
        numbers = imputer
        categories = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=-1,
            encoded_missing_value=-1,
            min_frequency=MIN_CATEGORY_ROWS,
        )
    return ColumnTransformer(
        [("numeric", numbers, numeric), ("categorical", categories, categorical)],
        verbose_feature_names_out=False,
    )


def _check_values(model: Any, name: str) -> None:
    """Refuse out-of-range hyper-parameters now, not in the middle of training.

    scikit-learn estimators check their parameters with ``_validate_params`` (what ``fit``
    calls first); LightGBM checks its own when it fits.
    """
    if not hasattr(model, "_parameter_constraints"):
        return
    try:
        model._validate_params()
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            f"invalid parameter for {name}: {exc}",
            details=[{"field": "params", "message": str(exc)}],
        ) from exc
