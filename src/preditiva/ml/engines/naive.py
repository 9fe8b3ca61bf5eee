"""The baselines every model is compared with: naive (last value) and seasonal naive.

They are computed many times per series (every backtest window), so they are plain NumPy
with StatsForecast's formulas rather than its model classes, whose interval code builds a
SciPy distribution on every call (about 1.5 ms, more than the forecast itself): the last
season repeated; sigma from the in-sample errors of that rule; intervals widening with the
square root of the number of seasons ahead.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

from preditiva.ml.engines.statsforecast_model import StatsForecastEngine, StatsModel


class SeasonalRandomWalk:
    """Repeat the last ``season_length`` values (1 = naive); Gaussian intervals."""

    def __init__(self, season_length: int = 1) -> None:
        """``season_length`` 1 is the naive rule."""
        self.season_length = season_length

    def fit(
        self,
        y: np.ndarray[Any, Any],
        X: np.ndarray[Any, Any] | None = None,  # noqa: N803 (StatsForecast's name)
    ) -> SeasonalRandomWalk:
        """Keep the last season and the spread of the rule's in-sample errors."""
        values = np.asarray(y, dtype=np.float64)
        m = self.season_length
        if values.size < m:
            raise ValueError(f"needs at least {m} values, got {values.size}")
        self.last_ = values[-m:].copy()
        errors = values[m:] - values[:-m]
        self.sigma_ = float(np.sqrt(np.nansum(errors**2) / errors.size)) if errors.size else 0.0
        return self

    def predict(
        self,
        h: int,
        X: np.ndarray[Any, Any] | None = None,  # noqa: N803 (StatsForecast's name)
        level: list[int] | None = None,
    ) -> dict[str, np.ndarray[Any, Any]]:
        """``mean`` and, per level, ``lo-<level>``/``hi-<level>``."""
        mean = np.resize(self.last_, h)
        output = {"mean": mean}
        if level:
            seasons_ahead = np.floor(np.arange(h) / self.season_length) + 1
            spread = self.sigma_ * np.sqrt(seasons_ahead)
            for lv in sorted(level):
                z = NormalDist().inv_cdf(0.5 + lv / 200)
                output[f"lo-{lv}"] = mean - z * spread
                output[f"hi-{lv}"] = mean + z * spread
        return output


class NaiveForecaster(StatsForecastEngine):
    """Repeat the last value; intervals from the random walk fitted to the history."""

    name = "naive"

    def _build_model(self, season_length: int) -> StatsModel:
        """A fresh naive rule."""
        return SeasonalRandomWalk(1)


class SeasonalNaiveForecaster(StatsForecastEngine):
    """Repeat the last full season; intervals from the seasonal random walk."""

    name = "seasonal_naive"

    def min_length(self, season_length: int) -> tuple[int, str]:
        """Two full seasons: one to repeat and one to measure the errors for the intervals."""
        return max(3, 2 * season_length), f"two full seasons of {season_length}"

    def _build_model(self, season_length: int) -> StatsModel:
        """A fresh seasonal naive rule for this season length."""
        return SeasonalRandomWalk(season_length)
