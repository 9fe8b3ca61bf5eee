"""Training on real house sales: beating the baseline, importances, raw rows, pickling."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import DataValidationError, InvalidInputError
from preditiva.ml.tabular import TabularModel, train_tabular
from preditiva.ml.tabular.scores import CLASSIFICATION_METRICS, REGRESSION_METRICS

REGRESSORS = ["linear", "random_forest", "gradient_boosting", "lightgbm"]
CLASSIFIERS = ["logistic", "random_forest", "lightgbm"]


def _unseen(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    """Ten houses, raw columns, without the target (the models saw them, which is fine here)."""
    return frame.drop(columns=target).tail(10)


@pytest.mark.parametrize("algorithm", REGRESSORS)
def test_every_regressor_beats_the_mean_baseline_on_r2(
    regressors: dict[str, TabularModel], algorithm: str
) -> None:
    evaluation = regressors[algorithm].evaluation

    assert set(evaluation.metrics) == set(REGRESSION_METRICS)
    assert set(evaluation.baseline) == set(REGRESSION_METRICS)
    assert evaluation.metrics["r2"] > 0.75
    assert evaluation.baseline["r2"] < 0.01
    assert evaluation.metrics["rmse"] < evaluation.baseline["rmse"]
    assert evaluation.beats_baseline
    assert len(evaluation.folds) == len(evaluation.baseline_folds) == 3


@pytest.mark.parametrize("algorithm", CLASSIFIERS)
def test_every_classifier_beats_the_majority_baseline(
    classifiers: dict[str, TabularModel], algorithm: str
) -> None:
    model = classifiers[algorithm]
    evaluation = model.evaluation

    assert model.classes == (False, True)
    assert set(evaluation.metrics) == set(CLASSIFICATION_METRICS)
    assert evaluation.metrics["accuracy"] > evaluation.baseline["accuracy"] + 0.3
    assert evaluation.metrics["log_loss"] < evaluation.baseline["log_loss"]
    assert evaluation.metrics["roc_auc"] > 0.9
    assert evaluation.baseline["roc_auc"] == pytest.approx(0.5)
    assert evaluation.metrics["brier"] < evaluation.baseline["brier"]


@pytest.mark.parametrize("algorithm", REGRESSORS)
def test_feature_importances_name_the_real_columns(
    regressors: dict[str, TabularModel], algorithm: str
) -> None:
    model = regressors[algorithm]
    importances = model.feature_importances

    assert set(importances) == set(model.schema.features)
    assert sum(importances.values()) == pytest.approx(1.0)
    assert list(importances.values()) == sorted(importances.values(), reverse=True)
    assert "Gr_Liv_Area" in list(importances)[:10]


@pytest.mark.parametrize("algorithm", REGRESSORS + [f"classifier:{n}" for n in CLASSIFIERS])
def test_a_pickle_round_trip_predicts_the_same(
    regressors: dict[str, TabularModel],
    classifiers: dict[str, TabularModel],
    ames_expensive: pd.DataFrame,
    ames_sample: pd.DataFrame,
    algorithm: str,
) -> None:
    if algorithm.startswith("classifier:"):
        model = classifiers[algorithm.split(":")[1]]
        rows = _unseen(ames_expensive, "expensive")
    else:
        model = regressors[algorithm]
        rows = _unseen(ames_sample, "Sale_Price")

    restored = pickle.loads(pickle.dumps(model))

    before, after = model.predict(rows), restored.predict(rows)
    np.testing.assert_array_equal(after.values, before.values)
    if before.probabilities is not None:
        assert after.probabilities is not None
        pd.testing.assert_frame_equal(after.probabilities, before.probabilities)


def test_raw_json_rows_predict_like_the_frame(
    regressors: dict[str, TabularModel], ames_sample: pd.DataFrame
) -> None:
    model = regressors["lightgbm"]
    rows = _unseen(ames_sample, "Sale_Price")

    from_json = model.predict_rows(rows.to_dict("records"))

    np.testing.assert_allclose(from_json.values, model.predict(rows).values)
    assert from_json.to_records()[0]["prediction"] == pytest.approx(from_json.values[0])


def test_one_row_at_a_time_predicts_like_the_batch_frame(
    regressors: dict[str, TabularModel], ames_sample: pd.DataFrame
) -> None:
    model = regressors["lightgbm"]
    rows = _unseen(ames_sample, "Sale_Price")
    records = json.loads(rows.to_json(orient="records"))  # as a client sends them
    records[0]["Garage_Type"] = None
    rows.loc[rows.index[0], "Garage_Type"] = None

    one_by_one = [model.predict_rows([record]).values[0] for record in records]

    np.testing.assert_allclose(one_by_one, model.predict(rows).values, rtol=1e-12)


def test_probabilities_come_with_each_predicted_class(
    classifiers: dict[str, TabularModel], ames_expensive: pd.DataFrame
) -> None:
    prediction = classifiers["logistic"].predict_rows(
        _unseen(ames_expensive, "expensive").to_dict("records")
    )

    assert prediction.probabilities is not None
    assert list(prediction.probabilities.columns) == [False, True]
    np.testing.assert_allclose(prediction.probabilities.sum(axis=1), 1.0)
    record = prediction.to_records()[0]
    assert set(record["probabilities"]) == {"False", "True"}
    assert record["prediction"] in (False, True)


@pytest.mark.parametrize("algorithm", REGRESSORS)
def test_unseen_categories_and_nulls_still_predict(
    regressors: dict[str, TabularModel], ames_sample: pd.DataFrame, algorithm: str
) -> None:
    rows = _unseen(ames_sample, "Sale_Price").head(2).to_dict("records")
    rows[0]["Neighborhood"] = "Atlantis"
    rows[1]["Gr_Liv_Area"] = None
    rows[1]["Garage_Type"] = None

    prediction = regressors[algorithm].predict_rows(rows)

    assert np.all(np.isfinite(prediction.values))
    assert np.all(prediction.values > 0)


def test_bad_rows_in_a_request_are_all_listed(
    regressors: dict[str, TabularModel], ames_sample: pd.DataFrame
) -> None:
    rows = _unseen(ames_sample, "Sale_Price").head(2).to_dict("records")
    del rows[0]["Lot_Area"]
    rows[1]["Gr_Liv_Area"] = "huge"
    rows[1]["Swimming_Pool_Slide"] = True

    with pytest.raises(InvalidInputError) as caught:
        regressors["linear"].predict_rows(rows)

    problems = {(d["row"], d["field"]) for d in caught.value.details}
    assert problems == {(None, "Swimming_Pool_Slide"), (0, "Lot_Area"), (1, "Gr_Liv_Area")}


def test_dates_become_numbers_inside_the_pipeline(ames_sample: pd.DataFrame) -> None:
    frame = ames_sample[["Gr_Liv_Area", "Neighborhood", "Sale_Price"]].assign(
        sold_on=ames_sample.Year_Sold.astype(str)
        + "-"
        + ames_sample.Mo_Sold.astype(str).str.zfill(2)
        + "-15"
    )
    model = train_tabular(frame, "Sale_Price", algorithm="ridge", cv_folds=3)

    prediction = model.predict_rows(
        [{"Gr_Liv_Area": 1500, "Neighborhood": "North_Ames", "sold_on": "2009-07-01"}]
    )

    assert model.algorithm == "linear"
    assert model.schema.dates == ("sold_on",)
    assert "sold_on" in model.feature_importances
    assert 50_000 < prediction.values[0] < 400_000


def test_a_multiclass_target_gets_macro_f1_and_one_vs_rest_auc(
    sacramento: pd.DataFrame,
) -> None:
    model = train_tabular(sacramento, "type", algorithm="logistic", cv_folds=3)

    assert model.classes == ("Condo", "Multi_Family", "Residential")
    assert model.evaluation.metrics["accuracy"] > model.evaluation.baseline["accuracy"]
    assert model.evaluation.metrics["f1"] > model.evaluation.baseline["f1"]
    assert 0.5 < model.evaluation.metrics["roc_auc"] <= 1.0
    assert model.evaluation.beats_baseline


def test_problems_in_the_data_stop_training(ames_sample: pd.DataFrame) -> None:
    dirty = ames_sample.copy()
    dirty.loc[[4, 9], "Sale_Price"] = np.nan

    with pytest.raises(DataValidationError) as caught:
        train_tabular(dirty, "Sale_Price", algorithm="linear", cv_folds=3)

    assert [d["row"] for d in caught.value.details] == [4, 9]


def test_too_few_folds_or_rows_are_refused(sacramento: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="at least 2 folds"):
        train_tabular(sacramento, "price", algorithm="linear", cv_folds=1)
    with pytest.raises(InvalidInputError, match="needs at least 10"):
        train_tabular(sacramento.head(8), "price", algorithm="linear", cv_folds=3)


def test_the_stored_record_is_plain_json(regressors: dict[str, TabularModel]) -> None:
    record = regressors["gradient_boosting"].to_dict()

    assert record["algorithm"] == "gradient_boosting"
    assert record["evaluation"]["baseline"]["name"] == "mean"
    assert record["evaluation"]["skill_measure"] == "1 - rmse / baseline rmse"
    assert record["importance_kind"] == "impurity"
    assert record["params"]["n_estimators"] == 80
    assert record["params"]["random_state"] == 0
    assert record["schema"]["target"] == "Sale_Price"
