"""Tabular models on features of one price series: the next value, or the chance of going up.

* **Features** (``make_features``), each row built from prices up to its own time ``t`` only:
  ``log_return_<k>`` = ``log(p[t] / p[t-k])`` for each lag ``k``; for each rolling window
  ``w`` the distance to the rolling mean ``log(p[t] / mean(p[t-w+1..t]))`` and the volatility
  (standard deviation of the last ``w`` one-step log returns); and the calendar (day of week,
  month). Every feature is free of the price level, so a model trained at 10 still reads a
  series at 1,000, and trees never have to extrapolate.
* **Targets** (``make_target``): regression learns the log return over the horizon,
  ``log(p[t+h] / p[t])``, and serves the value ``p[t] * exp(prediction)``; classification
  learns 1 when ``p[t+h] > p[t]``, else 0, and serves the probability of 1 ("up").
* **Training** (``train_feature_model``) regularises the series (``prepare_series``), drops
  the first rows (not enough history) and the last ``h`` (no target yet), evaluates the
  algorithm on time-ordered folds beside its baseline (``feature_evaluation``) and fits it
  on every usable row. Several models per series are several specs (``DEFAULT_SPECS``, the
  set the crypto seed served).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from preditiva.core.errors import InvalidInputError, SeriesTooShortError, SeriesUnusableError
from preditiva.ml.contract import future_index
from preditiva.ml.feature_estimators import Task, build_estimator, check_task
from preditiva.ml.feature_evaluation import FeatureEvaluation, evaluate_folds, up_probability
from preditiva.ml.preparation import prepare_series

DEFAULT_LAGS: tuple[int, ...] = (1, 2, 3, 5, 10)
DEFAULT_WINDOWS: tuple[int, ...] = (5, 10, 20)
DEFAULT_FOLDS = 5
#: Fewest usable rows per fold block (the folds cut ``n_folds + 1`` blocks of rows).
MIN_ROWS_PER_BLOCK = 20


@dataclass(frozen=True)
class FeatureModelSpec:
    """The recipe of one series-feature model: task, algorithm, horizon and features."""

    task: Task
    algorithm: str
    horizon: int = 1
    params: Mapping[str, Any] = field(default_factory=dict)
    lags: tuple[int, ...] = DEFAULT_LAGS
    windows: tuple[int, ...] = DEFAULT_WINDOWS
    calendar: bool = True
    n_folds: int = DEFAULT_FOLDS

    @property
    def name(self) -> str:
        """``regressor_<algorithm>`` or ``classifier_<algorithm>``, like the crypto seed's names."""
        return f"{'regressor' if self.task == 'regression' else 'classifier'}_{self.algorithm}"

    @property
    def warm_up(self) -> int:
        """Rows at the start without a full feature row (the longest lag or window)."""
        return max((*self.lags, *self.windows))

    def min_length(self) -> int:
        """Fewest observations: the warm-up, the horizon and enough rows for every fold."""
        return self.warm_up + self.horizon + MIN_ROWS_PER_BLOCK * (self.n_folds + 1)


#: One model of each algorithm per task, next step: the crypto seed's set, plus LightGBM.
DEFAULT_SPECS: tuple[FeatureModelSpec, ...] = (
    FeatureModelSpec("regression", "linear"),
    FeatureModelSpec("regression", "random_forest"),
    FeatureModelSpec("regression", "lightgbm"),
    FeatureModelSpec("classification", "logistic"),
    FeatureModelSpec("classification", "random_forest"),
    FeatureModelSpec("classification", "lightgbm"),
)


@dataclass(frozen=True)
class FeaturePrediction:
    """What a series-feature model says about ``timestamp``, ``horizon`` steps after the data."""

    task: Task
    timestamp: pd.Timestamp
    horizon: int
    last_price: float
    value: float | None = None
    probability_up: float | None = None
    label: int | None = None


class SeriesFeatureModel:
    """A fitted estimator on series features, its evaluation, and how to predict the next value."""

    def __init__(
        self,
        spec: FeatureModelSpec,
        estimator: Any,
        evaluation: FeatureEvaluation,
        *,
        feature_names: Sequence[str],
        freq: str,
        n_rows: int,
        data_end: pd.Timestamp,
    ) -> None:
        """Keep the fitted estimator and what it was trained on."""
        self.spec = spec
        self.estimator = estimator
        self.evaluation = evaluation
        self.feature_names = tuple(feature_names)
        self.freq = freq
        self.n_rows = n_rows
        self.data_end = data_end

    @property
    def name(self) -> str:
        """The spec's name (``classifier_lightgbm``, …)."""
        return self.spec.name

    def predict_latest(self, y: pd.Series[float]) -> FeaturePrediction:
        """The prediction for ``horizon`` steps after the end of ``y`` (value, or P(up))."""
        prepared = prepare_series(y, freq=self.freq)
        needed = self.spec.warm_up + 1
        if len(prepared) < needed:
            raise SeriesTooShortError(
                f"{self.name} needs at least {needed} observations to build one feature row "
                f"(the longest lag or window is {self.spec.warm_up}); the series has "
                f"{len(prepared)}",
                length=len(prepared),
                required=needed,
            )
        values = prepared.values.iloc[-(self.spec.warm_up + 1) :]
        row = _features_for(values, self.spec).iloc[[-1]].to_numpy(dtype=np.float64)
        last = pd.Timestamp(values.index[-1])
        when = future_index(last, prepared.freq, self.spec.horizon)[-1]
        price = float(values.iloc[-1])
        prediction = FeaturePrediction(
            task=self.spec.task, timestamp=when, horizon=self.spec.horizon, last_price=price
        )
        if self.spec.task == "regression":
            change = float(np.asarray(self.estimator.predict(row), dtype=np.float64)[0])
            return replace(prediction, value=price * math.exp(change))
        probability = float(up_probability(self.estimator, row)[0])
        return replace(prediction, probability_up=probability, label=int(probability >= 0.5))

    def __repr__(self) -> str:
        """Name, horizon and rows trained on."""
        return f"SeriesFeatureModel({self.name}, horizon={self.spec.horizon}, rows={self.n_rows})"


def make_features(
    y: pd.Series[float],
    lags: Sequence[int] = DEFAULT_LAGS,
    windows: Sequence[int] = DEFAULT_WINDOWS,
    calendar: bool = True,
) -> pd.DataFrame:
    """One feature row per timestamp of ``y`` (NaN until enough history); see the module doc."""
    prices = _positive_prices(y)
    log_price = _log(prices)
    step = log_price.diff()
    columns: dict[str, pd.Series[float]] = {}
    for lag in _checked_sizes(lags, "lags"):
        columns[f"log_return_{lag}"] = log_price - log_price.shift(lag)
    for window in _checked_sizes(windows, "windows", smallest=2):
        columns[f"distance_to_mean_{window}"] = log_price - _log(
            prices.rolling(window, min_periods=window).mean()
        )
        columns[f"volatility_{window}"] = step.rolling(window, min_periods=window).std(ddof=0)
    frame = pd.DataFrame(columns, index=y.index)
    if calendar:
        index = pd.DatetimeIndex(y.index)
        frame["day_of_week"] = index.dayofweek.astype(np.float64)
        frame["month"] = index.month.astype(np.float64)
    return frame


def make_target(y: pd.Series[float], task: str, horizon: int) -> pd.Series[float]:
    """The log return over ``horizon`` steps, or 1.0/0.0 for up/not up; NaN at the last rows."""
    checked = check_task(task)
    if int(horizon) != horizon or horizon < 1:
        raise InvalidInputError(f"the horizon must be a whole number >= 1, got {horizon}")
    prices = _positive_prices(y)
    future = prices.shift(-int(horizon))
    if checked == "regression":
        return _log(future / prices).rename("target")
    target = (future > prices).astype(np.float64).where(future.notna())
    return target.rename("target")


def train_feature_model(
    y: pd.Series[float],
    task: str,
    algorithm: str,
    horizon: int = 1,
    params: Mapping[str, Any] | None = None,
    *,
    lags: Sequence[int] = DEFAULT_LAGS,
    windows: Sequence[int] = DEFAULT_WINDOWS,
    calendar: bool = True,
    n_folds: int = DEFAULT_FOLDS,
) -> SeriesFeatureModel:
    """Evaluate ``algorithm`` on time-ordered folds beside its baseline, then fit on all rows."""
    spec = FeatureModelSpec(
        task=check_task(task),
        algorithm=algorithm,
        horizon=horizon,
        params=dict(params or {}),
        lags=tuple(lags),
        windows=tuple(windows),
        calendar=calendar,
        n_folds=n_folds,
    )
    return fit_spec(y, spec)


def train_feature_models(
    y: pd.Series[float], specs: Sequence[FeatureModelSpec] = DEFAULT_SPECS
) -> dict[str, SeriesFeatureModel]:
    """Several models on the same series, by name (names must differ)."""
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"model names must differ, got {names}")
    return {spec.name: fit_spec(y, spec) for spec in specs}


def fit_spec(y: pd.Series[float], spec: FeatureModelSpec) -> SeriesFeatureModel:
    """Train one spec: regularise, build rows, evaluate on folds, fit on every usable row."""
    if int(spec.horizon) != spec.horizon or spec.horizon < 1:
        raise InvalidInputError(f"the horizon must be a whole number >= 1, got {spec.horizon}")
    if int(spec.n_folds) != spec.n_folds or spec.n_folds < 2:
        raise InvalidInputError(f"n_folds must be a whole number >= 2, got {spec.n_folds}")
    factory = partial(build_estimator, spec.task, spec.algorithm, spec.params)
    factory()  # an unknown algorithm or parameter fails before any work
    prepared = prepare_series(y)
    required = spec.min_length()
    if len(prepared) < required:
        raise SeriesTooShortError(
            f"{spec.name} needs at least {required} observations ({spec.warm_up} of warm-up "
            f"for the features, {spec.horizon} for the target, {MIN_ROWS_PER_BLOCK} rows per "
            f"block of {spec.n_folds} time-ordered folds); the series has {len(prepared)}",
            length=len(prepared),
            required=required,
        )
    values = prepared.values
    features = _features_for(values, spec)
    target = make_target(values, spec.task, spec.horizon)
    usable = features.notna().all(axis=1) & target.notna()
    x = np.asarray(features[usable], dtype=np.float64)
    t = np.asarray(target[usable], dtype=np.float64)
    evaluation = evaluate_folds(
        x,
        t,
        np.asarray(values[usable], dtype=np.float64),
        task=spec.task,
        factory=factory,
        horizon=spec.horizon,
        n_folds=spec.n_folds,
    )
    estimator = factory()
    estimator.fit(x, t)
    return SeriesFeatureModel(
        spec,
        estimator,
        evaluation,
        feature_names=list(features.columns),
        freq=prepared.freq,
        n_rows=len(x),
        data_end=pd.Timestamp(values.index[-1]),
    )


def _features_for(values: pd.Series[float], spec: FeatureModelSpec) -> pd.DataFrame:
    """``make_features`` with the spec's lags, windows and calendar switch."""
    return make_features(values, spec.lags, spec.windows, spec.calendar)


def _log(values: pd.Series[float]) -> pd.Series[float]:
    """The natural logarithm of each value, on the same index (NaN stays NaN)."""
    return pd.Series(np.log(values.to_numpy(dtype=np.float64)), index=values.index)


def _positive_prices(y: pd.Series[float]) -> pd.Series[float]:
    """``y`` as floats on a DatetimeIndex, refusing a non-positive or non-finite price."""
    if not isinstance(y, pd.Series) or not isinstance(y.index, pd.DatetimeIndex):
        raise SeriesUnusableError("series features need a pandas Series with a DatetimeIndex")
    prices = y.astype(np.float64)
    bad = ~(np.isfinite(prices.to_numpy()) & (prices.to_numpy() > 0))
    if bool(bad.any()):
        first = prices.index[int(np.flatnonzero(bad)[0])]
        raise SeriesUnusableError(
            f"series features are log returns and need finite positive prices; "
            f"{int(bad.sum())} value(s) are not, the first at {first}"
        )
    return prices


def _checked_sizes(sizes: Sequence[int], what: str, smallest: int = 1) -> tuple[int, ...]:
    """Unique whole sizes, ascending, each at least ``smallest``; at least one."""
    checked = tuple(sorted({int(size) for size in sizes}))
    if not checked or checked[0] < smallest or any(int(s) != s for s in sizes):
        raise InvalidInputError(f"{what} must be whole numbers >= {smallest}, got {list(sizes)}")
    return checked
