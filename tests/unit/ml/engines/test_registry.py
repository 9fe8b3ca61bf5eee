"""Engines looked up by name, with clear errors for unknown names and missing extras."""

import importlib.util

import pytest

from preditiva.core.errors import EngineUnavailableError, EngineUnknownError
from preditiva.ml.engines import engine_names, get_engine
from preditiva.ml.engines.theta import ThetaForecaster


def test_every_issue_engine_is_registered() -> None:
    assert {"naive", "seasonal_naive", "ets", "theta", "arima", "auto", "prophet", "lstm"} <= set(
        engine_names()
    )


def test_get_engine_passes_hyper_parameters() -> None:
    engine = get_engine("theta", season_length=4, decomposition_type="additive")
    assert isinstance(engine, ThetaForecaster)
    assert (engine.season_length, engine.decomposition_type) == (4, "additive")


def test_unknown_engine_names_the_choices() -> None:
    with pytest.raises(EngineUnknownError, match="no engine 'lstm9'; choose one of naive"):
        get_engine("lstm9")


def test_missing_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "prophet" else real_find_spec(name, *args),
    )
    assert "prophet" not in engine_names(available_only=True)
    with pytest.raises(EngineUnavailableError, match=r"pip install 'preditiva\[prophet\]'"):
        get_engine("prophet")
