"""The registry of tabular algorithms and the pipelines it builds."""

import pandas as pd
import pytest
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from preditiva.core.errors import InvalidInputError
from preditiva.ml.tabular import (
    DatasetSchema,
    algorithm_names,
    build_pipeline,
    get_algorithm,
    infer_schema,
)
from preditiva.ml.tabular.features import CategoryCodes, TabularFeatures


@pytest.fixture(scope="module")
def sacramento_schema(sacramento: pd.DataFrame) -> DatasetSchema:
    """Sacramento, predicting the price."""
    return infer_schema(sacramento, "price")


def test_each_task_lists_its_algorithms() -> None:
    assert algorithm_names("regression") == (
        "linear",
        "random_forest",
        "gradient_boosting",
        "lightgbm",
        "ridge",
    )
    assert algorithm_names("classification") == ("logistic", "random_forest", "lightgbm")


def test_ridge_is_the_linear_algorithm() -> None:
    assert get_algorithm("regression", "ridge") is get_algorithm("regression", "linear")


def test_an_unknown_algorithm_lists_the_valid_ones_for_the_task() -> None:
    with pytest.raises(InvalidInputError) as caught:
        get_algorithm("classification", "ridge")

    assert "logistic, random_forest, lightgbm" in caught.value.message
    assert caught.value.details[0]["field"] == "algorithm"


def test_parameters_reach_the_estimator_over_the_defaults(sacramento_schema: DatasetSchema) -> None:
    pipeline = build_pipeline(sacramento_schema, "random_forest", {"n_estimators": 7})

    model = pipeline.named_steps["model"]
    assert model.n_estimators == 7
    assert model.random_state == 0
    assert model.max_features == 0.33


def test_an_unknown_or_invalid_parameter_is_refused(sacramento_schema: DatasetSchema) -> None:
    with pytest.raises(InvalidInputError) as caught:
        build_pipeline(sacramento_schema, "linear", {"alpha": 2.0, "depth": 3})
    assert caught.value.details == [
        {"field": "params.depth", "message": "not a parameter of linear"}
    ]

    with pytest.raises(InvalidInputError, match="invalid parameter for linear"):
        build_pipeline(sacramento_schema, "linear", {"alpha": -1.0})


def test_linear_models_one_hot_and_trees_code_their_categories(
    sacramento_schema: DatasetSchema,
) -> None:
    linear = build_pipeline(sacramento_schema, "linear")
    forest = build_pipeline(sacramento_schema, "random_forest")
    boosted = build_pipeline(sacramento_schema, "lightgbm")

    assert isinstance(linear.named_steps["features"], TabularFeatures)
    one_hot = linear.named_steps["preprocess"].transformers[1][1]
    assert isinstance(one_hot, OneHotEncoder)
    assert one_hot.handle_unknown == "ignore"
    assert isinstance(forest.named_steps["preprocess"].transformers[1][1], OrdinalEncoder)
    assert isinstance(boosted.named_steps["preprocess"], CategoryCodes)
    assert boosted.named_steps["preprocess"].categorical == ("city", "zip", "type")
