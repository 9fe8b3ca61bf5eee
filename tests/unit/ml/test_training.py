"""Training one series for the registry: backtest beside naive, final fit, stored forecast."""

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import SeriesTooShortError
from preditiva.ml.backtest import backtest, evaluate
from preditiva.ml.contract import Forecaster
from preditiva.ml.engines import get_engine
from preditiva.ml.engines.auto import member_engine
from preditiva.ml.preparation import prepare_series
from preditiva.ml.training import data_fingerprint, train_series
from preditiva.ml.windows import rolling_windows
from tests.unit.ml.conftest import make_random_walk, make_seasonal


def test_a_plain_engine_carries_the_same_backtest_as_the_backtest_module() -> None:
    walk = make_random_walk(n=200)
    trained = train_series(walk, "theta", horizon=10)
    reference = backtest(walk, "theta", h=10, n_windows=3)
    assert trained.backtest is not None
    assert trained.backtest.model.aggregate == reference.model.aggregate
    assert trained.backtest.naive.aggregate == reference.naive.aggregate
    assert trained.backtest.skill == pytest.approx(reference.skill)
    assert trained.forecast.horizon == 10 and trained.n_obs == 200


def test_auto_scores_its_first_window_as_the_mean_of_its_members() -> None:
    walk = make_random_walk(n=200, seed=11)
    trained = train_series(walk, "auto", horizon=10)
    prepared = prepare_series(walk)
    windows = rolling_windows(200, h=10, n_windows=3, min_train=3)
    first = windows[0]
    train = prepared.values.iloc[: first.train_end]
    forecasts = [
        member_engine(name, freq=prepared.freq, season_length=prepared.season_length)
        .fit(train)
        .predict(10, (80, 95))
        for name in ("naive", "theta:STM")
    ]
    expected = np.mean([forecast.mean for forecast in forecasts], axis=0)
    actual = prepared.values.iloc[first.train_end : first.test_end].to_numpy()
    assert trained.backtest is not None
    mae = trained.backtest.model.windows[0].scores.mae
    assert mae == pytest.approx(float(np.mean(np.abs(actual - expected))))


def test_auto_reuses_its_naive_windows_as_the_baseline() -> None:
    walk = make_random_walk(n=200, seed=5)
    trained = train_series(walk, "auto", horizon=10)
    prepared = prepare_series(walk)
    windows = rolling_windows(200, h=10, n_windows=3, min_train=3)

    def naive() -> Forecaster:
        return get_engine("naive", freq=prepared.freq)

    reference = evaluate(prepared, naive, windows, (80, 95))
    assert trained.backtest is not None
    assert trained.backtest.naive.aggregate == reference.aggregate


def test_fewer_windows_when_history_is_short_and_a_note_says_so() -> None:
    walk = make_random_walk(n=40)
    trained = train_series(walk, "naive", horizon=14)
    assert trained.backtest is not None and len(trained.backtest.model.windows) == 2
    assert trained.backtest_note == "only 2 of 3 backtest windows fit"


def test_too_short_to_backtest_is_refused_with_the_reason() -> None:
    with pytest.raises(SeriesTooShortError, match="too short to backtest a 30-step forecast"):
        train_series(make_random_walk(n=25), "auto", horizon=30)


def test_the_backtest_can_be_switched_off_on_purpose() -> None:
    trained = train_series(make_random_walk(n=25), "naive", horizon=30, n_windows=0)
    assert trained.backtest is None
    assert trained.backtest_note is not None and "unknown" in trained.backtest_note


def test_a_seasonal_series_gets_a_seasonal_naive_baseline_too() -> None:
    trained = train_series(make_seasonal(), "auto", horizon=12)
    assert trained.backtest is not None and trained.backtest.seasonal_naive is not None
    assert trained.backtest.beats_naive


def test_the_fingerprint_changes_with_any_value_or_timestamp_only() -> None:
    walk = make_random_walk(n=50)
    same = walk.copy()
    changed = walk.copy()
    changed.iloc[10] += 0.01
    moved = walk.copy()
    moved.index = moved.index + pd.Timedelta(days=1)
    assert data_fingerprint(walk) == data_fingerprint(same)
    assert data_fingerprint(walk) == data_fingerprint(walk.iloc[::-1])
    assert data_fingerprint(walk) != data_fingerprint(changed)
    assert data_fingerprint(walk) != data_fingerprint(moved)


def test_auto_backtest_windows_leave_every_member_enough_history() -> None:
    with pytest.raises(SeriesTooShortError, match="too short to backtest a 14-step forecast"):
        train_series(make_random_walk(n=20), "auto", horizon=14)
    trained = train_series(make_random_walk(n=30), "auto", horizon=14)
    assert trained.backtest is not None and len(trained.backtest.model.windows) == 1
