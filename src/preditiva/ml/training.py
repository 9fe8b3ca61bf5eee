"""Train one series the way the registry stores it: backtest, final fit, served forecast.

``train_series(y, "auto", horizon=30)`` regularises ``y`` once, backtests the engine beside
naive and seasonal naive over rolling windows of the served horizon (parameters estimated in
the first window and carried forward to the later ones: ``backtest.window_forecasts``), fits
the engine on the whole history and forecasts that horizon, so serving is a read. For
``auto`` the members are backtested once and reused: the combination's score in each window
uses the guard decision the earlier windows allowed (no window chooses with its own
outcome), and the final guard reads the same scores instead of fitting its own.
A history too short for even one window is refused with the reason (the skill against naive
could not be shown); ``n_windows=0`` turns the backtest off on purpose.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from preditiva.core.errors import SeriesTooShortError
from preditiva.ml.backtest import Backtest, MethodResult, evaluate, score_runs, window_forecasts
from preditiva.ml.contract import DEFAULT_LEVELS, Forecast, Forecaster, check_levels, make_forecast
from preditiva.ml.engines import engine_class, get_engine
from preditiva.ml.engines.auto import AutoForecaster, member_engine
from preditiva.ml.preparation import PreparedSeries, prepare_series
from preditiva.ml.windows import Window, rolling_windows

DEFAULT_WINDOWS = 3


@dataclass(frozen=True, eq=False)
class TrainedSeries:
    """A fitted forecaster, its forecast of the served horizon, and its backtest (if any)."""

    forecaster: Forecaster
    forecast: Forecast
    backtest: Backtest | None
    backtest_note: str | None
    n_obs: int
    data_end: pd.Timestamp
    filled: int

    @property
    def detail(self) -> str | None:
        """What the engine chose or fell back to, in words (``auto``'s reason, a fallback)."""
        reason = getattr(self.forecaster, "reason_", None)
        fallback = self.forecaster.fallback_reason_
        parts = [part for part in (reason, fallback and f"fallback: {fallback}") if part]
        return "; ".join(parts) or None


def data_fingerprint(y: pd.Series[float]) -> str:
    """SHA-256 of the timestamps and values a model sees: equal data, equal fingerprint."""
    ordered = y.sort_index()
    index = pd.DatetimeIndex(ordered.index)
    digest = hashlib.sha256()
    digest.update(np.asarray(index.asi8, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(ordered.to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def train_series(
    y: pd.Series[float],
    engine: str,
    *,
    horizon: int,
    params: Mapping[str, Any] | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    n_windows: int = DEFAULT_WINDOWS,
) -> TrainedSeries:
    """Backtest ``engine`` on ``y``, fit it on all of ``y``, forecast ``horizon`` steps."""
    options = dict(params or {})
    prepared = prepare_series(y, freq=options.pop("freq", None), season_length=None)
    prepared = _with_season(prepared, options.pop("season_length", None))
    checked = check_levels(levels)
    if "horizon" in inspect.signature(engine_class(engine).__init__).parameters:
        options.setdefault("horizon", horizon)  # engines that learn a horizon learn this one
    factory = _factory(engine, options, prepared)
    required, why = factory().min_length(prepared.season_length)
    if len(prepared) < required:
        raise SeriesTooShortError(
            f"{engine} needs at least {required} observations ({why}); "
            f"the series has {len(prepared)}",
            length=len(prepared),
            required=required,
        )
    windows, note = _windows(
        len(prepared), horizon, n_windows, _window_minimum(factory(), prepared)
    )
    if engine == "auto":
        fitted, result = _train_auto(prepared, factory, windows, checked, horizon)
    else:
        result = _backtest(prepared, factory, windows, checked, horizon) if windows else None
        fitted = factory().fit_prepared(prepared)
    return TrainedSeries(
        forecaster=fitted,
        forecast=fitted.predict(horizon, checked),
        backtest=result,
        backtest_note=note,
        n_obs=len(prepared),
        data_end=_utc(prepared.values.index[-1]),
        filled=prepared.filled,
    )


def _utc(stamp: pd.Timestamp) -> pd.Timestamp:
    """``stamp`` as an aware UTC timestamp (naive ones are taken to be UTC)."""
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _window_minimum(template: Forecaster, prepared: PreparedSeries) -> int:
    """Fewest points the first backtest window trains on: every ``auto`` member must fit."""
    m = prepared.season_length
    if not isinstance(template, AutoForecaster):
        return template.min_length(m)[0]
    members = template.fitting_members(prepared)
    return max(
        member_engine(name, freq=prepared.freq, season_length=m).min_length(m)[0]
        for name in members
    )


def _with_season(prepared: PreparedSeries, season_length: int | None) -> PreparedSeries:
    """``prepared`` with the season length the parameters ask for, if any."""
    if season_length is None:
        return prepared
    return PreparedSeries(
        values=prepared.values,
        freq=prepared.freq,
        season_length=int(season_length),
        filled=prepared.filled,
        duplicates_dropped=prepared.duplicates_dropped,
        snapped=prepared.snapped,
    )


def _factory(
    engine: str, options: Mapping[str, Any], prepared: PreparedSeries
) -> Callable[[], Forecaster]:
    """Fresh forecasters of ``engine`` at the prepared frequency and season."""
    return lambda: get_engine(
        engine, freq=prepared.freq, season_length=prepared.season_length, **options
    )


def _windows(
    n: int, horizon: int, n_windows: int, min_train: int
) -> tuple[list[Window], str | None]:
    """As many windows (up to ``n_windows``) of the served horizon as the history allows.

    With none, the series is too short to say whether the model beats naive: it is refused
    (``SeriesTooShortError``) rather than served with an unknown skill.
    """
    if n_windows < 1:
        return [], "backtest disabled (n_windows=0): skill against naive unknown"
    for count in range(n_windows, 0, -1):
        try:
            windows = rolling_windows(n, h=horizon, n_windows=count, min_train=min_train)
        except SeriesTooShortError as error:
            if count == 1:
                raise SeriesTooShortError(
                    f"too short to backtest a {horizon}-step forecast against naive: "
                    f"{error.reason}",
                    length=n,
                    required=error.required,
                ) from error
            continue
        note = None if count == n_windows else f"only {count} of {n_windows} backtest windows fit"
        return windows, note
    raise AssertionError("unreachable")


def _backtest(
    prepared: PreparedSeries,
    factory: Callable[[], Forecaster],
    windows: list[Window],
    levels: tuple[int, ...],
    horizon: int,
    model: MethodResult | None = None,
    naive: MethodResult | None = None,
) -> Backtest:
    """The model's windows beside naive and seasonal naive (each evaluated here unless given)."""
    m = prepared.season_length
    if model is None:
        model = evaluate(prepared, factory, windows, levels)
    if naive is None:
        naive = evaluate(prepared, lambda: get_engine("naive", freq=prepared.freq), windows, levels)
    seasonal: MethodResult | None = None
    if m > 1:
        try:
            seasonal = evaluate(
                prepared,
                lambda: get_engine("seasonal_naive", freq=prepared.freq, season_length=m),
                windows,
                levels,
            )
        except SeriesTooShortError:
            seasonal = None
    return Backtest(
        h=horizon,
        step=horizon,
        freq=prepared.freq,
        season_length=m,
        levels=levels,
        model=model,
        naive=naive,
        seasonal_naive=seasonal,
    )


def _train_auto(
    prepared: PreparedSeries,
    factory: Callable[[], Forecaster],
    windows: list[Window],
    levels: tuple[int, ...],
    horizon: int,
) -> tuple[Forecaster, Backtest | None]:
    """Backtest ``auto``'s members once; score the guarded combination; fit on all data."""
    template = factory()
    assert isinstance(template, AutoForecaster)
    members = template.fitting_members(prepared)
    if not windows:
        return template.fit_prepared(prepared), None
    values, m = prepared.values, prepared.season_length
    per_member = {
        name: window_forecasts(
            prepared,
            partial(member_engine, name, freq=prepared.freq, season_length=m),
            windows,
            levels,
        )
        for name in dict.fromkeys(("naive", *members))
    }
    results = {
        name: score_runs(name, values, windows, runs, season_length=m)
        for name, runs in per_member.items()
    }
    scores = {
        name: tuple(window.scores.mase for window in result.windows)
        for name, result in results.items()
    }
    combined = []
    for position in range(len(windows)):
        earlier = {name: window_scores[:position] for name, window_scores in scores.items()}
        chosen, _ = template.choose(members, earlier if position else {})
        runs = [per_member[name][position] for name in chosen]
        forecast = _mean_forecast([run[0] for run in runs], levels)
        combined.append((forecast, any(run[1] for run in runs)))
    model = score_runs("auto", values, windows, combined, season_length=m)
    fitted = template.fit_with_selection(prepared, scores)
    return fitted, _backtest(
        prepared, factory, windows, levels, horizon, model=model, naive=results["naive"]
    )


def _mean_forecast(forecasts: list[Forecast], levels: tuple[int, ...]) -> Forecast:
    """Equal-weight mean of the forecasts' points and bounds, as ``auto`` combines them."""
    if len(forecasts) == 1:
        return forecasts[0]
    return make_forecast(
        forecasts[0].index,
        np.mean([f.mean for f in forecasts], axis=0),
        {
            level: (
                np.mean([f.lower[level] for f in forecasts], axis=0),
                np.mean([f.upper[level] for f in forecasts], axis=0),
            )
            for level in levels
        },
        engine="auto",
    )
