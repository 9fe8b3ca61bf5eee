"""Rows of a batch file checked against a model's schema: what, if anything, is wrong with each.

Unlike ``check_rows``, which refuses a request with any bad value, a batch goes on: a row
with a value that does not read gets a message, and the others are predicted. A blank or
null value is missing (the pipeline fills it in), never a problem. A number column's text
must read as a finite number (an infinity is refused too), a date column's as an ISO 8601
date; a category column takes anything. Messages name the column and the value:
``Lot_Area: expected a finite number, got text 'big'``; several in one row are joined by
``; ``. The frame itself is left as it is: the pipeline reads values the same way, so a bad
value it is given becomes missing, and its row's prediction is then thrown away.
"""

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from preditiva.ml.tabular.schema import DatasetSchema
from preditiva.ml.tabular.values import AnySeries, blank_to_na, is_text, to_dates, to_numbers

ObjectArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]

DATE_HINT = "an ISO 8601 date such as 2010-06-30"
SHOWN_CHARACTERS = 40


def row_errors(frame: pd.DataFrame, schema: DatasetSchema) -> ObjectArray:
    """Per row of ``frame`` (which has every feature column), None or what is wrong with it."""
    errors: ObjectArray = np.full(len(frame), None, dtype=object)
    for name in schema.features:
        role = schema.column(name).role
        if role == "numeric":
            _check_numbers(frame[name], errors)
        elif role == "date":
            _check_dates(frame[name], errors)
    return errors


def failed(errors: ObjectArray) -> BoolArray:
    """True where a row has an error."""
    return np.fromiter((error is not None for error in errors), bool, len(errors))


def _check_numbers(values: AnySeries, errors: ObjectArray) -> None:
    """Note present values that are not finite numbers."""
    if pd.api.types.is_float_dtype(values.dtype):
        wrong = np.isinf(values.to_numpy())
    elif pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        return
    else:
        finite = np.isfinite(to_numbers(values).to_numpy())
        present = blank_to_na(values).notna().to_numpy() if is_text(values) else values.notna()
        wrong = np.asarray(present, dtype=bool) & ~finite
    if wrong.any():
        _note(errors, wrong, values, "a finite number")


def _check_dates(values: AnySeries, errors: ObjectArray) -> None:
    """Note present values that do not read as dates."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return
    wrong = blank_to_na(values).notna().to_numpy() & to_dates(values).isna().to_numpy()
    if wrong.any():
        _note(errors, wrong, values, DATE_HINT)


def _note(errors: ObjectArray, wrong: BoolArray, values: AnySeries, expected: str) -> None:
    """Add ``column: expected …, got …`` to the message of every ``wrong`` row."""
    raw = values.to_numpy()
    for position in np.flatnonzero(wrong):
        text = f"{values.name}: expected {expected}, got {shown(raw[position])}"
        earlier = errors[position]
        errors[position] = text if earlier is None else f"{earlier}; {text}"


def shown(value: Any) -> str:
    """A bad value as a message shows it: text quoted and cut short, anything else as is."""
    if isinstance(value, str):
        if len(value) > SHOWN_CHARACTERS:
            value = value[: SHOWN_CHARACTERS - 3] + "..."
        return f"text {value!r}"
    if isinstance(value, bool | np.bool_):
        return f"boolean {str(bool(value)).lower()}"
    if isinstance(value, float | np.floating):
        return f"{float(value)!r}"
    return repr(value)
