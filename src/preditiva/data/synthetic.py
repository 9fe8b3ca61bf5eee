"""Plausible synthetic price history: trend, weekly and yearly seasonality, promotions, noise."""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SyntheticShape:
    """How a synthetic history looks; every effect is relative to the level."""

    level: float = 100.0
    trend_per_year: float = 0.04
    weekly_amplitude: float = 0.02
    yearly_amplitude: float = 0.06
    weekend_effect: float = -0.03
    promo_probability: float = 0.02
    promo_depth: float = 0.15
    promo_length: int = 5
    noise: float = 0.01


def generate(index: pd.DatetimeIndex, shape: SyntheticShape, seed: int) -> np.ndarray:
    """Values for every timestamp of ``index`` ending near ``level``; same seed, same values."""
    rng = np.random.default_rng(seed)
    size = len(index)
    years = (index - index[0]).total_seconds().to_numpy() / (365.25 * 86_400)
    day_of_week = index.day_of_week.to_numpy()
    day_of_year = index.day_of_year.to_numpy()
    trend = np.exp(shape.trend_per_year * (years - years[-1]))
    weekly = 1 + shape.weekly_amplitude * np.sin(2 * math.pi * day_of_week / 7)
    yearly = 1 + shape.yearly_amplitude * np.sin(2 * math.pi * day_of_year / 365.25)
    weekend = np.where(day_of_week >= 5, 1 + shape.weekend_effect, 1.0)
    promo = np.ones(size)
    for start in np.flatnonzero(rng.random(size) < shape.promo_probability):
        promo[start : start + shape.promo_length] = 1 - shape.promo_depth
    shocks = rng.normal(0.0, shape.noise, size)
    walk = np.cumsum(shocks)
    drift = np.exp((walk - walk[-1]) * 0.3 + (shocks - shocks[-1]) * 0.7)
    seasonal = weekly * yearly * weekend
    # every effect is divided by its value at the last point, so the history ends at ``level``
    values: np.ndarray = shape.level * trend * (seasonal / seasonal[-1]) * (promo / promo[-1])
    values = values * drift
    result: np.ndarray = np.round(np.maximum(values, shape.level * 1e-3), 4)
    return result
