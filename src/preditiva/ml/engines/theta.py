"""Theta models (standard, optimised, dynamic) chosen by fit: AutoTheta."""

from __future__ import annotations

from statsforecast.models import AutoTheta

from preditiva.ml.engines.statsforecast_model import SeasonOptionalEngine, StatsModel


class ThetaForecaster(SeasonOptionalEngine):
    """StatsForecast ``AutoTheta``; seasonally adjusts first when the series is seasonal."""

    name = "theta"

    def __init__(
        self,
        *,
        decomposition_type: str = "multiplicative",
        model: str | None = None,
        freq: str | None = None,
        season_length: int | None = None,
        fallback: bool = True,
    ) -> None:
        """``decomposition_type`` and ``model`` (e.g. ``"OTM"``) are passed to AutoTheta."""
        super().__init__(freq=freq, season_length=season_length, fallback=fallback)
        self.decomposition_type = decomposition_type
        self.model = model

    def _build_model(self, season_length: int) -> StatsModel:
        """A fresh AutoTheta with these settings."""
        model: StatsModel = AutoTheta(
            season_length=season_length,
            decomposition_type=self.decomposition_type,
            model=self.model,
        )
        return model
