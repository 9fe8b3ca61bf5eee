"""The baselines every model is compared with: naive (last value) and seasonal naive."""

from __future__ import annotations

from statsforecast.models import Naive, SeasonalNaive

from preditiva.ml.engines.statsforecast_model import StatsForecastEngine, StatsModel


class NaiveForecaster(StatsForecastEngine):
    """Repeat the last value; intervals from the random walk fitted to the history."""

    name = "naive"

    def _build_model(self, season_length: int) -> StatsModel:
        """A fresh Naive model."""
        model: StatsModel = Naive()
        return model


class SeasonalNaiveForecaster(StatsForecastEngine):
    """Repeat the last full season; intervals from the seasonal random walk."""

    name = "seasonal_naive"

    def min_length(self, season_length: int) -> tuple[int, str]:
        """Two full seasons: one to repeat and one to measure the errors for the intervals."""
        return max(3, 2 * season_length), f"two full seasons of {season_length}"

    def _build_model(self, season_length: int) -> StatsModel:
        """A fresh SeasonalNaive model for this season length."""
        model: StatsModel = SeasonalNaive(season_length=season_length)
        return model
