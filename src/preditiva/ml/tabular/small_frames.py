"""A prediction request's few rows through a fitted pipeline without a pandas op per column.

On one row pandas costs far more than the model: ``TabularFeatures`` made a Series per column,
``CategoryCodes`` a ``pd.Categorical`` per column, and LightGBM converted that frame back to
numbers. For at most ``SMALL_COLUMN`` rows the same readers run here on two blocks instead:
``FeatureBlocks`` (float64 numbers and date parts; labels as objects). A LightGBM pipeline
then goes straight to the booster with one float64 matrix, each category as its code in the
training levels (NaN when missing or unseen), which is what LightGBM makes of the pandas
categoricals itself; the other pipelines get ``TabularFeatures``' frame built from the blocks.
Both give the very predictions of the column path (tested on Ames).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from lightgbm import LGBMClassifier, LGBMModel

from preditiva.ml.tabular.validation import typed_values
from preditiva.ml.tabular.values import (
    DATE_PARTS,
    PART_SEPARATOR,
    SMALL_COLUMN,
    small_labels,
    to_dates,
    to_labels,
    to_numbers,
)

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True, eq=False)
class FeatureBlocks:
    """``TabularFeatures``' output as two blocks: numbers then date parts, and labels."""

    numbers: FloatArray
    number_names: list[str]
    labels: ObjectArray
    label_names: list[str]

    def frame(self, index: pd.Index) -> pd.DataFrame:
        """The blocks as ``TabularFeatures.transform``'s frame (same columns and dtypes)."""
        numbers = pd.DataFrame(self.numbers, index=index, columns=self.number_names)
        labels = pd.DataFrame(self.labels, index=index, columns=self.label_names, dtype=object)
        return pd.concat([numbers, labels], axis=1)


def is_small(frame: pd.DataFrame) -> bool:
    """True for a frame of at most ``SMALL_COLUMN`` rows (and at least one)."""
    return 0 < len(frame) <= SMALL_COLUMN


def feature_blocks(
    frame: pd.DataFrame,
    numeric: tuple[str, ...],
    categorical: tuple[str, ...],
    dates: tuple[str, ...],
) -> FeatureBlocks:
    """``TabularFeatures``' numbers (inf made NaN), date parts and labels of a small frame."""
    stamps = [to_dates(frame[name]).to_numpy() for name in dates]
    labels = [frame[name] for name in categorical]
    return _blocks(_numbers(frame, numeric), numeric, stamps, dates, labels, categorical)


def record_blocks(
    records: Sequence[Mapping[str, Any]],
    numeric: tuple[str, ...],
    categorical: tuple[str, ...],
    dates: tuple[str, ...],
) -> FeatureBlocks:
    """``feature_blocks`` of ``check_rows``' typed frame, read from its checked records."""
    numbers = np.empty((len(records), len(numeric)), dtype=np.float64)
    for position, name in enumerate(numeric):
        numbers[:, position] = typed_values(records, name, "numeric")
    numbers[~np.isfinite(numbers)] = np.nan
    stamps = [typed_values(records, name, "date") for name in dates]
    labels = [typed_values(records, name, "categorical") for name in categorical]
    return _blocks(numbers, numeric, stamps, dates, labels, categorical)


def lightgbm_matrix(
    blocks: FeatureBlocks, columns: list[str], levels: dict[str, list[str]]
) -> FloatArray:
    """``CategoryCodes``' columns as LightGBM reads them: numbers, and codes of ``levels``."""
    number_at = {name: i for i, name in enumerate(blocks.number_names)}
    label_at = {name: i for i, name in enumerate(blocks.label_names)}
    matrix = np.empty((len(blocks.numbers), len(columns)), dtype=np.float64)
    for position, name in enumerate(columns):
        if name in levels:
            code = {level: float(i) for i, level in enumerate(levels[name])}
            labels = blocks.labels[:, label_at[name]]
            matrix[:, position] = [code.get(label, np.nan) for label in labels]
        else:
            matrix[:, position] = blocks.numbers[:, number_at[name]]
    return matrix


def lightgbm_outputs(model: LGBMModel, matrix: FloatArray) -> FloatArray:
    """The fitted estimator's ``predict`` (regressor) or ``predict_proba`` (classifier) of a matrix.

    The booster predicts as LightGBM's scikit-learn wrapper has it predict (the wrapper itself
    would warn that an array has no feature names); a binary classifier's one probability
    becomes two columns the way the wrapper makes them.
    """
    scores = np.asarray(model.booster_.predict(matrix, num_threads=1), dtype=np.float64)
    if isinstance(model, LGBMClassifier) and scores.ndim == 1:
        return np.vstack((1.0 - scores, scores)).transpose()
    return scores


def _blocks(
    numbers: FloatArray,
    numeric: tuple[str, ...],
    stamps: list[npt.NDArray[Any]],
    dates: tuple[str, ...],
    labels: list[Any],
    categorical: tuple[str, ...],
) -> FeatureBlocks:
    """The blocks of read numbers, dates (as their parts) and raw labels (Series or arrays)."""
    parts = [_date_parts(values) for values in stamps]
    block = np.empty((len(numbers), len(categorical)), dtype=object)
    for position, values in enumerate(labels):
        read = small_labels(values.tolist())
        block[:, position] = to_labels(pd.Series(values)).to_numpy() if read is None else read
    names = [*numeric, *(f"{name}{PART_SEPARATOR}{part}" for name in dates for part in DATE_PARTS)]
    return FeatureBlocks(np.hstack([numbers, *parts]), names, block, list(categorical))


def _numbers(frame: pd.DataFrame, names: tuple[str, ...]) -> FloatArray:
    """``to_numbers`` of the columns, infinities made NaN, as one block (one pass if plain)."""
    dtypes = frame.dtypes
    plain = all(_plain_number(dtypes[name]) for name in names)
    if plain:
        block = frame[list(names)].to_numpy(dtype=np.float64, copy=True)
    else:
        block = np.column_stack([to_numbers(frame[name]).to_numpy() for name in names])
    block[~np.isfinite(block)] = np.nan
    return block


def _plain_number(dtype: Any) -> bool:
    """True for NumPy bool, integer and float dtypes (``to_numbers`` only casts them)."""
    return isinstance(dtype, np.dtype) and dtype.kind in "biuf"


def _date_parts(stamps: npt.NDArray[Any]) -> FloatArray:
    """``values.date_parts`` of naive datetimes as columns, NaN where the date is missing."""
    index = pd.DatetimeIndex(stamps)
    parts = {
        "year": index.year,
        "month": index.month,
        "day": index.day,
        "day_of_week": index.dayofweek,
        "day_of_year": index.dayofyear,
    }
    return np.column_stack([np.asarray(parts[name], dtype=np.float64) for name in DATE_PARTS])
