"""Reading raw column values: a few values read in Python the same as a column of many."""

from typing import Any

import numpy as np
import pandas as pd
import pytest

from preditiva.ml.tabular.values import SMALL_COLUMN, to_labels

VALUES: list[Any] = ["Gd", None, "", 60, 60.0, True, np.nan, "TA", "  ", " Ex"]


@pytest.mark.parametrize("value", VALUES)
def test_a_few_labels_read_like_the_same_values_in_a_long_column(value: Any) -> None:
    long = pd.Series([value, *(["Gd", 7, None] * SMALL_COLUMN)], dtype=object, name="q")

    few = to_labels(long.head(1))

    assert len(long) > SMALL_COLUMN
    pd.testing.assert_series_equal(few, to_labels(long).head(1))


def test_a_few_labels_keep_the_index_and_name() -> None:
    values = pd.Series([True, False], index=[7, 3], name="Central_Air")

    labels = to_labels(values)

    assert labels.tolist() == ["True", "False"]
    assert (labels.index.tolist(), labels.name, labels.dtype) == ([7, 3], "Central_Air", object)
