"""Rolling-origin backtests: window dates, scores worked out by hand, skill against naive."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import SeriesTooShortError
from preditiva.ml.backtest import backtest, skill_against
from preditiva.ml.engines.naive import NaiveForecaster

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
