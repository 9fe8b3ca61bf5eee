"""Small models trained in-process on real data, and registry versions holding them."""

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.settings import Settings
from preditiva.ml.engines.lstm import LSTMForecaster
from preditiva.ml.series_features import SeriesFeatureModel, train_feature_model
from preditiva.ml.tabular import TabularModel, train_tabular
from preditiva.services import registry
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.repositories import registry as registry_repo
from tests.support.real_prices import SHARED_DATA, stock_closes

LSTM_WINDOW = 10
CLASSIFIER_COLUMNS = ("Gr_Liv_Area", "Year_Built", "Overall_Cond", "Neighborhood", "Lot_Area")


@cache
def houses() -> pd.DataFrame:
    """A 300-row sample of the Ames house prices, with a yes/no ``Expensive`` column."""
    frame = pd.read_parquet(SHARED_DATA / "house_prices_ames.parquet")
    sample = frame.sample(300, random_state=0).reset_index(drop=True)
    median = sample["Sale_Price"].median()
    sample["Expensive"] = np.where(sample["Sale_Price"] > median, "yes", "no")
    return sample


@cache
def house_regressor() -> TabularModel:
    """A linear regressor of the sale price."""
    frame = houses().drop(columns=["Expensive"])
    return train_tabular(frame, "Sale_Price", algorithm="linear", cv_folds=2)


@cache
def house_lightgbm() -> TabularModel:
    """A LightGBM regressor of the sale price (the model that answers a few rows quickly)."""
    frame = houses().drop(columns=["Expensive"])
    return train_tabular(frame, "Sale_Price", algorithm="lightgbm", cv_folds=2)


@cache
def house_classifier() -> TabularModel:
    """A logistic classifier of ``Expensive`` on a few columns (the price itself left out)."""
    frame = houses()[[*CLASSIFIER_COLUMNS, "Expensive"]]
    return train_tabular(frame, "Expensive", algorithm="logistic", cv_folds=2)


def house_rows(
    count: int, *, start: int = 0, columns: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """``count`` rows of the sample as a client sends them (JSON values, no targets)."""
    rows = houses().drop(columns=["Sale_Price", "Expensive"]).iloc[start : start + count]
    if columns is not None:
        rows = rows[list(columns)]
    records: list[dict[str, Any]] = json.loads(rows.to_json(orient="records"))
    return records


def closes() -> "pd.Series[float]":
    """300 real daily closes of AAPL."""
    return stock_closes("AAPL", 300)


@cache
def feature_model(task: str) -> SeriesFeatureModel:
    """A next-day series-feature model of the closes (linear or logistic)."""
    algorithm = "linear" if task == "regression" else "logistic"
    return train_feature_model(closes(), task, algorithm, n_folds=2)


@cache
def lstm() -> LSTMForecaster:
    """A tiny LSTM (window 10, 3 steps) on the last 120 closes."""
    forecaster = LSTMForecaster(window=LSTM_WINDOW, horizon=3, hidden_size=4, epochs=2, seed=0)
    return forecaster.fit(closes().iloc[-120:])


def add_fitted(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    model: str,
    fitted: Any,
    target: dict[str, str],
    task: str,
    engine: str,
    horizon: int = 1,
    promote: bool = True,
) -> int:
    """A ready version of ``model`` (defined if new) holding ``fitted``; its number."""
    with factory.begin() as session:
        if registry_repo.get_model(session, model) is None:
            registry.define(
                session, name=model, engine=engine, horizon=horizon, target=target, task=task
            )
        version = registry.add_version(
            session,
            get_store(settings),
            name=model,
            fitted=fitted,
            data_fingerprint="test",
            training_seconds=0.1,
            metrics={"note": "trained in a test"},
            params={},
        )
        if promote:
            registry.promote(session, model, version.version)
        return version.version
