"""Forecasting a history sent in the request: fit, backtest beside naive when it can, answer.

Bare numbers need a frequency; they end today (UTC) unless a ``start`` is given. Points
carry their own timestamps (naive ones are UTC). The engine is backtested over up to three
windows of the horizon, as training does; a history too short to backtest is still
forecast, with the skill reported as unknown. Too short for the engine itself is a 422.
"""

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from preditiva.core.clock import utcnow
from preditiva.core.errors import DataValidationError, InvalidInputError, SeriesTooShortError
from preditiva.core.numbers import finite_float
from preditiva.ml.backtest import Backtest
from preditiva.ml.contract import Forecast, Forecaster, check_levels
from preditiva.ml.engines import get_engine
from preditiva.ml.training import train_series
from preditiva.services.forecast_answers import (
    ForecastAnswer,
    backtest_skill,
    forecast_points,
    utc,
)
from preditiva.services.forecasts import check_request

MAX_HISTORY = 100_000


def check_freq(freq: str) -> str:
    """``freq`` if pandas knows it, else a 422 with examples."""
    try:
        to_offset(freq)
    except ValueError as error:
        raise InvalidInputError(
            f"freq {freq!r} is not a frequency; use a pandas alias such as h, D, B, W, MS",
            details=[{"field": "freq", "message": "unknown frequency"}],
        ) from error
    return freq


def _checked_values(values: Sequence[float]) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
    """The values as floats, refusing an empty, too long or non-finite history."""
    if not values:
        raise DataValidationError("history is empty: send at least a few values")
    if len(values) > MAX_HISTORY:
        raise DataValidationError(
            f"history has {len(values)} points; at most {MAX_HISTORY} are accepted"
        )
    try:
        array = np.asarray(values, dtype=np.float64)
    except OverflowError:
        huge = [i for i, v in enumerate(values) if isinstance(v, int) and finite_float(v) is None]
        raise DataValidationError(
            f"history[{huge[0]}] is an integer too large for a float",
            details=[{"field": f"history.{i}", "message": "too large"} for i in huge[:20]],
        ) from None
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise DataValidationError(
            f"history[{int(bad[0])}] is {array[bad[0]]}: every value must be a finite number",
            details=[{"field": f"history.{int(i)}", "message": "not finite"} for i in bad[:20]],
        )
    return array


def history_from_values(
    values: Sequence[float], *, freq: str, start: datetime | None = None
) -> "pd.Series[float]":
    """Bare values on a ``freq`` grid from ``start``, or ending now (UTC) when not given."""
    array = _checked_values(values)
    check_freq(freq)
    if start is not None:
        first = pd.Timestamp(utc(start)).tz_localize(None)
        index = pd.date_range(first, periods=len(array), freq=freq)
    else:
        now = pd.Timestamp(utcnow()).tz_localize(None)
        offset = to_offset(freq)
        end = now.floor(offset.freqstr) if isinstance(offset, Tick) else now.normalize()
        index = pd.date_range(end=end, periods=len(array), freq=freq)
    return pd.Series(array, index=index)


def history_from_points(points: Sequence[tuple[datetime, float]]) -> "pd.Series[float]":
    """``(ts, value)`` points as a series on naive UTC timestamps."""
    array = _checked_values([value for _, value in points])
    index = pd.DatetimeIndex([pd.Timestamp(utc(ts)).tz_localize(None) for ts, _ in points])
    return pd.Series(array, index=index)


def _detail(forecaster: Forecaster) -> str | None:
    """What the engine chose or fell back to, in words."""
    reason = getattr(forecaster, "reason_", None)
    fallback = forecaster.fallback_reason_
    parts = [part for part in (reason, fallback and f"fallback: {fallback}") if part]
    return "; ".join(parts) or None


def _fit(
    y: "pd.Series[float]", engine: str, h: int, levels: tuple[int, ...], freq: str | None
) -> tuple[Forecaster, Forecast, Backtest | None]:
    """Train with a backtest; when too short to backtest, fit the engine alone."""
    options = {"freq": freq} if freq else {}
    try:
        trained = train_series(y, engine, horizon=h, params=options, levels=levels)
    except SeriesTooShortError:
        forecaster = get_engine(engine, **options).fit(y)
        return forecaster, forecaster.predict(h, levels), None
    return trained.forecaster, trained.forecast, trained.backtest


def inline_forecast(
    y: "pd.Series[float]",
    *,
    h: int,
    levels: Sequence[int],
    engine: str = "auto",
    freq: str | None = None,
) -> ForecastAnswer:
    """Fit ``engine`` on ``y`` now and forecast ``h`` steps, with the skill when backtestable."""
    check_request(h, levels)
    wanted = check_levels(levels)
    if freq:
        check_freq(freq)
    forecaster, forecast, backtest = _fit(y, engine, h, wanted, freq)
    return ForecastAnswer(
        series=None,
        model=None,
        version=None,
        engine=engine,
        engine_detail=_detail(forecaster),
        data_end=utc(forecaster.last_timestamp_),
        trained_at=utcnow(),
        freq=forecaster.freq_,
        h=h,
        levels=wanted,
        source="inline",
        points=forecast_points(forecast, wanted),
        skill=backtest_skill(backtest),
    )
