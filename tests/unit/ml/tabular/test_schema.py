"""Column roles, ignored columns and the task, inferred from real house sales."""

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import InvalidInputError
from preditiva.ml.tabular import DatasetSchema, infer_schema, task_for


def test_ames_columns_are_numbers_or_categories_around_the_target(ames: pd.DataFrame) -> None:
    schema = infer_schema(ames, "Sale_Price")

    assert schema.task == "regression"
    assert schema.column("Sale_Price").role == "target"
    assert {"Gr_Liv_Area", "Lot_Area", "Year_Built", "Latitude"} <= set(schema.numeric)
    assert {"Neighborhood", "MS_Zoning", "Central_Air"} <= set(schema.categorical)
    assert len(schema.features) == 73
    assert schema.ignored == ()


def test_missing_share_and_cardinality_are_measured(ames: pd.DataFrame) -> None:
    schema = infer_schema(ames, "Sale_Price")

    assert schema.column("Misc_Feature").missing_share == pytest.approx(2824 / 2930, abs=1e-6)
    assert schema.column("Neighborhood").cardinality == 28
    assert schema.column("Gr_Liv_Area").missing_share == 0.0


def test_identifiers_free_text_and_empty_columns_are_ignored_with_a_reason(
    ames_sample: pd.DataFrame,
) -> None:
    frame = ames_sample.copy()
    n = len(frame)
    frame["row_number"] = np.arange(1, n + 1)
    frame["listing_url"] = [f"https://example.org/house/{i}" for i in range(n)]
    frame["remarks"] = [f"lovely {i % 700} bed home" for i in range(n)]
    frame["country"] = "US"
    frame["blank"] = None

    schema = infer_schema(frame, "Sale_Price")

    reasons = {name: schema.column(name).reason or "" for name in schema.ignored}
    assert set(reasons) == {"row_number", "listing_url", "remarks", "country", "blank"}
    assert "row numbers" in reasons["row_number"]
    assert "every value is different" in reasons["listing_url"]
    assert "700 distinct values" in reasons["remarks"]
    assert "one value throughout" in reasons["country"]
    assert "missing" in reasons["blank"]
    assert "row_number" not in schema.features


def test_text_holding_numbers_or_dates_is_read_as_numbers_or_dates(
    ames_sample: pd.DataFrame,
) -> None:
    frame = ames_sample.copy()
    frame["area_text"] = frame["Gr_Liv_Area"].astype(str)
    frame.loc[3, "area_text"] = "unknown"
    frame["sold_on"] = (
        frame.Year_Sold.astype(str) + "-" + frame.Mo_Sold.astype(str).str.zfill(2) + "-15"
    )
    frame["listed_at"] = pd.to_datetime(frame["sold_on"]) - pd.Timedelta(days=30)

    schema = infer_schema(frame, "Sale_Price")

    assert schema.column("area_text").role == "numeric"
    assert schema.column("area_text").dtype == "object"
    assert schema.column("sold_on").role == "date"
    assert schema.column("listed_at").role == "date"


def test_task_follows_the_target(ames: pd.DataFrame, sacramento: pd.DataFrame) -> None:
    assert task_for(ames["Sale_Price"]) == "regression"
    assert task_for(ames["Sale_Price"] > 160_000) == "classification"
    assert task_for((ames["Sale_Price"] > 160_000).astype(int)) == "classification"
    assert task_for(sacramento["type"]) == "classification"
    assert task_for(sacramento["baths"]) == "regression"


def test_an_explicit_task_overrides_but_regression_needs_numbers(
    sacramento: pd.DataFrame,
) -> None:
    assert task_for(sacramento["beds"]) == "classification"
    assert task_for(sacramento["beds"], "regression") == "regression"

    with pytest.raises(InvalidInputError) as caught:
        task_for(sacramento["type"], "regression")
    assert caught.value.details[0]["field"] == "type"
    with pytest.raises(InvalidInputError, match="unknown task"):
        task_for(sacramento["type"], "clustering")


def test_a_missing_target_or_a_repeated_column_is_refused(sacramento: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError) as caught:
        infer_schema(sacramento, "sale_price")
    assert caught.value.details == [{"field": "target", "message": "no column named 'sale_price'"}]

    repeated = pd.concat([sacramento, sacramento[["beds"]]], axis=1)
    with pytest.raises(InvalidInputError, match="cannot be used"):
        infer_schema(repeated, "price")


def test_the_schema_round_trips_through_plain_values(sacramento: pd.DataFrame) -> None:
    schema = infer_schema(sacramento, "price")

    assert DatasetSchema.from_dict(schema.to_dict()) == schema
    assert schema.to_dict()["columns"][0] == {
        "name": "city",
        "role": "categorical",
        "dtype": "object",
        "missing_share": 0.0,
        "cardinality": 37,
        "reason": None,
    }
