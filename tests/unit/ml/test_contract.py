"""The Forecast value and the shared parts of the forecaster contract."""

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import ForecasterError, ForecasterNotFittedError, InvalidInputError
from preditiva.ml.contract import check_levels, future_index, make_forecast
from preditiva.ml.engines.ets import ETSForecaster
from preditiva.ml.engines.naive import NaiveForecaster

INDEX = pd.date_range("2024-01-01", periods=2, freq="D")


def test_bounds_are_made_nested_around_the_point() -> None:
    forecast = make_forecast(
        INDEX,
        [10.0, 10.0],
        {
            80: (np.array([9.0, 10.5]), np.array([11.0, 12.0])),
            95: (np.array([9.5, 8.0]), np.array([10.8, 13.0])),
        },
        engine="test",
    )
    assert forecast.lower[80].tolist() == [9.0, 10.0]
    assert forecast.lower[95].tolist() == [9.0, 8.0]
    assert forecast.upper[95].tolist() == [11.0, 13.0]


def test_forecast_frame_has_mean_then_bounds_per_level() -> None:
    forecast = make_forecast(
        INDEX, [1.0, 2.0], {95: ([0.0, 0.0], [3.0, 4.0]), 80: ([0.5, 1.0], [1.5, 3.0])}, engine="t"
    )
    frame = forecast.to_frame()
    assert list(frame.columns) == ["mean", "lo-80", "hi-80", "lo-95", "hi-95"]
    assert frame.index.equals(INDEX)
    assert forecast.levels == (80, 95)


def test_forecast_arrays_are_read_only() -> None:
    forecast = make_forecast(INDEX, [1.0, 2.0], {}, engine="t")
    with pytest.raises(ValueError, match="read-only"):
        forecast.mean[0] = 5.0


def test_non_finite_points_are_an_error() -> None:
    with pytest.raises(ForecasterError, match="non-finite"):
        make_forecast(INDEX, [1.0, np.nan], {}, engine="t")


def test_levels_are_sorted_unique_and_between_0_and_100() -> None:
    assert check_levels([95, 80, 95]) == (80, 95)
    with pytest.raises(InvalidInputError, match="between 0 and 100"):
        check_levels([100])


def test_future_index_starts_one_step_after_the_last_timestamp() -> None:
    index = future_index(pd.Timestamp("2024-01-31"), "MS", 2)
    assert index.tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]


def test_predict_before_fit_is_refused() -> None:
    with pytest.raises(ForecasterNotFittedError):
        NaiveForecaster().predict(3)


def test_horizon_below_one_is_refused(random_walk: "pd.Series[float]") -> None:
    with pytest.raises(InvalidInputError, match="at least 1"):
        NaiveForecaster().fit(random_walk).predict(0)


def test_params_are_the_constructor_arguments() -> None:
    engine = ETSForecaster(model="AAN", season_length=7)
    assert engine.get_params() == {
        "model": "AAN",
        "damped": None,
        "freq": None,
        "season_length": 7,
        "fallback": True,
    }
    assert repr(engine).startswith("ETSForecaster(model='AAN'")
