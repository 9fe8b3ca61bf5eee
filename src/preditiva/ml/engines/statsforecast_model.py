"""The bridge from the contract to StatsForecast's model classes, with a naive fallback.

StatsForecast models take a NumPy array (``fit(y)``) and return a dict from
``predict(h, level=[...])`` with ``mean``, ``lo-<level>`` and ``hi-<level>``. When a model
fails to fit, or fits but cannot produce a finite forecast, the engine keeps going with
``Naive`` (StatsForecast's own ``fallback_model`` idea) and records ``fallback_used_`` and
``fallback_reason_``; pass ``fallback=False`` to get a ``ForecasterError`` instead.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Protocol, cast

import numpy as np
import pandas as pd

from preditiva.core.errors import ForecasterError
from preditiva.ml.contract import Bands, FloatArray, Forecaster
from preditiva.ml.preparation import PreparedSeries

#: Fewest observations for a fitted statistical model (ETS, Theta, ARIMA) without seasonality.
MIN_MODEL_OBSERVATIONS = 10


class StatsModel(Protocol):
    """What the engines use of a StatsForecast model class (``X``, exogenous data, unused)."""

    def fit(
        self,
        y: np.ndarray[Any, Any],
        X: np.ndarray[Any, Any] | None = None,  # noqa: N803 (StatsForecast's name)
    ) -> Any:
        """Fit on the history; returns the model."""

    def predict(
        self,
        h: int,
        X: np.ndarray[Any, Any] | None = None,  # noqa: N803 (StatsForecast's name)
        level: list[int] | None = None,
    ) -> Any:
        """Forecast ``h`` steps: a dict with ``mean`` and ``lo-<level>``/``hi-<level>``."""


class ForwardModel(Protocol):
    """A StatsForecast model that can apply its fitted parameters to another series."""

    def forward(
        self, y: np.ndarray[Any, Any], h: int, level: list[int] | None = None
    ) -> dict[str, Any]:
        """Forecast ``h`` steps after ``y`` with the parameters fitted earlier."""


class Forwarded:
    """A fitted model applied to a new history without re-estimating (``forward``)."""

    def __init__(self, model: ForwardModel, y: np.ndarray[Any, Any]) -> None:
        """``model`` is fitted; ``y`` is the history its forecasts follow from now on."""
        self.model = model
        self.y = y

    def fit(
        self,
        y: np.ndarray[Any, Any],
        X: np.ndarray[Any, Any] | None = None,  # noqa: N803 (StatsForecast's name)
    ) -> Any:
        """Not used: a forwarded model is never refitted."""
        raise TypeError("a forwarded model is not fitted again; fit a fresh engine")

    def predict(
        self,
        h: int,
        X: np.ndarray[Any, Any] | None = None,  # noqa: N803 (StatsForecast's name)
        level: list[int] | None = None,
    ) -> Any:
        """The model's ``forward`` forecast of ``h`` steps after the new history."""
        return self.model.forward(y=self.y, h=h, level=level)


class StatsForecastEngine(Forecaster):
    """An engine whose work is done by one StatsForecast model object."""

    def __init__(
        self, *, freq: str | None = None, season_length: int | None = None, fallback: bool = True
    ) -> None:
        """``fallback`` switches to naive when the model fails to fit (recorded when used)."""
        super().__init__(freq=freq, season_length=season_length)
        self.fallback = fallback

    @abstractmethod
    def _build_model(self, season_length: int) -> StatsModel:
        """A fresh, unfitted StatsForecast model for this season length."""

    def _season_length_for_fit(self, length: int, season_length: int) -> int:
        """The season length actually used; the default keeps the one given."""
        return season_length

    def _fit_prepared(self, prepared: PreparedSeries) -> None:
        """Fit the model on the values; on failure fit naive instead and record why."""
        values = prepared.values.to_numpy(dtype=np.float64)
        self.season_length_ = self._season_length_for_fit(len(values), prepared.season_length)
        try:
            model = self._build_model(self.season_length_)
            model.fit(values)
            check = model.predict(h=1)["mean"]
            if not bool(np.all(np.isfinite(check))):
                raise ForecasterError(f"{self.name} fitted but forecasts non-finite values")
        except Exception as error:  # StatsForecast raises ValueError, LinAlgError, ZeroDivision…
            if not self.fallback:
                raise ForecasterError(f"{self.name} failed to fit: {error}") from error
            model = naive_model()
            model.fit(values)
            self.fallback_used_ = True
            self.fallback_reason_ = f"{type(error).__name__}: {error}"
        self.model_: StatsModel = model
        self.model_season_ = self.season_length_

    def _forward_prepared(self, prepared: PreparedSeries, *, fell_back: bool) -> None:
        """Apply the fitted model to ``prepared`` through its ``forward``, where it has one."""
        self.season_length_ = self._season_length_for_fit(len(prepared), prepared.season_length)
        model = self.model_.model if isinstance(self.model_, Forwarded) else self.model_
        if fell_back or not hasattr(model, "forward") or self.season_length_ != self.model_season_:
            self._fit_prepared(prepared)
            return
        values = prepared.values.to_numpy(dtype=np.float64)
        self.model_ = Forwarded(cast(ForwardModel, model), values)

    def _predict_values(
        self, h: int, levels: tuple[int, ...], index: pd.DatetimeIndex
    ) -> tuple[FloatArray, Bands]:
        """Read ``mean`` and ``lo-``/``hi-`` bounds per level from StatsForecast's dict."""
        output = self.model_.predict(h=h, level=list(levels))
        mean = np.asarray(output["mean"], dtype=np.float64)
        bands = {
            level: (
                np.asarray(output[f"lo-{level}"], dtype=np.float64),
                np.asarray(output[f"hi-{level}"], dtype=np.float64),
            )
            for level in levels
        }
        return mean, bands


class SeasonOptionalEngine(StatsForecastEngine):
    """A model that uses seasonality when there are two full seasons and drops it otherwise."""

    def min_length(self, season_length: int) -> tuple[int, str]:
        """Ten observations; seasonality is added only with two full seasons."""
        return MIN_MODEL_OBSERVATIONS, "enough points to estimate the model's parameters"

    def _season_length_for_fit(self, length: int, season_length: int) -> int:
        """``season_length`` with at least two full seasons of history, else 1 (no season)."""
        return season_length if length >= 2 * season_length else 1


def naive_model() -> StatsModel:
    """StatsForecast's ``Naive`` model: the last value, random-walk intervals."""
    from statsforecast.models import Naive

    model: StatsModel = Naive()
    return model
