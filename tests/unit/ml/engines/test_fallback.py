"""When a StatsForecast model fails, the engine carries on with naive and says so."""

from typing import Any

import numpy as np
import pandas as pd
import pytest
from statsforecast.models import AutoETS

from preditiva.core.errors import ForecasterError, SeriesTooShortError
from preditiva.ml.engines.ets import ETSForecaster
from preditiva.ml.engines.naive import NaiveForecaster, SeasonalNaiveForecaster


def _refuse(self: Any, y: Any, X: Any = None) -> Any:  # noqa: N803 (StatsForecast's name)
    """A fit that fails the way a singular model does."""
    raise np.linalg.LinAlgError("singular matrix")


def test_failed_fit_falls_back_to_naive(
    monkeypatch: pytest.MonkeyPatch, random_walk: "pd.Series[float]"
) -> None:
    monkeypatch.setattr(AutoETS, "fit", _refuse)
    engine = ETSForecaster().fit(random_walk)
    assert engine.fallback_used_ is True
    assert engine.fallback_reason_ == "LinAlgError: singular matrix"
    naive = NaiveForecaster().fit(random_walk).predict(5)
    np.testing.assert_allclose(engine.predict(5).mean, naive.mean)


def test_non_finite_forecast_falls_back_to_naive(
    monkeypatch: pytest.MonkeyPatch, random_walk: "pd.Series[float]"
) -> None:
    monkeypatch.setattr(AutoETS, "predict", lambda self, h, **_: {"mean": [np.nan]})
    engine = ETSForecaster().fit(random_walk)
    assert engine.fallback_used_ is True
    assert "non-finite" in str(engine.fallback_reason_)


def test_without_fallback_the_failure_is_an_error(
    monkeypatch: pytest.MonkeyPatch, random_walk: "pd.Series[float]"
) -> None:
    monkeypatch.setattr(AutoETS, "fit", _refuse)
    with pytest.raises(ForecasterError, match="ets failed to fit: singular matrix"):
        ETSForecaster(fallback=False).fit(random_walk)


def test_short_history_drops_the_season_instead_of_failing(
    seasonal: "pd.Series[float]",
) -> None:
    engine = ETSForecaster().fit(seasonal.iloc[:20])
    assert (engine.season_length_, engine.fallback_used_) == (1, False)


def test_seasonal_naive_needs_two_full_seasons(seasonal: "pd.Series[float]") -> None:
    with pytest.raises(SeriesTooShortError, match=r"needs at least 24 .*two full seasons"):
        SeasonalNaiveForecaster().fit(seasonal.iloc[:23])
