"""Turn a raw price series into a regular one a model can use, and say what was changed.

Steps: check it has timestamps and numbers, sort, drop duplicate timestamps (the last value
wins, as with an upsert), treat non-finite values as missing, find the frequency (given, or
inferred from the index), snap timestamps onto that grid (a mid-month date becomes the start
of its month), then forward-fill the gaps: the last known price holds until a new one is
seen. The report counts every change, so a caller can show "12 missing days filled".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from preditiva.core.errors import SeriesTooShortError, SeriesUnusableError
from preditiva.ml.frequency import infer_frequency, normalise_frequency, season_length_for

#: Refuse a grid on which more than this share of the points would be invented by filling.
MAX_FILLED_SHARE = 0.5


@dataclass(frozen=True, eq=False)
class PreparedSeries:
    """A regular series (one value per step of ``freq``, no gaps) and what it took to get it."""

    values: pd.Series[float]
    freq: str
    season_length: int
    filled: int
    duplicates_dropped: int
    snapped: int

    def __len__(self) -> int:
        """Number of observations on the regular grid."""
        return len(self.values)

    def head(self, n: int) -> PreparedSeries:
        """The first ``n`` observations, still regular: a backtest window's training part."""
        return replace(self, values=self.values.iloc[:n])


def prepare_series(
    y: pd.Series[float], *, freq: str | None = None, season_length: int | None = None
) -> PreparedSeries:
    """Regularise ``y`` onto one frequency and forward-fill its gaps; see the module docstring."""
    observed = _numeric_observations(y)
    if len(observed) == 0:
        raise SeriesTooShortError("the series has no observations", length=0, required=1)
    index = observed.index
    assert isinstance(index, pd.DatetimeIndex)
    code = normalise_frequency(freq) if freq else infer_frequency(index)
    if code is None:
        raise SeriesTooShortError(
            f"the frequency cannot be inferred from {len(observed)} observation(s); "
            "pass freq or provide at least 3",
            length=len(observed),
            required=3,
        )
    if _already_regular(observed, code, expected=len(y)):
        regular, snapped, duplicates, filled = observed, 0, 0, 0
    else:
        regular, snapped, duplicates, filled = _regularise(observed, code)
    if regular.name != y.name:
        regular = regular.copy(deep=False)
        regular.name = y.name
    m = season_length if season_length is not None else season_length_for(code)
    if m < 1:
        raise SeriesUnusableError(f"season_length must be at least 1, got {m}")
    return PreparedSeries(
        values=regular,
        freq=code,
        season_length=m,
        filled=filled,
        duplicates_dropped=duplicates,
        snapped=snapped,
    )


def require_length(length: int, required: int, *, model: str, why: str) -> None:
    """Raise ``SeriesTooShortError`` with a human reason when ``length < required``."""
    if length < required:
        raise SeriesTooShortError(
            f"{model} needs at least {required} observations ({why}); the series has {length}",
            length=length,
            required=required,
        )


def _numeric_observations(y: pd.Series[float]) -> pd.Series[float]:
    """The finite observations in time order, or an error saying why there are none usable."""
    if not isinstance(y, pd.Series):
        raise SeriesUnusableError(f"expected a pandas Series, got {type(y).__name__}")
    if not isinstance(y.index, pd.DatetimeIndex):
        raise SeriesUnusableError(
            f"the series needs a DatetimeIndex (timestamps), got {type(y.index).__name__}"
        )
    if not (pd.api.types.is_numeric_dtype(y.dtype) and not pd.api.types.is_bool_dtype(y.dtype)):
        raise SeriesUnusableError(f"the series needs numeric values, got dtype {y.dtype}")
    values = y if y.dtype == np.float64 else y.astype("float64")
    finite = np.isfinite(values.to_numpy()) & values.index.notna()
    if not bool(finite.all()):
        values = values[finite]
    if not values.index.is_monotonic_increasing:
        values = values.sort_index(kind="stable")
    return values


def _already_regular(observed: pd.Series[float], code: str, *, expected: int) -> bool:
    """True when pandas already vouches for a gapless ``code`` grid (e.g. a slice of one)."""
    freq = observed.index.freq if isinstance(observed.index, pd.DatetimeIndex) else None
    return (
        freq is not None and len(observed) == expected and normalise_frequency(freq.freqstr) == code
    )


def _regularise(observed: pd.Series[float], code: str) -> tuple[pd.Series[float], int, int, int]:
    """Snap onto the ``code`` grid, keep the last of duplicates, forward-fill the gaps."""
    index = observed.index
    assert isinstance(index, pd.DatetimeIndex)
    offset = to_offset(code)
    if isinstance(offset, Tick):
        snapped_index = index.floor(code)
        grid = pd.date_range(snapped_index[0], snapped_index[-1], freq=code, name=index.name)
    else:
        snapped_index = index.normalize()
        grid = pd.date_range(
            offset.rollback(snapped_index[0]), snapped_index[-1], freq=code, name=index.name
        )
        # each timestamp moves back to the grid step it falls in (a no-op when on the grid)
        snapped_index = grid[grid.searchsorted(snapped_index, side="right") - 1]
    snapped = int(np.sum(snapped_index != index))
    on_grid = observed.set_axis(snapped_index) if snapped else observed
    duplicated = on_grid.index.duplicated(keep="last")
    on_grid = on_grid[~duplicated]
    grid = grid[grid.searchsorted(on_grid.index[0]) :]
    regular = on_grid.reindex(grid)
    filled = int(regular.isna().sum())
    if filled > MAX_FILLED_SHARE * len(regular):
        raise SeriesUnusableError(
            f"at frequency {code!r} {filled} of {len(regular)} points would be filled; "
            "the frequency is probably wrong for this series"
        )
    return regular.ffill(), snapped, int(duplicated.sum()), filled
