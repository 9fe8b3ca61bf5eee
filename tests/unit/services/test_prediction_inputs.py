"""Prediction inputs: the canonical digest, the checks per kind of model, histories read."""

import pandas as pd
import pytest

from preditiva.core.errors import DataValidationError, InvalidInputError, PayloadTooLargeError
from preditiva.services.prediction_inputs import PredictInput, check_input, read_history


def test_the_digest_ignores_key_order_and_unset_fields() -> None:
    first = PredictInput(rows=[{"a": 1, "b": "x"}])
    second = PredictInput.model_validate({"rows": [{"b": "x", "a": 1}], "history": None})

    assert first.digest() == second.digest()
    assert first.digest() != PredictInput(rows=[{"a": 2, "b": "x"}]).digest()


def test_more_rows_than_the_limit_is_a_413_naming_the_model() -> None:
    data = PredictInput(rows=[{}] * 4)

    with pytest.raises(PayloadTooLargeError, match="at most 3") as caught:
        check_input("tabular", data, max_rows=3, model="houses")

    assert "POST /v1/models/houses/predict-batch" in caught.value.message


def test_fields_a_kind_of_model_does_not_read_are_each_named() -> None:
    data = PredictInput(history=[1.0, 2.0], h=3, levels=[80])

    with pytest.raises(InvalidInputError) as caught:
        check_input("series_feature", data, max_rows=10)

    assert [d["field"] for d in caught.value.details] == ["h", "levels"]


def test_a_forecaster_needs_a_history() -> None:
    with pytest.raises(InvalidInputError, match="predicts from a history"):
        check_input("forecast", PredictInput(), max_rows=10)


def test_points_give_their_values_and_naive_utc_times() -> None:
    points = [
        {"ts": "2024-01-01T00:00:00+01:00", "value": 1.5},
        {"ts": "2024-01-02T00:00:00Z", "value": 2.5},
    ]

    values, times = read_history(points, None)

    assert values == [1.5, 2.5]
    assert times == [pd.Timestamp("2023-12-31 23:00"), pd.Timestamp("2024-01-02")]


def test_points_out_of_order_are_refused() -> None:
    points = [{"ts": "2024-01-02", "value": 1.0}, {"ts": "2024-01-01", "value": 2.0}]

    with pytest.raises(DataValidationError, match="time order"):
        read_history(points, None)
