"""Prophet (optional extra ``preditiva[prophet]``) behind the same contract as every engine.

Prophet draws its intervals by simulation; they are taken as quantiles of
``predictive_samples`` under a fixed seed (NumPy's global state is saved and restored), so a
fitted model predicts the same before and after pickling. The fitted Stan model is pickled
through Prophet's own JSON serialisation, which is the form Prophet supports.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from preditiva.ml.contract import Bands, FloatArray, Forecaster
from preditiva.ml.preparation import PreparedSeries


class ProphetForecaster(Forecaster):
    """Meta's Prophet: piecewise-linear trend plus Fourier seasonalities, fitted with Stan."""

    name = "prophet"

    def __init__(
        self,
        *,
        growth: str = "linear",
        changepoint_prior_scale: float = 0.05,
        seasonality_mode: str = "additive",
        uncertainty_samples: int = 500,
        random_seed: int = 0,
        freq: str | None = None,
        season_length: int | None = None,
    ) -> None:
        """Prophet's own parameters, plus the seed that makes its intervals repeatable."""
        super().__init__(freq=freq, season_length=season_length)
        self.growth = growth
        self.changepoint_prior_scale = changepoint_prior_scale
        self.seasonality_mode = seasonality_mode
        self.uncertainty_samples = uncertainty_samples
        self.random_seed = random_seed

    def min_length(self, season_length: int) -> tuple[int, str]:
        """Ten observations, enough for a trend with a changepoint or two."""
        return 10, "enough points to fit a trend"

    def _fit_prepared(self, prepared: PreparedSeries) -> None:
        """Fit Prophet on the regular series (``ds``, ``y`` frame)."""
        prophet_class = _quiet_prophet()
        model = prophet_class(
            growth=self.growth,
            changepoint_prior_scale=self.changepoint_prior_scale,
            seasonality_mode=self.seasonality_mode,
            uncertainty_samples=self.uncertainty_samples,
        )
        values = prepared.values
        index = values.index
        assert isinstance(index, pd.DatetimeIndex)
        model.fit(pd.DataFrame({"ds": _naive_times(index), "y": values.to_numpy()}))
        self.model_: Any = model

    def _predict_values(
        self, h: int, levels: tuple[int, ...], index: pd.DatetimeIndex
    ) -> tuple[FloatArray, Bands]:
        """Prophet's ``yhat`` and sample quantiles per level, under a fixed seed."""
        future = pd.DataFrame({"ds": _naive_times(index)})
        state = np.random.get_state()
        np.random.seed(self.random_seed)
        try:
            mean = np.asarray(self.model_.predict(future)["yhat"], dtype=np.float64)
            samples = np.asarray(self.model_.predictive_samples(future)["yhat"]) if levels else None
        finally:
            np.random.set_state(state)
        bands: dict[int, tuple[FloatArray, FloatArray]] = {}
        for level in levels:
            tail = (100 - level) / 200
            assert samples is not None
            bands[level] = (
                np.quantile(samples, tail, axis=1),
                np.quantile(samples, 1 - tail, axis=1),
            )
        return mean, bands

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fitted Stan model as Prophet's JSON, the form Prophet supports."""
        state = dict(self.__dict__)
        if "model_" in state:
            from prophet.serialize import model_to_json

            state["model_"] = model_to_json(state["model_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the fitted Stan model from Prophet's JSON."""
        if isinstance(state.get("model_"), str):
            from prophet.serialize import model_from_json

            state = {**state, "model_": model_from_json(state["model_"])}
        self.__dict__.update(state)


def _naive_times(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Prophet refuses time zones: use the wall-clock times."""
    return index.tz_localize(None) if index.tz is not None else index


def _quiet_prophet() -> Any:
    """Import ``Prophet`` without its plotting notice and per-fit Stan INFO lines."""
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    from cmdstanpy.utils import get_logger
    from prophet import Prophet

    stan_logger = get_logger()
    stan_logger.setLevel(logging.WARNING)
    for handler in stan_logger.handlers:
        handler.setLevel(logging.WARNING)
    return Prophet
