"""The forecaster contract, checked the same way for every engine in the registry."""

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import SeriesTooShortError
from preditiva.ml.contract import Forecaster
from preditiva.ml.engines import engine_available, engine_names, get_engine
from tests.unit.ml.conftest import make_seasonal

ENGINES = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            not engine_available(name), reason=f"optional engine {name!r} is not installed"
        ),
    )
    for name in engine_names()
]
H = 6
#: Engines whose defaults need a longer series or minutes of CPU: small, quick settings.
PARAMS: dict[str, dict[str, Any]] = {"lstm": {"window": 12, "epochs": 3}}


@pytest.fixture(scope="module", params=ENGINES)
def fitted(request: pytest.FixtureRequest) -> tuple[Forecaster, "pd.Series[float]"]:
    """Each engine fitted once on a seasonal monthly series."""
    y = make_seasonal()
    engine = get_engine(request.param, **PARAMS.get(request.param, {}))
    assert engine.fit(y) is engine
    return engine, y


def test_fitted_state_ends_in_underscore(fitted: tuple[Forecaster, "pd.Series[float]"]) -> None:
    engine, y = fitted
    assert engine.freq_ == "MS"
    assert engine.n_obs_ == len(y)
    assert engine.last_timestamp_ == y.index[-1]
    assert engine.fallback_used_ is False
    assert engine.freq is None


def test_predict_has_h_points_on_the_future_index(
    fitted: tuple[Forecaster, "pd.Series[float]"],
) -> None:
    engine, y = fitted
    forecast = engine.predict(H)
    expected = pd.date_range(y.index[-1], periods=H + 1, freq="MS")[1:]
    assert forecast.index.equals(expected)
    assert forecast.mean.shape == (H,)
    assert forecast.engine == engine.name
    assert forecast.to_frame().shape == (H, 5)


def test_intervals_are_ordered_and_wider_at_95(
    fitted: tuple[Forecaster, "pd.Series[float]"],
) -> None:
    forecast = fitted[0].predict(H, levels=(95, 80))
    lo80, hi80, lo95, hi95 = (
        forecast.lower[80],
        forecast.upper[80],
        forecast.lower[95],
        forecast.upper[95],
    )
    assert np.all(lo95 <= lo80) and np.all(lo80 <= forecast.mean)
    assert np.all(forecast.mean <= hi80) and np.all(hi80 <= hi95)
    assert np.all(hi95 - lo95 > hi80 - lo80)


def test_pickle_round_trip_predicts_the_same(
    fitted: tuple[Forecaster, "pd.Series[float]"],
) -> None:
    engine = fitted[0]
    before = engine.predict(H).to_frame()
    restored = pickle.loads(pickle.dumps(engine))
    pd.testing.assert_frame_equal(restored.predict(H).to_frame(), before)


@pytest.mark.parametrize("name", ENGINES)
def test_too_short_history_is_refused_with_a_reason(name: str) -> None:
    y = pd.Series([1.0, 2.0], index=pd.date_range("2024-01-01", periods=2, freq="D"))
    with pytest.raises(SeriesTooShortError, match="needs at least") as caught:
        get_engine(name, freq="D").fit(y)
    assert caught.value.length == 2
