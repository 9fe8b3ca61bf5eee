"""The LSTM engine: contract, reproducibility, pickling, inline history, real-price backtest."""

import math
import pickle

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from preditiva.core.errors import (  # noqa: E402 (after the skip when torch is missing)
    DataValidationError,
    ForecasterNotFittedError,
    InvalidInputError,
    SeriesTooShortError,
)
from preditiva.ml.engines import get_engine  # noqa: E402
from preditiva.ml.engines.lstm import LSTMForecaster  # noqa: E402
from preditiva.ml.engines.lstm_forward import forward  # noqa: E402
from preditiva.ml.engines.lstm_network import network_from_weights, run_network  # noqa: E402
from preditiva.ml.training import train_series  # noqa: E402
from tests.support.real_prices import stock_closes  # noqa: E402

#: Small and quick: the tests check behaviour, not accuracy.
QUICK = {"window": 20, "horizon": 5, "hidden_size": 16, "epochs": 4}


@pytest.fixture(scope="module")
def closes() -> "pd.Series[float]":
    """500 daily AAPL closes (2017-2018)."""
    return stock_closes("AAPL", 500)


@pytest.fixture(scope="module")
def fitted(closes: "pd.Series[float]") -> LSTMForecaster:
    """The LSTM fitted once on the real closes."""
    return LSTMForecaster(**QUICK).fit(closes)


def test_forecast_has_h_points_and_intervals_widen_with_the_step(
    fitted: LSTMForecaster,
) -> None:
    forecast = fitted.predict(8, levels=(80, 95))
    assert forecast.mean.shape == (8,) and forecast.engine == "lstm"
    assert np.all(forecast.lower[95] <= forecast.lower[80])
    assert np.all(forecast.lower[80] <= forecast.mean)
    assert np.all(forecast.mean <= forecast.upper[80])
    assert np.all(forecast.upper[80] <= forecast.upper[95])
    assert np.all(np.diff(forecast.upper[95] - forecast.lower[95]) > 0)


def test_forecast_beyond_the_trained_horizon_continues_the_first_steps(
    fitted: LSTMForecaster,
) -> None:
    short, long = fitted.predict(5), fitted.predict(12)
    np.testing.assert_array_equal(long.mean[:5], short.mean)


def test_scaler_and_training_record_are_kept_in_the_model(fitted: LSTMForecaster) -> None:
    assert fitted.transform_ == "log_return"
    assert fitted.scale_std_ > 0 and math.isfinite(fitted.scale_mean_)
    assert 1 <= fitted.best_epoch_ <= fitted.epochs_run_ <= QUICK["epochs"]
    assert fitted.validation_rmse_ > 0 and fitted.naive_validation_rmse_ > 0
    assert fitted.get_params()["window"] == 20


def test_two_fits_on_the_same_data_give_identical_models(
    fitted: LSTMForecaster, closes: "pd.Series[float]"
) -> None:
    again = LSTMForecaster(**QUICK).fit(closes)
    for name, weights in fitted.weights_.items():
        np.testing.assert_array_equal(again.weights_[name], weights)
    pd.testing.assert_frame_equal(again.predict(5).to_frame(), fitted.predict(5).to_frame())


def test_fit_leaves_torch_random_state_and_threads_alone(closes: "pd.Series[float]") -> None:
    threads, state = torch.get_num_threads(), torch.get_rng_state()
    LSTMForecaster(**{**QUICK, "epochs": 1}).fit(closes.iloc[-120:])
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), state)


def test_pickle_round_trip_predicts_the_same_without_torch_objects(
    fitted: LSTMForecaster,
) -> None:
    payload = pickle.dumps(fitted)
    assert b"torch" not in payload
    restored = pickle.loads(payload)
    pd.testing.assert_frame_equal(restored.predict(7).to_frame(), fitted.predict(7).to_frame())


def test_numpy_forward_pass_matches_the_torch_network(fitted: LSTMForecaster) -> None:
    network = network_from_weights(fitted.weights_, hidden_size=16, num_layers=1)
    inputs = np.random.default_rng(1).normal(size=(8, 19))
    np.testing.assert_allclose(
        forward(fitted.weights_, inputs, num_layers=1), run_network(network, inputs), atol=1e-5
    )


def test_two_layer_network_matches_torch_too(closes: "pd.Series[float]") -> None:
    model = LSTMForecaster(**{**QUICK, "num_layers": 2, "epochs": 1}).fit(closes.iloc[-120:])
    network = network_from_weights(model.weights_, hidden_size=16, num_layers=2)
    inputs = np.random.default_rng(2).normal(size=(4, 19))
    np.testing.assert_allclose(
        forward(model.weights_, inputs, num_layers=2), run_network(network, inputs), atol=1e-5
    )


def test_series_too_short_for_window_and_examples_is_refused_with_a_reason(
    closes: "pd.Series[float]",
) -> None:
    engine = LSTMForecaster(**QUICK)
    required, _ = engine.min_length(1)
    # on a gapless grid, so that no holiday is filled in and the lengths are exact
    regular = pd.Series(closes.to_numpy(), index=pd.bdate_range("2017-01-02", periods=500))
    with pytest.raises(SeriesTooShortError, match=f"needs at least {required}.*20 prices"):
        engine.fit(regular.iloc[: required - 1])
    assert LSTMForecaster(**QUICK).fit(regular.iloc[:required]).n_obs_ == required


@pytest.mark.parametrize(
    ("params", "message"),
    [({"window": 2}, "window"), ({"validation_share": 0.9}, "validation_share")],
)
def test_impossible_hyper_parameters_are_refused(
    closes: "pd.Series[float]", params: dict[str, float], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        LSTMForecaster(**params).fit(closes)


def test_history_prediction_equals_prediction_from_the_same_window(
    fitted: LSTMForecaster, closes: "pd.Series[float]"
) -> None:
    # the model's last window is on the business-day grid (holidays filled), as served
    inline = fitted.predict_from_history(list(fitted.tail_), 5)
    pd.testing.assert_frame_equal(inline.to_frame(), fitted.predict(5).to_frame())
    dated = fitted.predict_from_history(
        closes.iloc[-40:-20].to_numpy(), 3, end=pd.Timestamp("2018-06-01")
    )
    assert dated.index[0] == pd.Timestamp("2018-06-04")


def test_history_of_the_wrong_length_is_a_422_naming_the_window(
    fitted: LSTMForecaster,
) -> None:
    with pytest.raises(DataValidationError, match=r"exactly 20 prices .* got 19") as caught:
        fitted.predict_from_history([100.0] * 19)
    assert caught.value.status_code == 422


def test_history_with_nan_or_non_numbers_names_the_positions(fitted: LSTMForecaster) -> None:
    history: list[object] = [100.0] * 20
    history[3], history[7], history[9], history[12] = math.nan, "101", None, True
    with pytest.raises(
        DataValidationError, match=r"4 value\(s\) .* position\(s\) 3, 7, 9, 12"
    ) as caught:
        fitted.predict_from_history(history)  # type: ignore[arg-type]
    fields = [detail["field"] for detail in caught.value.details]
    assert fields == ["history.3", "history.7", "history.9", "history.12"]


def test_non_positive_history_is_refused_by_a_log_return_model(fitted: LSTMForecaster) -> None:
    with pytest.raises(DataValidationError, match="positive numbers"):
        fitted.predict_from_history([100.0] * 19 + [0.0])


def test_history_before_fit_is_refused() -> None:
    with pytest.raises(ForecasterNotFittedError):
        LSTMForecaster().predict_from_history([1.0] * 60)


def test_series_with_negative_values_is_modelled_on_differences() -> None:
    rng = np.random.default_rng(4)
    index = pd.date_range("2020-01-01", periods=150, freq="D")
    y = pd.Series(np.cumsum(rng.normal(0, 1, 150)) - 5, index=index)
    model = LSTMForecaster(**{**QUICK, "epochs": 2}).fit(y)
    assert model.transform_ == "difference"
    assert np.all(np.isfinite(model.predict(5).mean))


def test_backtest_on_real_prices_sits_beside_naive_and_reports_skill(
    closes: "pd.Series[float]",
) -> None:
    trained = train_series(closes, "lstm", horizon=5, params={**QUICK, "epochs": 2})
    backtest = trained.backtest
    assert backtest is not None and len(backtest.model.windows) == 3
    assert backtest.model.method == "lstm" and backtest.naive.method == "naive"
    assert math.isfinite(backtest.skill)
    assert backtest.beats_naive == (backtest.skill > 0)
    assert backtest.to_dict()["skill_vs_naive"] == pytest.approx(backtest.skill)
    assert trained.forecast.horizon == 5


def test_registry_builds_the_engine_with_its_parameters() -> None:
    engine = get_engine("lstm", window=30, epochs=2)
    assert isinstance(engine, LSTMForecaster)
    assert (engine.window, engine.epochs, engine.horizon) == (30, 2, 5)
