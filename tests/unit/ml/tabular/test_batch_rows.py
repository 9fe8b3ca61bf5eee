"""Checking batch rows: bad values are named per row, blanks and categories are fine."""

import numpy as np
import pandas as pd

from preditiva.ml.tabular.batch_rows import failed, row_errors
from tests.support.batch_models import regressor


def rows(**columns: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        "area": ["50", "60"],
        "rooms": [1, 2],
        "kind": ["flat", "house"],
        "built_on": ["2001-02-03", "2004-05-06"],
    }
    return pd.DataFrame(base | columns)


def test_good_rows_have_no_error() -> None:
    errors = row_errors(rows(), regressor().schema)

    assert errors.tolist() == [None, None]
    assert failed(errors).tolist() == [False, False]


def test_text_that_is_not_a_number_is_named_with_its_column_and_value() -> None:
    errors = row_errors(rows(area=["50", "big"]), regressor().schema)

    assert errors.tolist() == [None, "area: expected a finite number, got text 'big'"]


def test_blank_and_missing_values_are_not_problems() -> None:
    frame = rows(area=["  ", None], built_on=[None, ""], kind=[None, "anything at all"])

    assert row_errors(frame, regressor().schema).tolist() == [None, None]


def test_an_infinite_number_is_a_problem() -> None:
    errors = row_errors(rows(area=[np.inf, 3.0]), regressor().schema)

    assert errors.tolist() == ["area: expected a finite number, got inf", None]


def test_every_problem_of_a_row_is_listed() -> None:
    frame = rows(area=["x", "1"], built_on=["someday", "2001-01-01"])

    (first, second) = row_errors(frame, regressor().schema).tolist()

    assert first == (
        "area: expected a finite number, got text 'x'; "
        "built_on: expected an ISO 8601 date such as 2010-06-30, got text 'someday'"
    )
    assert second is None
