"""``auto``: a guarded equal-weight combination, level with naive on walks, seasonal on seasons."""

import numpy as np
import pandas as pd

from preditiva.ml.backtest import backtest
from preditiva.ml.engines.auto import AutoForecaster, default_candidates
from preditiva.ml.engines.naive import NaiveForecaster
from tests.unit.ml.conftest import make_random_walk


def test_naive_alone_when_theta_loses_every_guard_window() -> None:
    walk = make_random_walk(seed=6)  # a walk on which Theta loses all three windows
    auto = AutoForecaster().fit(walk)
    assert auto.chosen_ == ("naive",)
    assert auto.reason_ == "naive: theta (STM) lost to naive in all 3 windows"
    naive = NaiveForecaster().fit(walk).predict(10)
    np.testing.assert_allclose(auto.predict(10).mean, naive.mean)


def test_on_random_walks_auto_is_level_with_naive() -> None:
    ratios = []
    for seed in range(6):
        result = backtest(make_random_walk(n=200, seed=seed), "auto", h=10, n_windows=3)
        ratios.append(result.model.aggregate.mase / result.naive.aggregate.mase)
    assert 0.98 < float(np.mean(ratios)) < 1.02


def test_air_passengers_gets_seasonal_models(air_passengers: "pd.Series[float]") -> None:
    auto = AutoForecaster().fit(air_passengers)
    assert auto.chosen_ == ("theta", "ets")
    assert [member.season_length_ for member in auto.members_] == [12, 12]
    forecast = auto.predict(12).mean
    assert forecast.max() - forecast.min() > 50  # a yearly peak and trough, not a flat line


def test_air_passengers_backtest_beats_naive_and_seasonal_naive(
    air_passengers: "pd.Series[float]",
) -> None:
    result = backtest(air_passengers, "auto", h=12, n_windows=2)
    assert result.beats_naive
    assert result.seasonal_naive is not None
    assert result.model.aggregate.mase < result.seasonal_naive.aggregate.mase


def test_the_forecast_is_the_mean_of_the_members(seasonal: "pd.Series[float]") -> None:
    auto = AutoForecaster(candidates=("seasonal_naive", "theta")).fit(seasonal)
    members = [member.predict(4) for member in auto.members_]
    np.testing.assert_allclose(auto.predict(4).mean, np.mean([m.mean for m in members], axis=0))


def test_guard_scores_are_kept_for_the_record(seasonal: "pd.Series[float]") -> None:
    auto = AutoForecaster(n_windows=3).fit(seasonal)
    assert set(auto.selection_) == {"naive", "theta", "ets"}
    assert all(len(scores) == 3 for scores in auto.selection_.values())


def test_members_too_long_for_the_history_are_left_out() -> None:
    y = pd.Series(np.arange(8.0), index=pd.date_range("2024-01-01", periods=8, freq="D"))
    auto = AutoForecaster().fit(y)
    assert auto.chosen_ == ("naive",)
    assert "no guard" in auto.reason_


def test_daily_prices_do_not_pay_for_ets() -> None:
    assert default_candidates("B") == ("naive", "theta:STM")
    assert default_candidates("MS") == ("theta", "ets")
