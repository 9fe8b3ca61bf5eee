"""A few rows predicted from blocks give the very predictions of the column-by-column path."""

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

import preditiva.ml.tabular.features as features_module
from preditiva.ml.tabular import TabularModel, check_rows, train_tabular
from preditiva.ml.tabular.features import TabularFeatures
from preditiva.ml.tabular.validation import check_records

SKLEARN = [
    ("regression", "linear"),
    ("regression", "random_forest"),
    ("regression", "gradient_boosting"),
    ("classification", "logistic"),
    ("classification", "random_forest"),
]
#: Rows sent one at a time to each scikit-learn pipeline (its ColumnTransformer alone costs
#: ~15-35 ms a row; the blocks they get are checked on every held-out row below).
SKLEARN_ROWS = 8
TRAIN_ROWS = 300
FAST: dict[str, Any] = {"params": {"n_estimators": 30}, "cv_folds": 2}


@pytest.fixture(scope="module")
def dated(ames_sample: pd.DataFrame) -> pd.DataFrame:
    """Ames with a sale date (ISO text, some missing), and ``expensive`` beside the price."""
    frame = ames_sample.iloc[:600].copy()
    sold = pd.to_datetime({"year": frame["Year_Sold"], "month": frame["Mo_Sold"], "day": 15})
    frame["sold_on"] = sold.dt.strftime("%Y-%m-%d").where(frame.index % 9 != 0)
    frame["expensive"] = frame["Sale_Price"] > frame["Sale_Price"].median()
    return frame


@pytest.fixture(scope="module")
def lightgbm(dated: pd.DataFrame) -> dict[str, TabularModel]:
    """A LightGBM regressor and classifier trained on the first dated rows (30 trees)."""
    train = dated.iloc[:TRAIN_ROWS]
    return {
        "regression": train_tabular(
            train.drop(columns="expensive"), "Sale_Price", algorithm="lightgbm", **FAST
        ),
        "classification": train_tabular(
            train.drop(columns="Sale_Price"), "expensive", algorithm="lightgbm", **FAST
        ),
    }


@pytest.fixture(scope="module")
def requests(dated: pd.DataFrame) -> list[dict[str, Any]]:
    """Held-out rows as JSON, with missing values, blanks, spaces, unseen levels and offsets."""
    held_out = dated.iloc[TRAIN_ROWS:].drop(columns=["Sale_Price", "expensive"])
    rows: list[dict[str, Any]] = json.loads(held_out.to_json(orient="records"))
    rng = np.random.default_rng(0)
    for row in rows:
        for name, value in row.items():
            draw = rng.random()
            if draw < 0.05:
                row[name] = None
            elif isinstance(value, str) and name != "sold_on" and draw < 0.10:
                row[name] = ["never seen", "", f" {value} "][int(draw * 100) % 3]
            elif name == "sold_on" and value and draw < 0.15:
                row[name] = f"{value}T23:30:00+02:00"
    return rows


def _column_path(model: TabularModel, rows: list[dict[str, Any]]) -> Any:
    """The pipeline's own ``predict`` or ``predict_proba``, ``TabularFeatures`` column by column."""
    frame = check_rows(rows, model.schema)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(features_module, "is_small", lambda frame: False)
        if model.task == "regression":
            return model.pipeline.predict(frame)
        return model.pipeline.predict_proba(frame)


def _outputs(model: TabularModel, rows: list[dict[str, Any]]) -> Any:
    """``predict_rows``' values (regression) or probabilities (classification)."""
    prediction = model.predict_rows(rows)
    if prediction.probabilities is None:
        return prediction.values
    return prediction.probabilities.to_numpy()


def test_request_rows_become_the_column_paths_features(
    lightgbm: dict[str, TabularModel], requests: list[dict[str, Any]]
) -> None:
    model = lightgbm["regression"]
    step = model.pipeline.named_steps["features"]
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(features_module, "is_small", lambda frame: False)
        expected = step.transform(check_rows(requests, model.schema))

    assert "sold_on" in model.schema.dates
    one_by_one = [
        step.record_blocks(check_records([row], model.schema)).frame(pd.RangeIndex(1))
        for row in requests
    ]
    pd.testing.assert_frame_equal(pd.concat(one_by_one, ignore_index=True), expected)


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_lightgbm_one_row_at_a_time_gives_the_column_paths_predictions(
    lightgbm: dict[str, TabularModel], requests: list[dict[str, Any]], task: str
) -> None:
    model = lightgbm[task]
    expected = _column_path(model, requests)  # LightGBM predicts each row on its own

    fast = np.vstack([_outputs(model, [row]) for row in requests])

    assert np.array_equal(fast.reshape(expected.shape), expected)


@pytest.mark.parametrize(("task", "name"), SKLEARN)
def test_scikit_learn_pipelines_one_row_at_a_time_give_the_same(
    regressors: dict[str, TabularModel],
    classifiers: dict[str, TabularModel],
    requests: list[dict[str, Any]],
    task: str,
    name: str,
) -> None:
    model = (regressors if task == "regression" else classifiers)[name]
    rows = [{key: row[key] for key in model.schema.features} for row in requests]

    for row in rows[:SKLEARN_ROWS]:
        assert np.array_equal(_outputs(model, [row]), _column_path(model, [row]))


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_a_few_rows_at_once_and_a_small_frame_give_the_same(
    lightgbm: dict[str, TabularModel], requests: list[dict[str, Any]], task: str
) -> None:
    model = lightgbm[task]
    batch = requests[:20]

    assert np.array_equal(_outputs(model, batch), _column_path(model, batch))
    frame = check_rows(batch, model.schema)
    assert model.predict(frame).to_records() == model.predict_rows(batch).to_records()


def test_tabular_features_reads_a_small_raw_frame_as_column_by_column() -> None:
    stamps = ["1969-12-31 23:59", None, "2024-02-29 00:00", "2000-01-01 12:00", None]
    frame = pd.DataFrame(
        {
            "area": [1200, 0, -5, 7, 3],
            "price": ["12.5", " ", "abc", "inf", None],
            "ratio": [np.inf, -np.inf, np.nan, 0.5, 1e300],
            "flag": [True, False, True, True, False],
            "grade": [" Gd", "Ex", "", None, "TA "],
            "code": [60.0, np.nan, 20.0, 7.5, 60.0],
            "kind": pd.Series(["a", "b", None, "a", "c"], dtype="category"),
            "sold_on": ["2010-06-30", "2010-06-30T14:00+02:00", "", "bad", None],
            "stamp": pd.to_datetime(stamps),
        },
        index=[5, 3, 9, 1, 0],
    )
    step = TabularFeatures(
        numeric=("area", "price", "ratio", "flag"),
        categorical=("grade", "code", "kind"),
        dates=("sold_on", "stamp"),
    ).fit(frame)

    fast = step.transform(frame)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(features_module, "is_small", lambda frame: False)
        expected = step.transform(frame)

    pd.testing.assert_frame_equal(fast, expected)
    assert list(fast.columns) == step.columns_
