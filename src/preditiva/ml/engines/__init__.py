"""Forecasting engines, looked up by name: ``get_engine("ets", season_length=12)``.

Each name points at ``"module:Class"`` and is imported on first use, so asking for
``prophet`` without the extra installed fails with ``EngineUnavailableError`` rather than
at import time, and importing this package stays cheap.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from preditiva.core.errors import EngineUnavailableError, EngineUnknownError
from preditiva.ml.contract import Forecaster

ENGINES: dict[str, str] = {
    "naive": "preditiva.ml.engines.naive:NaiveForecaster",
    "seasonal_naive": "preditiva.ml.engines.naive:SeasonalNaiveForecaster",
    "ets": "preditiva.ml.engines.ets:ETSForecaster",
    "theta": "preditiva.ml.engines.theta:ThetaForecaster",
    "arima": "preditiva.ml.engines.arima:ARIMAForecaster",
    "auto": "preditiva.ml.engines.auto:AutoForecaster",
    "prophet": "preditiva.ml.engines.prophet:ProphetForecaster",
    "lstm": "preditiva.ml.engines.lstm:LSTMForecaster",
}

#: Engines that need an optional extra: engine name → (module to import, pip extra).
EXTRAS: dict[str, tuple[str, str]] = {
    "prophet": ("prophet", "preditiva[prophet]"),
    "lstm": ("torch", "preditiva[lstm]"),
}


def engine_names(*, available_only: bool = False) -> list[str]:
    """Every engine name, or only those whose extras are installed."""
    return [name for name in ENGINES if not available_only or engine_available(name)]


def engine_available(name: str) -> bool:
    """True when the engine exists and its optional extra (if any) can be imported."""
    if name not in ENGINES:
        return False
    module, _ = EXTRAS.get(name, ("", ""))
    return not module or importlib.util.find_spec(module) is not None


def engine_class(name: str) -> type[Forecaster]:
    """The forecaster class registered under ``name``."""
    if name not in ENGINES:
        raise EngineUnknownError(f"no engine {name!r}; choose one of {', '.join(ENGINES)}")
    if not engine_available(name):
        module, extra = EXTRAS[name]
        raise EngineUnavailableError(
            f"engine {name!r} needs the optional package {module!r}: pip install '{extra}'"
        )
    module_name, _, class_name = ENGINES[name].partition(":")
    cls: type[Forecaster] = getattr(importlib.import_module(module_name), class_name)
    return cls


def get_engine(name: str, **params: Any) -> Forecaster:
    """A new, unfitted forecaster of engine ``name`` with these hyper-parameters."""
    return engine_class(name)(**params)
