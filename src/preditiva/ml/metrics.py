"""Forecast accuracy measures on NumPy arrays, each defined in its docstring.

All take ``actual`` and ``predicted`` of the same length. Percentages are in percent
(0 to 200 for sMAPE). MASE divides the MAE by the in-sample MAE of the seasonal-naive forecast
on the training part (``mean |y[t] - y[t - m]|`` over the training points): below 1 beats a
seasonal-naive forecast made inside the training data. When the training part has no more
than ``m`` points the one-step naive scale (``m = 1``) is used; when that scale is zero (a
flat history) MASE is NaN, because no finite ratio is meaningful.
"""

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def mae(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Mean absolute error: ``mean |a - p|``."""
    a, p = _pair(actual, predicted)
    return float(np.mean(np.abs(a - p)))


def rmse(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Root mean squared error: ``sqrt(mean (a - p)²)``."""
    a, p = _pair(actual, predicted)
    return float(np.sqrt(np.mean((a - p) ** 2)))


def smape(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Symmetric MAPE in percent: ``100 · mean(2|a - p| / (|a| + |p|))``, a term 0/0 counting 0."""
    a, p = _pair(actual, predicted)
    denominator = np.abs(a) + np.abs(p)
    terms = np.divide(2.0 * np.abs(a - p), denominator, out=np.zeros_like(a), where=denominator > 0)
    return float(100.0 * np.mean(terms))


def seasonal_naive_scale(train: npt.ArrayLike, season_length: int) -> float:
    """In-sample seasonal-naive MAE of ``train``: ``mean |y[t] - y[t-m]|`` (m = 1 if too short)."""
    history = np.asarray(train, dtype=np.float64)
    m = season_length if len(history) > season_length else 1
    if len(history) <= m:
        return float("nan")
    return float(np.mean(np.abs(history[m:] - history[:-m])))


def mase(
    actual: npt.ArrayLike, predicted: npt.ArrayLike, *, train: npt.ArrayLike, season_length: int
) -> float:
    """Mean absolute scaled error: ``mae(a, p) / seasonal_naive_scale(train, m)``; NaN if 0."""
    scale = seasonal_naive_scale(train, season_length)
    if not scale > 0:
        return float("nan")
    return mae(actual, predicted) / scale


def coverage(actual: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike) -> float:
    """Share of actual values inside ``[lower, upper]`` (bounds included), from 0 to 1."""
    a, lo = _pair(actual, lower)
    _, hi = _pair(actual, upper)
    return float(np.mean((a >= lo) & (a <= hi)))


def _pair(first: npt.ArrayLike, second: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Two equal-length, non-empty 1-D float arrays, or ValueError."""
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(
            f"expected two 1-D arrays of the same non-zero length, got {a.shape}, {b.shape}"
        )
    return a, b
