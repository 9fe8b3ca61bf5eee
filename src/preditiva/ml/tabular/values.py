"""Raw column values read one way everywhere: schema inference, validation and the pipeline.

Blank or whitespace-only text counts as missing. Numbers are read with ``pd.to_numeric``
(what cannot be read becomes NaN), dates as ISO 8601 (``2010-06-30``, ``2010-06-30T14:00``,
an offset allowed) and brought to naive UTC, categories as text (``True``, ``60``, ``Gd``).
"""

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Joins an input column to a derived part in the names of model features (``sold_on␟year``);
#: everything before it is the input column, so importances map back to the columns.
PART_SEPARATOR = "\x1f"
#: The numbers a date column becomes inside the pipeline.
DATE_PARTS = ("year", "month", "day", "day_of_week", "day_of_year")
#: Columns of at most this many values (a prediction request's) are read value by value in
#: Python: building Arrow arrays and a chain of pandas objects costs more than the values.
SMALL_COLUMN = 64

AnySeries = pd.Series


def is_text(values: AnySeries) -> bool:
    """True for object, string and category columns (whose values may be text)."""
    return values.dtype == object or isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype))


def blank_to_na(values: AnySeries) -> AnySeries:
    """Text values stripped of surrounding spaces, with empty text made missing."""
    if not is_text(values):
        return values
    objects = values.astype(object)
    if _all_text(objects):
        return _stripped_text(objects)
    stripped = objects.map(_stripped)
    return stripped.where(stripped.ne("") & stripped.notna(), np.nan).astype(object)


def to_numbers(values: AnySeries) -> AnySeries:
    """Float64 numbers; booleans become 0/1, anything unreadable becomes NaN."""
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype(np.float64)
    cleaned = blank_to_na(values)
    if not _all_text(cleaned):
        cleaned = cleaned.where(~cleaned.map(_is_bool), np.nan)
    return pd.to_numeric(cleaned, errors="coerce").astype(np.float64)


def to_dates(values: AnySeries) -> AnySeries:
    """Naive-UTC datetimes; text is read as ISO 8601, anything unreadable becomes NaT."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        naive: AnySeries = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return naive
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values
    cleaned = blank_to_na(values)
    if not _all_text(cleaned):
        cleaned = cleaned.where(cleaned.map(_is_date_like), np.nan)
    stamps = pd.to_datetime(cleaned, errors="coerce", format="ISO8601", utc=True)
    localized: AnySeries = stamps.dt.tz_localize(None)
    return localized


def to_labels(values: AnySeries) -> AnySeries:
    """Category labels as text (``True``, ``60``, ``Gd``), missing values as NaN."""
    if len(values) <= SMALL_COLUMN:
        labels = small_labels(values.tolist())
        if labels is not None:
            return pd.Series(labels, index=values.index, name=values.name, dtype=object)
    cleaned = blank_to_na(values.astype(object))
    if _all_text(cleaned):
        return cleaned
    return cleaned.map(_label, na_action="ignore").astype(object)


def small_labels(items: list[Any]) -> list[Any] | None:
    """``to_labels`` of a few values, in Python; None if some text has spaces to trim.

    Text with surrounding spaces is left to the column path, so that trimming stays Arrow's
    (whose idea of a space is Unicode's, narrower than ``str.strip``'s) and both paths agree.
    """
    labels: list[Any] = []
    for value in items:
        if isinstance(value, str):
            if value.strip() != value:
                return None
            labels.append(value or np.nan)
        elif _missing(value):
            labels.append(np.nan)
        else:
            labels.append(_label(value))
    return labels


def to_classes(values: AnySeries) -> AnySeries:
    """Labels of a target without missing values: bool, int64 (whole numbers), float64 or text."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(bool)
    if pd.api.types.is_numeric_dtype(values.dtype) and not is_text(values):
        if bool(np.all(values == np.round(values))):
            return values.astype(np.int64)
        return values.astype(np.float64)
    return to_labels(values).astype(str).astype(object)


def date_parts(stamps: AnySeries) -> dict[str, AnySeries]:
    """Each part in ``DATE_PARTS`` as float64 (NaN where the date is missing)."""
    accessor = stamps.dt
    parts = {
        "year": accessor.year,
        "month": accessor.month,
        "day": accessor.day,
        "day_of_week": accessor.dayofweek,
        "day_of_year": accessor.dayofyear,
    }
    return {name: parts[name].astype(np.float64) for name in DATE_PARTS}


def _all_text(values: AnySeries) -> bool:
    """True when every non-missing value is text (or none is present): the fast paths apply."""
    return pd.api.types.infer_dtype(values, skipna=True) in {"string", "empty"}


def _stripped_text(texts: AnySeries) -> AnySeries:
    """All-text values stripped and blanks made NaN, in Arrow's compiled string kernels."""
    trimmed = pc.utf8_trim_whitespace(
        pa.array(texts.to_numpy(), type=pa.string(), from_pandas=True)
    )
    cleaned = pc.if_else(pc.equal(trimmed, ""), None, trimmed).to_numpy(zero_copy_only=False)
    cleaned[pd.isna(cleaned)] = np.nan
    return pd.Series(cleaned, index=texts.index, name=texts.name, dtype=object)


def _stripped(value: Any) -> Any:
    """Text without surrounding spaces; other values unchanged."""
    return value.strip() if isinstance(value, str) else value


def _not_blank(value: Any) -> bool:
    """False for empty text and missing values."""
    return not (value == "" if isinstance(value, str) else _missing(value))


def _is_bool(value: Any) -> bool:
    """True for Python and NumPy booleans (which are not numbers here)."""
    return isinstance(value, bool | np.bool_)


def _is_date_like(value: Any) -> bool:
    """True for text and date/time objects; numbers are never read as dates."""
    return isinstance(value, str | date | np.datetime64)


def _label(value: Any) -> str:
    """One category label as text; integral floats lose their ``.0`` (``60.0`` is ``60``)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _missing(value: Any) -> bool:
    """True for None, NaN and NaT."""
    if value is None:
        return True
    return np.ndim(value) == 0 and bool(pd.isna(value))
