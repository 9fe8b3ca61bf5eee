"""Rolling-origin backtests: window dates, scores worked out by hand, skill against naive."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from statsforecast.models import AutoTheta

from preditiva.core.errors import ForecasterNotFittedError, SeriesTooShortError
from preditiva.ml.backtest import backtest, skill_against, window_forecasts
from preditiva.ml.engines.naive import NaiveForecaster
from preditiva.ml.engines.theta import ThetaForecaster
from preditiva.ml.preparation import prepare_series
from preditiva.ml.windows import rolling_windows

# 1, 2, ..., 20 on consecutive days: naive misses by 1, 2, 3; the weekly scale is 7
LINE = pd.Series(np.arange(1.0, 21.0), index=pd.date_range("2024-01-01", periods=20, freq="D"))


def test_each_window_trains_before_and_tests_on_the_next_h_days() -> None:
    result = backtest(LINE, "naive", h=3, n_windows=2)
    first, second = result.model.windows
    assert first.train_end == pd.Timestamp("2024-01-14")
    assert (first.test_start, first.test_end) == (
        pd.Timestamp("2024-01-15"),
        pd.Timestamp("2024-01-17"),
    )
    assert second.train_end == pd.Timestamp("2024-01-17")
    assert second.test_end == pd.Timestamp("2024-01-20")


def test_naive_scores_match_the_hand_computation() -> None:
    scores = backtest(LINE, "naive", h=3, n_windows=2).model.aggregate
    assert scores.mae == pytest.approx(2.0)
    assert scores.rmse == pytest.approx(math.sqrt((1 + 4 + 9) / 3))
    assert scores.mase == pytest.approx(2.0 / 7.0)


def test_seasonal_naive_baseline_runs_on_the_same_windows() -> None:
    result = backtest(LINE, "naive", h=3, n_windows=2)
    assert result.seasonal_naive is not None
    assert result.seasonal_naive.aggregate.mae == pytest.approx(7.0)
    assert result.seasonal_naive.aggregate.mase == pytest.approx(1.0)
    assert [w.window for w in result.seasonal_naive.windows] == [
        w.window for w in result.model.windows
    ]


def test_naive_against_itself_has_no_skill() -> None:
    result = backtest(LINE, NaiveForecaster, h=3, n_windows=2)
    assert result.skill == 0.0
    assert result.beats_naive is False


def test_a_seasonal_model_on_a_seasonal_series_beats_naive(
    seasonal: "pd.Series[float]",
) -> None:
    result = backtest(seasonal, "seasonal_naive", h=6, n_windows=3)
    assert result.skill > 0.3
    assert result.beats_naive is True


def test_skill_is_nan_when_naive_is_perfect() -> None:
    assert math.isnan(skill_against(0.5, 0.0))
    assert skill_against(0.5, 1.0) == 0.5


def test_too_short_for_the_windows_says_why() -> None:
    with pytest.raises(SeriesTooShortError, match="a backtest of 3 window"):
        backtest(LINE, "naive", h=7, n_windows=3)


def test_record_is_plain_json(seasonal: "pd.Series[float]") -> None:
    record = backtest(seasonal, "theta", h=6, n_windows=2).to_dict()
    text = json.dumps(record, allow_nan=False)
    assert json.loads(text)["model"]["method"] == "theta"
    assert set(record["model"]["aggregate"]["coverage"]) == {"80", "95"}


def test_later_windows_keep_the_first_windows_parameters(seasonal: "pd.Series[float]") -> None:
    prepared = prepare_series(seasonal)
    windows = rolling_windows(len(prepared), h=7, n_windows=3, min_train=20)
    runs = window_forecasts(prepared, lambda: ThetaForecaster(model="STM"), windows, (80,))
    first = AutoTheta(season_length=prepared.season_length, model="STM")
    first.fit(prepared.values.iloc[: windows[0].train_end].to_numpy())
    for window, (forecast, fell_back) in zip(windows[1:], runs[1:], strict=True):
        history = prepared.values.iloc[: window.train_end].to_numpy()
        carried = first.forward(y=history, h=7, level=[80])
        np.testing.assert_allclose(forecast.mean, carried["mean"])
        np.testing.assert_allclose(forecast.upper[80], carried["hi-80"])
        assert not fell_back
    refitted = ThetaForecaster(model="STM").fit(prepared.values.iloc[: windows[2].train_end])
    assert not np.allclose(runs[2][0].mean, refitted.predict(7, (80,)).mean)


def test_forwarding_an_unfitted_engine_is_refused() -> None:
    with pytest.raises(ForecasterNotFittedError, match="call fit before forward"):
        NaiveForecaster().forward(prepare_series(LINE))


def test_engines_without_forward_are_fitted_afresh_on_each_window() -> None:
    prepared = prepare_series(LINE)
    windows = rolling_windows(len(prepared), h=3, n_windows=2, min_train=3)
    runs = window_forecasts(prepared, NaiveForecaster, windows, ())
    assert [forecast.mean[0] for forecast, _ in runs] == [14.0, 17.0]
