"""Rolling-origin backtests of any engine, with naive and seasonal naive on the same windows.

``backtest(y, "ets", h=14, n_windows=3)`` regularises ``y`` once, cuts the windows described
in ``windows``, fits a forecaster on the first window's training part and carries it forward
to each later window's longer history without re-estimating its parameters (StatsForecast's
``cross_validation(refit=False)``: honest, since the first window's data precede every test
window, and it spares a parameter search per window), forecasts the next ``h`` points and
scores them (``metrics``). Aggregates are means over windows (every window has ``h``
points, so MAE, sMAPE, MASE and coverage equal their pooled values; RMSE is the mean of the
window RMSEs). Skill against naive is ``1 - MASE_model / MASE_naive``: above 0 the model
beats naive, below 0 it loses, and ``beats_naive`` says so plainly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from preditiva.core.errors import SeriesTooShortError
from preditiva.ml import metrics
from preditiva.ml.contract import DEFAULT_LEVELS, Forecast, Forecaster, check_levels
from preditiva.ml.engines import get_engine
from preditiva.ml.preparation import PreparedSeries, prepare_series
from preditiva.ml.windows import Window, rolling_windows

#: Builds a fresh, unfitted forecaster for each window.
EngineFactory = Callable[[], Forecaster]


@dataclass(frozen=True)
class Scores:
    """Accuracy of one window, or the mean over windows; coverage is a share per level."""

    mae: float
    rmse: float
    smape: float
    mase: float
    coverage: Mapping[int, float]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures (NaN becomes None)."""
        return {
            "mae": _plain(self.mae),
            "rmse": _plain(self.rmse),
            "smape": _plain(self.smape),
            "mase": _plain(self.mase),
            "coverage": {str(level): _plain(share) for level, share in self.coverage.items()},
        }


@dataclass(frozen=True)
class WindowResult:
    """One window: the dates it trained and tested on, its scores and any fallback."""

    window: Window
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp
    scores: Scores
    fallback_used: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures and ISO dates."""
        return {
            "window": asdict(self.window),
            "train_start": self.train_start.isoformat(),
            "train_end": self.train_end.isoformat(),
            "test_start": self.test_start.isoformat(),
            "test_end": self.test_end.isoformat(),
            "scores": self.scores.to_dict(),
            "fallback_used": self.fallback_used,
        }


@dataclass(frozen=True)
class MethodResult:
    """Every window of one method and the mean scores over them."""

    method: str
    windows: tuple[WindowResult, ...]
    aggregate: Scores

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready figures."""
        return {
            "method": self.method,
            "aggregate": self.aggregate.to_dict(),
            "windows": [window.to_dict() for window in self.windows],
        }


@dataclass(frozen=True)
class Backtest:
    """A model's backtest beside naive and seasonal naive on the very same windows."""

    h: int
    step: int
    freq: str
    season_length: int
    levels: tuple[int, ...]
    model: MethodResult
    naive: MethodResult
    seasonal_naive: MethodResult | None

    @property
    def skill(self) -> float:
        """``1 - MASE_model / MASE_naive``: positive beats naive; NaN when undefined."""
        return skill_against(self.model.aggregate.mase, self.naive.aggregate.mase)

    @property
    def beats_naive(self) -> bool:
        """True only when the model's mean MASE is strictly below naive's."""
        return self.skill > 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready record, as a model version will store it."""
        return {
            "h": self.h,
            "n_windows": len(self.model.windows),
            "step": self.step,
            "freq": self.freq,
            "season_length": self.season_length,
            "levels": list(self.levels),
            "skill_vs_naive": _plain(self.skill),
            "beats_naive": self.beats_naive,
            "model": self.model.to_dict(),
            "naive": self.naive.to_dict(),
            "seasonal_naive": self.seasonal_naive.to_dict() if self.seasonal_naive else None,
        }


def backtest(
    y: pd.Series[float],
    engine: str | EngineFactory,
    *,
    h: int,
    n_windows: int = 3,
    step: int | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    freq: str | None = None,
    season_length: int | None = None,
) -> Backtest:
    """Backtest ``engine`` (a name or a factory) on ``y`` over ``n_windows`` rolling origins."""
    prepared = prepare_series(y, freq=freq, season_length=season_length)
    m = prepared.season_length
    factory = _factory(engine, freq=prepared.freq, season_length=m)
    checked = check_levels(levels)
    min_train = factory().min_length(m)[0]
    windows = rolling_windows(
        len(prepared), h=h, n_windows=n_windows, step=step, min_train=min_train
    )
    model = evaluate(prepared, factory, windows, checked)
    naive = evaluate(
        prepared, _factory("naive", freq=prepared.freq, season_length=m), windows, checked
    )
    seasonal: MethodResult | None
    try:
        seasonal = evaluate(
            prepared,
            _factory("seasonal_naive", freq=prepared.freq, season_length=m),
            windows,
            checked,
        )
    except SeriesTooShortError:
        seasonal = None
    return Backtest(
        h=h,
        step=h if step is None else step,
        freq=prepared.freq,
        season_length=m,
        levels=checked,
        model=model,
        naive=naive,
        seasonal_naive=seasonal,
    )


def evaluate(
    prepared: PreparedSeries,
    factory: EngineFactory,
    windows: Sequence[Window],
    levels: tuple[int, ...],
) -> MethodResult:
    """Forecast each window of a prepared series (``window_forecasts``) and score them."""
    runs = window_forecasts(prepared, factory, windows, levels)
    method = runs[0][0].engine if runs else factory().name
    return score_runs(method, prepared.values, windows, runs, season_length=prepared.season_length)


def window_forecasts(
    prepared: PreparedSeries,
    factory: EngineFactory,
    windows: Sequence[Window],
    levels: tuple[int, ...],
) -> list[tuple[Forecast, bool]]:
    """Each window's forecast, and whether it fell back to naive.

    The first window's forecaster estimates its parameters on that window's training part;
    each later window carries them forward onto its longer history (``Forecaster.forward``).
    """
    runs = []
    fitted: Forecaster | None = None
    for window in windows:
        part = prepared.head(window.train_end)
        fitted = factory().fit_prepared(part) if fitted is None else fitted.forward(part)
        runs.append((fitted.predict(window.horizon, levels), bool(fitted.fallback_used_)))
    return runs


def score_runs(
    method: str,
    values: pd.Series[float],
    windows: Sequence[Window],
    runs: Sequence[tuple[Forecast, bool]],
    *,
    season_length: int,
) -> MethodResult:
    """Score forecasts already made for each window (with whether each fell back to naive)."""
    array = values.to_numpy(dtype=np.float64)
    index = values.index
    results = []
    for window, (forecast, fallback_used) in zip(windows, runs, strict=True):
        train = array[: window.train_end]
        actual = array[window.train_end : window.test_end]
        results.append(
            WindowResult(
                window=window,
                train_start=index[0],
                train_end=index[window.train_end - 1],
                test_start=index[window.train_end],
                test_end=index[window.test_end - 1],
                scores=score_window(actual, forecast, train, season_length),
                fallback_used=fallback_used,
            )
        )
    return MethodResult(method=method, windows=tuple(results), aggregate=mean_scores(results))


def score_window(
    actual: np.ndarray[Any, Any],
    forecast: Forecast,
    train: np.ndarray[Any, Any],
    season_length: int,
) -> Scores:
    """The scores of one window's forecast against what happened."""
    return Scores(
        mae=metrics.mae(actual, forecast.mean),
        rmse=metrics.rmse(actual, forecast.mean),
        smape=metrics.smape(actual, forecast.mean),
        mase=metrics.mase(actual, forecast.mean, train=train, season_length=season_length),
        coverage={
            level: metrics.coverage(actual, forecast.lower[level], forecast.upper[level])
            for level in forecast.levels
        },
    )


def mean_scores(results: Sequence[WindowResult]) -> Scores:
    """The mean of each score over windows, ignoring NaN (NaN only if every window is NaN)."""
    first = results[0].scores
    return Scores(
        mae=_nanmean([r.scores.mae for r in results]),
        rmse=_nanmean([r.scores.rmse for r in results]),
        smape=_nanmean([r.scores.smape for r in results]),
        mase=_nanmean([r.scores.mase for r in results]),
        coverage={
            level: _nanmean([r.scores.coverage[level] for r in results]) for level in first.coverage
        },
    )


def skill_against(model_mase: float, naive_mase: float) -> float:
    """``1 - model / naive``, or NaN when either is undefined or naive's is zero."""
    if not (math.isfinite(model_mase) and math.isfinite(naive_mase)) or naive_mase <= 0:
        return float("nan")
    return 1.0 - model_mase / naive_mase


def _factory(engine: str | EngineFactory, *, freq: str, season_length: int) -> EngineFactory:
    """A factory from an engine name (built at this frequency and season) or a callable."""
    if callable(engine):
        return engine
    name = engine
    return lambda: get_engine(name, freq=freq, season_length=season_length)


def _nanmean(values: Sequence[float]) -> float:
    """Mean of the non-NaN values; NaN when there are none."""
    finite = [value for value in values if not math.isnan(value)]
    return float(np.mean(finite)) if finite else float("nan")


def _plain(value: float) -> float | None:
    """A float for JSON: NaN becomes None."""
    return None if math.isnan(value) else float(value)
