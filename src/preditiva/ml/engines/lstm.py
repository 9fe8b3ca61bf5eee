"""An LSTM on windows of price steps (optional extra ``preditiva[lstm]``, PyTorch on CPU).

* **What it learns.** Prices are turned into steps, log returns ``log(p[t] / p[t-1])`` when
  every price is positive (differences ``p[t] - p[t-1]`` otherwise), and the steps are
  standardised with the mean and standard deviation of the training part; both scaler
  numbers are kept in the fitted object. Min-max scaling of the levels, the usual recipe,
  cannot forecast a price outside the training range and ties the weights to one price
  level; returns are about level-free, so one window shape means the same at 10 or at 1,000.
* **Inputs and outputs.** A window of ``window`` prices (``window - 1`` steps) in, the next
  ``horizon`` steps out at once (direct multi-step). A served horizon ``h <= horizon`` takes
  the first ``h``; a longer one is produced block by block, each block's predicted steps
  appended to the window for the next (recursive beyond the trained horizon). The point
  forecast chains the steps from the last price (``p * exp(cumsum(r))``).
* **Training.** Examples are time-ordered; the last ``validation_share`` of them (after a gap
  of ``horizon - 1`` examples, so no validation target was a training target) is held out
  for early stopping, and the weights of the best validation epoch are kept. Seeds, torch's
  deterministic mode and one thread make a retrain on the same data give the same model
  (``lstm_network``).
* **Serving.** The fitted object holds the scaler numbers, the last window and the weights
  as NumPy arrays under torch's ``state_dict`` names, so it pickles as plain data; it
  predicts through the NumPy forward pass (``lstm_forward``). Torch is imported only to
  train: a process that only serves never loads it.
* **Intervals.** Gaussian, from the held-out residuals: ``sigma`` is the RMSE of the
  predicted steps on the validation examples, and step ``k`` gets ``z * sigma * sqrt(k)``
  (independent step errors), applied in log space (differences: in price units).
* **On prices it often loses to naive**: daily returns are close to unpredictable. Its
  backtest sits beside naive like any engine's (``training``), and ``validation_rmse_`` beside
  ``naive_validation_rmse_`` (predicting a zero step, i.e. the last price) says so already.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from preditiva.core.errors import (
    DataValidationError,
    ForecasterNotFittedError,
    InvalidInputError,
    short_repr,
)
from preditiva.ml.contract import (
    DEFAULT_LEVELS,
    Bands,
    FloatArray,
    Forecast,
    Forecaster,
    check_levels,
    future_index,
    make_forecast,
)
from preditiva.ml.engines.lstm_forward import forward
from preditiva.ml.preparation import PreparedSeries

#: Fewest examples to train on, and to hold out for early stopping and the interval width.
MIN_TRAIN_EXAMPLES = 16
MIN_VALIDATION_EXAMPLES = 4
#: At most this many bad positions are listed in an error's details.
MAX_DETAILS = 20

Transform = Literal["log_return", "difference"]


class LSTMForecaster(Forecaster):
    """LSTM over scaled log returns, direct multi-step, early-stopped, reproducible."""

    name = "lstm"

    def __init__(
        self,
        *,
        window: int = 60,
        horizon: int = 5,
        hidden_size: int = 32,
        num_layers: int = 1,
        epochs: int = 30,
        batch_size: int = 64,
        learning_rate: float = 0.005,
        patience: int = 5,
        validation_share: float = 0.2,
        seed: int = 0,
        freq: str | None = None,
        season_length: int | None = None,
    ) -> None:
        """``window`` prices in, ``horizon`` steps out; the rest shape and stop the training."""
        super().__init__(freq=freq, season_length=season_length)
        self.window = window
        self.horizon = horizon
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.validation_share = validation_share
        self.seed = seed

    def min_length(self, season_length: int) -> tuple[int, str]:
        """One window plus the horizon per example, and enough examples to train and validate."""
        self._check_params()
        examples = examples_needed(self.horizon, self.validation_share)
        return self.window + self.horizon - 1 + examples, (
            f"each training example is {self.window} prices followed by {self.horizon} more, "
            f"and it needs {MIN_TRAIN_EXAMPLES} examples to train on plus the last "
            f"{self.validation_share:.0%} (at least {MIN_VALIDATION_EXAMPLES}) held out "
            "for early stopping and the interval width"
        )

    def _fit_prepared(self, prepared: PreparedSeries) -> None:
        """Scale the steps, cut time-ordered examples, train with early stopping."""
        values = np.asarray(prepared.values, dtype=np.float64)
        transform: Transform = "log_return" if bool(np.all(values > 0)) else "difference"
        steps = to_steps(values, transform)
        span = self.window - 1 + self.horizon
        n_train, first_validation = split_examples(
            len(steps) - span + 1, self.horizon, self.validation_share
        )
        trained_steps = steps[: n_train + span - 1]
        mean, std = float(np.mean(trained_steps)), float(np.std(trained_steps))
        std = std if std > 0 else 1.0
        examples = sliding_window_view((steps - mean) / std, span)
        inputs, targets = examples[:, : self.window - 1], examples[:, self.window - 1 :]
        from preditiva.ml.engines.lstm_network import TrainingSettings, train_network

        result = train_network(
            (inputs[:n_train], targets[:n_train]),
            (inputs[first_validation:], targets[first_validation:]),
            TrainingSettings(
                hidden_size=self.hidden_size,
                num_layers=self.num_layers,
                epochs=self.epochs,
                batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                patience=self.patience,
                seed=self.seed,
            ),
        )
        self.transform_: Transform = transform
        self.scale_mean_ = mean
        self.scale_std_ = std
        self.weights_ = dict(result.weights)
        self.best_epoch_ = result.best_epoch
        self.epochs_run_ = result.epochs_run
        self.tail_ = values[-self.window :].copy()
        predicted = self._run(inputs[first_validation:]) * std + mean
        actual = targets[first_validation:] * std + mean
        self.validation_rmse_ = float(np.sqrt(np.mean((predicted - actual) ** 2)))
        self.naive_validation_rmse_ = float(np.sqrt(np.mean(actual**2)))

    def _predict_values(
        self, h: int, levels: tuple[int, ...], index: pd.DatetimeIndex
    ) -> tuple[FloatArray, Bands]:
        """Chain the predicted steps from the last ``window`` prices of the history."""
        return self._path(self.tail_, h, levels)

    def predict_from_history(
        self,
        history: Sequence[float],
        h: int | None = None,
        levels: Sequence[int] = DEFAULT_LEVELS,
        *,
        end: pd.Timestamp | None = None,
    ) -> Forecast:
        """Forecast from exactly ``window`` prices sent inline (``h`` defaults to ``horizon``).

        ``end`` is the timestamp of the history's last price; without it the steps are dated
        after the training data. A history of the wrong length, or holding anything but
        finite (and, for a model on log returns, positive) numbers, is a 422 naming what was
        expected and the bad positions.
        """
        if not hasattr(self, "weights_"):
            raise ForecasterNotFittedError(f"{self.name}: call fit before predict_from_history")
        steps_ahead = self.horizon if h is None else int(h)
        if steps_ahead < 1:
            raise InvalidInputError(f"the horizon must be at least 1 step, got {h}")
        checked = check_levels(levels)
        prices = self.check_history(history)
        last = self.last_timestamp_ if end is None else pd.Timestamp(end)
        index = future_index(last, self.freq_, steps_ahead)
        mean, bands = self._path(prices, steps_ahead, checked)
        return make_forecast(index, mean, bands, engine=self.name)

    def check_history(self, history: Sequence[Any]) -> FloatArray:
        """``history`` as ``window`` floats, or a ``DataValidationError`` (422) saying why."""
        if isinstance(history, str | bytes) or not isinstance(history, Sequence | np.ndarray):
            raise DataValidationError(
                f"history must be a list of {self.window} prices, got {type(history).__name__}",
                details=[{"field": "history", "message": "not a list"}],
            )
        if len(history) != self.window:
            raise DataValidationError(
                f"history must hold exactly {self.window} prices (the model's window), "
                f"got {len(history)}",
                details=[
                    {
                        "field": "history",
                        "message": f"expected {self.window} values, got {len(history)}",
                    }
                ],
            )
        prices = np.zeros(self.window, dtype=np.float64)
        problems: list[tuple[int, str]] = []
        for position, item in enumerate(history):
            value, problem = self._price(item)
            prices[position] = value
            if problem:
                problems.append((position, problem))
        if problems:
            wanted = "positive numbers" if self.transform_ == "log_return" else "numbers"
            shown = ", ".join(str(position) for position, _ in problems[:MAX_DETAILS])
            raise DataValidationError(
                f"history must hold {self.window} finite {wanted}; "
                f"{len(problems)} value(s) are not, at position(s) {shown}",
                details=[
                    {"field": f"history.{position}", "message": problem}
                    for position, problem in problems[:MAX_DETAILS]
                ],
            )
        return prices

    def _price(self, item: object) -> tuple[float, str | None]:
        """One history value as a float, and what is wrong with it (None when fine)."""
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            return math.nan, f"not a number: {short_repr(item, 30)}"
        try:
            value = float(item)
        except OverflowError:
            return math.nan, "too large to be a price"
        if not math.isfinite(value):
            return value, f"{value} is not a finite number"
        if self.transform_ == "log_return" and value <= 0:
            return value, f"{value} is not positive (the model works on log returns)"
        return value, None

    def _path(
        self, prices: FloatArray, h: int, levels: tuple[int, ...]
    ) -> tuple[FloatArray, Bands]:
        """The point path and Gaussian bands for ``h`` steps after these ``window`` prices."""
        scaled = (to_steps(prices, self.transform_) - self.scale_mean_) / self.scale_std_
        blocks: list[FloatArray] = []
        produced = 0
        while produced < h:
            block = self._run(scaled[np.newaxis, :])[0]
            blocks.append(block)
            produced += len(block)
            scaled = np.concatenate([scaled, block])[-(self.window - 1) :]
        steps = np.concatenate(blocks)[:h] * self.scale_std_ + self.scale_mean_
        spread = self.validation_rmse_ * np.sqrt(np.arange(1, h + 1, dtype=np.float64))
        last = float(prices[-1])
        bands: dict[int, tuple[FloatArray, FloatArray]] = {}
        if self.transform_ == "log_return":
            mean = last * np.exp(np.cumsum(steps))
            for level in levels:
                z = NormalDist().inv_cdf(0.5 + level / 200)
                bands[level] = (mean * np.exp(-z * spread), mean * np.exp(z * spread))
        else:
            mean = last + np.cumsum(steps)
            for level in levels:
                z = NormalDist().inv_cdf(0.5 + level / 200)
                bands[level] = (mean - z * spread, mean + z * spread)
        return mean, bands

    def _run(self, inputs: FloatArray) -> FloatArray:
        """The trained network's scaled outputs for ``(batch, window - 1)`` scaled inputs."""
        return forward(self.weights_, inputs, num_layers=self.num_layers)

    def _check_params(self) -> None:
        """Refuse hyper-parameters no training could use, naming the bad one."""
        positive = {
            "horizon": self.horizon,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "patience": self.patience,
        }
        for name, value in positive.items():
            if int(value) != value or value < 1:
                raise InvalidInputError(f"lstm: {name} must be a whole number >= 1, got {value}")
        if int(self.window) != self.window or self.window < 3:
            raise InvalidInputError(f"lstm: window must be a whole number >= 3, got {self.window}")
        if not 0 < self.validation_share <= 0.5:
            raise InvalidInputError(
                f"lstm: validation_share must be in (0, 0.5], got {self.validation_share}"
            )
        if not self.learning_rate > 0:
            raise InvalidInputError(f"lstm: learning_rate must be > 0, got {self.learning_rate}")


def to_steps(prices: FloatArray, transform: Transform) -> FloatArray:
    """Log returns or differences between consecutive prices (one fewer than the prices)."""
    if transform == "log_return":
        return np.diff(np.log(prices))
    return np.diff(prices)


def split_examples(n_examples: int, horizon: int, share: float) -> tuple[int, int]:
    """(examples to train on, index of the first validation example); see the module doc."""
    n_validation = max(MIN_VALIDATION_EXAMPLES, math.ceil(share * n_examples))
    n_train = n_examples - n_validation - (horizon - 1)
    return n_train, n_train + horizon - 1


def examples_needed(horizon: int, share: float) -> int:
    """The fewest examples that leave ``MIN_TRAIN_EXAMPLES`` to train on after the split."""
    n_examples = MIN_TRAIN_EXAMPLES + MIN_VALIDATION_EXAMPLES + horizon - 1
    while split_examples(n_examples, horizon, share)[0] < MIN_TRAIN_EXAMPLES:
        n_examples += 1
    return n_examples
