"""``auto``: an equal-weight combination of cheap, robust models, guarded by naive.

Why this design (evidence: the issue's measurements and BENCHMARKS.md "Forecast accuracy"):

* Choosing a model per series is mostly fitting noise. The issue saw it with a single
  30-point validation window; on ``../shared/data`` choosing the best of naive, seasonal
  naive, Theta and ETS by the mean over 3 or 5 windows was still 0.2-3.4 % worse than plain
  naive on daily prices and 5-9 points behind a fixed Theta + ETS mean on Texas house prices.
* Combining is steadier: in the same trial the mean of Theta and ETS was the best or within
  1.5 points of the best method on every monthly data set (retail -81 %, classic sales
  -71 %, Texas -17 %, commodity prices -8 % MASE against naive): their errors partly cancel.
* On daily prices nothing reliably beats the last value (Prophet was 28 % worse than naive,
  ETS and ARIMA level with it), so at daily, business-day and hourly frequency the members
  are naive and the standard Theta method (``STM``): on the daily prices of ``../shared/data``
  that pair was 0.4 % better than naive, and better than naive + AutoTheta (0.1 %) at a
  third of its cost, which matters when a catalogue of thousands of series is retrained.
  AutoARIMA is never a default member: the slowest engine by far and no more accurate.
* The guard: the members are also backtested over ``n_windows`` rolling windows of the
  training data; when every model member loses to naive in every window, naive alone is
  used, and ``reason_`` says so. ``n_windows=0`` skips the guard (cheaper, for catalogues
  whose stored backtest already reports the skill against naive).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np
import pandas as pd

from preditiva.core.errors import SeriesTooShortError
from preditiva.ml import metrics
from preditiva.ml.contract import Bands, FloatArray, Forecaster
from preditiva.ml.engines import get_engine
from preditiva.ml.engines.statsforecast_model import MIN_MODEL_OBSERVATIONS
from preditiva.ml.frequency import base_frequency, default_horizon_for
from preditiva.ml.preparation import PreparedSeries
from preditiva.ml.windows import Window, rolling_windows

#: Members for daily, business-day and hourly series: price-like, ETS not worth its cost.
FAST_MEMBERS = ("naive", "theta:STM")
#: Members for weekly and slower series: short and often seasonal.
SLOW_MEMBERS = ("theta", "ets")
HIGH_FREQUENCIES = frozenset({"h", "D", "B"})


def default_candidates(freq: str) -> tuple[str, ...]:
    """The engines ``auto`` combines at this frequency."""
    return FAST_MEMBERS if base_frequency(freq) in HIGH_FREQUENCIES else SLOW_MEMBERS


def _label(member: str) -> str:
    """A member as people read it: ``"theta:STM"`` → ``"theta (STM)"``."""
    name, _, variant = member.partition(":")
    return f"{name} ({variant})" if variant else name


def member_engine(member: str, *, freq: str, season_length: int) -> Forecaster:
    """A fresh member: ``"theta"`` is AutoTheta, ``"theta:STM"`` Theta restricted to STM."""
    name, _, variant = member.partition(":")
    params = {"model": variant} if variant else {}
    return get_engine(name, freq=freq, season_length=season_length, **params)


class AutoForecaster(Forecaster):
    """Mean of the member engines' forecasts; naive alone when they all lose to it."""

    name = "auto"

    def __init__(
        self,
        *,
        candidates: Sequence[str] | None = None,
        horizon: int | None = None,
        n_windows: int = 3,
        freq: str | None = None,
        season_length: int | None = None,
    ) -> None:
        """``candidates`` are the members (default by frequency); ``horizon`` the guard's."""
        super().__init__(freq=freq, season_length=season_length)
        self.candidates = candidates
        self.horizon = horizon
        self.n_windows = n_windows

    def _fit_prepared(self, prepared: PreparedSeries) -> None:
        """Guard the members against naive, then fit the chosen ones on the whole history."""
        members = self.fitting_members(prepared)
        self.horizon_ = self.horizon or default_horizon_for(prepared.freq)
        given = getattr(self, "_given_selection", None)
        self.selection_ = (
            given if given is not None else self._window_mase(prepared, ("naive", *members))
        )
        self.chosen_, self.reason_ = self.choose(members, self.selection_)
        self.members_: list[Forecaster] = [
            member_engine(
                name, freq=prepared.freq, season_length=prepared.season_length
            ).fit_prepared(prepared)
            for name in self.chosen_
        ]
        self.fallback_used_ = any(member.fallback_used_ for member in self.members_)
        reasons = [m.fallback_reason_ for m in self.members_ if m.fallback_reason_]
        self.fallback_reason_ = "; ".join(reasons) or None

    def fit_with_selection(
        self, prepared: PreparedSeries, selection: Mapping[str, tuple[float, ...]]
    ) -> Self:
        """Fit with guard scores measured elsewhere: each member's MASE per window, and naive's.

        Catalogue training backtests the members anyway; passing those scores here spares
        the guard's own fits and gives the same choice.
        """
        self._given_selection = dict(selection)
        try:
            return self.fit_prepared(prepared)
        finally:
            del self._given_selection

    def fitting_members(self, prepared: PreparedSeries) -> tuple[str, ...]:
        """The members whose minimum length the history meets (naive if none does)."""
        names = tuple(self.candidates or default_candidates(prepared.freq))
        m = prepared.season_length
        fitting = tuple(
            name
            for name in names
            if len(prepared)
            >= member_engine(name, freq=prepared.freq, season_length=m).min_length(m)[0]
        )
        return fitting or ("naive",)

    def _window_mase(
        self, prepared: PreparedSeries, names: tuple[str, ...]
    ) -> dict[str, tuple[float, ...]]:
        """MASE of each engine in each guard window of the history (empty if too short)."""
        values = prepared.values
        windows = self._windows(len(values), prepared.season_length)
        selection: dict[str, tuple[float, ...]] = {}
        for name in dict.fromkeys(names) if windows else ():
            scores = []
            for window in windows:
                train = prepared.head(window.train_end)
                actual = values.iloc[window.train_end : window.test_end].to_numpy()
                engine = member_engine(
                    name, freq=prepared.freq, season_length=prepared.season_length
                )
                try:
                    forecast = engine.fit_prepared(train).predict(window.horizon, levels=())
                except SeriesTooShortError:
                    break
                scores.append(
                    metrics.mase(
                        actual,
                        forecast.mean,
                        train=train.values.to_numpy(),
                        season_length=prepared.season_length,
                    )
                )
            else:
                selection[name] = tuple(scores)
        return selection

    def _windows(self, n: int, season_length: int) -> list[Window]:
        """Guard windows: two seasons to train the first, horizon shortened to fit if needed."""
        if self.n_windows < 1:
            return []
        min_train = max(MIN_MODEL_OBSERVATIONS, 2 * season_length)
        h = min(self.horizon_, (n - min_train) // self.n_windows)
        if h < 1:
            return []
        return rolling_windows(n, h=h, n_windows=self.n_windows, min_train=min_train)

    def choose(
        self, members: tuple[str, ...], selection: dict[str, tuple[float, ...]]
    ) -> tuple[tuple[str, ...], str]:
        """The members, or naive alone when every model member lost every guard window."""
        combined = f"mean of {' + '.join(map(_label, members))}"
        naive = selection.get("naive")
        models = [name for name in members if name != "naive"]
        if not naive or not models:
            return members, f"{combined} (no guard: too little history or guard disabled)"
        beaten = [
            name
            for name in models
            if name in selection
            and all(score >= base for score, base in zip(selection[name], naive, strict=True))
        ]
        if len(beaten) == len(models):
            return ("naive",), (
                f"naive: {', '.join(map(_label, models))} lost to naive in all {len(naive)} windows"
            )
        return members, f"{combined}: not beaten by naive in every one of {len(naive)} windows"

    def _predict_values(
        self, h: int, levels: tuple[int, ...], index: pd.DatetimeIndex
    ) -> tuple[FloatArray, Bands]:
        """Equal-weight mean of the members' points and of their bounds, level by level."""
        forecasts = [member.predict(h, levels) for member in self.members_]
        mean = np.mean([forecast.mean for forecast in forecasts], axis=0)
        bands = {
            level: (
                np.mean([forecast.lower[level] for forecast in forecasts], axis=0),
                np.mean([forecast.upper[level] for forecast in forecasts], axis=0),
            )
            for level in levels
        }
        return mean, bands
