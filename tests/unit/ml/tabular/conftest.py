"""Real data for the tabular tests: Ames house prices (De Cock 2011) and Sacramento sales.

Read from ``../shared/data`` beside the repository (see its README and manifest). To keep the
whole package near 20 s on a 2-core machine, models train on a 1,200-house sample of Ames
with 3 folds and fewer trees than the production defaults (``FAST``); the full data set and
defaults are in the report figures, not in the suite.
"""

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from preditiva.ml.tabular import TabularModel, algorithm_names, train_tabular

DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data"
SAMPLE_ROWS = 1200
FOLDS = 3
FAST: dict[str, dict[str, Any]] = {
    "linear": {},
    "logistic": {},
    "random_forest": {"n_estimators": 40},
    "gradient_boosting": {"n_estimators": 80},
    "lightgbm": {"n_estimators": 80},
}


@pytest.fixture(scope="session")
def ames() -> pd.DataFrame:
    """All 2,930 Ames sales, 74 columns, ``Sale_Price`` in dollars."""
    return pd.read_parquet(DATA / "house_prices_ames.parquet")


@pytest.fixture(scope="session")
def ames_sample(ames: pd.DataFrame) -> pd.DataFrame:
    """A fixed 1,200-row sample of Ames (for speed)."""
    return ames.sample(SAMPLE_ROWS, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def ames_expensive(ames: pd.DataFrame, ames_sample: pd.DataFrame) -> pd.DataFrame:
    """The sample with ``expensive`` (price above the full data's median) instead of the price."""
    frame = ames_sample.drop(columns="Sale_Price")
    frame["expensive"] = ames_sample["Sale_Price"] > ames["Sale_Price"].median()
    return frame


@pytest.fixture(scope="session")
def sacramento() -> pd.DataFrame:
    """932 Sacramento sales; ``type`` is Residential, Condo or Multi_Family."""
    return pd.read_parquet(DATA / "house_prices_sacramento.parquet")


@pytest.fixture(scope="session")
def regressors(ames_sample: pd.DataFrame) -> dict[str, TabularModel]:
    """Every regression algorithm trained on the Ames sample to predict ``Sale_Price``."""
    return {
        name: train_tabular(
            ames_sample, "Sale_Price", algorithm=name, params=FAST[name], cv_folds=FOLDS
        )
        for name in algorithm_names("regression")
        if name != "ridge"
    }


@pytest.fixture(scope="session")
def classifiers(ames_expensive: pd.DataFrame) -> dict[str, TabularModel]:
    """Every classification algorithm trained on the Ames sample to predict ``expensive``."""
    return {
        name: train_tabular(
            ames_expensive, "expensive", algorithm=name, params=FAST[name], cv_folds=FOLDS
        )
        for name in algorithm_names("classification")
    }
