"""The forecaster contract every engine honours, and the ``Forecast`` it returns.

Hyper-parameters go to ``__init__`` and are stored unchanged under the same names (so
``get_params`` can rebuild the recipe); ``fit(y)`` takes a price series with a
``DatetimeIndex``, regularises it (``preparation``), checks it is long enough and returns
``self``; fitted state lives in attributes ending in ``_``; ``predict(h, levels)`` returns a
``Forecast``. A fitted forecaster holds only numbers, pandas objects and plain model objects,
so it pickles (joblib) and predicts the same after a round trip.
"""

from __future__ import annotations

import copy
import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset, Tick

from preditiva.core.errors import ForecasterError, ForecasterNotFittedError, InvalidInputError
from preditiva.ml.preparation import PreparedSeries, prepare_series, require_length

FloatArray = npt.NDArray[np.float64]
#: Lower and upper bounds of the prediction interval at each level (in percent).
Bands = Mapping[int, tuple[FloatArray, FloatArray]]
DEFAULT_LEVELS: tuple[int, ...] = (80, 95)


@dataclass(frozen=True, eq=False)
class Forecast:
    """Point forecasts and nested prediction intervals for the ``h`` steps after the history."""

    index: pd.DatetimeIndex
    mean: FloatArray
    lower: Mapping[int, FloatArray] = field(default_factory=dict)
    upper: Mapping[int, FloatArray] = field(default_factory=dict)
    engine: str = ""

    @property
    def levels(self) -> tuple[int, ...]:
        """The interval levels, ascending."""
        return tuple(sorted(self.lower))

    @property
    def horizon(self) -> int:
        """Number of forecast steps."""
        return len(self.index)

    def to_frame(self) -> pd.DataFrame:
        """One row per future timestamp: ``mean`` then ``lo-<level>``/``hi-<level>`` columns."""
        columns: dict[str, FloatArray] = {"mean": self.mean}
        for level in self.levels:
            columns[f"lo-{level}"] = self.lower[level]
            columns[f"hi-{level}"] = self.upper[level]
        return pd.DataFrame(columns, index=self.index)


def make_forecast(
    index: pd.DatetimeIndex, mean: npt.ArrayLike, bands: Bands, *, engine: str
) -> Forecast:
    """Build a read-only ``Forecast``; bounds are made nested around the point forecast.

    Engines compute each level on its own; rounding can leave a 95 % bound a hair inside an
    80 % one, so each lower bound is clipped to at most the narrower one (and the point) and
    each upper bound to at least it.
    """
    point = _frozen(np.asarray(mean, dtype=np.float64))
    if point.shape != (len(index),):
        raise ForecasterError(f"{engine} returned {point.shape} points for {len(index)} steps")
    if not bool(np.all(np.isfinite(point))):
        raise ForecasterError(f"{engine} returned non-finite point forecasts")
    lower: dict[int, FloatArray] = {}
    upper: dict[int, FloatArray] = {}
    inner_lo, inner_hi = point, point
    for level in sorted(bands):
        lo, hi = (np.asarray(bound, dtype=np.float64) for bound in bands[level])
        inner_lo = np.fmin(lo, inner_lo)
        inner_hi = np.fmax(hi, inner_hi)
        lower[level], upper[level] = _frozen(inner_lo), _frozen(inner_hi)
    return Forecast(index=index, mean=point, lower=lower, upper=upper, engine=engine)


def future_index(last: pd.Timestamp, freq: str, h: int) -> pd.DatetimeIndex:
    """The ``h`` timestamps that follow ``last`` at frequency ``freq``."""
    offset = _offset(freq)
    if not isinstance(offset, Tick):
        return pd.date_range(last + offset, periods=h, freq=freq)
    # fixed steps (days, hours): integer arithmetic, without the freq attribute that pandas
    # would spend a millisecond validating (no caller reads it)
    nanos = last.as_unit("ns").value + np.arange(1, h + 1, dtype=np.int64) * offset.nanos
    index = pd.DatetimeIndex(nanos.view("datetime64[ns]"))
    if last.tz is None:
        return index
    utc = index.tz_localize("UTC")
    return utc if str(last.tz) == "UTC" else utc.tz_convert(last.tz)


@functools.lru_cache(maxsize=64)
def _offset(freq: str) -> BaseOffset:
    """``to_offset(freq)``, parsed once per frequency (offsets are immutable)."""
    return to_offset(freq)


def check_levels(levels: Sequence[int]) -> tuple[int, ...]:
    """Levels as a sorted tuple of unique integers strictly between 0 and 100."""
    checked = tuple(sorted({int(level) for level in levels}))
    if any(not 0 < level < 100 for level in checked):
        raise InvalidInputError(f"interval levels must be between 0 and 100, got {list(levels)}")
    return checked


class Forecaster(ABC):
    """Base of every engine: the shared ``fit``/``predict`` around three engine hooks."""

    #: Registry name of the engine (``"ets"``, ``"naive"``, …).
    name: ClassVar[str]

    def __init__(self, *, freq: str | None = None, season_length: int | None = None) -> None:
        """``freq`` and ``season_length`` are inferred from the series when left as None."""
        self.freq = freq
        self.season_length = season_length

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, read back from the attributes of the same names."""
        names = [
            name
            for name, parameter in inspect.signature(type(self).__init__).parameters.items()
            if name != "self" and parameter.kind is not parameter.VAR_KEYWORD
        ]
        return {name: getattr(self, name) for name in names}

    def min_length(self, season_length: int) -> tuple[int, str]:
        """Fewest observations this engine needs at this season length, and why."""
        return 3, "a last value and residuals to size the intervals"

    def fit(self, y: pd.Series[float]) -> Self:
        """Regularise ``y``, check its length, fit the engine; returns ``self``."""
        return self.fit_prepared(
            prepare_series(y, freq=self.freq, season_length=self.season_length)
        )

    def fit_prepared(self, prepared: PreparedSeries) -> Self:
        """Fit on a series already regularised by ``prepare_series`` (e.g. a backtest window)."""
        self._start(prepared)
        self._fit_prepared(prepared)
        return self

    def forward(self, prepared: PreparedSeries) -> Self:
        """A copy carried onto another history, keeping the parameters estimated here.

        StatsForecast's ``forward``: the model's state is updated on ``prepared`` but nothing
        is re-estimated, as ``cross_validation(refit=False)`` does. Engines without that
        notion (and fits that fell back to naive) are fitted afresh on ``prepared``.
        """
        if not hasattr(self, "last_timestamp_"):
            raise ForecasterNotFittedError(f"{self.name}: call fit before forward")
        carried = copy.copy(self)
        carried._start(prepared)
        carried._forward_prepared(prepared, fell_back=self.fallback_used_)
        return carried

    def _start(self, prepared: PreparedSeries) -> None:
        """Check the length and record what every fit records about its history."""
        required, why = self.min_length(prepared.season_length)
        require_length(len(prepared), required, model=self.name, why=why)
        self.fallback_used_ = False
        self.fallback_reason_: str | None = None
        self.season_length_ = prepared.season_length
        self.freq_ = prepared.freq
        self.last_timestamp_: pd.Timestamp = prepared.values.index[-1]
        self.n_obs_ = len(prepared)
        self.filled_ = prepared.filled

    def _forward_prepared(self, prepared: PreparedSeries, *, fell_back: bool) -> None:
        """Carry the fitted parameters onto ``prepared``; by default, fit afresh."""
        self._fit_prepared(prepared)

    def predict(self, h: int, levels: Sequence[int] = DEFAULT_LEVELS) -> Forecast:
        """Forecast ``h`` steps after the history, with intervals at each of ``levels``."""
        if not hasattr(self, "last_timestamp_"):
            raise ForecasterNotFittedError(f"{self.name}: call fit before predict")
        if int(h) < 1:
            raise InvalidInputError(f"the horizon must be at least 1 step, got {h}")
        checked = check_levels(levels)
        index = future_index(self.last_timestamp_, self.freq_, int(h))
        mean, bands = self._predict_values(int(h), checked, index)
        return make_forecast(index, mean, bands, engine=self.name)

    @abstractmethod
    def _fit_prepared(self, prepared: PreparedSeries) -> None:
        """Fit on a regular series; may set ``season_length_`` if it uses another one."""

    @abstractmethod
    def _predict_values(
        self, h: int, levels: tuple[int, ...], index: pd.DatetimeIndex
    ) -> tuple[FloatArray, Bands]:
        """Point forecasts and (lower, upper) bounds per level for the ``h`` future steps."""

    def __repr__(self) -> str:
        """The recipe: engine class and its constructor arguments."""
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"{type(self).__name__}({arguments})"


def _frozen(values: FloatArray) -> FloatArray:
    """A read-only float64 copy."""
    values = np.array(values, dtype=np.float64, copy=True)
    values.setflags(write=False)
    return values
