"""Accuracy measures against values worked out by hand on tiny arrays."""

import math

import pytest

from preditiva.ml.metrics import coverage, mae, mase, rmse, seasonal_naive_scale, smape

ACTUAL = [1.0, 2.0, 3.0, 4.0]
PREDICTED = [2.0, 2.0, 2.0, 2.0]  # errors -1, 0, 1, 2


def test_mae() -> None:
    assert mae(ACTUAL, PREDICTED) == pytest.approx((1 + 0 + 1 + 2) / 4)


def test_rmse() -> None:
    assert rmse(ACTUAL, PREDICTED) == pytest.approx(math.sqrt((1 + 0 + 1 + 4) / 4))


def test_smape_in_percent() -> None:
    terms = [2 * 1 / (1 + 2), 0.0, 2 * 1 / (3 + 2), 2 * 2 / (4 + 2)]
    assert smape(ACTUAL, PREDICTED) == pytest.approx(100 * sum(terms) / 4)


def test_smape_counts_zero_over_zero_as_no_error() -> None:
    assert smape([0.0, 1.0], [0.0, 1.0]) == 0.0


def test_mase_scales_by_the_in_sample_naive_error() -> None:
    train = [1.0, 3.0, 2.0, 4.0, 3.0]  # |diffs| 2, 1, 2, 1 -> 1.5
    assert mase(ACTUAL, PREDICTED, train=train, season_length=1) == pytest.approx(1.0 / 1.5)


def test_mase_scales_by_the_in_sample_seasonal_naive_error() -> None:
    train = [1.0, 3.0, 2.0, 4.0, 3.0]  # lag-2 |diffs| 1, 1, 1 -> 1.0
    assert seasonal_naive_scale(train, 2) == pytest.approx(1.0)
    assert mase(ACTUAL, PREDICTED, train=train, season_length=2) == pytest.approx(1.0)


def test_mase_uses_lag_one_when_the_history_is_shorter_than_a_season() -> None:
    assert seasonal_naive_scale([1.0, 3.0, 2.0], 12) == pytest.approx(1.5)


def test_mase_is_nan_on_a_flat_history() -> None:
    assert math.isnan(mase(ACTUAL, PREDICTED, train=[5.0, 5.0, 5.0], season_length=1))


def test_coverage_counts_values_inside_the_bounds_inclusive() -> None:
    lower = [0.0, 2.0, 3.5, 5.0]
    upper = [1.0, 3.0, 4.0, 6.0]  # 1 and 2 on a bound (in), 3 below, 4 below
    assert coverage(ACTUAL, lower, upper) == 0.5


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same non-zero length"):
        mae([1.0, 2.0], [1.0])
