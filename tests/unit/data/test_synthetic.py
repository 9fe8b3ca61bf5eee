"""Generating plausible synthetic price history: deterministic, positive, shaped as asked."""

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from preditiva.data.synthetic import SyntheticShape, generate

#: No trend, seasonality, weekend effect, promotions or noise: a flat line at ``level``.
FLAT = SyntheticShape(
    trend_per_year=0.0,
    weekly_amplitude=0.0,
    yearly_amplitude=0.0,
    weekend_effect=0.0,
    promo_probability=0.0,
    noise=0.0,
)


def days(periods: int = 365, end: str = "2024-06-28") -> pd.DatetimeIndex:
    """Daily UTC timestamps ending on ``end`` (a Friday by default)."""
    return pd.date_range(end=end, periods=periods, freq="D", tz="UTC")


def test_same_seed_gives_the_same_history() -> None:
    first = generate(days(), SyntheticShape(), seed=7)
    second = generate(days(), SyntheticShape(), seed=7)

    np.testing.assert_array_equal(first, second)


def test_different_seeds_give_different_histories() -> None:
    first = generate(days(), SyntheticShape(), seed=7)
    second = generate(days(), SyntheticShape(), seed=8)

    assert len(first) == len(second) == 365
    assert np.mean(np.abs(first - second)) > 0.1


def test_values_stay_positive_even_with_extreme_noise_and_promotions() -> None:
    shape = SyntheticShape(
        level=1.0, noise=0.5, promo_probability=0.5, promo_depth=0.9, weekend_effect=-0.5
    )

    for seed in range(20):
        values = generate(days(1000), shape, seed)
        assert np.all(values > 0), seed
        assert np.all(np.isfinite(values)), seed


def test_without_noise_or_seasonality_history_rises_along_the_trend_to_level() -> None:
    shape = replace(FLAT, level=80.0, trend_per_year=0.1)

    values = generate(days(366, end="2024-06-28"), shape, seed=1)

    assert values[-1] == pytest.approx(80.0)
    assert values[0] == pytest.approx(80.0 * np.exp(-0.1 * 365 / 365.25), rel=1e-4)
    assert np.all(np.diff(values) > 0)


def test_history_ends_near_level_whatever_the_seed_and_end_date() -> None:
    misses = []
    for end in ("2024-01-05", "2024-04-01", "2024-06-28", "2024-10-02"):
        for seed in range(20):
            last = generate(days(365, end=end), SyntheticShape(level=50.0), seed)[-1]
            if abs(last / 50.0 - 1) > 0.05:
                misses.append((end, seed, float(last)))

    assert misses == []


def test_weekend_effect_lowers_weekend_values_and_leaves_weekdays_alone() -> None:
    index = days(70)
    plain = generate(index, SyntheticShape(weekend_effect=0.0), seed=3)
    dipped = generate(index, SyntheticShape(weekend_effect=-0.1), seed=3)

    weekend = index.day_of_week >= 5
    ratio = dipped / plain
    np.testing.assert_allclose(ratio[weekend], 0.9, rtol=1e-3)
    np.testing.assert_allclose(ratio[~weekend], 1.0, rtol=1e-3)


def test_negative_weekend_effect_makes_weekends_cheaper_on_average() -> None:
    index = days(364)
    shape = SyntheticShape(weekly_amplitude=0.0, weekend_effect=-0.05, promo_probability=0.0)

    values = generate(index, shape, seed=11)

    weekend = index.day_of_week >= 5
    assert values[weekend].mean() < values[~weekend].mean() * 0.97


def test_promotions_dip_prices_by_their_depth_for_their_length() -> None:
    index = days(365)
    plain = generate(index, SyntheticShape(promo_probability=0.0), seed=5)
    promoted = generate(
        index, SyntheticShape(promo_probability=0.03, promo_depth=0.2, promo_length=4), seed=5
    )

    ratio = promoted / plain
    in_promo = np.isclose(ratio, 0.8, rtol=1e-3)
    assert np.all(in_promo | np.isclose(ratio, 1.0, rtol=1e-3))
    assert 4 <= in_promo.sum() < len(index) / 2
    starts = np.flatnonzero(in_promo & ~np.roll(in_promo, 1))
    ends = np.flatnonzero(in_promo & ~np.roll(in_promo, -1))
    runs = ends - starts + 1
    assert np.all(runs[ends < len(index) - 1] >= 4)


def test_no_promotions_when_their_probability_is_zero() -> None:
    index = days(365)
    shape = replace(FLAT, level=100.0, promo_depth=0.5)

    values = generate(index, shape, seed=5)

    np.testing.assert_allclose(values, 100.0)


def test_generating_raises_no_deprecation_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        generate(days(10), SyntheticShape(), seed=1)
