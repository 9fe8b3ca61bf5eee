"""Small tabular models for batch prediction tests, and registry versions holding them."""

from functools import cache

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.settings import Settings
from preditiva.ml.tabular import TabularModel, train_tabular
from preditiva.services import registry
from preditiva.storage.artifacts import get_store

FEATURES = ("area", "rooms", "kind", "built_on")


def houses(rows: int, seed: int = 0) -> pd.DataFrame:
    """Synthetic listings: a number, a count, a category and a date column, and the price."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 250, rows).round(1)
    rooms = rng.integers(1, 7, rows)
    kind = rng.choice(["house", "flat", "studio"], rows)
    built = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 25_000, rows), "D")
    price = 1_500 * area + 8_000 * rooms + np.where(kind == "house", 30_000, 0)
    return pd.DataFrame(
        {
            "area": area,
            "rooms": rooms,
            "kind": kind,
            "built_on": built.strftime("%Y-%m-%d"),
            "price": price + rng.normal(0, 5_000, rows),
            "expensive": np.where(price > np.median(price), "yes", "no"),
        }
    )


@cache
def regressor() -> TabularModel:
    """A linear model of the price."""
    return train_tabular(
        houses(80).drop(columns=["expensive"]), "price", algorithm="linear", cv_folds=2
    )


@cache
def classifier() -> TabularModel:
    """A logistic model of ``expensive`` (yes or no)."""
    return train_tabular(
        houses(80).drop(columns=["price"]), "expensive", algorithm="logistic", cv_folds=2
    )


def add_model(
    factory: sessionmaker[Session],
    settings: Settings,
    name: str,
    fitted: TabularModel,
    *,
    promote: bool = True,
) -> int:
    """Define a tabular model ``name`` with ``fitted`` as version 1 (champion); its row id."""
    with factory.begin() as session:
        registry.define(
            session,
            name=name,
            engine="linear" if fitted.task == "regression" else "logistic",
            horizon=1,
            task=fitted.task,
            target={"dataset": "houses"},
        )
        version = registry.add_version(
            session,
            get_store(settings),
            name=name,
            fitted=fitted,
            data_fingerprint="houses",
            training_seconds=0.1,
        )
        if promote:
            registry.promote(session, name, version.version)
        return version.id


def rows_to_predict(rows: int, seed: int = 1) -> pd.DataFrame:
    """Rows as a client would send them: an ``id`` column and the features, no target."""
    frame = houses(rows, seed)[list(FEATURES)]
    frame.insert(0, "id", [f"h{index}" for index in range(rows)])
    return frame
