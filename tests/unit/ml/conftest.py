"""Series shared by the forecasting tests: small synthetic ones and a real one.

No environment variables are needed: StatsForecast 2.x compiles its models ahead of time
(C++ in ``statsforecast._lib``), it no longer JIT-compiles with numba, so there is no
first-use compilation to cache. The one-off cost is importing it (about 1.5 s, scipy and
statsmodels included).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="session")
def air_passengers() -> "pd.Series[float]":
    """AirPassengers, monthly 1949-1960: trend and strong yearly season (144 points)."""
    rows = pd.read_csv(FIXTURES / "air_passengers.csv", parse_dates=["date"])
    return rows.set_index("date")["value"].astype(float).rename("AirPassengers")


def make_random_walk(n: int = 160, seed: int = 7) -> "pd.Series[float]":
    """A business-day random walk around 100: nothing should beat naive on it."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2022-01-03", periods=n)
    return pd.Series(100 + np.cumsum(rng.normal(0, 1, n)), index=index, name="walk")


def make_seasonal(n: int = 72, seed: int = 3) -> "pd.Series[float]":
    """Monthly series with a clear yearly season, a trend and a little noise."""
    rng = np.random.default_rng(seed)
    step = np.arange(n)
    values = 50 + 0.3 * step + 10 * np.sin(2 * np.pi * step / 12) + rng.normal(0, 1, n)
    return pd.Series(values, index=pd.date_range("2015-01-01", periods=n, freq="MS"))


@pytest.fixture
def random_walk() -> "pd.Series[float]":
    """See ``make_random_walk``."""
    return make_random_walk()


@pytest.fixture
def seasonal() -> "pd.Series[float]":
    """See ``make_seasonal``."""
    return make_seasonal()
