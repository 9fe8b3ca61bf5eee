"""Training data checked row by row, and raw prediction rows checked and typed."""

from typing import Any

import numpy as np
import pandas as pd
import pytest

from preditiva.core.errors import DataValidationError, InvalidInputError
from preditiva.ml.tabular import check_rows, infer_schema, validate_frame
from preditiva.ml.tabular.validation import MAX_PROBLEMS
from preditiva.ml.tabular.values import SMALL_COLUMN


def _raw_rows(frame: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    """The first ``n`` houses as JSON-like objects, without the price."""
    return frame.drop(columns="Sale_Price").head(n).to_dict("records")


def test_clean_ames_has_no_problem(ames: pd.DataFrame) -> None:
    check = validate_frame(ames, infer_schema(ames, "Sale_Price"))

    assert check.ok
    assert check.problems == ()
    check.raise_if_invalid()


def test_training_problems_name_the_row_the_column_and_what_is_wrong(
    ames_sample: pd.DataFrame,
) -> None:
    schema = infer_schema(ames_sample, "Sale_Price")
    dirty = ames_sample.astype({"Sale_Price": object, "Lot_Area": object})
    dirty.loc[3, "Sale_Price"] = None
    dirty.loc[7, "Sale_Price"] = "ask the agent"
    dirty.loc[5, "Lot_Area"] = "big"

    check = validate_frame(dirty, schema)

    assert check.total == 3
    assert list(check.problems) == [
        {"row": 3, "field": "Sale_Price", "message": "target value missing"},
        {"row": 5, "field": "Lot_Area", "message": "expected a number, got text 'big'"},
        {"row": 7, "field": "Sale_Price", "message": "expected a number, got text 'ask the agent'"},
    ]
    assert check.bad_rows.tolist() == [3, 5, 7]
    with pytest.raises(DataValidationError, match="3 problem"):
        check.raise_if_invalid()


def test_only_the_first_hundred_problems_are_kept_with_the_total(
    ames_sample: pd.DataFrame,
) -> None:
    schema = infer_schema(ames_sample, "Sale_Price")
    dirty = ames_sample.copy()
    dirty.loc[10:159, "Sale_Price"] = np.nan

    check = validate_frame(dirty, schema)

    assert check.total == 150
    assert len(check.problems) == MAX_PROBLEMS
    assert check.problems[0]["row"] == 10
    assert len(check.bad_rows) == 150


def test_a_missing_column_and_a_class_too_small_for_the_folds_are_reported(
    sacramento: pd.DataFrame,
) -> None:
    schema = infer_schema(sacramento, "type")

    check = validate_frame(sacramento.drop(columns="sqft"), schema, min_class_rows=20)

    assert {"row": None, "field": "sqft", "message": "column missing"} in check.problems
    assert {
        "row": None,
        "field": "type",
        "message": "class Multi_Family has 13 row(s); cross-validation needs 20",
    } in check.problems


def test_raw_rows_become_a_typed_frame_of_the_features(ames: pd.DataFrame) -> None:
    schema = infer_schema(ames, "Sale_Price")
    rows = _raw_rows(ames, 3)
    rows[1]["Lot_Frontage"] = None

    frame = check_rows(rows, schema)

    assert list(frame.columns) == list(schema.features)
    assert frame["Gr_Liv_Area"].dtype == np.float64
    assert frame["Neighborhood"].tolist() == ames["Neighborhood"].head(3).tolist()
    assert np.isnan(frame.loc[1, "Lot_Frontage"])


def test_missing_unknown_and_wrongly_typed_values_are_each_listed(ames: pd.DataFrame) -> None:
    schema = infer_schema(ames, "Sale_Price")
    rows = _raw_rows(ames, 3)
    for row in rows:
        del row["Gr_Liv_Area"]
        row["Pool_Colour"] = "blue"
    del rows[2]["Year_Built"]
    rows[1]["Lot_Area"] = "large"
    rows[2]["Neighborhood"] = 3.5
    rows[0]["Garage_Cars"] = True

    with pytest.raises(InvalidInputError) as caught:
        check_rows(rows, schema)

    assert caught.value.details == [
        {
            "row": None,
            "field": "Pool_Colour",
            "message": "unknown column: not a column of the dataset",
        },
        {
            "row": None,
            "field": "Gr_Liv_Area",
            "message": "missing column: expected a number (null if unknown)",
        },
        {"row": 0, "field": "Garage_Cars", "message": "expected a number, got boolean true"},
        {"row": 1, "field": "Lot_Area", "message": "expected a number, got text 'large'"},
        {
            "row": 2,
            "field": "Year_Built",
            "message": "missing column: expected a number (null if unknown)",
        },
        {"row": 2, "field": "Neighborhood", "message": "expected text, got 3.5"},
    ]


def test_the_target_is_refused_and_ignored_columns_are_dropped(ames: pd.DataFrame) -> None:
    frame = ames.head(100).assign(listing_id=range(100))
    schema = infer_schema(frame, "Sale_Price")
    rows = frame.head(2).to_dict("records")

    with pytest.raises(InvalidInputError) as caught:
        check_rows(rows, schema)
    assert [d["field"] for d in caught.value.details] == ["Sale_Price"]

    for row in rows:
        del row["Sale_Price"]
    assert "listing_id" not in check_rows(rows, schema).columns


def test_dates_are_read_from_iso_text_and_bad_ones_are_listed(ames_sample: pd.DataFrame) -> None:
    frame = ames_sample.assign(
        sold_on=ames_sample.Year_Sold.astype(str)
        + "-"
        + ames_sample.Mo_Sold.astype(str).str.zfill(2)
        + "-15"
    )
    schema = infer_schema(frame, "Sale_Price")
    rows = _raw_rows(frame, 2)
    rows[0]["sold_on"] = "2010-06-30T12:00:00+02:00"

    typed = check_rows(rows, schema)
    assert typed.loc[0, "sold_on"] == pd.Timestamp("2010-06-30 10:00:00")

    rows[1]["sold_on"] = "last summer"
    with pytest.raises(InvalidInputError) as caught:
        check_rows(rows, schema)
    assert caught.value.details[0]["message"].startswith("expected an ISO 8601 date")


def test_an_empty_request_is_refused(ames: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="problem"):
        check_rows([], infer_schema(ames.head(50), "Sale_Price"))


def test_a_small_request_is_typed_like_the_same_rows_in_a_large_one(ames: pd.DataFrame) -> None:
    schema = infer_schema(ames, "Sale_Price")
    rows = _raw_rows(ames, SMALL_COLUMN + 6)
    rows[0]["Lot_Frontage"] = None
    rows[1]["Neighborhood"] = None
    rows[2]["Neighborhood"] = " North_Ames "  # trimmed on the column path
    rows[3]["Neighborhood"] = ""
    rows[4]["Neighborhood"] = 60  # a whole number is a label too
    rows[5]["Central_Air"] = True

    large = check_rows(rows, schema)

    assert len(rows) > SMALL_COLUMN
    for position in range(6):
        small = check_rows([rows[position]], schema)
        expected = large.iloc[[position]].reset_index(drop=True)
        pd.testing.assert_frame_equal(small, expected)
    assert large.loc[2, "Neighborhood"] == "North_Ames"
    assert large.loc[4, "Neighborhood"] == "60"
    assert np.isnan(large.loc[3, "Neighborhood"])


def test_a_one_row_request_lists_every_problem_in_order(ames: pd.DataFrame) -> None:
    schema = infer_schema(ames, "Sale_Price")
    row = _raw_rows(ames, 1)[0]
    del row["Gr_Liv_Area"]
    row["Pool_Colour"] = "blue"
    row["Lot_Area"] = float("inf")
    row["Neighborhood"] = ["North_Ames"]

    with pytest.raises(InvalidInputError) as caught:
        check_rows([row], schema)

    assert [(d["row"], d["field"], d["message"]) for d in caught.value.details] == [
        (None, "Pool_Colour", "unknown column: not a column of the dataset"),
        (None, "Gr_Liv_Area", "missing column: expected a number (null if unknown)"),
        (0, "Lot_Area", "expected a number, got inf"),
        (0, "Neighborhood", "expected text, got a list"),
    ]
