"""Regression and classification recipes: training options split from algorithm parameters.

A tabular model (target ``{"dataset": name}``) takes ``dataset_version`` (pin one version;
the latest otherwise) and ``cv_folds`` (5). A series-feature model (target
``{"series": key}``) takes ``include_synthetic`` (false), ``lags``, ``windows``,
``calendar`` and ``n_folds`` (see ``ml.series_features``); its horizon is the model's.
Every other parameter goes to the algorithm, and is checked when the model is defined.
"""

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from preditiva.core.errors import InvalidInputError
from preditiva.ml.feature_estimators import ESTIMATORS, build_estimator, check_task
from preditiva.ml.series_features import DEFAULT_FOLDS, DEFAULT_LAGS, DEFAULT_WINDOWS
from preditiva.ml.tabular import algorithm_names, get_algorithm

PREDICTION_TASKS = ("regression", "classification")
#: What a model of each task uses when the request names no engine or algorithm.
DEFAULT_ENGINES = {"forecast": "auto", "regression": "lightgbm", "classification": "lightgbm"}
#: Steps ahead when the request gives no horizon: a forecast's 30, the next value otherwise.
DEFAULT_HORIZONS = {"forecast": 30, "regression": 1, "classification": 1}
Lag = Annotated[int, Field(ge=1, le=10_000)]
Window = Annotated[int, Field(ge=2, le=10_000)]


class TabularOptions(BaseModel):
    """Training options of a model on a dataset."""

    model_config = ConfigDict(extra="ignore")

    dataset_version: int | None = Field(None, ge=1)
    cv_folds: int = Field(5, ge=2, le=20)


class FeatureOptions(BaseModel):
    """Training options of a model on one series' features."""

    model_config = ConfigDict(extra="ignore")

    include_synthetic: StrictBool = False
    lags: list[Lag] = Field(default_factory=lambda: list(DEFAULT_LAGS), min_length=1)
    windows: list[Window] = Field(default_factory=lambda: list(DEFAULT_WINDOWS), min_length=1)
    calendar: StrictBool = True
    n_folds: int = Field(DEFAULT_FOLDS, ge=2, le=20)


Options = TabularOptions | FeatureOptions


def option_names(target_kind: str) -> tuple[str, ...]:
    """The training options a model on this kind of target takes."""
    kind = TabularOptions if target_kind == "dataset" else FeatureOptions
    return tuple(kind.model_fields)


def split_params(target_kind: str, params: Mapping[str, Any]) -> tuple[Options, dict[str, Any]]:
    """The checked training options and the algorithm's own parameters; 422 naming a bad one."""
    kind: type[Options] = TabularOptions if target_kind == "dataset" else FeatureOptions
    try:
        options = kind.model_validate(dict(params))
    except ValidationError as exc:
        details = [
            {"field": ".".join(["params", *map(str, error["loc"])]), "message": error["msg"]}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        raise InvalidInputError(f"invalid training options: {summary}", details=details) from exc
    names = option_names(target_kind)
    return options, {key: value for key, value in params.items() if key not in names}


def check_params(task: str, target_kind: str, algorithm: str, params: Mapping[str, Any]) -> None:
    """422 naming the parameter the algorithm does not take, or a malformed training option.

    An unknown task, target kind or algorithm is left for ``registry.define`` to name.
    """
    if task not in PREDICTION_TASKS or target_kind not in ("dataset", "series"):
        return
    _, own = split_params(target_kind, params)
    checked = check_task(task)
    try:
        if target_kind == "dataset":
            if algorithm in algorithm_names(checked):
                get_algorithm(checked, algorithm).model(own)
        elif algorithm in ESTIMATORS[checked]:
            build_estimator(checked, algorithm, own)
    except InvalidInputError as exc:
        options = ", ".join(option_names(target_kind))
        raise InvalidInputError(
            f"{exc.message}; a {task} model on a {target_kind} also takes the training "
            f"options {options}",
            details=exc.details or [{"field": "params", "message": exc.message}],
        ) from exc
