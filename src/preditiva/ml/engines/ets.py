"""Exponential smoothing with the model (error, trend, season) chosen by AICc: AutoETS."""

from __future__ import annotations

from statsforecast.models import AutoETS

from preditiva.ml.engines.statsforecast_model import SeasonOptionalEngine, StatsModel


class ETSForecaster(SeasonOptionalEngine):
    """StatsForecast ``AutoETS``; ``model`` is the ETS spec such as ``"ZZZ"`` (Z = choose)."""

    name = "ets"

    def __init__(
        self,
        *,
        model: str = "ZZZ",
        damped: bool | None = None,
        freq: str | None = None,
        season_length: int | None = None,
        fallback: bool = True,
    ) -> None:
        """``model`` and ``damped`` are passed to AutoETS unchanged."""
        super().__init__(freq=freq, season_length=season_length, fallback=fallback)
        self.model = model
        self.damped = damped

    def _build_model(self, season_length: int) -> StatsModel:
        """A fresh AutoETS with this spec."""
        model: StatsModel = AutoETS(
            season_length=season_length, model=self.model, damped=self.damped
        )
        return model
